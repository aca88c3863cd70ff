"""A gift given to or received from a client: a contact or a company."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventplanner.auth.models import Organiser
from eventplanner.contacts.models import Company, Contact
from eventplanner.extensions import UTCDateTime, db, enum_column, utcnow


class GiftDirection(enum.StrEnum):
    GIVEN = "given"
    RECEIVED = "received"


class Gift(db.Model):
    __tablename__ = "gift"
    __table_args__ = (
        CheckConstraint("contact_id IS NOT NULL OR company_id IS NOT NULL",
                        name="has_a_recipient"),
        CheckConstraint("value IS NULL OR value >= 0", name="value_not_negative"),
        Index("ix_gift_workspace_id_given_on", "workspace_id", "given_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    #: The person, or (without one) the company as a whole.
    contact_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact.id", ondelete="CASCADE"), index=True)
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("company.id", ondelete="SET NULL"), index=True)
    direction: Mapped[GiftDirection] = mapped_column(enum_column(GiftDirection,
                                                                 "gift_direction"))
    given_on: Mapped[date] = mapped_column(Date)
    description: Mapped[str] = mapped_column(String(200))
    #: Estimated value, in ``currency`` (ISO 4217); unknown when empty.
    value: Mapped[Decimal | None] = mapped_column(Numeric(12, 2))
    currency: Mapped[str] = mapped_column(String(3), default="")
    occasion: Mapped[str] = mapped_column(String(200), default="")
    #: Who on our side gave or received it.
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    contact: Mapped[Contact | None] = relationship()
    company: Mapped[Company | None] = relationship()
    member: Mapped[Organiser | None] = relationship(foreign_keys=[member_id])

    def __repr__(self) -> str:
        return f"<Gift {self.id} {self.direction} {self.description!r}>"
