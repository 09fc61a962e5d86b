"""Coordination groups through the services: inviting, answering, asking to join, deciding, the stage,
the members-only discussion, and every refusal."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_login import AnonymousUserMixin

from network import serializers
from network.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from network.extensions import db
from network.models import (
    CoordinationGroup,
    GroupMember,
    GroupNeed,
    GroupPost,
    GroupStage,
    MembershipStatus,
    Need,
    Notification,
    Organisation,
    Role,
    Stage,
    User,
)
from network.services import coordination as service
from tests.helpers import count


@pytest.fixture(autouse=True)
def _request(app):
    # Notices carry links to the group's page, built with url_for; messages are asserted in English.
    with app.test_request_context(), force_locale("en"):
        yield


@dataclass
class Bodies:
    a: Organisation  # the inviter, lead of the group it starts
    a_user: User
    a_member: User
    need_a: Need
    b: Organisation  # the invited peer
    b_user: User
    need_b: Need
    c: Organisation  # a third body with the same need
    c_user: User
    need_c: Need
    supplier_user: User


@pytest.fixture
def bodies(make) -> Bodies:
    a = make.public_body(name="Oslo kommune")
    b = make.public_body(name="Bergen kommune", kommune="4601")
    c = make.public_body(name="Trondheim kommune", kommune="5001")
    return Bodies(
        a=a,
        a_user=make.user(a),
        a_member=make.user(a, role=Role.MEMBER),
        need_a=make.need(a, title="Fallvarsling på sykehjem om natten"),
        b=b,
        b_user=make.user(b),
        need_b=make.need(b, title="Varsling ved fall på sykehjem"),
        c=c,
        c_user=make.user(c),
        need_c=make.need(c, title="Sensorer mot fall i omsorgsboliger"),
        supplier_user=make.user(make.supplier()),
    )


@pytest.fixture
def group(bodies) -> CoordinationGroup:
    """A's group with B invited (not yet answered)."""
    return service.invite_peer(bodies.a_user, bodies.need_a, bodies.need_b)


@pytest.fixture
def joined(bodies, group) -> CoordinationGroup:
    """A's group with B a member."""
    service.answer_invitation(bodies.b_user, group, accept=True)
    return group


def notices(user: User, kind: str | None = None) -> list[Notification]:
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if kind:
        query = query.where(Notification.kind == kind)
    return list(db.session.scalars(query))


def status_of(group: CoordinationGroup, org: Organisation) -> MembershipStatus | None:
    db.session.expire_all()
    membership = db.session.scalar(
        sa.select(GroupMember).where(GroupMember.group_id == group.id, GroupMember.organisation_id == org.id)
    )
    return membership.status if membership else None


def need_ids(group: CoordinationGroup) -> set[int]:
    return set(db.session.scalars(sa.select(GroupNeed.need_id).where(GroupNeed.group_id == group.id)))


def outsider(make, kind: str, bodies: Bodies):
    """Someone who must be refused: anonymous, a supplier, an unverified or another body, …"""
    if kind == "anonymous":
        return AnonymousUserMixin()
    if kind == "supplier":
        return bodies.supplier_user
    if kind == "unverified_body":
        return make.user(make.public_body(verified=False))
    if kind == "other_body":
        return make.user(make.public_body(name="Annen kommune"))
    if kind == "no_organisation":
        return make.user(None, role=Role.MEMBER)
    if kind == "site_admin":
        return make.user(site_admin=True)
    raise AssertionError(kind)


# -- inviting a peer --------------------------------------------------------------------------


def test_an_invitation_starts_a_group_led_by_the_inviting_body(bodies):
    group = service.invite_peer(bodies.a_user, bodies.need_a, bodies.need_b)

    assert group.lead_id == bodies.a.id
    assert group.title == bodies.need_a.title
    assert group.stage == GroupStage.EXPLORING
    assert need_ids(group) == {bodies.need_a.id}
    assert status_of(group, bodies.a) == MembershipStatus.MEMBER
    assert status_of(group, bodies.b) == MembershipStatus.INVITED
    invitation = group.membership_of(bodies.b.id)
    assert invitation.need_id == bodies.need_b.id
    assert invitation.created_by_id == bodies.a_user.id
    # The invited body is not a member yet: it is not listed, and its need has not joined.
    assert [org.id for org in group.members] == [bodies.a.id]


def test_the_invited_body_is_told_and_the_inviter_is_not(bodies):
    group = service.invite_peer(bodies.a_user, bodies.need_a, bodies.need_b)

    [notice] = notices(bodies.b_user)
    assert notice.kind == "group_invitation"
    assert bodies.a.name in notice.subject
    assert notice.link.endswith(f"/coordination-groups/{group.id}")
    assert notice.need_id == bodies.need_b.id
    assert notices(bodies.a_user) == []
    assert notices(bodies.a_member) == []


def test_any_member_of_the_body_may_invite(bodies):
    group = service.invite_peer(bodies.a_member, bodies.need_a, bodies.need_b)

    assert group.lead_id == bodies.a.id


def test_a_second_invitation_goes_into_the_same_group(bodies, group):
    again = service.invite_peer(bodies.a_user, bodies.need_a, bodies.need_c)

    assert again.id == group.id
    assert count(CoordinationGroup) == 1
    assert status_of(group, bodies.c) == MembershipStatus.INVITED


@pytest.mark.parametrize(
    "kind", ["anonymous", "supplier", "unverified_body", "other_body", "no_organisation", "site_admin"]
)
def test_only_the_needs_own_verified_body_invites(make, bodies, kind):
    actor = outsider(make, kind, bodies)

    with pytest.raises(NotAllowedError):
        service.invite_peer(actor, bodies.need_a, bodies.need_b)

    assert count(CoordinationGroup) == count(GroupMember) == count(Notification) == 0


def test_an_unverified_body_cannot_invite_for_its_own_need(make, bodies):
    body = make.public_body(verified=False)
    user = make.user(body)
    # An imported need can be published while its body still waits for verification.
    need = make.need(body, title="Fallvarsling i hjemmetjenesten")

    with pytest.raises(NotAllowedError, match="verified public body"):
        service.invite_peer(user, need, bodies.need_b)

    assert count(CoordinationGroup) == 0


def test_only_the_lead_invites_into_an_existing_group(bodies, joined):
    # B is a member, and its need is in A's group; inviting C to it is A's decision.
    with pytest.raises(NotAllowedError, match="lead"):
        service.invite_peer(bodies.b_user, bodies.need_b, bodies.need_c)

    assert status_of(joined, bodies.c) is None


@pytest.mark.parametrize("status", ["invited", "member"])
def test_inviting_a_body_that_is_invited_or_a_member_is_a_conflict(bodies, group, status):
    if status == "member":
        service.answer_invitation(bodies.b_user, group, accept=True)

    with pytest.raises(ConflictError):
        service.invite_peer(bodies.a_user, bodies.need_a, bodies.need_b)

    assert len(notices(bodies.b_user, "group_invitation")) == 1


def test_a_body_that_declined_may_be_invited_again(bodies, group):
    service.answer_invitation(bodies.b_user, group, accept=False)

    service.invite_peer(bodies.a_user, bodies.need_a, bodies.need_b)

    assert status_of(group, bodies.b) == MembershipStatus.INVITED
    assert group.membership_of(bodies.b.id).decided_at is None
    assert len(notices(bodies.b_user, "group_invitation")) == 2


def test_a_body_that_asked_to_join_is_answered_not_invited(bodies, group):
    service.request_to_join(bodies.c_user, group, bodies.need_c)

    with pytest.raises(ConflictError, match="asked to join"):
        service.invite_peer(bodies.a_user, bodies.need_a, bodies.need_c)

    assert status_of(group, bodies.c) == MembershipStatus.REQUESTED


def test_a_draft_need_invites_nobody(make, bodies):
    draft = make.need(bodies.a, stage=Stage.DRAFT)

    with pytest.raises(ValidationError, match="Publish"):
        service.invite_peer(bodies.a_user, draft, bodies.need_b)

    assert count(CoordinationGroup) == 0


@pytest.mark.parametrize("stage", [Stage.DRAFT, Stage.CANCELLED])
def test_a_draft_or_cancelled_peer_need_cannot_be_invited(make, bodies, stage):
    peer = make.need(bodies.b, stage=stage)

    with pytest.raises(ValidationError):
        service.invite_peer(bodies.a_user, bodies.need_a, peer)

    assert count(CoordinationGroup) == 0


def test_a_body_cannot_invite_itself(make, bodies):
    own = make.need(bodies.a, title="En annen av Oslos behov")

    with pytest.raises(ValidationError, match="another public body"):
        service.invite_peer(bodies.a_user, bodies.need_a, own)


def test_an_unverified_peer_is_invited_only_after_verification(make, bodies):
    peer = make.need(make.public_body(verified=False), title="Fallvarsling")

    with pytest.raises(ValidationError, match="not verified"):
        service.invite_peer(bodies.a_user, bodies.need_a, peer)


def test_a_peer_need_in_another_group_cannot_be_invited(bodies):
    other = service.invite_peer(bodies.c_user, bodies.need_c, bodies.need_b)
    service.answer_invitation(bodies.b_user, other, accept=True)

    with pytest.raises(ConflictError, match="already part of the coordination group"):
        service.invite_peer(bodies.a_user, bodies.need_a, bodies.need_b)

    assert count(CoordinationGroup) == 1


def test_a_finished_group_takes_no_new_bodies(bodies, joined):
    for stage in ("agreed", "tendering", "done"):
        service.change_stage(bodies.a_user, joined, stage)

    with pytest.raises(ValidationError, match="finished"):
        service.invite_peer(bodies.a_user, bodies.need_a, bodies.need_c)
    with pytest.raises(ValidationError, match="finished"):
        service.request_to_join(bodies.c_user, joined, bodies.need_c)


# -- starting a group while a need is written -------------------------------------------------


def test_starting_a_group_invites_the_peer_without_a_need_of_the_lead(bodies):
    group = service.start_group_with(bodies.c_user, bodies.need_b)

    assert group.lead_id == bodies.c.id
    assert group.title == bodies.need_b.title
    assert group.stage == GroupStage.EXPLORING
    assert need_ids(group) == set()
    assert status_of(group, bodies.c) == MembershipStatus.MEMBER
    assert group.membership_of(bodies.c.id).need_id is None
    assert status_of(group, bodies.b) == MembershipStatus.INVITED
    invitation = group.membership_of(bodies.b.id)
    assert invitation.need_id == bodies.need_b.id
    assert invitation.created_by_id == bodies.c_user.id
    [notice] = notices(bodies.b_user)
    assert notice.kind == "group_invitation"
    assert bodies.c.name in notice.subject
    assert notice.link.endswith(f"/coordination-groups/{group.id}")
    assert notice.need_id == bodies.need_b.id
    assert notices(bodies.c_user) == []


def test_the_started_group_takes_the_leads_need_once_published(bodies):
    group = service.start_group_with(bodies.c_user, bodies.need_b)
    service.answer_invitation(bodies.b_user, group, accept=True)

    service.add_need(bodies.c_user, group, bodies.need_c)

    assert need_ids(group) == {bodies.need_b.id, bodies.need_c.id}


def test_each_start_is_a_new_group(bodies):
    first = service.start_group_with(bodies.c_user, bodies.need_a)
    second = service.start_group_with(bodies.c_user, bodies.need_b)

    assert first.id != second.id
    assert count(CoordinationGroup) == 2


@pytest.mark.parametrize(
    "kind", ["anonymous", "supplier", "unverified_body", "no_organisation", "site_admin"]
)
def test_only_a_verified_public_body_starts_a_group(make, bodies, kind):
    actor = outsider(make, kind, bodies)

    with pytest.raises(NotAllowedError):
        service.start_group_with(actor, bodies.need_b)

    assert count(CoordinationGroup) == count(GroupMember) == count(Notification) == 0


def test_a_group_is_not_started_around_a_need_that_is_already_grouped(bodies, group):
    # B's need is invited into A's group but not in it yet: still free. Once B accepts, it is grouped.
    service.answer_invitation(bodies.b_user, group, accept=True)

    with pytest.raises(ConflictError, match="already part of the coordination group"):
        service.start_group_with(bodies.c_user, bodies.need_b)
    with pytest.raises(ConflictError, match="already part of the coordination group"):
        service.start_group_with(bodies.c_user, bodies.need_a)

    assert count(CoordinationGroup) == 1
    assert len(notices(bodies.b_user, "group_invitation")) == 1


@pytest.mark.parametrize("peer", ["own", "unverified", "supplier", "draft", "cancelled"])
def test_a_group_is_started_only_with_another_verified_body_and_its_live_need(make, bodies, peer):
    need = {
        "own": lambda: make.need(bodies.c, title="Et annet behov i Trondheim"),
        "unverified": lambda: make.need(make.public_body(verified=False), title="Fallvarsling"),
        "supplier": lambda: make.need(make.supplier(), title="Fallvarsling"),
        "draft": lambda: make.need(bodies.b, stage=Stage.DRAFT),
        "cancelled": lambda: make.need(bodies.b, stage=Stage.CANCELLED),
    }[peer]()

    with pytest.raises(ValidationError):
        service.start_group_with(bodies.c_user, need)

    assert count(CoordinationGroup) == 0


# -- answering an invitation ------------------------------------------------------------------


def test_accepting_makes_the_body_a_member_and_brings_its_need(bodies, group):
    service.answer_invitation(bodies.b_user, group, accept=True)

    assert status_of(group, bodies.b) == MembershipStatus.MEMBER
    assert need_ids(group) == {bodies.need_a.id, bodies.need_b.id}
    assert {org.id for org in group.members} == {bodies.a.id, bodies.b.id}
    # The lead hears the answer.
    assert [n.kind for n in notices(bodies.a_user)] == ["group_invitation"]
    # Notices are written in the recipient's language (bokmål unless they chose another).
    assert "godtatt" in notices(bodies.a_user)[0].subject


def test_declining_leaves_the_group_as_it_was(bodies, group):
    service.answer_invitation(bodies.b_user, group, accept=False)

    assert status_of(group, bodies.b) == MembershipStatus.DECLINED
    assert need_ids(group) == {bodies.need_a.id}
    assert [org.id for org in group.members] == [bodies.a.id]
    assert "avslått" in notices(bodies.a_user)[0].subject


def test_any_member_of_the_invited_body_answers(make, bodies, group):
    colleague = make.user(bodies.b, role=Role.MEMBER)

    service.answer_invitation(colleague, group, accept=True)

    assert status_of(group, bodies.b) == MembershipStatus.MEMBER


def test_accepting_is_refused_when_the_need_joined_another_group_meanwhile(bodies, group):
    # C invites the same need of B; B accepts C's invitation first.
    other = service.invite_peer(bodies.c_user, bodies.need_c, bodies.need_b)
    service.answer_invitation(bodies.b_user, other, accept=True)

    with pytest.raises(ConflictError, match="already part of the coordination group"):
        service.answer_invitation(bodies.b_user, group, accept=True)

    assert status_of(group, bodies.b) == MembershipStatus.INVITED
    assert need_ids(group) == {bodies.need_a.id}


@pytest.mark.parametrize("who", ["lead", "third_body", "supplier", "other_body", "anonymous"])
def test_only_the_invited_body_answers(make, bodies, group, who):
    actor = {
        "lead": bodies.a_user,
        "third_body": bodies.c_user,
        "supplier": bodies.supplier_user,
    }.get(who) or outsider(make, who, bodies)

    for accept in (True, False):
        with pytest.raises(NotAllowedError):
            service.answer_invitation(actor, group, accept=accept)

    assert status_of(group, bodies.b) == MembershipStatus.INVITED
    assert need_ids(group) == {bodies.need_a.id}


def test_an_invitation_is_answered_once(bodies, group):
    service.answer_invitation(bodies.b_user, group, accept=False)

    with pytest.raises(NotAllowedError):
        service.answer_invitation(bodies.b_user, group, accept=True)

    assert status_of(group, bodies.b) == MembershipStatus.DECLINED


# -- asking to join, and the lead's decision --------------------------------------------------


def test_a_body_asks_to_join_with_its_need_and_the_lead_is_told(bodies, joined):
    membership = service.request_to_join(bodies.c_user, joined, bodies.need_c)

    assert membership.status == MembershipStatus.REQUESTED
    assert membership.need_id == bodies.need_c.id
    # Not a member yet, and its need waits outside.
    assert need_ids(joined) == {bodies.need_a.id, bodies.need_b.id}
    lead_notices = notices(bodies.a_user, "group_request")
    assert len(lead_notices) == 1
    assert bodies.c.name in lead_notices[0].subject
    assert len(notices(bodies.a_member, "group_request")) == 1
    # Members that do not lead are not asked.
    assert notices(bodies.b_user, "group_request") == []


def test_a_body_may_ask_to_join_without_a_need(bodies, joined):
    membership = service.request_to_join(bodies.c_user, joined)

    assert membership.need_id is None
    service.decide_request(bodies.a_user, joined, bodies.c.id, accept=True)
    assert status_of(joined, bodies.c) == MembershipStatus.MEMBER
    assert need_ids(joined) == {bodies.need_a.id, bodies.need_b.id}


def test_the_lead_accepts_a_request_and_the_requester_is_told(bodies, joined):
    service.request_to_join(bodies.c_user, joined, bodies.need_c)

    service.decide_request(bodies.a_member, joined, bodies.c.id, accept=True)

    assert status_of(joined, bodies.c) == MembershipStatus.MEMBER
    assert bodies.need_c.id in need_ids(joined)
    [notice] = notices(bodies.c_user, "group_request")
    assert "godtatt" in notice.subject


def test_the_lead_declines_a_request_and_the_requester_is_told(bodies, joined):
    service.request_to_join(bodies.c_user, joined, bodies.need_c)

    service.decide_request(bodies.a_user, joined, bodies.c.id, accept=False)

    assert status_of(joined, bodies.c) == MembershipStatus.DECLINED
    assert bodies.need_c.id not in need_ids(joined)
    [notice] = notices(bodies.c_user, "group_request")
    assert "avslått" in notice.subject
    # Declined is not final: the body may ask again.
    service.request_to_join(bodies.c_user, joined, bodies.need_c)
    assert status_of(joined, bodies.c) == MembershipStatus.REQUESTED


@pytest.mark.parametrize(
    "kind", ["anonymous", "supplier", "unverified_body", "no_organisation", "site_admin"]
)
def test_only_verified_public_bodies_ask_to_join(make, bodies, joined, kind):
    actor = outsider(make, kind, bodies)
    before = count(GroupMember)

    with pytest.raises(NotAllowedError):
        service.request_to_join(actor, joined)

    assert count(GroupMember) == before
    assert notices(bodies.a_user, "group_request") == []


@pytest.mark.parametrize("who", ["lead", "member", "invited"])
def test_a_body_in_the_group_or_invited_cannot_ask_to_join(bodies, joined, who):
    if who == "invited":
        service.invite_peer(bodies.a_user, bodies.need_a, bodies.need_c)
    actor = {"lead": bodies.a_user, "member": bodies.b_user, "invited": bodies.c_user}[who]

    with pytest.raises(ConflictError):
        service.request_to_join(actor, joined)

    assert notices(bodies.a_user, "group_request") == []


def test_asking_twice_is_a_conflict(bodies, joined):
    service.request_to_join(bodies.c_user, joined)

    with pytest.raises(ConflictError, match="already asked"):
        service.request_to_join(bodies.c_user, joined, bodies.need_c)


def test_a_body_brings_only_its_own_published_need_that_is_in_no_group(make, bodies, joined):
    draft = make.need(bodies.c, stage=Stage.DRAFT)

    with pytest.raises(NotAllowedError):
        service.request_to_join(bodies.c_user, joined, bodies.need_a)
    with pytest.raises(ValidationError):
        service.request_to_join(bodies.c_user, joined, draft)
    other = service.invite_peer(bodies.c_user, bodies.need_c, make.need(make.public_body()))
    with pytest.raises(ConflictError):
        service.request_to_join(bodies.c_user, joined, bodies.need_c)

    assert other.id != joined.id
    assert status_of(joined, bodies.c) is None


@pytest.mark.parametrize("who", ["member", "requester", "other_body", "supplier", "anonymous"])
def test_only_the_lead_decides_requests(make, bodies, joined, who):
    service.request_to_join(bodies.c_user, joined, bodies.need_c)
    actor = {
        "member": bodies.b_user,
        "requester": bodies.c_user,
        "supplier": bodies.supplier_user,
    }.get(who) or outsider(make, who, bodies)

    for accept in (True, False):
        with pytest.raises(NotAllowedError):
            service.decide_request(actor, joined, bodies.c.id, accept=accept)

    assert status_of(joined, bodies.c) == MembershipStatus.REQUESTED
    assert bodies.need_c.id not in need_ids(joined)


def test_deciding_a_request_nobody_made_is_not_found(bodies, joined):
    with pytest.raises(NotFoundError):
        service.decide_request(bodies.a_user, joined, bodies.c.id, accept=True)
    # An invitation is not a request: the lead cannot accept it on the invited body's behalf.
    service.invite_peer(bodies.a_user, bodies.need_a, bodies.need_c)
    with pytest.raises(NotFoundError):
        service.decide_request(bodies.a_user, joined, bodies.c.id, accept=True)
    assert status_of(joined, bodies.c) == MembershipStatus.INVITED


# -- bringing more needs ----------------------------------------------------------------------


def test_a_member_brings_another_published_need(make, bodies, joined):
    later = make.need(bodies.b, title="Nattlig tilsyn i omsorgsboliger")

    service.add_need(bodies.b_user, joined, later)

    assert later.id in need_ids(joined)
    assert service.group_id_of_need(later.id) == joined.id


def test_bringing_a_need_is_for_members_and_their_own_needs(make, bodies, joined, group):
    later_c = make.need(bodies.c, title="Tilsyn for Trondheim")
    later_b = make.need(bodies.b, title="Tilsyn for Bergen")
    draft_b = make.need(bodies.b, stage=Stage.DRAFT)

    with pytest.raises(NotAllowedError):
        service.add_need(bodies.c_user, joined, later_c)  # not a member
    with pytest.raises(NotAllowedError):
        service.add_need(bodies.a_user, joined, later_b)  # another body's need
    with pytest.raises(NotAllowedError):
        service.add_need(bodies.supplier_user, joined, later_b)
    with pytest.raises(ValidationError):
        service.add_need(bodies.b_user, joined, draft_b)
    with pytest.raises(ConflictError):
        service.add_need(bodies.b_user, joined, bodies.need_b)  # already in

    assert need_ids(joined) == {bodies.need_a.id, bodies.need_b.id}


# -- the stage --------------------------------------------------------------------------------


def test_the_lead_moves_the_stage_one_step_on_or_back(bodies, joined):
    service.change_stage(bodies.a_member, joined, "agreed")
    assert joined.stage == GroupStage.AGREED
    service.change_stage(bodies.a_user, joined, "exploring")
    assert joined.stage == GroupStage.EXPLORING
    for stage in ("agreed", "tendering", "done"):
        service.change_stage(bodies.a_user, joined, stage)
    assert joined.stage == GroupStage.DONE
    # Done is final.
    with pytest.raises(ValidationError):
        service.change_stage(bodies.a_user, joined, "tendering")


@pytest.mark.parametrize("stage", ["tendering", "done", "exploring", "unknown"])
def test_a_stage_cannot_be_skipped_or_made_up(bodies, joined, stage):
    with pytest.raises(ValidationError):
        service.change_stage(bodies.a_user, joined, stage)

    assert joined.stage == GroupStage.EXPLORING


@pytest.mark.parametrize("who", ["member", "invited", "supplier", "other_body", "anonymous", "site_admin"])
def test_only_the_lead_changes_the_stage(make, bodies, joined, who):
    if who == "invited":
        service.invite_peer(bodies.a_user, bodies.need_a, bodies.need_c)
    actor = {
        "member": bodies.b_user,
        "invited": bodies.c_user,
        "supplier": bodies.supplier_user,
    }.get(who) or outsider(make, who, bodies)

    with pytest.raises(NotAllowedError):
        service.change_stage(actor, joined, "agreed")

    db.session.expire_all()
    assert db.session.get(CoordinationGroup, joined.id).stage == GroupStage.EXPLORING


# -- the discussion ---------------------------------------------------------------------------


def test_members_post_and_read_the_discussion(bodies, joined):
    service.post_message(bodies.a_user, joined, "  Skal vi ha felles markedsdialog i mars?  ")
    service.post_message(bodies.b_user, joined, "Ja, Bergen er med.")

    texts = [p.text for p in service.discussion(bodies.b_user, joined)]
    assert texts == ["Skal vi ha felles markedsdialog i mars?", "Ja, Bergen er med."]
    assert [p.organisation_id for p in service.discussion(bodies.a_member, joined)] == [
        bodies.a.id,
        bodies.b.id,
    ]


def test_an_empty_or_too_long_message_is_refused(bodies, joined):
    with pytest.raises(ValidationError):
        service.post_message(bodies.a_user, joined, " \x00 ")
    with pytest.raises(ValidationError):
        service.post_message(bodies.a_user, joined, "x" * (service.POST_MAX + 1))

    assert count(GroupPost) == 0


@pytest.mark.parametrize(
    "who", ["invited", "requested", "declined", "supplier", "other_body", "anonymous", "site_admin"]
)
def test_only_members_see_and_write_the_discussion(make, bodies, joined, who):
    service.post_message(bodies.a_user, joined, "Intern plan: budsjett 2 mill.")
    if who == "invited":
        service.invite_peer(bodies.a_user, bodies.need_a, bodies.need_c)
    elif who == "requested":
        service.request_to_join(bodies.c_user, joined, bodies.need_c)
    elif who == "declined":
        service.invite_peer(bodies.a_user, bodies.need_a, bodies.need_c)
        service.answer_invitation(bodies.c_user, joined, accept=False)
    actor = bodies.c_user if who in ("invited", "requested", "declined") else None
    actor = actor or (bodies.supplier_user if who == "supplier" else outsider(make, who, bodies))

    assert not service.can_see_discussion(actor, joined)
    with pytest.raises(NotAllowedError):
        service.discussion(actor, joined)
    with pytest.raises(NotAllowedError):
        service.post_message(actor, joined, "Kan vi lese med?")

    assert count(GroupPost) == 1


def test_an_accepted_body_sees_what_was_said_before_it_joined(bodies, group):
    service.post_message(bodies.a_user, group, "Velkommen, Bergen!")
    assert not service.can_see_discussion(bodies.b_user, group)

    service.answer_invitation(bodies.b_user, group, accept=True)

    assert [p.text for p in service.discussion(bodies.b_user, group)] == ["Velkommen, Bergen!"]


# -- reading ----------------------------------------------------------------------------------


def test_groups_of_needs_maps_each_grouped_need_to_its_group(bodies, joined):
    found = service.groups_of_needs([bodies.need_a.id, bodies.need_b.id, bodies.need_c.id])

    assert {need_id: g.id for need_id, g in found.items()} == {
        bodies.need_a.id: joined.id,
        bodies.need_b.id: joined.id,
    }
    assert service.groups_of_needs([]) == {}


def test_joinable_needs_are_published_live_and_in_no_group(make, bodies, joined):
    make.need(bodies.b, stage=Stage.DRAFT, title="Utkast")
    make.need(bodies.b, stage=Stage.CANCELLED, title="Avlyst")
    free = make.need(bodies.b, title="Ledig behov")

    assert [n.id for n in service.joinable_needs(bodies.b.id)] == [free.id]


def test_the_api_objects_show_the_public_parts_only(bodies, joined):
    service.post_message(bodies.a_user, joined, "Hemmelig plan")
    service.invite_peer(bodies.a_user, bodies.need_a, bodies.need_c)

    data = serializers.coordination_group_dict(joined)

    assert data["lead"]["id"] == bodies.a.id
    assert {m["id"] for m in data["members"]} == {bodies.a.id, bodies.b.id}
    assert {n["id"] for n in data["needs"]} == {bodies.need_a.id, bodies.need_b.id}
    assert "Hemmelig plan" not in str(data)
    assert bodies.c.name not in str(data)  # an open invitation is the group's business
    assert serializers.need_dict(bodies.need_a)["coordination_group"] == joined.id
    assert serializers.need_dict(bodies.need_c)["coordination_group"] is None
