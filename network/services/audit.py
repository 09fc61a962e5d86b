"""The audit log: who changed what on needs, organisations and group memberships, and who may read it."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from network.errors import NotAllowedError
from network.extensions import db
from network.models import AuditEntry, User
from network.permissions import can_read_audit

# Long texts are cut in the log: it tells that a field changed, not a second copy of the record.
VALUE_MAX = 200


def _plain(value):
    """A JSON-safe, short form of a column value."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, str) and len(value) > VALUE_MAX:
        return value[:VALUE_MAX] + "…"
    return value


def changes(row, values: dict, fields: Iterable[str] | None = None) -> dict:
    """{field: [old, new]} for each value that differs from the row's; call before assigning."""
    found = {}
    for name in fields if fields is not None else values:
        old, new = getattr(row, name), values[name]
        if _plain(old) != _plain(new):
            found[name] = [_plain(old), _plain(new)]
    return found


def record(
    actor: User | None,
    action: str,
    target,
    organisation_id: int | None,
    *,
    other_organisation_id: int | None = None,
    label: str | None = None,
    details: dict | None = None,
) -> AuditEntry:
    """Add an entry to the session; it is saved by the caller's commit, with the change itself. The
    target needs its id already (flush first for new rows)."""
    entry = AuditEntry(
        actor_id=actor.id if actor is not None else None,
        actor_name=(actor.name if actor is not None else "")[:200],
        organisation_id=organisation_id,
        other_organisation_id=other_organisation_id if other_organisation_id != organisation_id else None,
        action=action,
        target_type=_singular(type(target).__tablename__)[:20] if target is not None else "",
        target_id=getattr(target, "id", None),
        target_label=(label if label is not None else _label(target))[:300],
        changes={k: _plain(v) for k, v in (details or {}).items()},
    )
    db.session.add(entry)
    return entry


def edit(actor: User, action: str, row, organisation_id: int | None, values: dict) -> dict:
    """Set `values` on the row and record what changed (nothing when nothing did); the changes."""
    changed = changes(row, values)
    for name, value in values.items():
        setattr(row, name, value)
    if changed:
        record(actor, action, row, organisation_id, details=changed)
    return changed


def security_event(user: User, action: str, *, actor: User | None = None, details: dict | None = None):
    """A security event of an account ("security.sign_in", "security.sign_in_failed", "security.locked",
    "security.password_changed", "security.sessions_revoked", "security.2fa_enabled", "security.role_changed"
    ...): on the account itself, shown to its owner and to its organisation's administrators. `actor` is
    who did it when not the user (an administrator changing a role); the caller commits."""
    return record(
        actor if actor is not None else user,
        action,
        user,
        user.organisation_id,
        label=user.name,
        details=details,
    )


def security_events(user: User, page: int, per_page: int):
    """A page of the account's own security events, newest first (for its owner)."""
    query = (
        sa.select(AuditEntry)
        .where(AuditEntry.target_type == "user", AuditEntry.target_id == user.id)
        .where(AuditEntry.action.startswith("security."))
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def _singular(table: str) -> str:
    """The row's kind from its table: "needs" → "need", "capabilities" → "capability"."""
    if table.endswith("ies"):
        return table[:-3] + "y"
    return table.removesuffix("s")


def _label(target) -> str:
    for attribute in ("title", "name"):
        value = getattr(target, attribute, None)
        if value:
            return str(value)
    return ""


# -- reading ----------------------------------------------------------------------------------


def entries(actor: User, page: int, per_page: int, organisation_id: int | None = None):
    """A page of entries, newest first. Site administrators read every organisation's (or the one
    asked for); an organisation's administrators read their own organisation's only."""
    if not can_read_audit(actor):
        raise NotAllowedError(_("Only administrators of an organisation can read its audit log."))
    query = sa.select(AuditEntry).order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if not actor.is_site_admin:
        organisation_id = actor.organisation_id
    if organisation_id is not None:
        query = query.where(
            sa.or_(
                AuditEntry.organisation_id == organisation_id,
                AuditEntry.other_organisation_id == organisation_id,
            )
        )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)
