"""Request hooks: the schema on first start, the index event listener, security headers, error pages."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError
from werkzeug.middleware.proxy_fix import ProxyFix

from network.errors import DomainError
from network.indexing import register_index_events
from network.services import match_notices
from network.services.security import RateLimitedError, session_fingerprint

log = logging.getLogger(__name__)

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


class SessionInterface(SecureCookieSessionInterface):
    """The session cookie is Secure when configured so, and on every request that came over HTTPS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"] or (request and request.is_secure))


def register_security(app: Flask) -> None:
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        # Only behind proxies we were told about: otherwise anyone could pick their own address for the
        # rate limits with an X-Forwarded-For header.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    app.session_interface = SessionInterface()

    @app.before_request
    def _end_sessions_of_an_old_password():
        # A session started before the password last changed (a reset after a suspected break-in)
        # is over: the reset must lock out whoever else was logged in.
        if request.endpoint == "static":
            return
        if current_user.is_authenticated and session.get("auth") != session_fingerprint(current_user):
            logout_user()

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", f"max-age={int(app.config['HSTS_SECONDS'])}")
        return response


def register_request_hooks(app: Flask) -> None:
    register_index_events()
    match_notices.connect()
    state = {"schema_checked": not app.config.get("AUTO_MIGRATE", True)}

    @app.before_request
    def _schema_on_first_request():
        # The web server works on an empty data directory: it creates or migrates the schema itself.
        if not state["schema_checked"]:
            from network.schema import ensure_schema

            ensure_schema(app)
            state["schema_checked"] = True

    # After the schema hook: the session check below reads the users table.
    register_security(app)

    def _wants_json() -> bool:
        return request.path.startswith("/api/")

    def _error(status: int, message: str):
        if _wants_json():
            return jsonify({"error": message}), status
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        return _error(exc.status, str(exc))

    @app.errorhandler(RateLimitedError)
    def _rate_limited(exc: RateLimitedError):
        response, status = _error(exc.status, str(exc))
        return response, status, {"Retry-After": str(exc.retry_after)}

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return _error(400, _("The form had expired or came from elsewhere. Please try again."))

    messages = {
        400: lambda: _("The request could not be understood."),
        403: lambda: _("You do not have access to this page."),
        404: lambda: _("We could not find that page."),
        405: lambda: _("That method is not allowed here."),
        413: lambda: _("What you sent is too large."),
        429: lambda: _("Too many requests. Please wait a minute and try again."),
        500: lambda: _("Something went wrong on our side. The error has been logged."),
    }
    for status, message in messages.items():
        app.register_error_handler(status, lambda exc, s=status, m=message: _error(s, m()))
