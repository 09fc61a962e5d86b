"""Moderation: reporting an item (anyone signed in), the site administrators' queue of reports, hiding
and unhiding, suspending an organisation; and ending the session of a suspended organisation's user."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from network import permissions
from network.errors import ValidationError
from network.forms import ConfirmForm, ModerationReasonForm, ReportForm
from network.indexing import get_index
from network.models import ReportKind
from network.services import accounts as accounts_service
from network.services import moderation as moderation_service
from network.views.admin import site_admin_required
from network.views.forms_util import field_error, form_status, require_valid
from network.views.security import ended_inactive_user

bp = Blueprint("moderation", __name__)

KINDS = tuple(k.value for k in ReportKind)


@bp.before_app_request
def _end_session_of_a_suspended_organisation():
    # The session check ends the session of a user who is no longer active (views/security.py); when
    # that is because the organisation is suspended, this request gets a page that says why, once (the
    # next request is an ordinary anonymous one).
    if request.endpoint == "static":
        return None
    user = ended_inactive_user()
    if user is None or user.organisation is None or user.organisation.suspended_at is None:
        return None
    return render_template("moderation/suspended.html", org=user.organisation), 403


@bp.app_template_global()
def removed_for_viewer(item, organisation_id) -> bool:
    """A hidden question or post reads "[removed by a moderator]" to this viewer."""
    return permissions.removed_for(current_user, item, organisation_id)


@bp.app_template_global()
def visible_need(need) -> bool:
    """Whether this viewer may see the need (lists of other features: a group's needs)."""
    return permissions.can_view_need(current_user, need)


def item_link(item) -> str | None:
    """Where the item is seen on the site (None for a group post: only its members see it)."""
    record = item.record
    if item.kind == ReportKind.NEED:
        return url_for("needs.detail", need_id=record.id)
    if item.kind == ReportKind.CAPABILITY:
        return url_for("capabilities.detail", capability_id=record.id)
    if item.kind == ReportKind.QUESTION:
        return url_for("needs.detail", need_id=record.need_id) + f"#question-{record.id}"
    return url_for("coordination.detail", group_id=record.group_id)


def _kind(kind: str) -> str:
    if kind not in KINDS:
        abort(404)
    return kind


# -- reporting --------------------------------------------------------------------------------


@bp.route("/report/<kind>/<int:item_id>", methods=["GET", "POST"])
@login_required
def report(kind: str, item_id: int):
    item = moderation_service.reportable_item(current_user, _kind(kind), item_id)
    form = ReportForm()
    back = item_link(item)
    if form.validate_on_submit():
        draft = moderation_service.ReportDraft(reason=form.reason.data, details=form.details.data or "")
        try:
            moderation_service.report_item(current_user, kind, item_id, draft)
        except ValidationError as exc:
            field_error(form, exc)
        except moderation_service.AlreadyReportedError as exc:
            flash(str(exc), "info")
            return redirect(back)
        except moderation_service.ReportLimitError as exc:
            form.form_errors.append(str(exc))
            return render_template("moderation/report.html", form=form, item=item, back=back), exc.status
        else:
            flash(_("Thank you. A site administrator will look at your report."), "success")
            return redirect(back)
    return render_template("moderation/report.html", form=form, item=item, back=back), form_status()


# -- the site administrators' queue -----------------------------------------------------------


@bp.get("/admin/reports")
@site_admin_required
def queue():
    return render_template(
        "moderation/queue.html",
        items=moderation_service.open_reports(),
        hidden=moderation_service.hidden_items(),
        suspended=moderation_service.suspended_organisations(),
        form=ConfirmForm(),
        item_link=item_link,
    )


@bp.route("/admin/reports/<kind>/<int:item_id>/hide", methods=["GET", "POST"])
@site_admin_required
def hide(kind: str, item_id: int):
    item = moderation_service.find_item(_kind(kind), item_id)
    form = ModerationReasonForm()
    if form.validate_on_submit():
        try:
            moderation_service.hide_item(current_user, kind, item_id, form.reason.data, get_index())
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash(_("It is hidden, and the organisation's administrators are told why."), "success")
            return redirect(url_for("moderation.queue"))
    return render_template("moderation/hide.html", form=form, item=item, link=item_link(item)), form_status()


@bp.post("/admin/reports/<kind>/<int:item_id>/unhide")
@site_admin_required
def unhide(kind: str, item_id: int):
    require_valid(ConfirmForm())
    try:
        moderation_service.unhide_item(current_user, _kind(kind), item_id, get_index())
    except ValidationError as exc:
        flash(str(exc), "error")
    else:
        flash(_("It is shown again."), "success")
    return redirect(url_for("moderation.queue"))


@bp.post("/admin/reports/<kind>/<int:item_id>/dismiss")
@site_admin_required
def dismiss(kind: str, item_id: int):
    require_valid(ConfirmForm())
    try:
        moderation_service.dismiss_report(current_user, _kind(kind), item_id)
    except ValidationError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The report is dismissed; nothing is changed."), "success")
    return redirect(url_for("moderation.queue"))


# -- suspending an organisation ---------------------------------------------------------------


@bp.route("/admin/organisations/<int:org_id>/suspend", methods=["GET", "POST"])
@site_admin_required
def suspend(org_id: int):
    org = accounts_service.get_organisation(org_id)
    form = ModerationReasonForm()
    if form.validate_on_submit():
        try:
            moderation_service.suspend_organisation(current_user, org, form.reason.data, get_index())
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash(_("%(name)s is suspended.", name=org.name), "success")
            return redirect(url_for("organisations.detail", org_id=org.id))
    return render_template("moderation/suspend.html", form=form, org=org), form_status()


@bp.post("/admin/organisations/<int:org_id>/unsuspend")
@site_admin_required
def unsuspend(org_id: int):
    org = accounts_service.get_organisation(org_id)
    require_valid(ConfirmForm())
    try:
        moderation_service.unsuspend_organisation(current_user, org, get_index())
    except ValidationError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The suspension of %(name)s is lifted.", name=org.name), "success")
    return redirect(url_for("organisations.detail", org_id=org.id))
