from __future__ import annotations

from dataclasses import asdict
from datetime import datetime

from flask import current_app
from flask_babel import format_date
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    FloatField,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.validators import (
    URL,
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from eventplanner.events.models import ActivityKind, Event, EventStatus
from eventplanner.events.services import ActivityDetails, EventDetails, next_edition_day
from eventplanner.form_fields import Form, email_address_field
from eventplanner.formatting import short_zone_name, utc_offset
from eventplanner.timezones import (
    NonexistentLocalTime,
    instants_showing,
    is_ambiguous,
    is_known_zone,
    local_to_utc,
    zone_names,
)

WALL_CLOCK_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
STATUS_LABELS = {
    EventStatus.DRAFT: _l("Draft: only organisers see it"),
    EventStatus.PUBLISHED: _l("Published"),
    EventStatus.CANCELLED: _l("Cancelled"),
}
KIND_LABELS = {
    ActivityKind.STANDARD: _l("Standard (a dinner, a meeting, a visit)"),
    ActivityKind.TIMED: _l("Timed (a race: goals and result times)"),
}


def optional_number(value) -> int | None:
    """A select's value as a number; its empty choice as None."""
    return int(value) if value not in (None, "", "None") else None


class WallClockField(DateTimeLocalField):
    """A date and time as read on a clock in the event's zone (naive ``datetime``)."""

    def __init__(self, label=None, validators=None, **kwargs) -> None:
        super().__init__(label, validators, format=WALL_CLOCK_FORMATS, **kwargs)

    #: Years a zone's rules can be worked out for (beyond them Python's clock overflows).
    YEARS = range(1900, 2201)

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
            if self.data is not None and self.data.year not in self.YEARS:
                self.data = None
                raise ValueError
        except ValueError:
            raise ValueError(
                _l("Enter a date and time that exist, e.g. 2027-10-01 16:00.")
            ) from None


def check_wall_clock_exists(form_zone: str | None, field) -> None:
    """Refuse a wall-clock time that the zone skips when summer time starts."""
    if field.data is None or not is_known_zone(form_zone):
        return
    try:
        local_to_utc(field.data, form_zone)
    except NonexistentLocalTime:
        raise ValidationError(
            _l("%(time)s does not exist in %(zone)s: the clocks skip that hour. "
               "Choose another time.", time=field.data.strftime("%H:%M"), zone=form_zone)
        ) from None


class EventForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=20000)])
    timezone = SelectField(_l("Time zone"), validate_choice=False)
    rsvp_deadline = WallClockField(
        _l("Answer by"),
        validators=[Optional()],
        description=_l("Guests can change their answer until then. In the event's time zone."),
    )
    reminder_days_before = IntegerField(
        _l("Remind guests who have not answered"),
        validators=[Optional(), NumberRange(min=1, max=60, message=_l(
            "Enter a number of days between 1 and 60, or leave it empty."))],
        description=_l("Days before the deadline. Leave empty for no automatic reminder."),
    )
    alarm_minutes_before = SelectField(
        _l("Calendar alarm"),
        choices=[SelectChoice("", _l("No alarm")),
                 SelectChoice("30", _l("30 minutes before each part")),
                 SelectChoice("60", _l("1 hour before each part")),
                 SelectChoice("120", _l("2 hours before each part")),
                 SelectChoice("1440", _l("1 day before each part"))],
        coerce=optional_number,
        description=_l("Guests' calendars remind them; the calendar files carry it."),
    )
    default_language = SelectField(_l("Default language for guests"))
    status = SelectField(
        _l("Status"),
        choices=[SelectChoice(status.value, label) for status, label in STATUS_LABELS.items()],
        default=EventStatus.DRAFT.value,
    )
    host_name = StringField(_l("Host's name"), validators=[Length(max=120)])
    host_email = email_address_field(_l("Host's email"), required=False)
    host_phone = StringField(_l("Host's phone"), validators=[Length(max=40)])
    feedback_question = StringField(
        _l("Your own question on the feedback form"), validators=[Length(max=300)],
        description=_l("Optional, e.g. \"What should we serve next time?\""))
    feedback_question_is_rating = BooleanField(_l("Answered with 1-5 stars instead of words"))
    feedback_request_days_after = SelectField(
        _l("Ask for feedback automatically"),
        choices=[SelectChoice("", _l("No, I will ask myself")),
                 SelectChoice("0", _l("When the event ends")),
                 SelectChoice("1", _l("The morning after, at 09:00")),
                 SelectChoice("2", _l("Two days after, at 09:00")),
                 SelectChoice("7", _l("A week after, at 09:00"))],
        coerce=optional_number,
        description=_l("Those who came get a link to the feedback form, in their language."),
    )
    feedback_reminder_days = IntegerField(
        _l("Remind those who have not given feedback"),
        validators=[Optional(), NumberRange(min=1, max=13, message=_l(
            "Enter a number of days between 1 and 13, or leave it empty."))],
        description=_l("Days after they were asked. Feedback is open for 14 days."),
    )
    series_name = StringField(
        _l("Series"), validators=[Length(max=120)],
        description=_l("Editions of the same event over the years share a series, e.g. "
                       "\"Stoltzen\": personal bests compare across them."))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.timezone.choices = [
            SelectChoice(name, name, optgroup=name.split("/", 1)[0] if "/" in name else None)
            for name in zone_names()
        ]
        if not self.timezone.data:
            self.timezone.data = current_app.config["DEFAULT_EVENT_TIMEZONE"]
        self.default_language.choices = [
            SelectChoice(code, name) for code, name in current_app.config["LANGUAGES"].items()
        ]

    def validate_timezone(self, field) -> None:
        if not is_known_zone(field.data):
            raise ValidationError(_l("Choose a time zone from the list, e.g. Europe/Oslo."))

    def validate_rsvp_deadline(self, field) -> None:
        check_wall_clock_exists(self.timezone.data, field)

    def validate_reminder_days_before(self, field) -> None:
        if field.data and not self.rsvp_deadline.data:
            raise ValidationError(_l("A reminder needs an answer-by date."))

    def details(self) -> EventDetails:
        return EventDetails(
            title=self.title.data,
            description=self.description.data or "",
            timezone=self.timezone.data,
            status=EventStatus(self.status.data),
            rsvp_deadline=self.rsvp_deadline.data,
            reminder_days_before=self.reminder_days_before.data,
            alarm_minutes_before=self.alarm_minutes_before.data,
            default_language=self.default_language.data,
            host_name=self.host_name.data or "",
            host_email=self.host_email.data or "",
            host_phone=self.host_phone.data or "",
            series_name=self.series_name.data or "",
            feedback_question=self.feedback_question.data or "",
            feedback_question_is_rating=bool(self.feedback_question_is_rating.data),
            feedback_request_days_after=self.feedback_request_days_after.data,
            feedback_reminder_days=self.feedback_reminder_days.data,
        )


def utc_offset_text(instant: datetime, zone_name: str) -> str:
    """"CEST, UTC+02:00": the zone's short name (when it has a real one) and its offset."""
    name, offset = short_zone_name(instant, zone_name), utc_offset(instant, zone_name)
    return f"{name}, {offset}" if name else offset


def occurrence_choices(wall_clock: datetime, zone_name: str) -> list[SelectChoice]:
    """The two readings of a time the clock shows twice, with their offsets."""
    first, second = instants_showing(wall_clock, zone_name)
    time = wall_clock.strftime("%H:%M")
    return [
        SelectChoice("0", _l("%(time)s (%(offset)s): the first time, before the clocks go back",
                             time=time, offset=utc_offset_text(first, zone_name))),
        SelectChoice("1", _l("%(time)s (%(offset)s): the second time, after the clocks go back",
                             time=time, offset=utc_offset_text(second, zone_name))),
    ]


class ActivityForm(Form):
    """A part of an event. ``zone_name`` is the event's zone, for the times' checks.

    A time that the zone's clock shows twice (the hour repeated when clocks go back) needs
    the organiser's choice of which one: ``starts_at_fold`` and ``ends_at_fold`` appear
    on the form for such a time only, with each one's offset.
    """

    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=200)])
    kind = SelectField(
        _l("Kind"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        default=ActivityKind.STANDARD.value,
    )
    starts_at = WallClockField(_l("Starts"), validators=[InputRequired()])
    starts_at_fold = RadioField(_l("Which start?"), choices=[], validate_choice=False)
    ends_at = WallClockField(_l("Ends"), validators=[InputRequired()])
    ends_at_fold = RadioField(_l("Which end?"), choices=[], validate_choice=False)
    place_name = StringField(_l("Place"), validators=[Length(max=200)])
    address = StringField(_l("Address"), validators=[Length(max=300)])
    map_url = URLField(
        _l("Map link"),
        validators=[Optional(), URL(message=_l("Enter a full web address (https://...)")),
                    Length(max=500)],
    )
    capacity = IntegerField(
        _l("Capacity"),
        validators=[
            Optional(),
            NumberRange(min=1, max=100000,
                        message=_l("Enter at least 1, or leave empty for no limit.")),
        ],
        description=_l("Places including plus-ones. Leave empty for no limit."),
    )
    latitude = FloatField(
        _l("Latitude"), validators=[Optional(), NumberRange(min=-90, max=90, message=_l(
            "A latitude is between -90 and 90, e.g. 60.3964."))],
        description=_l("Optional: calendars can then show the place on a map."))
    longitude = FloatField(
        _l("Longitude"), validators=[Optional(), NumberRange(min=-180, max=180, message=_l(
            "A longitude is between -180 and 180, e.g. 5.3334."))])
    notes = TextAreaField(
        _l("Notes for guests"),
        validators=[Length(max=5000)],
        description=_l("E.g. the dress code, what to bring, where to meet."),
    )

    def __init__(self, *args, zone_name: str, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.zone_name = zone_name
        for time, fold in ((self.starts_at, self.starts_at_fold),
                           (self.ends_at, self.ends_at_fold)):
            if self.asks_which(time):
                fold.choices = occurrence_choices(time.data, zone_name)

    @classmethod
    def for_part(cls, details: ActivityDetails, zone_name: str) -> ActivityForm:
        """The form filled with a part as stored, each time's occurrence chosen."""
        return cls(zone_name=zone_name, data=asdict(details) | {
            "kind": details.kind.value, "starts_at_fold": str(details.starts_at.fold),
            "ends_at_fold": str(details.ends_at.fold)})

    def asks_which(self, time) -> bool:
        """The clock shows this time twice: the form asks which one is meant."""
        return time.data is not None and is_known_zone(self.zone_name) and is_ambiguous(
            time.data, self.zone_name)

    def chosen(self, time, fold) -> datetime | None:
        """The wall-clock time with its occurrence: ``fold`` 1 for the second one."""
        if time.data is None:
            return None
        return time.data.replace(fold=1 if self.asks_which(time) and fold.data == "1" else 0)

    def _check_time(self, time, fold) -> None:
        check_wall_clock_exists(self.zone_name, time)
        if self.asks_which(time) and fold.data not in ("0", "1"):
            raise ValidationError(_l(
                "%(time)s happens twice on %(day)s in %(zone)s: the clocks go back an hour. "
                "Choose which one below.", time=time.data.strftime("%H:%M"),
                day=format_date(time.data, "long"), zone=self.zone_name))

    def validate_starts_at(self, field) -> None:
        self._check_time(field, self.starts_at_fold)

    def validate_longitude(self, field) -> None:
        if (field.data is None) != (self.latitude.data is None):
            raise ValidationError(_l("Give both latitude and longitude, or neither."))

    def validate_ends_at(self, field) -> None:
        self._check_time(field, self.ends_at_fold)
        if self.starts_at.errors or not (self.starts_at.data and field.data):
            return
        start = local_to_utc(self.chosen(self.starts_at, self.starts_at_fold), self.zone_name)
        end = local_to_utc(self.chosen(field, self.ends_at_fold), self.zone_name)
        if end <= start:
            raise ValidationError(_l("The end must be after the start."))

    def details(self) -> ActivityDetails:
        return ActivityDetails(
            name=self.name.data,
            kind=ActivityKind(self.kind.data),
            starts_at=self.chosen(self.starts_at, self.starts_at_fold),
            ends_at=self.chosen(self.ends_at, self.ends_at_fold),
            place_name=self.place_name.data or "",
            address=self.address.data or "",
            map_url=(self.map_url.data or "").strip(),
            capacity=self.capacity.data,
            notes=self.notes.data or "",
            latitude=self.latitude.data,
            longitude=self.longitude.data,
        )


class CoOrganiserForm(Form):
    email = email_address_field(_l("Email of an organiser with an account"))


class NextEditionForm(Form):
    """The next edition of an event: its title and first day, proposed from the event (the
    same weekday a year on, ``events.services.next_edition_day``) until the organiser
    sends their own."""

    title = StringField(_l("Title of the new edition"),
                        validators=[DataRequired(), Length(max=200)])
    first_day = DateField(_l("Day of the first part"), validators=[InputRequired(
        message=_l("Enter the day the new edition starts."))])
    reinvite = BooleanField(_l("Invite the same guests (nothing is sent until you publish "
                               "and send)"), default=True)

    @classmethod
    def for_event(cls, event: Event) -> NextEditionForm:
        return cls(title=event.title, first_day=next_edition_day(event))

    def validate_first_day(self, field) -> None:
        if field.data is not None and field.data.year not in WallClockField.YEARS:
            raise ValidationError(_l("Enter a day between the years 1900 and 2200."))
