"""Events, parts and invitations as calendar entries, files, feeds and "add to" links."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import UTC, datetime
from urllib.parse import quote, quote_plus, urlsplit

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from eventplanner.access import event_ids_of_every_workspace
from eventplanner.auth.models import Organiser
from eventplanner.calendar.ics import CalendarEntry, Method, PartStat, Person, build_calendar
from eventplanner.calendar.models import CalendarFeed
from eventplanner.errors import NotFound
from eventplanner.events.models import Activity, Event, EventStatus
from eventplanner.extensions import db
from eventplanner.tokens import looks_like_token, make_token, new_nonce, token_digest
from eventplanner.urls import absolute_url

#: Letters that Unicode does not decompose into a base letter and an accent.
NORDIC_LETTERS = str.maketrans({"ø": "o", "Ø": "O", "æ": "ae", "Æ": "Ae", "ß": "ss",
                                "ð": "d", "þ": "th"})


class NoParts(NotFound):
    """Nothing to put in a calendar file: no parts yet, or none the guest comes to."""


def part_uid(activity: Activity) -> str:
    """Stable for the life of the part: its id and the site's domain."""
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "eventplanner"
    return f"activity-{activity.id}@{domain}"


def event_uid(event: Event) -> str:
    """The one entry standing for all of an event's parts (an invitation to several parts
    before the guest answers): stable for the life of the event."""
    domain = urlsplit(current_app.config["BASE_URL"]).hostname or "eventplanner"
    return f"event-{event.id}@{domain}"


def part_title(activity: Activity) -> str:
    """"Dinner: Christmas meeting"; just the part's name when the title already has it."""
    title = activity.event.title
    if activity.name.casefold() in title.casefold():
        return activity.name
    return f"{activity.name}: {title}"


def host_of(event: Event) -> Person:
    return Person(event.host_email or event.owner.email, event.host_name or event.owner.name)


def entry_for(activity: Activity, *, description: str = "", url: str = "",
              attendee: Person | None = None, partstat: PartStat = PartStat.NEEDS_ACTION,
              cancelled: bool = False, organizer: Person | None = None,
              summary: str = "") -> CalendarEntry:
    """The part's entry; with an ``attendee`` (a guest's own invitation) it names its
    ``organizer``, the event's host unless another is given (the invitation's reply
    address)."""
    event = activity.event
    geo = (activity.latitude, activity.longitude) if activity.latitude is not None \
        and activity.longitude is not None else None
    return CalendarEntry(
        uid=part_uid(activity), sequence=activity.sequence,
        summary=summary or part_title(activity),
        starts_at=activity.starts_at, ends_at=activity.ends_at, zone_name=event.timezone,
        location=activity.location, description=description, url=url, geo=geo,
        cancelled=cancelled or event.status is EventStatus.CANCELLED,
        alarm_minutes_before=event.alarm_minutes_before,
        organizer=(organizer or host_of(event)) if attendee else None, attendee=attendee,
        partstat=partstat, changed_at=event.updated_at)


def event_entry(event: Event, *, description: str = "", url: str = "",
                attendee: Person | None = None, organizer: Person | None = None,
                cancelled: bool = False) -> CalendarEntry:
    """The one entry that stands for all of an event's parts (``event_uid``, SEQUENCE
    ``event.calendar_sequence``): from the first part's start to the last part's end, at
    the first part's place. ``NoParts`` for an event without parts."""
    parts = event.activities
    if not parts:
        raise NoParts(_("This event has no parts yet: add one first."))
    first = min(parts, key=lambda activity: activity.starts_at)
    return CalendarEntry(
        uid=event_uid(event), sequence=event.calendar_sequence, summary=event.title,
        starts_at=first.starts_at, ends_at=max(activity.ends_at for activity in parts),
        zone_name=event.timezone, location=first.location, description=description,
        url=url, cancelled=cancelled or event.status is EventStatus.CANCELLED,
        alarm_minutes_before=event.alarm_minutes_before,
        organizer=(organizer or host_of(event)) if attendee else None, attendee=attendee,
        changed_at=event.updated_at)


def part_description(activity: Activity, link: str = "") -> str:
    """What a calendar shows under the part: notes, the event, and the guest's own link."""
    event = activity.event
    lines = [text for text in (activity.notes, event.description) if text]
    if link:
        lines.append(_("Your answer and all details: %(link)s", link=link))
    return "\n\n".join(lines)


def event_download(event: Event) -> bytes:
    """The whole event for the organiser: PUBLISH, no attendees, no personal links."""
    if not event.activities:
        raise NoParts(_("This event has no parts yet: add one first."))
    return build_calendar((entry_for(a, description=part_description(a))
                           for a in event.activities), Method.PUBLISH, name=event.title)


def part_of(event: Event, activity_id: int) -> Activity:
    """One of the event's parts; ``NotFound`` for any other id."""
    activity = next((a for a in event.activities if a.id == activity_id), None)
    if activity is None:
        raise NotFound()
    return activity


def part_download(activity: Activity) -> bytes:
    """One part on its own, for the organiser: PUBLISH, like ``event_download``."""
    return build_calendar([entry_for(activity, description=part_description(activity))],
                          Method.PUBLISH, name=part_title(activity))


# --- the organiser's private feed -------------------------------------------------------

def feed_token(organiser: Organiser) -> str | None:
    if organiser.feed_nonce is None:
        return None
    return make_token("feed", organiser.id, organiser.feed_nonce)


def feed_link(organiser: Organiser) -> str | None:
    """``webcal://`` address of the organiser's feed, or None while it is off."""
    token = feed_token(organiser)
    if token is None:
        return None
    url = absolute_url("calendar.feed", token=token)
    return "webcal://" + url.split("://", 1)[1]


def renew_feed(organiser: Organiser, now: datetime) -> str:
    """Turn the feed on with a new secret address; any old address stops working."""
    organiser.feed_nonce = new_nonce()
    organiser.feed_token_digest = token_digest(feed_token(organiser))
    _feed_state(organiser, now)
    db.session.flush()
    return feed_link(organiser)


def turn_off_feed(organiser: Organiser) -> None:
    organiser.feed_nonce = organiser.feed_token_digest = None
    state = db.session.get(CalendarFeed, organiser.id)
    if state is not None:
        db.session.delete(state)
    db.session.flush()


def feed_owner(token: str) -> Organiser:
    if not looks_like_token(token):
        raise NotFound()
    organiser = db.session.scalar(select(Organiser).where(
        Organiser.feed_token_digest == token_digest(token)))
    if organiser is None:
        raise NotFound()
    return organiser


def feed(organiser: Organiser) -> bytes:
    """Every part of every event of the account's workspaces and of those shared with it:
    PUBLISH, nothing personal.

    The same data gives the same bytes: events in a fixed order, each part stamped with its
    event's last change, the name in the organiser's language (not the polling program's).
    """
    events = db.session.scalars(
        select(Event).where(Event.id.in_(event_ids_of_every_workspace(organiser)),
                            Event.status != EventStatus.DRAFT)
        .order_by(Event.id)
        .options(selectinload(Event.activities), selectinload(Event.owner))).all()
    with force_locale(organiser.language):
        entries = [entry_for(activity, description=part_description(activity))
                   for event in events for activity in event.activities]
        name = _("Events: %(name)s", name=organiser.name)
    return build_calendar(entries, Method.PUBLISH, name=name)


def content_digest(content: bytes) -> str:
    """The file's strong validator (its ETag): any change to the bytes changes it."""
    return hashlib.sha256(content).hexdigest()


def _feed_state(organiser: Organiser, now: datetime) -> CalendarFeed:
    state = db.session.get(CalendarFeed, organiser.id)
    if state is None:
        state = CalendarFeed(organiser_id=organiser.id, content_digest="", changed_at=now)
        db.session.add(state)
    return state


def feed_last_modified(organiser: Organiser, content: bytes, now: datetime) -> datetime | None:
    """Note the feed's content served now, and say since when it has been served (its
    Last-Modified). None while that is this very second: HTTP dates have whole seconds,
    and content changed again later in the second would look unchanged."""
    state = _feed_state(organiser, now)
    digest = content_digest(content)
    if state.content_digest != digest:
        state.content_digest, state.changed_at = digest, now
        db.session.flush()
    changed = state.changed_at.replace(microsecond=0)
    return changed if changed < now.replace(microsecond=0) else None


# --- "add to" links and file names --------------------------------------------------------

def _utc_stamp(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar_links(activity: Activity, link: str = "") -> tuple[str, str]:
    """Links that add the part to Google Calendar and to Outlook.com. The texts they share
    (title, description, place) are built and URL-encoded once for both."""
    title, details, location = (quote_plus(text) for text in (
        part_title(activity), part_description(activity, link), activity.location))
    starts_at, ends_at = activity.starts_at.astimezone(UTC), activity.ends_at.astimezone(UTC)
    google = (f"https://calendar.google.com/calendar/render?action=TEMPLATE&text={title}"
              f"&dates={_utc_stamp(starts_at)}%2F{_utc_stamp(ends_at)}&details={details}"
              f"&location={location}&ctz={quote_plus(activity.event.timezone)}")
    outlook = ("https://outlook.live.com/calendar/0/deeplink/compose"
               "?path=%2Fcalendar%2Faction%2Fcompose&rru=addevent"
               f"&subject={title}&startdt={quote_plus(starts_at.isoformat())}"
               f"&enddt={quote_plus(ends_at.isoformat())}&body={details}"
               f"&location={location}")
    return google, outlook


def attachment_disposition(title: str, extension: str = "ics") -> str:
    """``Content-Disposition`` for a download named after the event (RFC 6266).

    An ASCII fallback for old programs, and the real name as UTF-8 in ``filename*``.
    """
    cleaned = "".join(c for c in title if c.isalnum() or c in " -_").strip() or "event"
    ascii_name = unicodedata.normalize("NFKD", cleaned.translate(NORDIC_LETTERS))
    ascii_name = ascii_name.encode("ascii", "ignore").decode()
    ascii_name = "-".join(ascii_name.split()) or "event"
    utf8_name = "-".join(cleaned.split())
    return (f'attachment; filename="{ascii_name}.{extension}"; '
            f"filename*=UTF-8''{quote(utf8_name)}.{extension}")
