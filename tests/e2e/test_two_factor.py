"""Two-factor sign-in in Chromium: a new site administrator is sent to set it up, reads the key from the
page as an authenticator app would, keeps the recovery codes, and signs in with a code from then on."""

from __future__ import annotations

import re
import time

import pyotp
from playwright.sync_api import Page, expect

from network.extensions import db
from network.services.accounts import create_site_admin
from tests.e2e.helpers import logout, logout_button, submit_form, switch_to_english
from tests.factories import PASSWORD


def _next_step_code(secret: str) -> str:
    # The code of the next time step: the one just used to turn it on is never accepted twice.
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + totp.interval)


def test_a_site_administrator_sets_up_two_factor_sign_in_and_then_needs_the_code(
    page: Page, live_server
) -> None:
    with live_server.app.app_context():
        create_site_admin("ny.admin@example.no", "Ny Admin", PASSWORD)
        db.session.remove()
    page.goto("/")
    switch_to_english(page)
    page.goto("/login")
    page.locator("#email").fill("ny.admin@example.no")
    page.locator("#password").fill(PASSWORD)
    submit_form(page, "/login")

    # Before anything else: the set-up, with the QR code and the same key as text.
    expect(page).to_have_url(re.compile(r"/account/two-factor$"))
    page.goto("/admin/organisations")
    expect(page).to_have_url(re.compile(r"/account/two-factor$"))
    expect(page.locator("figure.qr svg title")).to_have_text("QR code for your app")
    secret = page.locator("code.secret").inner_text().replace(" ", "")
    page.locator("#code").fill(pyotp.TOTP(secret).now())
    submit_form(page, "/account/two-factor")

    codes = page.locator("ol.recovery-codes code")
    expect(codes).to_have_count(10)
    page.get_by_role("link", name="I have saved them").click()
    expect(page.locator("main")).to_contain_text("You have 10 unused recovery codes.")
    page.goto("/admin/organisations")
    expect(page).to_have_url(re.compile(r"/admin/organisations$"))
    logout(page)

    page.goto("/login")
    page.locator("#email").fill("ny.admin@example.no")
    page.locator("#password").fill(PASSWORD)
    submit_form(page, "/login")
    expect(page).to_have_url(re.compile(r"/login/code$"))
    expect(logout_button(page)).to_have_count(0)
    page.locator("#code").fill(_next_step_code(secret))
    submit_form(page, "/login/code")
    expect(logout_button(page)).to_be_visible()
