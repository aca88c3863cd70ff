"""The shapes the API shares: strict input (an unknown field is refused), the list
envelope with its cursor and tombstones, and the problem document."""

from __future__ import annotations

from datetime import timezone

import marshmallow as ma
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate

#: The most items a list returns at once, and the default.
MAX_LIMIT = 1000
DEFAULT_LIMIT = 100


#: The largest whole number a column holds (PostgreSQL's integer).
LARGEST_INTEGER = 2**31 - 1


def _unstorable(value) -> str | None:
    """Why no column can keep ``value`` (a NUL character, a number past the columns'
    range), or None."""
    if isinstance(value, str):
        if "\x00" in value:
            return str(_l("Text may not contain the NUL character."))
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate, as JSON's \udcff can write
            return str(_l("This text is not valid Unicode."))
    if isinstance(value, int) and not isinstance(value, bool) \
            and abs(value) > LARGEST_INTEGER:
        return str(_l("This number is too large."))
    return None


def _refusals(data) -> dict:
    """The values of ``data`` (nested as it is) that no column can keep, with why."""
    found: dict = {}
    items = data.items() if isinstance(data, dict) else enumerate(data) \
        if isinstance(data, list) else ()
    for key, value in items:
        if isinstance(value, (dict, list)):
            nested = _refusals(value)
            if nested:
                found[key] = nested
        elif (reason := _unstorable(value)) is not None:
            found[key] = [reason]
    return found


class StrictSchema(ma.Schema):
    """Input with a field the API does not know is refused (422), not ignored: a typo in a
    field name must not pass for a change that was made. Text with a NUL character and
    numbers past the columns' range are refused field by field before anything reads them
    (PostgreSQL stores neither)."""

    class Meta:
        unknown = ma.RAISE
        ordered = True

    @ma.pre_load
    def refuse_what_no_column_keeps(self, data, **kwargs):
        refusals = _refusals(data) if isinstance(data, (dict, list)) else {}
        if refusals:
            raise ma.ValidationError(refusals)
        return data


class AwareDateTime(fields.AwareDateTime):
    """An ISO 8601 instant; one written without an offset is taken as UTC. Always written
    in UTC with ``Z``."""

    def __init__(self, **kwargs) -> None:
        super().__init__(format="iso", default_timezone=timezone.utc, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return moment.astimezone(timezone.utc)
        except OverflowError:  # 0001-01-01T00:00+01:00 is before the calendar begins
            raise ma.ValidationError(str(_l("This instant is out of range."))) from None

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


class ListArgs(StrictSchema):
    limit = fields.Integer(load_default=DEFAULT_LIMIT,
                           validate=validate.Range(min=1, max=MAX_LIMIT),
                           metadata={"description": "Items per page (1-1000)."})
    cursor = fields.String(validate=validate.Length(max=500),
                           metadata={"description": "The `next_cursor` of the page before."})
    updated_since = AwareDateTime(metadata={
        "description": "Only what changed after this instant (ISO 8601), oldest change "
                       "first, with what was deleted or erased since in `deleted`."})


class TombstoneSchema(ma.Schema):
    id = fields.Integer(required=True, metadata={"description": "The id it had."})
    gone_at = AwareDateTime(required=True)
    reason = fields.String(required=True, validate=validate.OneOf(["deleted", "erased"]))


_page_schemas: dict[str, type[ma.Schema]] = {}


def page_of(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The list envelope of ``item_schema``, named ``<name>Page`` in the document."""
    if name not in _page_schemas:
        _page_schemas[name] = ma.Schema.from_dict({
            "data": fields.List(fields.Nested(item_schema), required=True),
            "next_cursor": fields.String(allow_none=True, required=True, metadata={
                "description": "Pass as `cursor` for the next page; null on the last."}),
            "deleted": fields.List(fields.Nested(TombstoneSchema), required=True, metadata={
                "description": "With `updated_since`: what was deleted or erased since."}),
            "next_updated_since": AwareDateTime(allow_none=True, required=True, metadata={
                "description": "With `updated_since`: what to pass next time, once every "
                               "page is read (a little before this call began, so "
                               "nothing committed meanwhile is missed)."}),
        }, name=f"{name}Page")
    return _page_schemas[name]


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    errors = fields.Raw(metadata={"description": "Messages per field (per row in bulk "
                                                 "calls), nested as the input is."})
