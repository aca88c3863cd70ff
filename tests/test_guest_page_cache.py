"""The guest page cache is invisible (DESIGN.md convention 14).

A stateful hypothesis test drives the real services in random order: guests answer, the
organiser edits and removes parts, results are recorded, corrected and published in this
edition and the earlier one, contacts are renamed and erased, a company is renamed, guests
switch language and set goals, guests are checked in, the event is cancelled and published
again, and time passes the deadline and the parts. After every step each guest's page, as
served (from the cache when it has the page), must equal a fresh render with the cache off.
"""

from __future__ import annotations

import contextlib
import difflib
import itertools
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from eventplanner.auth.services import register_organiser
from eventplanner.checkin.services import check_in
from eventplanner.contacts.models import Company, Contact
from eventplanner.contacts.services import ContactDetails, create_contact, update_contact
from eventplanner.errors import DomainError
from eventplanner.events.models import (
    Activity,
    ActivityKind,
    Event,
    EventStatus,
    GuestPageVersion,
)
from eventplanner.events.services import (
    ActivityDetails,
    EventDetails,
    activity_details_of,
    add_activity,
    change_event,
    change_part,
    create_event,
    event_details_of,
    remove_part,
)
from eventplanner.extensions import db, utcnow
from eventplanner.goals.models import ResultStatus
from eventplanner.goals.services import publish_results, record_result, set_goal, withdraw_results
from eventplanner.invitations.answers import (
    GuestAnswer,
    choose_guest_language,
    respond_to_invitation,
)
from eventplanner.invitations.inviting import invite_contacts
from eventplanner.invitations.links import invitation_token
from eventplanner.invitations.models import AnswerStatus, Invitation
from eventplanner.privacy.services import erase_contact
from eventplanner.questions.models import Question, QuestionKind
from eventplanner.questions.services import (
    ChoiceDetails,
    QuestionDetails,
    add_question,
    change_question,
    remove_question,
    save_guest_answers,
)
from eventplanner.rsvp.page_cache import RenderedPages
from eventplanner.rsvp.page_versions import WATCHED
from tests.conftest import (
    app_for,
    process_context,
    restore_database,
    save_database,
    statements_run,
)

#: "Now" when each run starts; the clock ticks on, and jumps when a step says so.
START = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)
NAMES = ("Ada", "Bo", "Cecilie", "Dag")
ANSWERS = st.sampled_from([None, AnswerStatus.YES, AnswerStatus.NO, AnswerStatus.MAYBE])
GUEST = st.integers(0, len(NAMES) - 1)
SECONDS = st.integers(8 * 60, 12 * 60)
RUNS = itertools.count(1)


def race_time(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


def local(moment: datetime) -> datetime:
    """The wall-clock time in Oslo that the services take (winter: UTC+1)."""
    return moment.replace(tzinfo=None) + timedelta(hours=1)


class GuestPagesStayFresh(RuleBasedStateMachine):
    """One organiser, a series with last year's edition (three finishers, results
    published) and this year's (a timed race for two, which three said yes to, and a
    dinner), four guests of one company."""

    def __init__(self, app: Flask, built: dict | None = None) -> None:
        """A world built afresh, or (``built``: its ids) one already in the database."""
        super().__init__()
        self.app = app
        self.client = app.test_client()
        self.travel = time_machine.travel(START)
        self.clock = self.travel.start()
        if built is not None:
            vars(self).update(built)
            return
        self.run = next(RUNS)
        try:
            with self.app.app_context():
                self._build_world(utcnow())
                db.session.commit()
        except BaseException:
            self.travel.stop()
            raise

    def world_ids(self) -> dict:
        return {name: getattr(self, name) for name in (
            "run", "earlier_id", "current_id", "contact_ids", "company_id")}

    def _build_world(self, now: datetime) -> None:
        owner = register_organiser("Owner", f"owner{self.run}@example.com", "a long password")
        contacts = [create_contact(owner, ContactDetails(
            name=f"{name} Run{self.run}", email=f"{name.lower()}{self.run}@client.example",
            company_name="Fjord AS")) for name in NAMES]
        earlier = self._edition(owner, "Stoltzen 2030", START - timedelta(days=300), None)
        current = self._edition(owner, "Stoltzen 2031", START + timedelta(days=5), 2,
                                deadline=START + timedelta(days=2))
        [earlier_race] = earlier.activities
        add_activity(current, ActivityDetails(
            name="Dinner", starts_at=local(START + timedelta(days=5, hours=9)),
            ends_at=local(START + timedelta(days=5, hours=13))))
        ids = [contact.id for contact in contacts]
        invite_contacts(earlier, owner, ids[:3], 0, send=False, now=now)
        invite_contacts(current, owner, ids, 1, send=False, now=now)
        [race] = [part for part in current.activities if part.is_timed]
        for invitation in self._invitations(current)[:3]:  # two in, the third waits
            respond_to_invitation(invitation, GuestAnswer({race.id: AnswerStatus.YES}), now)
        for number, invitation in enumerate(self._invitations(earlier)):
            respond_to_invitation(invitation, GuestAnswer({earlier_race.id: AnswerStatus.YES}),
                                  now, changed_by="organiser")
            record_result(earlier_race, invitation, ResultStatus.FINISHED,
                          race_time(600 + 30 * number))
        publish_results(earlier, True, now)
        self.earlier_id, self.current_id = earlier.id, current.id
        self.contact_ids = ids
        self.company_id = contacts[0].company_id

    def _edition(self, owner, title: str, race_starts: datetime, capacity: int | None,
                 deadline: datetime | None = None) -> Event:
        event = create_event(owner, EventDetails(
            title=title, timezone="Europe/Oslo", status=EventStatus.PUBLISHED,
            series_name=f"Stoltzen {self.run}",
            rsvp_deadline=local(deadline) if deadline else None))
        add_activity(event, ActivityDetails(
            name="Stair race", kind=ActivityKind.TIMED, capacity=capacity,
            starts_at=local(race_starts), ends_at=local(race_starts + timedelta(hours=1))))
        return event

    def teardown(self) -> None:
        self.travel.stop()

    # --- helpers ---------------------------------------------------------------------

    @contextlib.contextmanager
    def service(self):
        """A service call as a request makes it: one transaction, committed or rolled back
        (a refusal such as a full part or a passed deadline changes nothing)."""
        with self.app.app_context():
            try:
                yield utcnow()
                db.session.commit()
            except DomainError:
                db.session.rollback()

    def _invitations(self, event: Event) -> list[Invitation]:
        return list(db.session.scalars(select(Invitation).where(
            Invitation.event_id == event.id).order_by(Invitation.contact_id)))

    def _invitation(self, event_id: int, guest: int) -> Invitation | None:
        return db.session.scalar(select(Invitation).where(
            Invitation.event_id == event_id,
            Invitation.contact_id == self.contact_ids[guest]))

    def _part(self, event_id: int, kind: ActivityKind) -> Activity | None:
        return db.session.scalar(select(Activity).where(
            Activity.event_id == event_id, Activity.kind == kind).order_by(Activity.id))

    def _links(self) -> list[str]:
        with self.app.app_context():
            invitations = db.session.scalars(select(Invitation).where(
                Invitation.event_id.in_([self.earlier_id, self.current_id]))
                .order_by(Invitation.id)).all()
            links = [f"/r/{invitation_token(invitation)}" for invitation in invitations]
        # Last year's page of the first guest (others' names in its results); this
        # year's of a guest with a place, of the one waiting (as "your answer is saved",
        # which adds the place in line) and of the one who has not answered.
        first, _, waiting, last = links[3:]
        return [links[0], first, waiting + "?saved=1", last]

    # --- what guests and the organiser do ------------------------------------------------

    @rule(guest=GUEST, race=ANSWERS, dinner=ANSWERS, plus_one=st.booleans())
    def guest_answers(self, guest, race, dinner, plus_one):
        with self.service() as now:
            invitation = self._invitation(self.current_id, guest)
            if invitation.token_digest is None:  # erased: no link to answer through
                return
            parts = {ActivityKind.TIMED: race, ActivityKind.STANDARD: dinner}
            answers = {part.id: parts[part.kind] for part in invitation.event.activities
                       if parts[part.kind] is not None}
            respond_to_invitation(invitation, GuestAnswer(
                answers, plus_one_names=("Friend",) if plus_one else ()), now)

    def _menu(self) -> Question | None:
        return db.session.scalar(select(Question).where(Question.event_id == self.current_id))

    @rule(names=st.sampled_from([("Fish", "Vegetarian"), ("Salmon", "Vegetarian"),
                                 ("Vegetarian",)]), nb=st.booleans())
    def organiser_asks_or_changes_the_menu(self, names, nb):
        with self.service():
            event = db.session.get(Event, self.current_id)
            menu = self._menu()
            kept = {choice.position: choice.id for choice in menu.choices} if menu else {}
            details = QuestionDetails(
                QuestionKind.CHOICE, "Menu", {"nb": "Meny"} if nb else {},
                choices=tuple(ChoiceDetails(name, id=kept.get(position))
                              for position, name in enumerate(names, 1)))
            if menu is None:
                add_question(event, details, ["en", "nb"], None)
            else:
                change_question(menu, details, ["en", "nb"], None)

    @rule(guest=GUEST, which=st.sampled_from([0, 1, None]))
    def guest_chooses_from_the_menu(self, guest, which):
        with self.service() as now:
            invitation = self._invitation(self.current_id, guest)
            menu = self._menu()
            if invitation.token_digest is None or menu is None:
                return
            offered = [c.id for c in menu.choices if c.retired_at is None]
            chosen = "" if which is None or which >= len(offered) else str(offered[which])
            save_guest_answers(invitation, {(menu.id, 0): chosen}, now)

    @rule()
    def organiser_removes_the_menu(self):
        with self.service():
            menu = self._menu()
            if menu is not None:
                remove_question(menu, 1000, None)

    @rule(kind=st.sampled_from(ActivityKind), capacity=st.sampled_from([None, 1, 2, 3]),
          name=st.sampled_from(["Stair race", "Dinner", "Dinner at Bryggen"]),
          later=st.sampled_from([timedelta(0), timedelta(hours=1)]))
    def organiser_edits_a_part(self, kind, capacity, name, later):
        with self.service() as now:
            part = self._part(self.current_id, kind)
            if part is not None:
                details = activity_details_of(part)
                change_part(part, replace(
                    details, name=name, capacity=capacity,
                    starts_at=details.starts_at + later, ends_at=details.ends_at + later), now)

    @rule()
    def organiser_removes_the_dinner(self):
        with self.service() as now:
            dinner = self._part(self.current_id, ActivityKind.STANDARD)
            if dinner is not None:
                remove_part(dinner, now)

    @rule()
    def organiser_adds_a_dinner(self):
        with self.service():
            event = db.session.get(Event, self.current_id)
            add_activity(event, ActivityDetails(
                name="Late dinner", starts_at=local(START + timedelta(days=5, hours=10)),
                ends_at=local(START + timedelta(days=5, hours=14))))

    @rule(earlier=st.booleans(), guest=GUEST, seconds=SECONDS,
          status=st.sampled_from(ResultStatus))
    def organiser_records_or_corrects_a_result(self, earlier, guest, seconds, status):
        event_id = self.earlier_id if earlier else self.current_id
        with self.service():
            invitation = self._invitation(event_id, guest)
            race = self._part(event_id, ActivityKind.TIMED)
            if invitation is not None:
                record_result(race, invitation, status, race_time(seconds))

    @rule(show_names=st.booleans(), publish=st.booleans())
    def organiser_publishes_or_withdraws_results(self, show_names, publish):
        with self.service() as now:
            event = db.session.get(Event, self.current_id)
            if publish:
                publish_results(event, show_names, now)
            else:
                withdraw_results(event)

    @rule(guest=GUEST)
    def organiser_erases_a_contact(self, guest):
        with self.service() as now:
            erase_contact(db.session.get(Contact, self.contact_ids[guest]), now, None)

    @rule(guest=GUEST, name=st.sampled_from(["Eva", "Fredrik"]))
    def organiser_renames_a_contact(self, guest, name):
        with self.service():
            contact = db.session.get(Contact, self.contact_ids[guest])
            if contact.erased_at is not None:
                return
            update_contact(contact, ContactDetails(
                name=f"{name} {guest}", email=contact.email, company_name="Fjord AS",
                language=contact.language), None)

    @rule(name=st.sampled_from(["Fjord ASA", "Fjell AS"]))
    def organiser_renames_the_company(self, name):
        with self.service():
            db.session.get(Company, self.company_id).name = f"{name} {self.run}"

    @rule(guest=GUEST, language=st.sampled_from(["en", "nb", "da", "de"]))
    def guest_switches_language(self, guest, language):
        with self.service() as now:
            invitation = self._invitation(self.current_id, guest)
            if invitation.token_digest is not None:
                choose_guest_language(invitation, language, now)

    @rule(guest=GUEST, goal_seconds=SECONDS)
    def guest_sets_a_goal(self, guest, goal_seconds):
        with self.service():
            invitation = self._invitation(self.current_id, guest)
            race = self._part(self.current_id, ActivityKind.TIMED)
            if invitation.token_digest is None:
                return
            set_goal(invitation, race, race_time(goal_seconds), "", "Under ten minutes")

    @rule(guest=GUEST, kind=st.sampled_from(ActivityKind))
    def helper_checks_a_guest_in(self, guest, kind):
        with self.service() as now:
            part = self._part(self.current_id, kind)
            if part is not None:
                check_in(part, self._invitation(self.current_id, guest), "Door", now)

    @rule(status=st.sampled_from([EventStatus.CANCELLED, EventStatus.PUBLISHED]))
    def organiser_cancels_or_publishes_the_event(self, status):
        with self.service() as now:
            event = db.session.get(Event, self.current_id)
            change_event(event, replace(event_details_of(event), status=status), now)

    @rule(hours=st.sampled_from([1, 20, 50, 120, 130]))
    def time_passes(self, hours):
        """Past the deadline (2 days), the race and the dinner (5 days on)."""
        self.clock.shift(timedelta(hours=hours))

    # --- the promise --------------------------------------------------------------------

    @invariant()
    def every_page_served_from_the_cache_equals_a_fresh_render(self):
        pages = self.app.extensions["guest_pages"]
        for link in self._links():
            hits = pages.hits
            served = self.client.get(link)
            if pages.hits == hits:  # rendered afresh for this request
                continue
            fresh = self._fresh(link)
            if (served.status_code, served.data) != (fresh.status_code, fresh.data):
                raise AssertionError(f"{link} served a stale page:\n" + "\n".join(
                    difflib.unified_diff(
                        fresh.get_data(as_text=True).splitlines(),
                        served.get_data(as_text=True).splitlines(),
                        f"fresh ({fresh.status_code})", f"served ({served.status_code})",
                        n=0, lineterm="")))

    def _fresh(self, link: str):
        pages = self.app.extensions["guest_pages"]
        self.app.extensions["guest_pages"] = RenderedPages(0)
        try:
            return self.client.get(link)
        finally:
            self.app.extensions["guest_pages"] = pages


@pytest.mark.long
def test_the_page_a_guest_is_served_is_always_a_fresh_render(app, backend, tmp_path):
    """The world is built by the first example and put back, as built, for each of the
    others (a file copy or one transaction instead of a dozen services), with the page cache
    emptied: its pages were of a database that is gone."""
    saved: list = []

    def machine() -> GuestPagesStayFresh:
        if not saved:
            built = GuestPagesStayFresh(app)
            saved.append((save_database(app, backend, tmp_path / "world.db"), built.world_ids()))
            return built
        database, ids = saved[0]
        restore_database(app, backend, database)
        pages = app.extensions["guest_pages"]
        app.extensions["guest_pages"] = RenderedPages(pages.capacity)
        return GuestPagesStayFresh(app, ids)

    run_state_machine_as_test(machine, settings=settings(
        max_examples=20, stateful_step_count=15, deadline=None,
        suppress_health_check=[HealthCheck.too_slow]))


@contextlib.contextmanager
def world(app: Flask):
    machine = GuestPagesStayFresh(app)
    try:
        yield machine
    finally:
        machine.teardown()


def test_an_erased_guest_leaves_the_other_guests_cached_results_at_once(app):
    with world(app) as machine:
        last_year = machine._links()[0]
        assert "Bo Run" in machine.client.get(last_year).get_data(as_text=True)
        machine.organiser_erases_a_contact(1)
        page = machine.client.get(last_year).get_data(as_text=True)
        assert "Bo Run" not in page and "Erased contact" in page
        machine.every_page_served_from_the_cache_equals_a_fresh_render()


def test_a_result_corrected_last_year_is_this_years_best_so_far_at_once(app):
    with world(app) as machine:
        this_year = machine._links()[1]
        assert "best time so far: 10:00" in machine.client.get(this_year).get_data(as_text=True)
        machine.organiser_records_or_corrects_a_result(True, 0, 9 * 60 + 41,
                                                       ResultStatus.FINISHED)
        assert "best time so far: 9:41" in machine.client.get(this_year).get_data(as_text=True)
        machine.every_page_served_from_the_cache_equals_a_fresh_render()


def test_an_edition_that_leaves_the_series_leaves_this_years_best_so_far_at_once(app):
    """A change of series moves last year's edition away: this year's pages, in the
    series it left, change too (the edition's events are noted before the change)."""
    with world(app) as machine:
        this_year = machine._links()[1]
        assert "best time so far: 10:00" in machine.client.get(this_year).get_data(as_text=True)
        with machine.service() as now:
            last_year = db.session.get(Event, machine.earlier_id)
            change_event(last_year, replace(event_details_of(last_year), series_name=""), now)
        assert "best time so far: 10:00" not in machine.client.get(this_year).get_data(
            as_text=True)
        machine.every_page_served_from_the_cache_equals_a_fresh_render()


def test_the_page_changes_when_the_deadline_passes_and_when_the_race_ends(app):
    with world(app) as machine:
        this_year = machine._links()[1]
        page = machine.client.get(this_year).get_data(as_text=True)
        assert "Save my answer" in page and "Your check-in code" in page
        machine.time_passes(50)  # past the deadline
        page = machine.client.get(this_year).get_data(as_text=True)
        assert "Save my answer" not in page and "Your check-in code" in page
        machine.time_passes(120)  # past the race
        assert "Your check-in code" not in machine.client.get(this_year).get_data(as_text=True)


def test_every_table_a_guest_page_reads_moves_the_version(app):
    """The versions watch the tables the page reads: a page that starts showing another
    table (a company's name, say) fails here until ``WATCHED`` covers it too."""
    machine = GuestPagesStayFresh(app)
    try:
        machine.guest_answers(0, AnswerStatus.YES, AnswerStatus.YES, True)
        machine.guest_answers(1, AnswerStatus.YES, AnswerStatus.NO, False)
        machine.guest_answers(2, AnswerStatus.YES, AnswerStatus.MAYBE, False)  # waits
        machine.guest_sets_a_goal(0, 570)
        machine.organiser_records_or_corrects_a_result(False, 0, 590, ResultStatus.FINISHED)
        machine.organiser_publishes_or_withdraws_results(True, True)
        with statements_run(app) as statements:
            for link in machine._links():
                assert machine._fresh(link).status_code == 200
    finally:
        machine.teardown()
    read = {table for statement in statements
            for table in re.findall(r'\b(?:FROM|JOIN)\s+"?(\w+)', statement)}
    assert {"result", "goal", "contact"} <= read, "the pages showed results and goals"
    assert read <= {model.__tablename__ for model in WATCHED} | {"guest_page_version"}


def version_of(app: Flask, event_id: int) -> int:
    with app.app_context():
        return db.session.scalar(select(GuestPageVersion.version).where(
            GuestPageVersion.event_id == event_id)) or 0


def test_a_guests_first_visit_leaves_the_other_guests_pages_in_the_cache(app):
    """Opening a link notes ``opened_at``, which no page shows: no version moves."""
    machine = GuestPagesStayFresh(app)
    try:
        first, *others = machine._links()[1:]
        pages = app.extensions["guest_pages"]
        for link in others:
            machine.client.get(link)
        version, hits = version_of(app, machine.current_id), pages.hits
        machine.client.get(first)
        for link in others:
            machine.client.get(link)
        assert version_of(app, machine.current_id) == version
        assert pages.hits == hits + len(others)
    finally:
        machine.teardown()


PROCESSES, CHANGES = 3, 15


def switch_languages(url: str, invitation_id: int, start) -> None:
    """In its own process: the guest switches language ``CHANGES`` times, one commit each."""
    app = app_for(url)
    start.wait()
    for number in range(CHANGES):
        with app.app_context():
            invitation = db.session.get(Invitation, invitation_id)
            choose_guest_language(invitation, ("nb", "da")[number % 2], utcnow())
            db.session.commit()


@pytest.mark.long
def test_versions_lose_no_change_when_processes_commit_at_once(app):
    """Guests in several processes change their own rows of one event at the same time:
    the version moves once per commit, none is lost and no transaction deadlocks."""
    machine = GuestPagesStayFresh(app)
    machine.teardown()  # the other processes keep the real clock
    with app.app_context():
        ids = [invitation.id for invitation in machine._invitations(
            db.session.get(Event, machine.current_id))][:PROCESSES]
    before = version_of(app, machine.current_id)
    context = process_context()
    start = context.Barrier(PROCESSES)
    workers = [context.Process(target=switch_languages, args=(
        app.config["SQLALCHEMY_DATABASE_URI"], invitation_id, start)) for invitation_id in ids]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES
    assert version_of(app, machine.current_id) == before + PROCESSES * CHANGES
