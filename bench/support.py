"""Shared by the benchmarks: a throw-away SQLite database with data, servers, wrk."""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def bench_environment(database_url: str) -> dict[str, str]:
    return {**os.environ, "EVENTPLANNER_CONFIG": "production", "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_hex(32), "SESSION_COOKIE_SECURE": "0",
            "BASE_URL": "http://127.0.0.1"}


@contextlib.contextmanager
def scratch_database():
    """A migrated SQLite database in a temporary folder; yields its URL."""
    folder = tempfile.mkdtemp(prefix="eventplanner-bench-")
    url = f"sqlite:///{folder}/bench.db"
    subprocess.run([BIN / "flask", "--app", "eventplanner", "db", "upgrade"], check=True,
                   env=bench_environment(url), cwd=ROOT, capture_output=True)
    try:
        yield url
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def gunicorn(app_spec: str, env: dict[str, str], workers: int = 2):
    """Serve ``app_spec`` with gunicorn's sync workers on a free loopback port."""
    port = free_port()
    # The app logs a JSON line per request: to a file, as a real deployment would, so a
    # full pipe never stalls the workers.
    log = tempfile.TemporaryFile()
    process = subprocess.Popen(
        [BIN / "gunicorn", "--workers", str(workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", app_spec],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(base + "/", timeout=1)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                log.seek(0)
                raise RuntimeError(log.read().decode()) from None
            time.sleep(0.2)
    try:
        yield base
    finally:
        process.terminate()
        process.wait(10)
        log.close()


@dataclass
class Row:
    """One line of the benchmark table."""

    measure: str
    value: float
    unit: str
    target: str = ""
    passed: bool | None = None


def report(rows: list[Row], as_json: bool) -> None:
    """Print the rows as a table, or as JSON for ``python -m bench`` to gather."""
    if as_json:
        print(json.dumps([asdict(row) for row in rows]))
        return
    print_table(rows)


def print_table(rows: list[Row]) -> None:
    print(f"{'measure':58}{'value':>12}  {'unit':10}{'target':16}ok")
    for row in rows:
        value = f"{row.value:,.2f}" if row.value < 100 else f"{row.value:,.0f}"
        verdict = {True: "yes", False: "NO", None: ""}[row.passed]
        print(f"{row.measure:58}{value:>12}  {row.unit:10}{row.target:16}{verdict}")


@dataclass
class LoadResult:
    requests_per_second: float
    p50_ms: float
    p99_ms: float
    non_2xx: int


def _milliseconds(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(url: str, seconds: int = 5, connections: int = 16, threads: int = 2) -> LoadResult:
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is needed: apt-get install -y wrk (make bench installs it)")
    output = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency", url],
        check=True, capture_output=True, text=True).stdout
    if "50%" not in output:
        raise RuntimeError(f"wrk said:\n{output}")
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return LoadResult(
        requests_per_second=float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        p50_ms=_milliseconds(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1)),
        p99_ms=_milliseconds(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1)),
        non_2xx=int(non_2xx.group(1)) if non_2xx else 0,
    )


def median_of(url: str, runs: int, seconds: int) -> LoadResult:
    """Warm up, then the median of ``runs`` runs (NOTES.md: this machine is noisy)."""
    wrk(url, seconds=2)
    results = [wrk(url, seconds=seconds) for _ in range(runs)]
    return LoadResult(
        statistics.median(r.requests_per_second for r in results),
        statistics.median(r.p50_ms for r in results),
        statistics.median(r.p99_ms for r in results),
        sum(r.non_2xx for r in results),
    )
