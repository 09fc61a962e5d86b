"""Early market dialogue in Chromium: a question answered for everyone, and a meeting filled up."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from network.models import utcnow
from network.services.needs import NeedDraft
from tests.e2e.helpers import login, open_need, submit_form, switch_to_english

BODY = ("Oslo kommune", "oslo@example.no")
NEED = NeedDraft(
    title="Digitalt tilsyn om natten på sykehjem",
    description="Nattevaktene oppdager fall for sent. Vi trenger varsling når en beboer faller om natten.",
    domain="health",
    cpv=("48000000",),
    kommuner=("0301",),
)


def _seed_need(seed) -> str:
    name, email = BODY
    seed.organisation("public_body", name, email, kommune="0301")
    return f"/needs/{seed.need(email, NEED)}"


def _supplier(seed, name: str) -> str:
    email = f"post@{name.split()[0].lower()}.example.no"
    seed.organisation("supplier", name, email, kommune=None)
    return email


def test_a_question_answered_by_the_body_is_shown_to_everyone_without_the_asker(
    page: Page, seed, another_page
) -> None:
    need_path = _seed_need(seed)
    asker_email = _supplier(seed, "Trygg Natt AS")
    asked = "Vi i Trygg Natt AS har sensorer på Ullevål: kan dere bruke eksisterende sensorer?"
    reworded = "Kan eksisterende sensorer brukes?"
    answer = "Ja, så lenge de kan sende varsler over et åpent grensesnitt."

    # The supplier asks; until it is answered only it (and the body) sees the question.
    login(page, asker_email)
    switch_to_english(page)
    open_need(page, need_path)
    page.locator("#question-text").fill(asked)
    submit_form(page, "/questions")
    expect(page).to_have_url(re.compile(rf"{need_path}#questions$"))
    expect(page.locator("#own-questions")).to_contain_text(asked)
    expect(page.locator("#question-text")).to_have_value("")

    # The body sees who asked, rewords the question and answers it.
    body = another_page()
    login(body, BODY[1])
    switch_to_english(body)
    open_need(body, need_path)
    waiting = body.locator("#unanswered li", has_text=asked)
    expect(waiting).to_contain_text("Asked by Trygg Natt AS")
    waiting.locator("textarea[name$='-text']").fill(reworded)
    waiting.locator("textarea[name$='-answer']").fill(answer)
    waiting.locator("button[value=answer]").click()
    expect(body.locator(".flash-success")).to_be_visible()
    expect(body.locator("#unanswered .empty")).to_be_visible()
    expect(body.locator(".qa-list")).to_contain_text(reworded)

    # A visitor who is not logged in reads the answer, and nothing of who asked.
    visitor = another_page()
    open_need(visitor, need_path)
    public = visitor.locator(".qa-list li")
    expect(public).to_have_count(1)
    expect(public.locator(".question-text")).to_have_text(reworded)
    expect(public.locator(".answer-text")).to_have_text(answer)
    main = visitor.locator("main")
    for secret in ("Trygg Natt AS", asker_email, "Contact of Trygg Natt AS", "Ullevål"):
        expect(main).not_to_contain_text(secret)
    expect(visitor.locator("#question-text")).to_have_count(0)

    # The asker now finds the answer among the public ones.
    page.reload()
    expect(page.locator(".qa-list")).to_contain_text(answer)
    expect(page.locator("#own-questions")).to_have_count(0)


def test_suppliers_sign_up_for_a_meeting_until_it_is_full(page: Page, seed, another_page) -> None:
    need_path = _seed_need(seed)
    year = utcnow().year + 1

    # The body schedules a meeting with two seats.
    login(page, BODY[1])
    switch_to_english(page)
    open_need(page, need_path)
    page.locator("details.schedule-meeting summary").click()
    page.locator("#meeting-title").fill("Dialogmøte om nattlig tilsyn")
    page.locator("#meeting-starts_at").fill(f"{year}-03-10T10:00")
    page.locator("#meeting-ends_at").fill(f"{year}-03-10T12:00")
    page.locator("#meeting-place").fill("Rådhuset, møterom 3")
    page.locator("#meeting-capacity").fill("2")
    page.locator("#meeting-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{need_path}#meeting-\d+$"))
    meeting_id = re.search(r"#meeting-(\d+)$", page.url).group(1)
    card = f"#meeting-{meeting_id}"
    expect(page.locator(card)).to_contain_text("0 of 2 seats taken")

    # Two suppliers take the two seats; each gets its calendar file right away.
    for name in ("Trygg Natt AS", "Vaktsystemer AS"):
        supplier = another_page()
        login(supplier, _supplier(seed, name))
        switch_to_english(supplier)
        open_need(supplier, need_path)
        supplier.locator(f"{card} form[action$='/signup'] button").click()
        expect(supplier.locator(".flash-success")).to_be_visible()
        signed_up = supplier.locator(f"{card} .signed-up")
        expect(signed_up).to_be_visible()
        ics_link = signed_up.locator("a[href$='/calendar.ics']")
        calendar = supplier.request.get(ics_link.get_attribute("href"))
        assert calendar.ok
        assert calendar.headers["content-type"].startswith("text/calendar")
        assert calendar.text().startswith("BEGIN:VCALENDAR\r\n")
        assert "SUMMARY:Dialogmøte om nattlig tilsyn\r\n" in calendar.text()

    # The next supplier is told the meeting is full and has no button to press.
    late = another_page()
    login(late, _supplier(seed, "Sensorhuset AS"))
    switch_to_english(late)
    open_need(late, need_path)
    expect(late.locator(f"{card} .meeting-full")).to_have_text("Full")
    expect(late.locator(f"{card} .meeting-status")).to_have_text("The meeting is full.")
    expect(late.locator(f"{card} form[action$='/signup']")).to_have_count(0)
    expect(late.locator(card)).to_contain_text("2 of 2 seats taken")

    # The body sees who is coming.
    page.goto(f"/meetings/{meeting_id}")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(2)
    expect(page.locator("table")).to_contain_text("Trygg Natt AS")
    expect(page.locator("table")).to_contain_text("Vaktsystemer AS")
    expect(page.locator("table")).not_to_contain_text("Sensorhuset AS")


def test_one_to_one_slots_are_booked_one_per_supplier_and_cancelled_after_confirming(
    page: Page, seed, another_page
) -> None:
    need_path = _seed_need(seed)
    year = utcnow().year + 1

    # The body offers two back-to-back slots of 45 minutes.
    login(page, BODY[1])
    switch_to_english(page)
    open_need(page, need_path)
    page.locator("details.offer-slots summary").click()
    page.locator("#slot-starts_at").fill(f"{year}-03-11T09:00")
    page.locator("#slot-length_minutes").fill("45")
    page.locator("#slot-count").fill("2")
    page.locator("#slot-place").fill("Rådhuset, møterom 2")
    page.locator("#slot-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"{need_path}#slots$"))
    slots = page.locator("#slots li.slot")
    expect(slots).to_have_count(2)
    expect(slots.nth(0)).to_contain_text("9:00")
    expect(slots.nth(1)).to_contain_text("9:45")

    # A supplier books the first slot; for the second it may only move its booking (one per need).
    first = another_page()
    login(first, _supplier(seed, "Trygg Natt AS"))
    switch_to_english(first)
    open_need(first, need_path)
    first.locator("#slots li.slot").nth(0).locator("form[action$='/book'] button").click()
    expect(first.locator(".flash-success")).to_contain_text("The slot is booked for your organisation.")
    expect(first.locator("#slots .slot-own")).to_have_count(1)
    expect(first.locator("#slots form[action$='/book'] button")).to_have_text("Move our booking to this time")

    # Another supplier finds it booked, without the name of who booked it, and takes the other.
    second = another_page()
    login(second, _supplier(seed, "Vaktsystemer AS"))
    switch_to_english(second)
    open_need(second, need_path)
    taken = second.locator("#slots li.slot").nth(0)
    expect(taken).to_contain_text("Booked")
    expect(second.locator("main")).not_to_contain_text("Trygg Natt AS")
    expect(taken.locator("form[action$='/book']")).to_have_count(0)
    second.locator("#slots li.slot").nth(1).locator("form[action$='/book'] button").click()
    expect(second.locator("#slots .slot-own")).to_have_count(1)

    # The body sees who booked each slot.
    page.reload()
    expect(page.locator("#slots")).to_contain_text("Booked by Trygg Natt AS")
    expect(page.locator("#slots")).to_contain_text("Booked by Vaktsystemer AS")

    # The first supplier cancels, after a confirmation page; the slot is free again.
    first.locator("#slots .slot-own").locator("xpath=ancestor::li").locator("a[href$='/cancel']").click()
    expect(first.locator("h1")).to_have_text("Cancel the booking of the one-to-one slot?")
    first.locator("main form button[type=submit]").click()
    expect(first.locator(".flash-success")).to_contain_text("the slot is free again")
    expect(first.locator("#slots .slot-own")).to_have_count(0)
    expect(first.locator("#slots li.slot").nth(0).locator(".slot-free")).to_have_text("Free")


def test_an_awarded_need_closes_its_dialogue_and_says_why(page: Page, seed, another_page) -> None:
    need_path = _seed_need(seed)
    supplier_email = _supplier(seed, "Trygg Natt AS")

    # While the need is open, a supplier can ask and express interest.
    supplier = another_page()
    login(supplier, supplier_email)
    switch_to_english(supplier)
    open_need(supplier, need_path)
    expect(supplier.locator("#question-text")).to_be_visible()
    expect(supplier.locator("#respond")).to_be_visible()

    # The body moves the need on to "Awarded" (through "Tendered").
    login(page, BODY[1])
    switch_to_english(page)
    for stage in ("tendered", "awarded"):
        open_need(page, need_path)
        page.locator(".stage-form select").select_option(stage)
        page.locator(".stage-form button[type=submit]").click()
        expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("#dialogue-closed")).to_contain_text(
        "You can still answer the questions asked before"
    )

    # The supplier is told why, and has no form to send anything with.
    supplier.reload()
    closed = supplier.locator("#dialogue-closed")
    expect(closed).to_be_visible()
    expect(closed).to_contain_text("The dialogue is closed: the need is now “Awarded”.")
    expect(supplier.locator("#question-text")).to_have_count(0)
    expect(supplier.locator("#respond")).to_have_count(0)
    expect(supplier.locator("form[action$='/signup'], form[action$='/book']")).to_have_count(0)
