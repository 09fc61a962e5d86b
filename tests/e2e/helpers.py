"""Browser steps the e2e tests share (register, log in, write a need, …) and a service-level seeder."""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass

import pyotp
from flask import Flask
from playwright.sync_api import Page, expect
from stdnum.no import orgnr

from network.extensions import db
from network.indexing import get_index
from network.models import Need, User
from network.services import accounts
from network.services import capabilities as capabilities_service
from network.services import needs as needs_service
from tests.factories import PASSWORD

# Organisation numbers that pass the mod-11 check (stdnum.no.orgnr), for the browser's registrations;
# the seeder gives each public body a number of its own (seeded_org_number), and suppliers none. The
# invalid one differs only in its check digit.
ORG_NUMBERS = ("974760673", "923609016", "938801363", "971526920")
INVALID_ORG_NUMBER = "974760674"


def seeded_org_number(name: str) -> str:
    """A valid organisation number (mod 11) for a seeded body, the same for the same name, starting
    with 8 so that it never meets one of ORG_NUMBERS."""
    seed = zlib.crc32(name.encode("utf-8"))
    while True:
        number = f"8{seed % 10_000_000:07d}"
        for check in "0123456789":
            if orgnr.is_valid(number + check):
                return number + check
        seed += 1


# -- page steps -------------------------------------------------------------------------------------


def switch_to_english(page: Page) -> None:
    """Press the header's English button; the choice is kept in the session (also across logins)."""
    page.locator('form.lang-switch button[lang="en"]').click()
    expect(page.locator("html")).to_have_attribute("lang", "en")


def register_via_ui(
    page: Page,
    *,
    kind: str,
    org_name: str,
    email: str,
    name: str = "Kari Nordmann",
    org_number: str | None = None,
    sector: str = "municipality",
    kommune: str | None = "0301",
    password: str = PASSWORD,
    submit: bool = True,
) -> None:
    """Fill in the registration form; with submit, send it and expect to land logged in."""
    page.goto("/register")
    page.locator(f'input[name=kind][value="{kind}"]').check()
    page.locator("#org_name").fill(org_name)
    if org_number:
        page.locator("#org_number").fill(org_number)
    if kind == "public_body":
        page.locator("#sector").select_option(sector)
    if kommune:
        page.locator("#kommune").select_option(kommune)
    page.locator("#name").fill(name)
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    page.locator("#password2").fill(password)
    page.locator("#accept_terms").check()
    if submit:
        submit_form(page, "/register")
        expect(logout_button(page)).to_be_visible()


def submit_form(page: Page, action_suffix: str) -> None:
    page.locator(f'main form[action$="{action_suffix}"] button[type=submit]').click()


def logout_button(page: Page):
    return page.locator('header form[action$="/logout"] button')


def open_menu(page: Page) -> None:
    """On a narrow screen the header's menu is folded behind a button: open it (wide: nothing to do)."""
    button = page.locator("header summary.menu-button")
    if button.is_visible() and page.locator("header details.site-menu[open]").count() == 0:
        button.click()


def login(page: Page, email: str, password: str = PASSWORD, totp_secret: str | None = None) -> None:
    """Log in; with totp_secret (a site administrator's), type the app's code on the second page too."""
    page.goto("/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(password)
    submit_form(page, "/login")
    if totp_secret is not None:
        expect(page).to_have_url(re.compile(r"/login/code$"))
        page.locator("#code").fill(pyotp.TOTP(totp_secret).now())
        submit_form(page, "/login/code")
    # Attached, not visible: on a narrow screen the button is in the folded menu.
    expect(logout_button(page)).to_be_attached()


def logout(page: Page) -> None:
    open_menu(page)
    logout_button(page).click()
    expect(page.locator('header a[href$="/login"]')).to_be_attached()
    expect(logout_button(page)).to_have_count(0)


def pick_cpv(page: Page, query: str, code: str) -> None:
    """Choose a CPV code with the keyboard in the search-as-you-type combobox, then see its chip."""
    # Selects are comboboxes too: the picker's own one is the text input inside .cpv-picker.
    combobox = page.locator(".cpv-picker input[role=combobox]")
    combobox.fill(query)
    listbox = page.locator(".cpv-picker [role=listbox]")
    expect(listbox).to_be_visible()
    wanted = listbox.get_by_role("option").filter(has_text=re.compile(rf"^{code} "))
    expect(wanted).to_have_count(1)
    # Arrow down to the wanted option (the first one in the list needs one press).
    position = listbox.get_by_role("option").all_inner_texts().index(wanted.inner_text())
    for _ in range(position + 1):
        combobox.press("ArrowDown")
    expect(wanted).to_have_attribute("aria-selected", "true")
    expect(combobox).to_have_attribute("aria-activedescendant", wanted.get_attribute("id") or "")
    combobox.press("Enter")
    expect(listbox).to_be_hidden()
    expect(combobox).to_have_value("")
    expect(page.locator("ul.cpv-chosen li", has_text=code)).to_be_visible()


@dataclass
class NeedText:
    title: str
    description: str
    affected: str = ""
    outcome: str = ""
    domain: str = "health"
    kommuner: tuple[str, ...] = ("0301",)


def write_need(page: Page, need: NeedText, cpv: tuple[str, str] | None = None) -> str:
    """Describe a need on /needs/new and save the draft; returns the draft's URL path."""
    page.goto("/needs/new")
    page.locator("#title").fill(need.title)
    page.locator("#description").fill(need.description)
    page.locator("#affected").fill(need.affected)
    page.locator("#outcome").fill(need.outcome)
    page.locator("#domain").select_option(need.domain)
    if cpv:
        pick_cpv(page, *cpv)
    page.locator("#kommuner").select_option(list(need.kommuner))
    page.locator("#need-form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/needs/\d+$"))
    expect(page.locator("h1")).to_have_text(need.title)
    return need_path(page)


def need_path(page: Page) -> str:
    match = re.search(r"/needs/\d+$", page.url)
    assert match, page.url
    return match.group(0)


def publish_draft(page: Page) -> None:
    page.locator('form[action$="/publish"] button').click()
    expect(page.locator("h1 + .meta .badge.stage-open")).to_be_visible()


def verify_via_admin(page: Page, org_name: str) -> None:
    """On the administration page, press the verify button in the row of org_name."""
    page.goto("/admin/organisations")
    row = page.locator("tbody tr", has=page.get_by_role("link", name=org_name, exact=True))
    row.locator('form[action$="/verify"] button').click()
    expect(page.locator(".flash-success")).to_contain_text(org_name)
    expect(page.locator("tbody tr", has_text=org_name)).to_have_count(0)


def open_need(page: Page, path: str) -> None:
    page.goto(path)
    expect(page.locator("h1")).to_be_visible()


# -- data through the app's services -------------------------------------------------------------


@dataclass
class Seeder:
    """Builds organisations, needs and capabilities with the app's services, in the live app.

    For data a test needs but does not test: it is faster than the browser and goes through the
    same rules and index updates as the site."""

    app: Flask

    def _run(self, work):
        with self.app.app_context():
            try:
                return work(get_index(self.app))
            finally:
                db.session.remove()

    def _user(self, email: str) -> User:
        return db.session.scalar(db.select(User).where(User.email == email))

    def _operator(self) -> User:
        return accounts.create_site_admin("operator@example.no", "Operator", PASSWORD)

    def organisation(
        self, kind: str, name: str, email: str, kommune: str | None = "0301", verified: bool = True
    ) -> int:
        def work(index):
            draft = accounts.RegistrationDraft(
                organisation=accounts.OrganisationDraft(
                    kind=kind,
                    name=name,
                    org_number=seeded_org_number(name) if kind == "public_body" else None,
                    sector="municipality" if kind == "public_body" else None,
                    kommune=kommune,
                ),
                name=f"Contact of {name}",
                email=email,
                password=PASSWORD,
            )
            user = accounts.register(draft, index)
            if kind == "public_body" and verified:
                accounts.verify_organisation(self._operator(), user.organisation, index)
            return user.organisation_id

        return self._run(work)

    def need(self, email: str, draft: needs_service.NeedDraft, publish: bool = True) -> int:
        def work(index):
            actor = self._user(email)
            need = needs_service.create_need(actor, draft, index)
            if publish:
                needs_service.publish_need(actor, need, index)
            return need.id

        return self._run(work)

    def capability(self, email: str, draft: capabilities_service.CapabilityDraft) -> int:
        def work(index):
            return capabilities_service.create_capability(self._user(email), draft, index).id

        return self._run(work)

    def as_user(self, email: str, work):
        """Runs work(user, index) in the live app for any other service call; return plain values.

        Inside a request context: the notices such calls send carry links to the site."""
        with self.app.test_request_context():
            return self._run(lambda index: work(self._user(email), index))

    def need_row(self, need_id: int) -> Need:
        """The need itself, for service calls inside as_user (valid only within that call)."""
        return db.session.get(Need, need_id)
