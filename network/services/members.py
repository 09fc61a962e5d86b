"""An organisation's administrators manage its colleagues: roles, removal, invitations not yet accepted;
and site administrators withdraw a public body's verification."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _

from network import links
from network.errors import NotAllowedError, NotFoundError, ValidationError
from network.extensions import db
from network.models import Invitation, Organisation, OrgKind, Role, User
from network.services import audit, commit
from network.services.erasure import erase
from network.services.profile import notify_owner, other_active_admins
from network.text import clean

REASON_MAX = 1000


def _require_admin_of(actor: User, member: User | None) -> User:
    if not actor.is_org_admin:
        raise NotAllowedError(_("Only the organisation's administrators can change its colleagues."))
    # Another organisation's user is "not found", like a user who does not exist.
    if member is None or not actor.belongs_to(member.organisation_id):
        raise NotFoundError(_("No such colleague."))
    return member


def get_member(actor: User, user_id: int) -> User:
    return _require_admin_of(actor, db.session.get(User, user_id))


def change_role(actor: User, member: User, role: str) -> User:
    """Make a colleague administrator or member. The last active administrator cannot step down."""
    _require_admin_of(actor, member)
    try:
        new = Role(role)
    except ValueError:
        raise ValidationError(_("Choose administrator or member."), field="role") from None
    if new == member.role:
        return member
    if member.role == Role.ADMIN and other_active_admins(member) == 0:
        raise NotAllowedError(
            _("%(name)s is the last administrator. Make someone else administrator first.", name=member.name)
        )
    audit.security_event(
        member, "security.role_changed", actor=actor, details={"role": [member.role.value, new.value]}
    )
    member.role = new
    db.session.commit()
    return member


def remove_member(actor: User, member: User) -> str:
    """Remove a colleague from the organisation. The person's account is deleted (pseudonymised like a
    deletion they asked for themselves): an account here exists for an organisation, and what they wrote
    stays with it. The last administrator cannot be removed. Returns the removed person's name."""
    _require_admin_of(actor, member)
    if member.role == Role.ADMIN and other_active_admins(member) == 0:
        raise NotAllowedError(
            _("%(name)s is the last administrator. Make someone else administrator first.", name=member.name)
        )
    name, email, org_name, locale = member.name, member.email, member.organisation.name, member.locale
    erase(member, actor=actor, action="security.member_removed")
    db.session.commit()
    with force_locale(locale or "nb"):
        _tell_removed(email, org_name)
    return name


def _tell_removed(email: str, org_name: str) -> None:
    notify_owner(
        email,
        _("You are no longer a member of %(org)s on Behovsbørsen", org=org_name),
        _(
            "An administrator of %(org)s has removed you from the organisation on Behovsbørsen, and your "
            "account there is deleted. What you wrote stays with the organisation.\n",
            org=org_name,
        ),
    )


def withdraw_invitation(actor: User, invitation_id: int) -> Invitation:
    """Withdraw an invitation not yet accepted: its link stops working."""
    if not actor.is_org_admin:
        raise NotAllowedError(_("Only the organisation's administrators can withdraw invitations."))
    invitation = db.session.get(Invitation, invitation_id)
    if (
        invitation is None
        or invitation.accepted_at is not None
        or not actor.belongs_to(invitation.organisation_id)
    ):
        raise NotFoundError(_("No such invitation."))
    audit.record(
        actor, "member.invitation_withdrawn", invitation, actor.organisation_id, label=invitation.email
    )
    db.session.delete(invitation)
    db.session.commit()
    return invitation


def admins_of(org: Organisation) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).where(
                User.organisation_id == org.id, User.role == Role.ADMIN, User.deactivated_at.is_(None)
            )
        )
    )


def withdraw_verification(actor: User, org: Organisation, reason: str, index) -> Organisation:
    """A site administrator withdraws a public body's verification, with a reason that is recorded and
    mailed to the body's administrators. Its published needs stay; it cannot publish new ones."""
    if not actor.is_site_admin:
        raise NotAllowedError(_("Only site administrators verify public bodies."))
    if org.kind != OrgKind.PUBLIC_BODY or not org.verified:
        raise ValidationError(_("This organisation is not verified."))
    reason = clean(reason)
    if not reason:
        raise ValidationError(_("Write why the verification is withdrawn."), field="reason")
    if len(reason) > REASON_MAX:
        raise ValidationError(_("At most %(n)d characters.", n=REASON_MAX), field="reason")
    audit.record(
        actor, "organisation.unverify", org, org.id, details={"verified": [True, False], "reason": reason}
    )
    org.verified = False
    org.verified_at = None
    commit(index)
    for admin in admins_of(org):
        # In the language each administrator chose, not the site administrator's.
        with force_locale(admin.locale or "nb"):
            notify_owner(
                admin.email,
                _("The verification of %(org)s on Behovsbørsen is withdrawn", org=org.name),
                _(
                    "A site administrator has withdrawn the verification of %(org)s on Behovsbørsen. Your "
                    "published needs stay, but you cannot publish new ones until the organisation is "
                    "verified again.\n\nThe reason given:\n%(reason)s\n\nYour organisation:\n%(link)s\n",
                    org=org.name,
                    reason=reason,
                    link=links.site_root() + links.site_path("organisations.detail", org_id=org.id),
                ),
            )
    return org
