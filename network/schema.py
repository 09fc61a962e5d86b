"""Bringing the database schema up to date with the migrations, safely from several processes."""

from __future__ import annotations

import fcntl
import logging
from contextlib import contextmanager
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Flask
from flask_migrate import upgrade

from network.extensions import db, migrate

log = logging.getLogger(__name__)


def _head(app: Flask) -> str | None:
    config = migrate.get_config(directory=migrate.directory)
    return ScriptDirectory.from_config(config).get_current_head()


def current_revision() -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def _process_lock(app: Flask):
    """Several workers may start at once; only one runs the migrations at a time."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    with open(Path(app.instance_path) / "migrate.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_schema(app: Flask) -> bool:
    """Upgrade to the newest migration when the database is behind; returns whether it ran.
    AUTO_MIGRATE=False leaves the schema to the operator (and to tests, which build it directly)."""
    if not app.config.get("AUTO_MIGRATE", True):
        return False
    with app.app_context():
        head = _head(app)
        if current_revision() == head:
            return False
        with _process_lock(app):
            if current_revision() == head:
                return False
            log.info("migrating the database to %s", head)
            upgrade(directory=migrate.directory)
            return True


def register_auto_migration(app: Flask) -> None:
    """The web server works on an empty data directory: the first request creates or migrates the
    schema itself (unless AUTO_MIGRATE=False)."""
    state = {"schema_checked": not app.config.get("AUTO_MIGRATE", True)}

    @app.before_request
    def _schema_on_first_request():
        if not state["schema_checked"]:
            ensure_schema(app)
            state["schema_checked"] = True
