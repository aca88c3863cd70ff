"""Questions an organiser asks the guests of an event or of one part, and the answers."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventplanner.events.models import Activity, Event
from eventplanner.extensions import UTCDateTime, db, enum_column, utcnow


class QuestionKind(enum.StrEnum):
    #: One of the question's choices (the dinner's menu).
    CHOICE = "choice"
    #: Yes or no ("Bus from the hotel?").
    YES_NO = "yes_no"
    #: A short text (a T-shirt size).
    TEXT = "text"


class Question(db.Model):
    """One question, asked of the event's guests or of those who join one part."""

    __tablename__ = "question"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id", ondelete="CASCADE"), index=True)
    #: Asked of those who join this part; None: of every guest of the event.
    activity_id: Mapped[int | None] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    kind: Mapped[QuestionKind] = mapped_column(enum_column(QuestionKind, "question_kind"))
    #: The question in the event's default language.
    text: Mapped[str] = mapped_column(String(300))
    #: The question in other languages, by language code ({"nb": "...", "de": "..."}).
    translations: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    required: Mapped[bool] = mapped_column(default=False)
    #: Asked of each plus-one too (each diner chooses a menu).
    ask_plus_ones: Mapped[bool] = mapped_column(default=False)
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    event: Mapped[Event] = relationship()
    activity: Mapped[Activity | None] = relationship()
    choices: Mapped[list[QuestionChoice]] = relationship(
        back_populates="question", cascade="all, delete-orphan",
        order_by="(QuestionChoice.position, QuestionChoice.id)")

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.kind} {self.text!r}>"


class QuestionChoice(db.Model):
    """One choice of a choice question. A choice with answers is retired, never deleted, so
    the old answers stay readable."""

    __tablename__ = "question_choice"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(String(200))
    translations: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    #: A short mark for place cards and the kitchen list ("V" for vegetarian).
    mark: Mapped[str] = mapped_column(String(8), default="")
    position: Mapped[int] = mapped_column(default=0)
    #: No longer offered to guests; answers that chose it keep it.
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    question: Mapped[Question] = relationship(back_populates="choices")

    def __repr__(self) -> str:
        return f"<QuestionChoice {self.id} {self.text!r}>"


class QuestionAnswer(db.Model):
    """A guest's (or one of their plus-ones') answer to a question."""

    __tablename__ = "question_answer"
    __table_args__ = (
        UniqueConstraint("invitation_id", "question_id", "person"),
        CheckConstraint("person >= 0", name="person_not_negative"),
        Index("ix_question_answer_question_id", "question_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("invitation.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("question.id", ondelete="CASCADE"))
    #: 0: the guest; k: their k-th plus-one (``Invitation.plus_one_names[k - 1]``).
    person: Mapped[int] = mapped_column(default=0)
    choice_id: Mapped[int | None] = mapped_column(
        ForeignKey("question_choice.id", ondelete="RESTRICT"), index=True)
    yes: Mapped[bool | None]
    text: Mapped[str] = mapped_column(String(200), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    question: Mapped[Question] = relationship()
    choice: Mapped[QuestionChoice | None] = relationship()

    def __repr__(self) -> str:
        return f"<QuestionAnswer {self.id} q={self.question_id} person={self.person}>"
