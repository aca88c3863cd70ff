"""Webhook subscriptions and their deliveries (an outbox, like the emails')."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from eventplanner.auth.models import Organiser
from eventplanner.extensions import UTCDateTime, db, enum_column, utcnow


class WebhookSubscription(db.Model):
    """A URL of another system that wants to hear about some kinds of events of the
    workspace, and the secret its deliveries are signed with (Standard Webhooks)."""

    __tablename__ = "webhook_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspace.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    #: The event types wanted, space-separated ("invitation.answered guest.checked_in").
    event_types: Mapped[str] = mapped_column(String(1000))
    #: ``whsec_`` and the base64 of 32 random bytes: shared with the receiver.
    secret: Mapped[str] = mapped_column(String(100))
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("organiser.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Turned off by an admin, or by the app after deliveries kept failing.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disabled_reason: Mapped[str] = mapped_column(String(300), default="")
    #: When deliveries started failing without a success since (None: all is well).
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[Organiser | None] = relationship()

    @property
    def event_type_set(self) -> frozenset[str]:
        return frozenset(self.event_types.split())

    @property
    def is_enabled(self) -> bool:
        return self.disabled_at is None

    def __repr__(self) -> str:
        return f"<WebhookSubscription {self.id} {self.url!r}>"


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    #: A worker has claimed it and is posting it.
    SENDING = "sending"
    DELIVERED = "delivered"
    #: Gave up after the last retry (about a day), or the subscription was turned off.
    FAILED = "failed"


class WebhookDelivery(db.Model):
    """One event for one subscription: written in the transaction of its cause, posted by
    ``flask webhooks deliver`` with retries. ``payload`` is the exact JSON body signed."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (Index("ix_webhook_delivery_status_next_attempt_at", "status",
                            "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(
        ForeignKey("webhook_subscription.id", ondelete="CASCADE"), index=True)
    #: The ``webhook-id`` header: the same on every attempt, so receivers can drop repeats.
    message_id: Mapped[str] = mapped_column(String(40), unique=True)
    event_type: Mapped[str] = mapped_column(String(60))
    payload: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    status: Mapped[DeliveryStatus] = mapped_column(
        enum_column(DeliveryStatus, "webhook_delivery_status"), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: A worker's claim: until when it holds, and whose it is.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str] = mapped_column(String(64), default="")
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: The receiver's HTTP status of the last attempt (None: no answer).
    response_status: Mapped[int | None]
    #: The start of the receiver's answer, or what went wrong ("timed out").
    response_excerpt: Mapped[str] = mapped_column(String(500), default="")
    error: Mapped[str] = mapped_column(String(300), default="")

    subscription: Mapped[WebhookSubscription] = relationship()

    def __repr__(self) -> str:
        return f"<WebhookDelivery {self.id} {self.event_type} {self.status}>"
