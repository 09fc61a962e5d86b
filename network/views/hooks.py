"""Request hooks: the schema on first start, the index event listener, error pages."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from network.errors import DomainError
from network.indexing import register_index_events

log = logging.getLogger(__name__)


def register_request_hooks(app: Flask) -> None:
    register_index_events()
    state = {"schema_checked": not app.config.get("AUTO_MIGRATE", True)}

    @app.before_request
    def _schema_on_first_request():
        # The web server works on an empty data directory: it creates or migrates the schema itself.
        if not state["schema_checked"]:
            from network.schema import ensure_schema

            ensure_schema(app)
            state["schema_checked"] = True

    def _wants_json() -> bool:
        return request.path.startswith("/api/")

    def _error(status: int, message: str):
        if _wants_json():
            return jsonify({"error": message}), status
        return render_template("error.html", status=status, message=message), status

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError):
        return _error(exc.status, str(exc))

    @app.errorhandler(CSRFError)
    def _csrf_error(exc: CSRFError):
        return _error(400, _("The form had expired or came from elsewhere. Please try again."))

    messages = {
        400: lambda: _("The request could not be understood."),
        403: lambda: _("You do not have access to this page."),
        404: lambda: _("We could not find that page."),
        405: lambda: _("That method is not allowed here."),
        413: lambda: _("What you sent is too large."),
        500: lambda: _("Something went wrong on our side. The error has been logged."),
    }
    for status, message in messages.items():
        app.register_error_handler(status, lambda exc, s=status, m=message: _error(s, m()))
