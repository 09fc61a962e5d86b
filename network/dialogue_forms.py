"""WTForms of the market dialogue's one-to-one slots and minutes: the shape of input only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DateTimeLocalField, IntegerField, StringField, TextAreaField, URLField
from wtforms.validators import URL, DataRequired, Length, Optional

from network.forms import LOCAL_DATETIME_FORMATS, Form, IntegerRange


class SlotForm(Form):
    # Read in Norwegian time; the services receive UTC.
    starts_at = DateTimeLocalField(
        _l("First slot starts"),
        format=LOCAL_DATETIME_FORMATS,
        description=_l("Date and time, Norwegian time."),
        validators=[DataRequired(message=_l("Give the date and time the first slot starts."))],
    )
    length_minutes = IntegerField(
        _l("Length of each slot (minutes)"),
        validators=[
            DataRequired(message=_l("Give the length of a slot in minutes.")),
            IntegerRange(min=1, max=100000),
        ],
    )
    count = IntegerField(
        _l("Number of slots"),
        description=_l("The slots follow each other, back to back, from the first start."),
        default=1,
        validators=[
            DataRequired(message=_l("Give the number of slots, at least 1.")),
            IntegerRange(min=1, max=100000),
        ],
    )
    place = StringField(
        _l("Place"),
        description=_l("Address and room. Leave empty for a video meeting."),
        validators=[Optional(), Length(max=300)],
    )
    video_link = URLField(
        _l("Video link"),
        description=_l("Starts with https://. Only the organisation that books a slot sees it."),
        validators=[Optional(), URL(), Length(max=500)],
    )
    agenda = TextAreaField(
        _l("What each meeting covers"),
        description=_l("The same for every supplier: the questions you will go through, what to prepare."),
        validators=[Optional(), Length(max=5000)],
    )


class MinutesForm(Form):
    minutes = TextAreaField(
        _l("Minutes"),
        description=_l(
            "Published on the need's page for everyone, so that every supplier gets the same "
            "information. Leave out the supplier's trade secrets."
        ),
        validators=[DataRequired(message=_l("Write the minutes.")), Length(max=20000)],
    )
