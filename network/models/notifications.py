"""Follows, saved searches and the notifications they produce, with each user's delivery choices."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from network.extensions import db
from network.models.core import Need, User, enum_column, utcnow


class Frequency(enum.StrEnum):
    IMMEDIATELY = "immediately"
    DAILY = "daily"
    WEEKLY = "weekly"
    OFF = "off"


# Every kind of notice the site sends; a user chooses a frequency per kind.
NOTIFICATION_KINDS = (
    "need_stage",  # a followed need changed stage
    "need_answer",  # a followed need got a public answer
    "need_meeting",  # a followed need got a dialogue meeting
    "saved_search",  # a new published need matches a saved search
    "question_answered",  # the user's own question was answered
    "group_invitation",  # the user's organisation was invited to a coordination group
    "group_request",  # a body asks to join a group the user's organisation leads (and the answer)
    "response_status",  # a response the organisation sent changed status
    "new_response",  # a supplier responded to the organisation's need
    "respondents_message",  # a need's body wrote to every respondent
    "new_peer",  # another body published a need among the peers of the organisation's (or a followed) need
    "new_supplier",  # a supplier became a strong match for the organisation's need
    "new_need_for_you",  # a newly published need became a strong match for the organisation (a supplier)
    "join_request",  # someone asks to join the organisation (to its administrators)
    "new_question",  # someone asked a question about the organisation's need
    "group_post",  # a member wrote in the discussion of a group the organisation is a member of
    "organisation_verified",  # a site administrator verified the user's organisation (its admins)
    "pending_verification",  # a public body registered and waits for verification (site administrators)
)


class AlertState(enum.StrEnum):
    PENDING = "pending"
    CHECKING = "checking"
    SENT = "sent"
    # Checked: the record did not make the list after all.
    NO = "no"


class Follow(db.Model):
    __tablename__ = "follows"
    __table_args__ = (sa.UniqueConstraint("user_id", "need_id", name="uq_follows_user_need"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()
    need: Mapped[Need] = relationship()


class SavedSearch(db.Model):
    """A query with filters (the search page's parameters) a user wants to hear about."""

    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    query: Mapped[str] = mapped_column(sa.String(500), default="")
    # {"domain": [...], "fylke": [...], "cpv": [...]}: the same names as the search page's filters.
    filters: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class Notification(db.Model):
    """One notice to one user: shown in the inbox at once, e-mailed when the user's choice says."""

    __tablename__ = "notifications"
    __table_args__ = (sa.Index("ix_notifications_due", "emailed_at", "frequency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str | None] = mapped_column(sa.String(500))
    need_id: Mapped[int | None] = mapped_column(sa.ForeignKey("needs.id"))
    # The user's choice for this kind when the notice was made; "off" is never e-mailed.
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    read_at: Mapped[datetime | None]
    # Set in the same transaction that records the mail as sent: `flask notify send` twice sends once.
    emailed_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class NotificationPreference(db.Model):
    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    frequency: Mapped[Frequency] = mapped_column(enum_column(Frequency))


class MatchAlert(db.Model):
    """A record that may have entered a kept match list (search.Entered), waiting to be checked, and
    what came of it. One row per list and record: a pair is announced once, however often it leaves
    and enters the list again."""

    __tablename__ = "match_alerts"
    __table_args__ = (
        sa.UniqueConstraint("subject_kind", "subject_id", "list_kind", "record_id", name="uq_match_alerts"),
        sa.Index("ix_match_alerts_state", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The list's subject: a need ("need"), or a supplier ("organisation") for its needs for you.
    subject_kind: Mapped[str] = mapped_column(sa.String(20))
    subject_id: Mapped[int]
    # What the list holds: "capability" (a need's suppliers) or "need" (peers, needs for you).
    list_kind: Mapped[str] = mapped_column(sa.String(20))
    record_id: Mapped[int]
    state: Mapped[AlertState] = mapped_column(enum_column(AlertState), default=AlertState.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_at: Mapped[datetime | None]
