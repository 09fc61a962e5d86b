"""Pages with private data are never stored by a browser or a proxy: every response to a signed-in user
and the forms that carry passwords or one-time links say Cache-Control: no-store; public pages for
visitors keep their caching."""

from __future__ import annotations

import pytest

from tests.factories import PASSWORD

pytestmark = pytest.mark.usefixtures("english")


def cache_control(response) -> str | None:
    return response.headers.get("Cache-Control")


def test_every_page_for_a_signed_in_user_is_not_stored(client, make, login):
    need = make.need()
    login(make.user(make.supplier()))

    for path in ("/", "/dashboard", f"/needs/{need.id}", "/organisations", "/api/needs", "/notifications"):
        response = client.get(path)
        assert cache_control(response) == "no-store", path


@pytest.mark.parametrize(
    "path", ["/login", "/register", "/password/forgot", "/password/reset/x", "/invitations/x"]
)
def test_the_forms_for_passwords_and_links_are_not_stored(client, path):
    assert cache_control(client.get(path)) == "no-store"


def test_the_answer_to_a_sign_in_is_not_stored(client, make):
    user = make.user(make.supplier())

    response = client.post("/login", data={"email": user.email, "password": PASSWORD})

    assert cache_control(response) == "no-store"


def test_public_pages_for_visitors_keep_their_caching(client, make):
    need = make.need()

    for path in ("/", "/about", f"/needs/{need.id}", "/api/needs"):
        assert cache_control(client.get(path)) is None, path
    static = client.get("/static/css/site.css")
    assert "no-store" not in (cache_control(static) or "")
    static.close()
