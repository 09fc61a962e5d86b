"""What a person may ask for under the GDPR: a copy of their data, and to be deleted. The organisation's
records (needs, questions, posts, responses) stay with the author removed; the audit log keeps what
happened under a pseudonym that is the same for every entry of the person."""

from __future__ import annotations

import hashlib
import hmac
import logging

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from network.errors import ValidationError
from network.extensions import db
from network.models import (
    AuditEntry,
    AuthAttempt,
    Capability,
    Follow,
    GroupPost,
    Invitation,
    MeetingSignup,
    Need,
    Notification,
    NotificationPreference,
    Question,
    Response,
    SavedSearch,
    User,
)
from network.services import audit
from network.services.profile import check_current_password, check_not_last_admin, notify_owner

log = logging.getLogger(__name__)

EXPORT_VERSION = 1


def pseudonym(user_id: int) -> str:
    """The name the audit log gives a deleted person: the same for each of their entries (so the log
    still reads), and nothing that leads back to them without the site's secret key."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    return "Bruker " + hmac.new(key, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()[:8]


# -- export -----------------------------------------------------------------------------------


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def _rows(model, *conditions, order=None):
    return list(db.session.scalars(sa.select(model).where(*conditions).order_by(order or model.id)))


def export_data(user: User) -> dict:
    """Everything the site holds about the person, as JSON-ready data. Other people appear only by the
    names the site shows publicly (organisations); no other person's e-mail address or name."""
    org = user.organisation
    audit.security_event(user, "security.data_exported")
    db.session.commit()
    events = _rows(
        AuditEntry,
        AuditEntry.target_type == "user",
        AuditEntry.target_id == user.id,
        AuditEntry.action.startswith("security."),
    )
    data = {
        "format": "behovsborsen-account-export",
        "version": EXPORT_VERSION,
        "profile": {
            "id": user.id,
            "name": user.name,
            "email": user.email,
            "role": user.role.value if user.organisation_id else None,
            "is_site_admin": user.is_site_admin,
            "locale": user.locale,
            "created_at": _when(user.created_at),
            "deactivated_at": _when(user.deactivated_at),
        },
        "organisation": (
            {"id": org.id, "name": org.name, "kind": org.kind.value, "org_number": org.org_number}
            if org is not None
            else None
        ),
        "needs": [
            {
                "id": n.id,
                "title": n.title,
                "description": n.description,
                "stage": n.stage.value,
                "created_at": _when(n.created_at),
            }
            for n in _rows(Need, Need.created_by_id == user.id)
        ],
        # Capabilities have no author: the organisation's, listed for a supplier's user.
        "organisation_capabilities": [
            {"id": c.id, "title": c.title}
            for c in (_rows(Capability, Capability.organisation_id == org.id) if org is not None else [])
        ],
        "questions": [
            {
                "id": q.id,
                "need_id": q.need_id,
                "text": q.original_text,
                "shown_as": q.text,
                "answer": q.answer,
                "created_at": _when(q.created_at),
            }
            for q in _rows(Question, Question.asker_id == user.id)
        ],
        "answers": [
            {
                "question_id": q.id,
                "need_id": q.need_id,
                "answer": q.answer,
                "answered_at": _when(q.answered_at),
            }
            for q in _rows(Question, Question.answered_by_id == user.id)
        ],
        "responses": [
            {
                "id": r.id,
                "need_id": r.need_id,
                "message": r.message,
                "link": r.link,
                "status": r.status.value,
                "created_at": _when(r.created_at),
            }
            for r in _rows(Response, Response.user_id == user.id)
        ],
        "group_posts": [
            {"id": p.id, "group_id": p.group_id, "text": p.text, "created_at": _when(p.created_at)}
            for p in _rows(GroupPost, GroupPost.user_id == user.id)
        ],
        "meeting_signups": [
            {
                "meeting_id": s.meeting_id,
                "created_at": _when(s.created_at),
                "cancelled_at": _when(s.cancelled_at),
            }
            for s in _rows(MeetingSignup, MeetingSignup.user_id == user.id)
        ],
        "notices": [
            {
                "subject": n.subject,
                "body": n.body,
                "link": n.link,
                "kind": n.kind,
                "created_at": _when(n.created_at),
                "read_at": _when(n.read_at),
            }
            for n in _rows(Notification, Notification.user_id == user.id)
        ],
        "notice_settings": {
            p.kind: p.frequency.value
            for p in _rows(
                NotificationPreference,
                NotificationPreference.user_id == user.id,
                order=NotificationPreference.kind,
            )
        },
        "saved_searches": [
            {"name": s.name, "query": s.query, "filters": s.filters, "created_at": _when(s.created_at)}
            for s in _rows(SavedSearch, SavedSearch.user_id == user.id)
        ],
        "follows": [
            {"need_id": f.need_id, "created_at": _when(f.created_at)}
            for f in _rows(Follow, Follow.user_id == user.id)
        ],
        "invitations_sent": [
            {"created_at": _when(i.created_at), "accepted": i.accepted_at is not None}
            for i in _rows(Invitation, Invitation.invited_by_id == user.id)
        ],
        "security_events": [
            {"action": e.action, "at": _when(e.created_at), "by_self": e.actor_id == user.id} for e in events
        ],
    }
    return data


# -- deletion ---------------------------------------------------------------------------------


def _scrub(value, replacements: dict[str, str]):
    if isinstance(value, str):
        return replacements.get(value, value)
    if isinstance(value, list):
        return [_scrub(v, replacements) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, replacements) for k, v in value.items()}
    return value


def _pseudonymise_audit(user: User, name: str) -> None:
    """The log keeps each event, with the person's name and address replaced by the pseudonym."""
    own = sa.or_(
        AuditEntry.actor_id == user.id,
        sa.and_(AuditEntry.target_type == "user", AuditEntry.target_id == user.id),
    )
    scope = [own, AuditEntry.target_label == user.email]
    if user.organisation_id is not None:
        scope.append(AuditEntry.organisation_id == user.organisation_id)
        scope.append(AuditEntry.other_organisation_id == user.organisation_id)
    for entry in db.session.scalars(sa.select(AuditEntry).where(sa.or_(*scope))):
        is_own = entry.actor_id == user.id or (entry.target_type == "user" and entry.target_id == user.id)
        # The name only where the entry is the person's: a colleague may have the same name.
        replacements = {user.email: name, **({user.name: name} if is_own else {})}
        if entry.actor_id == user.id:
            entry.actor_id = None
            entry.actor_name = name
        if entry.target_label in replacements:
            entry.target_label = replacements[entry.target_label]
        scrubbed = _scrub(entry.changes or {}, replacements)
        if scrubbed != entry.changes:
            entry.changes = scrubbed


def _detach_rows(user_id: int) -> None:
    """Every row that points at the person: an organisation's record (a nullable column) keeps the row
    without its author; a row of the person's own (a required column: notices, saved searches, follows,
    tokens, and the tables other parts of the site add) goes with them."""
    users = User.__table__
    audit_table = AuditEntry.__table__
    for table in reversed(db.metadata.sorted_tables):
        if table is audit_table or table is users:
            continue
        for fk in table.foreign_keys:
            if fk.column.table is not users:
                continue
            column = fk.parent
            if column.nullable and not column.primary_key:
                db.session.execute(sa.update(table).where(column == user_id).values({column.name: None}))
            else:
                db.session.execute(sa.delete(table).where(column == user_id))


def erase(user: User, *, actor: User | None = None, action: str = "security.account_deleted") -> str:
    """Delete the person (the caller has checked who may); returns the pseudonym. The caller commits."""
    name = pseudonym(user.id)
    audit.security_event(user, action, actor=actor)
    db.session.flush()
    _pseudonymise_audit(user, name)
    email = user.email
    # Their address where it is kept beside the account: sign-in attempts, the invitation they accepted.
    db.session.execute(sa.delete(AuthAttempt).where(AuthAttempt.email == email))
    db.session.execute(sa.delete(Invitation).where(Invitation.email == email))
    _detach_rows(user.id)
    db.session.execute(sa.delete(User).where(User.id == user.id))
    db.session.expire_all()
    return name


def delete_account(user: User, password: str, confirmed: bool) -> str:
    """The owner deletes their own account, with their password and the typed word; returns the
    pseudonym the log now uses. Refused for the last administrator of an organisation with others."""
    check_current_password(user, password)
    if not confirmed:
        raise ValidationError(_("Type the word exactly as shown to confirm."), field="confirm")
    check_not_last_admin(user)
    email = user.email
    name = erase(user)
    db.session.commit()
    notify_owner(
        email,
        _("Your account on Behovsbørsen is deleted"),
        _(
            "Your account on Behovsbørsen is deleted, as you asked. What you wrote for your organisation "
            "stays with it, shown as written by a former user.\n"
        ),
    )
    return name
