"""Request security: trusted proxies, the session cookie, sessions of an old password, trusted hosts and
request sizes, security headers."""

from __future__ import annotations

from flask import Flask, abort, jsonify, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.sansio.utils import host_is_trusted

from network.config import is_development, trusted_hosts
from network.services import security as security_service
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
