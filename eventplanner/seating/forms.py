"""The plan page's forms: add tables, change one, delete one, seat or move a person, pin,
suggest a plan."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, IntegerField, SelectChoice, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from eventplanner.form_fields import Form
from eventplanner.seating.models import TableShape
from eventplanner.seating.services import MAX_SEATS, MAX_TABLES_AT_ONCE

SHAPE_LABELS = {TableShape.ROUND: _l("Round"), TableShape.LONG: _l("Long")}


def _shape_field() -> SelectField:
    return SelectField(_l("Shape"), default=TableShape.ROUND.value, choices=[
        SelectChoice(shape.value, label) for shape, label in SHAPE_LABELS.items()])


def _seats_field() -> IntegerField:
    return IntegerField(_l("Seats per table"), default=8, validators=[
        InputRequired(_l("Say how many seats.")),
        NumberRange(min=1, max=MAX_SEATS, message=_l("A table has from 1 to %(max)d seats."))])


class AddTablesForm(Form):
    count = IntegerField(_l("How many tables"), default=1, validators=[
        InputRequired(_l("Say how many tables.")),
        NumberRange(min=1, max=MAX_TABLES_AT_ONCE,
                    message=_l("Add from 1 to %(max)d tables at a time."))])
    seats = _seats_field()
    shape = _shape_field()
    name = StringField(_l("Name (optional)"), validators=[Optional(), Length(max=40)],
                       description=_l("Empty: the tables are numbered."))


class TableForm(Form):
    name = StringField(_l("Name or number"), validators=[
        DataRequired(_l("Give the table a name or number.")), Length(max=40)])
    seats = _seats_field()
    shape = _shape_field()


class DeleteTableForm(Form):
    unseat = BooleanField(_l("Unseat the people at it"))


class SeatForm(Form):
    """Seat a person at a table, or (table 0) take them off the plan."""

    person = HiddenField(validators=[DataRequired(), Length(max=30)])
    table_id = IntegerField(validators=[
        InputRequired(_l("Choose a table.")), NumberRange(min=0, max=2**31 - 1)])
    seat = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_SEATS)])


class PinForm(Form):
    person = HiddenField(validators=[DataRequired(), Length(max=30)])
    pinned = BooleanField()


class SuggestForm(Form):
    replace = BooleanField(_l("Replace the seats that are not pinned"))
