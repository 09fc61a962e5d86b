"""The dialogue pages through the test client: status codes, redirects, who is turned away, and that
the asker of a question is never shown in public."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from network.extensions import db
from network.models import Meeting, MeetingSignup, Notification, Question, Role, Stage, utcnow
from network.services import dialogue
from network.services import responses as responses_service
from tests.helpers import count, location, text

QUESTION = "Kan Spørrende AS sin sensor fra 2019 brukes, eller må den være CE-merket på nytt?"
REWORDED = "Må eksisterende sensorer CE-merkes på nytt?"
ANSWER = "Nei, eksisterende CE-merking holder."

# Next June: in the future, and within the years the time zone tables know summer time for.
YEAR = utcnow().year + 1
MEETING_FORM = {
    "meeting-title": "Dialogmøte i Oslo",
    "meeting-starts_at": f"{YEAR}-06-01T10:00",
    "meeting-ends_at": f"{YEAR}-06-01T12:00",
    "meeting-place": "Rådhuset",
    "meeting-video_link": "",
    "meeting-capacity": "2",
    "meeting-signup_deadline": f"{YEAR}-05-30T16:00",
    "meeting-description": "",
}


def readable(response) -> str:
    """A JSON answer as text with its non-ASCII letters as themselves (the API escapes them)."""
    return json.dumps(response.get_json(), ensure_ascii=False)


def field_error(page: str, field_id: str) -> str:
    found = re.search(rf'id="{field_id}-error"[^>]*>(.*?)</p>', page, re.S)
    return found.group(1).strip() if found else ""


pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def body(make):
    return make.public_body(name="Eierkommune")


@pytest.fixture
def owner(make, body):
    return make.user(body, role=Role.MEMBER, name="Olav Eier")


@pytest.fixture
def need(make, body):
    return make.need(body, title="Digitalt tilsyn for hjemmeboende")


@pytest.fixture
def asker(make):
    org = make.supplier(name="Spørrende AS")
    return make.user(org, name="Siri Spørsmålsstiller", email="siri@sporrende.example.no")


@pytest.fixture
def question(app, need, asker):
    return dialogue.ask_question(asker, need, dialogue.QuestionDraft(QUESTION))


@pytest.fixture
def meeting(app, need, owner):
    start = utcnow().replace(microsecond=0) + timedelta(days=10)
    draft = dialogue.MeetingDraft(
        title="Dialogmøte om tilsyn",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=2,
        signup_deadline=start - timedelta(days=1),
        place="Rådhuset",
        video_link="https://meet.example.no/hemmelig-rom",
    )
    with app.test_request_context():
        return dialogue.schedule_meeting(owner, need, draft)


def answer(app, owner, question, reworded=REWORDED):
    with app.test_request_context():
        dialogue.answer_question(owner, question.id, dialogue.AnswerDraft(answer=ANSWER, text=reworded))


# -- anonymous visitors ---------------------------------------------------------------------------


def test_every_dialogue_route_asks_an_anonymous_visitor_to_log_in(client, need, question, meeting):
    routes = [
        ("get", f"/needs/{need.id}/questions"),
        ("post", f"/needs/{need.id}/questions"),
        ("get", f"/questions/{question.id}/answer"),
        ("post", f"/questions/{question.id}/answer"),
        ("get", f"/needs/{need.id}/meetings"),
        ("post", f"/needs/{need.id}/meetings"),
        ("get", f"/meetings/{meeting.id}"),
        ("post", f"/meetings/{meeting.id}/signup"),
        ("post", f"/meetings/{meeting.id}/cancel"),
        ("get", f"/meetings/{meeting.id}/calendar.ics"),
        ("get", f"/needs/{need.id}/message"),
        ("post", f"/needs/{need.id}/message"),
    ]
    for method, url in routes:
        response = client.open(url, method=method.upper(), data={"question-text": "Hei", "subject": "x"})
        assert response.status_code == 302, url
        assert "/login?next=" in response.headers["Location"], url
    assert count(Question) == 1
    assert count(MeetingSignup) == 0


# -- questions --------------------------------------------------------------------------------------


def test_a_supplier_asks_from_the_need_page(login, need, asker):
    client = login(asker)
    page = text(client.get(f"/needs/{need.id}"))
    assert 'name="question-text"' in page

    response = client.post(f"/needs/{need.id}/questions", data={"question-text": QUESTION})

    assert location(response).endswith(f"/needs/{need.id}#questions")
    page = text(client.get(f"/needs/{need.id}"))
    assert "Your questions waiting for an answer" in page
    assert QUESTION in page


def test_an_empty_question_comes_back_with_the_error_next_to_the_field(login, need, asker):
    client = login(asker)
    assert client.get(f"/needs/{need.id}/questions").status_code == 200

    response = client.post(f"/needs/{need.id}/questions", data={"question-text": "  "})

    assert response.status_code == 422
    assert field_error(text(response), "question-text")
    assert count(Question) == 0


@pytest.mark.parametrize("kind", ["own_body", "unverified_body", "no_organisation"])
def test_who_may_not_ask_is_turned_away(login, make, body, need, kind):
    user = {
        "own_body": lambda: make.user(body),
        "unverified_body": lambda: make.user(make.public_body(verified=False)),
        "no_organisation": lambda: make.user(None, role=Role.MEMBER),
    }[kind]()
    client = login(user)

    assert client.post(f"/needs/{need.id}/questions", data={"question-text": QUESTION}).status_code == 403
    assert client.get(f"/needs/{need.id}/questions").status_code == 403
    assert 'name="question-text"' not in text(client.get(f"/needs/{need.id}"))
    assert count(Question) == 0


def test_an_unverified_body_is_told_why_it_cannot_ask(login, make, need):
    client = login(make.user(make.public_body(verified=False)))
    assert "once an administrator has verified it" in text(client.get(f"/needs/{need.id}"))


def test_questions_on_another_bodys_draft_are_missing(login, make, asker):
    draft = make.need(stage=Stage.DRAFT)
    client = login(asker)
    assert client.post(f"/needs/{draft.id}/questions", data={"question-text": QUESTION}).status_code == 404
    assert client.get("/needs/999/questions").status_code == 404


def test_the_body_sees_the_asking_organisation_and_answers_with_new_wording(
    app, login, need, owner, question
):
    client = login(owner)
    page = text(client.get(f"/needs/{need.id}"))
    assert "Questions waiting for your answer" in page
    assert "Asked by Spørrende AS" in page
    assert f'name="answer-{question.id}-answer"' in page
    form_page = client.get(f"/questions/{question.id}/answer")
    assert form_page.status_code == 200
    assert QUESTION in text(form_page)

    response = client.post(
        f"/questions/{question.id}/answer",
        data={
            f"answer-{question.id}-text": REWORDED,
            f"answer-{question.id}-answer": ANSWER,
            "action": "answer",
        },
    )

    assert location(response).endswith(f"/needs/{need.id}#question-{question.id}")
    db.session.expire_all()
    stored = db.session.get(Question, question.id)
    assert (stored.text, stored.answer, stored.original_text) == (REWORDED, ANSWER, QUESTION)
    assert stored.is_answered
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Notification)
            .where(Notification.kind == "question_answered")
        )
        == 1
    )


def test_saving_the_wording_only_does_not_answer(login, need, owner, question):
    client = login(owner)
    response = client.post(
        f"/questions/{question.id}/answer",
        data={f"answer-{question.id}-text": REWORDED, f"answer-{question.id}-answer": "", "action": "reword"},
    )
    location(response)
    db.session.expire_all()
    stored = db.session.get(Question, question.id)
    assert (stored.text, stored.is_answered) == (REWORDED, False)


def test_an_empty_answer_comes_back_with_the_error_next_to_the_field(login, owner, question):
    client = login(owner)
    response = client.post(
        f"/questions/{question.id}/answer",
        data={
            f"answer-{question.id}-text": QUESTION,
            f"answer-{question.id}-answer": " ",
            "action": "answer",
        },
    )
    assert response.status_code == 422
    assert field_error(text(response), f"answer-{question.id}-answer")


@pytest.mark.parametrize("kind", ["asker", "other_supplier", "other_body"])
def test_only_the_body_answers(login, make, question, asker, kind):
    user = {
        "asker": lambda: asker,
        "other_supplier": lambda: make.user(make.supplier()),
        "other_body": lambda: make.user(make.public_body()),
    }[kind]()
    client = login(user)
    data = {
        f"answer-{question.id}-text": "Kapret",
        f"answer-{question.id}-answer": "Kapret",
        "action": "answer",
    }

    assert client.get(f"/questions/{question.id}/answer").status_code == 403
    assert client.post(f"/questions/{question.id}/answer", data=data).status_code == 403
    assert client.get("/questions/999/answer").status_code == 404
    db.session.expire_all()
    assert db.session.get(Question, question.id).answer is None


def test_unanswered_questions_are_hidden_from_everyone_else(client, login, make, need, question):
    assert QUESTION not in text(client.get(f"/needs/{need.id}"))
    other = login(make.user(make.supplier()))
    assert QUESTION not in text(other.get(f"/needs/{need.id}"))


def test_the_asker_is_never_shown_publicly_once_answered(
    app, client, login, make, need, owner, asker, question
):
    answer(app, owner, question, reworded=REWORDED)
    secrets = (asker.name, asker.email, "Spørrende AS", QUESTION)

    page = client.get(f"/needs/{need.id}")
    api = client.get(f"/api/needs/{need.id}")

    html = text(page)
    assert page.status_code == 200
    assert REWORDED in html
    assert ANSWER in html
    assert [s for s in secrets if s in html] == []
    assert api.status_code == 200
    assert api.get_json()["questions"] == [
        {"text": REWORDED, "answer": ANSWER, "answered_at": api.get_json()["questions"][0]["answered_at"]}
    ]
    assert [s for s in secrets if s in readable(api)] == []
    listing = readable(client.get("/api/needs"))
    assert REWORDED in listing
    assert [s for s in secrets if s in listing] == []
    # Another supplier, logged in, sees no more than the anonymous visitor.
    other = login(make.user(make.supplier(name="Konkurrent AS")))
    other_html = text(other.get(f"/needs/{need.id}"))
    assert REWORDED in other_html
    assert [s for s in secrets if s in other_html] == []


# -- meetings ---------------------------------------------------------------------------------------


def test_the_body_schedules_a_meeting_in_norwegian_time(login, need, owner):
    client = login(owner)
    page = text(client.get(f"/needs/{need.id}"))
    assert 'id="meeting-form"' in page
    assert client.get(f"/needs/{need.id}/meetings").status_code == 200

    response = client.post(f"/needs/{need.id}/meetings", data=MEETING_FORM)

    meeting = db.session.scalar(sa.select(Meeting))
    assert location(response).endswith(f"/needs/{need.id}#meeting-{meeting.id}")
    # 10:00 in Oslo in June is 08:00 UTC.
    assert meeting.starts_at == datetime(YEAR, 6, 1, 8, 0)
    assert meeting.signup_deadline == datetime(YEAR, 5, 30, 14, 0)
    page = text(client.get(f"/needs/{need.id}"))
    assert "Dialogmøte i Oslo" in page
    assert "10:00" in page


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"meeting-ends_at": f"{YEAR}-06-01T09:00"}, "meeting-ends_at"),
        ({"meeting-starts_at": "2001-06-01T10:00", "meeting-signup_deadline": ""}, "meeting-starts_at"),
        ({"meeting-signup_deadline": f"{YEAR}-06-02T10:00"}, "meeting-signup_deadline"),
        ({"meeting-capacity": "0"}, "meeting-capacity"),
        ({"meeting-capacity": "9" * 400}, "meeting-capacity"),
        ({"meeting-place": "", "meeting-video_link": ""}, "meeting-place"),
        ({"meeting-video_link": "http://meet.example.no/x"}, "meeting-video_link"),
        ({"meeting-starts_at": "i morgen"}, "meeting-starts_at"),
    ],
)
def test_a_wrong_meeting_comes_back_with_the_error_next_to_the_field(login, need, owner, changes, field):
    client = login(owner)
    response = client.post(f"/needs/{need.id}/meetings", data={**MEETING_FORM, **changes})
    assert response.status_code == 422
    assert field_error(text(response), field), text(response)[:2000]
    assert count(Meeting) == 0


@pytest.mark.parametrize("kind", ["supplier", "other_body"])
def test_only_the_body_schedules_and_sees_the_sign_up_list(login, make, need, meeting, kind):
    user = make.user(make.supplier()) if kind == "supplier" else make.user(make.public_body())
    client = login(user)
    assert client.get(f"/needs/{need.id}/meetings").status_code == 403
    assert client.post(f"/needs/{need.id}/meetings", data=MEETING_FORM).status_code == 403
    assert client.get(f"/meetings/{meeting.id}").status_code == 403
    assert client.get("/meetings/999").status_code == 404
    assert count(Meeting) == 1


def test_suppliers_sign_up_until_full_and_the_next_sees_full(login, make, need, owner, meeting):
    first, second, third = (make.user(make.supplier(name=f"Leverandør {n}")) for n in "ABC")
    for user in (first, second):
        client = login(user)
        response = client.post(f"/meetings/{meeting.id}/signup")
        assert location(response).endswith(f"/needs/{need.id}#meeting-{meeting.id}")
        page = text(client.get(f"/needs/{need.id}"))
        assert f'href="/meetings/{meeting.id}/calendar.ics"' in page
        assert "https://meet.example.no/hemmelig-rom" in page  # the link is for those signed up
        client.post("/logout")

    client = login(third)
    page = text(client.get(f"/needs/{need.id}"))
    assert "The meeting is full." in page
    assert f'action="/meetings/{meeting.id}/signup"' not in page
    assert "https://meet.example.no/hemmelig-rom" not in page
    response = client.post(f"/meetings/{meeting.id}/signup", follow_redirects=True)
    assert "The meeting is full." in text(response)
    assert count(MeetingSignup) == 2
    client.post("/logout")

    body_page = login(owner).get(f"/meetings/{meeting.id}")
    assert body_page.status_code == 200
    assert "Leverandør A" in text(body_page)
    assert "Leverandør B" in text(body_page)
    assert first.email in text(body_page)


def test_an_anonymous_visitor_sees_the_meeting_but_not_its_video_link(client, need, meeting):
    page = text(client.get(f"/needs/{need.id}"))
    assert "Dialogmøte om tilsyn" in page
    assert "0 of 2 seats taken" in page
    assert "hemmelig-rom" not in page


def test_a_supplier_cancels_its_seat(login, make, need, meeting):
    client = login(make.user(make.supplier()))
    client.post(f"/meetings/{meeting.id}/signup")
    assert f'action="/meetings/{meeting.id}/cancel"' in text(client.get(f"/needs/{need.id}"))

    response = client.post(f"/meetings/{meeting.id}/cancel")

    location(response)
    assert db.session.scalar(sa.select(MeetingSignup)).cancelled_at is not None
    assert client.get(f"/meetings/{meeting.id}/calendar.ics").status_code == 403


def test_sign_up_after_the_deadline_is_refused_with_a_message(login, make, meeting):
    meeting.signup_deadline = utcnow() - timedelta(minutes=1)
    db.session.commit()
    client = login(make.user(make.supplier()))
    response = client.post(f"/meetings/{meeting.id}/signup", follow_redirects=True)
    assert "The sign-up deadline for this meeting has passed." in text(response)
    assert count(MeetingSignup) == 0


@pytest.mark.parametrize("kind", ["own_body", "other_body"])
def test_public_bodies_cannot_sign_up(login, make, body, meeting, kind):
    user = make.user(body) if kind == "own_body" else make.user(make.public_body())
    assert login(user).post(f"/meetings/{meeting.id}/signup").status_code == 403
    assert count(MeetingSignup) == 0


def test_cancelling_without_a_seat_is_refused(login, make, meeting):
    assert login(make.user(make.supplier())).post(f"/meetings/{meeting.id}/cancel").status_code == 403


def test_the_calendar_file_is_served_to_the_signed_up_and_the_body(login, make, owner, meeting):
    seller = make.user(make.supplier())
    client = login(seller)
    client.post(f"/meetings/{meeting.id}/signup")

    response = client.get(f"/meetings/{meeting.id}/calendar.ics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert f'filename="meeting-{meeting.id}.ics"' in response.headers["Content-Disposition"]
    assert response.data.startswith(b"BEGIN:VCALENDAR\r\n")
    assert b"SUMMARY:Dialogm\xc3\xb8te om tilsyn\r\n" in response.data
    client.post("/logout")
    assert login(owner).get(f"/meetings/{meeting.id}/calendar.ics").status_code == 200
    client.post("/logout")
    assert login(make.user(make.supplier())).get(f"/meetings/{meeting.id}/calendar.ics").status_code == 403


# -- writing to every respondent ----------------------------------------------------------------------


def test_the_body_writes_to_every_respondent(app, login, make, need, owner):
    seller = make.user(make.supplier())
    with app.test_request_context():
        responses_service.submit_response(seller, need, responses_service.ResponseDraft("Vi kan hjelpe."))
    client = login(owner)
    assert f'href="/needs/{need.id}/message"' in text(client.get(f"/needs/{need.id}"))
    page = client.get(f"/needs/{need.id}/message")
    assert page.status_code == 200
    assert "1 organisation" in text(page)

    response = client.post(
        f"/needs/{need.id}/message", data={"subject": "Ny frist", "text": "Fristen er 1. mai."}
    )

    assert location(response).endswith(f"/needs/{need.id}#dialogue")
    flashed = text(client.get(f"/needs/{need.id}"))
    assert "Your message was sent to 1 organisation." in flashed
    received = db.session.scalars(
        sa.select(Notification).where(Notification.kind == "respondents_message")
    ).all()
    assert [(n.user_id, n.subject) for n in received] == [(seller.id, f"Ny frist – «{need.title}»")]


def test_a_message_without_text_comes_back_with_the_error(app, login, make, need, owner):
    with app.test_request_context():
        responses_service.submit_response(
            make.user(make.supplier()), need, responses_service.ResponseDraft("Vi kan hjelpe.")
        )
    response = login(owner).post(f"/needs/{need.id}/message", data={"subject": "Ny frist", "text": ""})
    assert response.status_code == 422
    assert field_error(text(response), "text")


def test_with_no_respondents_the_message_page_says_so(login, need, owner):
    page = login(owner).get(f"/needs/{need.id}/message")
    assert page.status_code == 200
    assert "there is nobody to write to" in text(page)
    assert 'name="subject"' not in text(page)


@pytest.mark.parametrize("kind", ["supplier", "other_body"])
def test_only_the_body_writes_to_the_respondents(login, make, need, kind):
    user = make.user(make.supplier()) if kind == "supplier" else make.user(make.public_body())
    client = login(user)
    assert client.get(f"/needs/{need.id}/message").status_code == 403
    assert client.post(f"/needs/{need.id}/message", data={"subject": "x", "text": "y"}).status_code == 403
    assert count(Notification) == 0


def test_a_draft_shows_no_dialogue_and_its_routes_are_missing_for_others(login, make, body):
    draft = make.need(body, stage=Stage.DRAFT)
    assert 'id="dialogue"' not in text(login(make.user(body)).get(f"/needs/{draft.id}"))
    outsider = login(make.user(make.supplier()))
    assert outsider.get(f"/needs/{draft.id}/message").status_code == 404
    assert outsider.get(f"/needs/{draft.id}/meetings").status_code == 404
