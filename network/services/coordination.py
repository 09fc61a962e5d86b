"""Coordination groups: bodies with the same need invite each other, ask to join, talk and move a joint
procurement forward; who may see and do what in a group."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

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
    Organisation,
    Stage,
    User,
    utcnow,
)
from network.services import audit, commit
from network.services.notifications import notify
from network.text import clean

POST_MAX = 5000

# Where the lead may move a group: one step on, or one step back (a mistake, or an agreement that fell
# through and is talked over again). Done is final: the joint procurement is over.
STAGE_MOVES: dict[GroupStage, tuple[GroupStage, ...]] = {
    GroupStage.EXPLORING: (GroupStage.AGREED,),
    GroupStage.AGREED: (GroupStage.TENDERING, GroupStage.EXPLORING),
    GroupStage.TENDERING: (GroupStage.DONE, GroupStage.AGREED),
    GroupStage.DONE: (),
}

# A cancelled need is history: it neither brings a body into a group nor joins one.
_INACTIVE_NEED_STAGES = (Stage.DRAFT, Stage.CANCELLED)


def _with_members():
    return (
        selectinload(CoordinationGroup.memberships).joinedload(GroupMember.organisation),
        selectinload(CoordinationGroup.group_needs).joinedload(GroupNeed.need),
        joinedload(CoordinationGroup.lead),
    )


# -- reading ----------------------------------------------------------------------------------


def get_group(group_id: int) -> CoordinationGroup:
    """A group with its memberships and needs (its existence is public)."""
    group = db.session.scalar(
        sa.select(CoordinationGroup).where(CoordinationGroup.id == group_id).options(*_with_members())
    )
    if group is None:
        raise NotFoundError(_("No such coordination group."))
    return group


def groups_page(page: int, per_page: int):
    """Every group, newest first, with what the list shows (lead, members, needs) loaded up front."""
    query = (
        sa.select(CoordinationGroup)
        .options(*_with_members())
        .order_by(CoordinationGroup.created_at.desc(), CoordinationGroup.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def group_of_need(need_id: int) -> CoordinationGroup | None:
    return db.session.scalar(
        sa.select(CoordinationGroup)
        .join(GroupNeed, GroupNeed.group_id == CoordinationGroup.id)
        .where(GroupNeed.need_id == need_id)
        .options(*_with_members())
    )


def group_id_of_need(need_id: int) -> int | None:
    return group_ids_of_needs([need_id]).get(need_id)


def group_ids_of_needs(need_ids: Iterable[int]) -> dict[int, int]:
    """need id → its group's id, for the needs that are in a group (one query for any number)."""
    ids = list(dict.fromkeys(need_ids))
    if not ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(GroupNeed.need_id, GroupNeed.group_id).where(GroupNeed.need_id.in_(ids))
        ).all()
    )


def groups_of_needs(need_ids: Iterable[int]) -> dict[int, CoordinationGroup]:
    """need id → its group, for the needs that are in one (one query, plus the groups' memberships)."""
    ids = list(dict.fromkeys(need_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(GroupNeed.need_id, CoordinationGroup)
        .join(CoordinationGroup, GroupNeed.group_id == CoordinationGroup.id)
        .where(GroupNeed.need_id.in_(ids))
        .options(*_with_members())
    )
    return {need_id: group for need_id, group in rows}


def groups_of_organisation(org_id: int | None) -> list[CoordinationGroup]:
    """The groups the organisation is a member of (the lead included)."""
    if org_id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(CoordinationGroup)
            .join(GroupMember, GroupMember.group_id == CoordinationGroup.id)
            .where(GroupMember.organisation_id == org_id, GroupMember.status == MembershipStatus.MEMBER)
            .order_by(CoordinationGroup.title)
        )
    )


def invitation_for_need(need_id: int) -> GroupMember | None:
    """The open invitation that names this need, if any."""
    return db.session.scalar(
        sa.select(GroupMember)
        .where(GroupMember.need_id == need_id, GroupMember.status == MembershipStatus.INVITED)
        .order_by(GroupMember.created_at.desc())
        .limit(1)
    )


def joinable_needs(org_id: int | None) -> list[Need]:
    """The organisation's published needs that are in no group yet: what it can bring to one."""
    if org_id is None:
        return []
    in_a_group = sa.select(GroupNeed.id).where(GroupNeed.need_id == Need.id).exists()
    return list(
        db.session.scalars(
            sa.select(Need)
            .where(
                Need.organisation_id == org_id,
                Need.stage.not_in(_INACTIVE_NEED_STAGES),
                ~in_a_group,
            )
            .order_by(Need.title)
        )
    )


# -- who may do what --------------------------------------------------------------------------


def is_coordinating_body(user: User | None) -> bool:
    """A user of a verified public body: only they take part in coordination groups."""
    return (
        user is not None
        and user.is_authenticated
        and user.organisation is not None
        and user.organisation.is_public_body
        and user.organisation.verified
    )


def is_lead(user: User | None, group: CoordinationGroup) -> bool:
    return user is not None and user.is_authenticated and user.belongs_to(group.lead_id)


def is_member(user: User | None, group: CoordinationGroup) -> bool:
    """A user of a member organisation (the lead is one): the people who see the discussion."""
    return user is not None and user.is_authenticated and group.is_member(user.organisation_id)


def can_see_discussion(user: User | None, group: CoordinationGroup) -> bool:
    return is_member(user, group)


def can_invite_for(user: User | None, need: Need, group: CoordinationGroup | None) -> bool:
    """Whether the user may invite peers of this need: its own verified body, a need that is out and
    not cancelled, and — when the need is already in a group — the group's lead, while it runs."""
    if not is_coordinating_body(user) or not user.belongs_to(need.organisation_id):
        return False
    if need.stage in _INACTIVE_NEED_STAGES:
        return False
    return group is None or (is_lead(user, group) and group.stage != GroupStage.DONE)


def stage_moves(group: CoordinationGroup) -> tuple[GroupStage, ...]:
    return STAGE_MOVES[group.stage]


def _require_coordinating_body(actor: User) -> Organisation:
    if not is_coordinating_body(actor):
        raise NotAllowedError(_("Only users of a verified public body take part in coordination groups."))
    return actor.organisation


def _require_lead(actor: User, group: CoordinationGroup, message: str) -> None:
    if not is_lead(actor, group):
        raise NotAllowedError(message)


def _require_running(group: CoordinationGroup) -> None:
    if group.stage == GroupStage.DONE:
        raise ValidationError(_("This coordination group has finished its work; it takes no new members."))


def _check_need_can_join(need: Need, group: CoordinationGroup | None = None) -> None:
    """A need joins a group only once it is published and still live, and only if it is in no group."""
    if need.stage in _INACTIVE_NEED_STAGES:
        raise ValidationError(_("Only a published need that is not cancelled can join a coordination group."))
    current = group_of_need(need.id)
    if current is None:
        return
    if group is not None and current.id == group.id:
        raise ConflictError(_("The need “%(need)s” is already in this group.", need=need.title))
    raise ConflictError(
        _(
            "The need “%(need)s” is already part of the coordination group “%(group)s”; a need can be "
            "in one group only.",
            need=need.title,
            group=current.title,
        )
    )


def _users_of(org_id: int) -> list[User]:
    return list(db.session.scalars(sa.select(User).where(User.organisation_id == org_id)))


def _add_need(group: CoordinationGroup, need: Need | None) -> None:
    if need is not None:
        db.session.add(GroupNeed(group=group, need=need))


def _open_membership(
    group: CoordinationGroup, org: Organisation, status: MembershipStatus, need: Need | None, actor: User
) -> GroupMember:
    """A new invitation or request, reusing the row of an earlier one that was declined."""
    membership = group.membership_of(org.id)
    if membership is None:
        membership = GroupMember(group=group, organisation=org)
        db.session.add(membership)
    membership.status = status
    membership.need = need
    membership.created_by = actor
    membership.created_at = utcnow()
    membership.decided_at = None
    return membership


def _refuse_existing(membership: GroupMember | None, org: Organisation, invited_side: bool) -> None:
    """An organisation that is a member or already has an open invitation or request cannot get
    another one; after a decline, it can."""
    if membership is None or membership.status == MembershipStatus.DECLINED:
        return
    if membership.status == MembershipStatus.MEMBER:
        raise ConflictError(_("%(org)s is already a member of this group.", org=org.name))
    if membership.status == MembershipStatus.INVITED:
        if invited_side:
            raise ConflictError(_("%(org)s is already invited to this group.", org=org.name))
        raise ConflictError(
            _("Your organisation is already invited to this group: accept the invitation on its page.")
        )
    if invited_side:
        raise ConflictError(
            _(
                "%(org)s has already asked to join this group: answer its request on the group's page.",
                org=org.name,
            )
        )
    raise ConflictError(_("Your organisation has already asked to join this group."))


def _settle(
    actor: User, group: CoordinationGroup, membership: GroupMember, accept: bool, actions: tuple[str, str]
) -> None:
    """Accept an open invitation or request (the body becomes a member and its need joins) or decline
    it, and record the decision in the audit log under actions[0] (accepted) or actions[1]."""
    if accept:
        if membership.need is not None:
            _check_need_can_join(membership.need, group)
        membership.status = MembershipStatus.MEMBER
        _add_need(group, membership.need)
    else:
        membership.status = MembershipStatus.DECLINED
    membership.decided_at = utcnow()
    db.session.flush()
    audit.record(
        actor,
        actions[0] if accept else actions[1],
        group,
        membership.organisation_id,
        other_organisation_id=group.lead_id,
    )


# -- inviting a peer and answering --------------------------------------------------------------


def _check_peer(org: Organisation, peer_need: Need) -> Organisation:
    """The body that owns `peer_need` may be invited by `org`: another verified public body, with a need
    that is published and not cancelled. Returns that body."""
    peer_org = peer_need.organisation
    if peer_need.stage in _INACTIVE_NEED_STAGES:
        raise ValidationError(_("Only a published need that is not cancelled can join a coordination group."))
    if peer_org.id == org.id:
        raise ValidationError(_("Invite another public body: this need is your own organisation's."))
    if not peer_org.is_public_body:
        raise ValidationError(_("Only public bodies can be invited to a coordination group."))
    if not peer_org.verified:
        raise ValidationError(
            _(
                "%(org)s is not verified yet; it can be invited once an administrator verifies it.",
                org=peer_org.name,
            )
        )
    return peer_org


def _new_group(actor: User, org: Organisation, title: str, need: Need | None) -> CoordinationGroup:
    """A group led by `org`, with `org` as its first member (bringing `need`, when it has one yet)."""
    group = CoordinationGroup(title=title, lead=org, stage=GroupStage.EXPLORING)
    db.session.add(group)
    db.session.add(
        GroupMember(
            group=group,
            organisation=org,
            status=MembershipStatus.MEMBER,
            need=need,
            created_by=actor,
            decided_at=utcnow(),
        )
    )
    _add_need(group, need)
    db.session.flush()
    audit.record(actor, "group.create", group, org.id)
    return group


def _send_invitation(
    actor: User, org: Organisation, group: CoordinationGroup, peer_org: Organisation, peer_need: Need
) -> None:
    """`org` (the group's lead) invites `peer_org` with its need into the group; its users are told."""
    _open_membership(group, peer_org, MembershipStatus.INVITED, peer_need, actor)
    db.session.flush()
    audit.record(
        actor,
        "group.invite",
        group,
        peer_org.id,
        other_organisation_id=org.id,
        details={"need": peer_need.id},
    )
    inviter, title, peer_title = org.name, group.title, peer_need.title
    notify(
        _users_of(peer_org.id),
        "group_invitation",
        lambda: (
            _("%(org)s invites you to a coordination group", org=inviter),
            _(
                "%(org)s has a need like your “%(need)s” and invites your organisation to plan a joint "
                "procurement in the coordination group “%(group)s”. Accept or decline on the group's page.",
                org=inviter,
                need=peer_title,
                group=title,
            ),
        ),
        link=group.url,
        need_id=peer_need.id,
        exclude=actor,
    )


def invite_peer(actor: User, need: Need, peer_need: Need) -> CoordinationGroup:
    """Invite the body that owns `peer_need` to coordinate with `need`'s body. The first invitation
    starts a group around `need`, led by the inviter's body."""
    org = _require_coordinating_body(actor)
    if not actor.belongs_to(need.organisation_id):
        raise NotAllowedError(
            _("Only the need's own organisation can invite other bodies to coordinate on it.")
        )
    if need.stage in _INACTIVE_NEED_STAGES:
        raise ValidationError(_("Publish the need before you invite other bodies to coordinate on it."))
    peer_org = _check_peer(org, peer_need)
    group = group_of_need(need.id)
    if group is not None:
        _require_lead(
            actor,
            group,
            _("Only the group's lead body, %(lead)s, invites new bodies into it.", lead=group.lead.name),
        )
        _require_running(group)
        _refuse_existing(group.membership_of(peer_org.id), peer_org, invited_side=True)
    _check_need_can_join(peer_need, group)
    if group is None:
        group = _new_group(actor, org, need.title, need)
    _send_invitation(actor, org, group, peer_org, peer_need)
    commit(None)
    return group


def start_group_with(actor: User, peer_need: Need) -> CoordinationGroup:
    """While the actor's body writes a need like `peer_need` (a draft cannot be in a group), start a new
    group led by that body, without a need of its own yet, and invite `peer_need`'s body with it. A peer
    need that is already in a group is joined instead (`request_to_join`)."""
    org = _require_coordinating_body(actor)
    peer_org = _check_peer(org, peer_need)
    _check_need_can_join(peer_need)
    group = _new_group(actor, org, peer_need.title, None)
    _send_invitation(actor, org, group, peer_org, peer_need)
    commit(None)
    return group


def answer_invitation(actor: User, group: CoordinationGroup, accept: bool) -> GroupMember:
    """The invited body accepts (it becomes a member and its need joins) or declines."""
    org_id = actor.organisation_id if actor is not None and actor.is_authenticated else None
    membership = group.membership_of(org_id) if org_id else None
    if membership is None or membership.status != MembershipStatus.INVITED:
        raise NotAllowedError(_("Your organisation has no open invitation to this group."))
    if accept:
        _require_coordinating_body(actor)
    _settle(actor, group, membership, accept, ("group.accept", "group.decline"))
    answerer, title = actor.organisation.name, group.title
    notify(
        _users_of(group.lead_id),
        "group_invitation",
        lambda: (
            _("%(org)s accepted your invitation", org=answerer)
            if accept
            else _("%(org)s declined your invitation", org=answerer),
            _("The answer is about the coordination group “%(group)s”.", group=title),
        ),
        link=group.url,
        exclude=actor,
    )
    commit(None)
    return membership


# -- asking to join and deciding --------------------------------------------------------------


def request_to_join(actor: User, group: CoordinationGroup, need: Need | None = None) -> GroupMember:
    """A verified public body outside the group asks to join, optionally bringing one of its needs."""
    org = _require_coordinating_body(actor)
    _require_running(group)
    _refuse_existing(group.membership_of(org.id), org, invited_side=False)
    if need is not None:
        if not actor.belongs_to(need.organisation_id):
            raise NotAllowedError(_("You can only bring your own organisation's needs to a group."))
        _check_need_can_join(need, group)
    membership = _open_membership(group, org, MembershipStatus.REQUESTED, need, actor)
    db.session.flush()
    audit.record(
        actor,
        "group.request",
        group,
        org.id,
        other_organisation_id=group.lead_id,
        details={"need": need.id} if need is not None else None,
    )
    asker, title = org.name, group.title
    notify(
        _users_of(group.lead_id),
        "group_request",
        lambda: (
            _("%(org)s asks to join “%(group)s”", org=asker, group=title),
            _("Accept or decline the request on the coordination group's page."),
        ),
        link=group.url,
        need_id=need.id if need is not None else None,
        exclude=actor,
    )
    commit(None)
    return membership


def decide_request(actor: User, group: CoordinationGroup, org_id: int, accept: bool) -> GroupMember:
    """The lead accepts a request (the body becomes a member, its need joins) or declines it."""
    _require_lead(actor, group, _("Only the group's lead body decides who joins."))
    membership = group.membership_of(org_id)
    if membership is None or membership.status != MembershipStatus.REQUESTED:
        raise NotFoundError(_("There is no open request from that organisation."))
    _settle(actor, group, membership, accept, ("group.request_accepted", "group.request_declined"))
    title = group.title
    notify(
        _users_of(membership.organisation_id),
        "group_request",
        lambda: (
            _("Your request to join “%(group)s” was accepted", group=title)
            if accept
            else _("Your request to join “%(group)s” was declined", group=title),
            _("You can now take part in the group's discussion.")
            if accept
            else _("The lead body of the group decided not to take more members now."),
        ),
        link=group.url,
        exclude=actor,
    )
    commit(None)
    return membership


def add_need(actor: User, group: CoordinationGroup, need: Need) -> GroupNeed:
    """A member body brings another of its published needs (one written after it joined, say)."""
    _require_coordinating_body(actor)
    if not actor.belongs_to(need.organisation_id):
        raise NotAllowedError(_("You can only bring your own organisation's needs to a group."))
    if not group.is_member(actor.organisation_id):
        raise NotAllowedError(_("Only member bodies bring needs to this group."))
    _require_running(group)
    _check_need_can_join(need, group)
    group_need = GroupNeed(group=group, need=need)
    db.session.add(group_need)
    audit.record(
        actor,
        "group.add_need",
        group,
        actor.organisation_id,
        other_organisation_id=group.lead_id,
        details={"need": need.id},
    )
    commit(None)
    return group_need


# -- running the group ------------------------------------------------------------------------


def change_stage(actor: User, group: CoordinationGroup, stage: str) -> CoordinationGroup:
    _require_lead(actor, group, _("Only the group's lead body changes its stage."))
    try:
        target = GroupStage(stage)
    except ValueError:
        raise ValidationError(_("Unknown stage."), field="stage") from None
    if target not in STAGE_MOVES[group.stage]:
        raise ValidationError(
            _("A group moves one stage on or one stage back, and a finished group stays finished.")
        )
    audit.record(actor, "group.stage", group, group.lead_id, details={"stage": [group.stage, target]})
    group.stage = target
    commit(None)
    return group


def discussion(actor: User | None, group: CoordinationGroup) -> list[GroupPost]:
    if not can_see_discussion(actor, group):
        raise NotAllowedError(_("Only the group's member bodies see its discussion."))
    return list(
        db.session.scalars(
            sa.select(GroupPost)
            .where(GroupPost.group_id == group.id)
            .options(selectinload(GroupPost.user), selectinload(GroupPost.organisation))
            .order_by(GroupPost.created_at, GroupPost.id)
        )
    )


def post_message(actor: User, group: CoordinationGroup, text: str) -> GroupPost:
    if not can_see_discussion(actor, group):
        raise NotAllowedError(_("Only the group's member bodies take part in its discussion."))
    message = clean(text)
    if not message:
        raise ValidationError(_("Write a message."), field="text")
    if len(message) > POST_MAX:
        raise ValidationError(_("A message can be at most %(n)d characters.", n=POST_MAX), field="text")
    post = GroupPost(group=group, user=actor, organisation_id=actor.organisation_id, text=message)
    db.session.add(post)
    commit(None)
    return post


def pending(group: CoordinationGroup, status: MembershipStatus) -> Sequence[GroupMember]:
    return [m for m in group.memberships if m.status == status]
