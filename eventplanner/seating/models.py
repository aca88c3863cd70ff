"""Tables at a part (the dinner) and the seats of guests, their plus-ones and hosts."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventplanner.auth.models import Organiser
from eventplanner.events.models import Activity
from eventplanner.extensions import UTCDateTime, db, enum_column, utcnow
from eventplanner.invitations.models import Invitation


class TableShape(enum.StrEnum):
    ROUND = "round"
    #: A long (rectangular) table, seats on both sides.
    LONG = "long"


class DinnerTable(db.Model):
    """One table at a part, with its number of seats."""

    __tablename__ = "dinner_table"
    __table_args__ = (
        UniqueConstraint("activity_id", "name"),
        CheckConstraint("seats >= 1 AND seats <= 200", name="seats_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(
        ForeignKey("activity.id", ondelete="CASCADE"), index=True)
    #: A name or number as the room shows it ("1", "Fjellet").
    name: Mapped[str] = mapped_column(String(40))
    seats: Mapped[int]
    shape: Mapped[TableShape] = mapped_column(enum_column(TableShape, "table_shape"),
                                              default=TableShape.ROUND)
    position: Mapped[int] = mapped_column(default=0)

    activity: Mapped[Activity] = relationship()
    places: Mapped[list[SeatPlace]] = relationship(back_populates="table",
                                                   order_by="SeatPlace.seat")

    def __repr__(self) -> str:
        return f"<DinnerTable {self.id} {self.name!r} seats={self.seats}>"


class SeatPlace(db.Model):
    """One person at a table of a part: a guest (``person`` 0), one of their plus-ones
    (``person`` k), or a host."""

    __tablename__ = "seat_place"
    __table_args__ = (
        UniqueConstraint("activity_id", "invitation_id", "person"),
        UniqueConstraint("activity_id", "organiser_id"),
        CheckConstraint("(invitation_id IS NULL) <> (organiser_id IS NULL)",
                        name="guest_or_host"),
        CheckConstraint("person >= 0", name="person_not_negative"),
        Index("ix_seat_place_table_id", "table_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id", ondelete="CASCADE"))
    #: A table with people at it is not deleted: they are unseated first.
    table_id: Mapped[int] = mapped_column(ForeignKey("dinner_table.id", ondelete="RESTRICT"))
    invitation_id: Mapped[int | None] = mapped_column(
        ForeignKey("invitation.id", ondelete="CASCADE"), index=True)
    organiser_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser.id", ondelete="CASCADE"), index=True)
    #: 0: the guest; k: their k-th plus-one.
    person: Mapped[int] = mapped_column(default=0)
    #: The seat's number at the table (1 ...), in the order drawn on the plan.
    seat: Mapped[int] = mapped_column(default=0)
    #: Kept where it is when a plan is suggested.
    pinned: Mapped[bool] = mapped_column(default=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    table: Mapped[DinnerTable] = relationship(back_populates="places")
    invitation: Mapped[Invitation | None] = relationship()
    organiser: Mapped[Organiser | None] = relationship()

    def __repr__(self) -> str:
        return f"<SeatPlace {self.id} table={self.table_id}>"
