"""Registration, login (rate-limited, with lockout and device cookies), logout, password reset and
accepting an invitation. The two-factor step of a login is in views/twofactor.py."""

from __future__ import annotations

import time

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required, login_user, logout_user

from network.config import is_development
from network.errors import ConflictError, NotFoundError, ValidationError
from network.forms import AcceptInvitationForm, ForgotPasswordForm, LoginForm, RegisterForm, ResetPasswordForm
from network.indexing import get_index
from network.services import accounts as accounts_service
from network.services import devices
from network.services import joining as joining_service
from network.services import security as security_service
from network.services import sessions as sessions_service
from network.services import signin as signin_service
from network.views.forms_util import field_error, form_status, kommune_choices, safe_next
from network.views.security import SESSION_TOKEN

bp = Blueprint("auth", __name__)


def start_session(user) -> None:
    """Sign the user in on this browser with a new server-side session. Whatever the browser's session
    held before (a planted cookie, someone else's sign-in, the old CSRF secret) is gone, except the
    chosen language; its previous server-side session, if any, ends."""
    previous = session.get(SESSION_TOKEN)
    language = session.get("lang")
    session.clear()
    g.pop("csrf_token", None)
    if language:
        session["lang"] = language
    if not login_user(user):
        return  # an inactive account: Flask-Login refuses it, and no session is opened
    session[SESSION_TOKEN] = sessions_service.start(
        user, client_address(), request.user_agent.string, replacing=previous
    )


def client_address() -> str:
    # REMOTE_ADDR, rewritten by ProxyFix only when TRUSTED_PROXIES says a proxy sets X-Forwarded-For.
    return request.remote_addr or "unknown"


# The session keeps the user whose password was right while the two-factor code is awaited.
PENDING_SIGN_IN = "sign_in_pending"


def device_cookie_name() -> str:
    # __Host-: only ever set by this host, over HTTPS, for the whole site (not on a developer's machine).
    return "device" if is_development(current_app.config) else "__Host-device"


def browser_tokens() -> list[str]:
    """The device tokens this browser shows (services/devices.py)."""
    return devices.tokens_of(request.cookies.get(device_cookie_name()))


def finish_sign_in(result: signin_service.SignIn, tokens: list[str], target: str | None):
    """Start the session of a completed sign-in and remember the browser for the account."""
    start_session(result.user)
    flash(_("You are logged in."), "success")
    response = redirect(safe_next(target or url_for("main.dashboard")))
    token, _device = devices.issue(result.user, result.device)
    response.set_cookie(
        device_cookie_name(),
        devices.cookie_value(tokens, result.user, token),
        max_age=int(current_app.config["DEVICE_COOKIE_DAYS"]) * 86400,
        path="/",
        secure=not is_development(current_app.config),
        httponly=True,
        samesite="Strict",
    )
    return response


@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    form.kommune.choices = kommune_choices()
    offer_join = False
    if request.method == "GET" and request.args.get("kind") in ("public_body", "supplier"):
        form.kind.data = request.args["kind"]
    if form.validate_on_submit():
        security_service.check_registration_allowed(client_address())
        draft = accounts_service.RegistrationDraft(
            organisation=accounts_service.OrganisationDraft(
                kind=form.kind.data,
                name=form.org_name.data,
                org_number=form.org_number.data,
                country=form.country.data,
                sector=form.sector.data if form.kind.data == "public_body" else None,
                kommune=form.kommune.data or None,
                is_sme=form.is_sme.data,
                is_startup=form.is_startup.data,
            ),
            name=form.name.data,
            email=form.email.data,
            password=form.password.data,
            terms_version=current_app.config["TERMS_VERSION"],
        )
        if form.ask_to_join.data:
            return _ask_to_join(form, draft)
        try:
            user = accounts_service.register(draft, get_index())
        except ValidationError as exc:
            field_error(form, exc, {"name": "org_name", "kind": "kind"})
        except accounts_service.NumberTakenError as exc:
            form.org_number.errors = [*form.org_number.errors, str(exc)]
            offer_join = True
        except ConflictError as exc:
            flash(str(exc), "error")
        else:
            start_session(user)
            if user.organisation.is_public_body:
                flash(
                    _(
                        "Welcome! Your organisation is registered. You can write needs as drafts now; "
                        "an administrator will verify your organisation before you can publish."
                    ),
                    "success",
                )
            else:
                flash(
                    _("Welcome! Describe what your company can do, and we will show you needs that fit."),
                    "success",
                )
            return redirect(url_for("main.dashboard"))
    return render_template("auth/register.html", form=form, offer_join=offer_join), form_status()


def _ask_to_join(form: RegisterForm, draft: accounts_service.RegistrationDraft):
    """The registration becomes a request to join the organisation that has the number."""
    try:
        joining_service.ask_to_join(draft, str(get_locale() or "nb"))
    except ValidationError as exc:
        field_error(form, exc, {"name": "org_name", "kind": "kind"})
    except ConflictError as exc:
        flash(str(exc), "error")
    else:
        flash(
            _(
                "Your request is sent to the organisation's administrators. You get an e-mail when they "
                "have decided; until then there is no account to log in to."
            ),
            "success",
        )
        return redirect(url_for("main.index"))
    return render_template("auth/register.html", form=form, offer_join=True), form_status()


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    status = form_status()
    headers = {}
    if form.validate_on_submit():
        tokens = browser_tokens()
        try:
            result = signin_service.sign_in(client_address(), form.email.data, form.password.data, tokens)
        except security_service.RateLimitedError as exc:
            form.form_errors.append(str(exc))
            status, headers = exc.status, {"Retry-After": str(exc.retry_after)}
        except security_service.AccountLockedError as exc:
            form.form_errors.append(str(exc))
            status = exc.status
        else:
            if result is not None and result.needs_code:
                session[PENDING_SIGN_IN] = {
                    "user": result.user.id,
                    "at": int(time.time()),
                    "next": form.next.data or "",
                }
                return redirect(url_for("twofactor.login_code"))
            if result is not None:
                return finish_sign_in(result, tokens, form.next.data)
            form.password.errors.append(_("Wrong e-mail address or password."))
    return render_template("auth/login.html", form=form), status, headers


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        security_service.request_reset(client_address(), form.email.data)
        # The same answer whether or not an account has the address.
        flash(
            _(
                "If an account has that e-mail address, we have sent it a link to choose a new password. "
                "The link works once, for an hour."
            ),
            "success",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form), form_status()


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        reset = security_service.find_reset(token)
    except NotFoundError as exc:
        return render_template("auth/reset_invalid.html", message=str(exc)), 404
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            security_service.reset_password(client_address(), token, form.password.data)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            logout_user()
            flash(_("Your password is changed. Log in with the new one."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form, email=reset.user.email), form_status()


@bp.post("/logout")
@login_required
def logout():
    # logout_user ends the session on the server too (views/security.py), so a copy of the cookie
    # taken before this no longer signs anyone in.
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("main.index"))


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = accounts_service.find_invitation(token)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        # Whoever was logged in on this browser makes way for the new account.
        logout_user()
        try:
            user = accounts_service.accept_invitation(
                token, form.name.data, form.password.data, terms_version=current_app.config["TERMS_VERSION"]
            )
        except ValidationError as exc:
            field_error(form, exc)
        except ConflictError as exc:
            flash(str(exc), "error")
        else:
            start_session(user)
            flash(_("Welcome to %(org)s on Behovsbørsen.", org=invitation.organisation.name), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("auth/accept_invitation.html", form=form, invitation=invitation), form_status()
