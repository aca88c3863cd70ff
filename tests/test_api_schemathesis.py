"""schemathesis against the live API: a real HTTP server on loopback serves the app, and
schemathesis (a third-party fuzzer) reads ``/api/v1/openapi.json`` and calls every
operation with examples, boundary cases and random valid and invalid input. Every response
must be no server error, have a documented status, content type, headers and body schema,
and invalid input must be refused. Its report goes to ``test-output/schemathesis.txt``."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from eventplanner.auth.models import Organiser
from eventplanner.contacts.services import ContactDetails, create_contact
from eventplanner.events.models import ActivityKind, EventStatus
from eventplanner.events.services import ActivityDetails, EventDetails, add_activity, create_event
from eventplanner.extensions import db, utcnow
from eventplanner.invitations.inviting import invite_contacts
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_headers_conformance", "response_schema_conformance",
          "negative_data_rejection", "ignored_auth", "unsupported_method")
#: Examples per operation and phase: enough to reach every field, in about a minute.
MAX_EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "25"))


@pytest.fixture
def live_api(app, make_organiser, make_api_token) -> Iterator[tuple[str, str]]:
    """The app served on loopback, with an event, a part, a contact and a guest, and a
    token that may do everything."""
    account = make_organiser()
    with app.app_context():
        owner = db.session.get(Organiser, account.id)
        start = datetime(utcnow().year + 1, 9, 5, 16)
        event = create_event(owner, EventDetails(title="Stair race", timezone="Europe/Oslo",
                                                 status=EventStatus.PUBLISHED))
        add_activity(event, ActivityDetails(name="Race", kind=ActivityKind.TIMED,
                                            starts_at=start, ends_at=start + timedelta(hours=1)))
        contact = create_contact(owner, ContactDetails(name="Kari Nordmann",
                                                       email="kari@example.com"))
        invite_contacts(event, owner, [contact.id], 0, send=False, now=utcnow())
        db.session.commit()
    secret = make_api_token(account)
    server = make_server("127.0.0.1", free_port(), app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", secret
    finally:
        server.shutdown()
        thread.join(5)


@pytest.mark.long
def test_schemathesis_finds_no_server_error_and_no_response_off_the_schema(live_api):
    base, secret = live_api
    output = ROOT / "test-output"
    output.mkdir(exist_ok=True)
    command = [str(Path(sys.executable).with_name("schemathesis")), "run",
               f"{base}/api/v1/openapi.json", "--url", base,
               "--header", f"Authorization: Bearer {secret}",
               "--checks", ",".join(CHECKS), "--phases", "examples,coverage,fuzzing",
               "--max-examples", str(MAX_EXAMPLES), "--workers", "1", "--seed", "908",
               "--generation-deterministic", "--no-color",
               "--report", "junit", "--report-junit-path", str(output / "schemathesis.xml")]
    run = subprocess.run(command, capture_output=True, text=True, timeout=900,
                         env={**os.environ, "SCHEMATHESIS_HOOKS": ""})
    (output / "schemathesis.txt").write_text(run.stdout + run.stderr)
    assert run.returncode == 0, run.stdout[-6000:] + run.stderr[-2000:]
