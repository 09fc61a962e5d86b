"""The terms of use, the privacy notice and the accessibility statement, each written out in bokmål,
nynorsk and English (one template per language: whole pages of legal text read better to a translator
as pages than as hundreds of gettext messages)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template
from flask_babel import get_locale
from flask_babel import gettext as _

bp = Blueprint("legal", __name__)

LANGUAGES = ("nb", "nn", "en")


def _page(name: str, title: str):
    locale = str(get_locale())
    language = locale if locale in LANGUAGES else "nb"
    return render_template(
        "legal/page.html",
        title=title,
        body=f"legal/{name}_{language}.html",
        terms_version=current_app.config["TERMS_VERSION"],
    )


@bp.get("/terms")
def terms():
    return _page("terms", _("Terms of use"))


@bp.get("/privacy")
def privacy():
    return _page("privacy", _("Privacy notice"))


@bp.get("/accessibility")
def accessibility():
    return _page("accessibility", _("Accessibility statement"))
