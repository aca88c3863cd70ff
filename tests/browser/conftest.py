"""A real browser: the app served on a free loopback port, Debian's Chromium driven by
Playwright, and axe-core from the npm registry for the accessibility checks.

``make test-tools`` (a step of ``make test``) installs Chromium and axe-core; a test run
never does. Without them these tests are skipped, and fail in CI.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import ROOT, Backend, free_port, migrate_to_head, not_installed

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / ".cache" / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"
OUTPUT = ROOT / "test-output"
#: axe-core's rules for WCAG 2.1 A and AA, each violation named with its first elements.
AXE_WCAG_21_AA = """async () => {
    const result = await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
    return result.violations.map(v => `${v.id}: ${v.help} (${v.nodes.length}) `
        + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '));
}"""


@pytest.fixture(scope="session")
def backend(tmp_path_factory) -> Backend:
    """Browser tests run on SQLite only: the data layer is tested on both elsewhere."""
    template = tmp_path_factory.mktemp("browser") / "template.db"
    migrate_to_head(f"sqlite:///{template}")
    return Backend("sqlite", str(template))


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists():
        not_installed("Debian's Chromium")
    return CHROMIUM


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        not_installed("axe-core")
    return AXE.read_text()


@pytest.fixture(scope="session")
def browser(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path,
                                             args=["--no-sandbox"])
        yield browser
        browser.close()


@contextmanager
def serve(app: Flask) -> Iterator[str]:
    """The app on a free loopback port, in a thread, while the block runs; emails link to it."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    app.config.update(BASE_URL=base)
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    with serve(app) as base:
        yield base


@pytest.fixture
def screenshots(request) -> Path:
    """The test's output folder: a screenshot of each step goes here."""
    folder = OUTPUT / request.node.name.replace("[", "-").replace("]", "")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder


def page_problems(page, viewport_width: int) -> list[str]:
    """What is wrong with the page on screen: sideways scrolling, and axe-core's WCAG 2.1
    A/AA violations (the page must have loaded axe-core as an init script)."""
    problems = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > viewport_width:
        problems.append(f"{width}px wide on a {viewport_width}px screen: scrolls sideways")
    return problems + page.evaluate(AXE_WCAG_21_AA)
