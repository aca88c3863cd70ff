"""One guest's requests timed inside the app, without a server or wrk in between.

Run by ``bench.rsvp_page`` in its own process (the configuration comes from the
environment, read when ``config`` is imported), on the database it prepared:

- the guest page GET /r/<token> rendered with the page cache off: its time and the SQL
  statements it runs (every statement the driver executes, counted by SQLite's trace
  hook, so nothing that bypasses SQLAlchemy's events escapes the count);
- a guest's answer: POST /r/<token> through the redirect to the page that says it is
  saved, with the cache on as in production. The answer alternates between two choices
  for the dinner, so each one changes something (a history line and a confirmation email).

Prints one JSON object: medians in milliseconds (wall clock, and CPU time), statements
per page and per answer (the POST alone).

    python -m bench.guest_requests <token> [--requests 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import statistics
import time

from sqlalchemy import event

from eventplanner import create_app
from eventplanner.extensions import db
from eventplanner.rsvp.page_cache import RenderedPages

CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PART_INPUT = re.compile(r'name="(part_\d+)"')
STATEMENT = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)


class StatementCounter:
    """Counts the SQL statements the driver runs, raw cursors included (SQLite only)."""

    def __init__(self, engine) -> None:
        self.count = 0
        event.listen(engine, "connect", self._trace)

    def _trace(self, dbapi_connection, record) -> None:
        dbapi_connection.set_trace_callback(self._note)

    def _note(self, sql: str) -> None:
        if STATEMENT.match(sql):
            self.count += 1


def timed(call, requests: int, rounds: int) -> tuple[float, float]:
    """Median milliseconds of ``call`` over ``rounds`` rounds of ``requests`` calls each
    (a round's median, then the median of the rounds: the machine is shared), on the wall
    clock and in this process's CPU time (which other programs on the machine disturb
    less)."""
    for _ in range(max(requests // 4, 10)):  # warm up: imports, templates, the pool
        call()
    wall, cpu = [], []
    for _ in range(rounds):
        wall_times, cpu_times = [], []
        for _ in range(requests):
            started, started_cpu = time.perf_counter(), time.process_time()
            call()
            cpu_times.append((time.process_time() - started_cpu) * 1000)
            wall_times.append((time.perf_counter() - started) * 1000)
        wall.append(statistics.median(wall_times))
        cpu.append(statistics.median(cpu_times))
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("token")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    app = create_app()
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        raise SystemExit("the statement count reads SQLite's trace hook: run on SQLite")
    with app.app_context():
        counter = StatementCounter(db.engine)
    client = app.test_client()
    url = f"/r/{args.token}"

    def cold_page() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    pages = app.extensions["guest_pages"]
    app.extensions["guest_pages"] = RenderedPages(0)  # the cache off: every GET renders
    cold_page()
    before = counter.count
    cold_page()
    statements = counter.count - before
    cold_ms, cold_cpu_ms = timed(cold_page, args.requests, args.rounds)
    app.extensions["guest_pages"] = pages

    page = client.get(url).get_data(as_text=True)
    form = {"csrf_token": CSRF_INPUT.search(page).group(1),
            "plus_one_names-0": "Per Nordmann", "dietary_needs": "Vegetarian",
            "message_to_host": ""}
    race, dinner = list(dict.fromkeys(PART_INPUT.findall(page)))[:2]
    choices = itertools.cycle(["no", "yes"])

    def answer() -> None:
        choice = next(choices)
        response = client.post(url, data={**form, race: "yes", dinner: choice},
                               follow_redirects=True)
        assert response.status_code == 200 and len(response.history) == 1, \
            response.status_code

    answer_ms, answer_cpu_ms = timed(answer, args.requests // 2, args.rounds)
    before = counter.count
    response = client.post(url, data={**form, race: "yes", dinner: next(choices)})
    assert response.status_code == 303, response.status_code
    answer_statements = counter.count - before
    print(json.dumps({"cold_page_ms": cold_ms, "cold_page_cpu_ms": cold_cpu_ms,
                      "cold_page_statements": statements,
                      "answer_ms": answer_ms, "answer_cpu_ms": answer_cpu_ms,
                      "answer_statements": answer_statements}))


if __name__ == "__main__":
    main()
