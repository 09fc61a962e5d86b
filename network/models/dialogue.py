"""Early market dialogue on a need: public questions and answers, dialogue meetings and sign-ups,
one-to-one slots, their minutes, and when the dialogue closes."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from network.extensions import db
from network.models.core import Hideable, Need, Organisation, Stage, User, utcnow

# The dialogue deadline is a date in Norway: the dialogue closes when that day ends there.
DEADLINE_ZONE = ZoneInfo("Europe/Oslo")


def dialogue_ends_at(need: Need) -> datetime | None:
    """The moment (naive UTC, like every stored time) the need's dialogue deadline day ends in Oslo."""
    if need.deadline is None:
        return None
    end = datetime.combine(need.deadline + timedelta(days=1), time(0), tzinfo=DEADLINE_ZONE)
    return end.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def deadline_passed(need: Need, now: datetime | None = None) -> bool:
    ends = dialogue_ends_at(need)
    return ends is not None and (now or utcnow()) >= ends


def dialogue_is_open(need: Need, now: datetime | None = None) -> bool:
    """Questions, meeting sign-ups, slot bookings and expressions of interest are taken only while
    the need is open and its dialogue deadline has not passed."""
    return need.stage == Stage.OPEN and not deadline_passed(need, now)


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
    # What was said, published by the body on the need's page once the meeting has started.
    minutes: Mapped[str | None] = mapped_column(sa.Text)
    minutes_published_at: Mapped[datetime | None]
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


class DialogueSlot(db.Model):
    """A one-to-one meeting the body offers; one supplier organisation books it, and each organisation
    books at most one slot per need. Its minutes are published like a meeting's, so every supplier
    learns what was said to one."""

    __tablename__ = "dialogue_slots"
    __table_args__ = (sa.UniqueConstraint("need_id", "organisation_id", name="uq_dialogue_slots_need_org"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id"), index=True)
    starts_at: Mapped[datetime]
    length_minutes: Mapped[int]
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    video_link: Mapped[str | None] = mapped_column(sa.String(500))
    # What each one-to-one meeting covers: given once for the slots offered together, so every
    # supplier is told the same.
    agenda: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    # The booking: all three empty while the slot is free (a cancelled booking frees it again).
    organisation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organisations.id"))
    booked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    booked_at: Mapped[datetime | None]
    minutes: Mapped[str | None] = mapped_column(sa.Text)
    minutes_published_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    need: Mapped[Need] = relationship()
    organisation: Mapped[Organisation | None] = relationship()
    booked_by: Mapped[User | None] = relationship()

    @property
    def ends_at(self) -> datetime:
        return self.starts_at + timedelta(minutes=self.length_minutes)

    @property
    def is_booked(self) -> bool:
        return self.organisation_id is not None
