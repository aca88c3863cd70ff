"""The guest page GET /r/<token> against a bare Flask hello-world, same server, same load.

Both run under gunicorn with 2 sync workers on SQLite; wrk drives 16 connections from 2
threads; each figure is the median of several runs. Target: the guest page reaches at
least half the hello-world's requests/s, with p99 under 50 ms.

    .venv/bin/python -m bench.rsvp_page [--runs 5] [--seconds 5]
"""

from __future__ import annotations

import argparse
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
    if page.non_2xx:
        raise SystemExit(f"{page.non_2xx} responses were not 2xx: the benchmark is invalid")
    ratio = page.requests_per_second / hello.requests_per_second
    report([
        Row("hello-world, gunicorn 2 sync workers", hello.requests_per_second, "req/s"),
        Row("hello-world p99", hello.p99_ms, "ms"),
        Row("guest page GET /r/<token>", page.requests_per_second, "req/s"),
        Row("guest page / hello-world", ratio, "ratio", ">= 0.50", ratio >= 0.5),
        Row("guest page p99", page.p99_ms, "ms", "< 50", page.p99_ms < 50),
    ], args.json)


if __name__ == "__main__":
    main()
