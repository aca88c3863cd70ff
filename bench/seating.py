"""Suggesting a table plan: the heuristic's time for 200 guests at 25 tables (target < 2 s),
and its objective against OR-Tools CP-SAT's on generated instances.

    .venv/bin/python -m bench.seating [--instances 30] [--limit 5]

The instances (``generated_instance``): 50-200 people at 6-25 tables, guests of client
companies of varied sizes (a few large, many small), a third of the guests with a plus-one,
hosts with guests of their own, about a fifth of the people pinned at a table that has room.
The gap is (reference - heuristic) / reference, where the reference is CP-SAT's best bound
within its time limit (its optimum when it proves one), so the gap is an upper bound on
how far the heuristic is from the optimum. It is given on the whole objective and on its
part that weighs who sits with whom (plus-ones with their guest, guests with their host).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from dataclasses import dataclass

from bench.support import Row, report
from eventplanner.seating.suggest import (
    SEATED,
    TOGETHER,
    WITH_HOST,
    Person,
    Table,
    company_cap,
    host_cap,
    score,
    suggest_plan,
)


@dataclass
class Instance:
    people: list[Person]
    tables: list[Table]
    allow_one_company: bool = False


def generated_instance(seed: int, people: int | None = None, tables: int | None = None,
                       pinned: float = 0.2) -> Instance:
    """A random dinner (module docstring), the same for the same arguments."""
    rng = random.Random(seed)
    total = people or rng.randint(50, 200)
    table_count = tables or max(6, min(25, round(total / rng.uniform(7, 9))))
    seat_counts = [rng.choice((6, 8, 8, 10, 10, 12)) for _ in range(table_count)]
    while sum(seat_counts) < total:  # room for everyone, a little to spare
        seat_counts[rng.randrange(table_count)] += 1
    table_list = [Table(f"t{n}", seats) for n, seats in enumerate(seat_counts)]
    host_count = max(1, min(table_count, round(total / 12)))
    hosts = [Person(f"h{n}", is_host=True) for n in range(host_count)]
    companies = [f"c{n}" for n in range(max(3, total // 8))]
    weights = [1 / (rank + 1) for rank in range(len(companies))]  # a few large, many small
    result: list[Person] = list(hosts)
    guest = 0
    while len(result) < total:
        company = rng.choices(companies, weights)[0]
        host = rng.choice(hosts).id if rng.random() < 0.8 else None
        guest_id = f"g{guest}"
        guest += 1
        result.append(Person(guest_id, company=company, host=host))
        if rng.random() < 0.33 and len(result) < total:
            result.append(Person(f"{guest_id}+1", guest_of=guest_id))
    free = {table.id: table.seats for table in table_list}
    pinned_people = []
    for person in result:
        if rng.random() < pinned:
            table_id = rng.choice(table_list).id
            if free[table_id] > 1:
                free[table_id] -= 1
                person = Person(person.id, person.company, person.is_host, person.host,
                                person.guest_of, table_id)
        pinned_people.append(person)
    return Instance(_pins_that_keep_the_rules(pinned_people, table_list), table_list)


def _pins_that_keep_the_rules(people: list[Person], tables: list[Table]) -> list[Person]:
    """Unpin whoever a pin would put over a company's or the hosts' share of a table (the
    organiser pins within the rules; the app allows more, and the plan respects it)."""
    seats = {table.id: table.seats for table in tables}
    hosts_cap = host_cap(sum(p.is_host for p in people), len(tables))
    counts: dict = {}
    kept = []
    for person in people:
        if person.pinned_at is not None:
            key = (person.pinned_at, "host" if person.is_host else person.company)
            limit = hosts_cap if person.is_host else company_cap(seats[person.pinned_at])
            if key[1] is not None and counts.get(key, 0) >= limit:
                person = Person(person.id, person.company, person.is_host, person.host,
                                person.guest_of)
            elif key[1] is not None:
                counts[key] = counts.get(key, 0) + 1
        kept.append(person)
    return kept


def cp_sat_reference(instance: Instance, seconds: float) -> tuple[int, int, dict]:
    """CP-SAT on the same model (``eventplanner.seating.suggest``'s docstring): its best
    objective, its best bound, and its plan."""
    from ortools.sat.python import cp_model

    model = cp_model.CpModel()
    people, tables = instance.people, instance.tables
    ids = {person.id for person in people}
    x = {(p.id, t.id): model.new_bool_var(f"x_{p.id}_{t.id}") for p in people for t in tables}
    for p in people:
        model.add(sum(x[p.id, t.id] for t in tables) <= 1)
        if p.pinned_at is not None:
            model.add(x[p.id, p.pinned_at] == 1)
    hosts = [p for p in people if p.is_host]
    cap = host_cap(len(hosts), len(tables))
    companies = {p.company for p in people if p.company is not None}
    for t in tables:
        model.add(sum(x[p.id, t.id] for p in people) <= t.seats)
        pinned_hosts = sum(1 for p in hosts if p.pinned_at == t.id)
        model.add(sum(x[p.id, t.id] for p in hosts) <= max(cap, pinned_hosts))
        if not instance.allow_one_company:
            for company in companies:
                members = [p for p in people if p.company == company]
                pinned = sum(1 for p in members if p.pinned_at == t.id)
                model.add(sum(x[p.id, t.id] for p in members)
                          <= max(company_cap(t.seats), pinned))
    terms = [SEATED * x[p.id, t.id] for p in people for t in tables]
    for p in people:
        partner, weight = ((p.guest_of, TOGETHER) if p.guest_of is not None
                           else (p.host, WITH_HOST))
        if partner is None or partner not in ids:
            continue
        together = model.new_bool_var(f"with_{p.id}")  # p at their partner's table
        model.add(together <= sum(x[p.id, t.id] for t in tables))
        for t in tables:
            model.add(x[p.id, t.id] - x[partner, t.id] <= 1 - together)
        terms.append(weight * together)
    model.maximize(sum(terms))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = seconds
    solver.parameters.num_workers = 2
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        raise RuntimeError(f"CP-SAT found no plan ({solver.status_name(status)})")
    plan = {p.id: t.id for p in people for t in tables if solver.value(x[p.id, t.id])}
    return round(solver.objective_value), round(solver.best_objective_bound), plan


def preference_part(value: int, seated: int) -> int:
    """The part of an objective that weighs who sits with whom."""
    return value - SEATED * seated


@dataclass
class Comparison:
    heuristic: int
    reference_bound: int
    reference_best: int
    seated: int
    reference_seated: int
    heuristic_seconds: float
    reference_seconds: float

    @property
    def gap(self) -> float:
        return max(0.0, (self.reference_bound - self.heuristic) / self.reference_bound)

    @property
    def gap_to_best(self) -> float:
        """The who-with-whom gap to the best plan CP-SAT found (negative: the heuristic's is
        better)."""
        best = preference_part(self.reference_best, self.reference_seated)
        mine = preference_part(self.heuristic, self.seated)
        return (best - mine) / best if best > 0 else 0.0

    @property
    def preference_gap(self) -> float:
        """The gap on the who-with-whom part, when both seat everyone they can."""
        bound = preference_part(self.reference_bound, self.reference_seated)
        mine = preference_part(self.heuristic, self.seated)
        return max(0.0, (bound - mine) / bound) if bound > 0 else 0.0


def compare(instance: Instance, seconds: float) -> Comparison:
    started = time.perf_counter()
    suggestion = suggest_plan(instance.people, instance.tables, instance.allow_one_company)
    heuristic_seconds = time.perf_counter() - started
    started = time.perf_counter()
    best, bound, plan = cp_sat_reference(instance, seconds)
    return Comparison(score(instance.people, suggestion.tables), bound, best,
                      len(suggestion.tables), len(plan), heuristic_seconds,
                      time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", type=int, default=30)
    parser.add_argument("--limit", type=float, default=5.0,
                        help="CP-SAT's time limit per instance, in seconds")
    parser.add_argument("--json", action="store_true", help="rows for python -m bench")
    args = parser.parse_args()
    report(run(args.instances, args.limit), args.json)


def run(instances: int, limit: float) -> list[Row]:
    big = generated_instance(0, people=200, tables=25)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        suggest_plan(big.people, big.tables)
        times.append(time.perf_counter() - started)
    comparisons = [compare(generated_instance(seed), limit) for seed in range(1, instances + 1)]
    gaps = [c.gap * 100 for c in comparisons]
    preference_gaps = [c.preference_gap * 100 for c in comparisons]
    return [
        Row("seating: suggest 200 people at 25 tables (heuristic)", statistics.median(times),
            "s", "< 2 s", statistics.median(times) < 2),
        Row(f"seating: CP-SAT per instance, median of {instances} (limit {limit:g} s)",
            statistics.median(c.reference_seconds for c in comparisons), "s"),
        Row(f"seating: heuristic per instance, median of {instances}",
            statistics.median(c.heuristic_seconds for c in comparisons), "s"),
        Row("seating: objective gap to CP-SAT's bound, mean", statistics.mean(gaps), "%",
            "< 3 %", statistics.mean(gaps) < 3),
        Row("seating: objective gap to CP-SAT's bound, max", max(gaps), "%"),
        Row("seating: who-with-whom gap to CP-SAT's bound, mean",
            statistics.mean(preference_gaps), "%"),
        Row("seating: who-with-whom gap to CP-SAT's bound, max", max(preference_gaps), "%"),
        Row("seating: who-with-whom gap to CP-SAT's best plan, mean",
            statistics.mean(c.gap_to_best * 100 for c in comparisons), "%"),
        Row(f"seating: instances CP-SAT proved optimal (of {instances})",
            sum(c.reference_best == c.reference_bound for c in comparisons), ""),
    ]


if __name__ == "__main__":
    main()
