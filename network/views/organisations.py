"""Organisation pages: public profiles, editing them, members and invitations, needs for a supplier."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from network import permissions, queries
from network.account_forms import RoleForm
from network.errors import ConflictError, MailError, NotAllowedError, ValidationError
from network.forms import ConfirmForm, InviteForm, OrganisationForm
from network.indexing import IndexUnavailableError, get_index
from network.models import OrgKind
from network.services import accounts as accounts_service
from network.services import joining as joining_service
from network.services import matching as matching_service
from network.services import members as members_service
from network.services import responses as responses_service
from network.views.forms_util import field_error, form_status, kommune_choices, page_arg, require_valid
from network.views.helpers import own_organisation

bp = Blueprint("organisations", __name__, url_prefix="/organisations")


@bp.get("")
def index():
    kind = request.args.get("kind")
    if kind not in ("public_body", "supplier"):
        kind = None
    pagination = queries.organisations_page(kind, page_arg(), current_app.config["PER_PAGE"])
    return render_template("organisations/index.html", pagination=pagination, kind=kind)


@bp.get("/<int:org_id>")
def detail(org_id: int):
    org = accounts_service.get_organisation(org_id)
    is_member = current_user.is_authenticated and current_user.belongs_to(org.id)
    sees_hidden = permissions.sees_hidden(current_user, org.id)
    needs, capabilities = [], []
    if org.is_public_body:
        needs = queries.needs_of_organisation(org.id, include_drafts=is_member, include_hidden=sees_hidden)
    else:
        capabilities = queries.capabilities_of_organisation(org.id, include_hidden=sees_hidden)
    return render_template(
        "organisations/detail.html",
        org=org,
        needs=needs,
        capabilities=capabilities,
        is_member=is_member,
        suspend_form=ConfirmForm() if current_user.is_authenticated and current_user.is_site_admin else None,
    )


@bp.route("/<int:org_id>/edit", methods=["GET", "POST"])
@login_required
def edit(org_id: int):
    org = accounts_service.get_organisation(org_id)
    if not (current_user.is_site_admin or (current_user.belongs_to(org.id) and current_user.is_org_admin)):
        abort(403)
    form = OrganisationForm(obj=org)
    form.kommune.choices = kommune_choices()
    if request.method == "GET" and org.sector:
        form.sector.data = org.sector.value
    if form.validate_on_submit():
        draft = accounts_service.OrganisationDraft(
            kind=org.kind.value,
            name=form.name.data,
            org_number=form.org_number.data,
            country=org.country,
            foreign_id=org.foreign_id,
            sector=form.sector.data if org.is_public_body else None,
            kommune=form.kommune.data or None,
            website=form.website.data,
            description=form.description.data or "",
            is_sme=form.is_sme.data,
            is_startup=form.is_startup.data,
        )
        try:
            accounts_service.update_organisation(current_user, org, draft, get_index())
        except ValidationError as exc:
            field_error(form, exc)
        except ConflictError as exc:
            flash(str(exc), "error")
        else:
            flash(_("The profile is saved."), "success")
            return redirect(url_for("organisations.detail", org_id=org.id))
    return render_template("organisations/edit.html", form=form, org=org), form_status()


@bp.route("/members", methods=["GET", "POST"])
@login_required
def members():
    org = own_organisation()
    form = InviteForm()
    if request.method == "POST":
        if not current_user.is_org_admin:
            abort(403)
        if form.validate_on_submit():
            try:
                accounts_service.invite_colleague(current_user, form.email.data)
            except ConflictError as exc:
                form.email.errors = [*form.email.errors, str(exc)]
            except MailError as exc:
                flash(str(exc), "error")
            else:
                flash(_("The invitation is sent to %(email)s.", email=form.email.data), "success")
                return redirect(url_for("organisations.members"))
    is_admin = current_user.is_org_admin
    return render_template(
        "organisations/members.html",
        org=org,
        members=queries.members(org.id),
        form=form,
        invitations=accounts_service.pending_invitations(current_user) if is_admin else [],
        join_requests=joining_service.pending_requests(current_user) if is_admin else [],
    ), form_status()


def _admin_member(user_id: int):
    own_organisation()
    return members_service.get_member(current_user._get_current_object(), user_id)


@bp.post("/members/<int:user_id>/role")
@login_required
def change_role(user_id: int):
    member = _admin_member(user_id)
    form = require_valid(RoleForm())
    try:
        members_service.change_role(current_user._get_current_object(), member, form.role.data)
    except NotAllowedError as exc:
        flash(str(exc), "error")
    else:
        flash(_("%(name)s's role is changed.", name=member.name), "success")
    return redirect(url_for("organisations.members"))


@bp.route("/members/<int:user_id>/remove", methods=["GET", "POST"])
@login_required
def remove_member(user_id: int):
    """A page that asks first; the POST removes the colleague (and deletes their account)."""
    member = _admin_member(user_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        is_self = member.id == current_user.id
        try:
            name = members_service.remove_member(current_user._get_current_object(), member)
        except NotAllowedError as exc:
            flash(str(exc), "error")
            return redirect(url_for("organisations.members"))
        if is_self:
            return redirect(url_for("main.index"))
        flash(_("%(name)s is removed from the organisation.", name=name), "success")
        return redirect(url_for("organisations.members"))
    return render_template("organisations/remove_member.html", member=member, form=form)


@bp.post("/invitations/<int:invitation_id>/withdraw")
@login_required
def withdraw_invitation(invitation_id: int):
    own_organisation()
    require_valid(ConfirmForm())
    invitation = members_service.withdraw_invitation(current_user, invitation_id)
    flash(_("The invitation to %(email)s is withdrawn.", email=invitation.email), "success")
    return redirect(url_for("organisations.members"))


@bp.post("/join-requests/<int:request_id>/approve")
@login_required
def approve_join_request(request_id: int):
    own_organisation()
    require_valid(ConfirmForm())
    try:
        user = joining_service.approve(current_user._get_current_object(), request_id)
    except ConflictError as exc:
        flash(str(exc), "error")
    else:
        flash(_("%(name)s is now a member, and is told by e-mail.", name=user.name), "success")
    return redirect(url_for("organisations.members"))


@bp.route("/join-requests/<int:request_id>/refuse", methods=["GET", "POST"])
@login_required
def refuse_join_request(request_id: int):
    """A page that asks first; the POST refuses the request (and deletes it)."""
    own_organisation()
    join_request = joining_service.get_request(current_user._get_current_object(), request_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        joining_service.refuse(current_user._get_current_object(), request_id)
        flash(_("The request of %(name)s is refused.", name=join_request.name), "success")
        return redirect(url_for("organisations.members"))
    return render_template("organisations/refuse_join_request.html", join_request=join_request, form=form)


@bp.get("/for-you")
@login_required
def for_you():
    """A supplier's start page: needs for you, ranked by the supplier's capabilities."""
    org = own_organisation(OrgKind.SUPPLIER)
    try:
        matches = matching_service.needs_for_supplier(org, get_index(), limit=matching_service.FOR_YOU_LIST)
        unavailable = False
    except IndexUnavailableError:
        matches, unavailable = [], True
    return render_template(
        "organisations/for_you.html",
        org=org,
        matches=matches,
        matching_unavailable=unavailable,
        responses=responses_service.responses_of_supplier(current_user),
    )
