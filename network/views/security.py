"""Request security: trusted proxies, the session cookie and its server-side session, trusted hosts and
request sizes, security headers."""

from __future__ import annotations

import hmac

from flask import Flask, abort, current_app, flash, g, jsonify, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user, user_logged_out
from flask_wtf.csrf import CSRFError
from itsdangerous import BadData, URLSafeTimedSerializer
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.sansio.utils import host_is_trusted

from network.config import is_development, trusted_hosts
from network.errors import DomainError
from network.extensions import login_manager
from network.services import sessions as sessions_service
from network.views import health

# Everything the site loads is its own: no inline script or style, no framing, forms post home only.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "base-uri 'self'",
    )
)


# The key of the browser's session token in the signed cookie (the rest of the cookie is Flask-Login's
# user id, the language and the CSRF secret); the session itself lives on the server.
SESSION_TOKEN = "sid"
SECURE_COOKIE_NAME = "__Host-session"
# Where the request keeps the id of its checked session (per request, unlike g in the tests' shared context).
SESSION_ID_KEY = "behovsborsen.session_id"


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure when configured so, and on every request that came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (request and request.is_secure))


def _secure_cookies(app: Flask) -> None:
    """Secure cookies unless on a developer's machine, where plain http://localhost must work; then the
    session cookie takes the __Host- prefix, which browsers only accept Secure, on Path=/ and without
    a Domain, so no other host or path (nor an http:// page) can plant or read it."""
    config = app.config
    for name in ("SESSION_COOKIE_SECURE", "REMEMBER_COOKIE_SECURE"):
        if config.get(name) is None:
            config[name] = not is_development(config)
    if config["SESSION_COOKIE_SECURE"] and not config.get("SESSION_COOKIE_DOMAIN"):
        if config["SESSION_COOKIE_NAME"] == "session":
            config["SESSION_COOKIE_NAME"] = SECURE_COOKIE_NAME
        config["SESSION_COOKIE_PATH"] = "/"
    if config.get("WTF_CSRF_TIME_LIMIT") is None:
        # A form's token lasts as long as a session may: a page left open overnight asks to send again.
        config["WTF_CSRF_TIME_LIMIT"] = int(config["SESSION_ABSOLUTE_HOURS"]) * 3600


def register_sessions(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Only behind proxies we were told about: otherwise anyone could pick their own address for the
        # rate limits with an X-Forwarded-For header.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    _secure_cookies(app)
    app.session_interface = SessionInterface()
    # Every way Flask-Login finds a user (the session, a remember-me cookie) goes through this check.
    login_manager.user_loader(_user_of_this_session)
    user_logged_out.connect(_end_this_session, app)

    @app.before_request
    def _check_the_session():
        # Checked before the view, so a session that timed out is over before anything reads the user.
        if request.endpoint != "static":
            current_user._get_current_object()


# The user whose session this request ended because the account is no longer active.
ENDED_INACTIVE_KEY = "behovsborsen.ended_inactive_user"


def ended_inactive_user():
    """The user whose session this request ended for being inactive (closed, suspended), or None."""
    current_user._get_current_object()
    return request.environ.get(ENDED_INACTIVE_KEY)


def _forget_the_user() -> None:
    for key in ("_user_id", "_fresh", "_id", SESSION_TOKEN):
        session.pop(key, None)


def _user_of_this_session(user_id: str):
    """The user whose open session this browser's token names; None (signed out) for an unknown or
    ended token, one that timed out, or one started before the password changed."""
    checked = sessions_service.check(session.get(SESSION_TOKEN), user_id)
    if checked.user is None:
        _forget_the_user()
        if checked.ended == sessions_service.Ended.IDLE:
            flash(
                _(
                    "You were signed out after %(minutes)d minutes without activity. Please log in again.",
                    minutes=int(current_app.config["SESSION_IDLE_MINUTES"]),
                ),
                "info",
            )
        elif checked.ended == sessions_service.Ended.EXPIRED:
            flash(
                _(
                    "You were signed out because you had been signed in for %(hours)d hours. "
                    "Please log in again.",
                    hours=int(current_app.config["SESSION_ABSOLUTE_HOURS"]),
                ),
                "info",
            )
        elif checked.ended == sessions_service.Ended.INACTIVE:
            # Whoever must say why (a suspended organisation: views/moderation.py) finds the user here.
            request.environ[ENDED_INACTIVE_KEY] = checked.row.user
        return None
    request.environ[SESSION_ID_KEY] = checked.row.id
    return checked.user


def _end_this_session(sender, user=None, **extra) -> None:
    # Whatever called logout_user (the logout button, a reset, accepting an invitation), the session
    # ends on the server too, so a copy of the cookie is worth nothing.
    token = session.pop(SESSION_TOKEN, None)
    if token:
        sessions_service.sign_out(token)


def current_session_id() -> int | None:
    """The id of this browser's open session (after the check), for "this browser" in the list."""
    return request.environ.get(SESSION_ID_KEY)


def form_again_after_expired_token(exc: CSRFError):
    """A form sent with this browser's own CSRF token that has only expired (a page left open past
    WTF_CSRF_TIME_LIMIT) comes back as its page, filled in with what was sent and a new token, with a
    message; None for every other refusal, and for routes that have no page to show.

    The page is the route's GET answer (GET changes nothing), its forms filled from the sent data.
    Only the browser's own token qualifies: an expired token of someone else's session still gets
    the plain refusal, so another site cannot make a page here appear filled in with its text."""
    if exc.description != "The CSRF token has expired." or request.url_rule is None:
        return None
    if "GET" not in request.url_rule.methods or request.blueprint == "api" or not _own_csrf_token():
        return None
    view = current_app.view_functions.get(request.endpoint)
    if view is None:
        return None
    request.method = "GET"
    g.form_again = True
    flash(_("The form had expired, so nothing was saved. Check it and send it again."), "error")
    try:
        response = current_app.make_response(view(**(request.view_args or {})))
    except (HTTPException, DomainError):
        return None
    if response.status_code == 200:
        response.status_code = 400
    return response


def _own_csrf_token() -> bool:
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    token, secret = request.form.get(field), session.get(field)
    if not token or not secret:
        return False
    key = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
    try:
        value = URLSafeTimedSerializer(key, salt="wtf-csrf-token").loads(token)
    except BadData:
        return False
    return isinstance(value, str) and hmac.compare_digest(value.encode(), secret.encode())


# Pages whose forms carry passwords or one-time links: never kept by a browser or a proxy, even for
# visitors who are not signed in. "twofactor" is the blueprint of the two-factor pages.
NO_STORE_BLUEPRINTS = ("auth", "twofactor")


def register_request_checks(app: Flask) -> None:
    """Before anything else reads the request: a Host the site does not answer to is refused (400),
    and a body larger than MAX_CONTENT_LENGTH is refused (413) before the form is parsed."""
    # Flask's own TRUSTED_HOSTS check runs before any handler: it would refuse a load balancer's
    # /healthz and leave the error page unable to build a link. The site checks the same setting
    # (with SITE_URL's host added) here instead, and switches Flask's off.
    hosts = trusted_hosts(app.config)
    app.config["TRUSTED_HOSTS"] = None
    check_hosts = bool(hosts) and not is_development(app.config)

    def _check_request():
        if check_hosts and request.path not in health.PATHS and not host_is_trusted(request.host, hosts):
            return _unknown_host()
        limit = request.max_content_length
        if limit is not None and (request.content_length or 0) > limit:
            abort(413)
        return None

    # First of all before_request functions (the session check, CSRF, the schema step come later).
    app.before_request_funcs.setdefault(None, []).insert(0, _check_request)


def _unknown_host():
    message = _("This site does not answer to that address.")
    if request.path.startswith("/api/"):
        return jsonify({"error": message}), 400
    return message + "\n", 400, {"Content-Type": "text/plain; charset=utf-8"}


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def _security_headers(response):
        headers = response.headers
        if request.endpoint != "static" and (
            request.blueprint in NO_STORE_BLUEPRINTS or current_user.is_authenticated
        ):
            # A signed-in user's pages hold private data: a shared computer's back button or a
            # proxy must not show them to the next person.
            headers["Cache-Control"] = "no-store"
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", f"max-age={int(app.config['HSTS_SECONDS'])}")
        return response
