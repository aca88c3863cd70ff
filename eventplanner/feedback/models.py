"""Feedback after an event: a recommend score, a rating per part attended, comments."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventplanner.auth.models import Organiser
from eventplanner.contacts.models import Company, Contact
from eventplanner.events.models import Activity
from eventplanner.extensions import UTCDateTime, db, utcnow
from eventplanner.invitations.models import Invitation


class Feedback(db.Model):
    __tablename__ = "feedback"
    __table_args__ = (
        UniqueConstraint("invitation_id"),
        CheckConstraint("score >= 0 AND score <= 10", name="score_range"),
        CheckConstraint("custom_rating IS NULL OR (custom_rating >= 1 AND custom_rating <= 5)",
                        name="custom_rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id", ondelete="CASCADE"))
    #: "How likely are you to recommend us to a colleague?" 0-10.
    score: Mapped[int]
    did_well: Mapped[str] = mapped_column(Text, default="")
    do_better: Mapped[str] = mapped_column(Text, default="")
    #: "Would you like to be invited next time?" None: not answered.
    invite_again: Mapped[bool | None]
    custom_answer: Mapped[str] = mapped_column(Text, default="")
    custom_rating: Mapped[int | None]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    invitation: Mapped[Invitation] = relationship()
    ratings: Mapped[list[PartRating]] = relationship(
        back_populates="feedback", cascade="all, delete-orphan")

    def rating_for(self, activity: Activity) -> int | None:
        return next((r.rating for r in self.ratings if r.activity_id == activity.id), None)


class PartRating(db.Model):
    """1-5 stars for one part the guest attended."""

    __tablename__ = "part_rating"
    __table_args__ = (
        UniqueConstraint("feedback_id", "activity_id"),
        CheckConstraint("rating >= 1 AND rating <= 5", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("feedback.id", ondelete="CASCADE"))
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    rating: Mapped[int]

    feedback: Mapped[Feedback] = relationship(back_populates="ratings")


class Note(db.Model):
    """A dated note the team keeps about a contact or a company ("has a dog", "gave us
    chocolate at the Christmas meeting"), with its author; a private note is for its author
    only."""

    __tablename__ = "relationship_note"
    __table_args__ = (
        CheckConstraint("(contact_id IS NULL) <> (company_id IS NULL)", name="one_subject"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("company.id", ondelete="CASCADE"), index=True)
    noted_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Who wrote it (None: their account is gone; the note stays with the team).
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser.id", ondelete="SET NULL"), index=True)
    #: Shown to its author only.
    private: Mapped[bool] = mapped_column(default=False)

    contact: Mapped[Contact | None] = relationship()
    company: Mapped[Company | None] = relationship()
    author: Mapped[Organiser | None] = relationship()
