from sqlalchemy import select

from eventplanner.events.models import Event
from eventplanner.extensions import db


def test_owner_adds_a_co_organiser_who_can_then_manage_the_event(
        app, make_organiser, log_in, make_event):
    owner = make_organiser(name="Ingrid Haugen")
    colleague = make_organiser(name="Per Olsen", email="per@example.com")
    event = make_event(owner=owner, title="Christmas meeting")
    colleague_browser = log_in(colleague)
    assert colleague_browser.get(f"/events/{event.id}").status_code == 404

    response = log_in(owner).submit(f"/events/{event.id}/co-organisers",
                                    {"email": "PER@example.com"})
    assert response.status_code == 302

    dashboard = colleague_browser.get("/").get_data(as_text=True)
    assert "Christmas meeting" in dashboard
    assert "Shared with you by Ingrid Haugen" in dashboard
    assert colleague_browser.get(f"/events/{event.id}").status_code == 200
    response = colleague_browser.submit(f"/events/{event.id}/edit", {
        "title": "Christmas meeting 2027", "timezone": "Europe/Oslo",
        "default_language": "en", "status": "draft"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Event, event.id).title == "Christmas meeting 2027"


def test_adding_a_co_organiser_twice_changes_nothing(app, make_organiser, log_in, make_event):
    owner, colleague = make_organiser(), make_organiser(email="per@example.com")
    event = make_event(owner=owner)
    browser = log_in(owner)
    for _ in range(2):
        assert browser.submit(f"/events/{event.id}/co-organisers",
                              {"email": "per@example.com"}).status_code == 302
    with app.app_context():
        assert [o.id for o in db.session.get(Event, event.id).co_organisers] == [colleague.id]


def test_an_email_without_an_account_is_explained(app, make_organiser, log_in, make_event):
    owner = make_organiser()
    event = make_event(owner=owner)
    response = log_in(owner).submit(f"/events/{event.id}/co-organisers",
                                    {"email": "stranger@example.com"})
    assert response.status_code == 422
    assert "No organiser has an account with that email address." in response.get_data(
        as_text=True)
    with app.app_context():
        assert db.session.get(Event, event.id).co_organisers == []


def test_only_the_owner_decides_who_organises(app, make_organiser, log_in, make_event):
    owner, colleague = make_organiser(), make_organiser(email="per@example.com")
    make_organiser(email="third@example.com")
    event = make_event(owner=owner)
    log_in(owner).submit(f"/events/{event.id}/co-organisers", {"email": "per@example.com"})
    colleague_browser = log_in(colleague)
    response = colleague_browser.submit(f"/events/{event.id}/co-organisers",
                                        {"email": "third@example.com"})
    assert response.status_code == 403
    response = colleague_browser.submit(
        f"/events/{event.id}/co-organisers/{colleague.id}/remove")
    assert response.status_code == 403
    with app.app_context():
        assert [o.id for o in db.session.get(Event, event.id).co_organisers] == [colleague.id]


def test_removed_co_organiser_loses_access(app, make_organiser, log_in, make_event):
    owner, colleague = make_organiser(), make_organiser(email="per@example.com")
    event = make_event(owner=owner)
    owner_browser = log_in(owner)
    owner_browser.submit(f"/events/{event.id}/co-organisers", {"email": "per@example.com"})
    colleague_browser = log_in(colleague)
    assert colleague_browser.get(f"/events/{event.id}").status_code == 200
    response = owner_browser.submit(f"/events/{event.id}/co-organisers/{colleague.id}/remove")
    assert response.status_code == 302
    assert colleague_browser.get(f"/events/{event.id}").status_code == 404
    assert "Client race" not in colleague_browser.get("/").get_data(as_text=True)
    again = owner_browser.submit(f"/events/{event.id}/co-organisers/{colleague.id}/remove")
    assert again.status_code == 404, "no longer a co-organiser: nothing to remove"
    with app.app_context():
        assert db.session.scalar(select(Event.id)) == event.id


def test_an_event_is_shared_with_two_outside_people_and_the_second_is_removed(
        app, make_organiser, log_in, make_event):
    """Adding a second and removing the last compared accounts loaded as co-organisers,
    which have no login (a 500 until accounts compared as objects)."""
    owner = make_organiser()
    first = make_organiser(email="per@example.com")
    second = make_organiser(email="kari@example.com")
    event = make_event(owner=owner)
    browser = log_in(owner)
    for email in ("per@example.com", "kari@example.com"):
        assert browser.submit(f"/events/{event.id}/co-organisers",
                              {"email": email}).status_code == 302
    with app.app_context():
        assert [o.id for o in db.session.get(Event, event.id).co_organisers] == [first.id,
                                                                                 second.id]
    assert browser.submit(
        f"/events/{event.id}/co-organisers/{second.id}/remove").status_code == 302
    with app.app_context():
        assert [o.id for o in db.session.get(Event, event.id).co_organisers] == [first.id]
