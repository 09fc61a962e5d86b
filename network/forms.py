"""WTForms: the shape of input only. Rules that need the database live in the services."""

from __future__ import annotations

from flask import g, request
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    URL,
    DataRequired,
    Email,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    Regexp,
)

from network import labels
from network.limits import (
    DESCRIPTION_MAX,
    DETAIL_MAX,
    ORG_DESCRIPTION_MAX,
    REFERENCES_MAX,
    RESPONSE_MAX,
    TITLE_MAX,
)
from network.text import clean_text

PASSWORD_MIN = 12


def _choices(mapping: dict) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in mapping.items()]


def strip_control_characters(value):
    """Drop NUL and other control characters (keeping tabs and line breaks): no text field needs
    them, and PostgreSQL refuses NUL in text."""
    if isinstance(value, str):
        return clean_text(value)
    return value


class IntegerRange(NumberRange):
    """NumberRange for whole numbers of any length: WTForms' own turns the number into a float, which
    fails (OverflowError, a 500) for a number of more than 308 digits instead of saying it is too big."""

    def __call__(self, form, field):
        data = field.data
        if not isinstance(data, int) or abs(data) <= 10**18:
            return super().__call__(form, field)
        bound = self.max if data > 0 else self.min
        if bound is None:
            return None
        # WTForms' check (and its translated message) on a number just past the bound stands in for it.
        field.data = bound + 1 if data > 0 else bound - 1
        try:
            return super().__call__(form, field)
        finally:
            field.data = data


class Form(FlaskForm):
    """The base of every form: text input is cleaned of control characters before validation."""

    class Meta:
        def bind_field(self, form, unbound_field, options):
            filters = list(unbound_field.kwargs.get("filters", ()))
            filters.append(strip_control_characters)
            return unbound_field.bind(form=form, filters=filters, **options)

        def wrap_formdata(self, form, formdata):
            # A form whose CSRF token expired is shown again as on a GET, filled with what was sent
            # (views/security.py: form_again_after_expired_token).
            if formdata is _Auto and g.get("form_again"):
                return request.form
            return FlaskForm.Meta.wrap_formdata(self, form, formdata)


class SplitList(StringField):
    """A comma/space separated list of codes, as a hidden input filled by the pickers' JavaScript
    and typed by hand when scripts are off."""

    def process_formdata(self, valuelist):
        raw = " ".join(valuelist)
        self.data = [part for part in raw.replace(",", " ").split() if part]

    def _value(self):
        return ", ".join(self.data or [])


class LoginForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])
    next = HiddenField()


class NewPasswordForm(Form):
    """A new password, typed twice (registration, accepting an invitation, a password reset)."""

    password = PasswordField(
        _l("Password"),
        description=_l(
            "At least 12 characters, not your name or e-mail address and not a common password. "
            "A few unrelated words make a good one."
        ),
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=200)],
    )
    password2 = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords are not the same."))],
    )


def _terms_field() -> BooleanField:
    # The label, with its link to the terms, is written in the template (auth/_terms_field.html).
    return BooleanField(
        _l("I accept the terms of use"),
        validators=[DataRequired(message=_l("Accept the terms of use to create an account."))],
    )


class RegisterForm(NewPasswordForm):
    kind = RadioField(
        _l("I represent"),
        choices=[
            SelectChoice("public_body", _l("A public body")),
            SelectChoice("supplier", _l("A supplier")),
        ],
        validators=[DataRequired()],
    )
    org_name = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=200)])
    org_number = StringField(
        _l("Organisation number"),
        description=_l(
            "Nine digits, from the Brønnøysund Register Centre. Public bodies must give it; "
            "suppliers based in Norway should."
        ),
        validators=[Optional(), Regexp(r"^[\d\s]{9,11}$", message=_l("Nine digits."))],
    )
    # Offered when the number is taken: the registration becomes a request to join that organisation.
    ask_to_join = BooleanField(_l("Ask to join the organisation registered with this number"))
    country = StringField(_l("Country"), default="NO", validators=[DataRequired(), Length(min=2, max=2)])
    sector = SelectField(_l("Sector"), choices=_choices(labels.SECTORS), default="municipality")
    kommune = SelectField(_l("Municipality"), choices=[], validate_choice=False, validators=[Optional()])
    is_sme = BooleanField(_l("We are a small or medium-sized enterprise"))
    is_startup = BooleanField(_l("We are a start-up"))
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Your e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    accept_terms = _terms_field()


class ForgotPasswordForm(Form):
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class ResetPasswordForm(NewPasswordForm):
    pass


class AcceptInvitationForm(NewPasswordForm):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])
    accept_terms = _terms_field()


class InviteForm(Form):
    email = EmailField(_l("Colleague's e-mail"), validators=[DataRequired(), Email(), Length(max=254)])


class OrganisationForm(Form):
    name = StringField(_l("Organisation name"), validators=[DataRequired(), Length(max=200)])
    org_number = StringField(
        _l("Organisation number"),
        validators=[Optional(), Regexp(r"^[\d\s]{9,11}$", message=_l("Nine digits."))],
    )
    sector = SelectField(_l("Sector"), choices=_choices(labels.SECTORS), validators=[Optional()])
    kommune = SelectField(_l("Municipality"), choices=[], validate_choice=False, validators=[Optional()])
    website = URLField(_l("Website"), validators=[Optional(), URL(), Length(max=300)])
    description = TextAreaField(
        _l("About the organisation"), validators=[Optional(), Length(max=ORG_DESCRIPTION_MAX)]
    )
    is_sme = BooleanField(_l("We are a small or medium-sized enterprise"))
    is_startup = BooleanField(_l("We are a start-up"))


class NeedForm(Form):
    title = StringField(
        _l("Title"),
        description=_l("Name the problem, not a solution: “Fewer falls among elderly living at home”."),
        validators=[DataRequired(), Length(max=TITLE_MAX)],
    )
    description = TextAreaField(
        _l("The problem"),
        description=_l("What is not working today, and why does it matter?"),
        validators=[DataRequired(), Length(max=DESCRIPTION_MAX)],
    )
    affected = TextAreaField(
        _l("Who is affected"),
        description=_l("Residents, patients, staff, …"),
        validators=[Optional(), Length(max=DETAIL_MAX)],
    )
    outcome = TextAreaField(
        _l("Desired outcome"),
        description=_l("What would be better if the need were met? How would you measure it?"),
        validators=[Optional(), Length(max=DETAIL_MAX)],
    )
    domain = SelectField(_l("Domain"), choices=_choices(labels.DOMAINS), default="other")
    cpv = SplitList(
        _l("CPV codes"),
        description=_l("Search by word or number and pick one or more codes. Not sure? Use the suggestions."),
    )
    kommuner = SelectMultipleField(_l("Municipalities concerned"), choices=[], validate_choice=False)
    fylker = SelectMultipleField(_l("Counties concerned"), choices=[], validate_choice=False)
    route = SelectField(
        _l("Intended procurement route"), choices=_choices(labels.ROUTES), default="undecided"
    )
    budget_min = IntegerField(
        _l("Budget from (NOK)"), validators=[Optional(), IntegerRange(min=0, max=10**13)]
    )
    budget_max = IntegerField(_l("Budget to (NOK)"), validators=[Optional(), IntegerRange(min=0, max=10**13)])
    deadline = DateField(_l("Dialogue deadline"), validators=[Optional()])


class StageForm(Form):
    stage = SelectField(_l("New stage"), choices=[], validate_choice=False, validators=[DataRequired()])
    doffin_ref = StringField(_l("Doffin reference"), validators=[Optional(), Length(max=40)])


class CapabilityForm(Form):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=TITLE_MAX)])
    description = TextAreaField(
        _l("Description"),
        description=_l("What you can deliver, for whom, and what it achieves."),
        validators=[DataRequired(), Length(max=DESCRIPTION_MAX)],
    )
    domains = SelectMultipleField(_l("Domains"), choices=_choices(labels.DOMAINS))
    cpv = SplitList(_l("CPV codes"), description=_l("Search by word or number and pick one or more codes."))
    nationwide = BooleanField(_l("We serve all of Norway"))
    fylker = SelectMultipleField(_l("Counties served"), choices=[], validate_choice=False)
    maturity = SelectField(_l("Maturity"), choices=_choices(labels.MATURITY), default="in_use")
    references = TextAreaField(
        _l("References"),
        description=_l("Customers or projects where this is in use."),
        validators=[Optional(), Length(max=REFERENCES_MAX)],
    )


class ResponseForm(Form):
    message = TextAreaField(
        _l("Message to the public body"),
        description=_l("Say briefly how you could help and what you would like to learn in a dialogue."),
        validators=[DataRequired(), Length(max=RESPONSE_MAX)],
    )
    link = URLField(_l("Link (optional)"), validators=[Optional(), URL(), Length(max=500)])


class ResponseStatusForm(Form):
    status = SelectField(_l("Status"), choices=_choices(labels.RESPONSE_STATUS))


class ConfirmForm(Form):
    """An empty form: a POST with a CSRF token, for buttons such as publish, verify, delete."""


# -- moderation -------------------------------------------------------------------------------


class ReportForm(Form):
    reason = RadioField(
        _l("What is wrong?"), choices=_choices(labels.REPORT_REASONS), validators=[DataRequired()]
    )
    details = TextAreaField(
        _l("Tell us more"),
        description=_l("Optional, except for “Something else”. At most 1000 characters."),
        validators=[Optional(), Length(max=1000)],
    )


class ModerationReasonForm(Form):
    """The reason for hiding an item or suspending an organisation; the organisation is told it."""

    reason = TextAreaField(
        _l("Reason"),
        description=_l("The organisation's administrators get it by e-mail. At most 500 characters."),
        validators=[DataRequired(), Length(max=500)],
    )


# -- coordination groups ----------------------------------------------------------------------


class GroupInviteForm(Form):
    """One click on the peers panel: invite the body that owns this similar need."""

    peer_need_id = HiddenField(validators=[DataRequired(), Regexp(r"^\d{1,12}$")])


class GroupAnswerForm(Form):
    """Accept or decline: an invitation (the invited body) or a request to join (the lead)."""

    answer = SelectField(
        _l("Answer"),
        choices=[SelectChoice("accept", _l("Accept")), SelectChoice("decline", _l("Decline"))],
        validators=[DataRequired()],
    )


class GroupJoinForm(Form):
    # The choices are the asking body's joinable needs, set by the view; the service checks the need.
    need_id = SelectField(
        _l("The need you bring (optional)"),
        description=_l("One of your organisation's published needs that is not in a group yet."),
        choices=[],
        validate_choice=False,
        validators=[Optional(), Regexp(r"^\d{0,12}$")],
    )


class GroupNeedForm(Form):
    need_id = SelectField(
        _l("Need"),
        choices=[],
        validate_choice=False,
        validators=[DataRequired(), Regexp(r"^\d{1,12}$")],
    )


class GroupStageForm(Form):
    stage = SelectField(_l("New stage"), choices=[], validate_choice=False, validators=[DataRequired()])


class GroupPostForm(Form):
    text = TextAreaField(
        _l("Message to the group"),
        description=_l("Only the member bodies of the group see the discussion."),
        validators=[DataRequired(), Length(max=5000)],
    )


# -- early market dialogue: questions, meetings, one message to respondents --------------------

# What a datetime-local input sends (with or without seconds, "T" or a space).
LOCAL_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


class QuestionForm(Form):
    text = TextAreaField(
        _l("Your question"),
        description=_l(
            "The answer is published for everyone, without your name or organisation. "
            "Leave out details that would identify you."
        ),
        validators=[DataRequired(), Length(max=5000)],
    )


class AnswerForm(Form):
    text = TextAreaField(
        _l("The question as it will be published"),
        description=_l("You may reword it to remove details that identify who asked."),
        validators=[DataRequired(), Length(max=5000)],
    )
    # Optional here: "save the wording only" sends no answer; the service asks for one when answering.
    answer = TextAreaField(
        _l("Answer"),
        description=_l("Everyone can read the answer: every supplier gets the same information."),
        validators=[Optional(), Length(max=20000)],
    )


class MeetingForm(Form):
    title = StringField(
        _l("Title"),
        description=_l("What the meeting is about: “Dialogue meeting on falls at night”."),
        validators=[DataRequired(), Length(max=TITLE_MAX)],
    )
    # Times are read in Norwegian time; the services receive them as UTC. DataRequired also stands in
    # for a value the browser could not send as a date and time.
    starts_at = DateTimeLocalField(
        _l("Starts"),
        format=LOCAL_DATETIME_FORMATS,
        description=_l("Date and time, Norwegian time."),
        validators=[DataRequired(message=_l("Give the date and time the meeting starts."))],
    )
    ends_at = DateTimeLocalField(
        _l("Ends"),
        format=LOCAL_DATETIME_FORMATS,
        description=_l("Date and time, Norwegian time."),
        validators=[DataRequired(message=_l("Give the date and time the meeting ends."))],
    )
    place = StringField(
        _l("Place"),
        description=_l("Address and room. Leave empty for a video meeting."),
        validators=[Optional(), Length(max=300)],
    )
    video_link = URLField(
        _l("Video link"),
        description=_l("Starts with https://. Only organisations that sign up see it."),
        validators=[Optional(), URL(), Length(max=500)],
    )
    capacity = IntegerField(
        _l("Seats"),
        description=_l("One seat per organisation."),
        validators=[
            DataRequired(message=_l("Give the number of seats, at least 1.")),
            IntegerRange(min=1, max=10000),
        ],
    )
    signup_deadline = DateTimeLocalField(
        _l("Sign-up deadline"),
        format=LOCAL_DATETIME_FORMATS,
        description=_l("Leave empty to take sign-ups until the meeting starts."),
        validators=[Optional()],
    )
    description = TextAreaField(
        _l("Programme and practical information"),
        description=_l("The agenda, who should come, what to prepare."),
        validators=[Optional(), Length(max=5000)],
    )


class RespondentsMessageForm(Form):
    subject = StringField(
        _l("Subject"),
        description=_l("The title of the notice and the subject of the e-mail."),
        validators=[DataRequired(), Length(max=200)],
    )
    text = TextAreaField(
        _l("Message"),
        description=_l("Every recipient gets the same text."),
        validators=[DataRequired(), Length(max=10000)],
    )


class SavedSearchForm(Form):
    """A name for the search page's current query; the query and its filters come as hidden inputs."""

    name = StringField(_l("Name of the search"), validators=[DataRequired(), Length(max=200)])
    q = HiddenField(validators=[Optional(), Length(max=500)])
    domain = SelectMultipleField(choices=[], validate_choice=False)
    fylke = SelectMultipleField(choices=[], validate_choice=False)
    cpv = SelectMultipleField(choices=[], validate_choice=False)
    stage = SelectMultipleField(choices=[], validate_choice=False)
    kind = SelectMultipleField(choices=[], validate_choice=False)


class NotificationPreferencesForm(Form):
    """One radio group per kind of notice: immediately, daily, weekly or off (inbox only)."""

    FREQUENCIES = (
        ("immediately", _l("Immediately")),
        ("daily", _l("Daily summary")),
        ("weekly", _l("Weekly summary")),
        ("off", _l("No e-mail (only in the inbox)")),
    )

    @classmethod
    def for_kinds(cls, kinds: dict) -> type[NotificationPreferencesForm]:
        """The form with a field for each kind (name → label)."""
        fields = {
            kind: RadioField(
                label,
                choices=[SelectChoice(value, text) for value, text in cls.FREQUENCIES],
                validators=[DataRequired()],
            )
            for kind, label in kinds.items()
        }
        return type("NotificationPreferencesForm", (cls,), fields)


# -- two-factor sign-in -----------------------------------------------------------------------


class SignInCodeForm(Form):
    """The second step of signing in: a code from the authenticator app, or a recovery code."""

    code = StringField(
        _l("Code"),
        description=_l("The six digits your app shows now, or one of your recovery codes."),
        validators=[DataRequired(), Length(max=40)],
    )


class EnableTwoFactorForm(Form):
    code = StringField(
        _l("Code from the app"),
        description=_l("The six digits the app shows after you added the account."),
        validators=[DataRequired(), Length(max=40)],
    )


class RecoveryCodesForm(Form):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])


class DisableTwoFactorForm(Form):
    password = PasswordField(_l("Your password"), validators=[DataRequired(), Length(max=200)])
    code = StringField(
        _l("Code"),
        description=_l("The six digits your app shows now, or one of your recovery codes."),
        validators=[DataRequired(), Length(max=40)],
    )
