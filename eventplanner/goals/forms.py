from __future__ import annotations

import re
from collections.abc import Iterable

from flask import request
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, IntegerField, SelectField, StringField
from wtforms.validators import Length, Optional
from wtforms.widgets import HiddenInput

from eventplanner.form_fields import Form
from eventplanner.goals.models import ResultStatus

#: "1:02:03" with room for spaces; anything longer is not a time.
TIME_MAX_LENGTH = 20
COMMENT_MAX_LENGTH = 1000
SENT_LINE = re.compile(r"time-([0-9]{1,18})")


class ResultsUploadForm(Form):
    file = FileField(_l("Results from a timing system (CSV)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv", "txt"], _l("Choose a .csv file.")),
    ], description=_l("Columns: name or email, time, and optionally status (dnf, dns)."))


class ResultsSheetForm(Form):
    """A timed part's results sheet: each line has a time, ``time-<invitation id>``, and a
    status, ``status-<invitation id>`` (empty while there is no result).

    Build it with ``for_lines``: the lines are the part's participants and any other line
    that was sent (a guest who left the race while the sheet was open), which the rules
    then refuse by name instead of dropping it unseen.
    """

    @classmethod
    def for_lines(cls, invitation_ids: Iterable[int]) -> ResultsSheetForm:
        sent = {int(match.group(1)) for match in map(SENT_LINE.fullmatch, request.form)
                if match}
        fields = {}
        for invitation_id in sorted(set(invitation_ids) | sent):
            fields[f"time-{invitation_id}"] = StringField(
                validators=[Length(max=TIME_MAX_LENGTH)], default="")
            fields[f"status-{invitation_id}"] = SelectField(
                choices=[""] + [status.value for status in ResultStatus], default="")
        return type(cls.__name__, (cls,), fields)()

    def _line_ids(self) -> list[int]:
        return [int(name[5:]) for name in self._fields if name.startswith("time-")]

    def lines(self) -> dict[int, tuple[ResultStatus | None, str]]:
        """Invitation id -> (status or None, time as typed), for ``record_results``."""
        known = {status.value: status for status in ResultStatus}
        return {invitation_id: (known.get(self[f"status-{invitation_id}"].data),
                                self[f"time-{invitation_id}"].data or "")
                for invitation_id in self._line_ids()}

    def problems(self) -> dict[int, str]:
        """Invitation id -> what is wrong with that line as sent."""
        return {invitation_id: " ".join(str(error) for error in errors)
                for invitation_id in self._line_ids()
                if (errors := self[f"time-{invitation_id}"].errors
                    + self[f"status-{invitation_id}"].errors)}


class PublishResultsForm(Form):
    show_names = BooleanField(_l("Guests see each other's names"), default=True)
    #: The results page to return to; empty for the event's page.
    activity_id = IntegerField(widget=HiddenInput(), validators=[Optional()])


class GoalCommentForm(Form):
    comment = StringField(validators=[Length(max=COMMENT_MAX_LENGTH)])
