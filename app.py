"""Application factory: create_app runs small register_* steps in order, each calling its own module."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from flask import Flask

BASE_DIR = Path(__file__).resolve().parent


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_path=str(BASE_DIR / "instance"),
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
    )
    register_config(app, overrides)
    register_extensions(app)
    register_index_events(app)
    register_signal_receivers(app)
    register_blueprints(app)
    register_cli(app)
    register_auto_migration(app)
    # After the schema step: the session check reads the users table.
    register_sessions(app)
    register_security_headers(app)
    # Registers its check first in line, ahead of every before_request function above.
    register_request_checks(app)
    register_error_handlers(app)
    return app


def register_config(app: Flask, overrides: dict | None) -> None:
    from network.config import defaults, site_url_problem

    app.config.from_mapping(defaults(app.instance_path))
    app.config.from_prefixed_env()
    if overrides:
        app.config.update(overrides)
    # Production (the web server and the commands alike: they send mails with links) needs SITE_URL.
    if problem := site_url_problem(app.config):
        raise RuntimeError(problem)
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _instance_secret(app.instance_path)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))
    # Alembic's per-plugin start-up lines say nothing an operator needs.
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _instance_secret(instance_path: str) -> str:
    """A per-installation secret kept in instance/, so sessions survive restarts without config."""
    path = Path(instance_path) / "secret_key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(os.urandom(32).hex())
        path.chmod(0o600)
    return path.read_text().strip()


def register_extensions(app: Flask) -> None:
    from network.extensions import init_extensions

    init_extensions(app)


def register_index_events(app: Flask) -> None:
    from network import indexing
    from network.services import match_notices

    # Model changes become index events in the same transaction; applying them may send new-match notices.
    indexing.register_index_events()
    match_notices.connect()


def register_signal_receivers(app: Flask) -> None:
    # A need published or moved, a response sent or decided: the notices listen (network/signals.py).
    from network.services import notifications

    notifications.connect()


def register_blueprints(app: Flask) -> None:
    from network.views import register_views

    register_views(app)


def register_cli(app: Flask) -> None:
    from network.cli import register_commands

    register_commands(app)


def register_auto_migration(app: Flask) -> None:
    from network import schema

    schema.register_auto_migration(app)


def register_sessions(app: Flask) -> None:
    from network.views import security

    security.register_sessions(app)


def register_security_headers(app: Flask) -> None:
    from network.views import security

    security.register_security_headers(app)


def register_request_checks(app: Flask) -> None:
    from network.views import security

    security.register_request_checks(app)


def register_error_handlers(app: Flask) -> None:
    from network.views import errors

    errors.register_error_handlers(app)
