"""Public questions and answers on a need."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from network import signals
from network.errors import NotAllowedError
from network.extensions import db
from network.models import Need, Question, User, utcnow
from network.services import commit, get_or_not_found
from network.services.dialogue.access import (
    authenticated,
    checked_text,
    closed_message,
    is_need_body,
    may_ask_as,
    need_link,
    require_body,
    takes_questions,
)
from network.services.notifications import followers_of, notify

QUESTION_MAX = 5000
ANSWER_MAX = 20000


@dataclass(frozen=True)
class QuestionDraft:
    text: str


@dataclass(frozen=True)
class AnswerDraft:
    answer: str
    # The question as it will be published; None keeps the current wording.
    text: str | None = None


def require_may_ask(actor: User, need: Need) -> None:
    """Raise the reason this user may not ask on this need (what can_ask says, with the why)."""
    if actor.belongs_to(need.organisation_id):
        raise NotAllowedError(_("You cannot ask questions on your own organisation's need."))
    if not may_ask_as(actor.organisation):
        raise NotAllowedError(_("Only suppliers and verified public bodies can ask questions on a need."))
    if not takes_questions(need):
        raise NotAllowedError(closed_message(need))


def ask_question(actor: User, need: Need, draft: QuestionDraft) -> Question:
    require_may_ask(actor, need)
    text = checked_text(draft.text, QUESTION_MAX, "text", _("Write your question."))
    question = Question(
        need=need,
        asker_id=actor.id,
        asker_organisation_id=actor.organisation_id,
        original_text=text,
        text=text,
    )
    db.session.add(question)
    db.session.flush()
    signals.question_asked.send(actor, question=question)
    commit(None)
    return question


def get_question(question_id: int) -> Question:
    return get_or_not_found(Question, question_id, _("No such question."))


def reword_question(actor: User, question_id: int, text: str) -> Question:
    """The body rewords a question (to remove what identifies the asker) without answering it yet."""
    question = get_question(question_id)
    require_body(actor, question.need, _("Only the need's own organisation can edit its questions."))
    question.text = checked_text(text, QUESTION_MAX, "text", _("The question cannot be empty."))
    commit(None)
    return question


def answer_question(actor: User, question_id: int, draft: AnswerDraft) -> Question:
    """Publish (or correct) the answer. The first answer tells the asker and the need's followers."""
    question = get_question(question_id)
    need = question.need
    require_body(actor, need, _("Only the need's own organisation can answer its questions."))
    if draft.text is not None:
        question.text = checked_text(draft.text, QUESTION_MAX, "text", _("The question cannot be empty."))
    question.answer = checked_text(draft.answer, ANSWER_MAX, "answer", _("Write an answer."))
    first_answer = question.answered_at is None
    question.answered_by_id = actor.id
    if first_answer:
        question.answered_at = utcnow()
        _tell_about_answer(actor, question)
    commit(None)
    return question


def _tell_about_answer(actor: User, question: Question) -> None:
    need = question.need
    link = need_link(need, f"question-{question.id}")
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
    followers = [u for u in followers_of(need) if asker is None or u.id != asker.id]
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
    elif authenticated(user):
        visible = sa.or_(visible, Question.asker_id == user.id)
    query = sa.select(Question).where(Question.need_id == need.id, visible).order_by(Question.id)
    if body:
        query = query.options(selectinload(Question.asker_organisation))
    for question in db.session.scalars(query):
        (lists.public if question.is_answered else lists.unanswered).append(question)
    lists.public.sort(key=lambda q: (q.answered_at, q.id))
    return lists
