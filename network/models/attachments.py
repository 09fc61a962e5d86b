"""Files attached to a need, to an answer in its dialogue, or to a dialogue meeting."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from network.extensions import db
from network.models.core import Need, User, utcnow
from network.models.dialogue import Meeting, Question


class Attachment(db.Model):
    """One file. It always names its need (whose body may change it, and whose readers may download
    it); an answer's or a meeting's file names that record too. The bytes are on disk under
    UPLOAD_FOLDER as `stored_name` (random, so a name says nothing and cannot be guessed)."""

    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    question_id: Mapped[int | None] = mapped_column(sa.ForeignKey("questions.id"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    # The name shown and given to the download (cleaned of paths and control characters).
    filename: Mapped[str] = mapped_column(sa.String(200))
    # The type read from the file's bytes, never the one the browser sent.
    content_type: Mapped[str] = mapped_column(sa.String(120))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    need: Mapped[Need] = relationship()
    question: Mapped[Question | None] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    uploaded_by: Mapped[User | None] = relationship()

    @property
    def target(self) -> str:
        """What it is attached to: "need", "question" or "meeting"."""
        if self.question_id is not None:
            return "question"
        if self.meeting_id is not None:
            return "meeting"
        return "need"
