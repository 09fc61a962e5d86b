"""Coordination groups: the public list and group pages, invitations, requests, stage and discussion, and
what the need page and the similar-needs panel show of them."""

from __future__ import annotations

from dataclasses import dataclass, field

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms.fields.choices import SelectChoice

from network.errors import ConflictError, NotAllowedError, ValidationError
from network.forms import (
    ConfirmForm,
    GroupAnswerForm,
    GroupInviteForm,
    GroupJoinForm,
    GroupNeedForm,
    GroupPostForm,
    GroupStageForm,
)
from network.models import CoordinationGroup, GroupStage, MembershipStatus, Need, Organisation
from network.services import coordination as coordination_service
from network.services import needs as needs_service
from network.views import throttle
from network.views.forms_util import field_error, page_arg, parse_id, require_valid
from network.views.panels import need_panel

bp = Blueprint("coordination", __name__)

STAGES = {
    GroupStage.EXPLORING.value: _l("Exploring"),
    GroupStage.AGREED.value: _l("Agreed to buy together"),
    GroupStage.TENDERING.value: _l("Tendering"),
    GroupStage.DONE.value: _l("Done"),
}


@bp.app_template_global()
def group_stage_label(stage) -> str:
    code = getattr(stage, "value", stage)
    return str(STAGES.get(code, code))


def _stage_choices(stages) -> list[SelectChoice]:
    return [SelectChoice(s.value, group_stage_label(s)) for s in stages]


# -- what other pages show --------------------------------------------------------------------


@dataclass
class PeerState:
    """What the peers panel says about one similar need of another body."""

    # "member", "invited", "requested" (its body in this need's group), "grouped" (the peer need is in
    # another group), "invite" (a button), or "" (nothing to offer).
    kind: str
    group: CoordinationGroup | None = None
    # The peer need's group may be joined with this need (a request, not an invitation).
    can_join: bool = False


@dataclass
class NeedCoordination:
    """The need page's view of coordination: the need's group and what the user may do about peers."""

    need: Need
    group: CoordinationGroup | None
    user: object = None
    members: list[Organisation] = field(default_factory=list)
    can_invite: bool = False
    # True when the user's body could invite but the need's group is led by another body.
    lead_invites: bool = False
    invitation: object | None = None
    groups_to_add: list[CoordinationGroup] = field(default_factory=list)

    def peer_states(self, matches) -> dict[int, PeerState]:
        """need id → what to show next to each peer (one query for the groups the peers are in)."""
        needs = [m.need for m in matches]
        grouped = coordination_service.groups_of_needs(n.id for n in needs)
        may_join = (
            self.group is None
            and coordination_service.is_coordinating_body(self.user)
            and self.user.belongs_to(self.need.organisation_id)
            and self.need.is_published
            and self.need.stage.value != "cancelled"
        )
        # Invitations and requests are the group's business: only its members see them.
        sees_pending = self.group is not None and coordination_service.is_member(self.user, self.group)
        states: dict[int, PeerState] = {}
        for peer in needs:
            membership = self.group.membership_of(peer.organisation_id) if self.group else None
            status = membership.status if membership is not None else None
            other = grouped.get(peer.id)
            if status == MembershipStatus.MEMBER or (
                sees_pending and status in (MembershipStatus.INVITED, MembershipStatus.REQUESTED)
            ):
                states[peer.id] = PeerState(status.value, self.group)
            elif other is not None:
                joinable = (
                    may_join
                    and other.stage != GroupStage.DONE
                    and other.membership_of(self.need.organisation_id) is None
                )
                states[peer.id] = PeerState("grouped", other, can_join=joinable)
            else:
                invitable = (
                    self.can_invite
                    and status in (None, MembershipStatus.DECLINED)
                    and peer.organisation.is_public_body
                    and peer.organisation.verified
                )
                states[peer.id] = PeerState("invite" if invitable else "")
        return states


@need_panel(order=20)
def need_context(need, user) -> dict:
    """What the need page shows of this part of the site, for this user."""
    if not need.is_published:
        return {"coordination": NeedCoordination(need=need, group=None, user=user)}
    group = coordination_service.group_of_need(need.id)
    info = NeedCoordination(need=need, group=group, user=user, members=group.members if group else [])
    info.can_invite = coordination_service.can_invite_for(user, need, group)
    own_body = user is not None and user.is_authenticated and user.belongs_to(need.organisation_id)
    if own_body and group is not None and not info.can_invite:
        info.lead_invites = not coordination_service.is_lead(user, group)
    if own_body and group is None and coordination_service.is_coordinating_body(user):
        info.invitation = coordination_service.invitation_for_need(need.id)
        if need.stage.value != "cancelled":
            info.groups_to_add = [
                g
                for g in coordination_service.groups_of_organisation(need.organisation_id)
                if g.stage != GroupStage.DONE
            ]
    return {"coordination": info}


@dataclass
class SimilarOffer:
    """What the similar-needs panel offers next to a published need like the one being written."""

    # "member", "invited", "requested", "join", "unverified" (a group the user's body cannot join yet),
    # "start" (no group: start one now and invite its body) or "after_publish" (no group: invite its
    # body once your need is published).
    kind: str
    group: CoordinationGroup | None = None


@bp.app_template_global()
def coordination_offers(matches) -> dict[int, SimilarOffer]:
    """need id → the offer for each similar need (used while a need is written, before it can be in a
    group itself: so it offers to join an existing group, or to start one with the need's body)."""
    needs = [m.need for m in matches or ()]
    grouped = coordination_service.groups_of_needs(n.id for n in needs)
    may_join = coordination_service.is_coordinating_body(current_user)
    org = current_user.organisation if current_user.is_authenticated else None
    waiting_for_verification = org is not None and org.is_public_body and not org.verified
    offers = {}
    for need in needs:
        group = grouped.get(need.id)
        if group is None:
            peer = need.organisation
            startable = (
                may_join
                and peer.id != org.id
                and peer.is_public_body
                and peer.verified
                and need.stage.value != "cancelled"
            )
            offers[need.id] = SimilarOffer("start" if startable else "after_publish")
            continue
        membership = group.membership_of(org.id) if org is not None else None
        if membership is not None and membership.status != MembershipStatus.DECLINED:
            offers[need.id] = SimilarOffer(membership.status.value, group)
        elif group.stage == GroupStage.DONE:
            offers[need.id] = SimilarOffer("", group)
        elif may_join:
            offers[need.id] = SimilarOffer("join", group)
        else:
            offers[need.id] = SimilarOffer("unverified" if waiting_for_verification else "", group)
    return offers


# -- pages ------------------------------------------------------------------------------------


@bp.get("/coordination-groups")
def index():
    pagination = coordination_service.groups_page(page_arg(), current_app.config["PER_PAGE"])
    return render_template("coordination/index.html", pagination=pagination)


def _join_form(user) -> GroupJoinForm:
    form = GroupJoinForm()
    needs = coordination_service.joinable_needs(user.organisation_id)
    form.need_id.choices = [SelectChoice("", _("No need yet"))] + [
        SelectChoice(str(n.id), n.title) for n in needs
    ]
    return form


def _detail_page(group: CoordinationGroup, post_form: GroupPostForm | None = None, status: int = 200):
    user = current_user
    membership = group.membership_of(user.organisation_id) if user.is_authenticated else None
    is_member = coordination_service.is_member(user, group)
    is_lead = coordination_service.is_lead(user, group)
    context = {
        "group": group,
        "membership": membership,
        "is_member": is_member,
        "is_lead": is_lead,
        "coordinating": coordination_service.is_coordinating_body(user),
        "posts": coordination_service.discussion(user, group) if is_member else [],
        "post_form": (post_form or GroupPostForm()) if is_member else None,
        "answer_form": GroupAnswerForm(),
        "stage_form": None,
        "join_form": None,
        "add_form": None,
        "invited": coordination_service.pending(group, MembershipStatus.INVITED) if is_member else [],
        "requests": coordination_service.pending(group, MembershipStatus.REQUESTED) if is_member else [],
        # The members' contact persons are for the members only, like the discussion.
        "contacts": coordination_service.contact_persons(group) if is_member else {},
        "can_leave": coordination_service.can_leave(user, group),
    }
    if is_lead and coordination_service.stage_moves(group):
        stage_form = GroupStageForm()
        stage_form.stage.choices = _stage_choices(coordination_service.stage_moves(group))
        context["stage_form"] = stage_form
    can_ask = membership is None or membership.status == MembershipStatus.DECLINED
    if coordination_service.is_coordinating_body(user) and can_ask and group.stage != GroupStage.DONE:
        context["join_form"] = _join_form(user)
    if is_member and group.stage != GroupStage.DONE:
        joinable = coordination_service.joinable_needs(user.organisation_id)
        if joinable:
            add_form = GroupNeedForm()
            add_form.need_id.choices = [SelectChoice(str(n.id), n.title) for n in joinable]
            context["add_form"] = add_form
    return render_template("coordination/detail.html", **context), status


@bp.get("/coordination-groups/<int:group_id>")
def detail(group_id: int):
    return _detail_page(coordination_service.get_group(group_id))


def _to_group(group_id: int, anchor: str = ""):
    return redirect(url_for("coordination.detail", group_id=group_id) + anchor)


def _need_or_404(raw) -> Need:
    need_id = parse_id(raw)
    if need_id is None:
        abort(400)
    # A draft of another organisation is answered as missing, as everywhere else.
    return needs_service.get_visible(current_user, need_id)


# -- writes -----------------------------------------------------------------------------------


@bp.post("/needs/<int:need_id>/coordination/invite")
@login_required
def invite(need_id: int):
    throttle.check_groups()
    need = needs_service.get_visible(current_user, need_id)
    form = require_valid(GroupInviteForm())
    peer = _need_or_404(form.peer_need_id.data)
    try:
        group = coordination_service.invite_peer(current_user, need, peer)
    except (ValidationError, ConflictError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("needs.detail", need_id=need.id) + "#h-peers")
    flash(
        _(
            "%(org)s is invited to the coordination group “%(group)s”.",
            org=peer.organisation.name,
            group=group.title,
        ),
        "success",
    )
    return redirect(url_for("needs.detail", need_id=need.id) + "#h-peers")


@bp.post("/coordination-groups/start")
@login_required
def start():
    """From the similar-needs panel, while a need is written: a new group with the similar need's body."""
    throttle.check_groups()
    form = require_valid(GroupInviteForm())
    peer = _need_or_404(form.peer_need_id.data)
    try:
        group = coordination_service.start_group_with(current_user, peer)
    except coordination_service.AlreadyInvitedError as exc:
        # A second click (or a resent form) leads to the group the first one started.
        flash(str(exc), "info")
        return _to_group(exc.group.id)
    except (ValidationError, ConflictError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("needs.detail", need_id=peer.id))
    flash(
        _(
            "%(org)s is invited to the new coordination group “%(group)s”. Your need can be added to the "
            "group once it is published.",
            org=peer.organisation.name,
            group=group.title,
        ),
        "success",
    )
    return _to_group(group.id)


@bp.post("/coordination-groups/<int:group_id>/invitation")
@login_required
def answer(group_id: int):
    group = coordination_service.get_group(group_id)
    form = require_valid(GroupAnswerForm())
    accept = form.answer.data == "accept"
    try:
        coordination_service.answer_invitation(current_user, group, accept)
    except (ValidationError, ConflictError) as exc:
        flash(str(exc), "error")
        return _to_group(group.id)
    if accept:
        flash(_("Your organisation is now a member of the group."), "success")
    else:
        flash(_("You declined the invitation."), "success")
    return _to_group(group.id)


@bp.post("/coordination-groups/<int:group_id>/request")
@login_required
def request_to_join(group_id: int):
    group = coordination_service.get_group(group_id)
    form = require_valid(GroupJoinForm())
    need = None
    if form.need_id.data:
        need = _need_or_404(form.need_id.data)
    try:
        coordination_service.request_to_join(current_user, group, need)
    except (ValidationError, ConflictError) as exc:
        flash(str(exc), "error")
        return _to_group(group.id)
    flash(_("Your request is sent. The lead body of the group will answer it."), "success")
    return _to_group(group.id)


@bp.post("/coordination-groups/<int:group_id>/requests/<int:org_id>")
@login_required
def decide(group_id: int, org_id: int):
    group = coordination_service.get_group(group_id)
    form = require_valid(GroupAnswerForm())
    accept = form.answer.data == "accept"
    try:
        membership = coordination_service.decide_request(current_user, group, org_id, accept)
    except (ValidationError, ConflictError) as exc:
        flash(str(exc), "error")
        return _to_group(group.id, "#h-requests")
    name = membership.organisation.name
    if accept:
        flash(_("%(org)s is now a member of the group.", org=name), "success")
    else:
        flash(_("You declined the request from %(org)s.", org=name), "success")
    return _to_group(group.id, "#h-requests")


@bp.post("/coordination-groups/<int:group_id>/needs")
@login_required
def add_need(group_id: int):
    group = coordination_service.get_group(group_id)
    form = require_valid(GroupNeedForm())
    need = _need_or_404(form.need_id.data)
    try:
        coordination_service.add_need(current_user, group, need)
    except (ValidationError, ConflictError) as exc:
        flash(str(exc), "error")
        return _to_group(group.id)
    flash(_("The need “%(need)s” is now part of the group.", need=need.title), "success")
    return _to_group(group.id)


@bp.post("/coordination-groups/<int:group_id>/stage")
@login_required
def stage(group_id: int):
    group = coordination_service.get_group(group_id)
    form = GroupStageForm()
    form.stage.choices = _stage_choices(GroupStage)
    require_valid(form)
    try:
        coordination_service.change_stage(current_user, group, form.stage.data)
    except ValidationError as exc:
        flash(str(exc), "error")
    else:
        flash(_("The group is now: %(stage)s.", stage=group_stage_label(group.stage)), "success")
    return _to_group(group.id)


@bp.post("/coordination-groups/<int:group_id>/posts")
@login_required
def post(group_id: int):
    group = coordination_service.get_group(group_id)
    if not coordination_service.can_see_discussion(current_user, group):
        # Before the form: an outsider learns nothing from a form error either.
        raise NotAllowedError(_("Only the group's member bodies take part in its discussion."))
    form = GroupPostForm()
    if form.validate_on_submit():
        try:
            coordination_service.post_message(current_user, group, form.text.data)
        except ValidationError as exc:
            field_error(form, exc)
        else:
            return _to_group(group.id, "#discussion")
    # The page again with the message kept and the error next to it.
    return _detail_page(group, post_form=form, status=422)


@bp.route("/coordination-groups/<int:group_id>/leave", methods=["GET", "POST"])
@login_required
def leave(group_id: int):
    """A member body leaves the group (after a confirmation page), with its needs."""
    group = coordination_service.get_group(group_id)
    if not coordination_service.is_member(current_user, group):
        raise NotAllowedError(_("Only a member body can leave the group."))
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            coordination_service.leave_group(current_user, group)
        except ValidationError as exc:
            flash(str(exc), "error")
            return _to_group(group.id)
        flash(_("Your organisation has left the group “%(group)s”.", group=group.title), "success")
        return _to_group(group.id)
    if not coordination_service.can_leave(current_user, group):
        flash(
            _("The lead body cannot leave the group: it answers requests and moves the group's stage.")
            if coordination_service.is_lead(current_user, group)
            else _("This coordination group has finished its work; its members stay on record."),
            "error",
        )
        return _to_group(group.id)
    return render_template(
        "confirm.html",
        form=form,
        title=_("Leave the group “%(group)s”?", group=group.title),
        message=_(
            "Your organisation leaves the group and its needs leave with it. You no longer see the "
            "discussion. To take part again, ask the lead body to let you join."
        ),
        action=url_for("coordination.leave", group_id=group.id),
        button=_("Leave the group"),
        cancel=url_for("coordination.detail", group_id=group.id),
    )
