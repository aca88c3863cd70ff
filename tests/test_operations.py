"""What operators rely on: the health check, and one structured log line per request and
per email, with no personal link or address in it."""

from __future__ import annotations

import json
import logging

import pytest

from eventplanner.logs import JsonLines


class Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def logged():
    handler = Lines()
    logger = logging.getLogger("eventplanner")
    logger.addHandler(handler)
    yield handler.records
    logger.removeHandler(handler)


def test_health_check_answers_ok_while_the_database_answers(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_health_check_says_unavailable_when_the_database_is_gone(tmp_path):
    from tests.conftest import app_for

    gone = app_for(f"sqlite:///{tmp_path}/no-such-folder/gone.db")
    response = gone.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


def test_each_request_is_one_json_line_without_the_personal_link(
        client, logged, make_event, make_activity, make_contact, make_invitation):
    event = make_event(status="published")
    make_activity(event)
    invitation = make_invitation(event, make_contact(event.owner))
    client.get(f"/r/{invitation.token}")
    [record] = [r for r in logged if r.name == "eventplanner.request"]
    line = json.loads(JsonLines().format(record))
    assert line["message"] == "request" and line["status"] == 200
    assert line["path"] == "/r/…" and line["endpoint"] == "rsvp.guest_page"
    assert line["ms"] >= 0 and line["method"] == "GET"
    assert invitation.token not in json.dumps(line)


def test_each_sent_email_is_one_line_without_the_address(
        logged, smtp_server, deliver_mail, make_event, make_activity, make_contact,
        make_invitation):
    event = make_event(status="published")
    make_activity(event)
    make_invitation(event, make_contact(event.owner, email="kari@client.example"), send=True)
    deliver_mail()
    [record] = [r for r in logged if r.getMessage() == "mail sent"]
    line = json.loads(JsonLines().format(record))
    assert line["kind"] == "invitation" and line["message_id"] >= 1
    assert "kari@client.example" not in json.dumps(line)
