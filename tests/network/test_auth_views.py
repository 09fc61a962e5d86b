"""Registration, login and logout, and invitations through the test client."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from network.models import Invitation, Organisation, OrgKind, Role, User
from network.services.mail import outbox_messages
from tests.factories import PASSWORD
from tests.helpers import count, field_error, input_value, location, registration, rows, text

pytestmark = pytest.mark.usefixtures("english")


# -- registration -----------------------------------------------------------------------------


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


@pytest.mark.parametrize("target", ["/\r\nX-Injected: 1", "/needs\nx", "/\x00"])
def test_a_next_with_a_control_character_goes_home_instead_of_breaking_the_redirect(
    client, body_admin, target
):
    response = client.post("/login", data={"email": body_admin.email, "password": PASSWORD, "next": target})

    assert response.status_code == 302
    assert location(response) == "/"
    assert "X-Injected" not in response.headers


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
        data={
            "name": "Kari Kollega",
            "password": "kari-sitt-passord",
            "password2": "kari-sitt-passord",
            "accept_terms": "y",
        },
    )

    assert location(response) == "/dashboard"
    assert client.get("/needs/mine").status_code == 200  # logged in, as a member of the body
    (kari,) = rows(User, User.email == "kari@example.no")
    assert (kari.name, kari.organisation_id, kari.role) == ("Kari Kollega", body.id, Role.MEMBER)
    client.post("/logout")
    assert client.get(f"/invitations/{token}").status_code == 404
    again = client.post(
        f"/invitations/{token}",
        data={
            "name": "Kari To",
            "password": "kari-sitt-passord",
            "password2": "kari-sitt-passord",
            "accept_terms": "y",
        },
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
        data={
            "name": "Kari",
            "password": "kari-sitt-passord",
            "password2": "noe-helt-annet",
            "accept_terms": "y",
        },
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
