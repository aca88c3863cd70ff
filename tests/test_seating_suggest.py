"""The suggested table plan (``seating.suggest``): its hard constraints hold on every instance
(hypothesis, and hundreds of generated dinners), what it cannot do it says, and its
objective is within a few percent of OR-Tools CP-SAT's optimum on small instances."""

from __future__ import annotations

import ast
import inspect
import random
import statistics

from hypothesis import given, settings
from hypothesis import strategies as st

from bench.seating import Instance, compare, generated_instance
from eventplanner.seating import suggest
from eventplanner.seating.suggest import (
    Person,
    ProblemKind,
    Table,
    hard_constraints_broken,
    seat_order,
    suggest_plan,
)


@st.composite
def dinners(draw) -> Instance:
    """A small dinner: tables of 1-10 seats, hosts, guests of a few companies (or none),
    plus-ones, and pins at tables with room (as the app's places always have)."""
    tables = [Table(f"t{n}", draw(st.integers(1, 10)))
              for n in range(draw(st.integers(1, 6)))]
    hosts = [Person(f"h{n}", is_host=True) for n in range(draw(st.integers(0, 4)))]
    people = list(hosts)
    for n in range(draw(st.integers(0, 30))):
        host = draw(st.sampled_from([None] + [h.id for h in hosts]))
        people.append(Person(f"g{n}", company=draw(st.sampled_from([None, "a", "b", "c"])),
                             host=host))
        for k in range(draw(st.integers(0, 2))):
            people.append(Person(f"g{n}+{k}", guest_of=f"g{n}"))
    free = {table.id: table.seats for table in tables}
    pinned = []
    for person in people:
        table = draw(st.sampled_from([None, None, None] + [t.id for t in tables]))
        if table is not None and free[table] > 0:
            free[table] -= 1
            person = Person(person.id, person.company, person.is_host, person.host,
                            person.guest_of, table)
        pinned.append(person)
    return Instance(pinned, tables, draw(st.booleans()))


@settings(max_examples=300, deadline=None)
@given(dinners())
def test_the_hard_constraints_always_hold(dinner):
    result = suggest_plan(dinner.people, dinner.tables, dinner.allow_one_company)
    assert hard_constraints_broken(dinner.people, dinner.tables, result.tables,
                                   dinner.allow_one_company) == []
    assert set(result.tables) | set(result.unseated) == {p.id for p in dinner.people}
    assert not set(result.tables) & set(result.unseated)
    if len(dinner.people) > sum(t.seats for t in dinner.tables):
        assert ProblemKind.TOO_FEW_SEATS in {problem.kind for problem in result.problems}


def test_the_hard_constraints_hold_on_generated_dinners_of_50_to_200_people():
    for seed in range(200):
        dinner = generated_instance(seed)
        result = suggest_plan(dinner.people, dinner.tables)
        assert hard_constraints_broken(dinner.people, dinner.tables, result.tables,
                                       False) == [], seed
        assert result.unseated == [], seed  # the generated dinners have room for everyone


def test_the_suggestion_is_within_a_few_percent_of_cp_sat_on_small_dinners():
    comparisons = []
    for seed in range(12):
        rng = random.Random(seed)
        dinner = generated_instance(1000 + seed, people=rng.randint(16, 40),
                                    tables=rng.randint(3, 6))
        comparison = compare(dinner, seconds=20)
        assert comparison.reference_best == comparison.reference_bound  # proved optimal
        assert comparison.seated == comparison.reference_seated
        comparisons.append(comparison)
    gaps = [c.preference_gap for c in comparisons]
    print(f"\nwho-with-whom gap to CP-SAT's optimum: mean {statistics.mean(gaps):.2%}, "
          f"max {max(gaps):.2%}; whole objective: max {max(c.gap for c in comparisons):.3%}")
    assert max(c.gap for c in comparisons) < 0.01
    assert statistics.mean(gaps) < 0.02
    assert max(gaps) < 0.05


def test_too_few_seats_seats_whom_it_can_and_says_so():
    people = [Person(f"g{n}") for n in range(7)]
    result = suggest_plan(people, [Table("a", 2), Table("b", 3)])
    assert len(result.tables) == 5 and len(result.unseated) == 2
    assert result.problems == [suggest.Problem(ProblemKind.TOO_FEW_SEATS, 7, 5)]


def test_one_company_gets_at_most_half_of_each_table_unless_allowed():
    people = [Person(f"n{n}", company="Nordlys") for n in range(8)]
    tables = [Table("a", 4), Table("b", 4)]
    result = suggest_plan(people, tables)
    assert len(result.tables) == 4
    assert result.problems == [suggest.Problem(ProblemKind.COMPANY_TOO_LARGE, 8, 4,
                                               "Nordlys")]
    allowed = suggest_plan(people, tables, allow_one_company=True)
    assert len(allowed.tables) == 8 and allowed.problems == []


def test_hosts_are_spread_one_per_table_while_there_are_tables_enough():
    hosts = [Person(f"h{n}", is_host=True) for n in range(3)]
    result = suggest_plan(hosts, [Table(f"t{n}", 8) for n in range(5)])
    assert len(set(result.tables.values())) == 3
    six = [Person(f"h{n}", is_host=True) for n in range(6)]
    result = suggest_plan(six, [Table(f"t{n}", 8) for n in range(3)])
    assert sorted(list(result.tables.values()).count(t) for t in ("t0", "t1", "t2")) == [
        2, 2, 2]


def test_guests_sit_with_their_host_and_plus_ones_with_their_guest_pins_kept():
    people = [Person("hanne", is_host=True), Person("hugo", is_host=True),
              Person("kari", company="Nordlys", host="hanne"),
              Person("kari+1", guest_of="kari"),
              Person("per", company="Fjord", host="hugo"),
              Person("anne", company="Fjord", host="hanne", pinned_at="t2")]
    result = suggest_plan(people, [Table("t1", 4), Table("t2", 4)])
    at = result.tables
    assert at["anne"] == "t2" and at["hanne"] != at["hugo"]
    assert at["kari"] == at["kari+1"] == at["hanne"] and at["per"] == at["hugo"]


def test_the_seats_of_a_table_go_host_then_their_guests_plus_ones_beside():
    people = [Person("stranger", company="x"), Person("kari+1", guest_of="kari"),
              Person("per", host="hanne"), Person("kari", host="hanne"),
              Person("hanne", is_host=True)]
    assert [p.id for p in seat_order(people)] == ["hanne", "per", "kari", "kari+1",
                                                  "stranger"]


def test_the_suggestion_is_plain_python():
    tree = ast.parse(inspect.getsource(suggest))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module}
    assert imported <= {"__future__", "enum", "math", "random", "collections", "dataclasses"}
