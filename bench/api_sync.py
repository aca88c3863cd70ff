"""A CRM's sync through the API: 10,000 contacts upserted in bulk, 200 changed, the
changes fetched with ``updated_since``, and list pages of 100 contacts.

Runs in-process through the real app (production settings, the Flask test client, a real
API token) on a fresh SQLite database. Targets: the whole sync under 10 s; a list page of
100 contacts in a median under 20 ms, with as many queries on every page.

    .venv/bin/python -m bench.api_sync [--contacts 10000]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from sqlalchemy import event as sqlalchemy_event

from bench.support import Row, bench_environment, report, scratch_database

BATCH = 1000
CHANGED = 200
PAGES = 50
COMPANIES = ["Nordlys Shipping AS", "Øresund Logistik ApS", "Hansefracht GmbH",
             "Fjordkraft Rådgivning AS", "Kystlinje Data AS"]


def contact_row(number: int, job_title: str = "Buyer") -> dict:
    return {"external_id": f"crm-{number}", "name": f"Gjest Nummer {number}",
            "email": f"gjest{number}@kunde{number % 50}.example", "job_title": job_title,
            "company_name": COMPANIES[number % 5], "language": ["nb", "da", "de", "en"][number % 4],
            "tags": ["vip"] if number % 10 == 0 else ["kunde"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contacts", type=int, default=10_000)
    parser.add_argument("--json", action="store_true", help="rows for python -m bench")
    args = parser.parse_args()
    with scratch_database() as url:
        os.environ.update(bench_environment(url))  # production settings, rate limits on
        report(run(args.contacts), args.json)


def run(count: int) -> list[Row]:
    from eventplanner import create_app
    from eventplanner.auth.services import register_organiser
    from eventplanner.extensions import db, utcnow
    from eventplanner.team.api_tokens import create_token

    app = create_app()
    with app.app_context():
        owner = register_organiser("Sync Owner", "sync.owner@example.com", "a long password 1")
        db.session.flush()
        secret = create_token(owner, "CRM sync", ["contacts:read", "contacts:write"], None,
                              utcnow()).secret
        db.session.commit()
        engine = db.engine
    headers = {"Authorization": f"Bearer {secret}"}
    client = app.test_client()

    def post(rows: list[dict]) -> list[dict]:
        response = client.post("/api/v1/contacts/bulk", json={"contacts": rows},
                               headers=headers)
        assert response.status_code == 200, response.get_json()
        return response.get_json()["contacts"]

    started = time.perf_counter()
    for first in range(0, count, BATCH):
        answer = post([contact_row(n) for n in range(first, min(first + BATCH, count))])
        assert {row["result"] for row in answer} == {"created"}
    upserted = time.perf_counter()

    time.sleep(0.01)
    before_changes = utcnow().isoformat().replace("+00:00", "Z")
    time.sleep(0.01)
    answer = post([contact_row(n, job_title="Head of buying")
                   for n in range(0, count, count // CHANGED)][:CHANGED])
    assert sum(row["result"] == "updated" for row in answer) == CHANGED
    changed = time.perf_counter()
    full = pull(client, headers, "2000-01-01T00:00:00Z")
    assert full.count == count, full.count
    synced = time.perf_counter()
    changes = pull(client, headers, before_changes)
    assert changes.count == CHANGED, changes.count
    pulled_changes = time.perf_counter()

    statements: list[str] = []
    sqlalchemy_event.listen(engine, "before_cursor_execute",
                            lambda *args, **kwargs: statements.append(args[2]))
    times, queries, cursor = [], [], None
    for _ in range(PAGES):
        url = "/api/v1/contacts?limit=100" + (f"&cursor={cursor}" if cursor else "")
        statements.clear()
        began = time.perf_counter()
        response = client.get(url, headers=headers)
        times.append((time.perf_counter() - began) * 1000)
        queries.append(len(statements))
        assert response.status_code == 200
        page = response.get_json()
        assert len(page["data"]) == 100
        cursor = page["next_cursor"]

    total = synced - started
    median = statistics.median(times)
    return [
        Row(f"upsert {count} contacts in bulk calls of {BATCH}", upserted - started, "s"),
        Row(f"  then change {CHANGED} of them in one bulk call", changed - upserted, "s"),
        Row(f"  then pull all with updated_since ({full.pages} pages of {BATCH})",
            synced - changed, "s"),
        Row("the whole sync", total, "s", "< 10", total < 10),
        Row(f"pull the {CHANGED} changed with updated_since", pulled_changes - synced, "s"),
        Row(f"a list page of 100 contacts (median of {PAGES})", median, "ms", "< 20",
            median < 20),
        Row("  its SQL queries, on every page", max(queries), "queries",
            "constant", min(queries) == max(queries)),
    ]


class Pulled:
    def __init__(self) -> None:
        self.count = 0
        self.pages = 0


def pull(client, headers: dict, since: str) -> Pulled:
    """Every page of what changed after ``since``, as a sync reads them."""
    pulled, cursor = Pulled(), None
    while True:
        url = f"/api/v1/contacts?limit={BATCH}&updated_since={since}"
        response = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=headers)
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        pulled.count += len(page["data"])
        pulled.pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            return pulled


if __name__ == "__main__":
    main()
