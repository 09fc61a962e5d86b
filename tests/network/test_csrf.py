"""Every state-changing route refuses a request without a CSRF token (the suite's config turns CSRF
off for convenience; these tests turn it back on)."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from network.extensions import db
from network.models import Need, Organisation, User
from tests.factories import PASSWORD

# POST routes that take no CSRF token on purpose, and why that is safe.
EXEMPT = {
    # RFC 8058 one-click unsubscribe: mail programs POST without a page, so without a token; the signed
    # token in the address is the proof, and the only thing it can do is stop mails.
    "notifications.unsubscribe": "signed token in the address",
}


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


def post_routes(app) -> list[tuple[str, str]]:
    routes = []
    for rule in app.url_map.iter_rules():
        if (
            "POST" in rule.methods
            or "PUT" in rule.methods
            or "DELETE" in rule.methods
            or "PATCH" in rule.methods
        ):
            routes.append((rule.endpoint, re.sub(r"<[^>]+>", "1", rule.rule)))
    return sorted(routes)


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)


def test_there_are_post_routes_to_check(app):
    # Guard against a url_map walk that silently finds nothing.
    assert len(post_routes(app)) >= 40


def test_the_unsafe_methods_other_than_post_are_not_used(app):
    # The CSRF check below only posts; no route may take PUT, PATCH or DELETE behind its back.
    others = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        for method in rule.methods & {"PUT", "PATCH", "DELETE"}
    }
    assert others == set()


def test_every_post_route_refuses_a_request_without_a_token(app, client):
    failures = []
    for endpoint, url in post_routes(app):
        if endpoint in EXEMPT:
            continue
        response = client.post(url, data={"title": "x", "email": "x@example.no", "password": "x" * 12})
        if response.status_code not in (400, 403):
            failures.append(f"{endpoint} {url}: {response.status_code}")

    assert failures == []


def test_a_logged_in_user_without_the_token_is_refused_too(app, client, make):
    """With a session (and so a session's CSRF secret) a forged post still fails; nothing changes."""
    body = make.public_body()
    user = make.user(body)
    make.need(body)
    page = client.get("/login").get_data(as_text=True)
    logged_in = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(page)}
    )
    assert logged_in.status_code == 302

    def counts():
        return [
            db.session.scalar(sa.select(sa.func.count()).select_from(model))
            for model in (Need, Organisation, User)
        ]

    before = counts()
    failures = []
    for endpoint, url in post_routes(app):
        if endpoint in EXEMPT:
            continue
        response = client.post(url, data={"title": "Forfalsket", "name": "Forfalsket", "stage": "cancelled"})
        if response.status_code not in (400, 403):
            failures.append(f"{endpoint} {url}: {response.status_code}")
        # A wrong token is no better than none.
        response = client.post(url, data={"csrf_token": "forged", "title": "Forfalsket"})
        if response.status_code not in (400, 403):
            failures.append(f"{endpoint} {url} (forged token): {response.status_code}")

    assert failures == []
    assert counts() == before
    assert "Forfalsket" not in {n.title for n in db.session.scalars(sa.select(Need))}
    # The session survived: the refusal is about the request, not a logout.
    assert client.get("/needs/mine").status_code == 200


def test_a_refused_form_gets_a_clear_page(client):
    with client.session_transaction() as session:
        session["lang"] = "en"

    response = client.post("/login", data={"email": "x@example.no", "password": "y" * 12})

    assert response.status_code == 400
    assert "The form had expired or came from elsewhere. Please try again." in response.get_data(as_text=True)


def test_the_token_from_the_page_is_accepted(client, make):
    user = make.user(make.public_body())
    page = client.get("/login").get_data(as_text=True)

    response = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": csrf_token(page)}
    )

    assert response.status_code == 302


@pytest.mark.parametrize("endpoint", sorted(EXEMPT))
def test_exempt_routes_still_refuse_a_bad_token(app, client, endpoint):
    url = dict(post_routes(app))[endpoint]

    response = client.post(url)

    assert 400 <= response.status_code < 500
