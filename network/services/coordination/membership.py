"""Membership of coordination groups: inviting a peer body and answering, asking to join and deciding,
and bringing another need."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from network.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from network.extensions import db
from network.models import (
    AuditEntry,
    CoordinationGroup,
    GroupMember,
    GroupNeed,
    GroupStage,
    MembershipStatus,
    Need,
    Organisation,
    User,
    utcnow,
)
from network.services import audit, commit
from network.services.coordination.groups import (
    INACTIVE_NEED_STAGES,
    check_need_can_join,
    group_of_need,
    require_coordinating_body,
    require_lead,
    require_running,
)
from network.services.notifications import notify, users_of_organisation


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
            check_need_can_join(membership.need, group)
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
    if peer_need.stage in INACTIVE_NEED_STAGES:
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


class AlreadyInvitedError(ConflictError):
    """The body already has an open invitation with this need to a group of the inviter's: that group
    is `group`, and no second one is started."""

    def __init__(self, message: str, group: CoordinationGroup):
        super().__init__(message)
        self.group = group


def _refuse_second_invitation(org: Organisation, peer_org: Organisation, peer_need: Need) -> None:
    """One open invitation per (inviting body, invited need): a repeated start or invitation, from the
    same draft or from another need of the body, points to the group that already asks."""
    group = db.session.scalar(
        sa.select(CoordinationGroup)
        .join(GroupMember, GroupMember.group_id == CoordinationGroup.id)
        .where(
            CoordinationGroup.lead_id == org.id,
            CoordinationGroup.stage != GroupStage.DONE,
            GroupMember.organisation_id == peer_org.id,
            GroupMember.need_id == peer_need.id,
            GroupMember.status == MembershipStatus.INVITED,
        )
        .limit(1)
    )
    if group is not None:
        raise AlreadyInvitedError(
            _(
                "%(org)s is already invited with this need to your coordination group “%(group)s”.",
                org=peer_org.name,
                group=group.title,
            ),
            group,
        )


def _check_daily_limit(actor: User) -> None:
    """A user starts at most GROUPS_PER_DAY groups in 24 hours: each one notifies another body."""
    limit = int(current_app.config["GROUPS_PER_DAY"])
    started = db.session.scalar(
        sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.actor_id == actor.id,
            AuditEntry.action == "group.create",
            AuditEntry.created_at >= utcnow() - timedelta(days=1),
        )
    )
    if started >= limit:
        raise ValidationError(
            _(
                "You have started %(n)d coordination groups in the last 24 hours, the most one person may. "
                "Invite more bodies into a group you lead, or try again tomorrow.",
                n=limit,
            )
        )


def _new_group(actor: User, org: Organisation, title: str, need: Need | None) -> CoordinationGroup:
    """A group led by `org`, with `org` as its first member (bringing `need`, when it has one yet)."""
    _check_daily_limit(actor)
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
        users_of_organisation(peer_org.id),
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
    org = require_coordinating_body(actor)
    if not actor.belongs_to(need.organisation_id):
        raise NotAllowedError(
            _("Only the need's own organisation can invite other bodies to coordinate on it.")
        )
    if need.stage in INACTIVE_NEED_STAGES:
        raise ValidationError(_("Publish the need before you invite other bodies to coordinate on it."))
    peer_org = _check_peer(org, peer_need)
    group = group_of_need(need.id)
    if group is not None:
        require_lead(
            actor,
            group,
            _("Only the group's lead body, %(lead)s, invites new bodies into it.", lead=group.lead.name),
        )
        require_running(group)
        _refuse_existing(group.membership_of(peer_org.id), peer_org, invited_side=True)
    check_need_can_join(peer_need, group)
    if group is None:
        _refuse_second_invitation(org, peer_org, peer_need)
        group = _new_group(actor, org, need.title, need)
    _send_invitation(actor, org, group, peer_org, peer_need)
    commit(None)
    return group


def start_group_with(actor: User, peer_need: Need) -> CoordinationGroup:
    """While the actor's body writes a need like `peer_need` (a draft cannot be in a group), start a new
    group led by that body, without a need of its own yet, and invite `peer_need`'s body with it. A peer
    need that is already in a group is joined instead (`request_to_join`). Starting again while the
    first invitation is open raises AlreadyInvitedError naming that group."""
    org = require_coordinating_body(actor)
    peer_org = _check_peer(org, peer_need)
    check_need_can_join(peer_need)
    _refuse_second_invitation(org, peer_org, peer_need)
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
        require_coordinating_body(actor)
    _settle(actor, group, membership, accept, ("group.accept", "group.decline"))
    answerer, title = actor.organisation.name, group.title
    notify(
        users_of_organisation(group.lead_id),
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
    org = require_coordinating_body(actor)
    require_running(group)
    _refuse_existing(group.membership_of(org.id), org, invited_side=False)
    if need is not None:
        if not actor.belongs_to(need.organisation_id):
            raise NotAllowedError(_("You can only bring your own organisation's needs to a group."))
        check_need_can_join(need, group)
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
        users_of_organisation(group.lead_id),
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
    require_lead(actor, group, _("Only the group's lead body decides who joins."))
    membership = group.membership_of(org_id)
    if membership is None or membership.status != MembershipStatus.REQUESTED:
        raise NotFoundError(_("There is no open request from that organisation."))
    _settle(actor, group, membership, accept, ("group.request_accepted", "group.request_declined"))
    title = group.title
    notify(
        users_of_organisation(membership.organisation_id),
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
    require_coordinating_body(actor)
    if not actor.belongs_to(need.organisation_id):
        raise NotAllowedError(_("You can only bring your own organisation's needs to a group."))
    if not group.is_member(actor.organisation_id):
        raise NotAllowedError(_("Only member bodies bring needs to this group."))
    require_running(group)
    check_need_can_join(need, group)
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
