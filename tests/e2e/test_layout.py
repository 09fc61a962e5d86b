"""A phone-sized screen in Chromium: the header stays one short row with its menu behind a button that
works without script and with the keyboard; list and search filters apply as soon as they change."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from network.services.needs import NeedDraft
from tests.e2e.conftest import TIMEOUT_MS, LiveServer

PHONE = {"width": 375, "height": 740}
# The aim: the header took about 225 px at 375 px; one row of brand and menu button fits 80.
HEADER_MAX = 80


def _header_height(page: Page) -> float:
    return page.evaluate("document.querySelector('header.site-header').getBoundingClientRect().height")


def _check_menu(page: Page) -> None:
    assert _header_height(page) <= HEADER_MAX, _header_height(page)
    menu_button = page.locator("header summary.menu-button")
    nav = page.get_by_role("navigation", name="Hovedmeny")
    expect(menu_button).to_be_visible()
    expect(nav.get_by_role("link", name="Søk")).to_be_hidden()
    # Keyboard: Tab past the skip link and the brand to the button, Enter opens the menu.
    menu_button.focus()
    page.keyboard.press("Enter")
    expect(nav.get_by_role("link", name="Søk")).to_be_visible()
    expect(page.locator('form.lang-switch button[lang="en"]')).to_be_visible()
    # Opened, the menu lies over the page: the header itself keeps its height.
    assert _header_height(page) <= HEADER_MAX
    nav.get_by_role("link", name="Søk").click()
    expect(page).to_have_url(re.compile(r"/search$"))
    expect(page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Søk")).to_be_hidden()
    # Enter again closes an opened menu.
    page.locator("header summary.menu-button").click()
    page.keyboard.press("Enter")
    expect(page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Søk")).to_be_hidden()


def test_header_at_375_px_is_short_with_the_menu_behind_a_button(page: Page) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/")
    _check_menu(page)


def test_the_folded_menu_works_without_script(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(
        base_url=live_server.url, locale="nb-NO", java_script_enabled=False, viewport=PHONE
    )
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto("/")
        _check_menu(page)
    finally:
        context.close()


def test_the_menu_is_always_shown_on_a_wide_screen(page: Page) -> None:
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/")
    expect(page.locator("header summary.menu-button")).to_be_hidden()
    expect(page.get_by_role("navigation", name="Hovedmeny").get_by_role("link", name="Søk")).to_be_visible()
    assert _header_height(page) <= HEADER_MAX


@pytest.fixture
def two_needs(seed) -> None:
    seed.organisation("public_body", "Oslo kommune", "oslo@example.no")
    seed.need(
        "oslo@example.no",
        NeedDraft(
            title="Sensorer for fallvarsling", description="Fall hos eldre som bor hjemme.", domain="health"
        ),
    )
    seed.need(
        "oslo@example.no",
        NeedDraft(
            title="Klimavennlig skolemat", description="Fall i utslipp fra transport.", domain="climate"
        ),
    )


def test_list_filters_apply_on_change(page: Page, two_needs) -> None:
    page.goto("/needs")
    expect(page.locator(".card")).to_have_count(2)
    # With script the button is not needed; a hint says beforehand that a change reloads the list.
    expect(page.locator("form.filters button[type=submit]")).to_be_hidden()
    expect(page.locator("form.filters .auto-submit-hint")).to_be_visible()
    page.locator("#f-domain").select_option("health")
    expect(page).to_have_url(re.compile(r"domain=health"))
    expect(page.locator(".card")).to_have_count(1)
    expect(page.locator(".card h3")).to_have_text("Sensorer for fallvarsling")
    # The keyboard user carries on from the filter they changed.
    expect(page.locator("#f-domain")).to_be_focused()


def test_search_filters_apply_on_change(page: Page, two_needs) -> None:
    page.goto("/search?q=fall")
    expect(page.locator("ol.results > li")).to_have_count(2)
    expect(page.get_by_role("button", name="Bruk filtrene")).to_be_hidden()
    page.locator('input[name=domain][value="climate"]').check()
    expect(page).to_have_url(re.compile(r"domain=climate"))
    expect(page.locator("ol.results > li")).to_have_count(1)
    expect(page.locator('input[name=domain][value="climate"]')).to_be_checked()
    expect(page.locator("#q")).to_have_value("fall")


def test_filters_without_script_keep_their_button(
    browser: Browser, live_server: LiveServer, two_needs
) -> None:
    context = browser.new_context(base_url=live_server.url, locale="nb-NO", java_script_enabled=False)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        page = context.new_page()
        page.goto("/needs")
        page.locator("#f-domain").select_option("health")
        expect(page).not_to_have_url(re.compile(r"domain="))
        page.locator("form.filters button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"domain=health"))
        expect(page.locator(".card")).to_have_count(1)
    finally:
        context.close()
