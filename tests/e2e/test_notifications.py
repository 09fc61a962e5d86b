"""Notifications in Chromium: follow a need, the body moves it on, the follower sees it in the inbox."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from network.services.needs import NeedDraft
from tests.e2e.helpers import login, open_need

NEED = NeedDraft(
    title="Digitalt tilsyn om natten på sykehjem",
    description="Nattevaktene oppdager fall for sent. Vi trenger sensorer som varsler nattevakten.",
    domain="health",
    cpv=("48000000",),
    kommuner=("0301",),
)
BODY_EMAIL = "oslo@example.no"
SUPPLIER_EMAIL = "acme@example.no"


def test_a_follower_sees_the_stage_change_in_the_inbox(page: Page, another_page, seed) -> None:
    seed.organisation("public_body", "Oslo kommune", BODY_EMAIL)
    need_id = seed.need(BODY_EMAIL, NEED)
    seed.organisation("supplier", "Acme AS", SUPPLIER_EMAIL)
    path = f"/needs/{need_id}"

    # The supplier follows the need from its page.
    login(page, SUPPLIER_EMAIL)
    open_need(page, path)
    unread = page.locator("header .unread-count")
    expect(unread).to_have_count(0)
    page.locator(f'form[action="/notifications/follows/{need_id}"] button').click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(f'form[action="/notifications/follows/{need_id}/delete"] button')).to_be_visible()

    # At another computer, the public body closes the dialogue.
    body = another_page()
    login(body, BODY_EMAIL)
    open_need(body, path)
    # Its only unread notice so far: that the site verified it.
    body_unread = body.locator("header .unread-count")
    expect(body_unread).to_have_text(re.compile(r"^1\b"))
    body.locator("#stage").select_option("dialogue_closed")
    body.locator("form.stage-form button[type=submit]").click()
    expect(body.locator(".flash-success")).to_be_visible()
    # The one who acted is not told about their own change.
    expect(body_unread).to_have_text(re.compile(r"^1\b"))

    # The follower's header counts the unread notice; the inbox shows it.
    page.reload()
    expect(unread).to_have_text(re.compile(r"^1\b"))
    page.locator("header a.inbox-link").click()
    expect(page).to_have_url(re.compile(r"/notifications$"))
    expect(page.locator("h1")).to_be_visible()
    notice = page.locator("li.notice-item.unread")
    expect(notice).to_have_count(1)
    expect(notice).to_contain_text(NEED.title)
    expect(notice).to_contain_text("Dialogen er avsluttet")
    expect(page.locator("#following")).to_contain_text(NEED.title)

    # Opening it leads to the need and marks it read.
    notice.get_by_role("link").click()
    expect(page).to_have_url(re.compile(rf"{path}$"))
    expect(unread).to_have_count(0)
    page.goto("/notifications")
    expect(page.locator("li.notice-item")).to_have_count(1)
    expect(page.locator("li.notice-item.unread")).to_have_count(0)


def test_a_user_saves_a_search_and_deletes_it_again(page: Page, seed) -> None:
    seed.organisation("supplier", "Acme AS", SUPPLIER_EMAIL)
    login(page, SUPPLIER_EMAIL)
    page.goto("/search?q=sensorer&domain=health")
    name = page.locator("#saved-search-name")
    expect(name).to_have_value("sensorer")
    name.fill("Sensorer i helse")
    page.locator('form[action="/notifications/searches"] button[type=submit]').click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/search\?.*q=sensorer"))

    page.goto("/notifications")
    searches = page.locator("#saved-searches")
    saved = searches.get_by_role("link", name="Sensorer i helse", exact=True)
    expect(saved).to_have_attribute("href", re.compile(r"domain=health"))
    searches.locator('a[href$="/delete"]').click()
    page.locator("main form.actions button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(
        page.locator("#saved-searches").get_by_role("link", name="Sensorer i helse", exact=True)
    ).to_have_count(0)
