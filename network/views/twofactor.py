"""Two-factor sign-in: the code step of a login (/login/code) and the account's page to set it up, renew
recovery codes and turn it off (/account/two-factor). Site administrators are sent there first."""

from __future__ import annotations

import time

import segno
from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from network.errors import ConflictError, ValidationError
from network.forms import DisableTwoFactorForm, EnableTwoFactorForm, RecoveryCodesForm, SignInCodeForm
from network.services import security as security_service
from network.services import signin as signin_service
from network.services import twofactor as twofactor_service
from network.views.auth import PENDING_SIGN_IN, browser_tokens, client_address, finish_sign_in
from network.views.forms_util import field_error, form_status

bp = Blueprint("twofactor", __name__)

# What a site administrator without two-factor sign-in may still do: set it up, or sign out.
OPEN_WITHOUT_TWO_FACTOR = frozenset({"static", "auth.logout", "main.set_language"})


@bp.before_app_request
def _site_administrators_set_up_two_factor_first():
    endpoint = request.endpoint
    if endpoint is None or endpoint in OPEN_WITHOUT_TWO_FACTOR or endpoint.startswith("twofactor."):
        return None
    if current_user.is_authenticated and twofactor_service.required(current_user):
        flash(_("Site administrators sign in with a code from an app as well. Set it up to go on."), "info")
        return redirect(url_for("twofactor.index"))
    return None


# -- the code step of a login --------------------------------------------------------------------


def _pending_user():
    """The user whose password was right in this browser within the last few minutes, or None."""
    pending = session.get(PENDING_SIGN_IN)
    if not isinstance(pending, dict):
        return None
    seconds = int(current_app.config["TWO_FACTOR_LOGIN_SECONDS"])
    if not isinstance(pending.get("at"), int) or time.time() - pending["at"] > seconds:
        session.pop(PENDING_SIGN_IN, None)
        flash(_("The time to type the code ran out. Please log in again."), "error")
        return None
    user_id = pending.get("user")
    return signin_service.pending_user(user_id) if isinstance(user_id, int) else None


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    user = _pending_user()
    if user is None:
        return redirect(url_for("auth.login"))
    form = SignInCodeForm()
    status, headers = form_status(), {}
    if form.validate_on_submit():
        tokens = browser_tokens()
        try:
            result = signin_service.sign_in_with_code(client_address(), user, form.code.data, tokens)
        except security_service.RateLimitedError as exc:
            form.form_errors.append(str(exc))
            status, headers = exc.status, {"Retry-After": str(exc.retry_after)}
        except security_service.AccountLockedError as exc:
            form.form_errors.append(str(exc))
            status = exc.status
        else:
            if result is not None:
                target = session.pop(PENDING_SIGN_IN, {}).get("next")
                return finish_sign_in(result, tokens, target)
            form.code.errors.append(_("That code is not right, or it has been used already."))
    return render_template("twofactor/login_code.html", form=form), status, headers


# -- the account's page --------------------------------------------------------------------------


def _me():
    # The user itself, not Flask-Login's proxy: the services record security events on it.
    return current_user._get_current_object()


def _qr_code(uri: str) -> Markup:
    # Drawn here, inline SVG made of one path with a title, no style attributes (the CSP allows none).
    svg = segno.make(uri, error="m").svg_inline(scale=4, omitsize=True, title=_("QR code for your app"))
    return Markup(svg)  # noqa: S704 - segno's own markup, with our title escaped by segno


def _setup_page(form: EnableTwoFactorForm, status: int):
    secret = twofactor_service.pending_secret(_me())
    uri = twofactor_service.provisioning_uri(_me(), secret)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return (
        render_template("twofactor/setup.html", form=form, secret=grouped, qr=_qr_code(uri)),
        status,
    )


def _manage_page(codes_form=None, disable_form=None, status: int = 200):
    return (
        render_template(
            "twofactor/manage.html",
            state=twofactor_service.status(_me()),
            codes_form=codes_form or RecoveryCodesForm(formdata=None),
            disable_form=disable_form or DisableTwoFactorForm(formdata=None),
        ),
        status,
    )


def _codes_page(codes: list[str]):
    response = current_app.make_response(render_template("twofactor/codes.html", codes=codes))
    # Shown once: no copy in any cache.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/account/two-factor")
@login_required
def index():
    if twofactor_service.is_enabled(_me()):
        return _manage_page()
    return _setup_page(EnableTwoFactorForm(), 200)


@bp.post("/account/two-factor")
@login_required
def enable():
    if twofactor_service.is_enabled(_me()):
        return redirect(url_for("twofactor.index"))
    form = EnableTwoFactorForm()
    if form.validate_on_submit():
        try:
            codes = twofactor_service.enable(_me(), form.code.data)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash(_("Two-factor sign-in is on."), "success")
            return _codes_page(codes)
    return _setup_page(form, 422)


@bp.post("/account/two-factor/recovery-codes")
@login_required
def recovery_codes():
    if not twofactor_service.is_enabled(_me()):
        return redirect(url_for("twofactor.index"))
    form = RecoveryCodesForm()
    status = 422
    if form.validate_on_submit():
        try:
            codes = signin_service.renew_recovery_codes(client_address(), _me(), form.password.data)
        except ValidationError as exc:
            field_error(form, exc)
        except security_service.AccountLockedError as exc:
            form.form_errors.append(str(exc))
            status = exc.status
        except ConflictError:
            return redirect(url_for("twofactor.index"))
        else:
            return _codes_page(codes)
    return _manage_page(codes_form=form, status=status)


@bp.post("/account/two-factor/disable")
@login_required
def disable():
    if not twofactor_service.is_enabled(_me()):
        return redirect(url_for("twofactor.index"))
    form = DisableTwoFactorForm()
    status = 422
    if form.validate_on_submit():
        try:
            signin_service.disable_two_factor(client_address(), _me(), form.password.data, form.code.data)
        except ValidationError as exc:
            field_error(form, exc)
        except security_service.AccountLockedError as exc:
            form.form_errors.append(str(exc))
            status = exc.status
        except ConflictError:
            return redirect(url_for("twofactor.index"))
        else:
            flash(_("Two-factor sign-in is off. You sign in with your password alone."), "success")
            return redirect(url_for("twofactor.index"))
    return _manage_page(disable_form=form, status=status)
