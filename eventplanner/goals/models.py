"""Participants' goals and results for timed parts (a race), and the series they belong to."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventplanner.events.models import Activity
from eventplanner.extensions import UTCDateTime, db, enum_column, utcnow
from eventplanner.invitations.models import Invitation


class ResultStatus(enum.StrEnum):
    FINISHED = "finished"
    #: Did not start.
    DNS = "dns"
    #: Did not finish.
    DNF = "dnf"


class Goal(db.Model):
    """What a participant aims for in a timed part: a target time and words."""

    __tablename__ = "goal"
    __table_args__ = (
        UniqueConstraint("invitation_id", "activity_id"),
        CheckConstraint("target_seconds IS NULL OR target_seconds > 0", name="target_positive"),
        CheckConstraint("previous_best_seconds IS NULL OR previous_best_seconds > 0",
                        name="previous_best_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    target_seconds: Mapped[int | None]
    #: The best time the guest tells us about, for when we have none in our history.
    previous_best_seconds: Mapped[int | None]
    #: "beat my colleague", "just finish".
    aim: Mapped[str] = mapped_column(String(200), default="")
    #: The organiser's friendly challenge, shown to the guest.
    organiser_comment: Mapped[str] = mapped_column(Text, default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    invitation: Mapped[Invitation] = relationship()
    activity: Mapped[Activity] = relationship()


class Result(db.Model):
    """What happened in a timed part: a finishing time, or did not start / finish."""

    __tablename__ = "result"
    __table_args__ = (
        UniqueConstraint("invitation_id", "activity_id"),
        CheckConstraint(
            "(status = 'finished' AND time_seconds > 0) OR "
            "(status != 'finished' AND time_seconds IS NULL)", name="time_matches_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    status: Mapped[ResultStatus] = mapped_column(enum_column(ResultStatus, "result_status"))
    time_seconds: Mapped[int | None]
    #: When the time or status was last entered (``record_result`` sets it).
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the participant was emailed this result; they are emailed once per part.
    emailed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    invitation: Mapped[Invitation] = relationship()
    activity: Mapped[Activity] = relationship()
