"""Helpers the views share: the acting user's organisation, and template helpers (labels for codes and
enums, the language switch, pagination)."""

from __future__ import annotations

from flask import Flask, abort
from flask_babel import get_locale
from flask_login import current_user

from network import dates, labels
from network.models import Organisation, OrgKind


def own_organisation(kind: OrgKind | None = None) -> Organisation:
    """The logged-in user's organisation, of this kind if one is given; anyone else is refused (403)."""
    org = current_user.organisation
    if org is None or (kind is not None and org.kind != kind):
        abort(403)
    return org


def register_template_helpers(app: Flask) -> None:
    # A global rather than a context variable, so imported macros see it too.
    app.jinja_env.globals["labels"] = labels
    # One date and one date-time format per language (network/dates.py), in place of Flask-Babel's.
    dates.register_filters(app.jinja_env)

    @app.context_processor
    def _helpers():
        return {
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
        }
