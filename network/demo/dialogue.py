"""Demo market dialogue on the demo body's first open need: an answered question, a held meeting with
its minutes, and one-to-one slots, one booked by the demo supplier."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from network.extensions import db
from network.models import Need, Stage, User
from network.services import dialogue

BODY_LOGIN = "kommune@example.no"
SUPPLIER_LOGIN = "leverandor@example.no"
OSLO = ZoneInfo("Europe/Oslo")


def _at(days: int, hour: int) -> datetime:
    """A whole hour in Norwegian time on a weekday, `days` from today (a weekend day moves back to
    the Friday before), as naive UTC like every stored time."""
    day = datetime.now(OSLO).date() + timedelta(days=days)
    day -= timedelta(days=max(0, day.weekday() - 4))
    local = datetime.combine(day, time(hour), tzinfo=OSLO)
    return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def seed_dialogue() -> bool:
    """Through the dialogue services, then moved back in time where a part must have been held.
    False when the demo logins or an open need of the body are missing."""
    body = db.session.scalar(sa.select(User).where(User.email == BODY_LOGIN))
    supplier = db.session.scalar(sa.select(User).where(User.email == SUPPLIER_LOGIN))
    if body is None or supplier is None or body.organisation_id is None:
        return False
    need = db.session.scalars(
        sa.select(Need)
        .where(Need.organisation_id == body.organisation_id, Need.stage == Stage.OPEN)
        .order_by(Need.id)
    ).first()
    if need is None:
        return False
    with current_app.test_request_context():
        question = dialogue.ask_question(
            supplier, need, dialogue.QuestionDraft("Kan løsningen bygge på systemer dere allerede har?")
        )
        dialogue.answer_question(
            body,
            question.id,
            dialogue.AnswerDraft(answer="Ja. Vi ønsker løsninger som kan kobles til dagens fagsystem."),
        )
        start = _at(3, 10)
        held = dialogue.schedule_meeting(
            body,
            need,
            dialogue.MeetingDraft(
                title="Åpent dialogmøte",
                starts_at=start,
                ends_at=start + timedelta(hours=2),
                capacity=30,
                place="Rådhuset, store møterom",
            ),
        )
        upcoming_start = _at(14, 13)
        dialogue.schedule_meeting(
            body,
            need,
            dialogue.MeetingDraft(
                title="Dialogmøte nummer to",
                starts_at=upcoming_start,
                ends_at=upcoming_start + timedelta(hours=2),
                capacity=20,
                place="Rådhuset, store møterom",
                video_link="https://meet.example.no/dialog",
            ),
        )
        slots = dialogue.offer_slots(
            body, need, dialogue.SlotDraft(_at(10, 9), 45, 4, place="Rådhuset, møterom 2")
        )
        dialogue.book_slot(supplier, slots[1].id)
        # The first meeting and the first slot were held a week ago; their minutes are out.
        held.starts_at, held.ends_at = _at(-7, 10), _at(-7, 12)
        held.signup_deadline = held.starts_at
        db.session.commit()
        dialogue.publish_meeting_minutes(
            body,
            held,
            "Tolv leverandører deltok. Vi gikk gjennom behovet og dagens arbeidsflyt. Flere spurte om "
            "integrasjon med fagsystemet; svaret er publisert under spørsmål og svar.",
        )
    return True
