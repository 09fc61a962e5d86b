"""Flask extensions, created unbound and attached to an app in init_extensions."""

from __future__ import annotations

import os

from flask import Flask, current_app, request, session
from flask_babel import Babel, lazy_gettext
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

# Named constraints keep migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


def select_locale() -> str:
    # Pages: bokmål unless the visitor picked another language with the switch (kept in the session).
    # The JSON API: the client's Accept-Language (a program has no switch to press), bokmål when it
    # names none of ours.
    if request and is_api_request() and request.headers.get("Accept-Language"):
        return api_locale()
    chosen = session.get("lang") if request else None
    return chosen if chosen in _languages() else "nb"


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def api_locale() -> str:
    """The best of our languages for the request's Accept-Language; "no" (Norwegian) is bokmål."""
    languages = list(_languages())
    best = request.accept_languages.best_match([*languages, "no"])
    if best == "no":
        return "nb"
    return best if best in languages else "nb"


def _languages() -> dict:
    return current_app.config["LANGUAGES"]


def init_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    login_manager.login_message = lazy_gettext("Please log in to see that page.")
