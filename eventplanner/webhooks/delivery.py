"""Delivering webhooks: claim, sign, post, note the outcome; retry with backoff for about a
day; turn off a subscription that keeps failing and tell the workspace's admins.

Workers claim deliveries as the mail worker claims messages: on PostgreSQL the candidates
are read with ``FOR UPDATE SKIP LOCKED``, and on every database the claim is a conditional
UPDATE that only one worker wins, marked with the worker's random token and held until
``claimed_until`` (``WEBHOOK_CLAIM_LEASE``). A worker renews its claim just before each
post and saves the outcome only while the claim is still its own, so no delivery is posted
by two workers; a worker that died leaves its claims to be taken over when they lapse
(the lease outlasts an attempt: ``check_timing``). No transaction is open while a request
is on its way.

One receiver that is down does not hold up the others: after a subscription's first failed
attempt in a round, its other deliveries claimed in that round are put back unposted, due
when the failed one is retried. Whatever goes wrong with one delivery (even a bug) is saved
as a failed attempt of that delivery, and the round goes on.
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
from sqlalchemy.exc import InterfaceError, OperationalError

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
#: A subscription counts as failing all along only if its failed attempts came at most
#: this far apart (the longest wait between retries, and some slack for a busy worker);
#: after a longer quiet spell, a failure starts a new count.
FAILING_GAP = max(RETRY_DELAYS) + timedelta(hours=1)
#: How much longer than ``WEBHOOK_TIMEOUT`` a claim must hold: an attempt ends at its
#: deadline, and saving its outcome takes a moment.
CLAIM_MARGIN = timedelta(seconds=30)
#: Errors that mean the database cannot be reached (not that one delivery's data is bad).
DATABASE_AWAY = (OperationalError, InterfaceError)


@dataclass
class DeliveryReport:
    delivered: int = 0
    will_retry: int = 0
    failed: int = 0
    taken_over: int = 0
    #: Put back unposted, as their receiver had just failed in this round.
    held_back: int = 0
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
    #: When it was last tried (a failed attempt, if ``attempts``); None: never.
    last_attempt_at: datetime | None = None


def retry_delay(attempts: int) -> timedelta | None:
    """The wait after the ``attempts``-th failed attempt; None after the last."""
    return RETRY_DELAYS[attempts - 1] if attempts <= len(RETRY_DELAYS) else None


def claim_lease() -> timedelta:
    return timedelta(seconds=float(current_app.config["WEBHOOK_CLAIM_LEASE"]))


def check_timing(config) -> None:
    """``RuntimeError`` unless a claim (``WEBHOOK_CLAIM_LEASE``) outlasts the longest
    attempt (``WEBHOOK_TIMEOUT``) with ``CLAIM_MARGIN`` to spare: else another worker
    would take a delivery over while it is still being posted, and post it again."""
    timeout = timedelta(seconds=float(config["WEBHOOK_TIMEOUT"]))
    lease = timedelta(seconds=float(config["WEBHOOK_CLAIM_LEASE"]))
    if timeout.total_seconds() <= 0 or lease < timeout + CLAIM_MARGIN:
        raise RuntimeError(
            f"WEBHOOK_CLAIM_LEASE ({lease.total_seconds():g} s) must be at least "
            f"WEBHOOK_TIMEOUT ({timeout.total_seconds():g} s) plus "
            f"{CLAIM_MARGIN.total_seconds():g} s, and WEBHOOK_TIMEOUT more than 0")


def _claimable(now: datetime):
    return or_(
        and_(WebhookDelivery.status == DeliveryStatus.PENDING,
             WebhookDelivery.next_attempt_at <= now),
        and_(WebhookDelivery.status == DeliveryStatus.SENDING,
             WebhookDelivery.claimed_until < now))


#: The order deliveries are claimed and posted in: the longest due first; among those due
#: at one moment (a receiver's deliveries put back together), the least tried first, so
#: one delivery a receiver keeps refusing does not go ahead of the others every time.
_DUE_ORDER = (WebhookDelivery.next_attempt_at, WebhookDelivery.attempts, WebhookDelivery.id)


def claim_deliveries(now: datetime, limit: int) -> tuple[str, list[Claimed]]:
    """Claim up to ``limit`` due deliveries for this worker and commit the claim; returns
    the claim's token and what was won."""
    token = secrets.token_hex(16)
    candidates = db.session.scalars(
        select(WebhookDelivery.id).where(_claimable(now))
        .order_by(*_DUE_ORDER).limit(limit)
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
               WebhookSubscription.secret, WebhookSubscription.disabled_at,
               WebhookDelivery.last_attempt_at)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(WebhookDelivery.id.in_(candidates), WebhookDelivery.claimed_by == token)
        .order_by(*_DUE_ORDER)).all()
    db.session.commit()
    return token, [Claimed(row[0], row[1], row[2], row[3], row[4], row[5], row[6],
                           row[7] is None, row[8]) for row in rows]


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
    check_timing(current_app.config)
    clock = _worker_clock(now)
    report = DeliveryReport()
    token, claimed = claim_deliveries(clock(), limit)
    timeout = float(current_app.config["WEBHOOK_TIMEOUT"])
    rule = address_rule()
    #: Subscriptions that failed in this round: when their deliveries are due again.
    failing: dict[int, datetime] = {}
    for delivery in claimed:
        if delivery.subscription_id in failing:
            _hold_back(delivery, token, failing[delivery.subscription_id],
                       delivery.subscription_id in report.disabled, report)
            db.session.commit()
            continue
        renewed = db.session.execute(
            update(WebhookDelivery).where(_still_ours(delivery.id, token))
            .values(claimed_until=clock() + claim_lease())
            .execution_options(synchronize_session=False)).rowcount
        db.session.commit()
        if not renewed:
            report.taken_over += 1
            continue
        try:
            outcome = _attempt(delivery, timeout, rule)
        except Exception as error:  # a bug or bad data: this delivery's failed attempt
            log.exception("webhook delivery failed unexpectedly",
                          extra={"fields": {"delivery_id": delivery.id}})
            outcome = PostOutcome(None, error=f"internal error: {type(error).__name__}")
        try:
            retry_at = _save_outcome(delivery, token, outcome, clock(), report)
            db.session.commit()
        except DATABASE_AWAY:
            raise  # the worker's loop waits for it; the claim lapses meanwhile
        except Exception as error:
            db.session.rollback()
            log.exception("webhook outcome not saved",
                          extra={"fields": {"delivery_id": delivery.id}})
            retry_at = _save_plain_failure(delivery, token, error, clock(), report)
        if delivery.enabled and not outcome.delivered:
            failing[delivery.subscription_id] = retry_at or clock() + RETRY_DELAYS[0]
    return report


def _save_plain_failure(delivery: Claimed, token: str, error: Exception, now: datetime,
                        report: DeliveryReport) -> datetime | None:
    """Saving the outcome failed (a bug or bad data): save a failed attempt without the
    rest (no turning off, no email); if even that fails, the claim lapses and another
    round takes the delivery up again. The round goes on either way."""
    try:
        retry_at = _save_outcome(delivery, token, PostOutcome(
            None, error=f"internal error: {type(error).__name__}"), now, report,
            note_failure=False)
        db.session.commit()
        return retry_at
    except DATABASE_AWAY:
        raise
    except Exception:
        db.session.rollback()
        log.exception("webhook failed attempt not saved",
                      extra={"fields": {"delivery_id": delivery.id}})
        return None


def _attempt(delivery: Claimed, timeout: float, rule) -> PostOutcome:
    if not delivery.enabled:
        return PostOutcome(None, error="webhook turned off")
    timestamp = int(utcnow().timestamp())
    return post_json(delivery.url, delivery.payload,
                     signed_headers(delivery.secret, delivery.message_id, timestamp,
                                    delivery.payload),
                     timeout=timeout, rule=rule)


def _hold_back(delivery: Claimed, token: str, due: datetime, turned_off: bool,
               report: DeliveryReport) -> None:
    """Put a claimed delivery back unposted (its attempts as they were), due at ``due``;
    failed unsent if its webhook was turned off in this round (as ``disable_subscription``
    fails what waits)."""
    values = ({"status": DeliveryStatus.FAILED, "error": "webhook turned off"}
              if turned_off else {"status": DeliveryStatus.PENDING, "next_attempt_at": due})
    released = db.session.execute(
        update(WebhookDelivery).where(_still_ours(delivery.id, token))
        .values(claimed_until=None, claimed_by="", **values)
        .execution_options(synchronize_session=False)).rowcount
    if released:
        report.held_back += 1
    else:
        report.taken_over += 1


def _save_outcome(delivery: Claimed, token: str, outcome: PostOutcome, now: datetime,
                  report: DeliveryReport, note_failure: bool = True) -> datetime | None:
    """Save the attempt's outcome (a failure noted against the subscription, unless not
    ``note_failure``); returns when the delivery is tried again (None: not)."""
    # Failed unsent because the webhook is off: not an attempt (it does not count
    # towards turning the webhook off again once it is back on).
    attempts = delivery.attempts + (1 if delivery.enabled else 0)
    values = {"attempts": attempts, "claimed_until": None,
              "claimed_by": "", "response_status": outcome.status,
              "response_excerpt": _storable(outcome.excerpt)[:500],
              "error": _storable(outcome.error)[:300]}
    if delivery.enabled:
        values["last_attempt_at"] = now
    delay = retry_delay(max(attempts, 1))
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
        return None
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
        return None
    report.errors.append(outcome.error or f"HTTP {outcome.status}")
    if values["status"] is DeliveryStatus.FAILED:
        report.failed += 1
    else:
        report.will_retry += 1
    log.warning("webhook not delivered", extra={"fields": fields})
    if delivery.enabled and note_failure:
        _note_failure(delivery, values["status"] is DeliveryStatus.FAILED, now, report)
    return values.get("next_attempt_at")


def _storable(text: str) -> str:
    """``text`` without NUL characters, which PostgreSQL does not keep (a receiver's
    status line can carry them into the error)."""
    return text.replace("\x00", "\ufffd")


def _note_failure(delivery: Claimed, failed_for_good: bool, now: datetime,
                  report: DeliveryReport) -> None:
    """The subscription is failing (since now, if it was not or if its previous failed
    attempt is older than ``FAILING_GAP``); turn it off if it has failed for a day, or if
    its last deliveries all failed after every retry."""
    subscription_id = delivery.subscription_id
    subscription = db.session.get(WebhookSubscription, subscription_id,
                                  with_for_update=True)
    if subscription is None or subscription.disabled_at is not None:
        return
    if subscription.failing_since is None or not _failed_lately(delivery, now):
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


def _failed_lately(delivery: Claimed, now: datetime) -> bool:
    """Whether this delivery's previous attempt, or another delivery's last attempt, of
    the subscription failed within ``FAILING_GAP`` before ``now``: the failure goes on
    from there. (The deliveries' own times: no column of the subscription is needed.)"""
    since = now - FAILING_GAP
    if delivery.attempts and delivery.last_attempt_at is not None \
            and delivery.last_attempt_at >= since:
        return True
    return db.session.scalar(
        select(WebhookDelivery.id).where(
            WebhookDelivery.subscription_id == delivery.subscription_id,
            WebhookDelivery.id != delivery.id,
            WebhookDelivery.attempts > 0,
            WebhookDelivery.status != DeliveryStatus.DELIVERED,
            WebhookDelivery.last_attempt_at >= since).limit(1)) is not None


def _failed_in_a_row(subscription_id: int) -> int:
    """How many deliveries failed for good, after at least one attempt, since the
    subscription's last success (those failed unsent, as it was turned off, do not
    count)."""
    last_success = db.session.scalar(
        select(func.max(WebhookDelivery.delivered_at)).where(
            WebhookDelivery.subscription_id == subscription_id,
            WebhookDelivery.status == DeliveryStatus.DELIVERED))
    query = select(func.count()).select_from(WebhookDelivery).where(
        WebhookDelivery.subscription_id == subscription_id,
        WebhookDelivery.status == DeliveryStatus.FAILED,
        WebhookDelivery.attempts > 0)
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
