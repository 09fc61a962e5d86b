"""The main flows in Chromium: register, verify and publish, matches, responses, search, keyboard."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from network.services.capabilities import CapabilityDraft
from network.services.needs import NeedDraft
from tests.e2e.helpers import (
    INVALID_ORG_NUMBER,
    ORG_NUMBERS,
    NeedText,
    login,
    logout,
    logout_button,
    open_need,
    pick_cpv,
    publish_draft,
    register_via_ui,
    submit_form,
    switch_to_english,
    verify_via_admin,
    write_need,
)
from tests.factories import PASSWORD

# Two public bodies with the same challenge (falls at night in nursing homes), and a supplier for it.
OSLO_NEED = NeedDraft(
    title="Digitalt tilsyn om natten på sykehjem",
    description=(
        "Nattevaktene på sykehjemmet oppdager fall for sent. Vi trenger programvare og sensorer som "
        "varsler nattevakten når en beboer faller eller forlater rommet."
    ),
    affected="Beboere med demens og nattevakter.",
    outcome="Færre alvorlige fall og roligere netter.",
    domain="health",
    cpv=("48000000",),
    kommuner=("0301",),
)
BERGEN_NEED = NeedDraft(
    title="Varsling ved fall på sykehjem om natten",
    description=(
        "Sykehjemmene våre trenger sensorer og programvare som varsler nattevakter når beboere faller "
        "om natten."
    ),
    domain="health",
    cpv=("48000000",),
    kommuner=("4601",),
)
OSLO = ("Oslo kommune", "oslo@example.no", "0301")
BERGEN = ("Bergen kommune", "bergen@example.no", "4601")


def _seed_oslo_need(seed) -> int:
    name, email, kommune = OSLO
    seed.organisation("public_body", name, email, kommune=kommune)
    return seed.need(email, OSLO_NEED)


# -- 1. registration, logout, login ----------------------------------------------------------------


def test_public_body_registers_logs_out_and_logs_in_again(page: Page) -> None:
    page.goto("/register")
    switch_to_english(page)
    # The kind toggle shows the fields of the chosen kind only.
    public_only = page.locator("[data-show-for=public_body]")
    supplier_only = page.locator("[data-show-for=supplier]")
    page.locator("input[name=kind][value=supplier]").check()
    expect(public_only).to_be_hidden()
    expect(supplier_only).to_be_visible()

    register_via_ui(
        page,
        kind="public_body",
        org_name="Oslo kommune",
        email="kari@oslo.example.no",
        org_number=INVALID_ORG_NUMBER,
        submit=False,
    )
    expect(public_only).to_be_visible()
    expect(supplier_only).to_be_hidden()
    with page.expect_response(re.compile(r"/register$")) as sent:
        submit_form(page, "/register")
    assert sent.value.status == 422
    org_number = page.locator("#org_number")
    expect(page.locator("#org_number-error")).to_have_text(
        "That is not a valid Norwegian organisation number."
    )
    expect(org_number).to_have_attribute("aria-invalid", "true")
    expect(org_number).to_have_value(INVALID_ORG_NUMBER)
    expect(page.locator("#org_name")).to_have_value("Oslo kommune")
    expect(page.locator("input[name=kind][value=public_body]")).to_be_checked()
    expect(page.locator("#kommune")).to_have_value("0301")
    expect(logout_button(page)).to_have_count(0)

    org_number.fill(ORG_NUMBERS[0])
    page.locator("#password").fill(PASSWORD)
    page.locator("#password2").fill(PASSWORD)
    submit_form(page, "/register")

    expect(page).to_have_url(re.compile(r"/needs/mine$"))
    expect(page.locator("header nav a", has_text="My page")).to_be_visible()
    expect(page.locator("h1")).to_have_text("Needs of Oslo kommune")
    expect(page.locator("main .notice")).to_contain_text("not verified yet")

    logout(page)
    expect(page.locator("header nav a", has_text="My page")).to_have_count(0)
    page.goto("/needs/mine")
    expect(page).to_have_url(re.compile(r"/login\?next="))

    page.locator("#email").fill("KARI@oslo.example.no")
    page.locator("#password").fill("wrong password!")
    submit_form(page, "/login")
    expect(page.locator("#password-error")).to_have_text("Wrong e-mail address or password.")

    # The e-mail is case-insensitive, and the login goes back to the page that asked for it.
    page.locator("#password").fill(PASSWORD)
    submit_form(page, "/login")
    expect(page).to_have_url(re.compile(r"/needs/mine$"))
    expect(page.locator("h1")).to_have_text("Needs of Oslo kommune")


# -- 2. a draft waits for verification -----------------------------------------------------------


def test_body_publishes_its_draft_once_an_administrator_has_verified_it(page: Page, site_admin) -> None:
    page.goto("/")
    switch_to_english(page)
    register_via_ui(
        page,
        kind="public_body",
        org_name="Oslo kommune",
        email="kari@oslo.example.no",
        org_number=ORG_NUMBERS[0],
    )
    need = NeedText(
        title=OSLO_NEED.title,
        description=OSLO_NEED.description,
        affected=OSLO_NEED.affected,
        outcome=OSLO_NEED.outcome,
        kommuner=("0301", "3201"),
    )
    draft_path = write_need(page, need, cpv=("programvare", "48000000"))

    expect(page.locator(".flash-success")).to_contain_text("saved as a draft")
    expect(page.locator("h1 + .meta .badge.stage-draft")).to_be_visible()
    notice = page.locator("main .notice")
    expect(notice).to_contain_text("must be verified by an administrator before you can publish")
    expect(page.locator('form[action$="/publish"]')).to_have_count(0)
    facts = page.locator("aside.facts")
    expect(facts).to_contain_text("48000000")
    expect(facts).to_contain_text("Oslo")
    expect(facts).to_contain_text("Bærum")
    logout(page)
    # A draft is not public.
    assert page.goto(draft_path).status == 404

    login(page, site_admin.email, site_admin.password, site_admin.totp_secret)
    verify_via_admin(page, "Oslo kommune")
    expect(page.locator("main .empty")).to_be_visible()
    logout(page)

    login(page, "kari@oslo.example.no")
    open_need(page, draft_path)
    publish_draft(page)
    expect(page.locator(".flash-success")).to_contain_text("The need is published")
    expect(page.locator("h1 + .meta .badge.stage-open")).to_have_text("Open for dialogue")
    logout(page)
    # Now anyone can read it.
    open_need(page, draft_path)
    expect(page.locator("h1 + .meta .badge.stage-open")).to_be_visible()


# -- 3. suppliers and peers -------------------------------------------------------------------------


def test_published_need_lists_matching_supplier_and_peer_body(page: Page, seed) -> None:
    need_id = _seed_oslo_need(seed)
    name, email, kommune = BERGEN
    seed.organisation("public_body", name, email, kommune=kommune)
    peer_id = seed.need(email, BERGEN_NEED)

    page.goto("/")
    switch_to_english(page)
    register_via_ui(
        page,
        kind="supplier",
        org_name="Trygg Natt AS",
        email="post@tryggnatt.example.no",
        org_number=ORG_NUMBERS[1],
        kommune=None,
    )
    expect(page).to_have_url(re.compile(r"/organisations/for-you$"))
    expect(page.locator("main .notice")).to_contain_text("Describe what you can do")
    page.locator('main a[href$="/capabilities/new"]').click()
    page.locator("#title").fill("Sensorer og programvare for digitalt tilsyn")
    page.locator("#description").fill(
        "Vi leverer sensorer og programvare til sykehjem: nattevakten får varsel når en beboer faller."
    )
    page.locator("#domains").select_option("health")
    pick_cpv(page, "programvare", "48000000")
    page.locator("#nationwide").check()
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/capabilities/\d+$"))
    expect(page.locator("aside.facts")).to_contain_text("All of Norway")

    page.locator("header nav a", has_text="My page").click()
    expect(page).to_have_url(re.compile(r"/organisations/for-you$"))
    for_you = page.locator("main article.card", has=page.locator(f'a[href$="/needs/{need_id}"]'))
    expect(for_you).to_contain_text(OSLO_NEED.title)
    expect(for_you.locator("ul.reasons")).to_contain_text("Serves all of Norway")

    logout(page)
    open_need(page, f"/needs/{need_id}")
    suppliers = page.locator("section[aria-labelledby=h-suppliers] ol.match-list > li")
    expect(suppliers).to_have_count(1)
    expect(suppliers).to_contain_text("Trygg Natt AS")
    expect(suppliers).to_contain_text("Sensorer og programvare for digitalt tilsyn")
    expect(suppliers.locator("ul.reasons")).to_contain_text("Shared words:")
    expect(suppliers.locator("ul.reasons")).to_contain_text("Serves all of Norway")
    peers_panel = page.locator("section[aria-labelledby=h-peers]")
    expect(peers_panel).to_contain_text("1 other body has this challenge.")
    peer = peers_panel.locator("ol.match-list > li", has=page.locator(f'a[href$="/needs/{peer_id}"]'))
    expect(peer).to_contain_text("Bergen kommune")
    expect(peer.locator("ul.reasons")).to_contain_text("Shared words:")


# -- 4. responses -----------------------------------------------------------------------------------


def test_supplier_responds_body_shortlists_and_others_cannot_read_it(page: Page, seed, another_page) -> None:
    need_id = _seed_oslo_need(seed)
    seed.organisation("supplier", "Trygg Natt AS", "post@tryggnatt.example.no", kommune=None)
    seed.organisation("supplier", "Konkurrent AS", "post@konkurrent.example.no", kommune=None)
    message = "Vi har sensorer i drift på tre sykehjem og vil gjerne vise dem i en dialog."
    need_path = f"/needs/{need_id}"

    login(page, "post@tryggnatt.example.no")
    switch_to_english(page)
    open_need(page, need_path)
    page.locator("#message").fill(message)
    submit_form(page, "/responses")
    expect(page).to_have_url(re.compile(rf"{need_path}#response$"))
    own = page.locator("section#response")
    expect(own.locator("h2")).to_have_text("Your response")
    expect(own).to_contain_text(message)
    expect(own.locator("strong")).to_have_text("Submitted")
    expect(page.locator("#message")).to_have_count(0)

    body = another_page()
    login(body, OSLO[1])
    switch_to_english(body)
    open_need(body, need_path)
    response = body.locator("section#responses li", has_text="Trygg Natt AS")
    expect(response).to_contain_text(message)
    response.locator("select[name=status]").select_option("shortlisted")
    response.get_by_role("button").click()
    expect(body.locator(".flash-success")).to_contain_text("Shortlisted")
    expect(body.locator("section#responses li", has_text="Trygg Natt AS").locator(".badge")).to_have_text(
        "Shortlisted"
    )

    page.reload()
    expect(page.locator("section#response strong")).to_have_text("Shortlisted")

    competitor = another_page()
    login(competitor, "post@konkurrent.example.no")
    open_need(competitor, need_path)
    expect(competitor.locator("#message")).to_be_visible()  # it may respond itself …
    expect(competitor.locator("main")).not_to_contain_text(message)  # … but not read the other's
    expect(competitor.locator("section#responses")).to_have_count(0)
    logout(competitor)
    open_need(competitor, need_path)
    expect(competitor.locator("main")).not_to_contain_text(message)


# -- 5. search ----------------------------------------------------------------------------------------


def test_search_highlights_filters_orders_and_says_when_nothing_matched(page: Page, seed) -> None:
    name, email, kommune = OSLO
    seed.organisation("public_body", name, email, kommune=kommune)
    older = seed.need(
        email,
        NeedDraft(
            title="Trygge nattevakter",
            description="Nattevakter alene på jobb trenger alarm. Nattevaktene ønsker bedre rutiner.",
            domain="health",
        ),
    )
    newer = seed.need(
        email,
        NeedDraft(
            title="Bedre innkjøp av matvarer til kantinene",
            description=(
                "Kantinene kaster mye mat. Vi trenger bedre prognoser for innkjøp, også for nattevakter."
            ),
            domain="climate",
        ),
    )
    seed.organisation("supplier", "Vaktsystemer AS", "post@vakt.example.no", kommune=None)
    seed.capability(
        "post@vakt.example.no",
        CapabilityDraft(
            title="Alarmer for nattevakter", description="Personalarm for nattevakter.", domains=("health",)
        ),
    )

    page.goto("/search")
    switch_to_english(page)
    page.locator("#q").fill("nattevakter")
    page.locator("#q").press("Enter")
    results = page.locator("ol.results > li")
    expect(page.locator("main p.count")).to_have_text("3 results")
    expect(page.locator('ol.results a[href*="/capabilities/"]')).to_have_count(1)
    titled = results.filter(has=page.locator(f'h3 a[href$="/needs/{older}"]'))
    expect(titled.locator("h3 mark")).to_have_text(re.compile("^nattevakter$", re.IGNORECASE))

    # Filters apply as soon as they change (site.js); the button is there only without script.
    page.locator("input[name=kind][value=need]").check()
    expect(page).to_have_url(re.compile(r"[?&]kind=need"))
    expect(page.locator("main p.count")).to_have_text("2 results")
    expect(page.locator('ol.results a[href*="/capabilities/"]')).to_have_count(0)
    expect(page.locator("input[name=kind][value=need]")).to_be_checked()
    # By relevance the need with the word in its title comes first.
    expect(results.nth(0).locator("h3 a")).to_have_attribute("href", re.compile(rf"/needs/{older}$"))

    page.locator("#order").select_option("date")
    expect(page).to_have_url(re.compile(r"[?&]order=date"))
    expect(results.locator("h3 a")).to_have_count(2)
    expect(results.nth(0).locator("h3 a")).to_have_attribute("href", re.compile(rf"/needs/{newer}$"))
    expect(results.nth(1).locator("h3 a")).to_have_attribute("href", re.compile(rf"/needs/{older}$"))
    expect(results.nth(0).locator(".snippet mark").first).to_have_text(re.compile("nattevakter", re.I))

    page.locator("#q").fill("qzxwvkjhgf")
    page.locator("#q").press("Enter")
    expect(results).to_have_count(0)
    expect(page.locator("main .empty")).to_contain_text("Nothing matched “qzxwvkjhgf”.")


# -- 6. similar needs while writing -----------------------------------------------------------------


def test_need_form_shows_similar_published_needs_while_typing(page: Page, seed) -> None:
    oslo_id = _seed_oslo_need(seed)
    name, email, kommune = BERGEN
    seed.organisation("public_body", name, email, kommune=kommune)
    own_id = seed.need(email, BERGEN_NEED)

    login(page, email)
    switch_to_english(page)
    page.goto("/needs/new")
    panel = page.locator("#similar-needs")
    expect(panel).to_contain_text("As you write")
    page.locator("#title").press_sequentially("Fall om natten på sykehjem")
    link = f'a[href$="/needs/{oslo_id}"]'
    expect(panel.locator(link)).to_have_text(OSLO_NEED.title)
    expect(panel.locator("li", has=page.locator(link))).to_contain_text("Oslo kommune")
    expect(panel).to_contain_text("1 published need looks like this one")
    # The body's own published need is no duplicate to join.
    expect(panel.locator(f'a[href$="/needs/{own_id}"]')).to_have_count(0)


def test_enter_in_the_cpv_search_box_does_not_send_the_need_form(page: Page, seed) -> None:
    name, email, kommune = OSLO
    seed.organisation("public_body", name, email, kommune=kommune)
    login(page, email)
    page.goto("/needs/new")
    page.locator("#title").fill(OSLO_NEED.title)
    page.locator("#description").fill(OSLO_NEED.description)
    combobox = page.locator(".cpv-picker input[role=combobox]")
    combobox.fill("programvare")
    expect(page.locator(".cpv-picker [role=listbox]")).to_be_visible()

    # Someone looking for a code presses Enter to take the first suggestion: the half-written need
    # must not be saved as a draft behind their back.
    combobox.press("Enter")
    expect(page).to_have_url(re.compile(r"/needs/new$"), timeout=1_000)
    expect(page.locator("#need-form")).to_be_visible()
    pick_cpv(page, "programvare", "48000000")


# -- 7. keyboard ------------------------------------------------------------------------------------


def test_skip_link_is_first_and_moves_focus_to_main(page: Page) -> None:
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.locator("a.skip-link")
    expect(skip).to_be_focused()
    expect(skip).to_be_visible()
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()
    expect(page).to_have_url(re.compile(r"#main$"))
