"""Notifications: the inbox, following needs, saved searches, delivery settings and unsubscribing."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from network import links
from network.errors import ConflictError, ValidationError
from network.extensions import csrf
from network.forms import ConfirmForm, NotificationPreferencesForm, SavedSearchForm
from network.services import notifications as notifications_service
from network.views.forms_util import form_status, page_arg, require_valid, safe_next
from network.views.panels import need_panel

log = logging.getLogger(__name__)

bp = Blueprint("notifications", __name__, url_prefix="/notifications")

# What each kind of notice is about, as the settings and unsubscribe pages name it.
KIND_LABELS = {
    "need_stage": _l("A need I follow changes stage"),
    "need_answer": _l("A need I follow gets a public answer"),
    "need_meeting": _l("A need I follow gets a dialogue meeting"),
    "saved_search": _l("A newly published need matches one of my saved searches"),
    "question_answered": _l("My question is answered"),
    "group_invitation": _l("My organisation is invited to a coordination group, or answers our invitation"),
    "group_request": _l("A body asks to join or leaves a group we lead, or the lead answers our request"),
    "response_status": _l("A response my organisation sent changes status"),
    "new_response": _l("A supplier responds to my organisation's need"),
    "join_request": _l("Someone asks to join my organisation (administrators)"),
    "respondents_message": _l("A public body writes to everyone who responded or signed up"),
    "new_peer": _l("Another public body publishes the same challenge as your need (or one you follow)"),
    "new_supplier": _l("A supplier becomes a strong match for your need"),
    "new_need_for_you": _l("A new need is a strong match for what your organisation offers"),
    "new_question": _l("Someone asks a question about my organisation's need"),
    "group_post": _l("A member writes in the discussion of a group my organisation is in"),
    "organisation_verified": _l("My organisation is verified as a public body"),
    "pending_verification": _l("A public body registers and waits for verification (site administrators)"),
}

# Kinds only a site administrator can get: not offered to anyone else.
ADMIN_KINDS = frozenset({"pending_verification"})


def offered_kinds(user) -> dict:
    return {k: v for k, v in KIND_LABELS.items() if user.is_site_admin or k not in ADMIN_KINDS}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


@need_panel(order=30)
def need_context(need, user) -> dict:
    """What the need page shows of this part of the site, for this user: the follow button and its
    state. The need's own organisation gets no button: it makes the changes and sees the responses."""
    if (
        user is None
        or not user.is_authenticated
        or not need.is_published
        or user.belongs_to(need.organisation_id)
    ):
        return {"can_follow": False, "follows_need": False}
    return {"can_follow": True, "follows_need": notifications_service.is_following(user, need)}


@bp.app_context_processor
def _unread_notices() -> dict:
    # The header's inbox link shows the unread count on every page of a logged-in user.
    if not current_user.is_authenticated:
        return {}
    try:
        return {"unread_notices": notifications_service.unread_count(current_user)}
    except sa.exc.SQLAlchemyError:
        # An error page for a broken database must still render.
        log.warning("unread count unavailable", exc_info=True)
        return {}


# -- the inbox ----------------------------------------------------------------------------------


@bp.get("")
@login_required
def inbox():
    pagination = notifications_service.inbox(current_user, page_arg(), current_app.config["PER_PAGE"])
    return render_template(
        "notifications/inbox.html",
        pagination=pagination,
        unread=notifications_service.unread_count(current_user),
        follows=notifications_service.follows_of(current_user),
        searches=notifications_service.saved_searches(current_user),
        form=ConfirmForm(),
    )


@bp.post("/read")
@login_required
def read_all():
    require_valid(ConfirmForm())
    notifications_service.mark_read(current_user)
    flash(_("All notices are marked as read."), "success")
    return redirect(url_for("notifications.inbox"))


@bp.get("/<int:notice_id>")
@login_required
def open_notice(notice_id: int):
    """Mark the notice read and go where it points (a page of this site only)."""
    notice = notifications_service.open_notice(current_user, notice_id)
    if links.is_local_path(notice.link):
        return redirect(notice.link)
    return redirect(url_for("notifications.inbox"))


# -- following needs ----------------------------------------------------------------------------


def _back_to(need_id: int):
    target = request.form.get("next")
    if target:
        return redirect(safe_next(target))
    return redirect(url_for("needs.detail", need_id=need_id))


@bp.post("/follows/<int:need_id>")
@login_required
def follow(need_id: int):
    require_valid(ConfirmForm())
    try:
        notifications_service.follow(current_user, need_id)
    except ValidationError as exc:
        flash(str(exc), "error")
    else:
        flash(_("You now follow this need."), "success")
    return _back_to(need_id)


@bp.post("/follows/<int:need_id>/delete")
@login_required
def unfollow(need_id: int):
    require_valid(ConfirmForm())
    notifications_service.unfollow(current_user, need_id)
    flash(_("You no longer follow this need."), "success")
    return _back_to(need_id)


# -- saved searches -----------------------------------------------------------------------------


def _search_args(query: str, filters: dict) -> dict:
    args = {name: list(values) for name, values in (filters or {}).items() if values}
    if query:
        args["q"] = query
    return args


@bp.post("/searches")
@login_required
def save_search():
    form = SavedSearchForm()
    draft = notifications_service.SavedSearchDraft(
        name=form.name.data or "",
        query=form.q.data or "",
        **{
            name: tuple(v for v in (getattr(form, name).data or ()) if v)
            for name in notifications_service.SEARCH_FILTERS
        },
    )
    filters = {name: getattr(draft, name) for name in notifications_service.SEARCH_FILTERS}
    back = url_for("search.index", **_search_args(draft.query, filters))
    if not form.validate_on_submit():
        errors = [e for name, errs in form.errors.items() for e in errs if name != "csrf_token"]
        if form.errors.get("csrf_token"):
            abort(400)
        flash(" ".join([_("The search was not saved."), *map(str, errors)]), "error")
        return redirect(back)
    try:
        notifications_service.save_search(current_user, draft)
    except (ValidationError, ConflictError) as exc:
        flash(str(exc), "error")
    else:
        flash(_("The search is saved. We tell you when a newly published need matches it."), "success")
    return redirect(back)


@bp.route("/searches/<int:search_id>/delete", methods=["GET", "POST"])
@login_required
def delete_search(search_id: int):
    saved = notifications_service.get_saved_search(current_user, search_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        notifications_service.delete_saved_search(current_user, saved.id)
        flash(_("The saved search is deleted."), "success")
        return redirect(url_for("notifications.inbox") + "#saved-searches")
    return render_template(
        "confirm.html",
        form=form,
        title=_("Delete the saved search “%(name)s”?", name=saved.name),
        message=_("You will no longer be told about new needs that match it."),
        action=url_for("notifications.delete_search", search_id=saved.id),
        button=_("Delete the saved search"),
        cancel=url_for("notifications.inbox") + "#saved-searches",
    )


# -- delivery settings --------------------------------------------------------------------------


@bp.route("/settings", methods=["GET", "POST"])
@login_required
def preferences():
    kinds = offered_kinds(current_user)
    form_class = NotificationPreferencesForm.for_kinds(kinds)
    current = notifications_service.preferences(current_user)
    form = form_class(data={kind: current[kind].value for kind in kinds})
    if form.validate_on_submit():
        try:
            notifications_service.set_preferences(current_user, {kind: form[kind].data for kind in kinds})
        except ValidationError as exc:
            form.form_errors.append(str(exc))
        else:
            flash(_("Your notification settings are saved."), "success")
            return redirect(url_for("notifications.preferences"))
    return render_template("notifications/preferences.html", form=form, kinds=kinds), form_status()


# -- unsubscribing from a mail, without logging in ----------------------------------------------


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
# No CSRF token: the signed token in the address is the proof, and mail programs unsubscribe with a
# bare POST (RFC 8058 one-click, the List-Unsubscribe-Post header) that cannot carry one.
@csrf.exempt
def unsubscribe(token: str):
    if request.method == "POST":
        user, kinds = notifications_service.unsubscribe(token)
        done = True
    else:
        user, kinds = notifications_service.read_unsubscribe_token(token)
        done = False
    return render_template(
        "notifications/unsubscribe.html",
        token=token,
        kinds=[kind_label(k) for k in kinds],
        done=done,
        email=user.email,
    )
