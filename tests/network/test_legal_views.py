"""Terms of use, privacy notice and accessibility statement: public pages in three languages, linked
from every page; the terms are accepted when an account is made (registration or invitation)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from network.models import User
from network.services.mail import outbox_messages
from tests.helpers import count, field_error, location, registration, rows, text

PAGES = {
    "/terms": {"nb": "Vilkår for bruk", "nn": "Vilkår for bruk", "en": "Terms of use"},
    "/privacy": {"nb": "Personvernerklæring", "nn": "Personvernerklæring", "en": "Privacy notice"},
    "/accessibility": {
        "nb": "Tilgjengelighetserklæring",
        "nn": "Tilgjengelegheitserklæring",
        "en": "Accessibility statement",
    },
}
# A phrase of each page's own text in each language: the body follows the visitor's language.
BODIES = {
    "/terms": {"nb": "Norsk lisens for offentlige data", "nn": "Norsk lisens for offentlege data",
               "en": "Norwegian Licence for Open Government Data"},
    "/privacy": {"nb": "Rettighetene dine", "nn": "Rettane dine", "en": "Your rights"},
    "/accessibility": {"nb": "Kjente avvik", "nn": "Kjende avvik", "en": "Known issues"},
}  # fmt: skip


def in_language(client, lang: str) -> None:
    with client.session_transaction() as session:
        session["lang"] = lang


@pytest.mark.parametrize("lang", ["nb", "nn", "en"])
@pytest.mark.parametrize("path", list(PAGES))
def test_each_page_in_each_language(client, path, lang):
    in_language(client, lang)

    response = client.get(path)

    assert response.status_code == 200
    html = text(response)
    assert f"<h1>{PAGES[path][lang]}</h1>" in html
    assert f'<html lang="{lang}">' in html
    assert BODIES[path][lang] in html
    others = {other for other in ("nb", "nn", "en") if other != lang}
    for other in others:
        if BODIES[path][other] != BODIES[path][lang]:
            assert BODIES[path][other] not in html


def test_the_terms_name_nlod_and_their_version(app, client):
    in_language(client, "en")
    html = text(client.get("/terms"))

    assert "https://data.norge.no/nlod/en/2.0" in html
    assert f"Version {app.config['TERMS_VERSION']}" in html


def test_the_accessibility_statement_names_wcag_and_how_to_report(client):
    html = text(client.get("/accessibility"))

    assert "WCAG 2.1" in html
    assert "mailto:tilgjengelighet@behovsborsen.no" in html
    assert "uutilsynet.no" in html


def test_every_page_links_to_the_three(client):
    html = text(client.get("/"))
    footer = html[html.index('<footer class="site-footer">') :]

    for path in PAGES:
        assert f'href="{path}"' in footer


# -- accepting the terms ----------------------------------------------------------------------


@pytest.mark.usefixtures("english")
def test_registration_needs_the_terms_accepted(client):
    data = registration()
    del data["accept_terms"]

    response = client.post("/register", data=data)

    assert response.status_code == 422
    html = text(response)
    assert "Accept the terms of use to create an account." in field_error(html, "accept_terms")
    assert 'href="/terms"' in html[html.index('id="accept_terms"') - 600 :]
    # What was typed stays.
    assert 'value="Bærum kommune"' in html
    assert count(User) == 0


def test_registration_stores_the_accepted_version(app, client):
    location(client.post("/register", data=registration()))

    (user,) = rows(User)
    assert user.terms_version == app.config["TERMS_VERSION"]
    assert user.terms_accepted_at is not None


def _invitation_token(app, client, login, body_admin) -> str:
    login(body_admin)
    client.post("/organisations/members", data={"email": "kari@example.no"})
    (mail,) = outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))
    client.post("/logout")
    return re.search(r"/invitations/([\w-]+)", mail.get_content()).group(1)


@pytest.mark.usefixtures("english")
def test_an_invitation_is_accepted_only_with_the_terms(app, client, login, body_admin):
    token = _invitation_token(app, client, login, body_admin)
    form = {"name": "Kari Kollega", "password": "kari-sitt-passord", "password2": "kari-sitt-passord"}

    refused = client.post(f"/invitations/{token}", data=form)

    assert refused.status_code == 422
    assert "Accept the terms of use" in field_error(text(refused), "accept_terms")
    assert count(User) == 1

    assert location(client.post(f"/invitations/{token}", data={**form, "accept_terms": "y"})) == "/dashboard"
    (kari,) = rows(User, User.email == "kari@example.no")
    assert kari.terms_version == app.config["TERMS_VERSION"]
    assert kari.terms_accepted_at is not None
