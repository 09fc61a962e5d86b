"""WCAG 2.1 A/AA in Chromium: axe-core finds no violation on any main page, in bokmål, nynorsk and
English, and a need can be written and published with the keyboard alone."""

from __future__ import annotations

import email
import email.policy
import io
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from network.services import accounts as accounts_service
from network.services import attachments as attachments_service
from network.services import coordination as coordination_service
from network.services import dialogue as dialogue_service
from network.services import notifications as notifications_service
from network.services import responses as responses_service
from network.services.capabilities import CapabilityDraft
from network.services.needs import NeedDraft
from tests.e2e.helpers import login, logout_button, switch_to_english
from tests.factories import PASSWORD

AXE_SCRIPT = Path(__file__).resolve().parent / "vendor" / "axe.min.js"
# The site's Content-Security-Policy allows scripts from its own origin only ('self', no
# 'unsafe-inline'): add_script_tag(path=...) would inline the file and be refused. So the browser
# fetches axe from a path on the site's own origin that this route answers from the vendored file.
# The pages are checked under their real CSP (no bypass_csp), and the site itself never serves axe.
AXE_PATH = "/__axe-core__/axe.min.js"
# WCAG 2.1 A and AA, plus axe's best practices: landmarks and heading order are filed there.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]

OSLO = ("Oslo kommune", "oslo@example.no", "0301")
BERGEN = ("Bergen kommune", "bergen@example.no", "4601")
TROMSO = ("Tromsø kommune", "tromso@example.no", "5501")
ACME = ("Acme Helseteknologi AS", "acme@example.no", "0301")

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
    budget_min=500_000,
    budget_max=2_000_000,
)
OSLO_DRAFT = NeedDraft(title="Klimavennlig transport av skolemat", description="Utkast.", domain="climate")
BERGEN_NEED = NeedDraft(
    title="Varsling ved fall på sykehjem om natten",
    description=(
        "Sykehjemmene våre trenger sensorer og programvare som varsler nattevakter når beboere faller."
    ),
    domain="health",
    cpv=("48000000",),
    kommuner=("4601",),
)
ENGLISH_NEED = NeedDraft(
    title="Predicting flood risk for municipal roads",
    description="We need forecasts of where heavy rain will flood our roads, so crews can act in time.",
    domain="climate",
    kommuner=("4601",),
    language="en",
)
ACME_CAPABILITY = CapabilityDraft(
    title="Fallsensor og trygghetsalarm for sykehjem",
    description="Sensorer og programvare som varsler nattevakten når en beboer faller eller går ut.",
    domains=("health",),
    cpv=("48000000",),
    fylker=("03",),
)


# -- axe ------------------------------------------------------------------------------------------


class Axe:
    """Runs axe-core on the page that is open and keeps what it found, page by page."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.checked: list[str] = []
        self.found: list[tuple[str, str, list[dict]]] = []

    def check(self, label: str, path: str | None = None, status: int = 200) -> None:
        if path is not None:
            response = self.page.goto(path)
            assert response is not None
            assert response.status == status, f"{label}: {path} answered {response.status}"
        self.page.add_script_tag(url=AXE_PATH)
        results = self.page.evaluate(
            """tags => axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            })""",
            AXE_TAGS,
        )
        # A run that checked nothing (a misspelt tag, axe not loaded) must not pass as clean.
        assert len(results["passes"]) >= 10, f"{label}: axe ran only {len(results['passes'])} rules"
        self.checked.append(label)
        if results["violations"]:
            self.found.append((label, self.page.url, results["violations"]))

    def assert_clean(self) -> None:
        assert not self.found, "axe-core found violations (WCAG 2.1 A/AA, best practice)" + report(self.found)


def report(found: list[tuple[str, str, list[dict]]]) -> str:
    """The violations as text a developer can act on: page, rule, why, and the elements at fault."""
    lines = []
    for label, url, violations in found:
        lines.append(f"\n== {label} ({url})")
        for violation in violations:
            lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
            lines.append(f"    {violation['helpUrl']}")
            for node in violation["nodes"][:5]:
                target = " ".join(map(str, node["target"]))
                summary = " ".join(node.get("failureSummary", "").split())
                lines.append(f"    - {target}\n      {node['html'][:200]}\n      {summary[:300]}")
            if len(violation["nodes"]) > 5:
                lines.append(f"    … and {len(violation['nodes']) - 5} more elements")
    return "\n".join(lines)


def _serve_axe(context: BrowserContext) -> None:
    context.route(
        f"**{AXE_PATH}",
        lambda route: route.fulfill(path=str(AXE_SCRIPT), content_type="text/javascript; charset=utf-8"),
    )


@pytest.fixture
def axe(page: Page, context: BrowserContext) -> Axe:
    _serve_axe(context)
    return Axe(page)


# -- data -----------------------------------------------------------------------------------------


class World:
    """Ids of what the tests visit: two bodies with the same need, a group, a supplier, Q&A, a meeting."""

    def __init__(self, seed) -> None:
        for name, address, kommune in (OSLO, BERGEN):
            seed.organisation("public_body", name, address, kommune=kommune)
        seed.organisation("public_body", TROMSO[0], TROMSO[1], kommune=TROMSO[2], verified=False)
        self.supplier_id = seed.organisation("supplier", ACME[0], ACME[1], kommune=ACME[2])
        self.need_id = seed.need(OSLO[1], OSLO_NEED)
        self.draft_id = seed.need(OSLO[1], OSLO_DRAFT, publish=False)
        self.peer_need_id = seed.need(BERGEN[1], BERGEN_NEED)
        self.english_need_id = seed.need(BERGEN[1], ENGLISH_NEED)
        self.capability_id = seed.capability(ACME[1], ACME_CAPABILITY)
        self.oslo_id = seed.as_user(OSLO[1], lambda user, index: user.organisation_id)

        def dialogue(user, index):
            need = seed.need_row(self.need_id)
            question = dialogue_service.ask_question(
                user, need, dialogue_service.QuestionDraft("Kan sensorene brukes uten kamera?")
            )
            responses_service.submit_response(
                user, need, responses_service.ResponseDraft("Vi har levert dette til tre kommuner.")
            )
            notifications_service.follow(user, self.need_id)
            waiting = dialogue_service.ask_question(
                user, need, dialogue_service.QuestionDraft("Hvor mange sykehjem gjelder det?")
            )
            token = notifications_service.unsubscribe_token(user, "need_answer")
            return question.id, waiting.id, token

        question_id, self.waiting_question_id, self.unsubscribe_token = seed.as_user(ACME[1], dialogue)

        def answer_and_meet(user, index):
            need = seed.need_row(self.need_id)
            dialogue_service.answer_question(
                user, question_id, dialogue_service.AnswerDraft("Ja, vi ønsker løsninger uten kamera.")
            )
            start = (datetime.utcnow() + timedelta(days=20)).replace(microsecond=0, second=0, minute=0)
            meeting = dialogue_service.schedule_meeting(
                user,
                need,
                dialogue_service.MeetingDraft(
                    title="Dialogmøte om nattilsyn",
                    starts_at=start,
                    ends_at=start + timedelta(hours=2),
                    capacity=10,
                    place="Rådhuset, Oslo",
                ),
            )
            group = coordination_service.invite_peer(user, need, seed.need_row(self.peer_need_id))
            _invitation, token = accounts_service.invite_colleague(user, "kollega@oslo.example.no")
            pdf = io.BytesIO(b"%PDF-1.4\n%%EOF\n")
            attachment = attachments_service.attach(user, need, attachments_service.Upload("Krav.pdf", pdf))
            return meeting.id, group.id, token, attachment.id

        self.meeting_id, self.group_id, self.invitation_token, self.attachment_id = seed.as_user(
            OSLO[1], answer_and_meet
        )

        def accept(user, index):
            group = coordination_service.get_group(self.group_id)
            coordination_service.answer_invitation(user, group, accept=True)

        seed.as_user(BERGEN[1], accept)


@pytest.fixture
def world(seed) -> World:
    return World(seed)


# -- every main page --------------------------------------------------------------------------------


def test_the_check_finds_violations_that_are_there(page: Page, axe: Axe) -> None:
    # Without this, a check that silently ran nothing would pass every page.
    page.goto("/")
    page.evaluate(
        """() => {
            const main = document.querySelector("main");
            const picture = document.createElement("img");
            picture.src = "/static/img/logo.svg";
            main.append(picture);
            const faint = document.createElement("p");
            faint.textContent = "Grå tekst på hvit bakgrunn";
            faint.style.color = "#bbbbbb";
            main.append(faint);
            document.documentElement.removeAttribute("lang");
        }"""
    )
    axe.check("home, spoilt on purpose")
    assert len(axe.found) == 1
    found = {violation["id"] for violation in axe.found[0][2]}
    assert {"image-alt", "color-contrast", "html-has-lang"} <= found, found
    assert "image-alt" in report(axe.found)


def _reset_path(outbox: Path) -> str:
    """The reset link of the newest password-reset mail in the outbox (the site has no mail server)."""
    for path in sorted(outbox.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True):
        message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
        match = re.search(r"/password/reset/[\w-]+", message.get_body().get_content())
        if match:
            return match.group(0)
    raise AssertionError(f"no password-reset mail in {outbox}")


def test_public_pages_have_no_axe_violations(page: Page, axe: Axe, world: World, live_server) -> None:
    axe.check("home", "/")
    axe.check("needs list", "/needs")
    axe.check("search with results", "/search?q=sykehjem")
    expect(page.locator("main mark").first).to_be_visible()
    axe.check("search with filters", "/search?q=sensor&kind=need&domain=health&order=date")
    axe.check("search without results", "/search?q=ubåtfabrikk")
    axe.check("search, empty query", "/search")
    axe.check("need, anonymous", f"/needs/{world.need_id}")
    # Text in another language than the page's is marked as such (WCAG 3.1.2, language of parts).
    axe.check("need in English, on a bokmål page", f"/needs/{world.english_need_id}")
    expect(page.locator("html")).to_have_attribute("lang", "nb")
    expect(page.locator("h1")).to_have_attribute("lang", "en")
    expect(page.locator("#h-problem + .prose")).to_have_attribute("lang", "en")
    axe.check("search, results in two languages", "/search?q=flood+OR+sykehjem")
    expect(page.locator(f'main h3[lang="en"] a[href$="/needs/{world.english_need_id}"]')).to_be_visible()
    axe.check("supplier profile", f"/organisations/{world.supplier_id}")
    axe.check("public body profile", f"/organisations/{world.oslo_id}")
    axe.check("organisations", "/organisations")
    axe.check("capability", f"/capabilities/{world.capability_id}")
    axe.check("coordination groups", "/coordination-groups")
    axe.check("coordination group", f"/coordination-groups/{world.group_id}")
    axe.check("about", "/about")
    axe.check("terms of use", "/terms")
    axe.check("privacy notice", "/privacy")
    axe.check("accessibility statement", "/accessibility")
    axe.check("invitation to join", f"/invitations/{world.invitation_token}")
    axe.check("stop e-mails", f"/notifications/unsubscribe/{world.unsubscribe_token}")
    page.locator("main form button[type=submit]").click()
    axe.check("e-mails stopped")
    axe.check("page not found", "/needs/999999", status=404)
    axe.check("login", "/login")
    page.locator("#email").fill("nobody@example.no")
    page.locator("#password").fill("wrong password")
    page.locator('main form[action$="/login"] button[type=submit]').click()
    expect(page.locator(".flash-error, .error-summary, .error").first).to_be_visible()
    axe.check("login, wrong password")
    axe.check("forgotten password", "/password/forgot")
    page.locator("#email").fill(OSLO[1])
    page.locator('main form[action$="/password/forgot"] button[type=submit]').click()
    expect(page.locator(".flash-success")).to_be_visible()
    axe.check("login, with a message")
    axe.check("password reset", _reset_path(Path(live_server.app.config["MAIL_OUTBOX_DIR"])))
    page.locator("#password").fill("short")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe.check("password reset with errors")
    axe.check("password reset, invalid link", "/password/reset/not-a-token", status=404)
    axe.check("registration", "/register")
    page.locator('main form[action$="/register"] button[type=submit]').click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe.check("registration with errors")
    axe.assert_clean()


def test_public_body_pages_have_no_axe_violations(page: Page, axe: Axe, world: World) -> None:
    login(page, OSLO[1])
    axe.check("need, as owner", f"/needs/{world.need_id}")
    axe.check("draft need, as owner", f"/needs/{world.draft_id}")
    axe.check("delete a draft", f"/needs/{world.draft_id}/delete")
    axe.check("answer a question", f"/questions/{world.waiting_question_id}/answer")
    axe.check("new need form", "/needs/new")
    page.locator("#need-form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe.check("new need form with errors")
    axe.check("edit need", f"/needs/{world.need_id}/edit")
    axe.check("my needs", "/needs/mine")
    axe.check("inbox", "/notifications")
    axe.check("notification preferences", "/notifications/settings")
    axe.check("organisation members", "/organisations/members")
    axe.check("edit organisation", f"/organisations/{world.oslo_id}/edit")
    axe.check("audit log", "/audit")
    axe.check("coordination group, as member", f"/coordination-groups/{world.group_id}")
    axe.check("meeting, as owner", f"/meetings/{world.meeting_id}")
    axe.check("schedule a meeting", f"/needs/{world.need_id}/meetings")
    axe.check("write to respondents", f"/needs/{world.need_id}/message")
    axe.check("attach a file", f"/needs/{world.need_id}/attachments")
    axe.check("delete an attachment", f"/attachments/{world.attachment_id}/delete")
    axe.check("Doffin announcement", f"/needs/{world.need_id}/doffin")
    axe.check("my account", "/account")
    axe.check("change password", "/account/password")
    axe.check("change e-mail address", "/account/email")
    axe.check("close the account", "/account/deactivate")
    axe.check("delete the account", "/account/delete")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe.check("delete the account, with errors")
    axe.assert_clean()


def test_supplier_pages_have_no_axe_violations(page: Page, axe: Axe, world: World) -> None:
    login(page, ACME[1])
    axe.check("needs for you", "/organisations/for-you")
    axe.check("need, as supplier", f"/needs/{world.need_id}")
    axe.check("ask a question", f"/needs/{world.need_id}/questions")
    axe.check("new capability form", "/capabilities/new")
    axe.check("edit capability", f"/capabilities/{world.capability_id}/edit")
    axe.check("remove a capability", f"/capabilities/{world.capability_id}/delete")
    axe.check("inbox, supplier", "/notifications")
    axe.check("signed-in sessions", "/account/sessions")
    axe.check("sign out everywhere else", "/account/sessions/end-others")
    axe.check("two-factor sign-in, set-up", "/account/two-factor")
    axe.check("report a need", f"/report/need/{world.need_id}")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".error-summary")).to_be_visible()
    axe.check("report a need, with errors")
    axe.assert_clean()


def test_administration_pages_have_no_axe_violations(page: Page, axe: Axe, world: World, site_admin) -> None:
    login(page, site_admin.email, totp_secret=site_admin.totp_secret)
    axe.check("admin organisations", "/admin/organisations")
    axe.check("withdraw a verification", f"/admin/organisations/{world.oslo_id}/unverify")
    axe.check("audit log, site administrator", "/audit")
    axe.check("two-factor sign-in, on", "/account/two-factor")
    axe.check("reports", "/admin/reports")
    axe.check("hide a need", f"/admin/reports/need/{world.need_id}/hide")
    axe.check("suspend an organisation", f"/admin/organisations/{world.supplier_id}/suspend")
    axe.assert_clean()


def test_pages_on_a_narrow_screen_have_no_axe_violations(page: Page, axe: Axe, world: World) -> None:
    # 320 CSS pixels: what WCAG 1.4.10 (reflow) asks to work without scrolling sideways; the header
    # wraps and the two-column layouts become one.
    page.set_viewport_size({"width": 320, "height": 640})
    wide = []

    def check(label: str, path: str) -> None:
        axe.check(label, path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            # Name the elements that stick out, so a failure says where to look.
            culprits = page.evaluate(
                """() => [...document.querySelectorAll("main *")]
                    .map(el => [el, Math.round(el.getBoundingClientRect().right)])
                    .filter(([el, right]) => right > 321)
                    .map(([el, right]) => `${el.tagName}.${el.className} ${right}`)
                    .slice(0, 8)"""
            )
            wide.append((label, width, culprits))

    check("home, narrow", "/")
    check("search, narrow", "/search?q=sykehjem")
    check("need, narrow", f"/needs/{world.need_id}")
    login(page, OSLO[1])
    check("new need form, narrow", "/needs/new")
    check("my needs, narrow", "/needs/mine")
    check("coordination group, narrow", f"/coordination-groups/{world.group_id}")
    check("organisation members, narrow", "/organisations/members")
    check("meeting, narrow", f"/meetings/{world.meeting_id}")
    check("audit log, narrow", "/audit")
    axe.assert_clean()
    assert not wide, f"pages that scroll sideways at 320 px: {wide}"


def test_english_and_nynorsk_pages_have_no_axe_violations(page: Page, axe: Axe, world: World) -> None:
    page.goto("/")
    switch_to_english(page)
    axe.check("home, English", "/")
    axe.check("need, English", f"/needs/{world.need_id}")
    axe.check("search, English", "/search?q=fall")
    axe.check("terms of use, English", "/terms")
    axe.check("privacy notice, English", "/privacy")
    axe.check("accessibility statement, English", "/accessibility")
    page.locator('form.lang-switch button[lang="nn"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    expect(page.get_by_role("navigation", name="Hovudmeny")).to_contain_text("Organisasjonar")
    axe.check("home, nynorsk", "/")
    axe.check("need, nynorsk", f"/needs/{world.need_id}")
    axe.check("terms of use, nynorsk", "/terms")
    axe.check("privacy notice, nynorsk", "/privacy")
    axe.check("accessibility statement, nynorsk", "/accessibility")
    login(page, OSLO[1])
    expect(page.locator("html")).to_have_attribute("lang", "nn")
    axe.check("new need form, nynorsk", "/needs/new")
    axe.assert_clean()


# -- keyboard only ----------------------------------------------------------------------------------

# What has the focus, and whether it shows: a focus ring is an outline or a box-shadow (WCAG 2.4.7).
FOCUSED = """() => {
    const el = document.activeElement;
    if (!el || el === document.body || el === document.documentElement) return null;
    const style = getComputedStyle(el);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0;
    const shadow = Boolean(style.boxShadow) && style.boxShadow !== "none";
    return {tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute("name") || "",
            type: el.getAttribute("type") || "", text: (el.innerText || el.value || "").trim(),
            href: el.getAttribute("href") || "", ring: outline || shadow,
            outline: `${style.outlineStyle} ${style.outlineWidth}`, shadow: style.boxShadow};
}"""


def _focused(page: Page) -> dict:
    element = page.evaluate(FOCUSED)
    assert element is not None, "the focus was lost (it is on the page body)"
    return element


def _assert_focus_visible(page: Page) -> dict:
    element = _focused(page)
    assert element["ring"], f"no visible focus indicator (outline or box-shadow) on {element}"
    return element


def _tab_to(page: Page, matches, limit: int = 60, backwards: bool = False) -> dict:
    """Press Tab (or Shift+Tab) until the focused element matches; every stop must show its focus."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        element = _assert_focus_visible(page)
        if matches(element):
            return element
        seen.append(element["id"] or element["href"] or element["text"][:30])
    raise AssertionError(f"Tab never reached the wanted element; passed {seen}")


def _by_id(wanted: str):
    return lambda element: element["id"] == wanted


def test_a_need_is_written_and_published_with_the_keyboard_only(page: Page, seed) -> None:
    seed.organisation("public_body", OSLO[0], OSLO[1], kommune=OSLO[2])

    # The skip link is the first stop and moves focus past the header into the main content.
    page.goto("/login")
    page.keyboard.press("Tab")
    expect(page.locator("a.skip-link")).to_be_focused()
    expect(page.locator("a.skip-link")).to_be_visible()
    _assert_focus_visible(page)
    page.keyboard.press("Enter")
    expect(page.locator("main#main")).to_be_focused()

    # Log in: from main, Tab reaches the e-mail field before any header link.
    _tab_to(page, _by_id("email"), limit=5)
    page.keyboard.type(OSLO[1])
    _tab_to(page, _by_id("password"), limit=3)
    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    expect(logout_button(page)).to_be_visible()

    # To the new-need form by keyboard: "My page" in the header, then the "new need" link.
    _tab_to(page, lambda el: el["tag"] == "a" and el["href"].endswith("/dashboard"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/needs/mine$"))
    _tab_to(page, lambda el: el["tag"] == "a" and el["href"].endswith("/needs/new"))
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/needs/new$"))

    _tab_to(page, _by_id("title"))
    page.keyboard.type("Felles varsling av fall om natten")
    _tab_to(page, _by_id("description"))
    page.keyboard.type("Nattevaktene oppdager fall for sent.\nVi trenger varsling i sanntid.")
    # Shift+Tab goes back to the title, which keeps what was typed.
    _tab_to(page, _by_id("title"), limit=3, backwards=True)
    expect(page.locator("#title")).to_have_value("Felles varsling av fall om natten")
    _tab_to(page, _by_id("affected"))
    page.keyboard.type("Beboere og nattevakter.")
    _tab_to(page, _by_id("outcome"))
    page.keyboard.type("Færre alvorlige fall.")

    # A select is operated with the arrow keys ("health" is first, the default "other" last).
    _tab_to(page, _by_id("domain"))
    domain = page.locator("#domain")
    for _ in range(10):
        if domain.input_value() == "health":
            break
        page.keyboard.press("ArrowUp")
    expect(domain).to_have_value("health")

    # The CPV combobox: type, arrow down to the first suggestion, Enter picks it (and sends nothing).
    _tab_to(page, lambda el: el["tag"] == "input" and el["id"] != "" and "cpv" in el["id"])
    combobox = page.locator(".cpv-picker input[role=combobox]")
    expect(combobox).to_be_focused()
    page.keyboard.type("48000000")
    listbox = page.locator(".cpv-picker [role=listbox]")
    expect(listbox).to_be_visible()
    page.keyboard.press("ArrowDown")
    first = listbox.get_by_role("option").first
    expect(first).to_have_attribute("aria-selected", "true")
    code = first.inner_text().split()[0]
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/needs/new$"))
    expect(page.locator("ul.cpv-chosen li", has_text=code)).to_be_visible()

    # The kommune list: arrow keys choose one entry.
    _tab_to(page, _by_id("kommuner"))
    page.keyboard.press("ArrowDown")
    expect(page.locator("#kommuner option:checked")).to_have_count(1)

    # On to the submit button, and Space presses it.
    _tab_to(page, lambda el: el["tag"] == "button" and el["type"] == "submit" and el["name"] != "lang")
    page.keyboard.press("Space")
    expect(page).to_have_url(re.compile(r"/needs/\d+$"))
    expect(page.locator("h1")).to_have_text("Felles varsling av fall om natten")
    expect(page.locator(".flash-success")).to_be_visible()

    # Publish with the keyboard; the need is open afterwards.
    _tab_to(page, lambda el: el["tag"] == "button" and "publi" in el["text"].lower())
    page.keyboard.press("Enter")
    expect(page.locator("h1 + .meta .badge.stage-open")).to_be_visible()
    expect(page.locator("main")).to_contain_text(code)
