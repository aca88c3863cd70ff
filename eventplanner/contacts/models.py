"""Client companies and the people in them, kept by a workspace (the team) across events."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventplanner.auth.models import Organiser
from eventplanner.extensions import UTCDateTime, db, utcnow

LANGUAGE_CODES = ("en", "nb", "da", "de")


class Company(db.Model):
    __tablename__ = "company"
    __tombstone_kind__ = "company"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),
                      UniqueConstraint("workspace_id", "external_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    #: The company's id in the team's CRM, kept so the CRM can update it through the API.
    external_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: The team member who looks after this client ("our person"), or None.
    account_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser.id", ondelete="SET NULL"), index=True)

    account_manager: Mapped[Organiser | None] = relationship()

    contacts: Mapped[list[Contact]] = relationship(
        back_populates="company", order_by="Contact.name"
    )

    def __repr__(self) -> str:
        return f"<Company {self.id} {self.name!r}>"


contact_tag = Table(
    "contact_tag",
    db.metadata,
    Column("contact_id", ForeignKey("contact.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tag.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Tag(db.Model):
    """A label an organiser puts on contacts ("vip", "runner"), to invite them together."""

    __tablename__ = "tag"
    __tombstone_kind__ = "tag"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    #: Stored lower-case, without surrounding spaces.
    name: Mapped[str] = mapped_column(String(60))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"<Tag {self.name!r}>"


class Contact(db.Model):
    __tablename__ = "contact"
    __tombstone_kind__ = "contact"
    __table_args__ = (UniqueConstraint("workspace_id", "email"),
                      UniqueConstraint("workspace_id", "external_id"))

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    company_id: Mapped[int | None] = mapped_column(
        ForeignKey("company.id", ondelete="SET NULL"), index=True
    )
    name: Mapped[str] = mapped_column(String(120))
    #: Stored lower-cased: unique per workspace whatever the spelling.
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str] = mapped_column(String(40), default="")
    #: Their role at their company ("Head of procurement"), for the hosts' briefings.
    job_title: Mapped[str] = mapped_column(String(120), default="")
    #: The guest's language (en, nb, da, de); empty means the event's default.
    language: Mapped[str] = mapped_column(String(8), default="")
    dietary_notes: Mapped[str] = mapped_column(String(500), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    #: The person's id in the team's CRM (the API upserts by it), or None.
    external_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    #: The guest asked (from their link) to be forgotten; the organiser erases.
    erasure_requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Personal data removed; the row stays so counts and scores keep adding up.
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When mail to the address last bounced for good (a delivery report said it failed
    #: permanently), and what the report said; cleared when the address changes.
    email_bounced_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    email_bounce_reason: Mapped[str] = mapped_column(String(300), default="")
    #: The team member who looks after this person ("our person"), or None.
    account_manager_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser.id", ondelete="SET NULL"), index=True)

    account_manager: Mapped[Organiser | None] = relationship()

    company: Mapped[Company | None] = relationship(back_populates="contacts")
    tags: Mapped[list[Tag]] = relationship(secondary=contact_tag, order_by=Tag.name)

    @property
    def looked_after_by(self) -> Organiser | None:
        """Who looks after this person: their own account manager, else their company's."""
        if self.account_manager is not None:
            return self.account_manager
        return self.company.account_manager if self.company is not None else None

    @property
    def tag_names(self) -> list[str]:
        return [tag.name for tag in self.tags]

    def __repr__(self) -> str:
        return f"<Contact {self.id} {self.email}>"
