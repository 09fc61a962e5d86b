"""Lists and search results: numbered pages with the total count, filters that can apply on change, and
the advice to join instead of publishing shown for drafts only."""

from __future__ import annotations

import re

from network.models import Stage
from tests.helpers import text


def _page_links(page: str) -> list[tuple[str, bool]]:
    numbers = re.search(r'<ul class="page-numbers">(.*?)</ul>', page, re.S)
    assert numbers, page
    return [
        (number, "aria-current" in attrs)
        for attrs, number in re.findall(r"<a ([^>]*)>\s*<span[^>]*>[^<]*</span>(\d+)</a>", numbers[1])
    ]


def test_search_results_show_numbered_pages_and_the_count(app, client, make):
    app.config["PER_PAGE"] = 2
    body = make.public_body()
    for n in range(11):
        make.need(body, title=f"Fallvarsling nummer {n}")

    page = text(client.get("/search", query_string={"q": "fallvarsling", "kind": "need", "page": 3}))

    assert "11 results" in page or "11 treff" in page
    # Pages 1 … 6: the first, the last and two either side of the current one.
    assert _page_links(page) == [
        ("1", False),
        ("2", False),
        ("3", True),
        ("4", False),
        ("5", False),
        ("6", False),
    ]
    assert 'href="/search?q=fallvarsling&amp;kind=need&amp;page=5"' in page
    assert "Side 3 av 6" in page


def test_long_lists_leave_a_gap_between_far_pages(app, client, make):
    app.config["PER_PAGE"] = 1
    body = make.public_body()
    for n in range(12):
        make.need(body, title=f"Behov {n}")

    page = text(client.get("/needs", query_string={"page": 6}))

    assert [n for n, _ in _page_links(page)] == ["1", "4", "5", "6", "7", "8", "12"]
    assert page.count('class="gap"') == 2
    assert "12 behov" in page


def test_filters_are_marked_to_apply_on_change_with_the_button_kept(client, make):
    make.need(make.public_body(), title="Fallvarsling")
    for path, button in (("/needs", "Vis"), ("/search?q=fall", "Bruk filtrene")):
        page = text(client.get(path))
        form = re.search(r"<form[^>]*data-auto-submit[^>]*>", page)
        assert form, path
        assert "data-auto-submit-hint=" in form[0]
        # Without script the button applies the filters.
        assert re.search(rf'<button type="submit"[^>]*data-filter-button>{button}</button>', page), path


def test_editing_a_published_need_gives_no_advice_to_join_instead_of_publishing(client, make, login):
    body = make.public_body()
    user = make.user(body)
    published = make.need(body, stage=Stage.OPEN)
    draft = make.need(body, stage=Stage.DRAFT, title="Et utkast")
    login(user)

    edit_published = text(client.get(f"/needs/{published.id}/edit"))
    edit_draft = text(client.get(f"/needs/{draft.id}/edit"))

    assert 'id="similar-needs"' not in edit_published
    assert "Lignende behov som allerede er publisert" not in edit_published
    assert 'id="similar-needs"' in edit_draft
    assert 'id="similar-needs"' in text(client.get("/needs/new"))
