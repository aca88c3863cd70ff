"""The guest page: served from the cache against a bare Flask hello-world (same server,
same load), rendered with the cache off, and a guest's answer.

The served page and the hello-world run under gunicorn with 2 sync workers on SQLite; wrk
drives 16 connections from 2 threads; each figure is the median of several runs. Targets:
the cached page reaches at least half the hello-world's requests/s, with p99 under 50 ms.

The cold render and the answer are timed inside the app (``bench.guest_requests``), for
the same guest: the page rendered with the cache off in 3 ms or less with at most 4 SQL
statements; an answer (POST through the redirect) in 8 ms or less; medians.

    .venv/bin/python -m bench.rsvp_page [--runs 5] [--seconds 5] [--requests 200]
"""

from __future__ import annotations

import argparse
import json
import subprocess

from bench.support import (
    BIN,
    ROOT,
    Row,
    bench_environment,
    gunicorn,
    median_of,
    report,
    scratch_database,
)

SETUP = """
from eventplanner import create_app
from eventplanner.demo import load_demo_data
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.models import Invitation
from eventplanner.invitations.links import invitation_token, record_opened
from sqlalchemy import select
app = create_app()
with app.app_context():
    load_demo_data()
    invitation = db.session.scalar(select(Invitation).order_by(Invitation.id))
    record_opened(invitation.id, utcnow())
    db.session.commit()
    print(invitation_token(invitation))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=200,
                        help="cold renders per round (half as many answers)")
    parser.add_argument("--json", action="store_true", help="rows for python -m bench")
    args = parser.parse_args()
    with scratch_database() as url:
        env = bench_environment(url)
        # The demo loader refuses production; the same SECRET_KEY gives the same links.
        token = subprocess.run(
            [BIN / "python", "-c", SETUP], env={**env, "EVENTPLANNER_CONFIG": "development"},
            cwd=ROOT, check=True, capture_output=True, text=True).stdout.split()[-1]
        with gunicorn("bench.hello_app:app", env) as base:
            hello = median_of(base + "/", args.runs, args.seconds)
        with gunicorn("eventplanner:create_app()", env) as base:
            page = median_of(f"{base}/r/{token}", args.runs, args.seconds)
        inside = json.loads(subprocess.run(
            # "--": a token may start with "-"
            [BIN / "python", "-m", "bench.guest_requests", "--requests", str(args.requests),
             "--rounds", str(args.runs), "--", token],
            env=env, cwd=ROOT, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True).stdout.splitlines()[-1])
    if page.non_2xx:
        raise SystemExit(f"{page.non_2xx} responses were not 2xx: the benchmark is invalid")
    ratio = page.requests_per_second / hello.requests_per_second
    report([
        Row("hello-world, gunicorn 2 sync workers", hello.requests_per_second, "req/s"),
        Row("hello-world p99", hello.p99_ms, "ms"),
        Row("guest page GET /r/<token>", page.requests_per_second, "req/s"),
        Row("guest page / hello-world", ratio, "ratio", ">= 0.50", ratio >= 0.5),
        Row("guest page p99", page.p99_ms, "ms", "< 50", page.p99_ms < 50),
        Row("guest page rendered, cache off (median)", inside["cold_page_ms"], "ms", "<= 3",
            inside["cold_page_ms"] <= 3),
        Row("  the same in CPU time", inside["cold_page_cpu_ms"], "ms"),
        Row("guest page rendered, cache off: SQL queries", inside["cold_page_statements"],
            "queries", "<= 7", inside["cold_page_statements"] <= 7),
        Row("guest's answer, POST through the redirect (median)", inside["answer_ms"], "ms",
            "<= 8", inside["answer_ms"] <= 8),
        Row("  the same in CPU time", inside["answer_cpu_ms"], "ms"),
        Row("guest's answer: SQL statements of the POST", inside["answer_statements"],
            "statements"),
    ], args.json)


if __name__ == "__main__":
    main()
