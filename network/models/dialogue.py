"""Early market dialogue on a need: public questions and answers, dialogue meetings and sign-ups."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from network.extensions import db
from network.models.core import Hideable, Need, Organisation, User, utcnow


class Question(Hideable, db.Model):
    """A question on a published need. Once answered it is public; the asker never is."""

    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    asker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    asker_organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    # What the asker wrote, kept as sent; `text` is what is shown, which the body may reword to
    # remove details that would identify the asker.
    original_text: Mapped[str] = mapped_column(sa.Text)
    text: Mapped[str] = mapped_column(sa.Text)
    answer: Mapped[str | None] = mapped_column(sa.Text)
    answered_at: Mapped[datetime | None]
    answered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    need: Mapped[Need] = relationship()
    asker: Mapped[User | None] = relationship(foreign_keys=[asker_id])
    asker_organisation: Mapped[Organisation | None] = relationship()

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class Meeting(db.Model):
    """A dialogue meeting the need's body holds with the market."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    title: Mapped[str] = mapped_column(sa.String(300))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    video_link: Mapped[str | None] = mapped_column(sa.String(500))
    capacity: Mapped[int]
    signup_deadline: Mapped[datetime]
    description: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    need: Mapped[Need] = relationship()
    signups: Mapped[list[MeetingSignup]] = relationship(
        back_populates="meeting", cascade="all, delete-orphan"
    )

    @property
    def active_signups(self) -> list[MeetingSignup]:
        return [s for s in self.signups if s.cancelled_at is None]

    @property
    def seats_left(self) -> int:
        return max(0, self.capacity - len(self.active_signups))

    @property
    def is_full(self) -> bool:
        return self.seats_left == 0


class MeetingSignup(db.Model):
    """One organisation's seat at a meeting; cancelling keeps the row (cancelled_at) for the record."""

    __tablename__ = "meeting_signups"
    __table_args__ = (sa.UniqueConstraint("meeting_id", "organisation_id", name="uq_meeting_signups_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("meetings.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(sa.ForeignKey("organisations.id"))
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None]

    meeting: Mapped[Meeting] = relationship(back_populates="signups")
    organisation: Mapped[Organisation] = relationship()
    user: Mapped[User | None] = relationship()
