"""Check-in at the door: by search and by QR code, helpers' links and their limits,
concurrent taps, and "came" meaning checked in once the event uses check-in."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest
import segno
from sqlalchemy import select

from eventplanner.extensions import db, utcnow
from tests.conftest import FormClient, activity_ids


def words_of(page: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", page).split())


@pytest.fixture
def evening(app, make_organiser, make_event, make_activity, make_contact, make_invitation):
    """Tonight's race: Kari (bringing one guest) and Ola said yes, Mette maybe, Bo no."""
    from eventplanner.invitations.answers import GuestAnswer, respond_to_invitation
    from eventplanner.invitations.models import AnswerStatus, Invitation

    owner = make_organiser(name="Ingrid")
    event = make_event(owner=owner, status="published", title="Stoltzen")
    start = datetime.now().replace(microsecond=0, second=0) + timedelta(hours=2)
    make_activity(event, name="Stair race", starts_at=start, ends_at=start + timedelta(hours=1))
    race, = activity_ids(app, event)
    guests = {}
    for name, answer, company in (("Kari Nordmann", AnswerStatus.YES, "Nordlys"),
                                  ("Ola Bakken", AnswerStatus.YES, "Fjord Bank"),
                                  ("Mette Kjærgaard", AnswerStatus.MAYBE, "Øresund"),
                                  ("Bo Berg", AnswerStatus.NO, "")):
        invitation = make_invitation(event, make_contact(owner, name=name, company_name=company),
                                     plus_ones_allowed=1)
        with app.app_context():
            live = db.session.get(Invitation, invitation.id)
            respond_to_invitation(live, GuestAnswer(
                {race: answer}, ("Per",) if name.startswith("Kari") else ()), utcnow(),
                changed_by="organiser")
            db.session.commit()
        guests[name.split()[0]] = invitation
    return event, race, guests


def door(client, event, race, query: str = "") -> str:
    return client.get(f"/events/{event.id}/check-in/{race}" + (f"?q={query}" if query else "")
                      ).get_data(as_text=True)


def test_the_organiser_finds_a_guest_by_name_and_checks_them_in_and_out(
        app, evening, log_in):
    from eventplanner.invitations.models import CheckIn

    event, race, guests = evening
    organiser = log_in(event.owner)
    page = words_of(door(organiser, event, race))
    assert "0 / 3 arrived" in page  # Kari and her guest, and Ola; a maybe is not counted
    assert "Kari Nordmann +1" in page and "Mette" in page and "Bo Berg" not in page
    found = words_of(door(organiser, event, race, "nord"))
    assert "Kari Nordmann" in found and "Ola Bakken" not in found
    response = organiser.submit(f"/events/{event.id}/check-in/{race}/guests/{guests['Kari'].id}",
                                {"action": "in", "q": "nord"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"?q=nord#guest-{guests['Kari'].id}")
    assert "2 / 3 arrived" in words_of(door(organiser, event, race))
    with app.app_context():
        entry = db.session.scalar(select(CheckIn))
        assert (entry.party_size, entry.checked_in_by) == (2, "Ingrid")
    organiser.submit(f"/events/{event.id}/check-in/{race}/guests/{guests['Kari'].id}",
                     {"action": "out"})
    assert "0 / 3 arrived" in words_of(door(organiser, event, race))


def test_the_guests_qr_code_checks_them_in(app, client, evening, log_in):
    event, race, guests = evening
    guest_page = client.get(f"/r/{guests['Ola'].token}").get_data(as_text=True)
    assert "Your check-in code" in guest_page
    code = re.search(r'<p class="small muted">(\d+-[A-Za-z0-9_-]{10})</p>', guest_page).group(1)
    image = re.search(r'<img class="qr" src="([^"]+)" alt="QR code for checking in"',
                      guest_page).group(1)
    assert image == f"/r/{guests['Ola'].token}/check-in.svg"
    drawn = client.get(image)
    assert drawn.status_code == 200 and drawn.mimetype == "image/svg+xml"
    assert drawn.headers["Cache-Control"] == "private, max-age=86400"
    assert drawn.headers["Referrer-Policy"] == "no-referrer"
    assert drawn.headers["X-Robots-Tag"] == "noindex, nofollow"
    expected = segno.make(code, error="m").svg_inline(scale=5, border=2, omitsize=True)
    dark = re.compile(r' stroke="#000" d="([^"]+)"')  # the dark modules' path
    assert dark.search(drawn.get_data(as_text=True)).group(1) == dark.search(
        expected).group(1)  # the picture is that code
    assert "Your check-in code" not in client.get(f"/r/{guests['Bo'].token}").get_data(
        as_text=True)  # nothing to check in for
    assert client.get(f"/r/{guests['Bo'].token}/check-in.svg").status_code == 404
    revoked = client.get(f"/r/{guests['Ola'].token[:-2]}xy/check-in.svg")
    assert revoked.status_code == 404 and revoked.headers["Cache-Control"] == "no-store"

    organiser = log_in(event.owner)
    response = organiser.submit(f"/events/{event.id}/check-in/{race}/code", {"code": code})
    assert response.status_code == 303
    page = organiser.get(response.headers["Location"]).get_data(as_text=True)
    assert "Ola Bakken is checked in." in page and "1 / 3" in words_of(page)


@pytest.mark.parametrize("code", [
    "", "12", "1-AAAAAAAAAA", "abc-def", "99999-x",
    "²-x", "１-AAAAAAAAAA", "1-ÅÅÅÅÅÅÅÅÅÅ", "99999999999999999999-AAAAAAAAAA"])
def test_a_wrong_code_checks_nobody_in(app, evening, log_in, code):
    from eventplanner.invitations.models import CheckIn

    event, race, guests = evening
    response = log_in(event.owner).submit(f"/events/{event.id}/check-in/{race}/code",
                                          {"code": code})
    assert response.status_code == 422
    assert "This code is not for this event." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(CheckIn)) is None


def test_a_code_from_another_event_is_refused(app, evening, log_in, make_event, make_activity,
                                              make_contact, make_invitation):
    from eventplanner.checkin.services import check_in_code
    from eventplanner.invitations.models import Invitation

    event, race, guests = evening
    other = make_event(owner=event.owner, status="published")
    make_activity(other)
    stranger = make_invitation(other, make_contact(event.owner))
    with app.app_context():
        code = check_in_code(db.session.get(Invitation, stranger.id))
    response = log_in(event.owner).submit(f"/events/{event.id}/check-in/{race}/code",
                                          {"code": code})
    assert response.status_code == 422


def test_a_helpers_link_checks_guests_in_and_opens_nothing_else(
        app, evening, log_in, make_event, make_activity):
    event, race, guests = evening
    organiser = log_in(event.owner)
    organiser.submit(f"/events/{event.id}/check-in/helpers", {"name": "Sven at the door"})
    page = organiser.get(f"/events/{event.id}/check-in/").get_data(as_text=True)
    link = re.search(r'value="http://[^/]+(/door/[A-Za-z0-9_-]{43}/)"', page).group(1)

    helper = FormClient(app, app.response_class, use_cookies=True)
    parts = helper.get(link)
    assert parts.status_code == 200 and "Stair race" in parts.get_data(as_text=True)
    assert parts.headers["Referrer-Policy"] == "no-referrer"
    door_page = helper.get(f"{link}{race}").get_data(as_text=True)
    assert "Sven at the door" in door_page
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', door_page).group(1)
    response = helper.post(f"{link}{race}/guests/{guests['Ola'].id}",
                           data={"csrf_token": csrf, "action": "in"})
    assert response.status_code == 303
    assert "1 / 3 arrived" in words_of(helper.get(f"{link}{race}").get_data(as_text=True))
    with app.app_context():
        from eventplanner.checkin.services import check_in_code
        from eventplanner.invitations.models import CheckIn, Invitation

        assert db.session.scalar(select(CheckIn.checked_in_by)) == "Sven at the door"
        code = check_in_code(db.session.get(Invitation, guests["Kari"].id))
    scanned = helper.post(f"{link}{race}/code", data={"csrf_token": csrf, "code": code})
    assert scanned.status_code == 303  # the helper's scanner checks in by QR code too
    assert "3 / 3 arrived" in words_of(helper.get(f"{link}{race}").get_data(as_text=True))

    # Nothing else: no organiser page, no other event's part or guest.
    assert helper.get(f"/events/{event.id}/guests").status_code == 302
    assert helper.get(f"/events/{event.id}/check-in/{race}").status_code == 302
    other = make_event(owner=event.owner, status="published")
    other_part = make_activity(other)
    assert helper.get(f"{link}{other_part.id}").status_code == 404
    assert helper.post(f"{link}{race}/guests/999999", data={
        "csrf_token": csrf, "action": "in"}).status_code == 404
    assert helper.post(f"{link}{race}/guests/{guests['Ola'].id}", data={
        "action": "out"}).status_code == 400  # no CSRF token: refused

    # Revoked: the link opens nothing.
    helper_id = re.search(r"/check-in/helpers/(\d+)/revoke", page).group(1)
    organiser.submit(f"/events/{event.id}/check-in/helpers/{helper_id}/revoke")
    revoked = helper.get(link)
    assert revoked.status_code == 404
    assert helper.get(f"{link}{race}").status_code == 404
    # Told as a helper's link, not as a guest's invitation.
    told = words_of(revoked.get_data(as_text=True))
    assert "This check-in link no longer works" in told
    assert "Ask the organiser of the event for a new check-in link" in told
    assert "invitation" not in told.lower()


def test_two_helpers_checking_in_the_same_guest_at_once_make_one_check_in(app, evening):
    from eventplanner.checkin import services
    from eventplanner.events.models import Activity
    from eventplanner.invitations.models import CheckIn, Invitation

    event, race, guests = evening
    start = threading.Barrier(8)

    def tap(index: int) -> int:
        with app.app_context():
            activity = db.session.get(Activity, race)
            invitation = db.session.get(Invitation, guests["Kari"].id)
            start.wait()
            entry = services.check_in(activity, invitation, f"Helper {index}", utcnow())
            db.session.commit()
            return entry.invitation_id

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(tap, range(8)))
    assert results == [guests["Kari"].id] * 8
    with app.app_context():
        assert len(db.session.scalars(select(CheckIn)).all()) == 1


def test_once_check_in_is_used_came_means_checked_in(app, evening, log_in):
    from eventplanner.feedback.services import guests_of, parts_attended
    from eventplanner.invitations.models import Invitation

    event, race, guests = evening
    organiser = log_in(event.owner)
    with app.app_context():
        assert {i.contact.name for i in guests_of(event) if i.came} == {
            "Kari Nordmann", "Ola Bakken"}  # no check-in yet: those who said yes
    for name in ("Kari", "Bo"):  # Bo said no but came after all; Ola did not come
        organiser.submit(f"/events/{event.id}/check-in/{race}/guests/{guests[name].id}",
                         {"action": "in"})
    with app.app_context():
        came = {i.contact.name for i in guests_of(event) if i.came}
        assert came == {"Kari Nordmann", "Bo Berg"}
        in_sql = set(db.session.scalars(select(Invitation.id).where(Invitation.came)))
        assert in_sql == {guests["Kari"].id, guests["Bo"].id}
        bo = db.session.get(Invitation, guests["Bo"].id)
        assert [a.id for a in parts_attended(bo)] == [race]


def test_a_cancelled_event_checks_nobody_in(app, evening, log_in):
    from eventplanner.events.models import Event, EventStatus

    event, race, guests = evening
    with app.app_context():
        db.session.get(Event, event.id).status = EventStatus.CANCELLED
        db.session.commit()
    organiser = log_in(event.owner)
    response = organiser.submit(
        f"/events/{event.id}/check-in/{race}/guests/{guests['Ola'].id}", {"action": "in"})
    assert "nobody can be checked in" in organiser.get(response.headers["Location"]).get_data(
        as_text=True)
