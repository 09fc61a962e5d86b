"""The demo's first impression in Chromium: three needs a visitor meets show match lists a procurement
officer would accept, each list saying how many strong matches it has, or honestly that it has none."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import Page, expect

from network.demo import demo_records
from network.extensions import db
from network.indexing import get_index
from network.models import Need
from network.services.imports import import_records
from network.services.matching import warm_need_lists

ENERGY = "doffin-2022-372903"
INCONTINENCE = "doffin-2022-360938"
ALTINN = "doffin-2022-326891"
# Words of every notice: never evidence that two needs share a subject (search/data/boilerplate.txt).
BOILERPLATE = re.compile(
    r"\b(rammeavtale\w*|innen|tjenester|kjøp|anskaffelse\w*|levering|via)\b", re.IGNORECASE
)
SUPPLIER_COUNT = re.compile(r"^(\d+) sterke? treff\.$")
PEER_COUNT = re.compile(r"^(\d+) (annen virksomhet har|andre virksomheter har) denne utfordringen\.$")


@pytest.fixture
def demo(live_server) -> dict[str, int]:
    """The demo content in the live site, with its need pages' lists kept ready, as `make run` does."""
    with live_server.app.app_context():
        index = get_index(live_server.app)
        import_records(demo_records(), index)
        warm_need_lists(index)
        query = sa.select(Need.key, Need.id).where(Need.key.in_([ENERGY, INCONTINENCE, ALTINN]))
        ids = dict(db.session.execute(query).all())
        db.session.remove()
    return ids


def _list_says_what_it_holds(page: Page, panel: str, count: re.Pattern, empty: str) -> list[str]:
    """The panel's count matches its items, or it has none and says so. Returns the items' text."""
    section = page.locator(f"section#{panel}")
    items = section.locator("ol.match-list > li")
    if items.count():
        said = count.match(section.locator("p.match-count").inner_text().strip())
        assert said, section.locator("p.match-count").inner_text()
        if panel == "suppliers":
            assert int(said.group(1)) == items.count()
    else:
        expect(section.locator("p.empty")).to_contain_text(empty)
    shown = [items.nth(i).inner_text() for i in range(items.count())]
    for text in shown:
        for line in text.splitlines():
            if line.startswith("Felles ord:"):
                assert not BOILERPLATE.search(line), line
    return shown


def _walk(page: Page, need_id: int) -> tuple[list[str], list[str]]:
    page.goto(f"/needs/{need_id}")
    suppliers = _list_says_what_it_holds(
        page, "suppliers", SUPPLIER_COUNT, "Ingen registrert leverandør passer sterkt til dette behovet ennå."
    )
    peers = _list_says_what_it_holds(
        page, "peers", PEER_COUNT, "Ingen annen offentlig virksomhet har publisert denne utfordringen ennå."
    )
    return suppliers, peers


def test_the_demo_needs_show_lists_an_officer_would_accept(page: Page, live_server, demo) -> None:
    # Energy management in municipal buildings: the energy-management firm first, by shared words and
    # the need's own CPV code.
    suppliers, _ = _walk(page, demo[ENERGY])
    assert suppliers[0].startswith("Tangen Energiledelse AS")
    assert "Samme CPV-kode: 71314300" in suppliers[0]
    assert "Energiledelse" in suppliers[0]

    # Incontinence products: suppliers of incontinence products, and no body with the same challenge yet
    # (the empty state invites a visitor to follow the need).
    suppliers, peers = _walk(page, demo[INCONTINENCE])
    assert suppliers[0].startswith("Hedmarken Helseforsyning AS")
    assert "inkontinensutstyr" in suppliers[0]
    assert peers == []
    invitation = "og følg behovet for å få beskjed når det skjer."
    expect(page.locator("section#peers p.empty")).to_contain_text(invitation)

    # Help for users stuck in Altinn and ID-porten: a contact-centre platform, not "Ports of Jersey".
    suppliers, peers = _walk(page, demo[ALTINN])
    assert suppliers[0].startswith("Samtalebro AS")
    assert "brukerstøtte" in suppliers[0]
    expect(page.locator("body")).not_to_contain_text("Ports of Jersey")

    # The API gives the same lists, each match with its confidence.
    for key in (ENERGY, INCONTINENCE, ALTINN):
        page.goto(f"/needs/{demo[key]}")
        shown = page.locator("section#suppliers ol.match-list > li").count()
        answer = page.request.get(f"/api/needs/{demo[key]}/suppliers").json()
        assert len(answer["items"]) == shown
        assert all(item["confidence"] >= answer["min_confidence"] for item in answer["items"])
