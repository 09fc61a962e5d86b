"""The Doffin announcement of a need's market dialogue: the text to paste, and the notice's reference
saved back on the need (the need's body only)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from network import links
from network.attachment_forms import DoffinRefForm
from network.errors import ValidationError
from network.indexing import get_index
from network.services import announcements as announcements_service
from network.services import doffin as doffin_service
from network.services import needs as needs_service
from network.views.forms_util import field_error, form_status

bp = Blueprint("announcements", __name__)


@bp.app_template_global()
def doffin_url(ref: str | None) -> str | None:
    return doffin_service.doffin_url(ref)


@bp.route("/needs/<int:need_id>/doffin", methods=["GET", "POST"])
@login_required
def doffin(need_id: int):
    need = needs_service.get_visible(current_user, need_id)
    announcements_service.require_body(current_user, need)
    form = DoffinRefForm()
    if request.method == "GET":
        form.doffin_ref.data = need.doffin_ref
    if form.validate_on_submit():
        try:
            announcements_service.save_doffin_ref(current_user, need, form.doffin_ref.data, get_index())
        except ValidationError as exc:
            field_error(form, exc)
        else:
            if need.doffin_ref:
                flash(_("The Doffin reference %(ref)s is saved on the need.", ref=need.doffin_ref), "success")
            else:
                flash(_("The Doffin reference is removed from the need."), "success")
            return redirect(links.need_path(need.id))
    text = announcements_service.announcement_text(current_user, need)
    language = announcements_service.language_of(need)
    return render_template(
        "announcements/doffin.html", need=need, form=form, text=text, text_language=language
    ), form_status()
