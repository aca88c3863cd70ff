"""A real browser: the app served on a free loopback port, Debian's Chromium driven by
Playwright, and axe-core from the npm registry for the accessibility checks.

Chromium and axe-core are installed here when missing, so ``make test`` works on a fresh
machine of this kind (Debian, root, the npm registry reachable).
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.conftest import ROOT, Backend, free_port, migrate_to_head

CHROMIUM = "/usr/bin/chromium"
AXE = ROOT / ".cache" / "axe-core" / "node_modules" / "axe-core" / "axe.min.js"
OUTPUT = ROOT / "test-output"
APT_LOCK_TIMEOUT = 600  # seconds
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


def _install(command: list[str]) -> None:
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                   timeout=900)


def apt_get(*arguments: str) -> list[str]:
    """An apt-get command that waits (up to ten minutes) for another apt or dpkg to finish,
    instead of failing at once on the lock, as on a fresh machine that updates itself."""
    return ["apt-get", "-o", f"DPkg::Lock::Timeout={APT_LOCK_TIMEOUT}", *arguments]


def install_chromium() -> None:
    install = apt_get("install", "-y", "--no-install-recommends", "chromium")
    try:
        _install(install)
    except subprocess.CalledProcessError:
        _install(apt_get("update"))
        _install(install)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not Path(CHROMIUM).exists() and shutil.which("apt-get"):
        install_chromium()
    if not Path(CHROMIUM).exists():
        pytest.fail("The browser tests need Debian's Chromium: apt-get install chromium")
    return CHROMIUM


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        if not shutil.which("npm"):
            pytest.fail("The accessibility check needs npm to fetch axe-core")
        _install(["npm", "install", "--no-audit", "--no-fund", "--prefix",
                  str(AXE.parents[2]), "axe-core@4"])
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
