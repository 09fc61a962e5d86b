"""Error pages: domain errors, rate limits, expired forms and HTTP errors, as HTML or as JSON for the API."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from network.errors import DomainError
from network.services import security as security_service
from network.views import security


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _error(status: int, message: str):
    if _wants_json():
        return jsonify({"error": message}), status
    return render_template("error.html", status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        return _error(exc.status, str(exc))

    @app.errorhandler(security_service.RateLimitedError)
    def _rate_limited(exc: security_service.RateLimitedError):
        response, status = _error(exc.status, str(exc))
        return response, status, {"Retry-After": str(exc.retry_after)}

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        again = security.form_again_after_expired_token(exc)
        if again is not None:
            return again
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
