"""Results from a timing system's CSV: each row matched to one participant, or refused.

Columns: ``name`` or ``email`` (or both), ``time``, and optionally ``status``
(finished, dnf, dns; "DNF" or "DNS" in the time column works too). Commas or semicolons,
UTF-8 with or without BOM. Nothing is saved unless every row matches exactly one
participant and has a readable time.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from eventplanner.contacts.csv_import import decode_csv
from eventplanner.errors import DomainError, InvalidInput
from eventplanner.events.models import Activity
from eventplanner.goals.models import ResultStatus
from eventplanner.goals.services import participants
from eventplanner.goals.times import parse_duration
from eventplanner.invitations.models import Invitation

HEADERS = {"name": "name", "navn": "name", "email": "email", "e-mail": "email",
           "e-post": "email", "time": "time", "tid": "time", "zeit": "time",
           "status": "status"}
STATUS_WORDS = {"finished": ResultStatus.FINISHED, "dnf": ResultStatus.DNF,
                "dns": ResultStatus.DNS}


class UnreadableResults(InvalidInput):
    default_message = _l("The file needs a first row naming the columns: name or email, "
                         "and time.")


@dataclass
class ResultRow:
    line: int
    label: str
    time: str
    status: ResultStatus | None = None
    invitation: Invitation | None = None
    problem: str = ""


def read_results(activity: Activity, data: bytes) -> list[ResultRow]:
    """Every row of the file, matched to a participant or with the reason it is not."""
    text = decode_csv(data)
    first = text.splitlines()[0] if text.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter,
                               strict=True))
    except csv.Error:
        raise UnreadableResults(_l("The file is broken: a quoted value never ends.")) from None
    if not rows:
        raise UnreadableResults()
    columns = [HEADERS.get(name.strip().lower(), "") for name in rows[0]]
    if "time" not in columns or not {"name", "email"} & set(columns):
        raise UnreadableResults()
    people = participants(activity)
    by_email = {p.contact.email.lower(): p for p in people}
    by_name: dict[str, list[Invitation]] = {}
    for person in people:
        by_name.setdefault(person.contact.name.strip().lower(), []).append(person)
    result_rows = []
    for line, values in enumerate(rows[1:], start=2):
        if not any(v.strip() for v in values):
            continue
        cells = {column: value.strip() for column, value in zip(columns, values, strict=False)
                 if column}
        result_rows.append(_match(line, cells, by_email, by_name))
    return result_rows


def _match(line: int, cells: dict[str, str], by_email, by_name) -> ResultRow:
    email, name = cells.get("email", "").lower(), cells.get("name", "")
    time, status_word = cells.get("time", ""), cells.get("status", "").lower()
    row = ResultRow(line, email or name, time)
    if time.lower() in ("dnf", "dns"):
        status_word, row.time = time.lower(), ""
    row.status = STATUS_WORDS.get(status_word or "finished")
    if row.status is None:
        row.problem = str(_l("Unknown status \"%(status)s\": use finished, dnf or dns.",
                             status=status_word))
        return row
    if email:
        row.invitation = by_email.get(email)
        if row.invitation is None:
            row.problem = str(_l("No participant has the email %(email)s.", email=email))
            return row
    else:
        matches = by_name.get(name.lower(), [])
        if len(matches) != 1:
            row.problem = str(_l("No participant is called %(name)s.", name=name) if not matches
                              else _l("%(count)d participants are called %(name)s: add their "
                                      "email.", count=len(matches), name=name))
            return row
        row.invitation = matches[0]
    if row.status is ResultStatus.FINISHED:
        try:
            parse_duration(row.time)
        except DomainError as error:
            row.problem = str(error.message)
    return row
