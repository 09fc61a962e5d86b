"""One's own account: who you are, your name, password and e-mail address, your security events,
closing the account, a copy of your data and deleting the account."""

from __future__ import annotations

import json

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from network.account_forms import (
    DELETE_WORD,
    ChangeEmailForm,
    ChangePasswordForm,
    DeleteAccountForm,
    NameForm,
    PasswordConfirmForm,
)
from network.errors import ConflictError, MailError, NotAllowedError, NotFoundError, ValidationError
from network.forms import ConfirmForm
from network.services import audit as audit_service
from network.services import erasure as erasure_service
from network.services import profile as profile_service
from network.views.audit import ACTIONS
from network.views.auth import start_session
from network.views.forms_util import field_error, form_status, page_arg, require_valid

bp = Blueprint("account", __name__, url_prefix="/account")


def _me():
    # The user itself, not Flask-Login's proxy: the audit log records the row's type.
    return current_user._get_current_object()


def _events():
    per_page = int(current_app.config["ACCOUNT_EVENTS_PER_PAGE"])
    return audit_service.security_events(_me(), page_arg(), per_page)


@bp.route("", methods=["GET", "POST"])
@login_required
def index():
    form = NameForm()
    if request.method == "GET":
        form.name.data = current_user.name
    if form.validate_on_submit():
        try:
            profile_service.rename(_me(), form.name.data)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash(_("Your name is saved."), "success")
            return redirect(url_for("account.index"))
    return render_template("account/index.html", form=form, events=_events(), actions=ACTIONS), form_status()


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            user = profile_service.change_password(_me(), form.current_password.data, form.password.data)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            # The other sessions end with the old password; this browser stays signed in.
            start_session(user)
            flash(_("Your password is changed. You are signed out everywhere else."), "success")
            return redirect(url_for("account.index"))
    return render_template("account/password.html", form=form), form_status()


@bp.route("/email", methods=["GET", "POST"])
@login_required
def email():
    form = ChangeEmailForm()
    if form.validate_on_submit():
        try:
            profile_service.request_email_change(_me(), form.email.data, form.current_password.data)
        except ValidationError as exc:
            field_error(form, exc)
        except MailError as exc:
            form.form_errors.append(str(exc))
        else:
            # The same words whether or not the address is free (the owner of a taken one is told by mail).
            flash(
                _(
                    "We have sent a link to %(email)s. Your address changes when you open it. "
                    "Your old address has been told.",
                    email=form.email.data,
                ),
                "success",
            )
            return redirect(url_for("account.index"))
    return render_template("account/email.html", form=form), form_status()


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
def confirm_email(token: str):
    """Opened from the mail, signed in or not; a POST makes the change, so a mail scanner that follows
    links changes nothing."""
    try:
        change = profile_service.find_email_change(token)
    except NotFoundError as exc:
        return render_template("auth/reset_invalid.html", message=str(exc)), 404
    signed_in = _me() if current_user.is_authenticated else None
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user = profile_service.confirm_email_change(token, signed_in)
        except (NotAllowedError, ConflictError) as exc:
            flash(str(exc), "error")
            return redirect(url_for("main.index"))
        flash(_("Your e-mail address is now %(email)s.", email=user.email), "success")
        return redirect(url_for("account.index") if signed_in else url_for("auth.login"))
    return render_template("account/confirm_email.html", form=form, change=change, signed_in=signed_in)


@bp.route("/deactivate", methods=["GET", "POST"])
@login_required
def deactivate():
    form = PasswordConfirmForm()
    if form.validate_on_submit():
        try:
            profile_service.deactivate(_me(), form.current_password.data)
        except ValidationError as exc:
            field_error(form, exc)
        except NotAllowedError as exc:
            form.form_errors.append(str(exc))
        else:
            logout_user()
            flash(_("Your account is closed. To open it again, choose a new password."), "success")
            return redirect(url_for("main.index"))
    return render_template("account/deactivate.html", form=form), form_status()


@bp.post("/export")
@login_required
def export():
    require_valid(ConfirmForm())
    data = erasure_service.export_data(_me())
    body = json.dumps(data, ensure_ascii=False, indent=2)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": 'attachment; filename="behovsborsen-min-konto.json"'},
    )


@bp.route("/delete", methods=["GET", "POST"])
@login_required
def delete():
    form = DeleteAccountForm()
    form.confirm.description = _("Type %(word)s to confirm.", word=DELETE_WORD)
    if form.validate_on_submit():
        try:
            erasure_service.delete_account(_me(), form.current_password.data, form.confirmed())
        except ValidationError as exc:
            field_error(form, exc)
        except NotAllowedError as exc:
            form.form_errors.append(str(exc))
        else:
            logout_user()
            flash(_("Your account is deleted."), "success")
            return redirect(url_for("main.index"))
    return render_template("account/delete.html", form=form), form_status()
