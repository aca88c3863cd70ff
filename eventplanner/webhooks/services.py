"""Webhook subscriptions (one workspace's, managed by its owners and admins) and the
deliveries written for them in the transaction of their cause.

Services add and flush; the caller commits once. Every change is in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, event, insert, select, update
from sqlalchemy.orm import Session

from eventplanner.audit.services import changes, record
from eventplanner.auth.models import Organiser
from eventplanner.errors import InvalidInput, InvalidState, NotFound
from eventplanner.extensions import db, utcnow
from eventplanner.webhooks import payloads
from eventplanner.webhooks.addresses import AddressRule, checked_target
from eventplanner.webhooks.event_types import EVENT_TYPES, TEST_EVENT
from eventplanner.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from eventplanner.webhooks.signing import new_message_id, new_secret

#: Deliveries a page of the log shows.
LOG_PAGE_SIZE = 50

#: Why a subscription is off: the app's own reasons (``disabled_reason``), as people read
#: them. Another text is shown as it is.
TURNED_OFF = "turned_off"
FAILED_FOR_A_DAY = "failed_for_a_day"
FAILED_DELIVERIES = "failed_deliveries"
DISABLED_REASONS = {
    TURNED_OFF: _l("Turned off by a member of the team."),
    FAILED_FOR_A_DAY: _l("Turned off by eventplanner: deliveries kept failing for a day."),
    FAILED_DELIVERIES: _l("Turned off by eventplanner: several deliveries in a row failed "
                          "after every retry."),
}


def disabled_reason_label(reason: str) -> str:
    return str(DISABLED_REASONS.get(reason, reason))


class NoEventTypes(InvalidInput):
    default_message = _l("Choose at least one kind of event.")


class NotResendable(InvalidState):
    default_message = _l("This delivery is on its way already.")


class WebhookDisabled(InvalidState):
    default_message = _l("Turn the webhook on first.")


def address_rule() -> AddressRule:
    return AddressRule.from_config(current_app.config)


# --- who wants what, once a transaction --------------------------------------------------

#: ``session.info`` key: {workspace id: [(subscription id, event types)]} of the enabled
#: subscriptions, read once a transaction (a bulk of 10,000 contacts, a purge, sends many
#: signals), forgotten when it ends and whenever a subscription changes.
_WANTING = "webhooks.wanting"


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_wanting(session: Session, *_args) -> None:
    session.info.pop(_WANTING, None)


def _subscriptions_wanting(workspace_id: int, event_type: str) -> list[int]:
    known = db.session.info.setdefault(_WANTING, {})
    if workspace_id not in known:
        known[workspace_id] = [
            (subscription_id, frozenset(types.split()))
            for subscription_id, types in db.session.execute(
                select(WebhookSubscription.id, WebhookSubscription.event_types).where(
                    WebhookSubscription.workspace_id == workspace_id,
                    WebhookSubscription.disabled_at.is_(None))
                .order_by(WebhookSubscription.id))]
    return [subscription_id for subscription_id, types in known[workspace_id]
            if event_type in types]


# --- subscriptions -----------------------------------------------------------------------

def subscriptions_of(workspace_id: int) -> list[WebhookSubscription]:
    return list(db.session.scalars(
        select(WebhookSubscription).where(WebhookSubscription.workspace_id == workspace_id)
        .order_by(WebhookSubscription.id)))


def get_subscription(workspace_id: int, subscription_id: int) -> WebhookSubscription:
    """The workspace's subscription; ``NotFound`` for another workspace's."""
    subscription = db.session.scalar(select(WebhookSubscription).where(
        WebhookSubscription.id == subscription_id,
        WebhookSubscription.workspace_id == workspace_id))
    if subscription is None:
        raise NotFound()
    return subscription


def _checked(url: str, event_types: Iterable[str]) -> tuple[str, str]:
    """The URL (``RefusedUrl`` if webhooks may not go there) and the event types as
    stored."""
    chosen = [name for name in EVENT_TYPES if name in set(event_types)]
    if not chosen:
        raise NoEventTypes()
    return checked_target(url, address_rule()).url, " ".join(chosen)


def create_subscription(workspace_id: int, actor: Organiser, url: str, description: str,
                        event_types: Iterable[str]) -> WebhookSubscription:
    _forget_wanting(db.session)
    url, types = _checked(url, event_types)
    subscription = WebhookSubscription(
        workspace_id=workspace_id, url=url, description=description.strip()[:200],
        event_types=types, secret=new_secret(), created_by_id=actor.id)
    db.session.add(subscription)
    db.session.flush()
    record(workspace_id, actor, "webhook.created",
           details={"url": url, "event types": types})
    return subscription


def change_subscription(subscription: WebhookSubscription, actor: Organiser, url: str,
                        description: str, event_types: Iterable[str]) -> None:
    _forget_wanting(db.session)
    url, types = _checked(url, event_types)
    before = {"url": subscription.url, "description": subscription.description,
              "event types": subscription.event_types}
    subscription.url, subscription.event_types = url, types
    subscription.description = description.strip()[:200]
    db.session.flush()
    changed = changes(before, {"url": url, "description": subscription.description,
                               "event types": types})
    if changed:
        record(subscription.workspace_id, actor, "webhook.changed",
               details={"webhook": subscription.url, **changed})


def rotate_secret(subscription: WebhookSubscription, actor: Organiser) -> str:
    """A new secret: every delivery from now on (retries too) is signed with it."""
    subscription.secret = new_secret()
    db.session.flush()
    record(subscription.workspace_id, actor, "webhook.secret_rotated",
           details={"webhook": subscription.url})
    return subscription.secret


def disable_subscription(subscription: WebhookSubscription, actor: Organiser | None,
                         reason: str, now: datetime) -> None:
    """Turn the subscription off: nothing more is written for it, and what waits to be
    delivered is failed (it can be sent again once it is on)."""
    _forget_wanting(db.session)
    if subscription.disabled_at is not None:
        return
    subscription.disabled_at, subscription.disabled_reason = now, reason[:300]
    db.session.execute(
        update(WebhookDelivery).where(WebhookDelivery.subscription_id == subscription.id,
                                      WebhookDelivery.status == DeliveryStatus.PENDING)
        .values(status=DeliveryStatus.FAILED, error="webhook turned off")
        .execution_options(synchronize_session=False))
    db.session.flush()
    record(subscription.workspace_id, actor, "webhook.disabled",
           details={"webhook": subscription.url, "reason": disabled_reason_label(reason)})


def enable_subscription(subscription: WebhookSubscription, actor: Organiser) -> None:
    _forget_wanting(db.session)
    if subscription.disabled_at is None:
        return
    subscription.disabled_at, subscription.disabled_reason = None, ""
    subscription.failing_since = None
    db.session.flush()
    record(subscription.workspace_id, actor, "webhook.enabled",
           details={"webhook": subscription.url})


def delete_subscription(subscription: WebhookSubscription, actor: Organiser) -> None:
    """Delete it with its delivery log."""
    _forget_wanting(db.session)
    record(subscription.workspace_id, actor, "webhook.deleted",
           details={"webhook": subscription.url})
    db.session.execute(delete(WebhookDelivery).where(
        WebhookDelivery.subscription_id == subscription.id))
    db.session.delete(subscription)
    db.session.flush()


# --- deliveries --------------------------------------------------------------------------

def queue_event(workspace_id: int, event_type: str, data: Callable[[], list[dict]]) -> int:
    """Write a delivery of each of ``data``'s items for every enabled subscription of the
    workspace that wants ``event_type``, in the caller's transaction (``data`` is called
    only if one does). Returns how many."""
    wanting = _subscriptions_wanting(workspace_id, event_type)
    if not wanting:
        return 0
    items = data()
    if not items:
        return 0
    now = utcnow()
    rows = [_delivery_row(subscription_id, event_type, payloads.body(event_type, item, now),
                          now)
            for item in items for subscription_id in wanting]
    db.session.execute(insert(WebhookDelivery), rows)
    return len(rows)


def _delivery_row(subscription_id: int, event_type: str, body: str, now: datetime) -> dict:
    return {"subscription_id": subscription_id, "message_id": new_message_id(),
            "event_type": event_type, "payload": body, "created_at": now,
            "status": DeliveryStatus.PENDING, "attempts": 0, "next_attempt_at": now,
            "claimed_by": "", "response_excerpt": "", "error": ""}


def send_test_event(subscription: WebhookSubscription, actor: Organiser) -> WebhookDelivery:
    """A ``webhook.test`` delivery, whatever the subscription asks for."""
    if subscription.disabled_at is not None:
        raise WebhookDisabled()
    now = utcnow()
    delivery = WebhookDelivery(**_delivery_row(
        subscription.id, TEST_EVENT.name,
        payloads.body(TEST_EVENT.name, payloads.test_event(subscription.id), now), now))
    db.session.add(delivery)
    db.session.flush()
    record(subscription.workspace_id, actor, "webhook.test_sent",
           details={"webhook": subscription.url})
    return delivery


def deliveries_of(subscription: WebhookSubscription,
                  before_id: int | None = None) -> list[WebhookDelivery]:
    """The subscription's log, newest first; ``before_id`` pages on."""
    query = select(WebhookDelivery).where(
        WebhookDelivery.subscription_id == subscription.id)
    if before_id is not None:
        query = query.where(WebhookDelivery.id < before_id)
    return list(db.session.scalars(
        query.order_by(WebhookDelivery.id.desc()).limit(LOG_PAGE_SIZE)))


def get_delivery(subscription: WebhookSubscription, delivery_id: int) -> WebhookDelivery:
    delivery = db.session.scalar(select(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id,
        WebhookDelivery.subscription_id == subscription.id))
    if delivery is None:
        raise NotFound()
    return delivery


def send_again(delivery: WebhookDelivery, actor: Organiser, now: datetime) -> None:
    """Queue a delivered or failed delivery again, due now, with its attempts reset: the
    same ``webhook-id`` and body (receivers can tell a repeat). Decided by the database:
    a double click queues it once."""
    subscription = delivery.subscription
    if subscription.disabled_at is not None:
        raise WebhookDisabled()
    queued = db.session.execute(
        update(WebhookDelivery).where(
            WebhookDelivery.id == delivery.id,
            WebhookDelivery.status.in_((DeliveryStatus.DELIVERED, DeliveryStatus.FAILED)))
        .values(status=DeliveryStatus.PENDING, attempts=0, next_attempt_at=now, error="",
                claimed_until=None, claimed_by="")
        .execution_options(synchronize_session=False)).rowcount
    db.session.expire(delivery)
    if not queued:
        raise NotResendable()
    record(subscription.workspace_id, actor, "webhook.sent_again",
           details={"webhook": subscription.url, "event type": delivery.event_type,
                    "webhook-id": delivery.message_id})
