from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired

from eventplanner.form_fields import Form


class ResultsUploadForm(Form):
    file = FileField(_l("Results from a timing system (CSV)"), validators=[
        FileRequired(_l("Choose a file.")),
        FileAllowed(["csv", "txt"], _l("Choose a .csv file.")),
    ], description=_l("Columns: name or email, time, and optionally status (dnf, dns)."))
