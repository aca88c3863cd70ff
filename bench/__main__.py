"""``make bench``: every benchmark, each in its own process and database, in one table.

    .venv/bin/python -m bench
"""

from __future__ import annotations

import json
import subprocess
import sys

from bench.support import ROOT, Row, print_table

BENCHMARKS = ("bench.rsvp_page", "bench.import_invite", "bench.api_sync", "bench.calendar",
              "bench.mail_worker", "bench.mail_receive", "bench.place_cards", "bench.seating",
              "bench.briefing")


def main() -> None:
    rows: list[Row] = []
    for module in BENCHMARKS:
        print(f"running {module} ...", file=sys.stderr, flush=True)
        output = subprocess.run([sys.executable, "-m", module, "--json"], cwd=ROOT,
                                check=True, capture_output=True, text=True).stdout
        rows += [Row(**row) for row in json.loads(output.strip().splitlines()[-1])]
    print_table(rows)
    missed = [row.measure for row in rows if row.passed is False]
    if missed:
        raise SystemExit("missed targets: " + "; ".join(missed))


if __name__ == "__main__":
    main()
