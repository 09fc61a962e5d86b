"""Request security: trusted proxies, the session cookie, sessions of an old password, security headers."""

from __future__ import annotations

from flask import Flask, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix

from network.services import security as security_service

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


def register_sessions(app: Flask) -> None:
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
        if request.endpoint == "static" or not current_user.is_authenticated:
            return
        if session.get("auth") != security_service.session_fingerprint(current_user):
            logout_user()


def register_security_headers(app: Flask) -> None:
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
