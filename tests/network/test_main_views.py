"""The home page, the language switch, the about page and the dashboard through the test client."""

from __future__ import annotations

import pytest

from network.models import Role, Stage
from tests.helpers import location, text

pytestmark = pytest.mark.usefixtures("english")


# -- the home page, the language switch, the about page ---------------------------------------


def test_home_page_shows_the_newest_open_needs_of_the_three_priority_domains(client, make):
    example = make.public_body(name="Eksempelkommune", is_example=True)
    plain = make.public_body(name="Vanlig kommune")
    oldest = make.need(plain, domain="health", title="Eldste helsebehov")
    newer = [make.need(plain, domain="health", title=f"Nyere helsebehov {n}") for n in range(3)]
    shown = {
        "health": make.need(example, domain="health", title="Helse: færre fall hjemme"),
        "climate": make.need(plain, domain="climate", title="Klima: utslippsfrie byggeplasser"),
        "digital": make.need(plain, domain="digital", title="Digital: felles innbyggerportal"),
    }
    hidden = [
        make.need(plain, domain="other", title="Annet: kantinedrift"),
        make.need(plain, domain="health", stage=Stage.DRAFT, title="Utkast om helse"),
        make.need(plain, domain="climate", stage=Stage.AWARDED, title="Tildelt klimabehov"),
        oldest,
    ]

    response = client.get("/")

    page = text(response)
    assert response.status_code == 200
    for heading in ("Health and care", "Climate and environment", "ICT and digitalisation"):
        assert heading in page
    for need in [*shown.values(), *newer]:
        assert need.title in page
    for need in hidden:  # other domains, drafts, closed needs, and the fifth health need
        assert need.title not in page
    # Only the example organisation's need carries the example badge.
    assert page.count('class="badge example"') == 1
    card = page[page.index(shown["health"].title) :]
    assert card.index('class="badge example"') < card.index("</article>")


def test_home_page_without_needs_says_so_for_each_domain(client):
    response = client.get("/")

    assert response.status_code == 200
    assert text(response).count("No open needs in this field yet.") == 3


def test_about_page(client):
    assert client.get("/about").status_code == 200


def test_the_site_speaks_bokmaal_until_the_visitor_switches(app):
    fresh = app.test_client()
    bokmaal = text(fresh.get("/needs"))
    assert '<html lang="nb">' in bokmaal
    assert "Needs from public bodies" not in bokmaal

    response = fresh.post("/language", data={"lang": "en", "next": "/needs"})

    assert location(response) == "/needs"
    for url in ("/needs", "/about"):
        page = text(fresh.get(url))
        assert '<html lang="en">' in page
    assert "Needs from public bodies" in text(fresh.get("/needs"))
    assert "About Behovsbørsen" in text(fresh.get("/about"))


def test_an_unknown_language_is_ignored(app):
    fresh = app.test_client()

    fresh.post("/language", data={"lang": "xx", "next": "/about"})

    assert '<html lang="nb">' in text(fresh.get("/about"))


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/needs?domain=health", "/needs?domain=health"),
        ("https://evil.example", "/"),
        ("//evil.example", "/"),
        ("https:/evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_the_language_switch_only_returns_to_local_pages(client, target, expected):
    response = client.post("/language", data={"lang": "en", "next": target})

    assert location(response) == expected


def test_a_backslash_cannot_turn_next_into_another_host(client):
    # Browsers read "/\evil.example" as "//evil.example"; the redirect must not keep the backslash raw.
    target = location(client.post("/language", data={"lang": "en", "next": "/\\evil.example"}))

    assert not target.startswith(("//", "/\\"))


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("body", "/needs/mine"),
        ("supplier", "/organisations/for-you"),
        ("site_admin", "/admin/organisations"),
        ("no_organisation", "/"),
    ],
)
def test_the_dashboard_sends_each_user_to_their_start_page(login, client, make, who, expected):
    user = {
        "body": lambda: make.user(make.public_body()),
        "supplier": lambda: make.user(make.supplier()),
        "site_admin": lambda: make.user(site_admin=True),
        "no_organisation": lambda: make.user(None, role=Role.MEMBER),
    }[who]()
    login(user)

    assert location(client.get("/dashboard")) == expected


def test_the_language_switch_ignores_a_next_that_would_break_the_redirect(app):
    fresh = app.test_client()
    response = fresh.post("/language", data={"lang": "en", "next": "/needs\r\nX-Injected: 1"})
    assert response.status_code == 302
    assert "X-Injected" not in response.headers
    assert "\n" not in location(response)
