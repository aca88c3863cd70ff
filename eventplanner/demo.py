"""The demo data behind ``make run``: a stair race and dinner in Bergen, and some clients.

Every name, company and address here is invented. Loading twice changes nothing: each
object is looked up by its natural key before it is made.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from eventplanner.auth.models import Membership, Organiser, Role
from eventplanner.auth.services import find_organiser_by_email, register_organiser
from eventplanner.contacts.models import Company, Contact
from eventplanner.contacts.services import members_of
from eventplanner.events.models import ActivityKind, Event, EventSeries, EventStatus
from eventplanner.events.services import ActivityDetails, EventDetails, add_activity, create_event
from eventplanner.extensions import db, utcnow
from eventplanner.feedback.models import Note
from eventplanner.feedback.relationships import add_note
from eventplanner.feedback.services import FeedbackAnswer, submit_feedback
from eventplanner.goals.models import ResultStatus
from eventplanner.goals.services import publish_results, record_result, set_goal
from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
from eventplanner.invitations.hosts import (
    guests_by_host,
    host_ids,
    set_event_hosts,
    share_unhosted_evenly,
)
from eventplanner.invitations.inviting import invite_contacts
from eventplanner.invitations.models import AnswerStatus

DEMO_EMAIL = "demo@example.com"
#: Published in the README; `flask demo` refuses to run in production.
DEMO_PASSWORD = "stoltzen-908"  # nosec B105
DEMO_EVENT_TITLE = "Stoltzen stair race and dinner"
DEMO_ORGANISER_EMAIL = "demo.organiser@example.com"
DEMO_VIEWER_EMAIL = "demo.viewer@example.com"


@dataclass(frozen=True)
class DemoMember:
    name: str
    email: str
    password: str
    role: Role


#: The demo team, the owner first; the passwords are published like the owner's.
DEMO_MEMBERS = (
    DemoMember("Ingrid Haugen", DEMO_EMAIL, DEMO_PASSWORD, Role.OWNER),
    DemoMember("Jonas Eide", DEMO_ORGANISER_EMAIL, "floyen-320", Role.ORGANISER),  # nosec B106
    DemoMember("Sofie Lunde", DEMO_VIEWER_EMAIL, "bryggen-1070", Role.VIEWER),  # nosec B106
)

#: Who looks after which client: a company's name or a contact's email -> a member's email.
DEMO_ACCOUNT_MANAGERS = {
    "Nordlys Shipping AS": DEMO_EMAIL,
    "Hansefracht GmbH": DEMO_ORGANISER_EMAIL,
    "sarah.whitfield@nordlys-shipping.example": DEMO_ORGANISER_EMAIL,
    "mette.kjaergaard@oresund-logistik.example": DEMO_ORGANISER_EMAIL,
    "anders.holm@oresund-logistik.example": DEMO_EMAIL,
}

DEMO_COMPANIES = {
    "Nordlys Shipping AS": [
        ("Kari Nordmann", "kari.nordmann@nordlys-shipping.example", "nb", "Vegetarian"),
        ("Ola Bakken", "ola.bakken@nordlys-shipping.example", "nb", ""),
        ("Sarah Whitfield", "sarah.whitfield@nordlys-shipping.example", "en", "No nuts"),
    ],
    "Øresund Logistik ApS": [
        ("Mette Kjærgaard", "mette.kjaergaard@oresund-logistik.example", "da", ""),
        ("Anders Holm", "anders.holm@oresund-logistik.example", "da", "Gluten-free"),
    ],
    "Hansefracht GmbH": [
        ("Jürgen Weiß", "juergen.weiss@hansefracht.example", "de", ""),
        ("Lena Hoffmann", "lena.hoffmann@hansefracht.example", "de", "Vegan"),
        ("Tobias Krüger", "tobias.krueger@hansefracht.example", "de", "Lactose-free"),
    ],
}


@dataclass
class DemoSummary:
    created: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if not self.created:
            return "Demo data already loaded: nothing changed."
        return "Demo data loaded: " + ", ".join(self.created) + "."


def next_autumn_friday(today: date) -> date:
    """The first Friday of October that is still ahead: "next autumn" for the demo."""
    year = today.year if today < date(today.year, 10, 1) else today.year + 1
    first = date(year, 10, 1)
    return first + timedelta(days=(4 - first.weekday()) % 7)


def load_demo_data(today: date | None = None) -> DemoSummary:
    """Create whatever part of the demo data is missing; the caller commits."""
    summary = DemoSummary()
    organiser = find_organiser_by_email(DEMO_EMAIL)
    if organiser is None:
        organiser = register_organiser("Ingrid Haugen", DEMO_EMAIL, DEMO_PASSWORD)
        summary.created.append("the demo organiser")
    members = _add_demo_members(organiser)
    if members:
        summary.created.append(f"{members} more members of the demo team")
    event = _demo_event(organiser)
    if event is None:
        event = _create_demo_event(organiser, next_autumn_friday(today or date.today()))
        summary.created.append(f"the event {DEMO_EVENT_TITLE!r}")
    added = _create_demo_contacts(organiser)
    if added:
        summary.created.append(f"{added} client contacts")
    db.session.flush()
    invited = _invite_demo_guests(event, organiser)
    if invited:
        summary.created.append(f"{invited} invitations (see the outbox for their links)")
    editions = _past_editions(event, organiser)
    if editions:
        summary.created.append(f"{editions} past editions with results and feedback")
    notes = _add_demo_notes(organiser, today or date.today())
    if notes:
        summary.created.append(f"{notes} notes about clients")
    managed = _set_demo_account_managers(organiser)
    if managed:
        summary.created.append(f"account managers for {managed} clients")
    hosted = _demo_hosts(event, organiser)
    if hosted:
        summary.created.append(f"hosts for {hosted} guests")
    db.session.flush()
    return summary


def _add_demo_members(owner: Organiser) -> int:
    """The organiser and the viewer of the demo team (accounts of their own, in no other
    workspace), unless they are members already."""
    added = 0
    for member in DEMO_MEMBERS[1:]:
        account = find_organiser_by_email(member.email)
        if account is None:
            account = register_organiser(member.name, member.email, member.password,
                                         own_workspace=False)
        if db.session.scalar(select(Membership.id).where(
                Membership.workspace_id == owner.workspace_id,
                Membership.organiser_id == account.id)) is None:
            db.session.add(Membership(workspace_id=owner.workspace_id, organiser=account,
                                      role=member.role))
            added += 1
    db.session.flush()
    return added


def _set_demo_account_managers(owner: Organiser) -> int:
    """Account managers on a few demo clients that have none yet."""
    members = {account.email: account for account in members_of(owner.workspace_id or 0)}
    changed = 0
    for client, manager_email in DEMO_ACCOUNT_MANAGERS.items():
        column = Contact.email if "@" in client else Company.name
        model = Contact if "@" in client else Company
        subject = db.session.scalar(select(model).where(
            model.workspace_id == owner.workspace_id, column == client))
        manager = members.get(manager_email)
        if subject is None or manager is None or subject.account_manager_id is not None:
            continue
        subject.account_manager = manager
        changed += 1
    db.session.flush()
    return changed


#: The demo team's phones, shown to the guests they host.
DEMO_PHONES = {DEMO_EMAIL: "+47 400 00 908", DEMO_ORGANISER_EMAIL: "+47 912 34 567"}


def _demo_hosts(event: Event, owner: Organiser) -> int:
    """Ingrid and Jonas host the demo event (briefings emailed two days before): each
    looks after the clients they manage, and the rest are shared between them. Returns
    how many guests got a host (none when the event has hosts already)."""
    if host_ids(event):
        return 0
    hosts = [account for account in members_of(owner.workspace_id or 0)
             if account.email in DEMO_PHONES]
    for account in hosts:
        account.phone = account.phone or DEMO_PHONES[account.email]
    set_event_hosts(event, [account.id for account in hosts], owner)
    event.briefing_days_before = 2
    share_unhosted_evenly(event, owner)
    _hosts, grouped = guests_by_host(event)
    return sum(len(guests) for host, guests in grouped.items() if host is not None)


def _demo_event(organiser: Organiser) -> Event | None:
    return db.session.scalar(
        select(Event).where(Event.workspace_id == organiser.workspace_id,
                            Event.title == DEMO_EVENT_TITLE))


def _create_demo_event(organiser: Organiser, day: date) -> Event:
    def at(hour: int, minute: int = 0, days_before: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, hour, minute) - timedelta(days=days_before)

    event = create_event(organiser, EventDetails(
        title=DEMO_EVENT_TITLE,
        timezone="Europe/Oslo",
        description=(
            "Our yearly client race up Stoltzekleiven in Bergen, followed by dinner the same "
            "evening. Run it, walk it or cheer from the top: everyone is welcome."
        ),
        status=EventStatus.PUBLISHED,
        rsvp_deadline=at(12, days_before=14),
        default_language="nb",
        alarm_minutes_before=120,
        feedback_request_days_after=1,
        feedback_reminder_days=4,
        host_name="Ingrid Haugen",
        host_email=DEMO_EMAIL,
        host_phone="+47 400 00 908",
    ))
    add_activity(event, ActivityDetails(
        name="Stoltzen stair race",
        kind=ActivityKind.TIMED,
        starts_at=at(16),
        ends_at=at(17, 30),
        place_name="Stoltzekleiven: start at Skansen, finish at Fløyen",
        address="Skansemyren, 5018 Bergen",
        map_url="https://www.openstreetmap.org/?mlat=60.3964&mlon=5.3334#map=16/60.3964/5.3334",
        capacity=40,
        latitude=60.3964,
        longitude=5.3334,
        notes=(
            "900 m with 300 m climb and 908 steps. Bring running shoes and a warm layer for "
            "the top; we carry your bag to the finish."
        ),
    ))
    add_activity(event, ActivityDetails(
        name="Dinner",
        kind=ActivityKind.STANDARD,
        starts_at=at(19),
        ends_at=at(23),
        place_name="Sjøboden, Bryggen",
        address="Bryggen 99, 5003 Bergen",
        map_url="https://www.openstreetmap.org/?mlat=60.3975&mlon=5.3240#map=17/60.3975/5.3240",
        capacity=60,
        latitude=60.3975,
        longitude=5.3240,
        notes="Come as you are.",
    ))
    return event


#: Who has answered already in the demo: email -> (race, dinner, plus-ones, diet, message).
DEMO_ANSWERS = {
    "kari.nordmann@nordlys-shipping.example": (
        AnswerStatus.YES, AnswerStatus.YES, ("Per Nordmann",), "Vegetarian",
        "Is there somewhere to leave a bag at the start?"),
    "juergen.weiss@hansefracht.example": (
        AnswerStatus.YES, AnswerStatus.NO, (), "", ""),
    "mette.kjaergaard@oresund-logistik.example": (
        AnswerStatus.MAYBE, AnswerStatus.YES, (), "", ""),
}


def _invite_demo_guests(event: Event, organiser: Organiser) -> int:
    """Invite every demo contact (one plus-one each) and let three of them answer."""
    contact_ids = list(db.session.scalars(
        select(Contact.id).where(Contact.workspace_id == organiser.workspace_id)))
    now = utcnow()
    report = invite_contacts(event, organiser, contact_ids, 1, send=True, now=now)
    race, dinner = event.activities
    for invitation in report.invited:
        answer = DEMO_ANSWERS.get(invitation.contact.email)
        if answer:
            race_answer, dinner_answer, plus_ones, diet, message = answer
            respond_to_invitation(invitation, GuestAnswer(
                {race.id: race_answer, dinner.id: dinner_answer}, plus_ones, diet, message),
                now)
    return len(report.invited)


#: Race times (m:ss) at the two past editions, oldest first; None: did not finish;
#: ABSENT: said no that year.
ABSENT = "absent"
DEMO_RESULTS = {
    "kari.nordmann@nordlys-shipping.example": ("9:58", "9:31"),
    "ola.bakken@nordlys-shipping.example": ("11:12", ABSENT),
    "juergen.weiss@hansefracht.example": ("8:57", "8:44"),
    "lena.hoffmann@hansefracht.example": ("10:05", None),
    "mette.kjaergaard@oresund-logistik.example": (None, "12:02"),
    "anders.holm@oresund-logistik.example": ("10:40", "10:40"),
}


#: Feedback at the two past editions, oldest first: (recommend score, race stars, dinner
#: stars, what we did well, what we could do better). The NPS goes from 33 to 60.
DEMO_FEEDBACK = {
    "kari.nordmann@nordlys-shipping.example": (
        (9, 5, 4, "The view from the top, and cheering at the finish.", ""),
        (10, 5, 5, "Everything. The fish soup!", "")),
    "ola.bakken@nordlys-shipping.example": (
        (7, 3, 4, "", "Steep! A warm-up together before the start would help."), None),
    "juergen.weiss@hansefracht.example": (
        (10, 5, 5, "Perfectly organised, and the results came the same evening.", ""),
        (10, 5, 4, "Beating my own time.", "")),
    "lena.hoffmann@hansefracht.example": (
        (8, 4, 4, "", ""),
        (5, 2, 3, "", "I waited too long in the cold at the top after giving up.")),
    "mette.kjaergaard@oresund-logistik.example": (
        (6, 2, 4, "", "The race start was hard to find."),
        (9, 4, 5, "The signs to the start were much better this year.", "")),
    "anders.holm@oresund-logistik.example": (
        (9, 4, 5, "The gluten-free menu was excellent.", ""),
        (9, 4, 4, "", "")),
}

#: Dated notes the team keeps: (contact email or company name, days ago, text, author's
#: email, private).
DEMO_NOTES = (
    ("kari.nordmann@nordlys-shipping.example", 340,
     "Gave us chocolate at the Christmas meeting.", DEMO_EMAIL, False),
    ("kari.nordmann@nordlys-shipping.example", 60, "Prefers no small talk before the race.",
     DEMO_EMAIL, False),
    ("lena.hoffmann@hansefracht.example", 45,
     "Disappointed last year: call her before inviting.", DEMO_EMAIL, False),
    ("Nordlys Shipping AS", 250, "Framework agreement renewed for three years.", DEMO_EMAIL,
     False),
    ("juergen.weiss@hansefracht.example", 20,
     "Wants to beat 8:40 this year: offer him a pacer for the first half.",
     DEMO_ORGANISER_EMAIL, False),
    ("Nordlys Shipping AS", 10, "Their budget for next year is not settled: ask in March.",
     DEMO_EMAIL, True),
)


def _past_editions(event: Event, organiser: Organiser) -> int:
    """The Stoltzen series: this event and the two before it, with results published."""
    series = db.session.scalar(select(EventSeries).where(
        EventSeries.workspace_id == organiser.workspace_id, EventSeries.name == "Stoltzen"))
    if series is None:
        series = EventSeries(workspace_id=organiser.workspace_id, name="Stoltzen")
        db.session.add(series)
        db.session.flush()
    event.series = series
    race_day = event.activities[0].starts_at.date()
    created = 0
    for years_back, column in ((2, 0), (1, 1)):
        year = race_day.year - years_back
        title = f"{DEMO_EVENT_TITLE} {year}"
        if db.session.scalar(select(Event.id).where(Event.workspace_id == organiser.workspace_id,
                                                    Event.title == title)):
            continue
        _create_past_edition(organiser, series, title, next_autumn_friday(date(year, 1, 1)),
                             column)
        created += 1
    return created


def _create_past_edition(organiser: Organiser, series: EventSeries, title: str, day: date,
                         column: int) -> None:
    start = datetime(day.year, day.month, day.day, 16)
    past = create_event(organiser, EventDetails(
        title=title, timezone="Europe/Oslo", status=EventStatus.PUBLISHED,
        default_language="nb", host_name="Ingrid Haugen", host_email=DEMO_EMAIL))
    past.series = series
    race = add_activity(past, ActivityDetails(
        name="Stoltzen stair race", kind=ActivityKind.TIMED, starts_at=start,
        ends_at=start + timedelta(hours=1, minutes=30),
        place_name="Stoltzekleiven: start at Skansen, finish at Fløyen"))
    dinner = add_activity(past, ActivityDetails(
        name="Dinner", kind=ActivityKind.STANDARD, starts_at=start + timedelta(hours=3),
        ends_at=start + timedelta(hours=7), place_name="Sjøboden, Bryggen"))
    contacts = db.session.scalars(select(Contact).where(
        Contact.workspace_id == organiser.workspace_id, Contact.email.in_(DEMO_RESULTS))).all()
    now = utcnow()
    report = invite_contacts(past, organiser, [c.id for c in contacts], 0, send=False,
                             now=now)
    for invitation in report.invited:
        time = DEMO_RESULTS[invitation.contact.email][column]
        answer = AnswerStatus.NO if time == ABSENT else AnswerStatus.YES
        respond_to_invitation(invitation, GuestAnswer({race.id: answer, dinner.id: answer}),
                              now, changed_by="organiser")
        if time == ABSENT:
            continue
        if time is None:
            record_result(race, invitation, ResultStatus.DNF)
        else:
            record_result(race, invitation, ResultStatus.FINISHED, time)
            set_goal(invitation, race, _demo_target(time), "", "")
        feedback = DEMO_FEEDBACK[invitation.contact.email][column]
        if feedback:
            score, race_stars, dinner_stars, did_well, do_better = feedback
            invitation.feedback_requested_at = past.ends_at + timedelta(hours=15)
            submit_feedback(invitation, FeedbackAnswer(
                score=score, ratings={race.id: race_stars, dinner.id: dinner_stars},
                did_well=did_well, do_better=do_better, invite_again=True),
                past.ends_at + timedelta(days=1))
    publish_results(past, show_names=True, now=now)


def _add_demo_notes(organiser: Organiser, today: date) -> int:
    """The team's notes about a few clients (one of them private to its author), each
    unless that client has a note with its text already."""
    added = 0
    for subject, days_ago, text, author_email, private in DEMO_NOTES:
        if "@" in subject:
            about = {"contact": db.session.scalar(select(Contact).where(
                Contact.workspace_id == organiser.workspace_id, Contact.email == subject))}
            same = Note.contact_id == getattr(about["contact"], "id", None)
        else:
            about = {"company": db.session.scalar(select(Company).where(
                Company.workspace_id == organiser.workspace_id, Company.name == subject))}
            same = Note.company_id == getattr(about["company"], "id", None)
        author = find_organiser_by_email(author_email)
        if None in about.values() or author is None or db.session.scalar(
                select(Note.id).where(same, Note.text == text)) is not None:
            continue
        add_note(text, today - timedelta(days=days_ago), **about, author=author,
                 private=private)
        added += 1
    return added


def _demo_target(time: str) -> str:
    """A goal near the time: some met, some missed."""
    minutes, seconds = (int(part) for part in time.split(":"))
    target = minutes * 60 + seconds + (-15 if seconds % 2 else 20)
    return f"{target // 60}:{target % 60:02d}"


def _create_demo_contacts(organiser: Organiser) -> int:
    added = 0
    for company_name, people in DEMO_COMPANIES.items():
        company = db.session.scalar(select(Company).where(
            Company.workspace_id == organiser.workspace_id, Company.name == company_name))
        if company is None:
            company = Company(workspace_id=organiser.workspace_id, name=company_name)
            db.session.add(company)
        for name, email, language, diet in people:
            exists = db.session.scalar(select(Contact.id).where(
                Contact.workspace_id == organiser.workspace_id, Contact.email == email))
            if exists is None:
                db.session.add(Contact(workspace_id=organiser.workspace_id, company=company,
                                       name=name, email=email, language=language,
                                       dietary_notes=diet))
                added += 1
    return added
