"""Emailing each host their briefing a chosen number of days before the event
(``flask mail send-due``), once per host."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from eventplanner.audit.services import record
from eventplanner.auth.models import Organiser
from eventplanner.briefings.services import briefing_for
from eventplanner.events.locking import lock_events
from eventplanner.events.models import Activity, Event, EventHost, EventStatus
from eventplanner.extensions import db
from eventplanner.mail.outbox import queue_email
from eventplanner.timezones import local_to_utc, wall_clock
from eventplanner.urls import absolute_url

#: The hour (on the event's clock) at which briefings go out on their morning.
BRIEFING_MORNING = time(9, 0)


def briefing_due_at(event: Event) -> datetime | None:
    """When the hosts' briefings are emailed: at 09:00 on the event's clock, the chosen
    number of days before its first part starts (but never after it starts); None when
    none are sent or the event has no parts."""
    days = event.briefing_days_before
    if days is None or event.starts_at is None:
        return None
    morning = wall_clock(event.starts_at, event.timezone).date() - timedelta(days=days)
    return min(local_to_utc(datetime.combine(morning, BRIEFING_MORNING), event.timezone),
               event.starts_at)


def set_briefing_schedule(event: Event, days_before: int | None, actor: Organiser) -> Event:
    """Email the hosts their briefings ``days_before`` the event (None: don't)."""
    if days_before != event.briefing_days_before:
        record(event.workspace_id, actor, "event.briefing_schedule_changed", event_id=event.id,
               details={"days before": [event.briefing_days_before, days_before]})
        event.briefing_days_before = days_before
        db.session.flush()
    return event


def send_due_briefings(now: datetime) -> int:
    """Queue the briefing of every host of a published event whose briefing time has come
    and which has not started, who has not had it yet (a host added later gets theirs at
    the next run). Under each event's lock, so two runs at once send each briefing once.
    Returns how many were queued."""
    starting = (select(Activity.event_id).group_by(Activity.event_id)
                .having(func.min(Activity.starts_at) > now))
    events = list(db.session.scalars(
        select(Event).where(Event.status == EventStatus.PUBLISHED,
                            Event.briefing_days_before.is_not(None),
                            Event.id.in_(starting))
        .options(selectinload(Event.activities)).order_by(Event.id)))
    queued = 0
    for event in events:
        due_at = briefing_due_at(event)
        if due_at is None or due_at > now:
            continue
        lock_events([event.id])
        waiting = db.session.scalars(
            select(EventHost).where(EventHost.event_id == event.id,
                                    EventHost.briefing_sent_at.is_(None))
            .options(joinedload(EventHost.organiser))
            .execution_options(populate_existing=True)).all()
        for row in waiting:
            _queue_briefing(event, row.organiser, now)
            row.briefing_sent_at = now
            queued += 1
    db.session.flush()
    return queued


def _queue_briefing(event: Event, host: Organiser, now: datetime) -> None:
    briefing = briefing_for(event, host, host, now)
    queue_email(kind="briefing", to=host.email, to_name=host.name, language=host.language,
                template="briefing", event_id=event.id,
                subject=_l("Your guests at %(title)s", title=event.title),
                event=event, briefing=briefing, now=now,
                link=absolute_url("briefings.briefing", event_id=event.id,
                                  host_id=host.id),
                pdf_link=absolute_url("briefings.briefing_pdf", event_id=event.id,
                                      host_id=host.id))
