"""Dialogue meetings on a need: scheduling, sign-ups and their calendar files (RFC 5545)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlparse

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from network.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from network.extensions import db
from network.models import Meeting, MeetingSignup, Need, User, dialogue_is_open, utcnow
from network.services import commit, get_or_not_found, rules
from network.services.dialogue.access import (
    authenticated,
    checked_place_and_link,
    closed_message,
    is_need_body,
    is_supplier_user,
    moment_text,
    need_link,
    require_body,
)
from network.services.notifications import followers_of, notify
from network.text import clean

DESCRIPTION_MAX = 5000
CAPACITY_MAX = 10000


class MeetingFullError(ConflictError):
    """Every seat of the meeting is taken."""


class SignupClosedError(ConflictError):
    """The meeting's sign-up deadline has passed (or the need was cancelled)."""


@dataclass(frozen=True)
class MeetingDraft:
    """Times are naive UTC, like every stored time; the view converts from the reader's zone."""

    title: str
    starts_at: datetime | None
    ends_at: datetime | None
    capacity: int | None
    # None means "until the meeting starts".
    signup_deadline: datetime | None = None
    place: str = ""
    video_link: str | None = None
    description: str = ""


def _check_meeting(draft: MeetingDraft, now: datetime) -> dict:
    title = rules.title(draft.title, _("Give the meeting a title."))
    if draft.starts_at is None:
        raise ValidationError(_("Say when the meeting starts."), field="starts_at")
    if draft.ends_at is None:
        raise ValidationError(_("Say when the meeting ends."), field="ends_at")
    if draft.starts_at <= now:
        raise ValidationError(_("The meeting must start in the future."), field="starts_at")
    if draft.ends_at <= draft.starts_at:
        raise ValidationError(_("The meeting must end after it starts."), field="ends_at")
    deadline = draft.signup_deadline or draft.starts_at
    if deadline > draft.starts_at:
        raise ValidationError(
            _("The sign-up deadline cannot be after the meeting starts."), field="signup_deadline"
        )
    if deadline <= now:
        raise ValidationError(_("The sign-up deadline must be in the future."), field="signup_deadline")
    if draft.capacity is None or not (1 <= draft.capacity <= CAPACITY_MAX):
        raise ValidationError(
            _("The number of seats must be between 1 and %(n)d.", n=CAPACITY_MAX), field="capacity"
        )
    place, link = checked_place_and_link(draft.place, draft.video_link)
    description = clean(draft.description)
    if len(description) > DESCRIPTION_MAX:
        raise ValidationError(_("At most %(n)d characters.", n=DESCRIPTION_MAX), field="description")
    return {
        "title": title,
        "starts_at": draft.starts_at,
        "ends_at": draft.ends_at,
        "signup_deadline": deadline,
        "capacity": draft.capacity,
        "place": place,
        "video_link": link,
        "description": description,
    }


def schedule_meeting(actor: User, need: Need, draft: MeetingDraft, now: datetime | None = None) -> Meeting:
    require_body(actor, need, _("Only the need's own organisation can schedule its dialogue meetings."))
    if not dialogue_is_open(need):
        raise NotAllowedError(closed_message(need))
    meeting = Meeting(need=need, **_check_meeting(draft, now or utcnow()))
    db.session.add(meeting)
    db.session.flush()
    title, need_title = meeting.title, need.title
    starts_at, place = meeting.starts_at, meeting.place
    deadline = meeting.signup_deadline
    notify(
        followers_of(need),
        "need_meeting",
        message=lambda: (
            _("Dialogue meeting on “%(title)s”", title=need_title),
            _(
                "%(meeting)s\nWhen: %(when)s\nWhere: %(where)s\nSign up by: %(deadline)s",
                meeting=title,
                when=moment_text(starts_at),
                where=place or _("Video meeting"),
                deadline=moment_text(deadline),
            ),
        ),
        link=need_link(need, f"meeting-{meeting.id}"),
        need_id=need.id,
        exclude=actor,
    )
    commit(None)
    return meeting


def get_meeting(meeting_id: int) -> Meeting:
    return get_or_not_found(Meeting, meeting_id, _("No such meeting."))


@dataclass(frozen=True)
class MeetingRow:
    """A meeting as one reader sees it on the need page."""

    meeting: Meeting
    taken: int
    is_full: bool
    is_closed: bool  # the sign-up deadline has passed
    is_past: bool
    own_signup: MeetingSignup | None
    # It has started: the body may publish its minutes.
    has_started: bool = False

    @property
    def seats_left(self) -> int:
        return max(0, self.meeting.capacity - self.taken)


def meetings_for(user: User | None, need: Need, now: datetime | None = None) -> list[MeetingRow]:
    """The need's meetings with their sign-ups: two queries, however many meetings and sign-ups."""
    if not need.is_published:
        return []
    now = now or utcnow()
    meetings = db.session.scalars(
        sa.select(Meeting)
        .where(Meeting.need_id == need.id)
        .options(selectinload(Meeting.signups))
        .order_by(Meeting.starts_at, Meeting.id)
    )
    own_org = user.organisation_id if authenticated(user) else None
    rows = []
    for meeting in meetings:
        active = meeting.active_signups
        own = next((s for s in active if own_org is not None and s.organisation_id == own_org), None)
        rows.append(
            MeetingRow(
                meeting=meeting,
                taken=len(active),
                is_full=len(active) >= meeting.capacity,
                is_closed=now > meeting.signup_deadline or not dialogue_is_open(need, now),
                is_past=now >= meeting.ends_at,
                own_signup=own,
                has_started=now >= meeting.starts_at,
            )
        )
    return rows


def _active_signups(meeting_id: int) -> int:
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(MeetingSignup)
        .where(MeetingSignup.meeting_id == meeting_id, MeetingSignup.cancelled_at.is_(None))
    )


def sign_up(actor: User, meeting_id: int, now: datetime | None = None) -> MeetingSignup:
    """One seat per organisation, while seats are left and until the sign-up deadline."""
    now = now or utcnow()
    # Locks the meeting row where the database can (PostgreSQL), so two last-seat sign-ups queue up.
    meeting = db.session.scalar(sa.select(Meeting).where(Meeting.id == meeting_id).with_for_update())
    if meeting is None:
        raise NotFoundError(_("No such meeting."))
    if not is_supplier_user(actor):
        raise NotAllowedError(_("Only suppliers can sign up for dialogue meetings."))
    if not dialogue_is_open(meeting.need, now):
        raise SignupClosedError(closed_message(meeting.need, now))
    if now > meeting.signup_deadline:
        raise SignupClosedError(_("The sign-up deadline for this meeting has passed."))
    signup = db.session.scalar(
        sa.select(MeetingSignup).where(
            MeetingSignup.meeting_id == meeting.id, MeetingSignup.organisation_id == actor.organisation_id
        )
    )
    if signup is not None and signup.cancelled_at is None:
        raise ConflictError(_("Your organisation is already signed up for this meeting."))
    if _active_signups(meeting.id) >= meeting.capacity:
        raise MeetingFullError(_("The meeting is full."))
    if signup is None:
        signup = MeetingSignup(meeting=meeting, organisation_id=actor.organisation_id)
        db.session.add(signup)
    # A cancelled seat taken again keeps its row (one per organisation) and starts afresh.
    signup.user_id = actor.id
    signup.created_at = now
    signup.cancelled_at = None
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise ConflictError(_("Your organisation is already signed up for this meeting.")) from None
    # Counted again inside the transaction: a sign-up that raced this one for the last seat is seen.
    if _active_signups(meeting.id) > meeting.capacity:
        db.session.rollback()
        raise MeetingFullError(_("The meeting is full."))
    commit(None)
    return signup


def cancel_signup(actor: User, meeting_id: int, now: datetime | None = None) -> MeetingSignup:
    now = now or utcnow()
    meeting = get_meeting(meeting_id)
    signup = own_signup(actor, meeting)
    if signup is None:
        raise NotAllowedError(_("Your organisation is not signed up for this meeting."))
    if now > meeting.signup_deadline:
        raise SignupClosedError(
            _("The sign-up deadline has passed. Contact the public body if you cannot come.")
        )
    signup.cancelled_at = now
    commit(None)
    return signup


def own_signup(user: User | None, meeting: Meeting) -> MeetingSignup | None:
    if not authenticated(user) or user.organisation_id is None:
        return None
    return db.session.scalar(
        sa.select(MeetingSignup).where(
            MeetingSignup.meeting_id == meeting.id,
            MeetingSignup.organisation_id == user.organisation_id,
            MeetingSignup.cancelled_at.is_(None),
        )
    )


def signups_for_body(actor: User, meeting: Meeting) -> list[MeetingSignup]:
    """Who is coming: for the need's body only."""
    require_body(actor, meeting.need, _("Only the need's own organisation sees who signed up."))
    return list(
        db.session.scalars(
            sa.select(MeetingSignup)
            .where(MeetingSignup.meeting_id == meeting.id, MeetingSignup.cancelled_at.is_(None))
            .options(selectinload(MeetingSignup.organisation), selectinload(MeetingSignup.user))
            .order_by(MeetingSignup.created_at, MeetingSignup.id)
        )
    )


# -- the calendar file (RFC 5545) ---------------------------------------------------------------


def _ics_text(value: str) -> str:
    """A TEXT value: backslash, semicolon and comma escaped, line breaks as \\n."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _ics_time(value: datetime) -> str:
    # Stored times are naive UTC: the Z form says so to every calendar.
    return value.strftime("%Y%m%dT%H%M%SZ")


def _fold(line: str) -> str:
    """Lines of at most 75 octets; a continuation starts with a space (which counts), and a UTF-8
    character is never split."""
    if len(line.encode("utf-8")) <= 75:
        return line
    parts, current, size, limit = [], "", 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            parts.append(current)
            current, size, limit = "", 0, 74
        current += char
        size += width
    parts.append(current)
    return "\r\n ".join(parts)


def calendar_file(actor: User, meeting_id: int, now: datetime | None = None) -> str:
    """The meeting as an iCalendar file, for the signed-up organisation's users and the need's body."""
    meeting = get_meeting(meeting_id)
    need = meeting.need
    if not is_need_body(actor, need) and own_signup(actor, meeting) is None:
        raise NotAllowedError(_("The calendar file is for organisations signed up for the meeting."))
    need_url = need_link(need, f"meeting-{meeting.id}")
    details = [need.title, need.organisation.name]
    if meeting.video_link:
        details.append(meeting.video_link)
    if meeting.description:
        details.append(meeting.description)
    return calendar_event(
        f"meeting-{meeting.id}",
        meeting.starts_at,
        meeting.ends_at,
        meeting.title,
        meeting.place or meeting.video_link or "",
        details,
        need_url,
        now,
    )


def calendar_event(
    uid: str,
    starts_at: datetime,
    ends_at: datetime,
    summary: str,
    location: str,
    details: list[str],
    url: str,
    now: datetime | None = None,
) -> str:
    """One event as an iCalendar file; `details` (with the link last) make its description."""
    host = urlparse(url).hostname or "behovsborsen"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Behovsborsen//Dialogue meetings//NB",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:{uid}@{host}",
        f"DTSTAMP:{_ics_time(now or utcnow())}",
        f"DTSTART:{_ics_time(starts_at)}",
        f"DTEND:{_ics_time(ends_at)}",
        f"SUMMARY:{_ics_text(summary)}",
        f"LOCATION:{_ics_text(location)}",
        f"DESCRIPTION:{_ics_text(chr(10).join([*details, url]))}",
        f"URL:{url}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)
