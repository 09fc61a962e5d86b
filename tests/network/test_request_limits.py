"""Request sizes: a body over MAX_CONTENT_LENGTH is refused with 413 before anything reads it, with a
page (or JSON for the API) that says so; the largest real form still fits."""

from __future__ import annotations

import io

import pytest
from werkzeug.test import encode_multipart

from network.extensions import csrf

pytestmark = pytest.mark.usefixtures("english")

HUGE = 200 * 1024 * 1024


@pytest.fixture
def app_config(app_config):
    # CSRF on: the check that reads the form first is the one that must not run.
    return {**app_config, "WTF_CSRF_ENABLED": True}


class UnreadBody(io.RawIOBase):
    """A request body of HUGE bytes (as the test client measures it) that fails the test when anyone
    reads it."""

    position = 0

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=io.SEEK_SET):
        self.position = HUGE + offset if whence == io.SEEK_END else offset
        return self.position

    def tell(self):
        return self.position

    def readinto(self, buffer):
        raise AssertionError("the oversized body was read")


@pytest.fixture
def csrf_calls(monkeypatch):
    calls = []
    real = csrf.protect
    monkeypatch.setattr(csrf, "protect", lambda: calls.append(1) or real())
    return calls


def huge_post(client, path):
    return client.post(
        path,
        input_stream=UnreadBody(),
        content_type="application/x-www-form-urlencoded",
    )


def test_an_anonymous_200_mb_login_is_refused_unread(client, csrf_calls):
    response = huge_post(client, "/login")

    assert response.status_code == 413
    assert csrf_calls == []
    assert "What you sent is too large" in response.get_data(as_text=True)
    assert response.mimetype == "text/html"


def test_the_api_answers_413_in_json(client):
    response = huge_post(client, "/api/needs")

    assert response.status_code == 413
    assert response.get_json() == {"error": "What you sent is too large."}


def test_the_limit_is_a_setting(app, client):
    app.config["MAX_CONTENT_LENGTH"] = 1000

    response = client.post("/login", data={"email": "x@example.no", "password": "p" * 2000})

    assert response.status_code == 413


def test_the_largest_need_form_fits(app, client, make, login):
    """Every text field of a need at its length limit, in letters that percent-encode to six bytes."""
    app.config["WTF_CSRF_ENABLED"] = False
    login(make.user(make.public_body()))
    form = {
        "title": "ø" * 300,
        "description": "ø" * 20000,
        "affected": "ø" * 10000,
        "outcome": "ø" * 10000,
        "domain": "health",
        "route": "undecided",
    }

    response = client.post("/needs/new", data=form)

    assert response.status_code == 302, response.get_data(as_text=True)[:300]


def test_a_multipart_text_part_over_the_memory_limit_is_refused(client):
    boundary, body = encode_multipart({"email": "x@example.no", "password": "p" * 600_000})
    response = client.post("/login", data=body, content_type=f'multipart/form-data; boundary="{boundary}"')

    assert response.status_code == 413
