"""The audit log page: an organisation's administrators read its entries, site administrators all."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from network import labels, permissions
from network.services import accounts as accounts_service
from network.services import audit as audit_service
from network.views import audit_entries
from network.views.forms_util import id_arg, page_arg

bp = Blueprint("audit", __name__)

ACTIONS = {
    "need.create": _l("Need created"),
    "need.edit": _l("Need edited"),
    "need.publish": _l("Need published"),
    "need.stage": _l("Need moved to another stage"),
    "need.delete": _l("Draft deleted"),
    "organisation.register": _l("Organisation registered"),
    "organisation.edit": _l("Organisation profile edited"),
    "organisation.verify": _l("Organisation verified"),
    "organisation.unverify": _l("Verification withdrawn"),
    "member.invite": _l("Colleague invited"),
    "member.join": _l("Colleague joined"),
    "group.create": _l("Coordination group started"),
    "group.invite": _l("Invited to a coordination group"),
    "group.accept": _l("Group invitation accepted"),
    "group.decline": _l("Group invitation declined"),
    "group.request": _l("Asked to join a coordination group"),
    "group.request_accepted": _l("Request to join accepted"),
    "group.request_declined": _l("Request to join declined"),
    "group.add_need": _l("Need brought to a coordination group"),
    "group.stage": _l("Coordination group moved to another stage"),
    "group.leave": _l("Left a coordination group"),
    "member.invitation_withdrawn": _l("Invitation withdrawn"),
    "member.join_request": _l("Someone asked to join"),
    "member.join_approved": _l("Request to join the organisation approved"),
    "member.join_refused": _l("Request to join the organisation refused"),
    "organisation.reject": _l("Organisation rejected"),
    "organisation.number_cleared": _l("Organisation number removed (another organisation had it)"),
    # Security events of an account (audit.security_event), also listed to the owner on /account.
    "security.password_changed": _l("Password changed"),
    "security.email_change_requested": _l("Change of e-mail address asked for"),
    "security.email_changed": _l("E-mail address changed"),
    "security.role_changed": _l("Role changed"),
    "security.member_removed": _l("Removed from the organisation"),
    "security.deactivated": _l("Account closed"),
    "security.reactivated": _l("Account opened again"),
    "security.data_exported": _l("Copy of the account's data downloaded"),
    "security.account_deleted": _l("Account deleted"),
    "security.sign_in": _l("Signed in"),
    "security.sign_in_failed": _l("Failed sign-in"),
    "security.locked": _l("Sign-in locked after failed attempts"),
    "security.signed_out": _l("Signed out"),
    "security.session_ended": _l("A signed-in session ended"),
    "security.sessions_revoked": _l("Signed out everywhere else"),
    "security.2fa_enabled": _l("Two-factor sign-in turned on"),
    "security.2fa_disabled": _l("Two-factor sign-in turned off"),
    "security.recovery_code_used": _l("Recovery code used"),
    "security.recovery_codes_new": _l("New recovery codes made"),
    **labels.MODERATION_ACTIONS,
}


@bp.get("/audit")
@login_required
def index():
    if not permissions.can_read_audit(current_user):
        abort(403)
    organisation = None
    wanted = id_arg("organisation") if current_user.is_site_admin else current_user.organisation_id
    if wanted is not None:
        organisation = accounts_service.get_organisation(wanted)
    pagination = audit_service.entries(
        current_user,
        page_arg(),
        int(current_app.config["AUDIT_PER_PAGE"]),
        organisation.id if organisation else None,
    )
    return render_template(
        "audit/index.html",
        pagination=pagination,
        organisation=organisation,
        rows=audit_entries.rows(pagination.items, ACTIONS),
    )
