"""Sessions in Chromium over plain http://127.0.0.1: the Secure __Host- cookie works, a copy of it stops
working at logout, and "sign out everywhere else" signs the other browser out."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.helpers import login, logout

BODY = ("Oslo kommune", "oslo@example.no")


def test_a_copied_cookie_works_until_logout_and_not_after(page: Page, seed, another_page) -> None:
    seed.organisation("public_body", *BODY, kommune="0301")
    login(page, BODY[1])
    cookies = page.context.cookies()
    (session,) = [c for c in cookies if c["name"] == "__Host-session"]
    assert session["secure"]
    assert session["httpOnly"]
    assert session["sameSite"] == "Lax"
    assert session["path"] == "/"

    thief = another_page()
    thief.context.add_cookies(cookies)
    thief.goto("/needs/mine")
    expect(thief).to_have_url(re.compile(r"/needs/mine$"))

    logout(page)
    thief.goto("/needs/mine")
    expect(thief).to_have_url(re.compile(r"/login\?next="))


def test_sign_out_everywhere_else_signs_the_other_browser_out(page: Page, seed, another_page) -> None:
    seed.organisation("public_body", *BODY, kommune="0301")
    other = another_page()
    login(other, BODY[1])
    login(page, BODY[1])

    page.goto("/account/sessions")
    rows = page.locator("table.sessions tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.filter(has_text="Denne nettleseren")).to_have_count(1)
    page.get_by_role("link", name="Logg ut alle andre steder").click()
    page.get_by_role("button", name="Logg ut alle andre steder").click()
    expect(page.locator(".flash")).to_contain_text("1 annen økt er avsluttet")
    expect(rows).to_have_count(1)

    other.goto("/needs/mine")
    expect(other).to_have_url(re.compile(r"/login\?next="))
