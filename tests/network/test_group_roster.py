"""Groups: a member body leaves (after a confirmation page) with its needs, the lead cannot, and the
members see each other's contact person while nobody else does."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from network.extensions import db
from network.models import AuditEntry, GroupMember, GroupNeed, GroupStage, Notification, Role
from network.services import coordination as service

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def as_user(client, login):
    def _as(user):
        client.post("/logout")
        if user is not None:
            login(user)
        return client

    return _as


@pytest.fixture
def world(app, make):
    """Oslo leads a group; Bergen (invited, accepted) and Trondheim (asked, accepted) are members."""
    oslo = make.public_body(name="Oslo kommune")
    bergen = make.public_body(name="Bergen kommune", kommune="4601")
    trondheim = make.public_body(name="Trondheim kommune", kommune="5001")
    w = {
        "oslo_admin": make.user(oslo, name="Olga Oslo", email="olga@oslo.example.no"),
        "bergen_admin": make.user(bergen, name="Berit Bergen", email="berit@bergen.example.no"),
        "bergen_member": make.user(
            bergen, role=Role.MEMBER, name="Bjørn Bergen", email="bjorn@bergen.example.no"
        ),
        "trondheim_admin": make.user(trondheim, name="Tor Trondheim", email="tor@trondheim.example.no"),
        "trondheim_asker": make.user(
            trondheim, role=Role.MEMBER, name="Trine Trondheim", email="trine@trondheim.example.no"
        ),
        "outsider": make.user(make.public_body(name="Utenfor kommune", kommune="1103")),
        "supplier": make.user(make.supplier()),
    }
    need_oslo = make.need(oslo, title="Fallvarsling på sykehjem om natten")
    w["need_bergen"] = make.need(bergen, title="Varsling ved fall på sykehjem")
    w["need_bergen_2"] = make.need(bergen, title="Fallsensorer i omsorgsboliger")
    w["need_trondheim"] = make.need(trondheim, title="Sensorer mot fall på sykehjem")
    with app.test_request_context():
        group = service.invite_peer(w["oslo_admin"], need_oslo, w["need_bergen"])
        service.answer_invitation(w["bergen_member"], group, True)
        service.add_need(w["bergen_admin"], group, w["need_bergen_2"])
        service.request_to_join(w["trondheim_asker"], group, w["need_trondheim"])
        service.decide_request(w["oslo_admin"], group, trondheim.id, True)
    w["group"] = group
    w["oslo"], w["bergen"], w["trondheim"] = oslo, bergen, trondheim
    return w


def url(world, tail=""):
    return f"/coordination-groups/{world['group'].id}{tail}"


def group_need_ids(group_id) -> set[int]:
    db.session.expire_all()
    return set(db.session.scalars(sa.select(GroupNeed.need_id).where(GroupNeed.group_id == group_id)))


def membership(group_id, org_id):
    db.session.expire_all()
    return db.session.scalar(
        sa.select(GroupMember).where(GroupMember.group_id == group_id, GroupMember.organisation_id == org_id)
    )


# -- contact persons ----------------------------------------------------------------------------


def test_members_see_each_member_bodys_contact_person(as_user, world):
    page = as_user(world["bergen_member"]).get(url(world)).get_data(as_text=True)
    # The lead: who started the group; Trondheim: who asked to join; Bergen (invited): its admin.
    assert 'href="mailto:olga@oslo.example.no"' in page
    assert 'href="mailto:trine@trondheim.example.no"' in page
    assert 'href="mailto:berit@bergen.example.no"' in page
    assert "Trine Trondheim" in page
    assert "tor@trondheim.example.no" not in page
    assert "bjorn@bergen.example.no" not in page


@pytest.mark.parametrize("who", ["outsider", "supplier", None])
def test_nobody_else_sees_the_contact_persons(as_user, world, who):
    page = as_user(world[who] if who else None).get(url(world)).get_data(as_text=True)
    assert "Oslo kommune" in page  # the public part is there
    for email in ("olga@oslo.example.no", "trine@trondheim.example.no", "berit@bergen.example.no"):
        assert email not in page
    assert 'id="leave-group"' not in page


def test_a_contact_who_left_the_body_is_replaced_by_its_administrator(as_user, world):
    asker = world["trondheim_asker"]
    from network.models import utcnow

    asker.deactivated_at = utcnow()
    db.session.commit()
    page = as_user(world["oslo_admin"]).get(url(world)).get_data(as_text=True)
    assert 'href="mailto:tor@trondheim.example.no"' in page
    assert "trine@trondheim.example.no" not in page


# -- leaving ------------------------------------------------------------------------------------


def test_a_member_body_leaves_after_confirming_and_its_needs_leave_with_it(as_user, world):
    group, client = world["group"], as_user(world["bergen_member"])
    assert 'id="leave-group"' in client.get(url(world)).get_data(as_text=True)

    confirm = client.get(url(world, "/leave"))
    assert confirm.status_code == 200
    assert "Leave the group" in confirm.get_data(as_text=True)
    assert membership(group.id, world["bergen"].id) is not None  # asking changes nothing

    left = client.post(url(world, "/leave"))

    assert left.status_code == 302
    assert membership(group.id, world["bergen"].id) is None
    assert group_need_ids(group.id) == {n.id for n in (*world["oslo"].needs, world["need_trondheim"])}
    page = client.get(url(world)).get_data(as_text=True)
    assert "has left the group" in page
    assert 'id="discussion"' not in page
    assert "olga@oslo.example.no" not in page
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "group.leave"))
    assert entry is not None
    assert entry.organisation_id == world["bergen"].id
    told = db.session.scalars(
        sa.select(Notification.user_id).where(
            Notification.kind == "group_request", Notification.subject.contains("Bergen")
        )
    ).all()
    assert set(told) == {world["oslo_admin"].id}
    # The need is in no group now, and the body may ask to join again (from its need page too).
    need_page = client.get(f"/needs/{world['need_bergen'].id}").get_data(as_text=True)
    assert service.group_of_need(world["need_bergen"].id) is None
    assert f'action="/coordination-groups/{group.id}/request"' in need_page
    assert 'id="join"' in page


def test_the_lead_cannot_leave(as_user, world):
    client = as_user(world["oslo_admin"])
    assert 'id="leave-group"' not in client.get(url(world)).get_data(as_text=True)
    assert client.get(url(world, "/leave")).status_code == 302
    refused = client.post(url(world, "/leave"), follow_redirects=True)
    assert "The lead body cannot leave the group" in refused.get_data(as_text=True)
    assert membership(world["group"].id, world["oslo"].id) is not None


@pytest.mark.parametrize("who", ["outsider", "supplier"])
def test_who_is_not_a_member_cannot_leave(as_user, world, who):
    client = as_user(world[who])
    assert client.get(url(world, "/leave")).status_code == 403
    assert client.post(url(world, "/leave")).status_code == 403
    assert len(group_need_ids(world["group"].id)) == 4


def test_anonymous_visitors_are_sent_to_the_login(as_user, world):
    client = as_user(None)
    response = client.post(url(world, "/leave"))
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]
    assert membership(world["group"].id, world["bergen"].id) is not None


def test_nobody_leaves_a_finished_group(as_user, world):
    group = world["group"]
    group.stage = GroupStage.DONE
    db.session.commit()
    client = as_user(world["bergen_admin"])
    assert 'id="leave-group"' not in client.get(url(world)).get_data(as_text=True)
    refused = client.post(url(world, "/leave"), follow_redirects=True)
    assert "finished its work" in refused.get_data(as_text=True)
    assert membership(group.id, world["bergen"].id) is not None
