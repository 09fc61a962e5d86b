"""Reports: a signed-in user reports a need, a capability, a dialogue question or a group post that
breaks the rules; the site administrators' queue reads the open ones."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from network.errors import ConflictError, DomainError, NotFoundError, ValidationError
from network.extensions import db
from network.models import (
    Capability,
    GroupPost,
    Need,
    Organisation,
    Question,
    Report,
    ReportKind,
    ReportReason,
    User,
    utcnow,
)
from network.permissions import can_view_capability, can_view_need
from network.services import commit
from network.services.coordination import can_see_discussion
from network.text import clean

# The free text of a report.
DETAILS_MAX = 1000

MODELS = {
    ReportKind.NEED: Need,
    ReportKind.CAPABILITY: Capability,
    ReportKind.QUESTION: Question,
    ReportKind.POST: GroupPost,
}


class AlreadyReportedError(ConflictError):
    """The user's earlier report of the item is still open."""


class ReportLimitError(DomainError):
    status = 429


@dataclass(frozen=True)
class ReportDraft:
    reason: str
    details: str = ""


@dataclass
class ReportedItem:
    """An item of any kind with what the queue and the pages need to show about it."""

    kind: ReportKind
    record: object
    reports: list[Report] = field(default_factory=list)

    @property
    def organisation(self) -> Organisation | None:
        """The organisation that owns the item: its administrators are told when it is hidden."""
        if self.kind == ReportKind.QUESTION:
            return self.record.asker_organisation
        return self.record.organisation

    @property
    def text(self) -> str:
        if self.kind in (ReportKind.NEED, ReportKind.CAPABILITY):
            return self.record.title
        return self.record.text

    @property
    def need(self) -> Need | None:
        return self.record.need if self.kind == ReportKind.QUESTION else None


def _kind(kind: str) -> ReportKind:
    try:
        return ReportKind(kind)
    except ValueError:
        raise NotFoundError(_("There is nothing to report here.")) from None


def find_item(kind: str, item_id: int) -> ReportedItem:
    """The item, whoever may see it (for the site administrators)."""
    report_kind = _kind(kind)
    record = db.session.get(MODELS[report_kind], item_id)
    if record is None:
        raise NotFoundError(_("There is nothing to report here."))
    return ReportedItem(report_kind, record)


def _may_see(user: User, item: ReportedItem) -> bool:
    record = item.record
    if item.kind == ReportKind.NEED:
        return record.is_published and can_view_need(user, record)
    if item.kind == ReportKind.CAPABILITY:
        return can_view_capability(user, record)
    if item.kind == ReportKind.QUESTION:
        if not can_view_need(user, record.need):
            return False
        return (
            record.is_answered or user.belongs_to(record.need.organisation_id) or record.asker_id == user.id
        )
    return can_see_discussion(user, record.group)


def reportable_item(user: User, kind: str, item_id: int) -> ReportedItem:
    """The item as this user may see it (NotFoundError otherwise: what one cannot see, one cannot report)."""
    item = find_item(kind, item_id)
    if not _may_see(user, item):
        raise NotFoundError(_("There is nothing to report here."))
    return item


def _open_report_of(user: User, item: ReportedItem) -> Report | None:
    return db.session.scalar(
        sa.select(Report).where(
            Report.kind == item.kind,
            Report.target_id == item.record.id,
            Report.reporter_id == user.id,
            Report.closed_at.is_(None),
        )
    )


def report_item(actor: User, kind: str, item_id: int, draft: ReportDraft) -> Report:
    item = reportable_item(actor, kind, item_id)
    try:
        reason = ReportReason(draft.reason)
    except ValueError:
        raise ValidationError(_("Choose a reason."), field="reason") from None
    details = clean(draft.details or "")
    if len(details) > DETAILS_MAX:
        raise ValidationError(_("Write at most %(max)d characters.", max=DETAILS_MAX), field="details")
    if reason == ReportReason.OTHER and not details:
        raise ValidationError(_("Tell us what is wrong."), field="details")
    if _open_report_of(actor, item) is not None:
        raise AlreadyReportedError(_("You have already reported this. A site administrator will look at it."))
    since = utcnow() - timedelta(days=1)
    made = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Report)
        .where(Report.reporter_id == actor.id, Report.created_at >= since)
    )
    if made >= int(current_app.config["REPORTS_PER_DAY"]):
        raise ReportLimitError(
            _("You have sent as many reports as one person can in a day. Try again tomorrow.")
        )
    report = Report(kind=item.kind, target_id=item.record.id, reporter=actor, reason=reason, details=details)
    db.session.add(report)
    commit(None)
    return report


def _grouped(reports: list[Report]) -> list[ReportedItem]:
    items: dict[tuple[ReportKind, int], ReportedItem] = {}
    for report in reports:
        key = (report.kind, report.target_id)
        if key not in items:
            record = db.session.get(MODELS[report.kind], report.target_id)
            if record is None:
                continue
            items[key] = ReportedItem(report.kind, record)
        items[key].reports.append(report)
    return list(items.values())


def open_reports() -> list[ReportedItem]:
    """Items with open reports, the longest-waiting first, each with its open reports."""
    reports = db.session.scalars(
        sa.select(Report).where(Report.closed_at.is_(None)).order_by(Report.created_at, Report.id)
    ).all()
    return _grouped(list(reports))


def hidden_items(limit: int = 200) -> list[ReportedItem]:
    """What moderators have hidden, newest first (to unhide)."""
    found = []
    for kind, model in MODELS.items():
        rows = db.session.scalars(
            sa.select(model).where(model.hidden_at.is_not(None)).order_by(model.hidden_at.desc()).limit(limit)
        )
        found += [ReportedItem(kind, row) for row in rows]
    found.sort(key=lambda item: item.record.hidden_at, reverse=True)
    return found[:limit]
