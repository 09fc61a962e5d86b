"""Template helpers: labels for codes and enums, the language switch, pagination."""

from __future__ import annotations

from flask import Flask
from flask_babel import get_locale

from network import labels


def register_template_helpers(app: Flask) -> None:
    # A global rather than a context variable, so imported macros see it too.
    app.jinja_env.globals["labels"] = labels

    @app.context_processor
    def _helpers():
        return {
            "current_locale": str(get_locale()),
            "languages": app.config["LANGUAGES"],
        }
