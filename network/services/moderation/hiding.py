"""Site administrators hide a reported item with a reason (its organisation's administrators are told),
unhide it later, or dismiss the reports; every action goes into the audit log."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from network.errors import NotAllowedError, ValidationError
from network.extensions import db
from network.models import Report, ReportOutcome, User, utcnow
from network.services import audit, commit
from network.services.moderation import telling
from network.services.moderation.reports import ReportedItem, find_item
from network.text import clean

# The reason given for hiding an item or suspending an organisation (the column is 500 long).
REASON_MAX = 500


def require_site_admin(actor: User) -> None:
    if not (actor is not None and actor.is_authenticated and actor.is_site_admin):
        raise NotAllowedError(_("Only site administrators moderate content."))


def checked_reason(reason: str | None) -> str:
    text = clean(reason)
    if not text:
        raise ValidationError(_("Give the reason: the organisation is told."), field="reason")
    if len(text) > REASON_MAX:
        raise ValidationError(_("Write at most %(max)d characters.", max=REASON_MAX), field="reason")
    return text


def _close_reports(actor: User, item: ReportedItem, outcome: ReportOutcome) -> int:
    reports = db.session.scalars(
        sa.select(Report).where(
            Report.kind == item.kind, Report.target_id == item.record.id, Report.closed_at.is_(None)
        )
    ).all()
    now = utcnow()
    for report in reports:
        report.closed_at, report.closed_by, report.outcome = now, actor, outcome
    return len(reports)


def _organisation_id(item: ReportedItem) -> int | None:
    org = item.organisation
    return org.id if org is not None else None


def hide_item(actor: User, kind: str, item_id: int, reason: str, index) -> ReportedItem:
    """Hide the item with a reason, close its open reports, tell its organisation's administrators.
    A hidden need or capability leaves the index (documents.is_indexed) in the same commit."""
    require_site_admin(actor)
    item = find_item(kind, item_id)
    text = checked_reason(reason)
    record = item.record
    record.hidden_at, record.hidden_reason, record.hidden_by_id = utcnow(), text, actor.id
    closed = _close_reports(actor, item, ReportOutcome.HIDDEN)
    audit.record(
        actor,
        "moderation.hide",
        record,
        _organisation_id(item),
        label=item.text[:300],
        details={"reason": text, "reports": closed},
    )
    commit(index)
    telling.tell_hidden(item, text)
    return item


def unhide_item(actor: User, kind: str, item_id: int, index) -> ReportedItem:
    require_site_admin(actor)
    item = find_item(kind, item_id)
    record = item.record
    if record.hidden_at is None:
        raise ValidationError(_("This is not hidden."))
    audit.record(
        actor,
        "moderation.unhide",
        record,
        _organisation_id(item),
        label=item.text[:300],
        details={"reason": record.hidden_reason},
    )
    record.hidden_at, record.hidden_reason, record.hidden_by_id = None, None, None
    commit(index)
    return item


def dismiss_report(actor: User, kind: str, item_id: int) -> ReportedItem:
    """The item breaks no rule: its open reports are closed and it stays as it is."""
    require_site_admin(actor)
    item = find_item(kind, item_id)
    closed = _close_reports(actor, item, ReportOutcome.DISMISSED)
    if not closed:
        raise ValidationError(_("There are no open reports of this."))
    audit.record(
        actor,
        "moderation.dismiss",
        item.record,
        _organisation_id(item),
        label=item.text[:300],
        details={"reports": closed},
    )
    commit(None)
    return item
