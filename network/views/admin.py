"""Site administration: verifying public bodies (or rejecting them), and withdrawing a verification with a
reason."""

from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from network import queries
from network.account_forms import RejectOrganisationForm, WithdrawVerificationForm
from network.errors import ValidationError
from network.forms import ConfirmForm
from network.indexing import get_index
from network.services import accounts as accounts_service
from network.services import members as members_service
from network.services import verification as verification_service
from network.views.forms_util import field_error, form_status, require_valid

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
        "admin/organisations.html",
        pending=queries.unverified_public_bodies(),
        verified=queries.verified_public_bodies(),
        rejected=queries.rejected_public_bodies(),
        warnings=verification_service.warnings,
        register_url=verification_service.register_url,
        form=ConfirmForm(),
    )


@bp.post("/organisations/<int:org_id>/verify")
@site_admin_required
def verify(org_id: int):
    org = accounts_service.get_organisation(org_id)
    require_valid(ConfirmForm())
    accounts_service.verify_organisation(current_user, org, get_index())
    flash(_("%(name)s is verified and can publish needs.", name=org.name), "success")
    return redirect(url_for("admin.organisations"))


@bp.route("/organisations/<int:org_id>/unverify", methods=["GET", "POST"])
@site_admin_required
def unverify(org_id: int):
    """Withdraw a body's verification: the reason is required, mailed to its administrators and logged."""
    org = accounts_service.get_organisation(org_id)
    return _with_reason(
        org,
        WithdrawVerificationForm(),
        members_service.withdraw_verification,
        _("The verification of %(name)s is withdrawn.", name=org.name),
        "admin/unverify.html",
    )


@bp.route("/organisations/<int:org_id>/reject", methods=["GET", "POST"])
@site_admin_required
def reject(org_id: int):
    """Refuse to verify a body: asks first, with a required reason that is mailed to its registrant."""
    org = accounts_service.get_organisation(org_id)
    return _with_reason(
        org,
        RejectOrganisationForm(),
        verification_service.reject_organisation,
        _("%(name)s is rejected, and the reason is sent to them.", name=org.name),
        "admin/reject.html",
        register_url=verification_service.register_url(org),
    )


def _with_reason(org, form, act, done: str, template: str, **context):
    """An action on a body that asks first, with a required reason: `act(actor, org, reason, index)`."""
    if request.method == "POST" and form.validate_on_submit():
        try:
            act(current_user, org, form.reason.data, get_index())
        except ValidationError as exc:
            if exc.field is None:
                flash(str(exc), "error")
                return redirect(url_for("admin.organisations"))
            field_error(form, exc)
        else:
            flash(done, "success")
            return redirect(url_for("admin.organisations"))
    return render_template(template, org=org, form=form, **context), form_status()
