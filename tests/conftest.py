"""Shared fixtures: app (fresh database and RAM index), client, index, make, login, english."""

from __future__ import annotations

import os

import pytest
from flask import g
from flask.testing import FlaskClient
from flask_babel import refresh

from app import create_app
from network.extensions import db
from network.indexing import get_index
from tests.factories import PASSWORD, Make
from tests.helpers import sign_in
from tests.smtp import running_smtp_server


def _database_uri(tmp_path) -> str:
    # The PostgreSQL run sets FLASK_SQLALCHEMY_DATABASE_URI; everything else uses a fresh SQLite file.
    return os.environ.get("FLASK_SQLALCHEMY_DATABASE_URI") or f"sqlite:///{tmp_path / 'test.db'}"


def test_config(tmp_path, **extra) -> dict:
    return {
        "TESTING": True,
        # The suite runs as production does (no development switch), at the test client's address.
        "ENV": "production",
        "SITE_URL": "http://localhost",
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": _database_uri(tmp_path),
        "SEARCH_STORAGE": "memory",
        "SEARCH_INDEX_DIR": str(tmp_path / "index"),
        "MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "UPLOAD_FOLDER": str(tmp_path / "attachments"),
        "MAIL_SERVER": None,
        "AUTO_MIGRATE": False,
        "WTF_CSRF_ENABLED": False,
        "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        # Tests make many requests from one address in a second; those that test a limit set it low.
        "API_LIMIT": 1_000_000,
        "SEARCH_LIMIT": 1_000_000,
        "GROUP_LIMIT": 1_000_000,
        "GROUPS_PER_DAY": 1_000_000,
        **extra,
    }


@pytest.fixture
def app_config(tmp_path):
    return test_config(tmp_path)


class Client(FlaskClient):
    """Requests reuse the test's app context; forget the last request's user, as a new context would."""

    def open(self, *args, **kwargs):
        g.pop("_login_user", None)
        # Flask-WTF caches the request's signed CSRF token on g, as a new context would not.
        g.pop("csrf_token", None)
        # Flask-Babel caches the locale on the app context, which the requests share here.
        refresh()
        return super().open(*args, **kwargs)


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    app.test_client_class = Client
    with app.app_context():
        db.drop_all()
        db.create_all()
        yield app
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def index(app):
    return get_index(app)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make(app, index):
    return Make(index)


@pytest.fixture
def smtp_server():
    """A local SMTP server; what it received is in `.received` (envelopes with from, to, data)."""
    with running_smtp_server() as server:
        yield server


@pytest.fixture
def login(client):
    """Sign the user in on `client`; with two-factor sign-in on (site administrators, or after
    tests.helpers.give_two_factor), the code step too."""

    def _login(user, password=PASSWORD):
        response = sign_in(client, user, password)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login


@pytest.fixture
def english(client):
    """Messages checked word for word are read in English, the catalogue's source language.

    Modules that check them use it with `pytestmark = pytest.mark.usefixtures("english")`.
    """
    with client.session_transaction() as session:
        session["lang"] = "en"
