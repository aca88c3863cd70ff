"""Webhook deliveries against a real HTTP receiver on loopback, each one verified with the
Standard Webhooks reference library; retries, giving up, turning off, the SSRF guard, and
two workers at once."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from eventplanner.auth.models import Role
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.models import Invitation
from eventplanner.mail.models import Message
from eventplanner.webhooks import services
from eventplanner.webhooks.delivery import (
    DISABLE_AFTER_FAILED_DELIVERIES,
    MAX_ATTEMPTS,
    RETRY_DELAYS,
    claim_deliveries,
    deliver_due,
)
from eventplanner.webhooks.event_types import EVENT_TYPES
from eventplanner.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from tests.conftest import next_year_at


@dataclass
class Hooked:
    owner: object
    event_id: int
    part_id: int
    invitation_id: int
    link: str
    subscription_id: int
    secret: str


def subscribe(app, owner, url: str, types=tuple(EVENT_TYPES)) -> tuple[int, str]:
    with app.app_context():
        from eventplanner.auth.models import Organiser

        actor = db.session.get(Organiser, owner.id)
        subscription = services.create_subscription(actor.workspace_id, actor, url,
                                                    "CRM", types)
        db.session.commit()
        return subscription.id, subscription.secret


@pytest.fixture
def hooked(app, receiver, make_organiser, make_event, make_activity, make_contact,
           make_invitation) -> Hooked:
    """A published event with one part and one invited guest, and a subscription to every
    event type at the receiver (made after the invitation)."""
    owner = make_organiser()
    event = make_event(owner=owner, status="published")
    part = make_activity(event, name="Dinner", kind="standard", capacity=None,
                         starts_at=next_year_at(10, 1, 19))
    contact = make_contact(owner, name="Kari Nordmann")
    invitation = make_invitation(event, contact)
    with app.app_context():
        db.session.get(type(contact), contact.id).external_id = "crm-42"
        db.session.commit()
    subscription_id, secret = subscribe(app, owner, receiver.url)
    return Hooked(owner, event.id, part.id, invitation.id, f"/r/{invitation.token}",
                  subscription_id, secret)


def deliver(app) -> str:
    result = app.test_cli_runner().invoke(args=["webhooks", "deliver"])
    assert result.exit_code == 0, result.output
    return result.output


def deliveries(app) -> list[WebhookDelivery]:
    with app.app_context():
        found = list(db.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))
        db.session.expunge_all()
        return found


def answer_yes(client, hooked: Hooked):
    response = client.submit(hooked.link, {f"part_{hooked.part_id}": "yes",
                                           "dietary_needs": "", "message_to_host": ""})
    assert response.status_code == 303, response.status_code
    return response


def test_a_guests_answer_reaches_the_receiver_signed_as_standard_webhooks_says(
        app, client, hooked, receiver):
    answer_yes(client, hooked)
    [pending] = deliveries(app)
    assert (pending.event_type, pending.status) == ("invitation.answered",
                                                     DeliveryStatus.PENDING)
    assert "delivered 1" in deliver(app)

    [request] = receiver.received
    body = request.verified(hooked.secret)  # the reference library checks the signature
    assert request.body.decode() == pending.payload, "the body signed is the one stored"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "eventplanner-webhooks"
    assert request.headers["webhook-id"] == pending.message_id
    assert abs(int(request.headers["webhook-timestamp"]) - utcnow().timestamp()) < 60
    assert body["type"] == "invitation.answered"
    assert body["timestamp"].endswith("Z")
    assert body["data"] == {
        "event_id": hooked.event_id, "invitation_id": hooked.invitation_id,
        "contact_id": body["data"]["contact_id"], "external_id": "crm-42",
        "answered_by": "guest", "answered_at": body["data"]["answered_at"],
        "answers": [{"part_id": hooked.part_id, "status": "yes", "places": 1}],
        "plus_ones": 0}
    [done] = deliveries(app)
    assert (done.status, done.attempts, done.response_status, done.response_excerpt) == (
        DeliveryStatus.DELIVERED, 1, 200, "ok")


def test_a_wrong_secret_fails_the_reference_librarys_check(app, client, hooked, receiver):
    from standardwebhooks.webhooks import WebhookVerificationError

    from eventplanner.webhooks.signing import new_secret

    answer_yes(client, hooked)
    deliver(app)
    with pytest.raises(WebhookVerificationError):
        receiver.received[0].verified(new_secret())


def test_a_refused_answer_leaves_no_delivery(app, client, hooked):
    """The delivery is written in the answer's transaction: an answer refused (the
    deadline passed) writes none."""
    with app.app_context():
        from eventplanner.events.models import Event

        db.session.get(Event, hooked.event_id).rsvp_deadline = utcnow() - timedelta(days=1)
        db.session.commit()
    response = client.submit(hooked.link, {f"part_{hooked.part_id}": "yes",
                                           "dietary_needs": "", "message_to_host": ""})
    assert response.status_code != 303
    assert deliveries(app) == []


def test_an_answer_that_changes_nothing_sends_nothing_more(app, client, hooked):
    answer_yes(client, hooked)
    answer_yes(client, hooked)
    assert len(deliveries(app)) == 1


def test_a_failing_receiver_is_retried_with_backoff_then_the_delivery_fails(
        app, client, hooked, receiver):
    """Ten attempts, 30 s, 2 min, 10 min, 30 min, 1 h, 2 h, 4 h, 8 h and 8 h apart (23 h 42
    min 30 s in all), each with the same webhook-id and body; then failed."""
    receiver.answer(500, "x" * 2000)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        answer_yes(client, hooked)
    moments = []
    now = start
    for attempt in range(1, MAX_ATTEMPTS + 1):
        with time_machine.travel(now, tick=False):
            assert deliver(app), attempt
        [delivery] = deliveries(app)
        assert delivery.attempts == attempt
        moments.append(delivery.last_attempt_at)
        if attempt < MAX_ATTEMPTS:
            assert delivery.status is DeliveryStatus.PENDING
            assert delivery.next_attempt_at - delivery.last_attempt_at == RETRY_DELAYS[
                attempt - 1]
            with time_machine.travel(delivery.next_attempt_at - timedelta(seconds=1),
                                     tick=False):
                deliver(app)  # not due yet: nothing is posted
            assert len(receiver.received) == attempt
            now = delivery.next_attempt_at
    assert delivery.status is DeliveryStatus.FAILED
    assert (delivery.response_status, delivery.response_excerpt) == (500, "x" * 500)
    assert moments[-1] - moments[0] == timedelta(hours=23, minutes=42, seconds=30)
    assert len(receiver.received) == MAX_ATTEMPTS
    assert set(receiver.ids()) == {delivery.message_id}
    assert {r.body for r in receiver.received} == {delivery.payload.encode()}
    for request in receiver.received[-1:]:
        with time_machine.travel(moments[-1], tick=False):
            request.verified(hooked.secret)
    with time_machine.travel(now + timedelta(days=2), tick=False):
        deliver(app)
    assert len(receiver.received) == MAX_ATTEMPTS, "a failed delivery is not posted again"


def test_a_receiver_that_recovers_gets_the_delivery_and_the_webhook_is_well_again(
        app, client, hooked, receiver):
    receiver.answers = [(503, "busy", {}), (204, "", {})]
    answer_yes(client, hooked)
    deliver(app)
    with app.app_context():
        assert db.session.get(WebhookSubscription, hooked.subscription_id).failing_since
    with time_machine.travel(utcnow() + timedelta(seconds=31), tick=False):
        deliver(app)
    [delivery] = deliveries(app)
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        DeliveryStatus.DELIVERED, 2, 204)
    assert receiver.ids() == [delivery.message_id] * 2
    with app.app_context():
        assert db.session.get(WebhookSubscription,
                              hooked.subscription_id).failing_since is None


def test_a_receiver_that_never_answers_in_time_is_a_failed_attempt(app, client, hooked):
    """A listening socket that never answers: the attempt ends after WEBHOOK_TIMEOUT."""
    import socket

    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        with app.app_context():
            subscription = db.session.get(WebhookSubscription, hooked.subscription_id)
            subscription.url = f"http://127.0.0.1:{silent.getsockname()[1]}/"
            db.session.commit()
        app.config["WEBHOOK_TIMEOUT"] = 0.5
        answer_yes(client, hooked)
        deliver(app)
    finally:
        silent.close()
    [delivery] = deliveries(app)
    assert (delivery.status, delivery.error, delivery.response_status) == (
        DeliveryStatus.PENDING, "timed out", None)


def fail_everything(app, receiver, hooked, count: int, start=None):
    """``count`` deliveries that fail at every attempt, through to the last one, from
    ``start`` (now) on; returns the time of the last round."""
    receiver.answer(503, "down")
    now = start or utcnow()
    with app.app_context(), time_machine.travel(now, tick=False):
        from eventplanner.webhooks.payloads import test_event

        for number in range(count):
            services.queue_event(hooked.owner.workspace_id, "invitation.answered",
                                 lambda number=number: [{**test_event(number)}])
        db.session.commit()
    while True:
        with time_machine.travel(now, tick=False):
            deliver(app)
        with app.app_context():
            due = db.session.scalar(select(func.min(WebhookDelivery.next_attempt_at)).where(
                WebhookDelivery.status == DeliveryStatus.PENDING))
        if due is None:
            return now
        now = max(due, now)


def test_five_deliveries_failed_for_good_turn_the_webhook_off_and_tell_the_admins(
        app, client, hooked, receiver, make_member):
    admin = make_member(hooked.owner, Role.ADMIN, name="Ada Admin")
    make_member(hooked.owner, Role.ORGANISER, name="Olga Organiser")
    with app.app_context():
        from eventplanner.auth.models import Organiser

        db.session.get(Organiser, admin.id).language = "de"
        db.session.commit()
    now = utcnow()
    for _ in range(DISABLE_AFTER_FAILED_DELIVERIES - 1):  # one a week, each failing a day
        now = fail_everything(app, receiver, hooked, 1, now) + timedelta(days=7)
    with app.app_context():
        assert db.session.get(WebhookSubscription, hooked.subscription_id).disabled_at is None
    now = fail_everything(app, receiver, hooked, 1, now)
    with app.app_context():
        subscription = db.session.get(WebhookSubscription, hooked.subscription_id)
        assert subscription.disabled_at is not None
        assert subscription.disabled_reason == services.FAILED_DELIVERIES
        emails = list(db.session.scalars(select(Message).where(
            Message.kind == "webhook_disabled").order_by(Message.recipient)))
        assert sorted(m.recipient for m in emails) == sorted([hooked.owner.email,
                                                              admin.email])
        german = next(m for m in emails if m.recipient == admin.email)
        assert '<html lang="de">' in german.body_html
        assert subscription.url in german.body_text
        assert "HTTP 503" in german.body_text
        assert "/team/webhooks/" in german.body_text
    posted = len(receiver.received)
    answer_yes(client, hooked)
    with time_machine.travel(now + timedelta(days=3), tick=False):
        deliver(app)
    assert len(receiver.received) == posted, "nothing goes to a webhook that is off"


def test_a_webhook_failing_for_a_day_is_turned_off(app, client, hooked, receiver):
    """One delivery failing at every retry (23 h 42 min 30 s), then another one after 24 h:
    failing for a day, with no quiet spell between its failures."""
    receiver.answer(500)
    start = utcnow()
    with time_machine.travel(start, tick=False):
        answer_yes(client, hooked)
    fail_everything(app, receiver, hooked, 0, start)
    with app.app_context():
        subscription = db.session.get(WebhookSubscription, hooked.subscription_id)
        assert subscription.disabled_at is None
        assert subscription.failing_since == start
        from eventplanner.events.models import Event
        from eventplanner.events.services import change_event, event_details_of

        with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
            event = db.session.get(Event, hooked.event_id)
            change_event(event, replace(event_details_of(event), title="Renamed"),
                         utcnow())
            db.session.commit()
    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        deliver(app)
    with app.app_context():
        subscription = db.session.get(WebhookSubscription, hooked.subscription_id)
        assert subscription.disabled_reason == services.FAILED_FOR_A_DAY
        assert db.session.scalar(select(func.count()).select_from(Message).where(
            Message.kind == "webhook_disabled")) == 1


def test_a_failure_long_after_the_last_one_starts_a_new_count(app, client, hooked,
                                                            receiver):
    """A delivery failed for good (a day of retries) and all went quiet; a week later the
    next delivery fails once: the webhook is failing since then, not since a week ago, and
    stays on."""
    start = utcnow()
    fail_everything(app, receiver, hooked, 1, start)
    week_later = start + timedelta(days=8)
    fail_at = fail_everything(app, receiver, hooked, 1, week_later)
    with app.app_context():
        subscription = db.session.get(WebhookSubscription, hooked.subscription_id)
        assert subscription.disabled_at is None
        assert subscription.failing_since == week_later
    assert fail_at - week_later == timedelta(hours=23, minutes=42, seconds=30)


def test_deliveries_failed_unsent_while_the_webhook_was_off_do_not_turn_it_off_again(
        app, client, hooked, receiver):
    """Turning a webhook off fails what waits, unsent; turned on again, one delivery
    failing for good is one failure in a row, not six."""
    with app.app_context():
        from eventplanner.auth.models import Organiser

        actor = db.session.get(Organiser, hooked.owner.id)
        services.queue_event(hooked.owner.workspace_id, "invitation.answered",
                             lambda: [{"number": n} for n in range(5)])
        subscription = db.session.get(WebhookSubscription, hooked.subscription_id)
        services.disable_subscription(subscription, actor, services.TURNED_OFF, utcnow())
        services.enable_subscription(subscription, actor)
        db.session.commit()
    assert {(d.status, d.attempts) for d in deliveries(app)} == {(DeliveryStatus.FAILED, 0)}
    fail_everything(app, receiver, hooked, 1)
    with app.app_context():
        assert db.session.get(WebhookSubscription, hooked.subscription_id).disabled_at is None


def test_send_again_posts_the_same_webhook_id_once_more(app, client, hooked, receiver):
    answer_yes(client, hooked)
    deliver(app)
    [delivery] = deliveries(app)
    with app.app_context():
        from eventplanner.auth.models import Organiser

        actor = db.session.get(Organiser, hooked.owner.id)
        live = db.session.get(WebhookDelivery, delivery.id)
        services.send_again(live, actor, utcnow())
        db.session.commit()
        with pytest.raises(services.NotResendable):  # a double click
            services.send_again(live, actor, utcnow())
        db.session.rollback()
    deliver(app)
    assert receiver.ids() == [delivery.message_id] * 2
    [again] = deliveries(app)
    assert (again.status, again.attempts) == (DeliveryStatus.DELIVERED, 1)


# --- the SSRF guard ------------------------------------------------------------------------

@pytest.mark.settings(WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=False)
def test_a_name_that_resolves_to_loopback_is_refused_at_delivery(
        app, client, receiver, make_organiser, make_event, make_activity, make_contact,
        make_invitation):
    """A subscription whose host name resolves to 127.0.0.1 when the worker posts (its DNS
    changed since it was checked, say): nothing is sent."""
    owner = make_organiser()
    event = make_event(owner=owner, status="published")
    make_activity(event)
    contact = make_contact(owner)
    with app.app_context():
        from eventplanner.auth.models import Organiser

        actor = db.session.get(Organiser, owner.id)
        subscription = WebhookSubscription(  # as if it had been public when it was saved
            workspace_id=actor.workspace_id, url=f"http://localhost:{receiver.port}/hooks",
            event_types="invitation.created", secret="whsec_" + "A" * 44)
        db.session.add(subscription)
        db.session.commit()
    make_invitation(event, contact)
    deliver(app)
    [delivery] = deliveries(app)
    assert receiver.received == []
    assert delivery.status is DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.error.startswith("refused")


@pytest.mark.settings(WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=False,
                      WEBHOOKS_ALLOWED_NETWORKS="127.0.0.1/32")
def test_a_redirect_to_a_private_address_is_refused(
        app, client, hooked, receiver, second_receiver):
    """The receiver on an allowed address redirects to 127.0.0.2, which is not: the
    attempt fails and nothing reaches the second server."""
    receiver.answer(307, "moved", Location=second_receiver.url)
    answer_yes(client, hooked)
    deliver(app)
    [delivery] = deliveries(app)
    assert len(receiver.received) == 1 and second_receiver.received == []
    assert delivery.status is DeliveryStatus.PENDING
    assert (delivery.response_status, "refused" in delivery.error) == (307, True)


@pytest.mark.settings(WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=False,
                      WEBHOOKS_ALLOWED_NETWORKS="127.0.0.1/32, 127.0.0.2/32")
def test_a_redirect_to_an_allowed_address_is_followed_with_the_same_signed_request(
        app, client, hooked, receiver, second_receiver):
    receiver.answer(308, "", Location=second_receiver.url + "?moved=1")
    answer_yes(client, hooked)
    deliver(app)
    [delivery] = deliveries(app)
    assert delivery.status is DeliveryStatus.DELIVERED
    [request] = second_receiver.received
    assert request.path == "/hooks?moved=1"
    assert request.verified(hooked.secret)["type"] == "invitation.answered"


def test_more_than_three_redirects_fail_the_attempt(app, client, hooked, receiver):
    receiver.answer(307, "", Location="/again")
    answer_yes(client, hooked)
    deliver(app)
    [delivery] = deliveries(app)
    assert len(receiver.received) == 4
    assert delivery.status is DeliveryStatus.PENDING
    assert "more than 3 redirects" in delivery.error


@pytest.mark.parametrize("status", [301, 302, 303])
def test_a_redirect_that_may_turn_the_post_into_a_get_is_not_followed(
        app, client, hooked, receiver, second_receiver, status):
    """301, 302 and 303 let clients repeat a POST as a GET, without the event: a failed
    attempt saying so, so the receiver's address gets fixed."""
    receiver.answer(status, "", Location=second_receiver.url)
    answer_yes(client, hooked)
    deliver(app)
    [delivery] = deliveries(app)
    assert len(receiver.received) == 1 and second_receiver.received == []
    assert (delivery.status, delivery.response_status, delivery.error) == (
        DeliveryStatus.PENDING, status, f"redirected with {status}: use the final address")


def test_a_redirect_to_another_scheme_fails_the_attempt(app, client, hooked, receiver):
    receiver.answer(308, "", Location="ftp://127.0.0.1/hooks")
    answer_yes(client, hooked)
    deliver(app)
    [delivery] = deliveries(app)
    assert len(receiver.received) == 1
    assert delivery.status is DeliveryStatus.PENDING and "refused" in delivery.error


# --- what the URL or the receiver may throw at the worker ---------------------------------

def test_a_non_ascii_path_and_redirect_are_sent_percent_encoded(app, client, hooked,
                                                                receiver):
    """``/é`` in the webhook's address and ``Location: /ø`` (UTF-8) from the receiver:
    both reach it percent-encoded, the delivery is delivered."""
    with app.app_context():
        db.session.get(WebhookSubscription, hooked.subscription_id).url = \
            receiver.url + "/é?name=Bjørn&x=%20"
        db.session.commit()
    location = "/ø".encode().decode("latin-1")  # the server writes headers as Latin-1
    receiver.answers = [(307, "", {"Location": location}), (200, "ok", {})]
    answer_yes(client, hooked)
    deliver(app)
    assert [r.path for r in receiver.received] == [
        "/hooks/%C3%A9?name=Bj%C3%B8rn&x=%20", "/%C3%B8"]
    [delivery] = deliveries(app)
    assert delivery.status is DeliveryStatus.DELIVERED


def test_an_answer_with_a_nul_character_is_kept_readable(app, client, hooked, receiver):
    """PostgreSQL keeps no NUL in text: the receiver's NUL is shown as U+FFFD."""
    receiver.answer(200, "ok\x00done")
    answer_yes(client, hooked)
    deliver(app)
    [delivery] = deliveries(app)
    assert (delivery.status, delivery.response_excerpt) == (DeliveryStatus.DELIVERED,
                                                             "ok\ufffddone")


def test_an_unexpected_error_with_one_delivery_is_its_failed_attempt_and_the_round_goes_on(
        app, client, hooked, receiver, second_receiver):
    """A subscription whose stored secret is broken (not base64): its delivery is a failed
    attempt saying so, and the next delivery of the round is posted."""
    broken_id, _ = subscribe(app, hooked.owner, second_receiver.url)
    with app.app_context():
        db.session.get(WebhookSubscription, broken_id).secret = "whsec_abc"
        db.session.commit()
    answer_yes(client, hooked)
    report_output = deliver(app)
    assert "delivered 1, will retry 1" in report_output
    by_subscription = {d.subscription_id: d for d in deliveries(app)}
    broken = by_subscription[broken_id]
    assert (broken.status, broken.attempts, broken.error) == (
        DeliveryStatus.PENDING, 1, "internal error: Error")
    assert by_subscription[hooked.subscription_id].status is DeliveryStatus.DELIVERED
    assert second_receiver.received == [] and len(receiver.received) == 1


@pytest.fixture
def trickler():
    """A server on loopback that answers one byte every 0.1 s for 3 s (``prefix`` at once
    first): each read has its byte well within any timeout, the whole answer never ends
    in time."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    settings = {"prefix": b""}
    stop = threading.Event()

    def serve():
        connection, _ = listener.accept()
        with connection:
            connection.recv(65536)
            connection.sendall(settings["prefix"])
            for _ in range(30):
                if stop.wait(0.1):
                    return
                try:
                    connection.sendall(b"x")
                except OSError:
                    return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], settings
    stop.set()
    listener.close()
    thread.join(timeout=1)


@pytest.mark.parametrize("prefix", [
    b"HTTP/1.1 200 OK\r\nX-Slow: ",
    b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"], ids=["headers", "body"])
def test_a_receiver_trickling_its_answer_is_cut_off_after_the_timeout(trickler, prefix):
    import time

    from eventplanner.webhooks.addresses import AddressRule
    from eventplanner.webhooks.posting import post_json

    port, settings = trickler
    settings["prefix"] = prefix
    started = time.monotonic()
    outcome = post_json(f"http://127.0.0.1:{port}/hooks", "{}", {}, timeout=0.5,
                        rule=AddressRule(allow_private=True))
    took = time.monotonic() - started
    assert (outcome.status, outcome.error) == (None, "timed out")
    assert 0.4 < took < 1.5, took  # without the deadline: 3 s, the trickle's length


def test_an_answer_with_endless_headers_is_refused_without_reading_it_all(trickler):
    from eventplanner.webhooks.addresses import AddressRule
    from eventplanner.webhooks.posting import MAX_ANSWER_BYTES, post_json

    port, settings = trickler
    settings["prefix"] = b"HTTP/1.1 200 OK\r\n" + b"".join(
        b"X-%d: %s\r\n" % (n, b"y" * 990) for n in range(90))  # 90 KB, under 100 headers
    assert len(settings["prefix"]) > MAX_ANSWER_BYTES
    outcome = post_json(f"http://127.0.0.1:{port}/hooks", "{}", {}, timeout=2,
                        rule=AddressRule(allow_private=True))
    assert outcome.status is None
    assert outcome.error.startswith("AnswerTooLong: answer longer than"), outcome


def test_a_claim_lease_that_an_attempt_could_outlast_is_refused_at_start():
    from config import TestConfig
    from eventplanner import create_app

    for lease, timeout in (("60", 40), (20, 10), (300, 0)):
        config = type("Config", (TestConfig,), {"WEBHOOK_CLAIM_LEASE": lease,
                                                 "WEBHOOK_TIMEOUT": timeout})
        with pytest.raises(RuntimeError, match="WEBHOOK_CLAIM_LEASE"):
            create_app(config)
    create_app(type("Config", (TestConfig,), {"WEBHOOK_CLAIM_LEASE": 40,
                                              "WEBHOOK_TIMEOUT": 10}))


# --- workers -------------------------------------------------------------------------------

def test_a_dead_receiver_does_not_hold_up_other_workspaces(
        app, client, hooked, receiver, second_receiver, make_organiser):
    """Three deliveries to a receiver that is down, then two of another workspace: the
    first is tried and fails, the other two are put back unposted (due with its retry),
    and the other workspace's are delivered in the same round. At the retry, one of
    those put back goes first."""
    receiver.answer(503, "down")
    other = make_organiser()
    other_id, _ = subscribe(app, other, second_receiver.url)
    with app.app_context():
        services.queue_event(hooked.owner.workspace_id, "invitation.answered",
                             lambda: [{"number": n} for n in range(3)])
        db.session.commit()
        services.queue_event(other.workspace_id, "invitation.answered",
                             lambda: [{"number": n} for n in range(2)])
        db.session.commit()
    assert "delivered 2, will retry 1, failed 0, put back 2" in deliver(app)
    assert len(receiver.received) == 1 and len(second_receiver.received) == 2
    first, *held = [d for d in deliveries(app) if d.subscription_id != other_id]
    assert (first.status, first.attempts) == (DeliveryStatus.PENDING, 1)
    assert [(d.status, d.attempts, d.next_attempt_at, d.claimed_by) for d in held] == [
        (DeliveryStatus.PENDING, 0, first.next_attempt_at, "")] * 2
    with time_machine.travel(first.next_attempt_at, tick=False):
        deliver(app)
    assert receiver.ids()[1] == held[0].message_id


def test_a_webhook_turned_off_mid_round_fails_its_other_deliveries_unsent(
        app, client, hooked, receiver):
    """Failing for 25 hours (the last failure an hour ago): the round's first failure turns
    the webhook off, and its other deliveries of the round fail unsent, as turning it off
    fails what waits."""
    receiver.answer(503, "down")
    now = utcnow()
    with app.app_context():
        services.queue_event(hooked.owner.workspace_id, "invitation.answered",
                             lambda: [{"number": -1}])
        db.session.flush()
        earlier = db.session.scalar(select(WebhookDelivery))
        earlier.attempts, earlier.last_attempt_at = 6, now - timedelta(hours=1)
        earlier.next_attempt_at = now + timedelta(hours=3)
        db.session.get(WebhookSubscription, hooked.subscription_id).failing_since = \
            now - timedelta(hours=25)
        services.queue_event(hooked.owner.workspace_id, "invitation.answered",
                             lambda: [{"number": n} for n in range(3)])
        db.session.commit()
    with time_machine.travel(now + timedelta(seconds=5), tick=False):
        deliver(app)
    assert len(receiver.received) == 1
    with app.app_context():
        subscription = db.session.get(WebhookSubscription, hooked.subscription_id)
        assert subscription.disabled_reason == services.FAILED_FOR_A_DAY
    _earlier, first, *others = deliveries(app)
    assert (first.status, first.attempts) == (DeliveryStatus.FAILED, 1)
    assert [(d.status, d.attempts, d.error) for d in others] == [
        (DeliveryStatus.FAILED, 0, "webhook turned off")] * 2


def test_two_workers_never_post_one_delivery_twice(app, client, hooked, receiver):
    with app.app_context():
        services.queue_event(hooked.owner.workspace_id, "invitation.answered",
                             lambda: [{"number": n} for n in range(20)])
        db.session.commit()
    start = threading.Barrier(2)

    def worker(_):
        with app.app_context():
            start.wait()
            return deliver_due(limit=20).delivered

    with ThreadPoolExecutor(max_workers=2) as pool:
        counts = list(pool.map(worker, range(2)))
    assert sum(counts) == 20
    assert len(receiver.ids()) == 20 == len(set(receiver.ids()))
    assert {d.status for d in deliveries(app)} == {DeliveryStatus.DELIVERED}


def test_a_claim_left_by_a_dead_worker_is_taken_over_after_its_lease(app, client, hooked,
                                                                     receiver):
    answer_yes(client, hooked)
    with app.app_context():
        _token, claimed = claim_deliveries(utcnow(), 10)
        assert len(claimed) == 1
        assert claim_deliveries(utcnow(), 10)[1] == []
    deliver(app)
    assert receiver.received == []
    with time_machine.travel(utcnow() + timedelta(minutes=6), tick=False):
        deliver(app)
    assert len(receiver.received) == 1
    [delivery] = deliveries(app)
    assert delivery.status is DeliveryStatus.DELIVERED


def test_the_payload_is_json_with_type_timestamp_and_data(app, client, hooked):
    answer_yes(client, hooked)
    [delivery] = deliveries(app)
    body = json.loads(delivery.payload)
    assert set(body) == {"type", "timestamp", "data"}
    with app.app_context():
        assert db.session.get(Invitation, hooked.invitation_id).contact.external_id == "crm-42"


# --- connecting to the address checked -----------------------------------------------------

def test_the_request_goes_to_the_address_checked_without_a_second_dns_lookup(
        receiver, monkeypatch):
    """DNS rebinding: the name answers 127.0.0.1 when checked and an internal address
    after that; the one lookup's address is the one connected to."""
    import ipaddress
    import socket

    from eventplanner.webhooks.addresses import AddressRule
    from eventplanner.webhooks.posting import post_json

    real, lookups = socket.getaddrinfo, []

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example.com":
            return real(host, port, *args, **kwargs)
        lookups.append(host)
        address = "127.0.0.1" if len(lookups) == 1 else "10.255.255.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    rule = AddressRule(networks=(ipaddress.ip_network("127.0.0.1/32"),))
    outcome = post_json(f"http://rebind.example.com:{receiver.port}/hooks", "{}", {},
                        timeout=5, rule=rule)
    assert outcome.delivered and lookups == ["rebind.example.com"]
    assert receiver.received[0].headers["Host"] == f"rebind.example.com:{receiver.port}"


def test_when_the_first_address_of_a_host_refuses_the_next_one_is_tried(
        receiver, monkeypatch):
    """A host with a broken first address (an AAAA nothing listens on, say): the
    request goes to its next checked address."""
    import ipaddress
    import socket

    from eventplanner.webhooks.addresses import AddressRule
    from eventplanner.webhooks.posting import post_json

    real = socket.getaddrinfo

    def two_addresses(host, port, *args, **kwargs):
        if host != "two.example.com":
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))
                for address in ("127.0.0.3", "127.0.0.1")]  # nothing on 127.0.0.3

    monkeypatch.setattr(socket, "getaddrinfo", two_addresses)
    rule = AddressRule(networks=(ipaddress.ip_network("127.0.0.0/8"),))
    outcome = post_json(f"http://two.example.com:{receiver.port}/hooks", "{}", {},
                        timeout=5, rule=rule)
    assert outcome.delivered, outcome
    assert len(receiver.received) == 1


@pytest.fixture
def tls_receiver(tmp_path):
    """An HTTPS receiver on the first address ``localhost`` resolves to (::1 or
    127.0.0.1), with a certificate for ``localhost`` only, and a context that trusts it;
    notes the server name each client asked for (SNI)."""
    import socket
    import ssl
    import subprocess
    from http.server import ThreadingHTTPServer

    from tests.webhook_receiver import Receiver, _handler

    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    for family, *_rest, (address, *_port) in socket.getaddrinfo(
            "localhost", 0, type=socket.SOCK_STREAM):
        found = Receiver(address)
        server_class = type("Server", (ThreadingHTTPServer,), {"address_family": family})
        try:
            server = server_class((address, 0), _handler(found))
            break
        except OSError:  # ::1 where IPv6 is off: the next address of localhost
            continue
    names: list[str | None] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: names.append(name)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    found.port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield found, ssl.create_default_context(cafile=str(cert)), names
    server.shutdown()
    server.server_close()


def test_https_checks_the_certificate_against_the_host_name(tls_receiver):
    from eventplanner.webhooks.addresses import AddressRule
    from eventplanner.webhooks.posting import post_json

    found, trusting, names = tls_receiver
    rule = AddressRule(allow_private=True)
    outcome = post_json(f"https://localhost:{found.port}/hooks", "{}", {}, timeout=5,
                        rule=rule, tls_context=trusting)
    assert outcome.delivered and names == ["localhost"]
    literal = f"[{found.host}]" if ":" in found.host else found.host
    by_address = post_json(f"https://{literal}:{found.port}/hooks", "{}", {}, timeout=5,
                           rule=rule, tls_context=trusting)
    assert not by_address.delivered and by_address.error.startswith("TLS error")
    untrusted = post_json(f"https://localhost:{found.port}/hooks", "{}", {}, timeout=5,
                          rule=rule)
    assert untrusted.error.startswith("TLS error")
    assert len(found.received) == 1
