"""CSRF tokens and sessions: a token from before sign-in does not work after it, tokens expire with the
session, and a form sent with an expired token of this browser comes back filled in."""

from __future__ import annotations

import re
import time

import flask_wtf.csrf
import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from network.extensions import db
from network.models import Need
from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def app_config(app_config):
    return {**app_config, "WTF_CSRF_ENABLED": True}


@pytest.fixture
def user(make):
    return make.user(make.public_body(), email="kari@example.no")


def token_of(page) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)


def sign_in(client, user):
    token = token_of(client.get("/login"))
    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    return response


class PastSigner(TimestampSigner):
    def get_timestamp(self) -> int:
        return int(time.time()) - 13 * 3600


class PastSerializer(URLSafeTimedSerializer):
    default_signer = PastSigner


@pytest.fixture
def old_tokens(monkeypatch):
    """CSRF tokens made inside the block are signed 13 hours ago (past the 12-hour limit)."""

    class Past:
        def __enter__(self):
            monkeypatch.setattr(flask_wtf.csrf, "URLSafeTimedSerializer", PastSerializer)

        def __exit__(self, *exc):
            monkeypatch.undo()

    return Past()


def test_tokens_expire_with_the_absolute_session_lifetime(app):
    assert app.config["WTF_CSRF_TIME_LIMIT"] == 12 * 3600


def test_a_token_from_before_sign_in_does_not_work_after_it(client, user):
    before = token_of(client.get("/login"))
    client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": before})

    refused = client.post("/notifications/read", data={"csrf_token": before})
    fresh = token_of(client.get("/notifications/settings"))
    accepted = client.post("/notifications/read", data={"csrf_token": fresh})

    assert refused.status_code == 400
    assert accepted.status_code == 302


def test_an_expired_login_form_comes_back_filled_in_with_a_message(client, user, old_tokens):
    with old_tokens:
        old = token_of(client.get("/login"))

    again = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": old})
    text = again.get_data(as_text=True)

    assert again.status_code == 400
    assert "The form had expired, so nothing was saved. Check it and send it again." in text
    assert f'value="{user.email}"' in text
    assert token_of(again) != old
    # Not signed in by the expired form; the new token works.
    assert client.get("/needs/mine").status_code == 302
    sent = client.post(
        "/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token_of(again)}
    )
    assert sent.status_code == 302


def test_an_expired_form_of_a_signed_in_user_keeps_the_text_and_saves_nothing(client, user, old_tokens):
    sign_in(client, user)
    with old_tokens:
        old = token_of(client.get("/needs/new"))

    again = client.post(
        "/needs/new",
        data={"title": "Sensorer som varsler fall om natten", "domain": "health", "csrf_token": old},
    )

    assert again.status_code == 400
    assert 'value="Sensorer som varsler fall om natten"' in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Need.id))) == 0


def test_an_expired_token_of_another_browser_gets_the_plain_refusal(app, client, user, old_tokens):
    other = app.test_client()
    with old_tokens:
        foreign = token_of(other.get("/login"))
    client.get("/login")

    response = client.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": foreign})
    text = response.get_data(as_text=True)

    assert response.status_code == 400
    assert "The form had expired or came from elsewhere. Please try again." in text
    assert user.email not in text


def test_an_expired_token_on_a_button_without_a_page_gets_the_plain_refusal(client, user, old_tokens):
    sign_in(client, user)
    with old_tokens:
        old = token_of(client.get("/needs/new"))

    response = client.post("/logout", data={"csrf_token": old})

    assert response.status_code == 400
    assert "The form had expired or came from elsewhere" in response.get_data(as_text=True)
    assert client.get("/needs/mine").status_code == 200
