from __future__ import annotations

from wtforms import HiddenField
from wtforms.validators import DataRequired, Length

from eventplanner.form_fields import Form


class CheckedUploadForm(Form):
    """Confirms the import of a checked file, which waits on the server under ``upload``."""

    upload = HiddenField(validators=[DataRequired(), Length(max=64)])
