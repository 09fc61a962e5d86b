"""Sign-in attempts (rate limits and lockouts), password reset and e-mail change tokens, the audit log."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from network.extensions import db
from network.models.core import Organisation, User, enum_column, utcnow


class AttemptKind(enum.StrEnum):
    LOGIN_FAILED = "login_failed"
    LOGIN_OK = "login_ok"
    REGISTER = "register"
    RESET_REQUEST = "reset_request"
    # A completed password reset: failures before it no longer count towards a lockout.
    RESET_DONE = "reset_done"


class AuthAttempt(db.Model):
    """One sign-in, registration or reset request. Kept in the database (not in process memory) so
    the limits hold across every web worker; rows older than a day are pruned."""

    __tablename__ = "auth_attempts"
    __table_args__ = (
        sa.Index("ix_auth_attempts_address_kind_created", "address", "kind", "created_at"),
        sa.Index("ix_auth_attempts_email_created", "email", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[AttemptKind] = mapped_column(enum_column(AttemptKind))
    # The client's address as the server sees it (REMOTE_ADDR, after ProxyFix when configured).
    address: Mapped[str] = mapped_column(sa.String(64))
    # The e-mail address typed, lower-cased; kept whether or not an account has it.
    email: Mapped[str | None] = mapped_column(sa.String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class PasswordReset(db.Model):
    """A password reset link sent by e-mail. Only a hash of its token is kept; it works once."""

    __tablename__ = "password_resets"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class EmailChange(db.Model):
    """A change of e-mail address the owner asked for, waiting for the link mailed to the new address.
    Only a hash of its token is kept; it works once, before it expires, for its own account only."""

    __tablename__ = "email_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    new_email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class AuditEntry(db.Model):
    """Who changed what, and when. Written in the same transaction as the change it records.

    `organisation_id` is the organisation whose log shows the entry (a need's owner, the verified
    body, the body whose group membership changed); `other_organisation_id` a second one that is
    concerned, such as the group's lead when a member leaves. The actor's name is copied, so the entry
    still reads right after the user is gone."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(sa.String(200), default="")
    organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    other_organisation_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="SET NULL"), index=True
    )
    # e.g. "need.create", "need.stage", "organisation.verify", "group.invite"
    action: Mapped[str] = mapped_column(sa.String(40), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(20))
    target_id: Mapped[int | None]
    target_label: Mapped[str] = mapped_column(sa.String(300), default="")
    # {"field": [old, new]} for edits; small facts for other actions.
    changes: Mapped[dict] = mapped_column(sa.JSON, default=dict)

    actor: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship(foreign_keys=[organisation_id])
    other_organisation: Mapped[Organisation | None] = relationship(foreign_keys=[other_organisation_id])
