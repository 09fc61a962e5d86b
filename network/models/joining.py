"""Requests to join an organisation, sent by someone who registered with a number already taken."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from network.extensions import db
from network.models.core import Organisation, utcnow


class JoinRequest(db.Model):
    """An account waiting for the organisation's administrators: no user exists (so nobody can sign in
    with it) until one of them approves; the row is deleted when they decide or it expires."""

    __tablename__ = "join_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(200))
    # Lower-cased by the service, like users.email.
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    # Hashed as a user's password is; it becomes the account's password on approval.
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    terms_version: Mapped[str | None] = mapped_column(sa.String(20))
    # The language the requester wrote in: the answer is mailed in it.
    locale: Mapped[str] = mapped_column(sa.String(5), default="nb", server_default="nb")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    organisation: Mapped[Organisation] = relationship()
