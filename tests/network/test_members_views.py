"""An organisation's administrators manage colleagues (role, removal, invitations); a site administrator
withdraws a body's verification with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from network.extensions import db
from network.models import AuditEntry, Invitation, Need, Organisation, Role, Stage, User
from network.services.mail import outbox_messages
from tests.helpers import count, location, need_form, rows, text

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def colleague(make, body):
    return make.user(body, role=Role.MEMBER, name="Kari Kollega", email="kari@example.no")


def test_an_admin_makes_a_colleague_administrator_and_back(login, client, body_admin, colleague):
    login(body_admin)

    assert location(client.post(f"/organisations/members/{colleague.id}/role", data={"role": "admin"})) == (
        "/organisations/members"
    )
    assert rows(User, User.id == colleague.id)[0].role == Role.ADMIN
    client.post(f"/organisations/members/{colleague.id}/role", data={"role": "member"})
    assert rows(User, User.id == colleague.id)[0].role == Role.MEMBER
    (first, second) = rows(AuditEntry, AuditEntry.action == "security.role_changed")
    assert first.target_id == colleague.id
    assert first.actor_id == body_admin.id
    assert first.changes == {"role": ["member", "admin"]}


def test_the_last_admin_cannot_step_down(login, client, body_admin, colleague):
    login(body_admin)

    client.post(f"/organisations/members/{body_admin.id}/role", data={"role": "member"})

    assert rows(User, User.id == body_admin.id)[0].role == Role.ADMIN
    assert "last administrator" in text(client.get("/organisations/members"))


def test_with_a_second_admin_the_first_may_step_down(login, client, make, body, body_admin):
    make.user(body, name="Andre Admin")
    login(body_admin)

    client.post(f"/organisations/members/{body_admin.id}/role", data={"role": "member"})

    assert rows(User, User.id == body_admin.id)[0].role == Role.MEMBER


def test_an_unknown_role_is_a_bad_request(login, client, body_admin, colleague):
    login(body_admin)

    assert (
        client.post(f"/organisations/members/{colleague.id}/role", data={"role": "owner"}).status_code == 400
    )


def test_removing_asks_first_and_then_deletes_the_colleagues_account(
    app, login, client, body, body_admin, colleague
):
    need = Need(organisation=body, created_by=colleague, title="Kollegas behov", stage=Stage.DRAFT)
    db.session.add(need)
    db.session.commit()
    login(body_admin)

    page = client.get(f"/organisations/members/{colleague.id}/remove")
    assert page.status_code == 200
    assert "Kari Kollega" in text(page)
    assert count(User, User.id == colleague.id) == 1

    assert location(client.post(f"/organisations/members/{colleague.id}/remove")) == "/organisations/members"

    assert count(User, User.email == "kari@example.no") == 0
    assert rows(Need, Need.title == "Kollegas behov")[0].created_by_id is None
    (entry,) = rows(AuditEntry, AuditEntry.action == "security.member_removed")
    assert entry.actor_name == "Berit Byråkrat"
    assert entry.target_label.startswith("Bruker ")
    mails = [m for m in outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"])) if m["To"] == "kari@example.no"]
    assert mails


def test_the_last_admin_cannot_remove_themselves(login, client, body_admin, colleague):
    login(body_admin)

    client.post(f"/organisations/members/{body_admin.id}/remove")

    assert count(User, User.id == body_admin.id) == 1


def test_an_admin_withdraws_an_invitation_and_its_link_stops_working(app, login, client, body_admin):
    login(body_admin)
    client.post("/organisations/members", data={"email": "ny@example.no"})
    (invitation,) = rows(Invitation)
    (mail,) = outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"]))
    link = mail.get_content().split("http://localhost")[1].split()[0]

    assert location(client.post(f"/organisations/invitations/{invitation.id}/withdraw")) == (
        "/organisations/members"
    )

    assert count(Invitation) == 0
    client.post("/logout")
    assert client.get(link).status_code == 404
    assert count(AuditEntry, AuditEntry.action == "member.invitation_withdrawn") == 1


# -- who may ----------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["member", "other_admin", "supplier", "anonymous"])
def test_only_the_organisations_admin_may_change_colleagues(
    app, login, client, make, body, body_admin, colleague, who
):
    # An invitation of the body, waiting.
    invitation = Invitation(
        organisation_id=body.id, email="venter@example.no", token_hash="h" * 64, expires_at=body.created_at
    )
    db.session.add(invitation)
    db.session.commit()
    actor = {
        "member": colleague,
        "other_admin": make.user(make.public_body(name="Annen kommune")),
        "supplier": make.user(make.supplier()),
        "anonymous": None,
    }[who]
    if actor is not None:
        login(actor)

    answers = [
        client.post(f"/organisations/members/{body_admin.id}/role", data={"role": "member"}),
        client.get(f"/organisations/members/{body_admin.id}/remove"),
        client.post(f"/organisations/members/{body_admin.id}/remove"),
        client.post(f"/organisations/invitations/{invitation.id}/withdraw"),
    ]

    for answer in answers:
        if actor is None:
            assert "/login" in location(answer)
        else:
            assert answer.status_code in (403, 404)
    assert rows(User, User.id == body_admin.id)[0].role == Role.ADMIN
    assert count(Invitation) == 1


# -- verification -----------------------------------------------------------------------------


def test_a_site_admin_withdraws_a_verification_with_a_reason(app, login, client, make, body, body_admin):
    make.need(body, title="Publisert behov før tilbaketrekking")
    login(make.user(site_admin=True))

    assert "Withdraw the verification of Eierkommune" in text(client.get("/admin/organisations"))
    missing = client.post(f"/admin/organisations/{body.id}/unverify", data={"reason": "  "})
    assert missing.status_code == 422
    assert rows(Organisation, Organisation.id == body.id)[0].verified
    response = client.post(
        f"/admin/organisations/{body.id}/unverify",
        data={"reason": "Organisasjonsnummeret hører til en annen."},
    )

    assert location(response) == "/admin/organisations"
    assert not rows(Organisation, Organisation.id == body.id)[0].verified
    (entry,) = rows(AuditEntry, AuditEntry.action == "organisation.unverify")
    assert entry.changes["reason"] == "Organisasjonsnummeret hører til en annen."
    (mail,) = [m for m in outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"])) if m["To"] == body_admin.email]
    assert "Organisasjonsnummeret hører til en annen." in mail.get_content()
    # The published need stays public; a new one cannot be published.
    client.post("/logout")
    assert "Publisert behov før tilbaketrekking" in text(client.get("/needs"))
    login(body_admin)
    client.post("/needs/new", data=need_form(title="Nytt behov etter tilbaketrekking"))
    (draft,) = rows(Need, Need.title == "Nytt behov etter tilbaketrekking")
    client.post(f"/needs/{draft.id}/publish")
    assert rows(Need, Need.id == draft.id)[0].stage == Stage.DRAFT


def test_only_a_site_admin_withdraws_a_verification(login, client, make, body, body_admin):
    login(body_admin)

    assert client.post(f"/admin/organisations/{body.id}/unverify", data={"reason": "x"}).status_code == 403
    assert rows(Organisation, Organisation.id == body.id)[0].verified
