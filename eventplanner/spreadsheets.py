"""CSV downloads that open right in Excel and LibreOffice, in the organiser's convention.

Every CSV file the app writes is written here (``csv_bytes``), and every cell of text is
made safe from formula injection on the way (OWASP "CSV injection"): a guest's message such
as ``=HYPERLINK(...)`` or ``@SUM(...)`` is shown as text, never run as a formula.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response

#: What makes Excel or LibreOffice read a cell as a formula (OWASP): = + - @, and a tab or
#: carriage return in front of them.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """A text cell that a spreadsheet would take as a formula, with an apostrophe in front
    (shown as text, as OWASP recommends); numbers and other text stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_delimiter(language: str) -> str:
    """English spreadsheets split on commas; Norwegian, Danish and German ones (decimal
    commas) on semicolons."""
    return "," if language == "en" else ";"


def csv_bytes(rows: Iterable[list], delimiter: str = ",") -> bytes:
    """Rows as CSV in UTF-8 with a byte-order mark, so Excel reads the letters right; no
    text cell can start a formula."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(
        [spreadsheet_safe(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_download(body: bytes, filename: str) -> Response:
    """``filename`` is ASCII (made from ids), so it needs no encoding. Flask adds the
    charset to a text type itself."""
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})
