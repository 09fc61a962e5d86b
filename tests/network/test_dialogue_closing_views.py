"""The dialogue closes with the need's stage and with its dialogue deadline: questions, meeting
sign-ups, one-to-one bookings and expressions of interest are refused, the need page says why and
hides their forms, and the body can still answer what was asked before."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from network.extensions import db
from network.models import (
    DialogueSlot,
    MeetingSignup,
    Question,
    Response,
    Role,
    Stage,
    dialogue_ends_at,
    dialogue_is_open,
    utcnow,
)
from network.services import dialogue
from tests.helpers import count, location, text

pytestmark = pytest.mark.usefixtures("english")

CLOSED_STAGES = [Stage.DIALOGUE_CLOSED, Stage.TENDERED, Stage.AWARDED, Stage.CANCELLED]


@pytest.fixture
def body(make):
    return make.public_body(name="Eierkommune")


@pytest.fixture
def owner(make, body):
    return make.user(body, role=Role.MEMBER)


@pytest.fixture
def seller(make):
    return make.user(make.supplier(name="Selgende AS"))


@pytest.fixture
def need(make, body):
    return make.need(body, title="Digitalt tilsyn for hjemmeboende")


@pytest.fixture
def meeting(app, need, owner):
    start = utcnow().replace(microsecond=0) + timedelta(days=10)
    draft = dialogue.MeetingDraft(
        title="Dialogmøte", starts_at=start, ends_at=start + timedelta(hours=2), capacity=5, place="Rådhuset"
    )
    with app.test_request_context():
        return dialogue.schedule_meeting(owner, need, draft)


@pytest.fixture
def slot(app, need, owner):
    start = utcnow().replace(microsecond=0) + timedelta(days=9)
    with app.test_request_context():
        return dialogue.offer_slots(owner, need, dialogue.SlotDraft(start, 45, 1, place="Rådhuset"))[0]


def close_by_stage(need, stage):
    need.stage = stage
    db.session.commit()


def close_by_deadline(need):
    # Yesterday in Norway: the deadline's day has ended.
    need.deadline = datetime.now(ZoneInfo("Europe/Oslo")).date() - timedelta(days=1)
    db.session.commit()


def try_everything(client, need, meeting, slot):
    return {
        "question": client.post(f"/needs/{need.id}/questions", data={"question-text": "Hva med data?"}),
        "signup": client.post(f"/meetings/{meeting.id}/signup"),
        "booking": client.post(f"/slots/{slot.id}/book"),
        "interest": client.post(f"/needs/{need.id}/responses", data={"message": "Vi kan hjelpe."}),
    }


def assert_nothing_taken():
    assert count(Question) == 0
    assert count(MeetingSignup) == 0
    assert count(DialogueSlot, DialogueSlot.organisation_id.is_not(None)) == 0
    assert count(Response) == 0


@pytest.mark.parametrize("stage", CLOSED_STAGES)
def test_a_need_moved_on_takes_no_question_signup_booking_or_interest(
    login, need, meeting, slot, seller, stage
):
    close_by_stage(need, stage)
    client = login(seller)

    answers = try_everything(client, need, meeting, slot)

    assert answers["question"].status_code == 403
    assert "the need is no longer open" in text(answers["question"])
    assert answers["booking"].status_code == 403
    assert answers["interest"].status_code == 403
    assert answers["signup"].status_code == 302
    assert_nothing_taken()


@pytest.mark.parametrize("stage", CLOSED_STAGES)
def test_the_need_page_says_why_and_hides_the_forms(login, need, meeting, slot, seller, stage):
    close_by_stage(need, stage)
    page = text(login(seller).get(f"/needs/{need.id}"))

    assert 'id="dialogue-closed"' in page
    assert "The dialogue is closed: the need is now" in page
    assert 'name="question-text"' not in page
    assert f"/meetings/{meeting.id}/signup" not in page
    assert f"/slots/{slot.id}/book" not in page
    assert 'name="message"' not in page  # the expression of interest
    assert "Sign-up is closed." in page


def test_the_dialogue_closes_when_its_deadline_day_has_ended(login, need, meeting, slot, seller):
    close_by_deadline(need)
    client = login(seller)

    answers = try_everything(client, need, meeting, slot)

    assert answers["question"].status_code == 403
    assert "its deadline has passed" in text(answers["question"])
    assert answers["booking"].status_code == 403
    assert answers["interest"].status_code == 403
    assert_nothing_taken()
    page = text(client.get(f"/needs/{need.id}"))
    assert "The dialogue closed when its deadline" in page
    assert 'name="question-text"' not in page
    assert 'name="message"' not in page


def test_on_the_deadline_day_itself_the_dialogue_is_still_open(login, need, meeting, slot, seller):
    need.deadline = datetime.now(ZoneInfo("Europe/Oslo")).date()
    db.session.commit()
    client = login(seller)

    answers = try_everything(client, need, meeting, slot)

    assert {name: r.status_code for name, r in answers.items()} == dict.fromkeys(answers, 302)
    assert count(Question) == 1
    assert count(MeetingSignup) == 1
    assert count(Response) == 1
    assert 'id="dialogue-closed"' not in text(client.get(f"/needs/{need.id}"))


def test_an_anonymous_visitor_is_not_asked_to_log_in_to_a_closed_dialogue(client, need, meeting, slot):
    close_by_deadline(need)
    page = text(client.get(f"/needs/{need.id}"))
    assert "The dialogue closed when its deadline" in page
    assert "to express interest in this need" not in page
    assert "to ask the public body a question" not in page
    assert "to book a slot" not in page


def test_the_deadline_ends_at_midnight_in_norway():
    class Need:
        stage = Stage.OPEN
        deadline = date(2030, 6, 1)

    # Summer time: midnight in Oslo is 22:00 UTC the day before.
    assert dialogue_ends_at(Need) == datetime(2030, 6, 1, 22, 0)
    assert dialogue_is_open(Need, datetime(2030, 6, 1, 21, 59))
    assert not dialogue_is_open(Need, datetime(2030, 6, 1, 22, 0))
    Need.deadline = date(2030, 1, 15)
    assert dialogue_ends_at(Need) == datetime(2030, 1, 15, 23, 0)


def test_the_body_still_answers_a_question_asked_before_the_dialogue_closed(app, login, need, owner, seller):
    with app.test_request_context():
        question = dialogue.ask_question(seller, need, dialogue.QuestionDraft("Hva med data?"))
    close_by_stage(need, Stage.AWARDED)
    client = login(owner)
    page = text(client.get(f"/needs/{need.id}"))
    assert "You can still answer the questions asked before" in page
    assert f"/questions/{question.id}/answer" in page

    response = client.post(
        f"/questions/{question.id}/answer",
        data={f"answer-{question.id}-text": "Hva med data?", f"answer-{question.id}-answer": "De er deres."},
    )

    assert location(response).endswith(f"#question-{question.id}")
    assert "De er deres." in text(client.get(f"/needs/{need.id}"))


def test_the_body_cannot_schedule_meetings_or_offer_slots_once_closed(login, need, owner):
    close_by_deadline(need)
    client = login(owner)
    page = text(client.get(f"/needs/{need.id}"))
    assert 'id="meeting-form"' not in page
    assert 'id="slot-form"' not in page
    assert client.get(f"/needs/{need.id}/slots").status_code == 302
    assert client.get(f"/needs/{need.id}/meetings").status_code == 302
