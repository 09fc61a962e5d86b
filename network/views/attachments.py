"""Attachments: upload to a need, an answer or a meeting (the need's body), delete (confirmed), and
download (whoever may see the record), always as a download with the type read from the file."""

from __future__ import annotations

import io
import logging

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from network import links
from network.attachment_forms import AttachmentForm
from network.errors import NotAllowedError, ValidationError
from network.forms import ConfirmForm
from network.models import Need
from network.services import attachments as attachments_service
from network.services import dialogue as dialogue_service
from network.services import filetypes
from network.services import needs as needs_service
from network.views.forms_util import field_error, form_status, require_valid
from network.views.panels import need_panel

bp = Blueprint("attachments", __name__)
log = logging.getLogger(__name__)

UPLOAD_ENDPOINTS = {"attachments.to_need", "attachments.to_question", "attachments.to_meeting"}
# Room for the multipart envelope and the CSRF field around the file itself.
FORM_OVERHEAD = 64 * 1024


@bp.url_value_preprocessor
def _upload_limit(endpoint, _values):
    """Runs before every before_request function (the request size check, CSRF): the upload routes
    alone accept a body as large as an attachment; every other route keeps MAX_CONTENT_LENGTH."""
    if endpoint in UPLOAD_ENDPOINTS:
        request.max_content_length = current_app.config["ATTACHMENT_MAX_BYTES"] + FORM_OVERHEAD


@bp.app_template_global()
def attachment_size(size: int) -> str:
    return attachments_service.size_text(size)


@bp.app_template_global()
def attachment_format(attachment) -> str:
    return attachments_service.format_label(attachment)


@bp.app_template_global()
def attachment_accept() -> str:
    """The file input's accept list: only a hint to the browser's picker; the server checks the bytes."""
    return ",".join(f".{ext}" for ext in filetypes.ACCEPTED_EXTENSIONS)


@bp.app_template_global()
def attachment_hint() -> str:
    return attachments_service.accepted_text()


@need_panel(order=5)
def need_context(need: Need, user) -> dict:
    """The need's attachments this reader may download, by what they belong to, and whether they may
    add and delete them (one query)."""
    return {"attachments": attachments_service.attachments_for(user, need)}


def _upload(need: Need, *, question=None, meeting=None, back: str, what: str):
    if not attachments_service.may_manage(current_user, need):
        abort(403)
    form = AttachmentForm()
    if form.validate_on_submit():
        upload = attachments_service.Upload(form.file.data.filename or "", form.file.data.stream)
        try:
            attachment = attachments_service.attach(
                current_user, need, upload, question=question, meeting=meeting
            )
        except ValidationError as exc:
            field_error(form, exc)
        else:
            flash(_("“%(name)s” is attached.", name=attachment.filename), "success")
            return redirect(back)
    lists = attachments_service.attachments_for(current_user, need)
    target_id = question.id if question is not None else meeting.id if meeting is not None else need.id
    kind = "question" if question is not None else "meeting" if meeting is not None else "need"
    return render_template(
        "attachments/upload.html",
        need=need,
        form=form,
        what=what,
        back=back,
        items=lists.of(kind, target_id),
        can_manage=lists.can_manage,
        action=request.path,
    ), form_status()


@bp.route("/needs/<int:need_id>/attachments", methods=["GET", "POST"])
@login_required
def to_need(need_id: int):
    need = needs_service.get_visible(current_user, need_id)
    return _upload(need, back=links.need_path(need.id, "attachments"), what=need.title)


@bp.route("/questions/<int:question_id>/attachments", methods=["GET", "POST"])
@login_required
def to_question(question_id: int):
    question = dialogue_service.get_question(question_id)
    need = needs_service.get_visible(current_user, question.need_id)
    return _upload(
        need,
        question=question,
        back=links.need_path(need.id, f"question-{question.id}"),
        what=_("The answer to “%(question)s”", question=question.text),
    )


@bp.route("/meetings/<int:meeting_id>/attachments", methods=["GET", "POST"])
@login_required
def to_meeting(meeting_id: int):
    meeting = dialogue_service.get_meeting(meeting_id)
    need = needs_service.get_visible(current_user, meeting.need_id)
    return _upload(
        need,
        meeting=meeting,
        back=links.need_path(need.id, f"meeting-{meeting.id}"),
        what=meeting.title,
    )


@bp.errorhandler(413)
def _too_large(_exc):
    size = attachments_service.size_text(current_app.config["ATTACHMENT_MAX_BYTES"])
    message = _("The file is larger than %(size)s, the most an attachment may be.", size=size)
    return render_template("error.html", status=413, message=message), 413


@bp.get("/attachments/<int:attachment_id>")
def download(attachment_id: int):
    attachment = attachments_service.get_downloadable(current_user, attachment_id)
    path = attachments_service.file_path(attachment)
    if not path.is_file():
        log.error("attachment %s has no file at %s", attachment.id, path)
        abort(404)
    # Read whole (at most ATTACHMENT_MAX_BYTES): no open file is left to the server to close, which
    # a client that hangs up mid-download would otherwise leave to the garbage collector.
    response = send_file(
        io.BytesIO(path.read_bytes()),
        mimetype=attachment.content_type,
        as_attachment=True,
        download_name=attachment.filename,
        max_age=0,
    )
    # Never shown in the browser: a download, of the type read from its bytes, and even if opened in
    # place it may not run anything or load anything.
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _anchor(attachment) -> str:
    if attachment.question_id:
        return f"question-{attachment.question_id}"
    if attachment.meeting_id:
        return f"meeting-{attachment.meeting_id}"
    return "attachments"


@bp.route("/attachments/<int:attachment_id>/delete", methods=["GET", "POST"])
@login_required
def delete(attachment_id: int):
    attachment = attachments_service.get_downloadable(current_user, attachment_id)
    if not attachments_service.may_manage(current_user, attachment.need):
        abort(403)
    back = links.need_path(attachment.need_id, _anchor(attachment))
    form = ConfirmForm()
    if request.method == "POST":
        require_valid(form)
        name = attachment.filename
        try:
            attachments_service.delete_attachment(current_user, attachment)
        except NotAllowedError:
            abort(403)
        flash(_("“%(name)s” is deleted.", name=name), "success")
        return redirect(back)
    return render_template(
        "confirm.html",
        title=_("Delete the attachment?"),
        message=_(
            "“%(name)s” will be deleted for good: nobody can download it any more.", name=attachment.filename
        ),
        action=url_for("attachments.delete", attachment_id=attachment.id),
        button=_("Delete the attachment"),
        cancel=back,
        form=form,
    )
