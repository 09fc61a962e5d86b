"""WTForms of one's own account and of an organisation's colleagues: the shape of input only."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, PasswordField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from network.forms import PASSWORD_MIN, Form

# The word typed to confirm that the account is to be deleted, in the page's language.
DELETE_WORD = _l("DELETE")


def _current_password():
    return PasswordField(_l("Your current password"), validators=[DataRequired(), Length(max=200)])


class NameForm(Form):
    name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=200)])


class ChangePasswordForm(Form):
    current_password = _current_password()
    password = PasswordField(
        _l("New password"),
        description=_l(
            "At least 12 characters, not your name or e-mail address and not a common password. "
            "A few unrelated words make a good one."
        ),
        validators=[DataRequired(), Length(min=PASSWORD_MIN, max=200)],
    )
    password2 = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords are not the same."))],
    )


class ChangeEmailForm(Form):
    email = EmailField(
        _l("New e-mail address"),
        description=_l("We send a link to the new address; the change happens when you open it."),
        validators=[DataRequired(), Email(), Length(max=254)],
    )
    current_password = _current_password()


class PasswordConfirmForm(Form):
    """A destructive step on one's own account, confirmed with the password (deactivation)."""

    current_password = _current_password()


class DeleteAccountForm(Form):
    current_password = _current_password()
    confirm = StringField(_l("Type the word to confirm"), validators=[DataRequired(), Length(max=40)])

    def confirmed(self) -> bool:
        return (self.confirm.data or "").strip().casefold() == str(DELETE_WORD).casefold()


class RoleForm(Form):
    role = RadioField(
        _l("Role"),
        choices=[SelectChoice("admin", _l("Administrator")), SelectChoice("member", _l("Member"))],
        validators=[DataRequired()],
    )


class WithdrawVerificationForm(Form):
    reason = TextAreaField(
        _l("Why is the verification withdrawn?"),
        description=_l("The reason is mailed to the body's administrators and kept in the audit log."),
        validators=[DataRequired(), Length(max=1000)],
    )


class RejectOrganisationForm(Form):
    reason = TextAreaField(
        _l("Why is the body rejected?"),
        description=_l(
            "The reason is mailed to the person who registered the body and kept in the audit log."
        ),
        validators=[DataRequired(), Length(max=1000)],
    )
