"""Coordination in Chromium: a body invites a peer from its need page, the peer accepts, both see the
group and its discussion, and an anonymous visitor sees the group but not the discussion."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from network.services.needs import NeedDraft
from tests.e2e.helpers import login, open_need

# Two bodies with the same challenge: falls at night in nursing homes.
OSLO = ("Oslo kommune", "oslo@example.no", "0301")
BERGEN = ("Bergen kommune", "bergen@example.no", "4601")
OSLO_NEED = NeedDraft(
    title="Digitalt tilsyn om natten på sykehjem",
    description=(
        "Nattevaktene på sykehjemmet oppdager fall for sent. Vi trenger sensorer og programvare som "
        "varsler nattevakten når en beboer faller."
    ),
    domain="health",
    cpv=("48000000",),
    kommuner=("0301",),
)
BERGEN_NEED = NeedDraft(
    title="Varsling ved fall på sykehjem om natten",
    description=(
        "Sykehjemmene våre trenger sensorer og programvare som varsler nattevakter når beboere faller."
    ),
    domain="health",
    cpv=("48000000",),
    kommuner=("4601",),
)
MESSAGE = "Bergen er med. Skal vi holde én felles markedsdialog i mars?"


def _seed(seed) -> tuple[int, int]:
    for name, email, kommune in (OSLO, BERGEN):
        seed.organisation("public_body", name, email, kommune=kommune)
    return seed.need(OSLO[1], OSLO_NEED), seed.need(BERGEN[1], BERGEN_NEED)


def test_invite_a_peer_accept_and_both_see_the_group(page: Page, another_page, seed) -> None:
    oslo_need, bergen_need = _seed(seed)

    # Oslo invites Bergen with one click on its need's peers panel.
    login(page, OSLO[1])
    open_need(page, f"/needs/{oslo_need}")
    peer = page.locator(
        "form.invite-peer", has=page.locator(f'input[name=peer_need_id][value="{bergen_need}"]')
    )
    peer.get_by_role("button").click()
    expect(page.locator(".flash-success")).to_contain_text(BERGEN[0])
    expect(page.locator(".peer-invited")).to_be_visible()
    expect(page.locator("form.invite-peer")).to_have_count(0)
    group_link = page.locator("#need-group a")
    expect(group_link).to_have_text(OSLO_NEED.title)
    group_path = group_link.get_attribute("href")
    assert group_path is not None
    assert re.fullmatch(r"/coordination-groups/\d+", group_path), group_path

    # Bergen, at another computer, accepts on the group's page and writes in the discussion.
    bergen = another_page()
    login(bergen, BERGEN[1])
    bergen.goto(group_path)
    expect(bergen.locator("#discussion")).to_have_count(0)
    bergen.locator('#invitation button[value="accept"]').click()
    expect(bergen.locator(".flash-success")).to_be_visible()
    expect(bergen.locator("#group-members li")).to_have_count(2)
    expect(bergen.locator("#group-needs li")).to_have_count(2)
    bergen.locator("#post-form textarea[name=text]").fill(MESSAGE)
    bergen.locator("#post-form button[type=submit]").click()
    expect(bergen.locator("#discussion .post")).to_contain_text(MESSAGE)

    # Oslo sees both members, both needs and Bergen's message.
    page.goto(group_path)
    expect(page.locator("#group-members li")).to_have_count(2)
    expect(page.locator("#group-members")).to_contain_text(BERGEN[0])
    expect(page.locator("#group-members")).to_contain_text(OSLO[0])
    expect(page.locator("#group-needs")).to_contain_text(BERGEN_NEED.title)
    expect(page.locator("#discussion .post")).to_contain_text(MESSAGE)
    # Bergen's need page now names the group.
    open_need(page, f"/needs/{bergen_need}")
    expect(page.locator("#need-group a")).to_have_attribute("href", group_path)

    # An anonymous visitor sees the group, its members and needs, but not the discussion.
    visitor = another_page()
    visitor.goto(group_path)
    expect(visitor.locator("h1")).to_have_text(OSLO_NEED.title)
    expect(visitor.locator("#group-members li")).to_have_count(2)
    expect(visitor.locator("#group-needs li")).to_have_count(2)
    expect(visitor.locator("#discussion")).to_have_count(0)
    expect(visitor.locator("main")).not_to_contain_text(MESSAGE)
    visitor.goto("/coordination-groups")
    expect(visitor.locator("#groups a", has_text=OSLO_NEED.title)).to_have_attribute("href", group_path)
