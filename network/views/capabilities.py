"""Capabilities: a supplier's offer, shown on its profile; writing and removing them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from network import permissions
from network.forms import CapabilityForm, ConfirmForm
from network.indexing import get_index
from network.models import Capability, OrgKind
from network.services import capabilities as capabilities_service
from network.views.forms_util import form_status, fylke_choices, save_form
from network.views.helpers import own_organisation

bp = Blueprint("capabilities", __name__, url_prefix="/capabilities")


def _form(**kwargs) -> CapabilityForm:
    form = CapabilityForm(**kwargs)
    form.fylker.choices = fylke_choices()
    return form


def _draft_from(form: CapabilityForm) -> capabilities_service.CapabilityDraft:
    return capabilities_service.CapabilityDraft(
        title=form.title.data or "",
        description=form.description.data or "",
        domains=tuple(form.domains.data or ()),
        cpv=tuple(form.cpv.data or ()),
        fylker=tuple(f for f in (form.fylker.data or ()) if f),
        nationwide=form.nationwide.data,
        maturity=form.maturity.data,
        references=form.references.data or "",
    )


def _editable(capability_id: int) -> Capability:
    cap = capabilities_service.get(capability_id)
    if not permissions.can_edit_capability(current_user, cap):
        abort(403)
    return cap


@bp.get("/<int:capability_id>")
def detail(capability_id: int):
    cap = capabilities_service.get_visible(current_user, capability_id)
    can_edit = permissions.can_edit_capability(current_user, cap)
    return render_template("capabilities/detail.html", cap=cap, can_edit=can_edit)


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    own_organisation(OrgKind.SUPPLIER)
    return _form_page(None)


@bp.route("/<int:capability_id>/edit", methods=["GET", "POST"])
@login_required
def edit(capability_id: int):
    return _form_page(_editable(capability_id))


def _form_page(cap: Capability | None):
    """The capability form: a new one when cap is None, else cap's own."""
    form = _form(obj=cap)
    if cap is not None and request.method == "GET":
        form.maturity.data = cap.maturity.value

    def save() -> Capability:
        if cap is None:
            return capabilities_service.create_capability(current_user, _draft_from(form), get_index())
        return capabilities_service.update_capability(current_user, cap, _draft_from(form), get_index())

    saved = save_form(form, save)
    if saved is not None:
        if cap is None:
            flash(_("The capability is on your profile."), "success")
        else:
            flash(_("Your changes are saved."), "success")
        return redirect(url_for("capabilities.detail", capability_id=saved.id))
    return render_template("capabilities/form.html", form=form, cap=cap), form_status()


@bp.route("/<int:capability_id>/delete", methods=["GET", "POST"])
@login_required
def delete(capability_id: int):
    cap = _editable(capability_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        org_id = cap.organisation_id
        capabilities_service.delete_capability(current_user, cap, get_index())
        flash(_("The capability is removed from your profile."), "success")
        return redirect(url_for("organisations.detail", org_id=org_id))
    return render_template(
        "confirm.html",
        form=form,
        title=_("Remove “%(title)s”?", title=cap.title),
        message=_("The capability disappears from your profile and from the matches."),
        action=url_for("capabilities.delete", capability_id=cap.id),
        button=_("Remove"),
        cancel=url_for("capabilities.detail", capability_id=cap.id),
    )
