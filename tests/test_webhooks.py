"""Webhook subscriptions: the pages (owners and admins only, each workspace its own), the
SSRF check when a URL is saved, and the signals: each event type is written, in the
transaction of its cause, for the subscriptions of the workspace that want it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from eventplanner.audit.models import AuditEntry
from eventplanner.auth.models import Organiser, Role
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.models import AnswerStatus, Invitation
from eventplanner.webhooks import services
from eventplanner.webhooks.addresses import is_public
from eventplanner.webhooks.event_types import EVENT_TYPES
from eventplanner.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookSubscription
from tests.conftest import next_year_at

RECEIVER = "http://127.0.0.1:9/hooks"


def subscribe(app, owner, url: str = RECEIVER, types=tuple(EVENT_TYPES)) -> int:
    with app.app_context():
        actor = db.session.get(Organiser, owner.id)
        subscription = services.create_subscription(actor.workspace_id, actor, url, "", types)
        db.session.commit()
        return subscription.id


def sent(app, event_type: str | None = None, subscription_id: int | None = None) -> list[dict]:
    """The data of the deliveries written, oldest first."""
    with app.app_context():
        query = select(WebhookDelivery.payload).order_by(WebhookDelivery.id)
        if event_type:
            query = query.where(WebhookDelivery.event_type == event_type)
        if subscription_id:
            query = query.where(WebhookDelivery.subscription_id == subscription_id)
        bodies = [json.loads(payload) for payload in db.session.scalars(query)]
    assert all(body["type"] == (event_type or body["type"]) for body in bodies)
    return [body["data"] for body in bodies]


@dataclass
class World:
    owner: Organiser
    event_id: int
    part_id: int
    subscription_id: int


@pytest.fixture
def world(app, make_organiser, make_event, make_activity) -> World:
    owner = make_organiser(name="Olivia Owner")
    event = make_event(owner=owner, status="published")
    part = make_activity(event, name="Dinner", kind="standard", capacity=1,
                         starts_at=next_year_at(10, 1, 19))
    return World(owner, event.id, part.id, subscribe(app, owner))


def with_crm_id(app, contact, external_id: str):
    with app.app_context():
        db.session.get(type(contact), contact.id).external_id = external_id
        db.session.commit()
    return contact


# --- the signals ---------------------------------------------------------------------------

def test_an_invitation_is_announced(app, world, make_contact, make_event, make_invitation):
    contact = with_crm_id(app, make_contact(world.owner), "crm-1")
    invitation = make_invitation(make_event(owner=world.owner, status="published"), contact)
    [data] = sent(app, "invitation.created")
    assert data == {"event_id": invitation.event_id, "invitation_id": invitation.id,
                    "contact_id": contact.id, "external_id": "crm-1",
                    "plus_ones_allowed": 0, "sent_at": None}


def test_answers_from_the_guests_link_and_by_the_organiser_are_announced(
        app, client, world, make_contact, make_invitation):
    invitation = make_invitation(world_event(app, world), make_contact(world.owner))
    response = client.submit(f"/r/{invitation.token}", {
        f"part_{world.part_id}": "maybe", "dietary_needs": "", "message_to_host": ""})
    assert response.status_code == 303
    with app.app_context():
        from eventplanner.invitations.answers import answer_on_behalf

        live = db.session.get(Invitation, invitation.id)
        answer_on_behalf(live, {world.part_id: AnswerStatus.NO}, utcnow(),
                         db.session.get(Organiser, world.owner.id))
        db.session.commit()
    guest, organiser = sent(app, "invitation.answered")
    assert (guest["answered_by"], guest["answers"]) == (
        "guest", [{"part_id": world.part_id, "status": "maybe", "places": 1}])
    assert (organiser["answered_by"], organiser["answers"][0]["status"]) == ("organiser", "no")
    assert guest["invitation_id"] == invitation.id and guest["external_id"] is None


def world_event(app, world):
    from eventplanner.events.models import Event

    with app.app_context():
        event = db.session.get(Event, world.event_id)
        db.session.expunge(event)
        return event


def answer(app, invitation_id: int, part_id: int, status: AnswerStatus) -> None:
    from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation

    with app.app_context():
        respond_to_invitation(db.session.get(Invitation, invitation_id),
                              GuestAnswer({part_id: status}), utcnow())
        db.session.commit()


def test_a_place_from_the_waitlist_is_announced(app, world, make_contact, make_invitation):
    event = world_event(app, world)
    first = make_invitation(event, make_contact(world.owner))
    second = make_invitation(event, make_contact(world.owner))
    answer(app, first.id, world.part_id, AnswerStatus.YES)
    answer(app, second.id, world.part_id, AnswerStatus.YES)  # the part is full: waitlisted
    assert sent(app, "waitlist.promoted") == []
    answer(app, first.id, world.part_id, AnswerStatus.NO)
    [data] = sent(app, "waitlist.promoted")
    assert (data["invitation_id"], data["part_id"], data["status"]) == (
        second.id, world.part_id, "yes")


def test_a_check_in_is_announced_once(app, world, make_contact, make_invitation):
    from eventplanner.checkin.services import check_in
    from eventplanner.events.models import Activity

    invitation = make_invitation(world_event(app, world), make_contact(world.owner))
    answer(app, invitation.id, world.part_id, AnswerStatus.YES)
    for _ in range(2):
        with app.app_context():
            check_in(db.session.get(Activity, world.part_id),
                     db.session.get(Invitation, invitation.id), "Door", utcnow())
            db.session.commit()
    [data] = sent(app, "guest.checked_in")
    assert (data["invitation_id"], data["part_id"], data["party_size"]) == (
        invitation.id, world.part_id, 1)


def test_feedback_and_published_results_are_announced(
        app, make_organiser, make_event, make_activity, make_contact, make_guest_who_came):
    owner = make_organiser()
    event = make_event(owner=owner, status="published")
    start = (utcnow() - timedelta(days=2)).replace(tzinfo=None)
    race = make_activity(event, starts_at=start, ends_at=start + timedelta(hours=1))
    subscribe(app, owner)
    guest = make_guest_who_came(event, make_contact(owner), score=9, ratings={race.id: 5})
    [data] = sent(app, "feedback.received")
    assert (data["invitation_id"], data["score"], data["ratings"]) == (
        guest.id, 9, [{"part_id": race.id, "rating": 5}])
    from eventplanner.events.models import Event
    from eventplanner.goals.services import publish_results

    for _ in range(2):  # published again (names shown now): not announced twice
        with app.app_context():
            publish_results(db.session.get(Event, event.id), True, utcnow())
            db.session.commit()
    [data] = sent(app, "results.published")
    assert (data["event_id"], data["names_shown"]) == (event.id, True)


def test_erasure_and_the_retention_purge_are_announced(
        app, make_organiser, make_event, make_activity, make_contact, make_guest_who_came):
    from eventplanner.contacts.models import Contact
    from eventplanner.privacy.services import erase_contact

    owner = make_organiser()
    subscribe(app, owner)
    event = make_event(owner=owner, status="published")
    start = (utcnow() - timedelta(days=400)).replace(tzinfo=None)
    make_activity(event, starts_at=start, ends_at=start + timedelta(hours=1))
    erased = with_crm_id(app, make_contact(owner), "crm-erased")
    purged = with_crm_id(app, make_contact(owner), "crm-purged")
    erased_guest = make_guest_who_came(event, erased)
    purged_guest = make_guest_who_came(event, purged)
    with app.app_context():
        erase_contact(db.session.get(Contact, erased.id), utcnow(),
                      db.session.get(Organiser, owner.id))
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["privacy", "purge", "--days", "180"])
    assert result.exit_code == 0, result.output
    whole, old_events = sent(app, "contact.erased")
    assert whole == {"contact_id": erased.id, "external_id": "crm-erased",
                     "whole_contact": True, "invitation_ids": [erased_guest.id]}
    assert old_events == {"contact_id": purged.id, "external_id": "crm-purged",
                          "whole_contact": False, "invitation_ids": [purged_guest.id]}


def test_changes_to_an_event_and_its_parts_are_announced(app, world):
    from eventplanner.events.models import Activity, Event, EventStatus
    from eventplanner.events.services import (
        ActivityDetails,
        activity_details_of,
        add_activity,
        change_event,
        change_part,
        event_details_of,
        remove_part,
    )

    with app.app_context():
        event = db.session.get(Event, world.event_id)
        change_event(event, replace(event_details_of(event), title="Renamed"), utcnow())
        start = next_year_at(10, 2, 12)
        added = add_activity(event, ActivityDetails(
            name="Lunch", kind="standard", starts_at=start, ends_at=start + timedelta(hours=1)))
        part = db.session.get(Activity, world.part_id)
        change_part(part, replace(activity_details_of(part), capacity=20), utcnow())
        remove_part(added, utcnow())
        change_event(event, replace(event_details_of(event), status=EventStatus.CANCELLED),
                     utcnow())
        added_id = added.id
        db.session.commit()
    changes = [(d["change"], d["part_id"], d["fields"]) for d in sent(app, "event.changed")]
    assert changes == [("changed", None, ["title"]), ("part_added", added_id, []),
                       ("part_changed", world.part_id, ["capacity"]),
                       ("part_removed", added_id, []),
                       ("cancelled", None, ["status"])]


def test_only_the_enabled_subscriptions_of_the_workspace_that_want_it_get_it(
        app, world, make_organiser, make_contact, make_invitation):
    answers_only = subscribe(app, world.owner, types=["invitation.answered"])
    off = subscribe(app, world.owner)
    with app.app_context():
        services.disable_subscription(db.session.get(WebhookSubscription, off), None,
                                      services.TURNED_OFF, utcnow())
        db.session.commit()
    elsewhere = make_organiser()
    other = subscribe(app, elsewhere)
    make_invitation(world_event(app, world), make_contact(world.owner))
    assert len(sent(app, "invitation.created", world.subscription_id)) == 1
    for subscription_id in (answers_only, off, other):
        assert sent(app, subscription_id=subscription_id) == []


# --- the pages -----------------------------------------------------------------------------

def form(url: str = "https://crm.example.com/hooks", *types: str, **extra) -> dict:
    return {"url": url, "description": "Our CRM",
            "event_types": list(types or ("invitation.answered", "guest.checked_in")), **extra}


def test_an_admin_adds_a_webhook_and_sees_its_secret(app, make_organiser, make_member, log_in):
    owner = make_organiser()
    admin = make_member(owner, Role.ADMIN)
    browser = log_in(admin)
    assert "/team/webhooks/" in browser.get("/team/").get_data(as_text=True)
    page = browser.get("/team/webhooks/new").get_data(as_text=True)
    assert 'value="invitation.answered"' in page and "A guest is checked in" in page
    response = browser.submit("/team/webhooks/new", form(RECEIVER))
    assert response.status_code == 303
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        subscription = db.session.scalar(select(WebhookSubscription))
        assert (subscription.url, subscription.event_types, subscription.created_by_id) == (
            RECEIVER, "invitation.answered guest.checked_in", admin.id)
        assert re.fullmatch(r"whsec_[A-Za-z0-9+/]{43}=", subscription.secret)
        assert subscription.secret in page
        assert db.session.scalar(select(AuditEntry.action).where(
            AuditEntry.action == "webhook.created")) == "webhook.created"


@pytest.mark.parametrize("url", ["ftp://crm.example.com/", "crm.example.com/hooks", "",
                                 "http://user:secret@crm.example.com/", "http://:80/",
                                 "http://crm.example.com:99999/", "javascript:alert(1)",
                                 "http://no-such-host.invalid/"])
def test_a_url_that_is_no_web_address_is_refused_on_the_form(
        app, make_organiser, log_in, url):
    browser = log_in(make_organiser())
    response = browser.submit("/team/webhooks/new", form(url))
    assert response.status_code in (400, 422)
    assert 'class="error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookSubscription)) == 0


def test_a_webhook_needs_an_event_type(app, make_organiser, log_in):
    browser = log_in(make_organiser())
    response = browser.submit("/team/webhooks/new", {"url": RECEIVER, "event_types": []})
    assert response.status_code == 422
    assert "Choose at least one kind of event." in response.get_data(as_text=True)
    response = browser.submit("/team/webhooks/new", form(RECEIVER, "no.such.type"))
    assert response.status_code == 422


@pytest.mark.settings(WEBHOOKS_ALLOW_PRIVATE_ADDRESSES=False)
@pytest.mark.parametrize("url", [
    "http://127.0.0.1:8080/", "http://localhost/hooks", "http://[::1]/",
    "http://10.1.2.3/", "http://192.168.0.10/", "http://172.16.0.1/",
    "http://169.254.169.254/latest/meta-data/", "http://[fd00:ec2::254]/",
    "http://100.64.0.1/", "http://0.0.0.0/", "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:10.0.0.1]/", "http://2130706433/", "http://0x7f.1/",
    "http://224.0.0.1/", "http://[fe80::1]/", "http://240.0.0.1/"])
def test_a_private_or_internal_address_is_refused_in_production(
        app, make_organiser, log_in, url):
    browser = log_in(make_organiser())
    response = browser.submit("/team/webhooks/new", form(url))
    assert response.status_code == 422, url
    assert "private or internal network" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookSubscription)) == 0


@pytest.mark.parametrize("address, public", [
    ("8.8.8.8", True), ("2606:4700:4700::1111", True), ("::ffff:8.8.8.8", True),
    ("127.0.0.1", False), ("10.0.0.1", False), ("100.64.0.1", False),
    ("169.254.169.254", False), ("fd00:ec2::254", False), ("::ffff:169.254.169.254", False),
    ("2002:7f00:1::", False), ("2001:0:4136:e378:8000:63bf:80ff:fffe", False),
    ("fec0::1", False), ("ff02::1", False), ("233.252.0.1", False), ("::", False),
    ("192.0.2.1", False), ("64:ff9b::a00:1", False), ("64:ff9b::808:808", True),
    ("64:ff9b::a9fe:a9fe", False), ("100.100.100.200", False),
    ("::ffff:100.100.100.200", False)])
def test_which_addresses_count_as_public(address, public):
    import ipaddress

    assert is_public(ipaddress.ip_address(address)) is public


METADATA_FORMS = ["169.254.169.254", "::ffff:169.254.169.254", "::ffff:a9fe:a9fe",
                  "169.254.170.2", "fd00:ec2::254", "100.100.100.200",
                  "::ffff:100.100.100.200", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1",
                  "::169.254.169.254"]


@pytest.mark.parametrize("address", METADATA_FORMS)
def test_metadata_addresses_are_refused_whatever_the_settings_allow(address):
    import ipaddress

    from eventplanner.webhooks.addresses import AddressRule

    wide_open = (ipaddress.ip_network("169.254.0.0/16"), ipaddress.ip_network("100.64.0.0/10"),
                 ipaddress.ip_network("100.100.0.0/16"), ipaddress.ip_network("fd00::/8"),
                 ipaddress.ip_network("::/0"))
    for rule in (AddressRule(allow_private=True), AddressRule(networks=wide_open)):
        assert not rule.allows(ipaddress.ip_address(address)), (rule, address)


def test_an_allowed_network_lets_through_its_ipv4_mapped_addresses_too():
    import ipaddress

    from eventplanner.webhooks.addresses import AddressRule

    rule = AddressRule(networks=(ipaddress.ip_network("10.20.0.0/16"),))
    assert rule.allows(ipaddress.ip_address("::ffff:10.20.1.2"))
    assert rule.allows(ipaddress.ip_address("10.20.1.2"))
    assert not rule.allows(ipaddress.ip_address("::ffff:10.21.1.2"))


@pytest.mark.parametrize("url", ["http://169.254.169.254/latest/meta-data/",
                                 "http://[::ffff:169.254.169.254]/", "http://100.100.100.200/"])
def test_a_metadata_address_is_refused_even_where_private_addresses_are_allowed(
        app, make_organiser, log_in, url):
    assert app.config["WEBHOOKS_ALLOW_PRIVATE_ADDRESSES"]
    browser = log_in(make_organiser())
    response = browser.submit("/team/webhooks/new", form(url))
    assert response.status_code == 422, url
    assert "private or internal network" in response.get_data(as_text=True)


def test_the_pages_are_for_owners_and_admins_and_each_workspace_sees_its_own(
        app, world, make_organiser, make_member, log_in):
    sid = world.subscription_id
    urls = [f"/team/webhooks/{sid}", f"/team/webhooks/{sid}/edit"]
    posts = [f"/team/webhooks/{sid}/{action}" for action in (
        "disable", "enable", "rotate-secret", "test", "delete")]
    for role in (Role.ORGANISER, Role.VIEWER):
        browser = log_in(make_member(world.owner, role))
        assert browser.get("/team/webhooks/").status_code == 403
        assert "/team/webhooks/" not in browser.get("/team/").get_data(as_text=True)
        for url in urls:
            assert browser.get(url).status_code == 403
    stranger = log_in(make_organiser())
    assert RECEIVER not in stranger.get("/team/webhooks/").get_data(as_text=True)
    for url in urls:
        assert stranger.get(url).status_code == 404, url
    for url in posts:
        assert stranger.submit(url).status_code == 404, url
    with app.app_context():
        assert db.session.get(WebhookSubscription, sid).disabled_at is None


def test_an_admin_edits_turns_off_and_on_rotates_tests_and_deletes(
        app, world, make_member, log_in):
    browser = log_in(make_member(world.owner, Role.ADMIN))
    sid = world.subscription_id
    base = f"/team/webhooks/{sid}"
    assert browser.submit(f"{base}/edit", form(RECEIVER, "results.published")).status_code == 303
    with app.app_context():
        subscription = db.session.get(WebhookSubscription, sid)
        assert subscription.event_types == "results.published"
        secret = subscription.secret
    assert browser.submit(f"{base}/test").status_code == 303
    [data] = sent(app, "webhook.test")
    assert data["subscription_id"] == sid
    assert browser.submit(f"{base}/disable").status_code == 303
    with app.app_context():
        delivery = db.session.scalar(select(WebhookDelivery))
        assert delivery.status is DeliveryStatus.FAILED, "what waited is not sent"
        assert db.session.get(WebhookSubscription, sid).disabled_reason == services.TURNED_OFF
    page = browser.get(base).get_data(as_text=True)
    assert "Turned off by a member of the team." in page and "Send again" not in page
    assert browser.submit(f"{base}/test").status_code == 303  # refused: it is off
    assert len(sent(app, "webhook.test")) == 1
    assert browser.submit(f"{base}/enable").status_code == 303
    assert browser.submit(f"{base}/deliveries/{delivery.id}/send-again").status_code == 303
    with app.app_context():
        again = db.session.get(WebhookDelivery, delivery.id)
        assert (again.status, again.attempts, again.message_id) == (
            DeliveryStatus.PENDING, 0, delivery.message_id)
    assert browser.submit(f"{base}/rotate-secret").status_code == 303
    with app.app_context():
        assert db.session.get(WebhookSubscription, sid).secret not in (secret, "")
    assert browser.submit(f"{base}/delete").status_code == 303
    assert browser.get(base).status_code == 404
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
        actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"webhook.changed", "webhook.test_sent", "webhook.disabled", "webhook.enabled",
            "webhook.sent_again", "webhook.secret_rotated", "webhook.deleted"} <= actions


def test_the_delivery_log_is_newest_first_in_pages_with_the_payload(
        app, world, make_member, log_in):
    with app.app_context():
        services.queue_event(world.owner.workspace_id, "invitation.answered",
                             lambda: [{"number": n} for n in range(55)])
        db.session.commit()
    browser = log_in(make_member(world.owner, Role.ADMIN))
    page = browser.get(f"/team/webhooks/{world.subscription_id}").get_data(as_text=True)
    assert page.count("Send again") == 0 and page.count("&#34;number&#34;:") == 50
    assert page.index("&#34;number&#34;:54") < page.index("&#34;number&#34;:53")
    older = re.search(r'href="([^"]+before=\d+)"', page).group(1).replace("&amp;", "&")
    rest = browser.get(older).get_data(as_text=True)
    assert rest.count("&#34;number&#34;:") == 5 and "&#34;number&#34;:0}" in rest


def test_contacts_added_and_changed_are_announced(app, world, make_contact, log_in):
    from eventplanner.contacts.models import Contact
    from eventplanner.contacts.services import ContactDetails, update_contact

    contact = make_contact(world.owner, name="Kari", email="kari@client.example")
    with app.app_context():
        live = db.session.get(Contact, contact.id)
        update_contact(live, ContactDetails(name="Kari Nordmann", email=live.email,
                                            phone="+47 999"), None)
        db.session.commit()
    from tests.test_uploads_and_csv import confirm_contacts, key_in, preview_contacts

    browser = log_in(world.owner)
    csv = b"name,email\nKari Nordmann,kari@client.example\nPer,per@client.example\n"
    assert confirm_contacts(browser, key_in(preview_contacts(browser, csv))).status_code == 200
    created, updated = sent(app, "contact.created"), sent(app, "contact.updated")
    assert created[0] == {"contact_id": contact.id, "external_id": None,
                          "company_id": None}
    assert updated[0]["fields"] == ["name", "phone"]
    assert len(created) == 2 and created[1]["contact_id"] != contact.id, "Per, imported"
    assert updated[1] == {"contact_id": contact.id, "external_id": None, "company_id": None,
                          "fields": []}


def test_subscriptions_are_read_once_a_transaction_however_many_signals(app, world):
    """A bulk or a purge sends a signal per contact (or per group): the subscriptions are
    read once for the transaction, read again after it, and a subscription added in the
    transaction counts at once."""
    from sqlalchemy import event as sa_event

    statements: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        statements.append(statement)

    def reads() -> int:
        return sum("FROM webhook_subscription" in s for s in statements)

    with app.app_context():
        engine = db.engine
        sa_event.listen(engine, "before_cursor_execute", note)
        try:
            for number in range(50):
                services.queue_event(world.owner.workspace_id, "contact.erased",
                                     lambda number=number: [{"number": number}])
            assert reads() == 1
            actor = db.session.get(Organiser, world.owner.id)
            services.create_subscription(actor.workspace_id, actor, RECEIVER, "",
                                         ["contact.erased"])
            services.queue_event(world.owner.workspace_id, "contact.erased",
                                 lambda: [{"number": 50}])
            db.session.commit()
            assert reads() == 2
            services.queue_event(world.owner.workspace_id, "contact.erased",
                                 lambda: [{"number": 51}])
            db.session.rollback()
            services.queue_event(world.owner.workspace_id, "contact.erased",
                                 lambda: [{"number": 52}])
            db.session.commit()
            assert reads() == 4
        finally:
            sa_event.remove(engine, "before_cursor_execute", note)
    numbers = [data["number"] for data in sent(app, "contact.erased")]
    assert numbers == [*range(51), 50, 52, 52]
