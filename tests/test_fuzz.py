"""Arbitrary input to every form and link route, from hypothesis: odd Unicode, huge values,
wrong types, unknown fields. Never a server error; and a refusal (a 4xx) leaves the database
exactly as it was: nothing is half-saved.

The routes come from the URL map, so a new form is fuzzed without editing this file; each is
reached as its rightful user (the event's organiser, the guest's link, the helper's link),
with a valid CSRF token, so the input gets past the door and into the form.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from config import TestConfig
from eventplanner import create_app
from eventplanner.extensions import db, utcnow
from tests.conftest import FormClient, restore_database, save_database

SKIPPED = {"auth.logout", "static"}
FIELD_NAMES = re.compile(r'name="([A-Za-z0-9_\-]+)"')
ODD_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=300)
VALUES = st.one_of(
    ODD_TEXT,
    st.sampled_from(["", " ", "0", "-1", "11", "1e309", "NaN", "9" * 400, "x" * 20_000,
                     "2027-02-30T25:61", "yes", "no", "maybe", "on", "dnf", "9:61",
                     "../../etc/passwd", "<script>alert(1)</script>", "' OR 1=1 --",
                     "\u202e\u0000\ufeff", "Ø" * 130, "a@b", "finished"]),
    st.integers(min_value=-10**12, max_value=10**12).map(str),
)


def routes(method: str) -> list:
    app = create_app(TestConfig)
    return sorted((rule for rule in app.url_map.iter_rules()
                   if method in rule.methods and rule.endpoint not in SKIPPED),
                  key=lambda rule: rule.rule)


@pytest.fixture(scope="module")
def saved_worlds() -> dict:
    """The world of each backend, built by the first test and put back for each of the others
    (building it takes a dozen services and commits; putting it back, a file copy or one
    transaction)."""
    return {}


@pytest.fixture
def world(app, backend, saved_worlds, tmp_path_factory, make_organiser, make_event,
          make_activity, make_contact, make_invitation, make_guest_who_came, log_in):
    """An organiser with an event (race and dinner), a guest with a link, a past event with
    feedback, a helper at the door, a note and a company: every id a route can take. Each
    test gets it as built, whatever the tests before it did to theirs."""
    if backend in saved_worlds:
        saved, owner, links = saved_worlds[backend]
        restore_database(app, backend, saved)
    else:
        owner, links = build_world(app, make_organiser, make_event, make_activity, make_contact,
                                   make_invitation, make_guest_who_came)
        saved = save_database(app, backend, tmp_path_factory.mktemp("fuzz") / "world.db")
        saved_worlds[backend] = saved, owner, links
    return {**links, "organiser": log_in(owner),
            "guest": FormClient(app, app.response_class, use_cookies=True)}


def build_world(app, make_organiser, make_event, make_activity, make_contact, make_invitation,
                make_guest_who_came) -> tuple:
    """The world's owner, and its ids and guest links."""
    from eventplanner.checkin.services import add_helper, helper_token
    from eventplanner.contacts.models import Contact
    from eventplanner.events.models import Event
    from eventplanner.feedback.relationships import add_note
    from eventplanner.mail.models import Message

    owner = make_organiser()
    event = make_event(owner=owner, status="published", rsvp_deadline=datetime(
        utcnow().year + 1, 9, 1, 12))
    race = make_activity(event)
    make_activity(event, name="Dinner", kind="standard",
                  starts_at=datetime(utcnow().year + 1, 10, 1, 19),
                  ends_at=datetime(utcnow().year + 1, 10, 1, 23))
    contact = make_contact(owner, company_name="Client AS")
    invitation = make_invitation(event, contact, send=True)
    past = make_event(owner=owner, status="published")
    start = (utcnow() - timedelta(days=2)).replace(tzinfo=None)
    make_activity(past, starts_at=start, ends_at=start + timedelta(hours=1))
    came = make_guest_who_came(past, make_contact(owner), score=8)
    with app.app_context():
        helper = add_helper(db.session.get(Event, event.id), "Door")
        note = add_note("A note", start.date(), contact=db.session.get(Contact, contact.id))
        ids = {"event_id": event.id, "activity_id": race.id, "contact_id": contact.id,
               "invitation_id": invitation.id, "company_id": contact.company_id,
               "note_id": note.id, "helper_id": helper.id, "organiser_id": owner.id,
               "message_id": db.session.scalar(select(Message.id)), "goal_id": 1,
               "door_token": helper_token(helper)}
        db.session.commit()
    return owner, {"ids": ids, "token": invitation.token, "past_token": came.token}


def url_of(rule, world) -> tuple[str, FormClient]:
    ids = dict(world["ids"])
    if rule.endpoint.startswith("rsvp."):
        token = world["past_token"] if "feedback" in rule.rule else world["token"]
        ids["token"] = token
        client = world["guest"]
    elif rule.endpoint.startswith("door."):
        ids["token"] = ids["door_token"]
        client = world["guest"]
    else:
        ids["token"] = "x" * 43
        client = world["organiser"]
    values = {name: ids.get(name, 1) for name in rule.arguments}
    return rule.build(values, append_unknown=False)[1], client


def database_fingerprint(app) -> str:
    """A digest of every row of every table."""
    digest = hashlib.sha256()
    with app.app_context(), db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            for row in connection.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def fields_of(client: FormClient, url: str) -> list[str]:
    """The form fields on the page behind ``url`` (or on the page it belongs to)."""
    page = client.get(url.removesuffix("/request")).get_data(as_text=True)
    return sorted(set(FIELD_NAMES.findall(page)) - {"csrf_token"})


FUZZ = settings(max_examples=12, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])


@pytest.mark.parametrize("rule", routes("POST"), ids=lambda rule: rule.endpoint)
def test_no_form_input_causes_a_server_error_or_a_half_saved_change(app, world, rule):
    url, client = url_of(rule, world)
    known = fields_of(client, url) or ["name", "title", "email", "score", "code", "text"]
    csrf = client.csrf_token("/".join(url.split("/")[:3]) if url.startswith("/r/")
                             else "/auth/login")

    # The database before each post is the database after the one before it: one digest
    # an example (nothing else writes in between).
    database = [database_fingerprint(app)]

    @FUZZ
    @given(data=st.dictionaries(st.sampled_from(known) | ODD_TEXT.filter(bool), VALUES,
                                max_size=12))
    def post(data):
        before = database[-1]
        response = client.post(url, data={**data, "csrf_token": csrf})
        database.append(database_fingerprint(app))
        assert response.status_code < 500, (url, data)
        if 400 <= response.status_code < 500:
            assert database[-1] == before, (url, data, response.status_code)

    post()


@pytest.mark.parametrize("rule", routes("GET"), ids=lambda rule: rule.endpoint)
def test_no_address_or_query_string_causes_a_server_error(app, world, rule):
    url, client = url_of(rule, world)

    @FUZZ
    @given(query=st.dictionaries(st.sampled_from(["q", "page", "stage", "status", "tag",
                                                  "company", "back", "saved", "thanks",
                                                  "next"]) | ODD_TEXT, VALUES, max_size=4))
    def get(query):
        response = client.get(url, query_string=query)
        assert response.status_code < 500, (url, query)
        response.close()

    get()


@FUZZ
@given(token=ODD_TEXT | st.text(alphabet="ABCDEFabcdef0123456789-_", min_size=43,
                                 max_size=43))
def test_no_made_up_link_opens_anything_or_breaks(client, token):
    for prefix in ("/r/", "/door/", "/calendar/feed/"):
        response = client.get(prefix + token.replace("/", "%2F").replace("?", "%3F"))
        assert response.status_code in (404, 308, 405), (prefix, token)
