"""CSV downloads that open right in Excel and LibreOffice, in the organiser's convention."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from flask import Response


def csv_delimiter(language: str) -> str:
    """English spreadsheets split on commas; Norwegian, Danish and German ones (decimal
    commas) on semicolons."""
    return "," if language == "en" else ";"


def csv_bytes(rows: Iterable[list], delimiter: str = ",") -> bytes:
    """Rows as CSV in UTF-8 with a byte-order mark, so Excel reads the letters right."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def csv_download(body: bytes, filename: str) -> Response:
    """``filename`` is ASCII (made from ids), so it needs no encoding."""
    return Response(body, mimetype="text/csv; charset=utf-8", headers={
        "Content-Disposition": f'attachment; filename="{filename}"'})
