"""Needs: the list, a need's page with its matches and responses, writing and moving a need."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from network import labels, permissions, queries
from network.errors import ConflictError, NotAllowedError, ValidationError
from network.forms import ConfirmForm, NeedForm, ResponseForm, ResponseStatusForm, StageForm
from network.indexing import IndexUnavailableError, get_index
from network.models import STAGE_MOVES, Domain, Need, OrgKind, Stage
from network.services import matching as matching_service
from network.services import needs as needs_service
from network.services import responses as responses_service
from network.views.forms_util import (
    field_error,
    form_status,
    fylke_choices,
    id_arg,
    kommune_choices,
    page_arg,
    require_valid,
    save_form,
    stage_choices,
)
from network.views.helpers import own_organisation
from network.views.panels import need_panels_context

bp = Blueprint("needs", __name__, url_prefix="/needs")


@bp.get("")
def index():
    stage = request.args.get("stage") or None
    domain = request.args.get("domain") or None
    if stage not in (None, *[s.value for s in Stage if s != Stage.DRAFT]):
        stage = None
    if domain not in (None, *[d.value for d in Domain]):
        domain = None
    pagination = queries.needs_page(stage, domain, page_arg(), current_app.config["PER_PAGE"])
    return render_template("needs/index.html", pagination=pagination, stage=stage, domain=domain)


@bp.get("/mine")
@login_required
def mine():
    org = own_organisation(OrgKind.PUBLIC_BODY)
    needs = queries.needs_of_organisation(org.id, include_drafts=True)
    counts = queries.response_counts([n.id for n in needs])
    return render_template("needs/mine.html", org=org, needs=needs, counts=counts)


def _draft_from(form: NeedForm) -> needs_service.NeedDraft:
    return needs_service.NeedDraft(
        title=form.title.data or "",
        description=form.description.data or "",
        affected=form.affected.data or "",
        outcome=form.outcome.data or "",
        domain=form.domain.data,
        cpv=tuple(form.cpv.data or ()),
        kommuner=tuple(k for k in (form.kommuner.data or ()) if k),
        fylker=tuple(f for f in (form.fylker.data or ()) if f),
        route=form.route.data,
        budget_min=form.budget_min.data,
        budget_max=form.budget_max.data,
        deadline=form.deadline.data,
    )


def _editable(need_id: int) -> Need:
    need = needs_service.get_visible(current_user, need_id)
    if not permissions.can_edit_need(current_user, need):
        abort(403)
    return need


def _need_form(**kwargs) -> NeedForm:
    form = NeedForm(**kwargs)
    form.kommuner.choices = kommune_choices(blank=False)
    form.fylker.choices = fylke_choices()
    return form


@bp.route("/new", methods=["GET", "POST"])
@login_required
def create():
    org = own_organisation(OrgKind.PUBLIC_BODY)
    form = _need_form()
    if request.method == "GET":
        form.kommuner.data = [org.kommune] if org.kommune else []
    need = save_form(form, lambda: needs_service.create_need(current_user, _draft_from(form), get_index()))
    if need is not None:
        flash(_("The need is saved as a draft. Only your organisation can see it."), "success")
        return redirect(url_for("needs.detail", need_id=need.id))
    return render_template("needs/form.html", form=form, need=None, org=org), form_status()


@bp.route("/<int:need_id>/edit", methods=["GET", "POST"])
@login_required
def edit(need_id: int):
    need = _editable(need_id)
    form = _need_form(obj=need)
    if request.method == "GET":
        form.domain.data = need.domain.value
        form.route.data = need.route.value
    saved = save_form(
        form, lambda: needs_service.update_need(current_user, need, _draft_from(form), get_index())
    )
    if saved is not None:
        flash(_("Your changes are saved."), "success")
        return redirect(url_for("needs.detail", need_id=need.id))
    return render_template("needs/form.html", form=form, need=need, org=need.organisation), form_status()


@bp.get("/similar")
@login_required
def similar():
    """Published needs like the one being written (an HTML fragment for the form's live panel)."""
    text = " ".join(request.args.get(k, "")[:5000] for k in ("title", "description", "affected", "outcome"))
    cpv = [c for c in request.args.get("cpv", "").replace(",", " ").split() if c.isdigit()][:20]
    domain = request.args.get("domain", "")
    try:
        matches = matching_service.similar_needs(
            text,
            cpv,
            domain if domain in {d.value for d in Domain} else "",
            current_user.organisation_id,
            get_index(),
            exclude_id=id_arg("exclude"),
        )
    except IndexUnavailableError:
        return render_template("needs/_similar.html", matches=[], unavailable=True)
    return render_template("needs/_similar.html", matches=matches)


@bp.get("/<int:need_id>")
def detail(need_id: int):
    need = needs_service.get_visible(current_user, need_id)
    index = get_index()
    is_owner = permissions.can_edit_need(current_user, need)
    context = {
        "need": need,
        "is_owner": is_owner,
        "confirm_form": ConfirmForm(),
        "suppliers": [],
        "peers": [],
        "similar": [],
        "responses": [],
        "own_response": None,
        "response_form": None,
        "stage_form": None,
    }
    try:
        if need.is_published:
            context["suppliers"] = matching_service.suppliers_for_need(need, index, limit=10)
            context["peers"] = matching_service.peers_for_need(need, index, limit=10)
        elif is_owner:
            context["similar"] = matching_service.peers_for_need(need, index, limit=5)
    except IndexUnavailableError:
        context["matching_unavailable"] = True
    if is_owner:
        context["responses"] = responses_service.responses_for_need(current_user, need)
        context["status_form"] = ResponseStatusForm()
        moves = STAGE_MOVES[need.stage]
        if moves and need.is_published:
            stage_form = StageForm()
            stage_form.stage.choices = stage_choices(moves)
            context["stage_form"] = stage_form
    elif current_user.is_authenticated:
        context["own_response"] = responses_service.own_response(current_user, need)
        if context["own_response"] is None and permissions.can_respond(current_user, need):
            context["response_form"] = ResponseForm()
    # Other features' panels (dialogue, coordination, following), registered by their view modules.
    context.update(need_panels_context(need, current_user))
    return render_template("needs/detail.html", **context)


@bp.post("/<int:need_id>/publish")
@login_required
def publish(need_id: int):
    need = _editable(need_id)
    require_valid(ConfirmForm())
    try:
        needs_service.publish_need(current_user, need, get_index())
    except (ValidationError, NotAllowedError) as exc:
        flash(str(exc), "error")
    else:
        flash(_("The need is published. Suppliers and other public bodies can now find it."), "success")
    return redirect(url_for("needs.detail", need_id=need.id))


@bp.post("/<int:need_id>/stage")
@login_required
def stage(need_id: int):
    need = _editable(need_id)
    form = StageForm()
    form.stage.choices = stage_choices(STAGE_MOVES[need.stage])
    if not form.validate_on_submit():
        flash(_("Choose a stage."), "error")
        return redirect(url_for("needs.detail", need_id=need.id))
    try:
        needs_service.move_stage(
            current_user, need, form.stage.data, get_index(), doffin_ref=form.doffin_ref.data
        )
    except (ValidationError, NotAllowedError) as exc:
        flash(str(exc), "error")
    else:
        flash(_("The need is now: %(stage)s.", stage=labels.stage(need.stage)), "success")
    return redirect(url_for("needs.detail", need_id=need.id))


@bp.route("/<int:need_id>/delete", methods=["GET", "POST"])
@login_required
def delete(need_id: int):
    need = _editable(need_id)
    if need.stage != Stage.DRAFT:
        flash(_("Only drafts can be deleted; cancel a published need instead."), "error")
        return redirect(url_for("needs.detail", need_id=need.id))
    form = ConfirmForm()
    if form.validate_on_submit():
        needs_service.delete_draft(current_user, need, get_index())
        flash(_("The draft is deleted."), "success")
        return redirect(url_for("needs.mine"))
    return render_template(
        "confirm.html",
        form=form,
        title=_("Delete the draft “%(title)s”?", title=need.title),
        message=_("The draft will be gone for good. This cannot be undone."),
        action=url_for("needs.delete", need_id=need.id),
        button=_("Delete the draft"),
        cancel=url_for("needs.detail", need_id=need.id),
    )


@bp.post("/<int:need_id>/responses")
@login_required
def respond(need_id: int):
    need = needs_service.get_visible(current_user, need_id)
    form = ResponseForm()
    if form.validate_on_submit():
        draft = responses_service.ResponseDraft(message=form.message.data, link=form.link.data)
        try:
            responses_service.submit_response(current_user, need, draft)
        except ValidationError as exc:
            field_error(form, exc)
        except ConflictError as exc:
            flash(str(exc), "error")
            return redirect(url_for("needs.detail", need_id=need.id))
        else:
            flash(_("Your interest is sent. The public body will see your message."), "success")
            return redirect(url_for("needs.detail", need_id=need.id) + "#response")
    elif not permissions.can_respond(current_user, need):
        raise NotAllowedError(_("Only suppliers can express interest in an open need."))
    return render_template("needs/respond.html", need=need, form=form), 422


@bp.post("/responses/<int:response_id>/status")
@login_required
def response_status(response_id: int):
    form = require_valid(ResponseStatusForm())
    response = responses_service.set_status(current_user, response_id, form.status.data)
    flash(_("The response is marked: %(status)s.", status=labels.response_status(response.status)), "success")
    return redirect(url_for("needs.detail", need_id=response.need_id) + "#responses")
