"""Sign-in attempts (rate limits, lockouts), password reset and e-mail change tokens, signed-in sessions,
two-factor keys and the audit log."""

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
    # The device cookie's id when the attempt came from a browser the account had signed in from: its
    # failures lock only that cookie, not the account (services/devices.py).
    device: Mapped[str | None] = mapped_column(sa.String(32))
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


class UserSession(db.Model):
    """A signed-in browser. The browser's cookie holds a random token; only its hash is kept here, so
    the session can be ended on the server (logout, "sign out everywhere", a timeout, a new password)
    and a copy of the cookie stops working with it. Ended rows are pruned after a few days."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    # Written at most once a minute (SESSION_TOUCH_SECONDS), not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(index=True)
    # Why it ended: signed_out, ended_by_user, revoked, idle, expired, password_changed, inactive, ...
    ended_reason: Mapped[str | None] = mapped_column(sa.String(20))
    # A keyed digest of the password hash at sign-in: after a password change the session is over.
    password_digest: Mapped[str] = mapped_column(sa.String(64))
    # The client's address at sign-in and a short description of its browser, for the owner's list.
    address: Mapped[str] = mapped_column(sa.String(64), default="")
    browser: Mapped[str] = mapped_column(sa.String(40), default="")
    system: Mapped[str] = mapped_column(sa.String(40), default="")

    user: Mapped[User] = relationship()


class TwoFactorKey(db.Model):
    """A user's TOTP secret for two-factor sign-in, encrypted with a key derived from SECRET_KEY.
    Without `enabled_at` it is being set up: sign-in does not ask for a code yet."""

    __tablename__ = "two_factor_keys"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(sa.String(255))
    enabled_at: Mapped[datetime | None]
    # The TOTP time step of the last code accepted: a code is never accepted twice.
    last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A one-time code that stands in for a TOTP code. Only a keyed hash is kept; shown once."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


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
