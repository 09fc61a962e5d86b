"""Early market dialogue on a need: public questions and answers, dialogue meetings with sign-ups and
their calendar files, and one message to every supplier that responded."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlparse

import sqlalchemy as sa
from flask import url_for
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from network.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from network.extensions import db
from network.models import (
    Follow,
    Meeting,
    MeetingSignup,
    Need,
    Organisation,
    Question,
    Response,
    Stage,
    User,
    utcnow,
)
from network.services import commit, rules
from network.services.notifications import notify
from network.text import clean

QUESTION_MAX = 5000
ANSWER_MAX = 20000
PLACE_MAX = 300
LINK_MAX = 500
DESCRIPTION_MAX = 5000
CAPACITY_MAX = 10000
SUBJECT_MAX = 200
MESSAGE_MAX = 10000


class MeetingFullError(ConflictError):
    """Every seat of the meeting is taken."""


class SignupClosedError(ConflictError):
    """The meeting's sign-up deadline has passed (or the need was cancelled)."""


@dataclass(frozen=True)
class QuestionDraft:
    text: str


@dataclass(frozen=True)
class AnswerDraft:
    answer: str
    # The question as it will be published; None keeps the current wording.
    text: str | None = None


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


@dataclass(frozen=True)
class MessageDraft:
    subject: str
    text: str


# -- who may do what --------------------------------------------------------------------------


def _authenticated(user: User | None) -> bool:
    return user is not None and user.is_authenticated


def is_need_body(user: User | None, need: Need) -> bool:
    return _authenticated(user) and user.belongs_to(need.organisation_id)


def may_ask_as(organisation: Organisation | None) -> bool:
    """Suppliers and verified public bodies may ask; an unverified body is not known to be one."""
    if organisation is None:
        return False
    return organisation.is_supplier or (organisation.is_public_body and organisation.verified)


def takes_questions(need: Need) -> bool:
    return need.is_published and need.stage != Stage.CANCELLED


def can_ask(user: User | None, need: Need) -> bool:
    return (
        _authenticated(user)
        and may_ask_as(user.organisation)
        and not user.belongs_to(need.organisation_id)
        and takes_questions(need)
    )


def can_schedule(user: User | None, need: Need) -> bool:
    return is_need_body(user, need) and need.is_open


def is_supplier_user(user: User | None) -> bool:
    return _authenticated(user) and user.organisation is not None and user.organisation.is_supplier


def _require_body(actor: User, need: Need, message: str) -> None:
    if not is_need_body(actor, need):
        raise NotAllowedError(message)


def _text(value: str | None, limit: int, field_name: str, empty: str) -> str:
    text = clean(value)
    if not text:
        raise ValidationError(empty, field=field_name)
    if len(text) > limit:
        raise ValidationError(_("At most %(n)d characters.", n=limit), field=field_name)
    return text


def _followers(need: Need) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User).join(Follow, Follow.user_id == User.id).where(Follow.need_id == need.id)
        )
    )


def _moment(value: datetime) -> str:
    """A stored (UTC) time in the reader's language and zone: "onsdag 1. mai 2030 10:00"."""
    return f"{format_date(value, 'full')} {format_time(value, 'short')}"


def _need_link(need: Need, anchor: str = "") -> str:
    return url_for("needs.detail", need_id=need.id, _external=True) + (f"#{anchor}" if anchor else "")


# -- questions and answers --------------------------------------------------------------------


def require_may_ask(actor: User, need: Need) -> None:
    """Raise the reason this user may not ask on this need (what can_ask says, with the why)."""
    if actor.belongs_to(need.organisation_id):
        raise NotAllowedError(_("You cannot ask questions on your own organisation's need."))
    if not may_ask_as(actor.organisation):
        raise NotAllowedError(_("Only suppliers and verified public bodies can ask questions on a need."))
    if not takes_questions(need):
        raise NotAllowedError(_("This need does not take questions."))


def ask_question(actor: User, need: Need, draft: QuestionDraft) -> Question:
    require_may_ask(actor, need)
    text = _text(draft.text, QUESTION_MAX, "text", _("Write your question."))
    question = Question(
        need=need,
        asker_id=actor.id,
        asker_organisation_id=actor.organisation_id,
        original_text=text,
        text=text,
    )
    db.session.add(question)
    commit(None)
    return question


def get_question(question_id: int) -> Question:
    question = db.session.get(Question, question_id)
    if question is None:
        raise NotFoundError(_("No such question."))
    return question


def reword_question(actor: User, question_id: int, text: str) -> Question:
    """The body rewords a question (to remove what identifies the asker) without answering it yet."""
    question = get_question(question_id)
    _require_body(actor, question.need, _("Only the need's own organisation can edit its questions."))
    question.text = _text(text, QUESTION_MAX, "text", _("The question cannot be empty."))
    commit(None)
    return question


def answer_question(actor: User, question_id: int, draft: AnswerDraft) -> Question:
    """Publish (or correct) the answer. The first answer tells the asker and the need's followers."""
    question = get_question(question_id)
    need = question.need
    _require_body(actor, need, _("Only the need's own organisation can answer its questions."))
    if draft.text is not None:
        question.text = _text(draft.text, QUESTION_MAX, "text", _("The question cannot be empty."))
    question.answer = _text(draft.answer, ANSWER_MAX, "answer", _("Write an answer."))
    first_answer = question.answered_at is None
    question.answered_by_id = actor.id
    if first_answer:
        question.answered_at = utcnow()
        _tell_about_answer(actor, question)
    commit(None)
    return question


def _tell_about_answer(actor: User, question: Question) -> None:
    need = question.need
    link = _need_link(need, f"question-{question.id}")
    asker = db.session.get(User, question.asker_id) if question.asker_id else None
    text, answer, title = question.text, question.answer, need.title
    if asker is not None:
        notify(
            [asker],
            "question_answered",
            message=lambda: (
                _("Your question on “%(title)s” is answered", title=title),
                _("Question: %(q)s\n\nAnswer: %(a)s", q=text, a=answer),
            ),
            link=link,
            need_id=need.id,
            exclude=actor,
        )
    # The asker already has the notice above; one is enough.
    followers = [u for u in _followers(need) if asker is None or u.id != asker.id]
    notify(
        followers,
        "need_answer",
        message=lambda: (
            _("New public answer on “%(title)s”", title=title),
            _("Question: %(q)s\n\nAnswer: %(a)s", q=text, a=answer),
        ),
        link=link,
        need_id=need.id,
        exclude=actor,
    )


@dataclass
class QuestionLists:
    """What one reader sees of a need's questions."""

    public: list[Question] = field(default_factory=list)
    # The reader's own unanswered questions (askers), or every unanswered one (the need's body).
    unanswered: list[Question] = field(default_factory=list)


def public_questions(need: Need) -> list[Question]:
    """The answered questions, for everyone; the asker is never part of what is shown."""
    return public_questions_of([need.id]).get(need.id, [])


def public_questions_of(need_ids: Iterable[int]) -> dict[int, list[Question]]:
    """need id → its answered questions, in answering order (one query for any number of needs)."""
    ids = list(dict.fromkeys(need_ids))
    found: dict[int, list[Question]] = {}
    if not ids:
        return found
    for question in db.session.scalars(
        sa.select(Question)
        .where(Question.need_id.in_(ids), Question.answered_at.is_not(None))
        .order_by(Question.answered_at, Question.id)
    ):
        found.setdefault(question.need_id, []).append(question)
    return found


def questions_for(user: User | None, need: Need) -> QuestionLists:
    """One query: the public answers, plus what this reader may see of the unanswered ones."""
    lists = QuestionLists()
    if not need.is_published:
        return lists
    body = is_need_body(user, need)
    visible = Question.answered_at.is_not(None)
    if body:
        visible = sa.true()
    elif _authenticated(user):
        visible = sa.or_(visible, Question.asker_id == user.id)
    query = sa.select(Question).where(Question.need_id == need.id, visible).order_by(Question.id)
    if body:
        query = query.options(selectinload(Question.asker_organisation))
    for question in db.session.scalars(query):
        (lists.public if question.is_answered else lists.unanswered).append(question)
    lists.public.sort(key=lambda q: (q.answered_at, q.id))
    return lists


# -- dialogue meetings ------------------------------------------------------------------------


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
    place = clean(draft.place)
    if len(place) > PLACE_MAX:
        raise ValidationError(_("At most %(n)d characters.", n=PLACE_MAX), field="place")
    link = clean(draft.video_link) or None
    if link is not None:
        if len(link) > LINK_MAX:
            raise ValidationError(_("At most %(n)d characters.", n=LINK_MAX), field="video_link")
        parsed = urlparse(link)
        if parsed.scheme != "https" or not parsed.netloc:
            raise ValidationError(_("The video link must start with https://."), field="video_link")
    if not place and link is None:
        raise ValidationError(_("Give a place, a video link or both."), field="place")
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
    _require_body(actor, need, _("Only the need's own organisation can schedule its dialogue meetings."))
    if not need.is_open:
        raise NotAllowedError(_("Dialogue meetings can only be scheduled while the need is open."))
    meeting = Meeting(need=need, **_check_meeting(draft, now or utcnow()))
    db.session.add(meeting)
    db.session.flush()
    title, need_title = meeting.title, need.title
    starts_at, place = meeting.starts_at, meeting.place
    deadline = meeting.signup_deadline
    notify(
        _followers(need),
        "need_meeting",
        message=lambda: (
            _("Dialogue meeting on “%(title)s”", title=need_title),
            _(
                "%(meeting)s\nWhen: %(when)s\nWhere: %(where)s\nSign up by: %(deadline)s",
                meeting=title,
                when=_moment(starts_at),
                where=place or _("Video meeting"),
                deadline=_moment(deadline),
            ),
        ),
        link=_need_link(need, f"meeting-{meeting.id}"),
        need_id=need.id,
        exclude=actor,
    )
    commit(None)
    return meeting


def get_meeting(meeting_id: int) -> Meeting:
    meeting = db.session.get(Meeting, meeting_id)
    if meeting is None:
        raise NotFoundError(_("No such meeting."))
    return meeting


@dataclass(frozen=True)
class MeetingRow:
    """A meeting as one reader sees it on the need page."""

    meeting: Meeting
    taken: int
    is_full: bool
    is_closed: bool  # the sign-up deadline has passed
    is_past: bool
    own_signup: MeetingSignup | None

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
    own_org = user.organisation_id if _authenticated(user) else None
    rows = []
    for meeting in meetings:
        active = meeting.active_signups
        own = next((s for s in active if own_org is not None and s.organisation_id == own_org), None)
        rows.append(
            MeetingRow(
                meeting=meeting,
                taken=len(active),
                is_full=len(active) >= meeting.capacity,
                is_closed=now > meeting.signup_deadline or need.stage == Stage.CANCELLED,
                is_past=now >= meeting.ends_at,
                own_signup=own,
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
    if meeting.need.stage == Stage.CANCELLED:
        raise SignupClosedError(_("The need is cancelled; the meeting takes no sign-ups."))
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
    if not _authenticated(user) or user.organisation_id is None:
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
    _require_body(actor, meeting.need, _("Only the need's own organisation sees who signed up."))
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
    need_url = _need_link(need, f"meeting-{meeting.id}")
    host = urlparse(need_url).hostname or "behovsborsen"
    details = [need.title, need.organisation.name]
    if meeting.video_link:
        details.append(meeting.video_link)
    if meeting.description:
        details.append(meeting.description)
    details.append(need_url)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Behovsborsen//Dialogue meetings//NB",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.id}@{host}",
        f"DTSTAMP:{_ics_time(now or utcnow())}",
        f"DTSTART:{_ics_time(meeting.starts_at)}",
        f"DTEND:{_ics_time(meeting.ends_at)}",
        f"SUMMARY:{_ics_text(meeting.title)}",
        f"LOCATION:{_ics_text(meeting.place or meeting.video_link or '')}",
        f"DESCRIPTION:{_ics_text(chr(10).join(details))}",
        f"URL:{need_url}",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)


# -- one message to every respondent --------------------------------------------------------------


def respondent_organisation_ids(actor: User, need: Need) -> set[int]:
    """Suppliers that expressed interest or hold a seat at one of the need's meetings."""
    _require_body(actor, need, _("Only the need's own organisation can write to its respondents."))
    responded = sa.select(Response.organisation_id).where(Response.need_id == need.id)
    signed_up = (
        sa.select(MeetingSignup.organisation_id)
        .join(Meeting, Meeting.id == MeetingSignup.meeting_id)
        .where(Meeting.need_id == need.id, MeetingSignup.cancelled_at.is_(None))
    )
    return set(db.session.scalars(sa.union(responded, signed_up)))


def message_respondents(actor: User, need: Need, draft: MessageDraft) -> int:
    """A notice to every user of every respondent organisation; returns how many organisations."""
    _require_body(actor, need, _("Only the need's own organisation can write to its respondents."))
    if not need.is_published:
        raise NotAllowedError(_("A draft has no respondents."))
    subject = _text(draft.subject, SUBJECT_MAX, "subject", _("Give the message a subject."))
    text = _text(draft.text, MESSAGE_MAX, "text", _("Write the message."))
    organisation_ids = respondent_organisation_ids(actor, need)
    if not organisation_ids:
        raise ValidationError(_("No supplier has expressed interest or signed up yet: nobody would get it."))
    users = db.session.scalars(sa.select(User).where(User.organisation_id.in_(organisation_ids)))
    sender, title = need.organisation.name, need.title
    notify(
        users,
        "respondents_message",
        message=lambda: (
            subject,
            _("%(body)s writes to the suppliers interested in “%(title)s”:", body=sender, title=title)
            + "\n\n"
            + text,
        ),
        link=_need_link(need),
        need_id=need.id,
        exclude=actor,
    )
    commit(None)
    return len(organisation_ids)
