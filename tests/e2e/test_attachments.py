"""Attachments and the Doffin page in Chromium: the body attaches a PDF on the need page, a visitor
downloads it as a file; a renamed web page is refused; the announcement's copy button works."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from network.services.needs import NeedDraft
from tests.e2e.helpers import login, open_need, switch_to_english

BODY = ("Oslo kommune", "oslo@example.no")
NEED = NeedDraft(
    title="Digitalt tilsyn om natten på sykehjem",
    description="Nattevaktene oppdager fall for sent. Vi trenger varsling når en beboer faller om natten.",
    domain="health",
    # With a CPV code the need page needs no CPV suggestions (slow to build the first time).
    cpv=("48000000",),
    kommuner=("0301",),
)
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


def test_the_body_attaches_a_pdf_that_a_visitor_downloads(page: Page, seed, another_page, tmp_path) -> None:
    seed.organisation("public_body", BODY[0], BODY[1], kommune="0301")
    need_path = f"/needs/{seed.need(BODY[1], NEED)}"
    login(page, BODY[1])
    switch_to_english(page)
    open_need(page, need_path)

    # A web page renamed to .pdf is refused, with the reason next to the field.
    page.locator("#attachments-file").set_input_files(
        {"name": "Rapport.pdf", "mimeType": "application/pdf", "buffer": b"<html><script>x</script></html>"}
    )
    page.locator("#attachments button[type=submit]").click()
    expect(page.locator("#file-error")).to_contain_text("is not what its name")

    open_need(page, need_path)
    page.locator("#attachments-file").set_input_files(
        {"name": "Kravspesifikasjon.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.locator("#attachments button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{need_path}#attachments$"))
    expect(page.locator("#attachments .attachment-list")).to_contain_text("Kravspesifikasjon.pdf")

    visitor = another_page()
    open_need(visitor, need_path)
    link = visitor.locator("#attachments a", has_text="Kravspesifikasjon.pdf")
    expect(visitor.locator("#attachments form")).to_have_count(0)
    with visitor.expect_download() as info:
        link.click()
    download = info.value
    assert download.suggested_filename == "Kravspesifikasjon.pdf"
    target = tmp_path / "downloaded.pdf"
    download.save_as(target)
    assert target.read_bytes() == PDF


def test_the_announcement_text_is_copied_with_the_button(page: Page, seed, context) -> None:
    seed.organisation("public_body", BODY[0], BODY[1], kommune="0301")
    need_path = f"/needs/{seed.need(BODY[1], NEED)}"
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    login(page, BODY[1])
    page.goto(f"{need_path}/doffin")
    text = page.locator("#doffin-text")
    expect(text).to_contain_text("Markedsdialog: Digitalt tilsyn om natten på sykehjem")
    button = page.locator("button[data-copy=doffin-text]")
    expect(button).to_be_visible()
    button.click()
    expect(page.locator(".copy-status")).to_have_text("Kopiert.")
