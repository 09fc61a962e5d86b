"""The search page through the test client."""

from __future__ import annotations

import re

import pytest

from network.models import Stage
from tests.helpers import HEALTH_TEXT, text

pytestmark = pytest.mark.usefixtures("english")


# -- search -----------------------------------------------------------------------------------


@pytest.fixture
def searchable(make, body, supplier):
    return {
        "open": make.need(
            body, domain="health", title="Fallforebygging for hjemmeboende", description=HEALTH_TEXT
        ),
        "closed": make.need(
            body,
            domain="health",
            stage=Stage.DIALOGUE_CLOSED,
            title="Fallforebygging på sykehjem",
            description=HEALTH_TEXT,
        ),
        "climate": make.need(
            body,
            domain="climate",
            title="Fallvind og klimatilpasning",
            description="Kraftig vind og fallende trær på veiene.",
        ),
        "draft": make.need(
            body, stage=Stage.DRAFT, title="Fallforebygging i utkast", description=HEALTH_TEXT
        ),
        "cap": make.capability(supplier, title="Fallforebygging med sensorer", description=HEALTH_TEXT),
    }


def result_links(page: str) -> list[str]:
    section = page[page.index('id="h-results"') :]
    return re.findall(r'<h3><a href="(/[a-z]+/\d+)"', section)


def test_search_finds_needs_capabilities_and_organisations(client, searchable, body):
    response = client.get("/search", query_string={"q": "fallforebygging"})

    page = text(response)
    links = result_links(page)
    assert response.status_code == 200
    assert f"/needs/{searchable['open'].id}" in links
    assert f"/needs/{searchable['closed'].id}" in links
    assert f"/capabilities/{searchable['cap'].id}" in links
    assert f"/needs/{searchable['draft'].id}" not in links
    assert "<mark" in page
    assert f"/organisations/{body.id}" in result_links(text(client.get("/search?q=Eierkommune")))


@pytest.mark.parametrize(
    ("facets", "expected"),
    [
        ({"kind": "capability"}, ["cap"]),
        ({"kind": "need", "stage": "dialogue_closed"}, ["closed"]),
        ({"kind": "need", "domain": "health", "stage": "open"}, ["open"]),
    ],
)
def test_search_facets_narrow_the_results(client, searchable, facets, expected):
    response = client.get("/search", query_string={"q": "fallforebygging", **facets})

    page = text(response)
    assert response.status_code == 200
    assert sorted(result_links(page)) == sorted(
        f"/{'capabilities' if key == 'cap' else 'needs'}/{searchable[key].id}" for key in expected
    )
    for name, value in facets.items():
        assert re.search(rf'name="{name}" value="{value}" checked', page)


def test_search_by_date_puts_the_newest_first(client, make, body):
    older = make.need(body, title="Lading av elbiler", description="Lading av elbiler. Lading om natten.")
    newer = make.need(body, title="Parkering i sentrum", description="Parkering, og noe lading.")

    def order(**extra):
        query = {"q": "lading", "kind": "need", **extra}
        return result_links(text(client.get("/search", query_string=query)))

    assert order() == [f"/needs/{older.id}", f"/needs/{newer.id}"]  # the better match first ...
    assert order(order="date") == [f"/needs/{newer.id}", f"/needs/{older.id}"]  # ... or the newest
    assert 'value="date" selected' in text(client.get("/search?q=lading&order=date"))


def test_an_empty_search_lists_published_content(client, searchable):
    response = client.get("/search")

    links = result_links(text(response))
    assert response.status_code == 200
    assert f"/needs/{searchable['open'].id}" in links
    assert f"/needs/{searchable['draft'].id}" not in links


def test_a_search_without_hits_says_so(client, searchable):
    response = client.get("/search", query_string={"q": "kvantedatamaskin"})

    assert response.status_code == 200
    assert "Nothing matched “kvantedatamaskin”." in text(response)


def test_a_page_beyond_the_end_shows_the_empty_state(client, searchable):
    response = client.get("/search", query_string={"q": "fallforebygging", "page": "99"})

    assert response.status_code == 200
    assert result_links(text(response)) == []
    assert 'class="empty"' in text(response)


def test_search_highlights_do_not_let_html_through(client, make, body):
    make.need(
        body,
        title="<script>alert('x')</script> Fallforebygging",
        description="<img src=x onerror=alert(1)> fallforebygging hjemme",
    )

    page = text(client.get("/search?q=fallforebygging"))

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;" in page
