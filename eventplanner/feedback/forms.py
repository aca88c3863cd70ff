"""The organiser's forms for the relationship memory."""

from __future__ import annotations

from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length

from eventplanner.extensions import utcnow
from eventplanner.feedback.relationships import NOTE_MAX_LENGTH
from eventplanner.form_fields import Form
from eventplanner.timezones import utc_to_local


def today() -> date:
    """Today on the clock of the organisers' usual zone."""
    return utc_to_local(utcnow(), current_app.config["DEFAULT_EVENT_TIMEZONE"]).date()


class NoteForm(Form):
    noted_on = DateField(_l("Date"), default=today,
                         validators=[InputRequired(_l("Enter the note's date."))])
    text = TextAreaField(
        _l("Note"), validators=[
            DataRequired(_l("Write the note first.")),
            Length(max=NOTE_MAX_LENGTH, message=_l("A note is at most %(max)d characters."))],
        description=_l("Your team sees notes, with your name (e.g. \"prefers no small talk\", "
                       "\"has a dog\"); a private note only you. The guest may ask to see "
                       "what we hold about them, notes included."))
    private = BooleanField(_l("Private: only I see it"))
