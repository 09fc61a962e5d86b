"""The web pages through the test client: status codes, redirects and one happy path per route."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest
import sqlalchemy as sa

from network.extensions import db
from network.models import (
    Capability,
    Domain,
    Invitation,
    Need,
    Organisation,
    OrgKind,
    Response,
    ResponseStatus,
    Role,
    Stage,
    User,
)
from network.services import responses as responses_service
from network.services.mail import outbox_messages
from tests.factories import PASSWORD

TUPLE_CHOICES = "Passing SelectField choices as tuples is deprecated"

HEALTH_TEXT = "Eldre som bor hjemme faller og blir liggende lenge før noen finner dem."


# -- helpers ----------------------------------------------------------------------------------


def text(response) -> str:
    return response.get_data(as_text=True)


def rows(model, *where) -> list:
    """Rows as the database has them now (after whatever the request did)."""
    db.session.expire_all()
    return list(db.session.scalars(sa.select(model).where(*where)))


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def location(response) -> str:
    assert response.status_code == 302, text(response)[:500]
    return response.headers["Location"]


def field_error(page: str, field_id: str) -> str:
    """The error shown next to a field (the macros give it the id '<field>-error')."""
    found = re.search(rf'id="{field_id}-error"[^>]*>(.*?)</p>', page, re.S)
    assert found, f"no error next to {field_id}"
    return found.group(1)


def input_value(page: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*\bname="{name}"[^>]*>', page)
    if tag is None:
        return None
    value = re.search(r'\bvalue="([^"]*)"', tag.group(0))
    return value.group(1) if value else None


@pytest.fixture
def body(make):
    return make.public_body(name="Eierkommune", kommune="0301")


@pytest.fixture
def body_admin(make, body):
    return make.user(body, name="Berit Byråkrat")


@pytest.fixture
def supplier(make):
    return make.supplier(name="Trygg Teknologi AS")


@pytest.fixture
def supplier_user(make, supplier):
    return make.user(supplier, name="Siri Selger")


@pytest.fixture(autouse=True)
def english(client):
    """Messages checked word for word are read in English, the catalogue's source language."""
    with client.session_transaction() as session:
        session["lang"] = "en"


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


# -- registration -----------------------------------------------------------------------------


def registration(kind="public_body", **kw):
    data = {
        "kind": kind,
        "org_name": "Bærum kommune" if kind == "public_body" else "Fjordtek AS",
        "org_number": "974760673" if kind == "public_body" else "923609016",
        "country": "NO",
        "sector": "municipality",
        "kommune": "3201" if kind == "public_body" else "",
        "name": "Ola Nordmann",
        "email": "ola@example.no",
        "password": "et-langt-passord",
        "password2": "et-langt-passord",
    }
    data.update(kw)
    return data


def test_a_public_body_registers_and_lands_on_its_needs(client):
    response = client.post("/register", data=registration())

    assert location(response) == "/dashboard"
    assert location(client.get("/dashboard")) == "/needs/mine"
    page = text(client.get("/needs/mine"))
    assert "Bærum kommune" in page
    assert "not verified yet" in page
    (org,) = rows(Organisation)
    assert (org.kind, org.verified, org.org_number, org.kommune) == (
        OrgKind.PUBLIC_BODY,
        False,
        "974760673",
        "3201",
    )
    (user,) = rows(User)
    assert (user.email, user.role, user.organisation_id) == ("ola@example.no", Role.ADMIN, org.id)


def test_a_supplier_registers_and_lands_on_needs_for_it(client):
    response = client.post("/register", data=registration("supplier", is_sme="y"))

    assert location(response) == "/dashboard"
    assert location(client.get("/dashboard")) == "/organisations/for-you"
    assert "Fjordtek AS" in text(client.get("/organisations/for-you"))
    (org,) = rows(Organisation)
    assert (org.kind, org.is_sme) == (OrgKind.SUPPLIER, True)


def test_the_register_link_can_preselect_the_kind(client):
    page = text(client.get("/register?kind=supplier"))

    assert re.search(r'<input[^>]*checked[^>]*value="supplier"|<input[^>]*value="supplier"[^>]*checked', page)


def test_an_invalid_org_number_is_shown_next_to_the_field_and_the_text_is_kept(client):
    response = client.post("/register", data=registration(org_number="123456789"))

    page = text(response)
    assert response.status_code == 422
    assert "not a valid Norwegian organisation number" in field_error(page, "org_number")
    assert input_value(page, "org_name") == "Bærum kommune"
    assert input_value(page, "org_number") == "123456789"
    assert input_value(page, "email") == "ola@example.no"
    assert "et-langt-passord" not in page  # passwords are never sent back
    assert count(Organisation) == count(User) == 0


def test_form_errors_of_registration_are_next_to_their_fields(client):
    response = client.post(
        "/register", data=registration(org_name="", email="ikke-en-adresse", password2="noe-annet-helt")
    )

    page = text(response)
    assert response.status_code == 422
    for field in ("org_name", "email", "password2"):
        assert field_error(page, field)
    assert input_value(page, "name") == "Ola Nordmann"
    assert count(Organisation) == 0


def test_a_registered_email_is_refused_with_a_message(client, make):
    make.user(make.supplier(), email="ola@example.no")

    response = client.post("/register", data=registration(email="OLA@example.no"))

    assert response.status_code == 422
    assert "An account with that e-mail address already exists" in text(response)
    assert input_value(text(response), "org_name") == "Bærum kommune"
    assert count(User) == 1
    assert count(Organisation) == 1


# -- login and logout -------------------------------------------------------------------------


def test_a_wrong_password_is_refused_with_a_message(client, body_admin):
    response = client.post("/login", data={"email": body_admin.email, "password": "feil-passord"})

    page = text(response)
    assert response.status_code == 422
    assert "Wrong e-mail address or password." in page
    assert input_value(page, "email") == body_admin.email
    assert "/login" in location(client.get("/dashboard"))


def test_login_and_logout(client, body_admin):
    response = client.post("/login", data={"email": body_admin.email.upper(), "password": PASSWORD})
    assert location(response) == "/dashboard"
    assert location(client.get("/dashboard")) == "/needs/mine"

    assert client.get("/logout").status_code == 405  # a link cannot log anyone out
    assert location(client.get("/dashboard")) == "/needs/mine"

    assert location(client.post("/logout")) == "/"
    assert "/login" in location(client.get("/dashboard"))


@pytest.mark.parametrize(
    ("target", "expected"), [("/needs/new", "/needs/new"), ("https://evil.example", "/")]
)
def test_login_returns_to_a_local_next_only(client, body_admin, target, expected):
    login_page = text(client.get("/login", query_string={"next": target}))
    assert f'id="next" name="next" type="hidden" value="{target}"' in login_page

    response = client.post("/login", data={"email": body_admin.email, "password": PASSWORD, "next": target})

    assert location(response) == expected


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


# -- invitations ------------------------------------------------------------------------------


def test_an_admin_invites_a_colleague_who_joins_with_the_link_once(app, login, client, body, body_admin):
    login(body_admin)
    assert (
        location(client.post("/organisations/members", data={"email": "Kari@Example.no"}))
        == "/organisations/members"
    )
    assert "kari@example.no" in text(client.get("/organisations/members"))  # pending, seen by the admin

    (mail,) = outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))
    assert mail["To"] == "kari@example.no"
    token = re.search(r"/invitations/([\w-]+)", mail.get_content()).group(1)
    client.post("/logout")

    page = client.get(f"/invitations/{token}")
    assert page.status_code == 200
    assert "Eierkommune" in text(page)
    response = client.post(
        f"/invitations/{token}",
        data={"name": "Kari Kollega", "password": "kari-sitt-passord", "password2": "kari-sitt-passord"},
    )

    assert location(response) == "/dashboard"
    assert client.get("/needs/mine").status_code == 200  # logged in, as a member of the body
    (kari,) = rows(User, User.email == "kari@example.no")
    assert (kari.name, kari.organisation_id, kari.role) == ("Kari Kollega", body.id, Role.MEMBER)
    client.post("/logout")
    assert client.get(f"/invitations/{token}").status_code == 404
    again = client.post(
        f"/invitations/{token}",
        data={"name": "Kari To", "password": "kari-sitt-passord", "password2": "kari-sitt-passord"},
    )
    assert again.status_code == 404
    assert count(User) == 2


def test_an_invitation_form_with_different_passwords_is_shown_again(app, login, client, body_admin):
    login(body_admin)
    client.post("/organisations/members", data={"email": "kari@example.no"})
    (mail,) = outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))
    token = re.search(r"/invitations/([\w-]+)", mail.get_content()).group(1)

    response = client.post(
        f"/invitations/{token}",
        data={"name": "Kari", "password": "kari-sitt-passord", "password2": "noe-helt-annet"},
    )

    assert response.status_code == 422
    assert field_error(text(response), "password2")
    assert count(User) == 1


def test_inviting_someone_with_an_account_is_refused_next_to_the_field(app, login, client, make, body_admin):
    taken = make.user(make.supplier())
    login(body_admin)

    response = client.post("/organisations/members", data={"email": taken.email})

    assert response.status_code == 422
    assert "already has an account" in field_error(text(response), "email")
    assert count(Invitation) == 0
    assert outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"])) == []


def test_an_unknown_invitation_is_missing(client):
    assert client.get("/invitations/not-a-real-token").status_code == 404


# -- the needs list ---------------------------------------------------------------------------


def test_the_needs_list_filters_by_domain_and_stage(client, make, body):
    health = make.need(body, domain="health", title="Helsebehov som er åpent")
    climate = make.need(body, domain="climate", title="Klimabehov som er åpent")
    closed = make.need(body, domain="health", stage=Stage.DIALOGUE_CLOSED, title="Helsebehov, dialog lukket")
    draft = make.need(body, stage=Stage.DRAFT, title="Et utkast")

    def titles(query):
        page = text(client.get("/needs", query_string=query))
        return {n.title for n in (health, climate, closed, draft) if n.title in page}

    assert titles({}) == {health.title, climate.title, closed.title}
    assert titles({"domain": "climate"}) == {climate.title}
    assert titles({"domain": "health", "stage": "open"}) == {health.title}
    assert titles({"stage": "dialogue_closed"}) == {closed.title}
    assert titles({"stage": "draft"}) == {health.title, climate.title, closed.title}  # never the drafts
    assert "No needs match this filter." in text(client.get("/needs?stage=awarded"))


def test_the_needs_list_pages_newest_first(app, client, make, body):
    app.config["PER_PAGE"] = 2
    needs = [make.need(body, title=f"Behov nummer {n}") for n in range(5)]

    first, third, beyond = (client.get("/needs", query_string={"page": p}) for p in (1, 3, 99))

    assert [n.title in text(first) for n in needs] == [False, False, False, True, True]
    assert 'rel="next" href="/needs?page=2"' in text(first)
    assert [n.title in text(third) for n in needs] == [True, False, False, False, False]
    assert 'rel="prev"' in text(third)
    assert beyond.status_code == 200
    assert "No needs match this filter." in text(beyond)


# -- writing a need ---------------------------------------------------------------------------


def need_form(**kw):
    data = {
        "title": "Færre fallulykker blant eldre",
        "description": HEALTH_TEXT,
        "affected": "Hjemmeboende",
        "outcome": "Halvparten så mange fall",
        "domain": "health",
        "cpv": "33000000, 48000000",
        "kommuner": ["0301"],
        "route": "market_dialogue",
        "budget_min": "100000",
        "budget_max": "2000000",
        "deadline": "2030-06-30",
    }
    data.update(kw)
    return data


def test_the_need_form_starts_with_the_bodys_own_kommune(login, client, body_admin):
    login(body_admin)

    response = client.get("/needs/new")

    assert response.status_code == 200
    assert re.search(r'<option selected value="0301">|<option value="0301" selected>', text(response))


def test_a_new_need_is_saved_as_a_draft_and_shown(login, client, body, body_admin):
    login(body_admin)

    response = client.post("/needs/new", data=need_form())

    (need,) = rows(Need)
    assert location(response) == f"/needs/{need.id}"
    assert need.stage == Stage.DRAFT
    assert (need.organisation_id, need.created_by_id) == (body.id, body_admin.id)
    assert (need.domain, need.cpv, need.kommuner) == (Domain.HEALTH, ["33000000", "48000000"], ["0301"])
    assert (need.budget_min, need.budget_max, need.deadline.isoformat()) == (100000, 2000000, "2030-06-30")
    page = text(client.get(response.headers["Location"]))
    assert "Only your organisation can see" in page
    assert need.title in page


def test_an_invalid_need_is_shown_again_with_its_errors_and_text(login, client, body_admin):
    login(body_admin)

    response = client.post("/needs/new", data=need_form(title="", budget_min="abc"))

    page = text(response)
    assert response.status_code == 422
    assert field_error(page, "title")
    assert field_error(page, "budget_min")
    assert HEALTH_TEXT in page
    assert count(Need) == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"cpv": "12345678"}, "cpv", "Unknown CPV code"),
        ({"budget_min": "500", "budget_max": "100"}, "budget_max", "cannot be above"),
    ],
)
def test_rules_of_the_service_are_shown_next_to_the_field(login, client, body_admin, change, field, message):
    login(body_admin)

    response = client.post("/needs/new", data=need_form(**change))

    assert response.status_code == 422
    assert message in field_error(text(response), field)
    assert HEALTH_TEXT in text(response)
    assert count(Need) == 0


def test_the_owner_edits_a_need(login, client, make, body, body_admin):
    need = make.need(body, title="Gammel tittel")
    login(body_admin)

    form = client.get(f"/needs/{need.id}/edit")
    response = client.post(f"/needs/{need.id}/edit", data=need_form(title="Ny tittel"))

    assert form.status_code == 200
    assert input_value(text(form), "title") == "Gammel tittel"
    assert location(response) == f"/needs/{need.id}"
    assert rows(Need)[0].title == "Ny tittel"


def test_a_verified_body_publishes_its_draft(login, client, make, body, body_admin):
    need = make.need(body, stage=Stage.DRAFT)
    login(body_admin)

    response = client.post(f"/needs/{need.id}/publish")

    assert location(response) == f"/needs/{need.id}"
    (published,) = rows(Need)
    assert published.stage == Stage.OPEN
    assert published.published_at is not None
    assert "The need is published." in text(client.get(f"/needs/{need.id}"))


def test_the_owner_moves_a_need_through_its_stages(login, client, make, body, body_admin):
    need = make.need(body)
    login(body_admin)
    page = text(client.get(f"/needs/{need.id}"))
    assert f'action="/needs/{need.id}/stage"' in page

    closed = client.post(f"/needs/{need.id}/stage", data={"stage": "dialogue_closed"})
    tendered = client.post(f"/needs/{need.id}/stage", data={"stage": "tendered", "doffin_ref": "2030-123456"})

    assert location(closed) == location(tendered) == f"/needs/{need.id}"
    (moved,) = rows(Need)
    assert (moved.stage, moved.doffin_ref) == (Stage.TENDERED, "2030-123456")


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Stage.AWARDED, "open"),
        (Stage.OPEN, "awarded"),
        (Stage.OPEN, "draft"),
        (Stage.OPEN, "no-such-stage"),
        (Stage.OPEN, ""),
    ],
)
def test_a_stage_the_need_cannot_move_to_is_refused(login, client, make, body, body_admin, start, target):
    need = make.need(body, stage=start)
    login(body_admin)

    response = client.post(f"/needs/{need.id}/stage", data={"stage": target})

    assert location(response) == f"/needs/{need.id}"
    assert rows(Need)[0].stage == start
    assert 'class="flash flash-error"' in text(client.get(f"/needs/{need.id}"))


def test_deleting_a_draft_asks_first(login, client, make, body, body_admin):
    need = make.need(body, stage=Stage.DRAFT, title="Utkast som skal bort")
    login(body_admin)

    confirm = client.get(f"/needs/{need.id}/delete")

    assert confirm.status_code == 200
    assert f'action="/needs/{need.id}/delete"' in text(confirm)
    assert "Utkast som skal bort" in text(confirm)
    assert count(Need) == 1

    response = client.post(f"/needs/{need.id}/delete")

    assert location(response) == "/needs/mine"
    assert count(Need) == 0
    assert client.get(f"/needs/{need.id}").status_code == 404


def test_my_needs_lists_drafts_and_published_needs_with_counts(login, client, make, body, body_admin):
    draft = make.need(body, stage=Stage.DRAFT, title="Mitt utkast")
    need = make.need(body, title="Mitt åpne behov")
    other = make.need(make.public_body(), title="Noen andres behov")
    responses_service.submit_response(
        make.user(make.supplier()), need, responses_service.ResponseDraft(message="Vi kan hjelpe.")
    )
    login(body_admin)

    page = text(client.get("/needs/mine"))

    assert draft.title in page
    assert need.title in page
    assert other.title not in page
    assert re.search(rf"{need.title}</a></td>.*?<td>1</td>", page, re.S)


# -- a need's page: matching suppliers and peers ----------------------------------------------


def test_a_published_needs_page_ranks_suppliers_with_reasons_and_shows_peers(client, make, body):
    need = make.need(
        body,
        domain="health",
        cpv=["33000000"],
        title="Fallforebygging for hjemmeboende eldre",
        description=HEALTH_TEXT,
    )
    best = make.supplier(name="Best Match AS")
    make.capability(
        best,
        title="Fallforebygging og fallalarm for eldre",
        domains=["health"],
        cpv=["33000000"],
        fylker=["03"],
        description="Sensorer varsler når eldre faller hjemme.",
    )
    weaker = make.supplier(name="Svakere Match AS")
    make.capability(
        weaker,
        title="Velferdsteknologi",
        domains=["health"],
        cpv=["48000000"],
        fylker=["46"],
        description="Digitale løsninger for hjemmetjenesten.",
    )
    unrelated = make.supplier(name="Asfalt og Veier AS")
    make.capability(
        unrelated,
        title="Asfaltering",
        domains=["climate"],
        cpv=["45233000"],
        fylker=["46"],
        description="Vi legger asfalt på veier.",
    )
    peer = make.need(
        make.public_body(name="Nabokommune"),
        domain="health",
        cpv=["33000000"],
        title="Fallforebygging i omsorgsboliger",
        description=HEALTH_TEXT,
    )
    own_other = make.need(body, domain="health", title="Fallforebygging på sykehjem", description=HEALTH_TEXT)

    response = client.get(f"/needs/{need.id}")

    page = text(response)
    assert response.status_code == 200
    suppliers = page[page.index('id="h-suppliers"') : page.index('id="h-peers"')]
    assert "Best Match AS" in suppliers
    # Sharing only the domain (health) is no match, and the list says how many strong matches it has.
    assert "Svakere Match AS" not in suppliers
    assert "Asfalt og Veier AS" not in suppliers
    assert "1 strong match." in suppliers
    assert 'class="reasons"' in suppliers
    # Both say 33000000, a division's code: the same broad heading, as close as a class.
    assert 'Same CPV class: <span class="code">33000000</span>' in suppliers
    peers = page[page.index('id="h-peers"') :]
    assert peer.title in peers
    assert "Nabokommune" in peers
    assert "1 other body has this challenge." in peers
    assert own_other.title not in peers  # peers are other bodies' needs


def test_empty_match_lists_say_so_and_promise_a_notice(login, client, make, body, body_admin):
    need = make.need(
        body, cpv=[], title="Digital tilsyn av fyrlykter", description="Lyktene slukner om natten."
    )
    anonymous = text(client.get(f"/needs/{need.id}"))
    assert "No other public body has published this challenge yet." in anonymous
    assert "No registered supplier matches this need strongly yet." in anonymous
    assert "and follow the need to hear when one does." in anonymous
    login(body_admin)
    owner = text(client.get(f"/needs/{need.id}"))
    assert owner.count("We will tell you when one does.") == 2
    # A need without codes is matched less surely: the owner is shown how to help.
    assert "Tip: add CPV codes to the need." in owner


def test_an_owners_draft_page_shows_similar_published_needs(login, client, make, body, body_admin):
    draft = make.need(body, stage=Stage.DRAFT, title="Fallforebygging for eldre", description=HEALTH_TEXT)
    peer = make.need(make.public_body(), title="Fallforebygging i omsorgsboliger", description=HEALTH_TEXT)
    login(body_admin)

    page = text(client.get(f"/needs/{draft.id}"))

    assert "Similar needs already published" in page
    assert peer.title in page
    assert 'id="h-suppliers"' not in page  # matching suppliers wait for the need to be published


# -- responding to a need ---------------------------------------------------------------------


@pytest.fixture
def open_need(make, body):
    return make.need(body, title="Digitalt tilsyn for hjemmeboende")


def test_a_supplier_responds_and_the_body_sees_it(app, login, client, open_need, body_admin, supplier_user):
    login(supplier_user)
    assert 'action="/needs/' in text(client.get(f"/needs/{open_need.id}"))  # the form is offered

    response = client.post(
        f"/needs/{open_need.id}/responses",
        data={"message": "Vi har en løsning for dette.", "link": "https://trygg.example"},
    )

    assert location(response) == f"/needs/{open_need.id}#response"
    own = text(client.get(f"/needs/{open_need.id}"))
    assert "Your response" in own
    assert "Vi har en løsning for dette." in own
    (saved,) = rows(Response)
    assert (saved.organisation_id, saved.user_id, saved.link) == (
        supplier_user.organisation_id,
        supplier_user.id,
        "https://trygg.example",
    )
    client.post("/logout")

    login(body_admin)
    page = text(client.get(f"/needs/{open_need.id}"))
    responses = page[page.index('id="responses"') :]
    assert "Trygg Teknologi AS" in responses
    assert "Vi har en løsning for dette." in responses
    assert "(1)" in responses


def test_a_second_response_from_the_same_supplier_is_refused_with_a_message(
    login, client, make, open_need, supplier, supplier_user
):
    colleague = make.user(supplier, role=Role.MEMBER)
    login(supplier_user)
    client.post(f"/needs/{open_need.id}/responses", data={"message": "Første svar."})
    client.post("/logout")
    login(colleague)

    response = client.post(f"/needs/{open_need.id}/responses", data={"message": "Andre svar."})

    assert location(response) == f"/needs/{open_need.id}"
    assert "already responded" in text(client.get(f"/needs/{open_need.id}"))
    assert [r.message for r in rows(Response)] == ["Første svar."]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"message": ""}, "message"),
        ({"message": "Vi kan hjelpe.", "link": "ftp://trygg.example"}, "link"),
        ({"message": "Vi kan hjelpe.", "link": "ikke en lenke"}, "link"),
    ],
)
def test_an_invalid_response_is_shown_again(login, client, open_need, supplier_user, data, field):
    login(supplier_user)

    response = client.post(f"/needs/{open_need.id}/responses", data=data)

    assert response.status_code == 422
    assert field_error(text(response), field)
    if data["message"]:
        assert data["message"] in text(response)
    assert count(Response) == 0


def test_the_body_sets_a_responses_status(login, client, open_need, body_admin, supplier_user):
    saved = responses_service.submit_response(
        supplier_user, open_need, responses_service.ResponseDraft(message="Vi kan hjelpe.")
    )
    login(body_admin)

    response = client.post(f"/needs/responses/{saved.id}/status", data={"status": "invited"})
    bogus = client.post(f"/needs/responses/{saved.id}/status", data={"status": "hired"})

    assert location(response) == f"/needs/{open_need.id}#responses"
    assert bogus.status_code == 400
    assert rows(Response)[0].status == ResponseStatus.INVITED
    assert client.post("/needs/responses/999999/status", data={"status": "invited"}).status_code == 404


# -- capabilities -----------------------------------------------------------------------------


def capability_form(**kw):
    data = {
        "title": "Fallalarm med sensorer",
        "description": "Sensorer som varsler når noen faller.",
        "domains": ["health", "digital"],
        "cpv": "33000000",
        "fylker": ["03", "32"],
        "maturity": "pilot",
        "references": "Brukt i tre kommuner.",
    }
    data.update(kw)
    return data


def test_a_supplier_describes_a_capability(login, client, supplier, supplier_user):
    login(supplier_user)
    assert client.get("/capabilities/new").status_code == 200

    response = client.post("/capabilities/new", data=capability_form())

    (cap,) = rows(Capability)
    assert location(response) == f"/capabilities/{cap.id}"
    assert (cap.organisation_id, cap.domains, cap.fylker, cap.maturity.value) == (
        supplier.id,
        ["health", "digital"],
        ["03", "32"],
        "pilot",
    )
    page = text(client.get(f"/capabilities/{cap.id}"))
    assert "Fallalarm med sensorer" in page
    assert f'href="/capabilities/{cap.id}/edit"' in page


def test_an_invalid_capability_is_shown_again_with_its_text(login, client, supplier_user):
    login(supplier_user)

    response = client.post("/capabilities/new", data=capability_form(title="", cpv="99999999"))

    page = text(response)
    assert response.status_code == 422
    assert field_error(page, "title")
    assert "Sensorer som varsler når noen faller." in page
    assert count(Capability) == 0


def test_a_supplier_edits_a_capability(login, client, make, supplier, supplier_user):
    cap = make.capability(supplier, title="Gammel evne")
    login(supplier_user)

    form = client.get(f"/capabilities/{cap.id}/edit")
    response = client.post(f"/capabilities/{cap.id}/edit", data=capability_form(title="Ny evne"))

    assert input_value(text(form), "title") == "Gammel evne"
    assert location(response) == f"/capabilities/{cap.id}"
    assert rows(Capability)[0].title == "Ny evne"


def test_removing_a_capability_asks_first(login, client, make, supplier, supplier_user):
    cap = make.capability(supplier)
    login(supplier_user)

    confirm = client.get(f"/capabilities/{cap.id}/delete")
    assert confirm.status_code == 200
    assert f'action="/capabilities/{cap.id}/delete"' in text(confirm)
    assert count(Capability) == 1

    response = client.post(f"/capabilities/{cap.id}/delete")

    assert location(response) == f"/organisations/{supplier.id}"
    assert count(Capability) == 0
    assert client.get(f"/capabilities/{cap.id}").status_code == 404


# -- organisations ----------------------------------------------------------------------------


def test_a_public_bodys_page_shows_its_published_needs_and_drafts_only_to_members(
    login, client, make, body, body_admin
):
    published = make.need(body, title="Publisert behov")
    draft = make.need(body, stage=Stage.DRAFT, title="Internt utkast")

    outsider = text(client.get(f"/organisations/{body.id}"))
    login(body_admin)
    member = text(client.get(f"/organisations/{body.id}"))

    assert published.title in outsider
    assert draft.title not in outsider
    assert f'href="/organisations/{body.id}/edit"' not in outsider
    assert published.title in member
    assert draft.title in member
    assert f'href="/organisations/{body.id}/edit"' in member


def test_a_suppliers_page_shows_its_capabilities(client, make, supplier):
    cap = make.capability(supplier, title="Fallalarm med sensorer")
    other = make.capability(make.supplier(), title="Noen andres evne")

    response = client.get(f"/organisations/{supplier.id}")

    assert response.status_code == 200
    assert f'href="/capabilities/{cap.id}"' in text(response)
    assert other.title not in text(response)


def test_the_organisation_list_filters_by_kind(client, body, supplier):
    everyone = text(client.get("/organisations"))
    suppliers = text(client.get("/organisations?kind=supplier"))

    assert "Eierkommune" in everyone
    assert "Trygg Teknologi AS" in everyone
    assert "Trygg Teknologi AS" in suppliers
    assert "Eierkommune" not in suppliers


def test_an_admin_edits_the_organisations_profile(login, client, body, body_admin):
    login(body_admin)
    form = client.get(f"/organisations/{body.id}/edit")
    assert input_value(text(form), "name") == "Eierkommune"

    response = client.post(
        f"/organisations/{body.id}/edit",
        data={
            "name": "Eierkommune kommune",
            "org_number": "974760673",
            "sector": "municipality",
            "kommune": "0301",
            "website": "https://eier.kommune.example",
            "description": "Vi eier behov.",
        },
    )

    assert location(response) == f"/organisations/{body.id}"
    (org,) = rows(Organisation)
    assert (org.name, org.org_number, org.website) == (
        "Eierkommune kommune",
        "974760673",
        "https://eier.kommune.example",
    )
    assert "Vi eier behov." in text(client.get(f"/organisations/{body.id}"))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"website": "ikke en adresse"}, "website"),
        ({"org_number": "123456789"}, "org_number"),
        ({"name": ""}, "name"),
    ],
)
def test_an_invalid_profile_is_shown_again(login, client, body, body_admin, change, field):
    login(body_admin)
    data = {"name": "Nytt navn", "sector": "municipality", "kommune": "0301", "description": "Ny tekst"}

    response = client.post(f"/organisations/{body.id}/edit", data={**data, **change})

    assert response.status_code == 422
    assert field_error(text(response), field)
    assert "Ny tekst" in text(response)
    assert rows(Organisation)[0].name == "Eierkommune"


def test_needs_for_a_supplier_list_matching_open_needs(login, client, make, body, supplier, supplier_user):
    make.capability(
        supplier,
        title="Fallalarm for eldre",
        description=HEALTH_TEXT,
        domains=["health"],
        cpv=["33000000"],
        fylker=["03"],
    )
    fits = make.need(body, title="Fallforebygging for eldre", description=HEALTH_TEXT, cpv=["33000000"])
    closed = make.need(
        body, stage=Stage.AWARDED, title="Tildelt fallforebygging", description=HEALTH_TEXT, cpv=["33000000"]
    )
    draft = make.need(body, stage=Stage.DRAFT, title="Utkast om fallforebygging", description=HEALTH_TEXT)
    login(supplier_user)

    response = client.get("/organisations/for-you")

    page = text(response)
    assert response.status_code == 200
    assert fits.title in page
    assert 'class="reasons"' in page
    assert closed.title not in page
    assert draft.title not in page


def test_a_supplier_without_capabilities_is_asked_to_describe_one(login, client, make, body, supplier_user):
    make.need(body)
    login(supplier_user)

    page = text(client.get("/organisations/for-you"))

    assert "Describe what you can do" in page
    assert 'href="/capabilities/new"' in page


def test_an_admin_sees_colleagues_and_the_invitation_form(login, client, make, body, body_admin):
    make.user(body, role=Role.MEMBER, name="Kari Kollega")
    login(body_admin)

    page = text(client.get("/organisations/members"))

    assert "Berit Byråkrat" in page
    assert "Kari Kollega" in page
    assert 'name="email"' in page


# -- search -----------------------------------------------------------------------------------


@pytest.fixture
def searchable(make, body, supplier):
    return {
        "open": make.need(
            body, domain="health", title="Fallforebygging for hjemmeboende", description=HEALTH_TEXT
        ),
        "closed": make.need(
            body,
            domain="health",
            stage=Stage.DIALOGUE_CLOSED,
            title="Fallforebygging på sykehjem",
            description=HEALTH_TEXT,
        ),
        "climate": make.need(
            body,
            domain="climate",
            title="Fallvind og klimatilpasning",
            description="Kraftig vind og fallende trær på veiene.",
        ),
        "draft": make.need(
            body, stage=Stage.DRAFT, title="Fallforebygging i utkast", description=HEALTH_TEXT
        ),
        "cap": make.capability(supplier, title="Fallforebygging med sensorer", description=HEALTH_TEXT),
    }


def result_links(page: str) -> list[str]:
    section = page[page.index('id="h-results"') :]
    return re.findall(r'<h3><a href="(/[a-z]+/\d+)"', section)


def test_search_finds_needs_capabilities_and_organisations(client, searchable, body):
    response = client.get("/search", query_string={"q": "fallforebygging"})

    page = text(response)
    links = result_links(page)
    assert response.status_code == 200
    assert f"/needs/{searchable['open'].id}" in links
    assert f"/needs/{searchable['closed'].id}" in links
    assert f"/capabilities/{searchable['cap'].id}" in links
    assert f"/needs/{searchable['draft'].id}" not in links
    assert "<mark" in page
    assert f"/organisations/{body.id}" in result_links(text(client.get("/search?q=Eierkommune")))


@pytest.mark.parametrize(
    ("facets", "expected"),
    [
        ({"kind": "capability"}, ["cap"]),
        ({"kind": "need", "stage": "dialogue_closed"}, ["closed"]),
        ({"kind": "need", "domain": "health", "stage": "open"}, ["open"]),
    ],
)
def test_search_facets_narrow_the_results(client, searchable, facets, expected):
    response = client.get("/search", query_string={"q": "fallforebygging", **facets})

    page = text(response)
    assert response.status_code == 200
    assert sorted(result_links(page)) == sorted(
        f"/{'capabilities' if key == 'cap' else 'needs'}/{searchable[key].id}" for key in expected
    )
    for name, value in facets.items():
        assert re.search(rf'name="{name}" value="{value}" checked', page)


def test_search_by_date_puts_the_newest_first(client, make, body):
    older = make.need(body, title="Lading av elbiler", description="Lading av elbiler. Lading om natten.")
    newer = make.need(body, title="Parkering i sentrum", description="Parkering, og noe lading.")

    def order(**extra):
        query = {"q": "lading", "kind": "need", **extra}
        return result_links(text(client.get("/search", query_string=query)))

    assert order() == [f"/needs/{older.id}", f"/needs/{newer.id}"]  # the better match first ...
    assert order(order="date") == [f"/needs/{newer.id}", f"/needs/{older.id}"]  # ... or the newest
    assert 'value="date" selected' in text(client.get("/search?q=lading&order=date"))


def test_an_empty_search_lists_published_content(client, searchable):
    response = client.get("/search")

    links = result_links(text(response))
    assert response.status_code == 200
    assert f"/needs/{searchable['open'].id}" in links
    assert f"/needs/{searchable['draft'].id}" not in links


def test_a_search_without_hits_says_so(client, searchable):
    response = client.get("/search", query_string={"q": "kvantedatamaskin"})

    assert response.status_code == 200
    assert "Nothing matched “kvantedatamaskin”." in text(response)


def test_a_page_beyond_the_end_shows_the_empty_state(client, searchable):
    response = client.get("/search", query_string={"q": "fallforebygging", "page": "99"})

    assert response.status_code == 200
    assert result_links(text(response)) == []
    assert 'class="empty"' in text(response)


def test_search_highlights_do_not_let_html_through(client, make, body):
    make.need(
        body,
        title="<script>alert('x')</script> Fallforebygging",
        description="<img src=x onerror=alert(1)> fallforebygging hjemme",
    )

    page = text(client.get("/search?q=fallforebygging"))

    assert "<script>alert" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;" in page


# -- similar needs while writing --------------------------------------------------------------


def test_similar_needs_is_a_fragment_of_other_bodies_published_needs(login, client, make, body, body_admin):
    other = make.need(
        make.public_body(name="Nabokommune"),
        title="Fallforebygging i omsorgsboliger",
        description=HEALTH_TEXT,
    )
    own = make.need(body, title="Fallforebygging på sykehjem", description=HEALTH_TEXT)
    login(body_admin)

    query = {"title": "Fallforebygging", "description": HEALTH_TEXT, "domain": "health", "cpv": "48000000"}
    response = client.get("/needs/similar", query_string=query)

    page = text(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert other.title in page
    assert "Nabokommune" in page
    assert own.title not in page


def test_similar_needs_excludes_the_need_being_edited(login, client, make, body_admin):
    other = make.need(make.public_body(), title="Fallforebygging i omsorgsboliger", description=HEALTH_TEXT)
    login(body_admin)

    page = text(client.get("/needs/similar", query_string={"title": other.title, "exclude": str(other.id)}))

    assert other.title not in page


def test_similar_needs_without_text_is_empty(login, client, body_admin):
    login(body_admin)

    response = client.get("/needs/similar")

    assert response.status_code == 200
    assert "No similar published needs found yet." in text(response)


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/needs/999999",
        "/needs/999999/edit",
        "/capabilities/999999",
        "/organisations/999999",
        "/this/does/not/exist",
        "/needs/abc",
        "/static/no-such-file.css",
    ],
)
def test_unknown_pages_are_html_404s(login, client, make, url):
    login(make.user(make.public_body()))

    response = client.get(url)

    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "<html" in text(response)
    assert "Error code 404." in text(response)


def test_a_wrong_method_is_an_html_405(client):
    response = client.get("/logout")

    assert response.status_code == 405
    assert response.mimetype == "text/html"


def test_forms_with_fixed_choices_build_without_warnings(client):
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=TUPLE_CHOICES, category=DeprecationWarning)
        for path in ("/register", "/login"):
            assert client.get(path).status_code == 200


# -- nothing a user sends gives a server error ------------------------------------------------


@pytest.fixture
def no_propagation(app):
    """Let errors become responses, so a 500 is a status to assert rather than an exception."""
    app.config["PROPAGATE_EXCEPTIONS"] = False


ODD_GETS = [
    "/needs?page=-1",
    "/needs?page=abc",
    "/needs?page=0",
    "/needs?page=99999999999999999999",
    "/needs?stage=bogus&domain=bogus",
    "/needs?stage=draft",
    "/organisations?page=abc&kind=bogus",
    "/search?page=-1",
    "/search?page=abc",
    "/search?q=" + "fall " * 2000,
    "/search?stage=bogus&kind=bogus",
    "/search?domain=x&fylke=99&cpv=zz&order=bogus",
    "/search?q=%00%ff",
    "/search?q=(AND OR NOT*",
    "/search?q=*",
    "/search?q=title:x",
    "/needs/similar?exclude=abc&cpv=abc,12&domain=bogus",
    "/needs/similar?title=" + "a" * 9000,
    "/needs/similar?cpv=" + "4" * 5000,
    "/login?next=%00",
    "/register?kind=bogus",
    "/needs?page=١",
    "/needs/similar?title=fall&exclude=٣",
]
SUPERSCRIPT_PAGES = [
    "/needs?page=²",
    "/search?page=²",
    "/organisations?page=²",
    "/needs/similar?title=fall&exclude=²",
]


@pytest.mark.usefixtures("no_propagation")
def test_odd_query_values_never_give_a_server_error(login, client, make, body, body_admin):
    make.need(body)
    login(body_admin)

    failures = [f"{url[:60]}: {status}" for url in ODD_GETS if (status := client.get(url).status_code) >= 500]

    assert failures == []


@pytest.mark.usefixtures("no_propagation")
@pytest.mark.parametrize("url", SUPERSCRIPT_PAGES)
def test_a_digit_that_is_not_decimal_is_no_server_error(login, client, body_admin, url):
    login(body_admin)

    assert client.get(url).status_code < 500


@pytest.mark.usefixtures("no_propagation")
def test_odd_form_values_never_give_a_server_error(login, client, make, body, body_admin, supplier_user):
    need = make.need(body)
    draft = make.need(body, stage=Stage.DRAFT)
    saved = responses_service.submit_response(
        supplier_user, need, responses_service.ResponseDraft(message="Vi kan hjelpe.")
    )
    login(body_admin)
    posts = [
        ("/needs/new", need_form(budget_min="1" * 30)),
        ("/needs/new", need_form(budget_min="-5", budget_max="1e9")),
        ("/needs/new", need_form(deadline="2030-13-45")),
        ("/needs/new", need_form(domain="bogus", route="bogus")),
        ("/needs/new", need_form(kommuner=["9999", ""], fylker=["99"])),
        ("/needs/new", need_form(cpv="abc, 1, 123456789012")),
        ("/needs/new", need_form(title="x" * 100_000, description="y" * 100_000)),
        ("/needs/new", need_form(title="nul\x00tegn")),
        (f"/needs/{draft.id}/edit", need_form(kommuner=["abc"])),
        (f"/needs/{need.id}/stage", {"stage": "bogus", "doffin_ref": "x" * 500}),
        (f"/needs/{need.id}/stage", {}),
        (f"/needs/responses/{saved.id}/status", {"status": ""}),
        (f"/needs/{need.id}/publish", {}),
        (f"/organisations/{body.id}/edit", {"name": "x", "kommune": "bogus", "sector": "bogus"}),
        (f"/organisations/{body.id}/edit", {"name": "x", "org_number": "12 345 678 9"}),
        ("/organisations/members", {"email": "not an address"}),
        ("/language", {"lang": "x" * 1000, "next": "\x00"}),
        ("/capabilities/new", capability_form()),  # a body may not: 403, not 500
    ]
    failures = []
    for url, data in posts:
        response = client.post(url, data=data)
        if response.status_code >= 500:
            failures.append(f"{url} {sorted(data)}: {response.status_code}")
    client.post("/logout")
    for url, data in [
        ("/login", {"email": "x" * 10_000, "password": "y"}),
        ("/register", registration(kind="bogus", country="Norge", kommune="abc")),
        ("/register", registration(org_number="12345678901")),
        ("/invitations/x", {"name": "x", "password": "y"}),
    ]:
        response = client.post(url, data=data)
        if response.status_code >= 500:
            failures.append(f"{url}: {response.status_code}")

    assert failures == []


@pytest.mark.parametrize("path", ["/needs/2147483648", "/api/needs/99999999999", "/organisations/2147483648"])
def test_an_id_beyond_the_databases_range_is_missing_not_an_error(client, path):
    # PostgreSQL's INTEGER ids end at 2**31 - 1; a larger number must not reach the database.
    assert client.get(path).status_code == 404


def test_parse_id_takes_only_ids_in_range():
    from network.views.forms_util import MAX_ID, parse_id

    assert parse_id("42") == 42
    assert parse_id(f" {MAX_ID} ") == MAX_ID
    assert [parse_id(raw) for raw in ("0", str(MAX_ID + 1), "-1", "1e3", "", None, "٣")] == [None] * 7
