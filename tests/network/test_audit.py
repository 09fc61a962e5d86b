"""The audit log: what is recorded, who may read it, paging and the empty state."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from network.extensions import db
from network.models import AuditEntry, Role, Stage
from network.services import accounts, coordination, needs
from network.services.needs import NeedDraft
from tests.helpers import sign_in

pytestmark = pytest.mark.usefixtures("english")


def entries(**where) -> list[AuditEntry]:
    query = sa.select(AuditEntry).order_by(AuditEntry.id)
    for name, value in where.items():
        query = query.where(getattr(AuditEntry, name) == value)
    return list(db.session.scalars(query))


def forget_sign_ins() -> None:
    """Drop the security events of signing in (tests/network/test_signin.py checks them), so a test
    sees only what it did after the login."""
    db.session.execute(sa.delete(AuditEntry).where(AuditEntry.action.startswith("security.")))
    db.session.commit()


def actions() -> list[str]:
    return [e.action for e in entries()]


def login_as(app, user):
    client = app.test_client()
    with client.session_transaction() as session:
        session["lang"] = "en"
    response = sign_in(client, user)
    assert response.status_code == 302
    return client


# -- what is recorded -------------------------------------------------------------------------


def test_a_needs_life_is_recorded_with_actor_and_changed_fields(app, make, index):
    body = make.public_body(name="Loggkommune")
    user = make.user(body, name="Kari Logg")

    with app.test_request_context():
        need = needs.create_need(
            user, NeedDraft(title="Første tittel", description="Tekst", domain="health"), index
        )
        needs.update_need(
            user, need, NeedDraft(title="Andre tittel", description="Tekst", domain="climate"), index
        )
        needs.update_need(
            user, need, NeedDraft(title="Andre tittel", description="Tekst", domain="climate"), index
        )  # nothing changed: nothing recorded
        needs.publish_need(user, need, index)
        needs.move_stage(user, need, "cancelled", index)
        draft = needs.create_need(user, NeedDraft(title="Kladd som slettes"), index)
        needs.delete_draft(user, draft, index)

    log = entries()
    assert [e.action for e in log] == [
        "need.create",
        "need.edit",
        "need.publish",
        "need.stage",
        "need.create",
        "need.delete",
    ]
    assert {e.actor_id for e in log} == {user.id}
    assert {e.actor_name for e in log} == {"Kari Logg"}
    assert {e.organisation_id for e in log} == {body.id}
    assert log[0].target_type == "need"
    assert log[0].target_id == need.id
    assert log[1].changes == {"title": ["Første tittel", "Andre tittel"], "domain": ["health", "climate"]}
    assert log[3].changes == {"stage": ["open", "cancelled"]}
    assert log[5].target_label == "Kladd som slettes"
    assert all(e.created_at is not None for e in log)


def test_organisation_edits_and_verification_are_recorded(app, make, index):
    body = make.public_body(name="Gammelt navn", verified=False)
    admin = make.user(body)
    site_admin = make.user(site_admin=True)

    accounts.update_organisation(
        admin,
        body,
        accounts.OrganisationDraft(
            kind="public_body", name="Nytt navn", sector="municipality", kommune="0301"
        ),
        index,
    )
    accounts.verify_organisation(site_admin, body, index)

    edit, verify = entries()
    assert edit.action == "organisation.edit"
    assert edit.changes["name"] == ["Gammelt navn", "Nytt navn"]
    assert verify.action == "organisation.verify"
    assert verify.actor_id == site_admin.id
    assert verify.organisation_id == body.id
    assert verify.changes == {"verified": [False, True]}


def test_group_membership_is_recorded_for_both_bodies(app, make):
    a, b, c = (make.public_body(name=n) for n in ("A kommune", "B kommune", "C kommune"))
    a_user, b_user, c_user = make.user(a), make.user(b), make.user(c)
    need_a, need_b = make.need(a), make.need(b)

    with app.test_request_context(), force_locale("en"):
        group = coordination.invite_peer(a_user, need_a, need_b)
        coordination.answer_invitation(b_user, group, accept=True)
        coordination.request_to_join(c_user, group)
        coordination.decide_request(a_user, group, c.id, accept=False)
        coordination.change_stage(a_user, group, "agreed")

    assert actions() == [
        "group.create",
        "group.invite",
        "group.accept",
        "group.request",
        "group.request_declined",
        "group.stage",
    ]
    invite = entries(action="group.invite")[0]
    assert (invite.organisation_id, invite.other_organisation_id) == (b.id, a.id)
    assert invite.actor_id == a_user.id
    declined = entries(action="group.request_declined")[0]
    assert (declined.organisation_id, declined.other_organisation_id) == (c.id, a.id)


def test_invitations_and_new_colleagues_are_recorded(app, make):
    body = make.public_body()
    admin = make.user(body)

    with app.test_request_context():
        _, token = accounts.invite_colleague(admin, "ny@example.no")
    user = accounts.accept_invitation(token, "Ny Kollega", "et-langt-og-godt-passord")

    assert actions() == ["member.invite", "member.join"]
    assert entries()[1].actor_id == user.id
    assert {e.organisation_id for e in entries()} == {body.id}


def test_an_entry_keeps_the_actors_name_as_it_was(app, make, index):
    body = make.public_body()
    user = make.user(body, name="Gammelt Navn")
    with app.test_request_context():
        needs.create_need(user, NeedDraft(title="Behov"), index)
    user.name = "Nytt Navn"
    db.session.commit()

    (entry,) = entries()
    assert entry.actor_id == user.id
    assert entry.actor_name == "Gammelt Navn"


# -- who reads it -----------------------------------------------------------------------------


@pytest.fixture
def two_bodies(make, index, app):
    own = make.public_body(name="Egen kommune")
    other = make.public_body(name="Annen kommune")
    own_admin, other_admin = make.user(own), make.user(other)
    with app.test_request_context():
        needs.create_need(own_admin, NeedDraft(title="Eget hemmelig utkast"), index)
        needs.create_need(other_admin, NeedDraft(title="Annet hemmelig utkast"), index)
    return own, other, own_admin


def test_an_organisation_admin_reads_only_its_own_entries(app, make, two_bodies):
    own, other, own_admin = two_bodies

    page = login_as(app, own_admin).get("/audit")
    text = page.get_data(as_text=True)

    assert page.status_code == 200
    assert "Eget hemmelig utkast" in text
    assert "Need created" in text
    assert "Annet hemmelig utkast" not in text
    # Asking for another organisation changes nothing for an organisation admin.
    text = login_as(app, own_admin).get(f"/audit?organisation={other.id}").get_data(as_text=True)
    assert "Annet hemmelig utkast" not in text


def test_a_site_admin_reads_every_entry_and_can_narrow_to_one_organisation(app, make, two_bodies):
    own, other, _ = two_bodies
    client = login_as(app, make.user(site_admin=True))

    everything = client.get("/audit").get_data(as_text=True)
    one = client.get(f"/audit?organisation={other.id}").get_data(as_text=True)

    assert "Eget hemmelig utkast" in everything
    assert "Annet hemmelig utkast" in everything
    assert "Annet hemmelig utkast" in one
    assert "Eget hemmelig utkast" not in one
    assert client.get("/audit?organisation=999999").status_code == 404


@pytest.mark.parametrize("kind", ["member", "no_organisation"])
def test_members_and_users_without_an_organisation_are_refused(app, make, two_bodies, kind):
    own, _, _ = two_bodies
    user = make.user(own, role=Role.MEMBER) if kind == "member" else make.user(None)

    response = login_as(app, user).get("/audit")

    assert response.status_code == 403
    assert "hemmelig" not in response.get_data(as_text=True)


@pytest.mark.parametrize("kind", ["other_body", "supplier"])
def test_admins_of_other_organisations_see_none_of_its_entries(app, make, two_bodies, kind):
    own, _, _ = two_bodies
    org = make.public_body() if kind == "other_body" else make.supplier()

    client = login_as(app, make.user(org))
    forget_sign_ins()
    response = client.get(f"/audit?organisation={own.id}")

    assert response.status_code == 200
    assert "hemmelig" not in response.get_data(as_text=True)
    assert "Nothing has been recorded yet." in response.get_data(as_text=True)


def test_an_anonymous_visitor_is_sent_to_the_login(client, two_bodies):
    response = client.get("/audit")

    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_nav_links_the_log_for_admins_only(app, make, two_bodies):
    own, _, own_admin = two_bodies

    assert 'href="/audit"' in login_as(app, own_admin).get("/needs").get_data(as_text=True)
    member = make.user(own, role=Role.MEMBER)
    assert 'href="/audit"' not in login_as(app, member).get("/needs").get_data(as_text=True)


def test_an_empty_log_says_so(app, make):
    admin = make.user(make.supplier())

    client = login_as(app, admin)
    forget_sign_ins()
    text = client.get("/audit").get_data(as_text=True)

    assert "Nothing has been recorded yet." in text


def test_the_log_is_paged_newest_first(app, make, index):
    app.config["AUDIT_PER_PAGE"] = 5
    body = make.public_body()
    admin = make.user(body)
    with app.test_request_context():
        for n in range(12):
            needs.create_need(admin, NeedDraft(title=f"Behov nummer {n:02d}"), index)
    client = login_as(app, admin)

    first = client.get("/audit").get_data(as_text=True)
    third = client.get("/audit?page=3").get_data(as_text=True)
    beyond = client.get("/audit?page=9")

    assert "Behov nummer 11" in first
    assert "Behov nummer 06" not in first
    assert "Page 1 of 3" in first
    assert 'rel="next"' in first
    assert "Behov nummer 00" in third
    assert beyond.status_code == 200
    assert "Nothing has been recorded yet." in beyond.get_data(as_text=True)


def test_stage_changes_through_the_web_are_recorded(app, make):
    body = make.public_body()
    admin = make.user(body)
    need = make.need(body, stage=Stage.OPEN)
    client = login_as(app, admin)
    forget_sign_ins()

    response = client.post(f"/needs/{need.id}/stage", data={"stage": "dialogue_closed"})

    assert response.status_code == 302
    (entry,) = entries()
    assert entry.action == "need.stage"
    assert entry.changes == {"stage": ["open", "dialogue_closed"]}
    assert "Need moved to another stage" in client.get("/audit").get_data(as_text=True)
