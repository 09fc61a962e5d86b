"""The site comes up in a real browser: the home page renders in bokmål with a heading."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def test_home_page_renders_in_norwegian(page: Page) -> None:
    response = page.goto("/")

    assert response is not None
    assert response.status == 200
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.locator("h1").first).to_have_text(re.compile(r"\S"))
