"""Attachments on needs, answers and dialogue meetings: who may add, delete and download them, and the
files on disk (UPLOAD_FOLDER, outside static/), whose type is read from their bytes."""

from __future__ import annotations

import hashlib
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _

from network.errors import NotAllowedError, NotFoundError, ValidationError
from network.extensions import db
from network.models import Attachment, Meeting, Need, Question, User
from network.permissions import can_edit_need, can_view_need, removed_for, sees_hidden
from network.services import audit, filetypes
from network.text import one_line

log = logging.getLogger(__name__)

FILENAME_MAX = 200
_CHUNK = 64 * 1024
# Characters no file name needs and some systems refuse (or a header would misread).
_UNSAFE = str.maketrans({c: "_" for c in '"<>:|?*;\\/'})


@dataclass(frozen=True)
class Upload:
    """A file as it came in: the name the sender's computer gave it and its bytes."""

    filename: str
    stream: BinaryIO


def folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def file_path(attachment: Attachment) -> Path:
    return folder() / attachment.stored_name


def size_text(size: int) -> str:
    """ "840 kB", "1,2 MB" in the reader's language."""
    if size < 1024 * 1024:
        return f"{format_decimal(max(1, round(size / 1024)))} kB"
    return f"{format_decimal(round(size / (1024 * 1024), 1))} MB"


def format_label(attachment: Attachment) -> str:
    kind = filetypes.BY_CONTENT_TYPE.get(attachment.content_type)
    return kind.label if kind else attachment.content_type


def accepted_text() -> str:
    return _(
        "PDF, Word (.docx), Excel (.xlsx), PowerPoint (.pptx), OpenDocument (.odt, .ods, .odp), "
        "PNG or JPEG; at most %(size)s.",
        size=size_text(current_app.config["ATTACHMENT_MAX_BYTES"]),
    )


# -- who may do what ------------------------------------------------------------------------


def may_manage(user: User | None, need: Need) -> bool:
    """The need's body adds and deletes its attachments (on the need, its answers and its meetings)."""
    return can_edit_need(user, need)


def may_download(user: User | None, attachment: Attachment) -> bool:
    """Whoever may see the record: the need (a draft or a hidden need only for its body and, when
    hidden, site administrators); an answer's file once the answer is published and not removed by a
    moderator (the body always)."""
    need = attachment.need
    if not can_view_need(user, need):
        return False
    question = attachment.question
    if question is None or sees_hidden(user, need.organisation_id):
        return True
    return question.is_answered and not removed_for(user, question, question.asker_organisation_id)


def get_attachment(attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFoundError(_("No such attachment."))
    return attachment


def get_downloadable(user: User | None, attachment_id: int) -> Attachment:
    """The attachment if this reader may have it; else missing, as a draft's existence is not public."""
    attachment = get_attachment(attachment_id)
    if not may_download(user, attachment):
        raise NotFoundError(_("No such attachment."))
    return attachment


@dataclass
class AttachmentLists:
    """A need's attachments a reader may see, by what they are attached to."""

    can_manage: bool = False
    by_target: dict[tuple[str, int], list[Attachment]] = field(default_factory=dict)

    def of(self, kind: str, target_id: int) -> list[Attachment]:
        return self.by_target.get((kind, target_id), [])


def attachments_for(user: User | None, need: Need) -> AttachmentLists:
    rows = db.session.scalars(
        sa.select(Attachment)
        .where(Attachment.need_id == need.id)
        .order_by(Attachment.created_at, Attachment.id)
    ).all()
    lists = AttachmentLists(can_manage=may_manage(user, need))
    for row in rows:
        if may_download(user, row):
            target_id = row.question_id or row.meeting_id or row.need_id
            lists.by_target.setdefault((row.target, target_id), []).append(row)
    return lists


# -- adding ---------------------------------------------------------------------------------


def clean_filename(name: str | None) -> str:
    """The last part of the name the browser sent, without paths, control characters or characters
    a file system or a header would trip on; the ending kept when it must be shortened."""
    base = one_line((name or "").replace("\\", "/").rsplit("/", 1)[-1]).translate(_UNSAFE).strip(". ")
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    stem = stem.strip() or _("attachment")
    ext = ext[:10]
    room = FILENAME_MAX - (len(ext) + 1 if ext else 0)
    return f"{stem[:room]}.{ext}" if ext else stem[:room]


def _target_of(need: Need, question: Question | None, meeting: Meeting | None) -> None:
    if question is not None and question.need_id != need.id:
        raise NotFoundError(_("No such question."))
    if meeting is not None and meeting.need_id != need.id:
        raise NotFoundError(_("No such meeting."))


def _count(need: Need, question: Question | None, meeting: Meeting | None) -> int:
    query = sa.select(sa.func.count()).select_from(Attachment).where(Attachment.need_id == need.id)
    query = query.where(
        Attachment.question_id == question.id if question is not None else Attachment.question_id.is_(None),
        Attachment.meeting_id == meeting.id if meeting is not None else Attachment.meeting_id.is_(None),
    )
    return db.session.scalar(query) or 0


def _receive(stream: BinaryIO, target: Path, limit: int) -> tuple[int, str, bytes]:
    """Copy the upload to `target`, stopping past `limit` bytes: (size, sha256, first bytes)."""
    digest, size, head = hashlib.sha256(), 0, b""
    with open(target, "xb") as out:
        while chunk := stream.read(_CHUNK):
            size += len(chunk)
            if size > limit:
                raise ValidationError(
                    _(
                        "The file is larger than %(size)s, the most an attachment may be.",
                        size=size_text(limit),
                    ),
                    field="file",
                )
            if len(head) < 16:
                head = (head + chunk)[:16]
            digest.update(chunk)
            out.write(chunk)
    return size, digest.hexdigest(), head


def _checked_type(filename: str, path: Path, head: bytes) -> filetypes.FileType:
    ext = filetypes.extension(filename)
    if ext not in filetypes.ACCEPTED_EXTENSIONS:
        raise ValidationError(
            _("This kind of file cannot be attached. Attach %(kinds)s", kinds=accepted_text()), field="file"
        )
    with open(path, "rb") as data:
        kind = filetypes.sniff(head, data)
    if kind is None or ext not in kind.extensions:
        # The name says one thing and the bytes another (or nothing known): a renamed file, a
        # macro-enabled document, or a damaged one. Refused whatever the browser claimed.
        raise ValidationError(
            _(
                "The file's content is not what its name (.%(ext)s) says, or it is a kind that cannot "
                "be attached (such as an office file with macros). Save it again as %(ext)s and attach "
                "it again.",
                ext=ext,
            ),
            field="file",
        )
    return kind


def attach(
    actor: User,
    need: Need,
    upload: Upload,
    *,
    question: Question | None = None,
    meeting: Meeting | None = None,
) -> Attachment:
    """Store the file and list it on the need, an answer or a meeting; one commit."""
    if not may_manage(actor, need):
        raise NotAllowedError(_("Only the need's public body can add attachments."))
    _target_of(need, question, meeting)
    config = current_app.config
    if _count(need, question, meeting) >= config["ATTACHMENTS_PER_RECORD"]:
        raise ValidationError(
            _(
                "This already has %(num)d attachments, the most allowed. Delete one first.",
                num=config["ATTACHMENTS_PER_RECORD"],
            ),
            field="file",
        )
    filename = clean_filename(upload.filename)
    if not upload.filename:
        raise ValidationError(_("Choose a file to attach."), field="file")
    directory = folder()
    directory.mkdir(parents=True, exist_ok=True)
    stored_name = secrets.token_hex(16)
    partial = directory / f".{stored_name}.partial"
    final = directory / stored_name
    try:
        size, sha256, head = _receive(upload.stream, partial, config["ATTACHMENT_MAX_BYTES"])
        if size == 0:
            raise ValidationError(_("The file is empty."), field="file")
        kind = _checked_type(filename, partial, head)
        os.replace(partial, final)
        attachment = Attachment(
            need=need,
            question=question,
            meeting=meeting,
            filename=filename,
            content_type=kind.content_type,
            size=size,
            sha256=sha256,
            stored_name=stored_name,
            uploaded_by=actor,
        )
        db.session.add(attachment)
        db.session.flush()
        audit.record(
            actor,
            "attachment.add",
            attachment,
            need.organisation_id,
            label=filename,
            details={"need": need.id, "size": size, "type": kind.content_type},
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        final.unlink(missing_ok=True)
        raise
    finally:
        partial.unlink(missing_ok=True)
    return attachment


# -- deleting -------------------------------------------------------------------------------


def _unlink(stored_names: list[str]) -> None:
    for name in stored_names:
        try:
            (folder() / name).unlink(missing_ok=True)
        except OSError:
            log.exception("could not delete the attachment file %s", name)


def delete_attachment(actor: User, attachment: Attachment) -> None:
    if not may_manage(actor, attachment.need):
        raise NotAllowedError(_("Only the need's public body can delete its attachments."))
    stored_name = attachment.stored_name
    audit.record(
        actor,
        "attachment.delete",
        attachment,
        attachment.need.organisation_id,
        label=attachment.filename,
        details={"need": attachment.need_id},
    )
    db.session.delete(attachment)
    db.session.commit()
    # The row is gone first: a file left by a failed unlink is an orphan nobody can reach, never a
    # listed attachment without its file.
    _unlink([stored_name])


def forget_need(need: Need) -> list[str]:
    """Delete a need's attachment rows in the caller's transaction (a draft being deleted); the files
    to remove after its commit (remove_files)."""
    rows = db.session.scalars(sa.select(Attachment).where(Attachment.need_id == need.id)).all()
    for row in rows:
        db.session.delete(row)
    return [row.stored_name for row in rows]


def remove_files(stored_names: list[str]) -> None:
    _unlink(stored_names)
