"""Organisation numbers at registration: required of public bodies, one number one organisation, and
asking to join the organisation that has a number, which its administrators approve or refuse."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from network.extensions import db
from network.models import AuditEntry, JoinRequest, Notification, Organisation, Role, User, utcnow
from network.services.mail import outbox_messages
from tests.helpers import count, field_error, input_value, location, registration, rows, sign_in, text

pytestmark = pytest.mark.usefixtures("english")

NUMBER = "974760673"
PASSWORD = "et-langt-passord"


@pytest.fixture
def owner(make):
    """A registered public body with the number, and its administrator."""
    org = make.public_body(name="Eierkommune", org_number=NUMBER)
    return make.user(org, name="Berit Byråkrat")


def _ask(client, **kw):
    data = registration(org_name="Walk Testkommune", email="per@example.no", name="Per Prøver", **kw)
    return client.post("/register", data=data | {"ask_to_join": "y"})


def _mails(app, to):
    return [m for m in outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"])) if m["To"] == to]


# -- the number at registration -----------------------------------------------------------------


def test_a_public_body_cannot_register_without_its_number(client):
    response = client.post("/register", data=registration(org_name="Uten Orgnr Kommune", org_number=""))

    page = text(response)
    assert response.status_code == 422
    assert "A public body gives its organisation number" in field_error(page, "org_number")
    assert input_value(page, "org_name") == "Uten Orgnr Kommune"
    assert count(Organisation) == 0
    assert count(User) == 0


def test_a_supplier_may_still_register_without_a_number(client):
    response = client.post("/register", data=registration(kind="supplier", org_number=""))

    assert location(response) == "/dashboard"
    assert rows(Organisation)[0].org_number is None


def test_a_taken_number_offers_to_ask_to_join_without_naming_the_organisation(client, owner):
    response = client.post(
        "/register", data=registration(org_name="Walk Testkommune", org_number="974 760 673")
    )

    page = text(response)
    assert response.status_code == 422
    assert "already registered. You can ask to join it" in field_error(page, "org_number")
    assert 'name="ask_to_join"' in page
    assert "Eierkommune" not in page
    assert count(Organisation) == 1
    assert count(User) == 1


def test_the_database_holds_one_organisation_a_number(app, make, owner):
    db.session.add(Organisation(kind="public_body", name="Walk Testkommune", org_number=NUMBER))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


# -- asking to join -----------------------------------------------------------------------------


def test_asking_to_join_makes_no_account_and_tells_the_admins(client, owner):
    response = _ask(client)

    assert location(response) == "/"
    (request,) = rows(JoinRequest)
    assert (request.organisation_id, request.email, request.name) == (
        owner.organisation_id,
        "per@example.no",
        "Per Prøver",
    )
    assert request.password_hash.startswith("pbkdf2:")
    assert PASSWORD not in request.password_hash
    assert count(User) == 1
    assert count(Organisation) == 1
    # No account until approval: the password does not sign anyone in.
    refused = client.post("/login", data={"email": "per@example.no", "password": PASSWORD})
    assert refused.status_code == 422
    assert "Wrong e-mail address or password." in text(refused)
    (notice,) = rows(Notification, Notification.kind == "join_request")
    assert notice.user_id == owner.id
    assert "Per Prøver" in notice.subject
    assert notice.link == "/organisations/members"


def test_asking_again_replaces_the_earlier_request(client, owner):
    _ask(client)
    _ask(client)

    assert count(JoinRequest) == 1


def test_asking_to_join_with_an_address_that_has_an_account_is_refused(client, make, owner):
    make.user(make.supplier(), email="per@example.no")

    response = _ask(client)

    assert response.status_code == 422
    assert "An account with that e-mail address already exists" in text(response)
    assert count(JoinRequest) == 0


def test_asking_to_join_checks_the_form_like_a_registration(client, owner):
    response = _ask(client, password="kort", password2="kort")

    assert response.status_code == 422
    assert count(JoinRequest) == 0


def test_asking_to_join_a_number_nobody_has_says_so_at_the_field(client):
    response = _ask(client)

    assert response.status_code == 422
    assert "No organisation is registered with this number" in field_error(text(response), "org_number")
    assert count(JoinRequest) == 0


# -- the administrators' answer -------------------------------------------------------------------


def test_the_admin_approves_and_the_requester_becomes_a_member_who_can_sign_in(app, client, login, owner):
    _ask(client)
    (request,) = rows(JoinRequest)
    login(owner)

    page = text(client.get("/organisations/members"))
    assert "Per Prøver (per@example.no)" in page
    response = client.post(f"/organisations/join-requests/{request.id}/approve")

    assert location(response) == "/organisations/members"
    (member,) = rows(User, User.email == "per@example.no")
    assert (member.organisation_id, member.role, member.name) == (
        owner.organisation_id,
        Role.MEMBER,
        "Per Prøver",
    )
    assert member.terms_version is not None
    assert count(JoinRequest) == 0
    assert rows(AuditEntry, AuditEntry.action == "member.join_approved")[0].actor_id == owner.id
    (mail,) = _mails(app, "per@example.no")
    assert "Eierkommune" in mail["Subject"]
    client.post("/logout")
    assert location(sign_in(client, "per@example.no", PASSWORD)) == "/dashboard"


def test_the_admin_refuses_after_a_confirmation_and_the_requester_is_told(app, client, login, owner):
    _ask(client)
    (request,) = rows(JoinRequest)
    login(owner)

    confirm = client.get(f"/organisations/join-requests/{request.id}/refuse")
    assert confirm.status_code == 200
    assert count(JoinRequest) == 1
    assert (
        location(client.post(f"/organisations/join-requests/{request.id}/refuse")) == "/organisations/members"
    )

    assert count(JoinRequest) == 0
    assert count(User, User.email == "per@example.no") == 0
    (mail,) = _mails(app, "per@example.no")
    assert NUMBER in mail.get_content()
    assert "Eierkommune" not in mail.get_content() + mail["Subject"]
    assert count(AuditEntry, AuditEntry.action == "member.join_refused") == 1


def test_another_organisations_admin_cannot_see_approve_or_refuse(client, login, make, owner):
    _ask(client)
    (request,) = rows(JoinRequest)
    login(make.user(make.public_body(name="Nabokommune"), role=Role.ADMIN))

    assert "per@example.no" not in text(client.get("/organisations/members"))
    assert client.post(f"/organisations/join-requests/{request.id}/approve").status_code == 404
    assert client.get(f"/organisations/join-requests/{request.id}/refuse").status_code == 404
    assert client.post(f"/organisations/join-requests/{request.id}/refuse").status_code == 404
    assert count(JoinRequest) == 1
    assert count(User, User.email == "per@example.no") == 0


def test_a_plain_member_cannot_approve_or_refuse(client, login, make, owner):
    _ask(client)
    (request,) = rows(JoinRequest)
    login(make.user(owner.organisation, role=Role.MEMBER))

    assert "per@example.no" not in text(client.get("/organisations/members"))
    assert client.post(f"/organisations/join-requests/{request.id}/approve").status_code == 403
    assert client.post(f"/organisations/join-requests/{request.id}/refuse").status_code == 403
    assert count(JoinRequest) == 1


def test_a_site_admin_without_an_organisation_cannot_approve(client, login, make, owner):
    _ask(client)
    (request,) = rows(JoinRequest)
    login(make.user(site_admin=True))

    assert client.post(f"/organisations/join-requests/{request.id}/approve").status_code == 403
    assert count(User, User.email == "per@example.no") == 0


def test_an_expired_request_is_not_shown_and_cannot_be_approved(app, client, login, owner):
    _ask(client)
    (request,) = rows(JoinRequest)
    request.created_at = utcnow() - timedelta(days=app.config["JOIN_REQUEST_DAYS"] + 1)
    db.session.commit()
    login(owner)

    assert "per@example.no" not in text(client.get("/organisations/members"))
    assert client.post(f"/organisations/join-requests/{request.id}/approve").status_code == 404
    assert count(User, User.email == "per@example.no") == 0


def test_approving_when_the_address_got_an_account_since_spends_the_request(client, login, make, owner):
    _ask(client)
    (request,) = rows(JoinRequest)
    make.user(make.supplier(), email="per@example.no")
    login(owner)

    response = client.post(f"/organisations/join-requests/{request.id}/approve", follow_redirects=True)

    assert "has an account on the site by now" in text(response)
    assert count(JoinRequest) == 0
    assert count(User, User.email == "per@example.no", User.organisation_id == owner.organisation_id) == 0


def test_a_join_request_is_a_notice_kind_with_a_preference(client, login, owner):
    login(owner)

    assert 'name="join_request"' in text(client.get("/notifications/settings"))


def test_a_request_sent_with_a_mistake_comes_back_with_the_box_still_ticked(client, owner):
    response = _ask(client, password2="et-annet-passord")

    assert response.status_code == 422
    assert '<input checked id="ask_to_join" name="ask_to_join" type="checkbox" value="y">' in text(response)
    assert count(JoinRequest) == 0
