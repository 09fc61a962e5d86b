"""Who stands for each member body of a group (its contact person, shown to the members only), and a
member body leaving a group with its needs."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from network.errors import NotAllowedError, ValidationError
from network.extensions import db
from network.models import CoordinationGroup, GroupMember, GroupStage, MembershipStatus, Role, User
from network.services import audit, commit
from network.services.coordination.groups import is_lead, is_member
from network.services.notifications import notify, users_of_organisation


def contact_persons(group: CoordinationGroup) -> dict[int, User]:
    """member body's id → its contact person for the other members: the person of that body who asked
    to join (or, for the lead, started the group), while still one of its active users; otherwise its
    first administrator, otherwise its first user. A body with no active user has none.

    The asker is the one who knows why the body joined; an invitation is accepted by whoever opened
    it, which is not recorded, so an invited body is represented by its administrator, the person
    who answers for it on the site."""
    members = [m for m in group.memberships if m.status == MembershipStatus.MEMBER]
    org_ids = [m.organisation_id for m in members]
    if not org_ids:
        return {}
    users = db.session.scalars(
        sa.select(User)
        .where(User.organisation_id.in_(org_ids), User.deactivated_at.is_(None))
        .order_by(User.id)
    ).all()
    contacts: dict[int, User] = {}
    for membership in members:
        own = [u for u in users if u.organisation_id == membership.organisation_id]
        asker = membership.created_by
        if asker is not None and any(u.id == asker.id for u in own):
            contacts[membership.organisation_id] = asker
        elif own:
            admins = [u for u in own if u.role == Role.ADMIN]
            contacts[membership.organisation_id] = (admins or own)[0]
    return contacts


def can_leave(user: User | None, group: CoordinationGroup) -> bool:
    """A user of a member body that does not lead the group, while the group runs."""
    return is_member(user, group) and not is_lead(user, group) and group.stage != GroupStage.DONE


def leave_group(actor: User, group: CoordinationGroup) -> list[int]:
    """The actor's body leaves the group, and its needs leave with it; returns those needs' ids.

    The lead cannot leave: it answers requests and moves the stage, and a group without one would be
    stuck (handing the lead over is another change). Nor can a body leave a finished group: its joint
    procurement is done, and the record of who took part stays as it was. The body may ask to join, or
    be invited, again later; the audit log keeps that it left."""
    if not is_member(actor, group):
        raise NotAllowedError(_("Only a member body can leave the group."))
    if is_lead(actor, group):
        raise ValidationError(
            _("The lead body cannot leave the group: it answers requests and moves the group's stage.")
        )
    if group.stage == GroupStage.DONE:
        raise ValidationError(_("This coordination group has finished its work; its members stay on record."))
    org = actor.organisation
    membership: GroupMember = group.membership_of(org.id)
    own_needs = [gn for gn in group.group_needs if gn.need.organisation_id == org.id]
    need_ids = [gn.need_id for gn in own_needs]
    for group_need in own_needs:
        group.group_needs.remove(group_need)
        db.session.delete(group_need)
    group.memberships.remove(membership)
    db.session.delete(membership)
    db.session.flush()
    audit.record(
        actor, "group.leave", group, org.id, other_organisation_id=group.lead_id, details={"needs": need_ids}
    )
    name, title = org.name, group.title
    notify(
        users_of_organisation(group.lead_id),
        "group_request",
        lambda: (
            _("%(org)s left “%(group)s”", org=name, group=title),
            _(
                "%(org)s left the coordination group “%(group)s”; its needs left the group with it.",
                org=name,
                group=title,
            ),
        ),
        link=group.url,
        exclude=actor,
    )
    commit(None)
    return need_ids
