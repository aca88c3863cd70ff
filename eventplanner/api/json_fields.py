"""Fields that take JSON's own types only: ``5`` is a whole number and ``"5"`` is not, ``true``
is a yes and ``1`` or ``"yes"`` is not; what the OpenAPI document says is what is accepted.
Ids and counts stay within the database's INTEGER, so no number reaches it that it
cannot hold."""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from marshmallow import ValidationError, fields, validate

from eventplanner.api.schemas import AwareDateTime

#: The largest id (and count) a column holds.
LARGEST_ID = 2**31 - 1
#: Years whose clocks can be worked out in any zone (as the pages' date fields allow).
YEARS = range(1900, 2201)


class WholeNumber(fields.Integer):
    """A JSON number without a fraction (``5``, or ``5.0`` as JSON Schema allows), not a
    string of digits and not ``true``."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        if isinstance(value, float) and not value.is_integer():
            raise self.make_error("invalid")
        return int(value)


def row_id(**kwargs) -> fields.Integer:
    """The id of a row: a whole number from 1."""
    return WholeNumber(validate=validate.Range(min=1, max=LARGEST_ID), **kwargs)


def whole(low: int, high: int, **kwargs) -> fields.Integer:
    """A whole number from ``low`` to ``high``."""
    return WholeNumber(validate=validate.Range(min=low, max=high), **kwargs)


def whole_of(choices, **kwargs) -> fields.Integer:
    """One of the whole numbers ``choices``."""
    return WholeNumber(validate=validate.OneOf(choices), **kwargs)


class Number(fields.Float):
    """A JSON number (not a string of digits)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        return super()._deserialize(value, attr, data, **kwargs)


class Flag(fields.Boolean):
    """``true`` or ``false``, nothing else."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


def _in_our_years(moment: datetime | None) -> None:
    if moment is not None and moment.year not in YEARS:
        raise ValidationError(str(_l("Give a moment between the years 1900 and 2200.")))


class Instant(AwareDateTime):
    """An ISO 8601 instant between 1900 and 2200 (UTC when it names no offset)."""

    def __init__(self, **kwargs) -> None:
        validators = kwargs.pop("validate", None) or []
        if callable(validators):
            validators = [validators]
        super().__init__(validate=[_in_our_years, *validators], **kwargs)
