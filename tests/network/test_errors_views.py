"""Error pages, and odd input that must never give a server error, through the test client."""

from __future__ import annotations

import warnings

import pytest

from network.models import Stage
from network.services import responses as responses_service
from tests.helpers import capability_form, need_form, registration, text

TUPLE_CHOICES = "Passing SelectField choices as tuples is deprecated"

pytestmark = pytest.mark.usefixtures("english")


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/needs/999999",
        "/needs/999999/edit",
        "/capabilities/999999",
        "/organisations/999999",
        "/this/does/not/exist",
        "/needs/abc",
        "/static/no-such-file.css",
    ],
)
def test_unknown_pages_are_html_404s(login, client, make, url):
    login(make.user(make.public_body()))

    response = client.get(url)

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<html" in text(response)
    assert "Error code 404." in text(response)


def test_a_wrong_method_is_an_html_405(client):
    response = client.get("/logout")

    assert response.status_code == 405
    assert response.mimetype == "text/html"


def test_forms_with_fixed_choices_build_without_warnings(client):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=TUPLE_CHOICES, category=DeprecationWarning)
        for path in ("/register", "/login"):
            assert client.get(path).status_code == 200


# -- nothing a user sends gives a server error ------------------------------------------------


@pytest.fixture
def no_propagation(app):
    """Let errors become responses, so a 500 is a status to assert rather than an exception."""
    app.config["PROPAGATE_EXCEPTIONS"] = False


ODD_GETS = [
    "/needs?page=-1",
    "/needs?page=abc",
    "/needs?page=0",
    "/needs?page=99999999999999999999",
    "/needs?stage=bogus&domain=bogus",
    "/needs?stage=draft",
    "/organisations?page=abc&kind=bogus",
    "/search?page=-1",
    "/search?page=abc",
    "/search?q=" + "fall " * 2000,
    "/search?stage=bogus&kind=bogus",
    "/search?domain=x&fylke=99&cpv=zz&order=bogus",
    "/search?q=%00%ff",
    "/search?q=(AND OR NOT*",
    "/search?q=*",
    "/search?q=title:x",
    "/needs/similar?exclude=abc&cpv=abc,12&domain=bogus",
    "/needs/similar?title=" + "a" * 9000,
    "/needs/similar?cpv=" + "4" * 5000,
    "/login?next=%00",
    "/register?kind=bogus",
    "/needs?page=١",
    "/needs/similar?title=fall&exclude=٣",
]
SUPERSCRIPT_PAGES = [
    "/needs?page=²",
    "/search?page=²",
    "/organisations?page=²",
    "/needs/similar?title=fall&exclude=²",
]


@pytest.mark.usefixtures("no_propagation")
def test_odd_query_values_never_give_a_server_error(login, client, make, body, body_admin):
    make.need(body)
    login(body_admin)

    failures = [f"{url[:60]}: {status}" for url in ODD_GETS if (status := client.get(url).status_code) >= 500]

    assert failures == []


@pytest.mark.usefixtures("no_propagation")
@pytest.mark.parametrize("url", SUPERSCRIPT_PAGES)
def test_a_digit_that_is_not_decimal_is_no_server_error(login, client, body_admin, url):
    login(body_admin)

    assert client.get(url).status_code < 500


@pytest.mark.usefixtures("no_propagation")
def test_odd_form_values_never_give_a_server_error(login, client, make, body, body_admin, supplier_user):
    need = make.need(body)
    draft = make.need(body, stage=Stage.DRAFT)
    saved = responses_service.submit_response(
        supplier_user, need, responses_service.ResponseDraft(message="Vi kan hjelpe.")
    )
    login(body_admin)
    posts = [
        ("/needs/new", need_form(budget_min="1" * 30)),
        ("/needs/new", need_form(budget_min="-5", budget_max="1e9")),
        ("/needs/new", need_form(deadline="2030-13-45")),
        ("/needs/new", need_form(domain="bogus", route="bogus")),
        ("/needs/new", need_form(kommuner=["9999", ""], fylker=["99"])),
        ("/needs/new", need_form(cpv="abc, 1, 123456789012")),
        ("/needs/new", need_form(title="x" * 100_000, description="y" * 100_000)),
        ("/needs/new", need_form(title="nul\x00tegn")),
        (f"/needs/{draft.id}/edit", need_form(kommuner=["abc"])),
        (f"/needs/{need.id}/stage", {"stage": "bogus", "doffin_ref": "x" * 500}),
        (f"/needs/{need.id}/stage", {}),
        (f"/needs/responses/{saved.id}/status", {"status": ""}),
        (f"/needs/{need.id}/publish", {}),
        (f"/organisations/{body.id}/edit", {"name": "x", "kommune": "bogus", "sector": "bogus"}),
        (f"/organisations/{body.id}/edit", {"name": "x", "org_number": "12 345 678 9"}),
        ("/organisations/members", {"email": "not an address"}),
        ("/language", {"lang": "x" * 1000, "next": "\x00"}),
        ("/capabilities/new", capability_form()),  # a body may not: 403, not 500
    ]
    failures = []
    for url, data in posts:
        response = client.post(url, data=data)
        if response.status_code >= 500:
            failures.append(f"{url} {sorted(data)}: {response.status_code}")
    client.post("/logout")
    for url, data in [
        ("/login", {"email": "x" * 10_000, "password": "y"}),
        ("/register", registration(kind="bogus", country="Norge", kommune="abc")),
        ("/register", registration(org_number="12345678901")),
        ("/invitations/x", {"name": "x", "password": "y"}),
    ]:
        response = client.post(url, data=data)
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")

    assert failures == []


@pytest.mark.parametrize("path", ["/needs/2147483648", "/api/needs/99999999999", "/organisations/2147483648"])
def test_an_id_beyond_the_databases_range_is_missing_not_an_error(client, path):
    # PostgreSQL's INTEGER ids end at 2**31 - 1; a larger number must not reach the database.
    assert client.get(path).status_code == 404


def test_parse_id_takes_only_ids_in_range():
    from network.views.forms_util import MAX_ID, parse_id

    assert parse_id("42") == 42
    assert parse_id(f" {MAX_ID} ") == MAX_ID
    assert [parse_id(raw) for raw in ("0", str(MAX_ID + 1), "-1", "1e3", "", None, "٣")] == [None] * 7
