"""Reports of content by signed-in users, for the site administrators' moderation queue."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from network.extensions import db
from network.models.core import User, enum_column, utcnow


class ReportKind(enum.StrEnum):
    """What can be reported; the value is the address segment (/report/<kind>/<id>)."""

    NEED = "need"
    CAPABILITY = "capability"
    QUESTION = "question"
    POST = "post"


class ReportReason(enum.StrEnum):
    WRONG = "wrong"
    OFFENSIVE = "offensive"
    PERSONAL_DATA = "personal_data"
    SPAM = "spam"
    OTHER = "other"


class ReportOutcome(enum.StrEnum):
    HIDDEN = "hidden"
    DISMISSED = "dismissed"


class Report(db.Model):
    """One user's report of one item. Open until a site administrator hides the item or dismisses it;
    a user has at most one open report per item (services/moderation)."""

    __tablename__ = "reports"
    __table_args__ = (
        sa.Index("ix_reports_kind_target", "kind", "target_id"),
        sa.Index("ix_reports_reporter_created", "reporter_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ReportKind] = mapped_column(enum_column(ReportKind, 20))
    target_id: Mapped[int]
    reporter_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[ReportReason] = mapped_column(enum_column(ReportReason, 20))
    details: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(index=True)
    closed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    outcome: Mapped[ReportOutcome | None] = mapped_column(enum_column(ReportOutcome, 20))

    reporter: Mapped[User | None] = relationship(foreign_keys=[reporter_id])
    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
