"""The notices for a question on a body's need, a post in a group's discussion, a public body
waiting for verification and its verification: who gets them, through the running site, and that
each has a preference that is followed."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser

import pytest
import sqlalchemy as sa

from network.extensions import db
from network.models import Frequency, Notification, Organisation, Role
from network.services import coordination as coordination_service
from network.services import notifications as service
from tests.helpers import registration

pytestmark = pytest.mark.usefixtures("english")

TITLE = "Digitalt tilsyn for hjemmeboende"
QUESTION = "Må sensorene være CE-merket?"


def notices(kind: str) -> list[Notification]:
    db.session.expire_all()
    return list(db.session.scalars(sa.select(Notification).where(Notification.kind == kind)))


def recipients(kind: str) -> set[int]:
    return {n.user_id for n in notices(kind)}


@pytest.fixture
def as_user(client, login):
    def _as(user):
        client.post("/logout")
        if user is not None:
            login(user)
        return client

    return _as


# -- a question on the body's need ------------------------------------------------------------


def test_the_body_is_told_of_a_new_question_and_the_asker_is_not_named(as_user, make):
    body = make.public_body(name="Eierkommune")
    officers = [make.user(body), make.user(body, role=Role.MEMBER)]
    need = make.need(body, title=TITLE)
    supplier = make.supplier(name="Spørrende AS")
    asker = make.user(supplier, name="Siri Spørsmålsstiller")
    colleague = make.user(supplier)
    other_body_user = make.user(make.public_body())

    asked = as_user(asker).post(f"/needs/{need.id}/questions", data={"question-text": QUESTION})

    assert asked.status_code == 302
    assert recipients("new_question") == {u.id for u in officers}
    assert not recipients("new_question") & {asker.id, colleague.id, other_body_user.id}
    [notice, _] = notices("new_question")
    assert TITLE in notice.subject
    assert QUESTION in notice.body
    assert "Spørrende" not in notice.body + notice.subject
    assert "Siri" not in notice.body + notice.subject
    assert notice.link == f"/needs/{need.id}#questions"
    inbox = as_user(officers[1]).get("/notifications").get_data(as_text=True)
    assert TITLE in inbox


def test_a_body_that_turned_new_questions_off_gets_them_in_the_inbox_only(as_user, make, app, tmp_path):
    body = make.public_body()
    officer = make.user(body)
    need = make.need(body, title=TITLE)
    client = as_user(officer)
    form = {kind: "immediately" for kind in service.preferences(officer)}
    form.pop("pending_verification")
    saved = client.post("/notifications/settings", data={**form, "new_question": "off"})
    assert saved.status_code == 302
    as_user(make.user(make.supplier())).post(f"/needs/{need.id}/questions", data={"question-text": QUESTION})

    [notice] = notices("new_question")
    assert notice.frequency == Frequency.OFF
    assert app.test_cli_runner().invoke(args=["notify", "send"]).exit_code == 0
    assert not (tmp_path / "outbox").exists()


def test_the_new_question_mail_names_the_need(app, as_user, make, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.server_address[1])
    body = make.public_body()
    officer = make.user(body, email="officer@kommune.example.no")
    need = make.need(body, title=TITLE)
    as_user(make.user(make.supplier())).post(f"/needs/{need.id}/questions", data={"question-text": QUESTION})

    assert app.test_cli_runner().invoke(args=["notify", "send"]).exit_code == 0

    [envelope] = smtp_server.received
    assert officer.email in envelope["to"][0]
    mail = BytesParser(policy=policy.default).parsebytes(envelope["data"])
    assert TITLE in mail["Subject"]
    assert QUESTION in mail.get_content()


# -- a post in a group's discussion -----------------------------------------------------------


@pytest.fixture
def group(app, make):
    """Oslo leads a group with Bergen as a member; Trondheim is invited, not yet a member."""
    oslo, bergen, trondheim = (
        make.public_body(name="Oslo kommune"),
        make.public_body(name="Bergen kommune", kommune="4601"),
        make.public_body(name="Trondheim kommune", kommune="5001"),
    )
    users = {
        "oslo": [make.user(oslo), make.user(oslo, role=Role.MEMBER)],
        "bergen": [make.user(bergen), make.user(bergen, role=Role.MEMBER)],
        "trondheim": [make.user(trondheim)],
    }
    needs = {
        "oslo": make.need(oslo, title="Fallvarsling på sykehjem om natten"),
        "bergen": make.need(bergen, title="Varsling ved fall på sykehjem"),
        "trondheim": make.need(trondheim, title="Sensorer mot fall på sykehjem"),
    }
    with app.test_request_context():
        found = coordination_service.invite_peer(users["oslo"][0], needs["oslo"], needs["bergen"])
        coordination_service.answer_invitation(users["bergen"][0], found, True)
        coordination_service.invite_peer(users["oslo"][0], needs["oslo"], needs["trondheim"])
    return found, users


def test_every_member_but_the_writer_is_told_of_a_group_post(as_user, group):
    found, users = group
    writer = users["bergen"][1]

    posted = as_user(writer).post(f"/coordination-groups/{found.id}/posts", data={"text": "Bergen er med."})

    assert posted.status_code == 302
    told = recipients("group_post")
    assert told == {users["oslo"][0].id, users["oslo"][1].id, users["bergen"][0].id}
    assert users["trondheim"][0].id not in told
    notice = notices("group_post")[0]
    assert "Bergen er med." in notice.body
    assert "Bergen kommune" in notice.body
    assert found.title in notice.subject
    assert notice.link.startswith(f"/coordination-groups/{found.id}#post-")
    # The link opens the discussion at the post for a member.
    page = as_user(users["oslo"][1]).get(notice.link.split("#")[0]).get_data(as_text=True)
    assert f'id="{notice.link.split("#")[1]}"' in page


# -- a public body waiting for verification, and verified ---------------------------------------


def test_every_site_administrator_is_told_that_a_body_waits_for_verification(client, make):
    admins = [make.user(site_admin=True), make.user(site_admin=True)]
    ordinary = make.user(make.public_body())

    registered = client.post("/register", data=registration(org_name="Nyby kommune"))

    assert registered.status_code == 302
    assert recipients("pending_verification") == {a.id for a in admins}
    assert ordinary.id not in recipients("pending_verification")
    notice = notices("pending_verification")[0]
    assert "Nyby kommune" in notice.subject
    assert "974760673" in notice.body
    assert "ola@example.no" in notice.body
    assert notice.link == "/admin/organisations"


def test_a_supplier_registering_tells_no_administrator(client, make):
    make.user(site_admin=True)
    assert client.post("/register", data=registration(kind="supplier")).status_code == 302
    assert notices("pending_verification") == []


def test_the_body_is_told_when_a_site_administrator_verifies_it(as_user, make):
    body = make.public_body(name="Nyby kommune", verified=False)
    registrant = make.user(body)
    member = make.user(body, role=Role.MEMBER)
    site_admin = make.user(site_admin=True)

    verified = as_user(site_admin).post(f"/admin/organisations/{body.id}/verify")

    assert verified.status_code == 302
    assert db.session.get(Organisation, body.id).verified
    assert recipients("organisation_verified") == {registrant.id}
    assert member.id not in recipients("organisation_verified")
    [notice] = notices("organisation_verified")
    assert "Nyby kommune" in notice.subject
    assert notice.link == "/needs/new"


# -- the preferences --------------------------------------------------------------------------


def test_each_new_kind_has_a_preference_and_only_administrators_see_theirs(as_user, make):
    page = as_user(make.user(make.public_body())).get("/notifications/settings").get_data(as_text=True)
    for kind in ("new_question", "group_post", "organisation_verified"):
        assert f'name="{kind}"' in page
    assert 'name="pending_verification"' not in page

    admin_page = as_user(make.user(site_admin=True)).get("/notifications/settings").get_data(as_text=True)
    assert 'name="pending_verification"' in admin_page
    assert "waits for verification" in admin_page
