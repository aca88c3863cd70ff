"""Delivering webhooks: claim, sign, post, note the outcome; retry with backoff for about a
day; turn off a subscription that keeps failing and tell the workspace's admins.

Workers claim deliveries as the mail worker claims messages: on PostgreSQL the candidates
are read with ``FOR UPDATE SKIP LOCKED``, and on every database the claim is a conditional
UPDATE that only one worker wins, marked with the worker's random token and held until
``claimed_until`` (``WEBHOOK_CLAIM_LEASE``). A worker renews its claim just before each
post and saves the outcome only while the claim is still its own, so no delivery is posted
by two workers; a worker that died leaves its claims to be taken over when they lapse.
No transaction is open while a request is on its way.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select, update

from eventplanner.auth.models import Membership, Role, Workspace
from eventplanner.extensions import db, utcnow
from eventplanner.mail.outbox import queue_email
from eventplanner.urls import absolute_url
from eventplanner.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from eventplanner.webhooks.posting import PostOutcome, post_json
from eventplanner.webhooks.services import (
    FAILED_DELIVERIES,
    FAILED_FOR_A_DAY,
    address_rule,
    disable_subscription,
    disabled_reason_label,
)
from eventplanner.webhooks.signing import signed_headers

log = logging.getLogger(__name__)

#: The wait after each failed attempt: ten attempts over about a day (23 h 42 min 30 s
#: from the first to the last); after the last, the delivery has failed.
RETRY_DELAYS = tuple(timedelta(seconds=seconds) for seconds in (
    30, 2 * 60, 10 * 60, 30 * 60, 3600, 2 * 3600, 4 * 3600, 8 * 3600, 8 * 3600))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
#: A subscription is turned off when its deliveries have failed without a success for
#: this long (seen at a failed attempt) ...
DISABLE_AFTER_FAILING_FOR = timedelta(hours=24)
#: ... or when this many deliveries in a row failed after every retry.
DISABLE_AFTER_FAILED_DELIVERIES = 5


@dataclass
class DeliveryReport:
    delivered: int = 0
    will_retry: int = 0
    failed: int = 0
    taken_over: int = 0
    disabled: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def handled(self) -> int:
        return self.delivered + self.will_retry + self.failed


@dataclass(frozen=True)
class Claimed:
    """What a worker needs to post one delivery, read before the request (no ORM object
    is touched while it is on its way)."""

    id: int
    message_id: str
    payload: str
    attempts: int
    subscription_id: int
    url: str
    secret: str
    enabled: bool


def retry_delay(attempts: int) -> timedelta | None:
    """The wait after the ``attempts``-th failed attempt; None after the last."""
    return RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else None


def claim_lease() -> timedelta:
    return timedelta(seconds=float(current_app.config["WEBHOOK_CLAIM_LEASE"]))


def _claimable(now: datetime):
    return or_(
        and_(WebhookDelivery.status == DeliveryStatus.PENDING,
             WebhookDelivery.next_attempt_at <= now),
        and_(WebhookDelivery.status == DeliveryStatus.SENDING,
             WebhookDelivery.claimed_until < now))


def claim_deliveries(now: datetime, limit: int) -> tuple[str, list[Claimed]]:
    """Claim up to ``limit`` due deliveries for this worker and commit the claim; returns
    the claim's token and what was won."""
    token = secrets.token_hex(16)
    candidates = db.session.scalars(
        select(WebhookDelivery.id).where(_claimable(now))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)
        .with_for_update(skip_locked=True)).all()
    if not candidates:
        db.session.commit()
        return token, []
    db.session.execute(
        update(WebhookDelivery).where(WebhookDelivery.id.in_(candidates), _claimable(now))
        .values(status=DeliveryStatus.SENDING, claimed_until=now + claim_lease(),
                claimed_by=token)
        .execution_options(synchronize_session=False))
    db.session.commit()
    rows = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.message_id, WebhookDelivery.payload,
               WebhookDelivery.attempts, WebhookSubscription.id, WebhookSubscription.url,
               WebhookSubscription.secret, WebhookSubscription.disabled_at)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookDelivery.id.in_(candidates), WebhookDelivery.claimed_by == token)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)).all()
    db.session.commit()
    return token, [Claimed(row[0], row[1], row[2], row[3], row[4], row[5], row[6],
                           row[7] is None) for row in rows]


def _still_ours(delivery_id: int, token: str):
    return and_(WebhookDelivery.id == delivery_id,
                WebhookDelivery.status == DeliveryStatus.SENDING,
                WebhookDelivery.claimed_by == token)


def _worker_clock(now: datetime | None) -> Callable[[], datetime]:
    """The time as this run sees it: the clock, or from ``now`` on (a test's future)."""
    if now is None:
        return utcnow
    started = time.monotonic()
    return lambda: now + timedelta(seconds=time.monotonic() - started)


def deliver_due(now: datetime | None = None, limit: int = 50) -> DeliveryReport:
    """Post the deliveries that are due, one after the other. Commits as it goes."""
    clock = _worker_clock(now)
    report = DeliveryReport()
    token, claimed = claim_deliveries(clock(), limit)
    timeout = float(current_app.config["WEBHOOK_TIMEOUT"])
    rule = address_rule()
    for delivery in claimed:
        renewed = db.session.execute(
            update(WebhookDelivery).where(_still_ours(delivery.id, token))
            .values(claimed_until=clock() + claim_lease())
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if not renewed:
            report.taken_over += 1
            continue
        if not delivery.enabled:
            outcome = PostOutcome(None, error="webhook turned off")
        else:
            timestamp = int(utcnow().timestamp())
            outcome = post_json(
                delivery.url, delivery.payload,
                signed_headers(delivery.secret, delivery.message_id, timestamp,
                               delivery.payload),
                timeout=timeout, rule=rule)
        _save_outcome(delivery, token, outcome, clock(), report)
        db.session.commit()
    return report


def _save_outcome(delivery: Claimed, token: str, outcome: PostOutcome, now: datetime,
                  report: DeliveryReport) -> None:
    attempts = delivery.attempts + 1
    values = {"attempts": attempts, "last_attempt_at": now, "claimed_until": None,
              "claimed_by": "", "response_status": outcome.status,
              "response_excerpt": outcome.excerpt[:500], "error": outcome.error[:300]}
    delay = retry_delay(attempts)
    if outcome.delivered:
        values.update(status=DeliveryStatus.DELIVERED, delivered_at=now)
    elif delay is None or not delivery.enabled:
        values.update(status=DeliveryStatus.FAILED)
    else:
        values.update(status=DeliveryStatus.PENDING, next_attempt_at=now + delay)
    saved = db.session.execute(
        update(WebhookDelivery).where(_still_ours(delivery.id, token)).values(**values)
        .execution_options(synchronize_session=False)).rowcount
    if not saved:
        report.taken_over += 1
        log.error("webhook outcome not saved: another worker took over the claim",
                  extra={"fields": {"delivery_id": delivery.id}})
        return
    fields = {"delivery_id": delivery.id, "subscription_id": delivery.subscription_id,
              "attempts": attempts, "status": values["status"].value,
              "response_status": outcome.status, "error": outcome.error}
    if outcome.delivered:
        report.delivered += 1
        db.session.execute(
            update(WebhookSubscription)
            .where(WebhookSubscription.id == delivery.subscription_id)
            .values(failing_since=None).execution_options(synchronize_session=False))
        log.info("webhook delivered", extra={"fields": fields})
        return
    report.errors.append(outcome.error or f"HTTP {outcome.status}")
    if values["status"] is DeliveryStatus.FAILED:
        report.failed += 1
    else:
        report.will_retry += 1
    log.warning("webhook not delivered", extra={"fields": fields})
    if delivery.enabled:
        _note_failure(delivery.subscription_id, values["status"] is DeliveryStatus.FAILED,
                      now, report)


def _note_failure(subscription_id: int, failed_for_good: bool, now: datetime,
                  report: DeliveryReport) -> None:
    """The subscription is failing (since now, if it was not); turn it off if it has failed
    for a day, or if its last deliveries all failed after every retry."""
    subscription = db.session.get(WebhookSubscription, subscription_id,
                                  with_for_update=True)
    if subscription is None or subscription.disabled_at is not None:
        return
    if subscription.failing_since is None:
        subscription.failing_since = now
    reason = None
    if subscription.failing_since <= now - DISABLE_AFTER_FAILING_FOR:
        reason = FAILED_FOR_A_DAY
    elif failed_for_good and _failed_in_a_row(subscription_id) \
            >= DISABLE_AFTER_FAILED_DELIVERIES:
        reason = FAILED_DELIVERIES
    if reason is not None:
        disable_subscription(subscription, None, reason, now)
        _tell_admins(subscription)
        report.disabled.append(subscription.id)
        log.warning("webhook turned off", extra={"fields": {
            "subscription_id": subscription.id, "reason": reason}})


def _failed_in_a_row(subscription_id: int) -> int:
    """How many deliveries failed for good since the subscription's last success."""
    last_success = db.session.scalar(
        select(func.max(WebhookDelivery.delivered_at)).where(
            WebhookDelivery.subscription_id == subscription_id,
            WebhookDelivery.status == DeliveryStatus.DELIVERED))
    query = select(func.count()).select_from(WebhookDelivery).where(
        WebhookDelivery.subscription_id == subscription_id,
        WebhookDelivery.status == DeliveryStatus.FAILED)
    if last_success is not None:
        query = query.where(WebhookDelivery.last_attempt_at > last_success)
    return int(db.session.scalar(query))


def _tell_admins(subscription: WebhookSubscription) -> None:
    """An email to each owner and admin of the workspace, in their language."""
    workspace = db.session.get(Workspace, subscription.workspace_id)
    members = db.session.scalars(
        select(Membership).where(Membership.workspace_id == subscription.workspace_id,
                                 Membership.role.in_((Role.OWNER, Role.ADMIN)))
        .order_by(Membership.id)).all()
    link = absolute_url("webhooks.subscription", subscription_id=subscription.id)
    for member in members:
        person = member.organiser
        queue_email(kind="webhook_disabled", to=person.email, to_name=person.name,
                    language=person.language, template="webhook_disabled",
                    subject=_l("A webhook of %(workspace)s was turned off",
                               workspace=workspace.name),
                    workspace=workspace.name, url=subscription.url,
                    description=subscription.description,
                    reason=disabled_reason_label(subscription.disabled_reason),
                    error=_last_error(subscription.id), link=link)


def _last_error(subscription_id: int) -> str:
    row = db.session.execute(
        select(WebhookDelivery.response_status, WebhookDelivery.error)
        .where(WebhookDelivery.subscription_id == subscription_id,
               WebhookDelivery.last_attempt_at.is_not(None))
        .order_by(WebhookDelivery.last_attempt_at.desc(), WebhookDelivery.id.desc())
        .limit(1)).first()
    if row is None:
        return ""
    return row.error or f"HTTP {row.response_status}"
