"""Registration, login, invitations and verification."""

from __future__ import annotations

import pytest

from network.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from network.models import Role
from network.services import accounts
from network.services.mail import outbox_messages
from tests.factories import PASSWORD


def _registration(**org):
    org.setdefault("kind", "public_body")
    org.setdefault("name", "Bærum kommune")
    org.setdefault("org_number", "974761092")
    org.setdefault("sector", "municipality")
    org.setdefault("kommune", "3201")
    return accounts.RegistrationDraft(
        organisation=accounts.OrganisationDraft(**org),
        name="Kari Nordmann",
        email="Kari@Example.NO",
        password="a-long-enough-password",
    )


def test_first_user_of_a_new_organisation_is_its_admin_and_the_body_is_unverified(app, index):
    user = accounts.register(_registration(kommune="0301"), index)
    assert user.role == Role.ADMIN
    assert user.email == "kari@example.no"
    assert user.organisation.verified is False
    assert user.organisation.fylke == "03"


def test_organisation_number_must_pass_the_mod11_check(app, index):
    with pytest.raises(ValidationError) as err:
        accounts.register(_registration(org_number="974761093", kommune="0301"), index)
    assert err.value.field == "org_number"


def test_email_is_unique_whatever_its_case(app, index, make):
    make.user(make.supplier(), email="kari@example.no")
    with pytest.raises(ConflictError):
        accounts.register(_registration(kommune="0301"), index)


def test_second_registration_of_the_same_org_number_is_sent_to_the_admin(app, index):
    accounts.register(_registration(kommune="0301"), index)
    second = accounts.RegistrationDraft(
        organisation=accounts.OrganisationDraft(kind="public_body", name="Bærum", org_number="974 761 092"),
        name="Ola",
        email="ola@example.no",
        password="a-long-enough-password",
    )
    with pytest.raises(ConflictError, match="administrator"):
        accounts.register(second, index)


def test_unknown_kommune_is_refused(app, index):
    with pytest.raises(ValidationError) as err:
        accounts.register(_registration(kommune="9999"), index)
    assert err.value.field == "kommune"


def test_short_password_is_refused(app, index):
    draft = _registration(kommune="0301")
    draft = accounts.RegistrationDraft(draft.organisation, draft.name, draft.email, "short")
    with pytest.raises(ValidationError):
        accounts.register(draft, index)


def test_authenticate(app, make):
    user = make.user(make.supplier(), email="ola@example.no")
    assert accounts.authenticate("OLA@example.no", PASSWORD) == user
    assert accounts.authenticate("ola@example.no", "wrong") is None
    assert accounts.authenticate("nobody@example.no", PASSWORD) is None


def test_admin_invites_a_colleague_by_mail_and_the_link_works_once(app, make, tmp_path):
    org = make.supplier()
    admin = make.user(org, role=Role.ADMIN)
    with app.test_request_context():
        invitation, token = accounts.invite_colleague(admin, "New.Person@example.no")
    mails = outbox_messages(tmp_path / "outbox")
    assert len(mails) == 1
    assert mails[0]["To"] == "new.person@example.no"
    assert token in mails[0].get_content()
    user = accounts.accept_invitation(token, "New Person", "another-long-password")
    assert user.organisation_id == org.id
    assert user.role == Role.MEMBER
    with pytest.raises(NotFoundError):
        accounts.accept_invitation(token, "Again", "another-long-password")


def test_a_member_cannot_invite(app, make):
    org = make.supplier()
    member = make.user(org, role=Role.MEMBER)
    with pytest.raises(NotAllowedError):
        accounts.invite_colleague(member, "x@example.no")


def test_expired_invitation_is_refused(app, make):
    from datetime import timedelta

    from network.extensions import db
    from network.models import utcnow

    admin = make.user(make.supplier())
    with app.test_request_context():
        invitation, token = accounts.invite_colleague(admin, "late@example.no")
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(NotAllowedError):
        accounts.accept_invitation(token, "Late", "another-long-password")


def test_only_site_admins_verify(app, make, index):
    body = make.public_body(verified=False)
    outsider = make.user(make.public_body())
    with pytest.raises(NotAllowedError):
        accounts.verify_organisation(outsider, body, index)
    admin = make.user(site_admin=True)
    accounts.verify_organisation(admin, body, index)
    assert body.verified


def test_only_the_organisations_admin_edits_its_profile(app, make, index):
    org = make.supplier(name="Gammelt navn AS")
    member = make.user(org, role=Role.MEMBER)
    draft = accounts.OrganisationDraft(kind="supplier", name="Nytt navn AS")
    with pytest.raises(NotAllowedError):
        accounts.update_organisation(member, org, draft, index)
    other_admin = make.user(make.supplier())
    with pytest.raises(NotAllowedError):
        accounts.update_organisation(other_admin, org, draft, index)
    admin = make.user(org)
    accounts.update_organisation(admin, org, draft, index)
    assert org.name == "Nytt navn AS"
