"""Trusted links and hosts: every absolute link comes from SITE_URL, never from the Host a request names;
a Host the site does not answer to is refused (but the health checks); production needs SITE_URL."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from network.extensions import db
from network.indexing import get_index
from network.services.mail import outbox_messages
from tests.conftest import test_config as config_for_tests
from tests.factories import PASSWORD, Make

ROOT = Path(__file__).resolve().parents[2]
SITE = "https://behovsborsen.example"
# Another name the site answers to (a www. alias); links still name SITE.
ALIAS = "http://www.behovsborsen.example"
EVIL = "evil.example.com"

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SITE_URL": SITE, "TRUSTED_HOSTS": "localhost, www.behovsborsen.example"}


def mails(app):
    return outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))


# -- links come from SITE_URL -------------------------------------------------------------------


def test_a_reset_link_leads_to_site_url_whatever_host_the_request_names(app, client, make):
    user = make.user(make.public_body(), email="kari@example.no")

    client.post("/password/forgot", data={"email": user.email}, base_url=ALIAS)

    [mail] = mails(app)
    assert f"{SITE}/password/reset/" in mail.get_content()
    assert "www.behovsborsen.example" not in mail.get_content()


def test_an_invitation_link_leads_to_site_url(app, client, make):
    admin = make.user(make.supplier(), email="admin@example.no")
    client.post("/login", data={"email": admin.email, "password": PASSWORD}, base_url=ALIAS)

    response = client.post("/organisations/members", data={"email": "ny@example.no"}, base_url=ALIAS)

    assert response.status_code == 302
    [mail] = mails(app)
    assert f"{SITE}/invitations/" in mail.get_content()


def test_the_api_returns_links_on_site_url(client, make):
    need = make.need()

    payload = client.get("/api/needs", base_url=ALIAS).get_json()

    [item] = payload["items"]
    assert item["url"] == f"{SITE}/needs/{need.id}"
    assert item["organisation"]["url"] == f"{SITE}/organisations/{need.organisation.id}"


def test_no_module_builds_an_absolute_link_from_the_request():
    """url_for(..., _external=True) takes the request's Host: links.absolute_url is the one way."""
    offenders = []
    for path in (ROOT / "network").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call) and any(k.arg == "_external" for k in node.keywords):
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == []


# -- unknown hosts ------------------------------------------------------------------------------


def test_a_request_naming_an_unknown_host_is_refused_and_sends_nothing(app, client, make):
    user = make.user(make.public_body(), email="kari@example.no")

    page = client.get("/password/forgot", headers={"Host": EVIL})
    post = client.post("/password/forgot", data={"email": user.email}, headers={"Host": EVIL})

    assert page.status_code == post.status_code == 400
    assert page.mimetype == "text/plain"
    # In the site's default language: the visitor's language choice lives in a cookie of the real host.
    assert page.get_data(as_text=True) == "Dette nettstedet svarer ikke på den adressen.\n"
    assert mails(app) == []


def test_the_api_refuses_an_unknown_host_in_json(client):
    response = client.get("/api/needs", headers={"Host": f"{EVIL}:8080"})

    assert response.status_code == 400
    assert response.get_json() == {"error": "Dette nettstedet svarer ikke på den adressen."}


def test_known_hosts_are_answered_whatever_the_port(client):
    assert client.get("/", base_url="http://localhost:8443").status_code == 200
    assert client.get("/about", base_url=ALIAS).status_code == 200
    assert client.get("/about", base_url="https://behovsborsen.example").status_code == 200


def test_the_health_checks_answer_a_load_balancer_calling_by_address(client):
    healthz = client.get("/healthz", headers={"Host": "10.0.0.5:8000"})
    readyz = client.get("/readyz", headers={"Host": "10.0.0.5:8000"})

    assert (healthz.status_code, healthz.get_data(as_text=True)) == (200, "ok\n")
    assert (readyz.status_code, readyz.get_data(as_text=True)) == (200, "ready\n")


def test_readyz_says_when_the_database_does_not_answer(client, monkeypatch):
    from network import queries

    monkeypatch.setattr(queries, "database_answers", lambda: False)

    assert client.get("/readyz").status_code == 503


# -- production needs SITE_URL; a developer's machine does not ------------------------------------


def test_production_does_not_start_without_site_url(tmp_path):
    with pytest.raises(RuntimeError, match="FLASK_SITE_URL.*FLASK_ENV=development"):
        create_app(config_for_tests(tmp_path, TESTING=False, SITE_URL=None))


def test_a_site_url_that_is_no_address_is_refused(tmp_path):
    with pytest.raises(RuntimeError, match="not an address"):
        create_app(config_for_tests(tmp_path, SITE_URL="behovsborsen.no"))


def test_a_developer_machine_runs_without_site_url_on_its_own_address(tmp_path):
    app = create_app(config_for_tests(tmp_path, TESTING=False, ENV="development", SITE_URL=None))
    client = app.test_client()
    with app.app_context():
        db.create_all()
        make = Make(get_index(app))
        user = make.user(make.public_body(), email="dev@example.no")
        try:
            # Any host: a developer may open the site by another name (a container's, a LAN address).
            assert client.get("/about", base_url="http://devbox:5000").status_code == 200
            client.post("/password/forgot", data={"email": user.email}, base_url="http://devbox:5000")
            [mail] = mails(app)
            assert "http://devbox:5000/password/reset/" in mail.get_content()
        finally:
            db.session.remove()
            db.engine.dispose()


@pytest.mark.slow
def test_a_command_in_production_without_site_url_says_what_to_set(tmp_path):
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLASK_")}
    env.update(
        PYTHONPATH=str(ROOT),
        FLASK_SECRET_KEY="test-secret",
        FLASK_SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'site.db'}",
        FLASK_SEARCH_INDEX_DIR=str(tmp_path / "index"),
    )
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "index", "status"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode != 0
    assert "FLASK_SITE_URL" in result.stderr + result.stdout
