"""Site administration: verifying public bodies."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from network import queries
from network.forms import ConfirmForm
from network.indexing import get_index
from network.services import accounts as accounts_service
from network.views.forms_util import require_valid

bp = Blueprint("admin", __name__, url_prefix="/admin")


def site_admin_required(view):
    @wraps(view)
    @login_required
    def wrapper(*args, **kwargs):
        if not current_user.is_site_admin:
            abort(403)
        return view(*args, **kwargs)

    return wrapper


@bp.get("/organisations")
@site_admin_required
def organisations():
    return render_template(
        "admin/organisations.html", pending=queries.unverified_public_bodies(), form=ConfirmForm()
    )


@bp.post("/organisations/<int:org_id>/verify")
@site_admin_required
def verify(org_id: int):
    org = accounts_service.get_organisation(org_id)
    require_valid(ConfirmForm())
    accounts_service.verify_organisation(current_user, org, get_index())
    flash(_("%(name)s is verified and can publish needs.", name=org.name), "success")
    return redirect(url_for("admin.organisations"))
