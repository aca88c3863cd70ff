"""Suggest a table plan: who sits at which table. Pure Python: plain dataclasses in, a table
per person out; no Flask, no database.

The problem
-----------
People: guests, their plus-ones and the event's hosts. Tables: each with a number of seats.

Hard constraints (never broken by ``suggest_plan``):

1. a table holds at most its seats;
2. a pinned person stays at their table;
3. unless ``allow_one_company``, no table holds more than half its seats of one client
   company: at most ``company_cap(seats) = max(1, seats // 2)`` guests of a company (only
   guests count for their company: plus-ones and hosts belong to none), or as many as are
   pinned there, if more;
4. hosts are spread: at most ``host_cap = ceil(hosts / tables)`` hosts at a table (one per
   table while there are at least as many tables as hosts), or as many as are pinned there;
5. each person sits at one table at most.

Objective (maximised): ``SEATED * people seated + TOGETHER * plus-ones at the table of the
guest who brings them + WITH_HOST * guests at the table of their host``. ``SEATED`` is larger
than everything else together can be per person, so a plan seats as many people as the hard
constraints allow before it weighs who sits with whom; a plus-one beside their guest weighs
more than a guest beside their host.

The method (``suggest_plan``)
-----------------------------
Greedy, then local search, from ``STARTS`` placings of the hosts; the best plan is kept.
Pinned people are placed first; then the unpinned hosts (each at the table with the fewest
hosts; or where their pinned guests sit; or in a shuffled order); then parties (a guest with
their unpinned plus-ones), those tied to pinned people first, then larger parties and those
with a host, each at the table where it adds most to the objective and fits whole, else
split over the tables with room. Then a local search over parties, single people and hosts:
move one to the table where it adds most, or swap it with a party there, or move that
party on to a third table, or (an ejection chain) send away the parties least tied to that
table and fill the seats left with parties that gain there; each step is kept only when it
raises the objective and keeps every hard constraint; rounds until nothing improves (or
``MAX_ROUNDS``). ``seat_order`` then orders each table's seats: each host followed by their
guests, every plus-one beside their guest.

When not everybody can be seated (too few seats, a company larger than its share of the
tables), the plan seats whom it can and ``Suggestion.problems`` says why the others are not.
"""

from __future__ import annotations

import enum
import math
import random
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field

SEATED = 1000
TOGETHER = 100
WITH_HOST = 10

#: How many rounds of local search at most (each round tries every party once).
MAX_ROUNDS = 30
#: How many runs from different placings of the hosts; the best plan is kept.
STARTS = 4


@dataclass(frozen=True)
class Table:
    id: Hashable
    seats: int


@dataclass(frozen=True)
class Person:
    """Someone to seat. ``company``: a guest's client company (None for plus-ones, hosts
    and guests of no company). ``host``: the id of the guest's host (a ``Person`` id).
    ``guest_of``: for a plus-one, the id of the guest who brings them. ``pinned_at``: the
    table a pinned person keeps."""

    id: Hashable
    company: Hashable | None = None
    is_host: bool = False
    host: Hashable | None = None
    guest_of: Hashable | None = None
    pinned_at: Hashable | None = None


class ProblemKind(enum.StrEnum):
    TOO_FEW_SEATS = "too few seats"
    COMPANY_TOO_LARGE = "company too large"


@dataclass(frozen=True)
class Problem:
    """Why some people cannot all be seated: too few seats (``people`` to seat, ``seats``
    free), or one company with more guests (``people``) than the tables allow of it
    (``seats``)."""

    kind: ProblemKind
    people: int
    seats: int
    company: Hashable | None = None


@dataclass
class Suggestion:
    #: Table id per person id; people left out are not in it.
    tables: dict[Hashable, Hashable]
    unseated: list[Hashable]
    problems: list[Problem] = field(default_factory=list)


def company_cap(seats: int) -> int:
    """The most guests of one client company at a table of ``seats``: half, at least one."""
    return max(1, seats // 2)


def host_cap(hosts: int, tables: int) -> int:
    return max(1, math.ceil(hosts / tables)) if tables else 0


def score(people: Iterable[Person], tables: dict[Hashable, Hashable]) -> int:
    """The objective (module docstring) of a plan: ``tables`` is the table per person id."""
    people = list(people)
    total = 0
    for person in people:
        here = tables.get(person.id)
        if here is None:
            continue
        total += SEATED
        if person.guest_of is not None and tables.get(person.guest_of) == here:
            total += TOGETHER
        if person.host is not None and person.guest_of is None and tables.get(person.host) == here:
            total += WITH_HOST
    return total


def hard_constraints_broken(people: Iterable[Person], tables_: Iterable[Table],
                            plan: dict[Hashable, Hashable], allow_one_company: bool) -> list[str]:
    """What in ``plan`` breaks a hard constraint (module docstring), for tests and checks."""
    people, tables_ = list(people), list(tables_)
    by_id = {table.id: table for table in tables_}
    broken = []
    at: dict[Hashable, list[Person]] = defaultdict(list)
    for person in people:
        if person.id in plan:
            at[plan[person.id]].append(person)
        if person.pinned_at is not None and plan.get(person.id) != person.pinned_at:
            broken.append(f"{person.id} is pinned at {person.pinned_at}")
    hosts = sum(1 for person in people if person.is_host)
    for table_id, sitting in at.items():
        table = by_id.get(table_id)
        if table is None:
            broken.append(f"{table_id} is no table")
            continue
        if len(sitting) > table.seats:
            broken.append(f"{table_id}: {len(sitting)} at {table.seats} seats")
        pinned_hosts = sum(1 for p in sitting if p.is_host and p.pinned_at == table_id)
        if sum(1 for p in sitting if p.is_host) > max(host_cap(hosts, len(tables_)),
                                                      pinned_hosts):
            broken.append(f"{table_id}: too many hosts")
        if not allow_one_company:
            counts: dict[Hashable, list[Person]] = defaultdict(list)
            for p in sitting:
                if p.company is not None:
                    counts[p.company].append(p)
            for company, members in counts.items():
                pinned = sum(1 for p in members if p.pinned_at == table_id)
                if len(members) > max(company_cap(table.seats), pinned):
                    broken.append(f"{table_id}: {len(members)} of {company}")
    return broken


class _Plan:
    """The working state: who sits where, with per table counts kept up to date."""

    def __init__(self, people: list[Person], tables: list[Table],
                 allow_one_company: bool) -> None:
        self.people = {person.id: person for person in people}
        self.tables = {table.id: table for table in tables}
        self.allow_one_company = allow_one_company
        self.at: dict[Hashable, Hashable] = {}
        self.free = {table.id: table.seats for table in tables}
        self.hosts_at: dict[Hashable, int] = defaultdict(int)
        self.company_at: dict[tuple, int] = defaultdict(int)
        self.host_cap = host_cap(sum(1 for p in people if p.is_host), len(tables))
        self.host_limit = {table.id: self.host_cap for table in tables}
        self.company_limit = {table.id: company_cap(table.seats) for table in tables}
        self.pinned_company: dict[tuple, int] = defaultdict(int)
        #: Who brings whom, and whose host is whom: to weigh a move's effect.
        self.plus_ones: dict[Hashable, list[Hashable]] = defaultdict(list)
        self.guests_of_host: dict[Hashable, list[Hashable]] = defaultdict(list)
        for person in people:
            if person.guest_of is not None and person.guest_of in self.people:
                self.plus_ones[person.guest_of].append(person.id)
            elif person.host is not None and person.host in self.people:
                self.guests_of_host[person.host].append(person.id)

    def place(self, person: Person, table_id: Hashable) -> None:
        self.at[person.id] = table_id
        self.free[table_id] -= 1
        if person.is_host:
            self.hosts_at[table_id] += 1
        if person.company is not None:
            self.company_at[table_id, person.company] += 1

    def remove(self, person: Person) -> None:
        table_id = self.at.pop(person.id)
        self.free[table_id] += 1
        if person.is_host:
            self.hosts_at[table_id] -= 1
        if person.company is not None:
            self.company_at[table_id, person.company] -= 1

    def fits(self, group: list[Person], table_id: Hashable) -> bool:
        """Whether ``group`` (none of them seated there now) may join ``table_id``."""
        if len(group) > self.free[table_id]:
            return False
        hosts = sum(1 for p in group if p.is_host)
        if hosts and self.hosts_at[table_id] + hosts > self.host_limit[table_id]:
            return False
        if not self.allow_one_company:
            counts: dict[Hashable, int] = defaultdict(int)
            for p in group:
                if p.company is not None:
                    counts[p.company] += 1
            for company, count in counts.items():
                limit = max(self.company_limit[table_id],
                            self.pinned_company[table_id, company])
                if self.company_at[table_id, company] + count > limit:
                    return False
        return True

    def gain(self, person: Person, table_id: Hashable) -> int:
        """What seating ``person`` at ``table_id`` adds, with the others where they are."""
        value = SEATED
        if person.guest_of is not None:
            value += TOGETHER * (self.at.get(person.guest_of) == table_id)
        elif person.host is not None:
            value += WITH_HOST * (self.at.get(person.host) == table_id)
        value += TOGETHER * sum(1 for q in self.plus_ones.get(person.id, ())
                                if self.at.get(q) == table_id)
        value += WITH_HOST * sum(1 for g in self.guests_of_host.get(person.id, ())
                                 if self.at.get(g) == table_id)
        return value

    def total(self) -> int:
        """The objective of the plan as it is."""
        return score(self.people.values(), self.at)

    def ties_to(self, group: list[Person], table_id: Hashable) -> int:
        """What ``group`` (seated at ``table_id``) adds there through people outside it:
        what it loses by moving elsewhere together."""
        ids = {person.id for person in group}
        value = 0
        for person in group:
            partner = person.guest_of if person.guest_of is not None else person.host
            if partner is not None and partner not in ids and self.at.get(partner) == table_id:
                value += TOGETHER if person.guest_of is not None else WITH_HOST
        return value

    def restore(self, saved: dict[Hashable, Hashable]) -> None:
        """Put everyone back where ``saved`` says."""
        for person_id in list(self.at):
            self.remove(self.people[person_id])
        for person_id, table_id in saved.items():
            self.place(self.people[person_id], table_id)

    def group_gain(self, group: list[Person], table_id: Hashable) -> int:
        """What seating all of ``group`` (none seated now) at ``table_id`` adds."""
        total = 0
        seated = []
        for person in group:
            total += self.gain(person, table_id)
            self.at[person.id] = table_id
            seated.append(person)
        for person in seated:
            del self.at[person.id]
        return total


def suggest_plan(people: list[Person], tables: list[Table],
                 allow_one_company: bool = False) -> Suggestion:
    """A plan for ``people`` at ``tables`` (see the module docstring): the best of
    ``STARTS`` runs of greedy and local search, each from another placing of the hosts."""
    if not tables:
        plan = _Plan(people, tables, allow_one_company)
        return Suggestion({}, [p.id for p in people], _problems(people, tables, plan))
    best = None
    for start in range(STARTS):
        plan = _plan_from(people, tables, allow_one_company, start)
        if best is None or plan.total() > best.total():
            best = plan
    return Suggestion(dict(best.at), [p.id for p in people if p.id not in best.at],
                      _problems(people, tables, best))


def _plan_from(people: list[Person], tables: list[Table], allow_one_company: bool,
               start: int) -> _Plan:
    """One run: pinned people, then the hosts (``_host_tables``), then the parties,
    then the local search."""
    plan = _Plan(people, tables, allow_one_company)
    for person in people:
        if person.pinned_at is not None and person.pinned_at in plan.tables:
            plan.place(person, person.pinned_at)
            if person.company is not None:
                plan.pinned_company[person.pinned_at, person.company] += 1
    for table_id in plan.tables:
        plan.host_limit[table_id] = max(plan.host_cap, plan.hosts_at[table_id])
    hosts = [p for p in people if p.is_host and p.id not in plan.at]
    _place_hosts(plan, hosts, start)
    parties = _parties(people, plan)
    for party in parties:
        _seat_party(plan, party)
    _improve(plan, parties + [[person] for party in parties if len(party) > 1
                              for person in party] + [[host] for host in hosts])
    return plan


def _place_hosts(plan: _Plan, hosts: list[Person], start: int) -> None:
    """Start 0: each host at the table with the fewest hosts, the largest first. Start 1:
    the hosts with the most guests first, each where most of their pinned guests sit, else
    at the largest table. Further starts: the fewest hosts, tables in a shuffled order."""
    order = sorted(plan.tables.values(), key=lambda t: -t.seats)
    if start == 1:
        hosts = sorted(hosts, key=lambda h: -len(plan.guests_of_host.get(h.id, ())))
    elif start > 1:
        random.Random(start).shuffle(order)  # nosec B311: a repeatable start, not a secret
    for host in hosts:
        choices = [t.id for t in order if plan.fits([host], t.id)]
        if not choices:
            continue
        if start == 1:
            guests = plan.guests_of_host.get(host.id, ())
            plan.place(host, max(choices, key=lambda t: (
                sum(1 for g in guests if plan.at.get(g) == t), -plan.hosts_at[t],
                plan.free[t])))
        else:
            plan.place(host, min(choices, key=lambda t: (plan.hosts_at[t],
                                                         -plan.free[t] * (start == 0))))


def _parties(people: list[Person], plan: _Plan) -> list[list[Person]]:
    """Each unseated guest with their unseated plus-ones (a plus-one whose guest is not
    among the people to seat is a party of one): those tied to pinned people first, then
    larger parties, then those with a host."""
    parties: dict[Hashable, list[Person]] = {}
    for person in people:
        if person.id in plan.at or person.is_host:
            continue
        if person.guest_of is not None and person.guest_of in plan.people:
            continue
        parties[person.id] = [person]
    for person in people:
        if person.id not in plan.at and person.guest_of in parties:
            parties[person.guest_of].append(person)
        elif person.id not in plan.at and person.guest_of is not None and \
                person.guest_of in plan.at:
            parties[person.id] = [person]  # their guest is pinned: join them if possible
    return sorted(parties.values(), key=lambda party: (
        -_ties_to_seated(plan, party), -len(party), party[0].host is None))


def _ties_to_seated(plan: _Plan, party: list[Person]) -> int:
    """How much ``party`` is tied to the pinned: their plus-ones or guest seated already."""
    return sum(TOGETHER for person in party
               for other in (*plan.plus_ones.get(person.id, ()), person.guest_of)
               if other is not None and other in plan.at)


def _seat_party(plan: _Plan, party: list[Person]) -> None:
    best, best_gain = None, -1
    for table_id in plan.tables:
        if plan.fits(party, table_id):
            gain = plan.group_gain(party, table_id) * 1000 + plan.free[table_id]
            if gain > best_gain:
                best, best_gain = table_id, gain
    if best is not None:
        for person in party:
            plan.place(person, best)
        return
    for person in party:  # no table takes them all: each where they add most
        choices = [t for t in plan.tables if plan.fits([person], t)]
        if choices:
            plan.place(person, max(choices, key=lambda t: (plan.gain(person, t),
                                                           plan.free[t])))


def _movable(plan: _Plan, party: list[Person]) -> list[Person]:
    return [p for p in party if p.id in plan.at and p.pinned_at is None]


def _improve(plan: _Plan, parties: list[list[Person]]) -> None:
    """Local search: move a party, or swap two, while that raises the objective."""
    for _round in range(MAX_ROUNDS):
        improved = False
        for party in parties:
            unseated = [p for p in party if p.id not in plan.at]
            if unseated:
                improved |= _seat_leftovers(plan, unseated)
            group = _movable(plan, party)
            if not group or len({plan.at[p.id] for p in group}) != 1:
                continue
            improved |= _move_or_swap(plan, group, parties)
        if not improved:
            return


def _seat_leftovers(plan: _Plan, unseated: list[Person]) -> bool:
    seated_any = False
    for person in unseated:
        choices = [t for t in plan.tables if plan.fits([person], t)]
        if choices:
            plan.place(person, max(choices, key=lambda t: plan.gain(person, t)))
            seated_any = True
    return seated_any


def _take_out(plan: _Plan, group: list[Person]) -> tuple[Hashable, int]:
    """Unseat ``group`` (all at one table); returns that table and what they added."""
    table_id = plan.at[group[0].id]
    for person in group:
        plan.remove(person)
    return table_id, plan.group_gain(group, table_id)


def _put(plan: _Plan, group: list[Person], table_id: Hashable) -> None:
    for person in group:
        plan.place(person, table_id)


def _move_or_swap(plan: _Plan, group: list[Person], parties: list[list[Person]]) -> bool:
    """Move ``group`` to the table where it adds most, if it fits there; else swap it with
    a party at a table where it would add more than at its own, if that raises the
    objective."""
    home, value_home = _take_out(plan, group)
    better = sorted(((plan.group_gain(group, t), t) for t in plan.tables if t != home),
                    key=lambda pair: -pair[0])
    better = [(value, t) for value, t in better if value > value_home]
    for _value, table_id in better:
        if plan.fits(group, table_id):
            _put(plan, group, table_id)
            return True
    _put(plan, group, home)
    wanted = {t for _value, t in better}
    if not wanted:
        return False
    for other_party in parties:
        other = _movable(plan, other_party)
        if not other or other[0].id == group[0].id:
            continue
        there = plan.at[other[0].id]
        if there not in wanted or any(plan.at[p.id] != there for p in other):
            continue
        if _swap_if_better(plan, group, home, other, there) or \
                _make_room_if_better(plan, group, home, other, there):
            return True
    return _eject_if_better(plan, group, home, better[0][1], parties)


def _swap_if_better(plan: _Plan, group: list[Person], home: Hashable,
                    other: list[Person], there: Hashable) -> bool:
    _, value_group = _take_out(plan, group)
    _, value_other = _take_out(plan, other)
    before = value_group + value_other
    if plan.fits(group, there):
        _put(plan, group, there)
        if plan.fits(other, home):
            after = plan.group_gain(other, home)
            _, moved = _take_out(plan, group)
            after += moved
            if after > before:
                _put(plan, group, there)
                _put(plan, other, home)
                return True
        else:
            _take_out(plan, group)
    _put(plan, group, home)
    _put(plan, other, there)
    return False


def _make_room_if_better(plan: _Plan, group: list[Person], home: Hashable,
                         other: list[Person], there: Hashable) -> bool:
    """Move ``group`` to ``there`` and ``other`` from there to a third table where it adds
    most, if that raises the objective."""
    _, value_group = _take_out(plan, group)
    _, value_other = _take_out(plan, other)
    if plan.fits(group, there):
        _put(plan, group, there)
        moves = [(plan.group_gain(other, t), t) for t in plan.tables
                 if t not in (there, home) and plan.fits(other, t)]
        if moves:
            value, table_id = max(moves, key=lambda move: move[0])
            _, gained = _take_out(plan, group)
            if gained + value > value_group + value_other:
                _put(plan, group, there)
                _put(plan, other, table_id)
                return True
        else:
            _take_out(plan, group)
    _put(plan, group, home)
    _put(plan, other, there)
    return False


def _eject_if_better(plan: _Plan, group: list[Person], home: Hashable, there: Hashable,
                     parties: list[list[Person]]) -> bool:
    """An ejection chain: move ``group`` to ``there`` (the table where it adds most),
    sending as many parties from there as it needs (those least tied to the table first)
    to where each adds most, then fill the seats left at ``there`` with parties that add
    more there than where they sit. Kept if that raises the objective, else undone."""
    saved, value_before = dict(plan.at), plan.total()
    taken = {p.id for p in group}
    others = []
    for other in (_movable(plan, party) for party in parties):
        ids = {p.id for p in other}
        if other and not taken & ids and all(plan.at[p.id] == there for p in other):
            taken |= ids
            others.append(other)
    others.sort(key=lambda other: (plan.ties_to(other, there) / len(other), -len(other)))
    _take_out(plan, group)
    evicted = []
    for other in others:
        if plan.fits(group, there):
            break
        _take_out(plan, other)
        evicted.append(other)
    if plan.fits(group, there):
        _put(plan, group, there)
        for other in evicted:
            _seat_party(plan, other)
        for other in (_movable(plan, party) for party in parties):
            ids = {p.id for p in other}
            if not other or taken & ids or len({plan.at[p.id] for p in other}) != 1:
                continue
            if plan.at[other[0].id] != there and plan.fits(other, there):
                where, value = _take_out(plan, other)
                _put(plan, other, there if plan.group_gain(other, there) > value else where)
                taken |= ids
        if plan.total() > value_before:
            return True
    plan.restore(saved)
    return False


def _problems(people: list[Person], tables: list[Table], plan: _Plan) -> list[Problem]:
    """Why the unseated are not seated, when a hard constraint stands in the way."""
    problems = []
    seats = sum(table.seats for table in tables)
    if len(people) > seats:
        problems.append(Problem(ProblemKind.TOO_FEW_SEATS, len(people), seats))
    if not plan.allow_one_company:
        sizes: dict[Hashable, int] = defaultdict(int)
        for person in people:
            if person.company is not None:
                sizes[person.company] += 1
        room = sum(company_cap(table.seats) for table in tables)
        for company, size in sorted(sizes.items(), key=lambda item: str(item[0])):
            if size > room:
                problems.append(Problem(ProblemKind.COMPANY_TOO_LARGE, size, room, company))
    return problems


def seat_order(people: list[Person]) -> list[Person]:
    """The people of one table in the order of its seats: each host followed by their
    guests, each guest followed by their plus-ones; then the other guests, each with
    their plus-ones; then plus-ones whose guest sits elsewhere."""
    here = {person.id for person in people}
    plus_ones: dict[Hashable, list[Person]] = defaultdict(list)
    guests_of: dict[Hashable, list[Person]] = defaultdict(list)
    for person in people:
        if person.guest_of is not None and person.guest_of in here:
            plus_ones[person.guest_of].append(person)
    for person in people:
        if person.guest_of is None and not person.is_host and person.host in here:
            guests_of[person.host].append(person)
    ordered: list[Person] = []
    placed: set = set()

    def add(person: Person) -> None:
        if person.id not in placed:
            placed.add(person.id)
            ordered.append(person)
            for plus_one in plus_ones.get(person.id, ()):
                add(plus_one)

    for host in (p for p in people if p.is_host):
        add(host)
        for guest in guests_of.get(host.id, ()):
            add(guest)
    for person in people:
        if person.guest_of is None or person.guest_of not in here:
            add(person)
    return ordered
