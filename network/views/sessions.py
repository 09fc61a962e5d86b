"""The account's signed-in sessions: the list, ending one, and signing out everywhere else."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from network.forms import ConfirmForm
from network.services import sessions as sessions_service
from network.views.security import current_session_id

bp = Blueprint("sessions", __name__, url_prefix="/account/sessions")


@bp.get("")
@login_required
def index():
    return render_template(
        "account/sessions.html",
        sessions=sessions_service.list_for(current_user),
        current_id=current_session_id(),
        idle_minutes=int(current_app.config["SESSION_IDLE_MINUTES"]),
        absolute_hours=int(current_app.config["SESSION_ABSOLUTE_HOURS"]),
        where=_where,
    )


def _where(row) -> str:
    if row.browser and row.system:
        return _("%(browser)s on %(system)s", browser=row.browser, system=row.system)
    return row.browser or row.system or _("an unknown browser")


@bp.route("/<int:session_id>/end", methods=["GET", "POST"])
@login_required
def end(session_id: int):
    row = sessions_service.get_for(current_user, session_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        sessions_service.end_one(current_user._get_current_object(), row.id)
        if row.id == current_session_id():
            # The page after this one asks this browser to sign in again.
            flash(_("This browser's session has ended."), "success")
            return redirect(url_for("main.index"))
        flash(_("The session in %(where)s has ended.", where=_where(row)), "success")
        return redirect(url_for("sessions.index"))
    return render_template(
        "confirm.html",
        form=form,
        title=_("Sign out %(where)s?", where=_where(row)),
        message=_(
            "Whoever uses that browser (signed in from %(address)s) will have to log in again.",
            address=row.address or "?",
        ),
        action=url_for("sessions.end", session_id=row.id),
        button=_("Sign out that session"),
        cancel=url_for("sessions.index"),
    )


@bp.route("/end-others", methods=["GET", "POST"])
@login_required
def end_others():
    form = ConfirmForm()
    if form.validate_on_submit():
        count = sessions_service.end_others(current_user._get_current_object(), current_session_id())
        flash(
            ngettext(
                "Signed out everywhere else: %(num)d other session ended.",
                "Signed out everywhere else: %(num)d other sessions ended.",
                count,
            ),
            "success",
        )
        return redirect(url_for("sessions.index"))
    return render_template(
        "confirm.html",
        form=form,
        title=_("Sign out everywhere else?"),
        message=_(
            "Every other browser and device signed in to your account will have to log in again. "
            "This browser stays signed in."
        ),
        action=url_for("sessions.end_others"),
        button=_("Sign out everywhere else"),
        cancel=url_for("sessions.index"),
    )
