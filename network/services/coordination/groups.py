"""Coordination groups: reading them, who may see and do what in a group, and running one (its stage
and its discussion)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload, selectinload

from network import signals
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
)
from network.services import audit, commit
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
INACTIVE_NEED_STAGES = (Stage.DRAFT, Stage.CANCELLED)


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
                Need.stage.not_in(INACTIVE_NEED_STAGES),
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
    if need.stage in INACTIVE_NEED_STAGES:
        return False
    return group is None or (is_lead(user, group) and group.stage != GroupStage.DONE)


def stage_moves(group: CoordinationGroup) -> tuple[GroupStage, ...]:
    return STAGE_MOVES[group.stage]


def require_coordinating_body(actor: User) -> Organisation:
    if not is_coordinating_body(actor):
        raise NotAllowedError(_("Only users of a verified public body take part in coordination groups."))
    return actor.organisation


def require_lead(actor: User, group: CoordinationGroup, message: str) -> None:
    if not is_lead(actor, group):
        raise NotAllowedError(message)


def require_running(group: CoordinationGroup) -> None:
    if group.stage == GroupStage.DONE:
        raise ValidationError(_("This coordination group has finished its work; it takes no new members."))


def check_need_can_join(need: Need, group: CoordinationGroup | None = None) -> None:
    """A need joins a group only once it is published and still live, and only if it is in no group."""
    if need.stage in INACTIVE_NEED_STAGES:
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


# -- running the group ------------------------------------------------------------------------


def change_stage(actor: User, group: CoordinationGroup, stage: str) -> CoordinationGroup:
    require_lead(actor, group, _("Only the group's lead body changes its stage."))
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
    db.session.flush()
    signals.group_post_written.send(actor, post=post)
    commit(None)
    return post


def pending(group: CoordinationGroup, status: MembershipStatus) -> Sequence[GroupMember]:
    return [m for m in group.memberships if m.status == status]
