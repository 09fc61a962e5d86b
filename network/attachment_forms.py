"""WTForms of attachments and of a need's Doffin announcement: the shape of input only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import StringField
from wtforms.validators import Length, Optional

from network.forms import Form


class AttachmentForm(Form):
    file = FileField(_l("File"), validators=[FileRequired(_l("Choose a file to attach."))])


class DoffinRefForm(Form):
    doffin_ref = StringField(
        _l("Doffin reference"),
        description=_l("The notice's number on doffin.no, such as 2026-123456. Leave empty to remove it."),
        validators=[Optional(), Length(max=200)],
    )
