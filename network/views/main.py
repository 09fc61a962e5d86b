"""The home page, the language switch and the about page."""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from flask_login import current_user

from network import queries
from network.models import PRIORITY_DOMAINS
from network.services import accounts as accounts_service
from network.views.forms_util import safe_next

bp = Blueprint("main", __name__)


@bp.get("/")
def index():
    newest = {domain.value: queries.newest_open_needs(domain, limit=4) for domain in PRIORITY_DOMAINS}
    return render_template("main/index.html", newest=newest, figures=queries.site_figures())


@bp.post("/language")
def set_language():
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            # Kept on the user too: notices and their e-mails are written in it, outside any session.
            accounts_service.set_locale(current_user, lang, current_app.config["LANGUAGES"])
    return redirect(safe_next(request.form.get("next")))


@bp.get("/about")
def about():
    return render_template("main/about.html")


@bp.get("/dashboard")
def dashboard():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login", next=request.path))
    if current_user.organisation is None:
        return redirect(
            url_for("admin.organisations") if current_user.is_site_admin else url_for("main.index")
        )
    if current_user.organisation.is_supplier:
        return redirect(url_for("organisations.for_you"))
    return redirect(url_for("needs.mine"))
