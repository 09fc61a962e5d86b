"""Language through the running site: no Norwegian words left in English labels, the JSON API in the
language of Accept-Language, pages in bokmål unless the visitor chooses."""

from __future__ import annotations

import pytest

from tests.helpers import text


def _english(client):
    with client.session_transaction() as session:
        session["lang"] = "en"


# -- English leftovers ----------------------------------------------------------------------------


def test_need_facts_and_form_labels_are_english_on_english_pages(client, make, login):
    body = make.public_body(kommune="0301")
    need = make.need(body, kommuner=["0301"], fylker=["03"])
    _english(client)
    page = text(client.get(f"/needs/{need.id}"))
    assert "<dt>Municipalities</dt>" in page
    assert "<dt>Counties</dt>" in page
    assert "Kommuner" not in page
    assert "Fylker" not in page
    login(make.user(body))
    _english(client)
    form = text(client.get("/needs/new"))
    assert "Municipalities concerned" in form
    assert "Counties concerned" in form
    assert "Kommuner concerned" not in form
    assert "Fylker concerned" not in form
    assert "your own municipality" in form


def test_the_same_labels_stay_norwegian_in_bokmal(client, make):
    need = make.need(make.public_body(kommune="0301"), kommuner=["0301"], fylker=["03"])
    page = text(client.get(f"/needs/{need.id}"))
    assert "<dt>Kommuner</dt>" in page
    assert "<dt>Fylker</dt>" in page


def test_search_facet_for_counties_is_english(client, make, index):
    make.need(make.public_body(kommune="0301"), fylker=["03"], title="Fallvarsling for eldre")
    _english(client)
    page = text(client.get("/search?q=fallvarsling"))
    assert "<legend>County</legend>" in page
    assert "<legend>Fylke</legend>" not in page


# -- the API follows Accept-Language ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "expected", "language"),
    [
        ("en", "page must be a whole number", "en"),
        ("en-GB,en;q=0.9", "page must be a whole number", "en"),
        ("nn-NO", "page må vere", "nn"),
        ("nb", "page må være", "nb"),
        ("no", "page må være", "nb"),
        ("de-DE", "page må være", "nb"),
        ("", "page må være", "nb"),
    ],
)
def test_api_errors_follow_accept_language(client, header, expected, language):
    headers = {"Accept-Language": header} if header else {}
    response = client.get("/api/needs?page=abc", headers=headers)
    assert response.status_code == 400
    assert expected in response.get_json()["error"]
    assert response.headers["Content-Language"] == language
    assert "Accept-Language" in response.headers["Vary"]


def test_api_labels_follow_accept_language(client):
    english = client.get("/api/cpv?q=33191000&limit=1", headers={"Accept-Language": "en"}).get_json()
    norwegian = client.get("/api/cpv?q=33191000&limit=1", headers={"Accept-Language": "nb"}).get_json()
    assert english["items"][0]["code"] == norwegian["items"][0]["code"] == "33191000"
    assert english["items"][0]["label"] != norwegian["items"][0]["label"]
    assert "sterilisasjon" in norwegian["items"][0]["label"]


def test_api_header_wins_over_the_page_language(client):
    _english(client)
    response = client.get("/api/needs?page=abc", headers={"Accept-Language": "nb"})
    assert "page må være" in response.get_json()["error"]


def test_pages_stay_in_bokmal_whatever_the_browser_asks(client):
    page = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert '<html lang="nb">' in text(page)
    assert "Logg inn" in text(page)
