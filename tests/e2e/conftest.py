"""Browser-test fixtures: Debian's Chromium, the site served on a free port, a site admin."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask, got_request_exception
from playwright.sync_api import BrowserContext, expect
from werkzeug.serving import make_server

from app import create_app
from network.extensions import db
from network.indexing import close_index
from network.schema import ensure_schema
from network.services.accounts import create_site_admin
from tests.conftest import test_config
from tests.factories import PASSWORD
from tests.helpers import give_two_factor

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).resolve().parent
TIMEOUT_MS = 10_000

# Playwright's expect() waits 5 s by default; one budget for pages and assertions alike.
expect.set_options(timeout=TIMEOUT_MS)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # tryfirst: the marker must be on the items before `-m "not e2e"` deselects by it.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session", autouse=True)
def _chromium_installed() -> None:
    # Session scope puts this before pytest-playwright's session fixtures launch the browser.
    if CHROMIUM.exists():
        return
    message = f"{CHROMIUM} is missing: apt-get install -y --no-install-recommends chromium"
    if os.environ.get("REQUIRE_E2E") == "1":
        pytest.fail(f"REQUIRE_E2E=1 but {message}", pytrace=False)
    pytest.skip(f"browser test skipped: {message}")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    # Playwright's own browser download is unavailable here: launch Debian's Chromium.
    # No sandbox because CI runs as root; the rest keeps Chromium off the network and quiet.
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@dataclass(frozen=True)
class LiveServer:
    url: str
    app: Flask
    # Unhandled exceptions inside requests; the fixture fails the test when any occurred.
    errors: list[BaseException]


@pytest.fixture
def live_server(tmp_path) -> Iterator[LiveServer]:
    """The site served over HTTP on a free loopback port, with a fresh database and file index.

    CSRF is on (the browser submits the real forms) and the schema comes from the migrations,
    the way a fresh installation starts.
    """
    app = create_app(
        test_config(
            tmp_path,
            # The browser calls 127.0.0.1 (the only host the site answers to); the port is added below.
            SITE_URL="http://127.0.0.1",
            SEARCH_STORAGE="file",
            WTF_CSRF_ENABLED=True,
            AUTO_MIGRATE=True,
            # The browser gets the site's own 500 page and the log the traceback (TESTING alone
            # would re-raise into Werkzeug's bare error page).
            PROPAGATE_EXCEPTIONS=False,
        )
    )
    ensure_schema(app)
    errors: list[BaseException] = []

    def _record(sender, exception, **extra):
        errors.append(exception)

    got_request_exception.connect(_record, app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    # Links in mails lead to the server's own address.
    app.config["SITE_URL"] = f"http://127.0.0.1:{server.server_port}"
    # A short poll interval: shutdown() waits for the loop to notice, 0.5 s by default.
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="live-server", daemon=True
    )
    thread.start()
    try:
        yield LiveServer(url=f"http://127.0.0.1:{server.server_port}", app=app, errors=errors)
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
        with app.app_context():
            db.session.remove()
            # SQLite lives in tmp_path; a server database (FLASK_SQLALCHEMY_DATABASE_URI) is shared,
            # and a leftover alembic_version would make the next test skip its migrations.
            if db.engine.dialect.name != "sqlite":
                db.drop_all()
                with db.engine.begin() as conn:
                    conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
            db.engine.dispose()
        close_index(app)
        got_request_exception.disconnect(_record, app)
    # A page that answered 500 is a failure even when the test's assertions did not look.
    if errors:
        pytest.fail(f"the live server raised {len(errors)} error(s); first: {errors[0]!r}", pytrace=False)


@pytest.fixture
def browser_context_args(browser_context_args: dict, live_server: LiveServer) -> dict:
    # Relative URLs (page.goto("/needs")) go to the live server; pages render in bokmål.
    return {**browser_context_args, "base_url": live_server.url, "locale": "nb-NO"}


@pytest.fixture
def context(context: BrowserContext) -> BrowserContext:
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    return context


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    name: str
    password: str
    # The key of the account's authenticator app, when it signs in with two factors.
    totp_secret: str | None = None


@pytest.fixture
def site_admin(live_server: LiveServer) -> Account:
    """A site administrator in the live server's database, to log in with from the browser."""
    with live_server.app.app_context():
        user = create_site_admin("admin@example.no", "Site Admin", PASSWORD)
        # Site administrators sign in with two factors: as if the app had been set up with this key.
        secret = give_two_factor(user)
        account = Account(id=user.id, email=user.email, name=user.name, password=PASSWORD, totp_secret=secret)
        db.session.remove()
    return account


@pytest.fixture
def another_page(new_context):
    """Opens a page in a fresh browser context (its own cookies): another person at another computer."""

    def _open():
        other = new_context()
        other.set_default_timeout(TIMEOUT_MS)
        other.set_default_navigation_timeout(TIMEOUT_MS)
        return other.new_page()

    return _open


@pytest.fixture
def seed(live_server: LiveServer):
    """Background data through the app's own services in the live app (see helpers.Seeder)."""
    from tests.e2e.helpers import Seeder

    return Seeder(live_server.app)
