"""Events and their parts (activities)."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventplanner.auth.models import Organiser, Workspace
from eventplanner.extensions import UTCDateTime, db, enum_column, utcnow


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class ActivityKind(enum.StrEnum):
    #: A part such as a dinner: guests join or not.
    STANDARD = "standard"
    #: A race: participants have target and result times.
    TIMED = "timed"


event_co_organiser = Table(
    "event_co_organiser",
    db.metadata,
    Column("event_id", ForeignKey("event.id", ondelete="CASCADE"), primary_key=True),
    Column("organiser_id", ForeignKey("organiser.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class EventSeries(db.Model):
    """Editions of the same event over the years ("Stoltzen"): their races are one race."""

    __tablename__ = "event_series"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))

    def __repr__(self) -> str:
        return f"<EventSeries {self.id} {self.name!r}>"


class Event(db.Model):
    __tablename__ = "event"
    __tombstone_kind__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The team the event belongs to: its members see it, as their roles allow.
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    #: Who created it: the default name and address guests' calendars show as organiser.
    owner_id: Mapped[int] = mapped_column(ForeignKey("organiser.id"), index=True)
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("event_series.id", ondelete="SET NULL"), index=True)
    #: Guests may see the results once the organiser publishes them.
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Whether guests see each other's names in the published results.
    results_show_names: Mapped[bool] = mapped_column(default=True)
    #: One question of the organiser's own on the feedback form, answered in words or 1-5.
    feedback_question: Mapped[str] = mapped_column(String(300), default="")
    feedback_question_is_rating: Mapped[bool] = mapped_column(default=False)
    #: Ask those who came for feedback without the organiser's click: 0 when the event
    #: ends, N at 09:00 (the event's clock) on the Nth morning after; None: only by hand.
    feedback_request_days_after: Mapped[int | None]
    #: Remind those who have not given feedback this many days after they were asked.
    feedback_reminder_days: Mapped[int | None]
    #: Email each host their briefing this many days before the event (None: don't).
    briefing_days_before: Mapped[int | None]
    #: Set at the first check-in: from then on, "came" means checked in.
    check_in_used: Mapped[bool] = mapped_column(default=False)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    #: IANA zone name; every time of the event is shown on this zone's clock.
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Oslo")
    status: Mapped[EventStatus] = mapped_column(
        enum_column(EventStatus, "event_status"), default=EventStatus.DRAFT
    )
    rsvp_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Remind guests who have not answered this many days before the deadline (None: don't).
    reminder_days_before: Mapped[int | None]
    #: Calendar files carry an alarm this many minutes before each part (None: no alarm).
    alarm_minutes_before: Mapped[int | None]
    default_language: Mapped[str] = mapped_column(String(8), default="en")
    host_name: Mapped[str] = mapped_column(String(120), default="")
    host_email: Mapped[str] = mapped_column(String(254), default="")
    host_phone: Mapped[str] = mapped_column(String(40), default="")
    #: iCalendar SEQUENCE of the one entry for the whole event (a guest's invitation to an
    #: event of several parts before they answer): goes up when any part's entry changes,
    #: or a part is added or removed.
    calendar_sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Moves whenever the event or one of its parts changes.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped[Organiser] = relationship()
    workspace: Mapped[Workspace] = relationship()
    series: Mapped[EventSeries | None] = relationship()
    co_organisers: Mapped[list[Organiser]] = relationship(
        secondary=event_co_organiser, order_by=Organiser.name
    )
    activities: Mapped[list[Activity]] = relationship(
        back_populates="event",
        cascade="all, delete-orphan",
        order_by="(Activity.starts_at, Activity.id)",
    )

    @property
    def starts_at(self) -> datetime | None:
        """When the first part starts (UTC), or None while the event has no parts."""
        return min((a.starts_at for a in self.activities), default=None)

    @property
    def ends_at(self) -> datetime | None:
        """When the last part ends (UTC), or None while the event has no parts."""
        return max((a.ends_at for a in self.activities), default=None)

    def is_past(self, now: datetime) -> bool:
        return self.ends_at is not None and self.ends_at < now

    @property
    def is_draft(self) -> bool:
        """Not published yet: its links show the event but take no answers."""
        return self.status is EventStatus.DRAFT

    @property
    def is_cancelled(self) -> bool:
        return self.status is EventStatus.CANCELLED

    def accepts_answers(self, now: datetime) -> bool:
        """Guests may answer or change their answer: published, deadline not passed."""
        return self.status is EventStatus.PUBLISHED and (
            self.rsvp_deadline is None or now <= self.rsvp_deadline)

    def touch(self) -> None:
        """Note that something guests see has changed (a part, say)."""
        self.updated_at = utcnow()

    def __repr__(self) -> str:
        return f"<Event {self.id} {self.title!r}>"


class EventHost(db.Model):
    """A member hosting an event: looks after named guests on the day. A guest's host is
    named on their invitation, or is their account manager when that member hosts
    (``invitations.hosts``)."""

    __tablename__ = "event_host"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    organiser_id: Mapped[int] = mapped_column(
        ForeignKey("organiser.id", ondelete="CASCADE"), primary_key=True, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When their briefing was emailed to them (``flask mail send-due``); None: not yet.
    briefing_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    organiser: Mapped[Organiser] = relationship()

    def __repr__(self) -> str:
        return f"<EventHost event={self.event_id} organiser={self.organiser_id}>"


class GuestPageVersion(db.Model):
    """A counter per event that moves, in the same transaction, with every change to a row
    that the event's guest pages show (``rsvp.page_versions``): the guest page cache's key.
    No row yet reads as version 0."""

    __tablename__ = "guest_page_version"

    event_id: Mapped[int] = mapped_column(
        ForeignKey("event.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<GuestPageVersion event={self.event_id} {self.version}>"


class Activity(db.Model):
    """One part of an event with its own time, place and capacity."""

    __tablename__ = "activity"
    __tombstone_kind__ = "part"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity IS NULL OR capacity > 0", name="capacity_positive"),
        CheckConstraint("latitude IS NULL OR (latitude >= -90 AND latitude <= 90)",
                        name="latitude_range"),
        CheckConstraint("longitude IS NULL OR (longitude >= -180 AND longitude <= 180)",
                        name="longitude_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[ActivityKind] = mapped_column(
        enum_column(ActivityKind, "activity_kind"), default=ActivityKind.STANDARD
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    place_name: Mapped[str] = mapped_column(String(200), default="")
    address: Mapped[str] = mapped_column(String(300), default="")
    map_url: Mapped[str] = mapped_column(String(500), default="")
    capacity: Mapped[int | None]
    notes: Mapped[str] = mapped_column(Text, default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    #: iCalendar SEQUENCE: goes up when the time or place changes, or the part is cancelled.
    sequence: Mapped[int] = mapped_column(default=0)
    #: A suggested table plan may seat more than half a table from one client company.
    tables_allow_one_company: Mapped[bool] = mapped_column(default=False)
    #: Guests see their table on their page on the day of the part.
    guests_see_table: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    event: Mapped[Event] = relationship(back_populates="activities")

    @property
    def location(self) -> str:
        """Place and address as one line: "Skansen, Skansemyren, 5018 Bergen"."""
        return ", ".join(part for part in (self.place_name, self.address) if part)

    @property
    def is_timed(self) -> bool:
        return self.kind is ActivityKind.TIMED

    def __repr__(self) -> str:
        return f"<Activity {self.id} {self.name!r}>"
