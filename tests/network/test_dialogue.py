"""Early market dialogue through its services: who may ask, answer, see, schedule, sign up, cancel,
download the calendar file and write to every respondent."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from network.errors import ConflictError, NotAllowedError, NotFoundError, ValidationError
from network.extensions import db
from network.models import Follow, MeetingSignup, Notification, Question, Role, Stage, utcnow
from network.services import dialogue
from network.services import responses as responses_service
from network.views import dialogue as dialogue_views

QUESTION = "Kan løsningen integreres med Gerica, og hvilke data må leverandøren ha tilgang til?"


@pytest.fixture(autouse=True)
def _request(app):
    # Notices carry absolute links to the need's page: a request context lets url_for build them.
    with app.test_request_context():
        yield


@pytest.fixture
def body(make):
    return make.public_body(name="Eierkommune")


@pytest.fixture
def need(make, body):
    return make.need(body, title="Digitalt tilsyn for hjemmeboende")


@pytest.fixture
def owner(make, body):
    return make.user(body, role=Role.MEMBER)


@pytest.fixture
def seller(make):
    return make.user(make.supplier(name="Spørrende AS"), name="Siri Spør", email="siri@sporrende.no")


DIALOGUE_KINDS = ("question_answered", "need_answer", "need_meeting", "respondents_message")


def notices(*kinds: str) -> list[Notification]:
    """The notices of these kinds (by default every kind this part of the site sends)."""
    query = sa.select(Notification).where(Notification.kind.in_(kinds or DIALOGUE_KINDS))
    return list(db.session.scalars(query.order_by(Notification.id)))


def follow(user, need) -> None:
    db.session.add(Follow(user_id=user.id, need_id=need.id))
    db.session.commit()


def ask(user, need, text=QUESTION) -> Question:
    return dialogue.ask_question(user, need, dialogue.QuestionDraft(text))


def meeting_draft(**changes) -> dialogue.MeetingDraft:
    start = utcnow().replace(microsecond=0) + timedelta(days=14)
    values = {
        "title": "Dialogmøte om digitalt tilsyn",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "capacity": 2,
        "signup_deadline": start - timedelta(days=2),
        "place": "Rådhuset, møterom 3",
        "video_link": None,
        "description": "",
    }
    values.update(changes)
    return dialogue.MeetingDraft(**values)


def suppliers(make, n: int) -> list:
    return [make.user(make.supplier()) for _ in range(n)]


# -- asking -----------------------------------------------------------------------------------


def test_a_supplier_asks_and_only_it_and_the_body_see_the_unanswered_question(make, need, owner, seller):
    question = ask(seller, need)

    assert question.original_text == question.text == QUESTION
    assert question.asker_organisation_id == seller.organisation_id
    assert dialogue.public_questions(need) == []
    assert dialogue.questions_for(None, need).unanswered == []
    assert dialogue.questions_for(seller, need).unanswered == [question]
    assert dialogue.questions_for(owner, need).unanswered == [question]
    for outsider in (
        make.user(seller.organisation),  # a colleague: the asker is the user, not the organisation
        make.user(make.supplier()),
        make.user(make.public_body()),
        make.user(site_admin=True),
    ):
        assert dialogue.questions_for(outsider, need).unanswered == [], outsider


def test_a_verified_public_body_may_ask_on_another_bodys_need(make, need):
    peer = make.user(make.public_body(verified=True))
    assert dialogue.can_ask(peer, need)
    assert ask(peer, need).asker_organisation_id == peer.organisation_id


@pytest.mark.parametrize(
    "kind", ["unverified_body", "no_organisation", "site_admin", "own_admin", "own_member"]
)
def test_who_may_not_ask(make, need, body, kind):
    user = {
        "unverified_body": lambda: make.user(make.public_body(verified=False)),
        "no_organisation": lambda: make.user(None, role=Role.MEMBER),
        "site_admin": lambda: make.user(site_admin=True),
        "own_admin": lambda: make.user(body, role=Role.ADMIN),
        "own_member": lambda: make.user(body, role=Role.MEMBER),
    }[kind]()

    assert not dialogue.can_ask(user, need)
    with pytest.raises(NotAllowedError):
        ask(user, need)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Question)) == 0


@pytest.mark.parametrize("stage", [Stage.DRAFT, Stage.CANCELLED])
def test_no_questions_on_drafts_or_cancelled_needs(make, seller, stage):
    need = make.need(stage=stage)
    assert not dialogue.can_ask(seller, need)
    with pytest.raises(NotAllowedError):
        ask(seller, need)


@pytest.mark.parametrize("stage", [Stage.DIALOGUE_CLOSED, Stage.TENDERED, Stage.AWARDED, Stage.CANCELLED])
def test_questions_close_with_the_needs_stage(make, seller, stage):
    need = make.need(stage=stage)
    with pytest.raises(NotAllowedError):
        ask(seller, need)


@pytest.mark.parametrize("text", ["", "   \n ", "x" * (dialogue.QUESTION_MAX + 1)])
def test_an_empty_or_overlong_question_is_refused(need, seller, text):
    with pytest.raises(ValidationError) as caught:
        ask(seller, need, text)
    assert caught.value.field == "text"


# -- answering --------------------------------------------------------------------------------


def test_the_body_rewords_and_answers_and_everyone_sees_the_new_wording(need, owner, seller):
    question = ask(seller, need, "Vi i Spørrende AS lurer på: kan dere bruke Gerica?")
    reworded = "Kan løsningen brukes sammen med Gerica?"

    dialogue.answer_question(owner, question.id, dialogue.AnswerDraft(answer="Ja, via API.", text=reworded))

    public = dialogue.public_questions(need)
    assert [(q.text, q.answer) for q in public] == [(reworded, "Ja, via API.")]
    assert public[0].original_text == "Vi i Spørrende AS lurer på: kan dere bruke Gerica?"
    assert public[0].answered_by_id == owner.id
    assert dialogue.questions_for(None, need).public == public
    assert dialogue.questions_for(seller, need).unanswered == []


def test_rewording_alone_keeps_the_question_private(need, owner, seller):
    question = ask(seller, need)
    dialogue.reword_question(owner, question.id, "Kortere spørsmål?")

    assert question.text == "Kortere spørsmål?"
    assert question.original_text == QUESTION
    assert not question.is_answered
    assert dialogue.public_questions(need) == []
    with pytest.raises(ValidationError):
        dialogue.reword_question(owner, question.id, "  ")


def test_only_the_needs_body_answers_or_rewords(make, need, seller):
    question = ask(seller, need)
    for outsider in (
        seller,
        make.user(make.supplier()),
        make.user(make.public_body()),
        make.user(site_admin=True),
        make.user(None, role=Role.MEMBER),
    ):
        with pytest.raises(NotAllowedError):
            dialogue.answer_question(outsider, question.id, dialogue.AnswerDraft(answer="Nei", text="Endret"))
        with pytest.raises(NotAllowedError):
            dialogue.reword_question(outsider, question.id, "Endret")
    db.session.expire_all()
    assert (question.text, question.answer, question.answered_at) == (QUESTION, None, None)
    assert notices() == []


def test_an_answer_cannot_be_empty(need, owner, seller):
    question = ask(seller, need)
    with pytest.raises(ValidationError) as caught:
        dialogue.answer_question(owner, question.id, dialogue.AnswerDraft(answer="  "))
    assert caught.value.field == "answer"
    assert not question.is_answered


def test_a_missing_question_is_not_found(owner):
    with pytest.raises(NotFoundError):
        dialogue.answer_question(owner, 999, dialogue.AnswerDraft(answer="Ja"))


def test_answering_tells_the_asker_and_the_followers_once(make, need, body, owner, seller):
    follower = make.user(make.supplier())
    follow(follower, need)
    follow(seller, need)  # the asker follows too, and still gets one notice
    follow(owner, need)  # the one who answers is not told about their own answer
    question = ask(seller, need)

    dialogue.answer_question(owner, question.id, dialogue.AnswerDraft(answer="Ja, via API."))

    assert [(n.user_id, n.kind) for n in notices()] == [
        (seller.id, "question_answered"),
        (follower.id, "need_answer"),
    ]
    assert all(n.need_id == need.id and n.link.endswith(f"#question-{question.id}") for n in notices())
    assert "Ja, via API." in notices()[0].body

    # Correcting the answer later changes the page, not the inboxes.
    dialogue.answer_question(owner, question.id, dialogue.AnswerDraft(answer="Ja, via åpent API."))
    assert len(notices()) == 2
    assert dialogue.public_questions(need)[0].answer == "Ja, via åpent API."


# -- meetings: scheduling -----------------------------------------------------------------------


def test_the_body_schedules_a_meeting_and_followers_are_told(make, need, owner):
    follower = make.user(make.supplier())
    follow(follower, need)
    follow(owner, need)

    meeting = dialogue.schedule_meeting(owner, need, meeting_draft(video_link="https://meet.example.no/x"))

    assert meeting.capacity == 2
    assert meeting.video_link == "https://meet.example.no/x"
    assert [(n.user_id, n.kind) for n in notices()] == [(follower.id, "need_meeting")]
    assert meeting.title in notices()[0].body
    assert notices()[0].link.endswith(f"#meeting-{meeting.id}")


def test_the_sign_up_deadline_defaults_to_the_start(need, owner):
    meeting = dialogue.schedule_meeting(owner, need, meeting_draft(signup_deadline=None))
    assert meeting.signup_deadline == meeting.starts_at


def test_only_the_body_schedules_and_only_while_the_need_is_open(make, need, body, seller):
    for outsider in (seller, make.user(make.public_body()), make.user(site_admin=True)):
        with pytest.raises(NotAllowedError):
            dialogue.schedule_meeting(outsider, need, meeting_draft())
    closed = make.need(body, stage=Stage.DIALOGUE_CLOSED)
    with pytest.raises(NotAllowedError):
        dialogue.schedule_meeting(make.user(body), closed, meeting_draft())
    assert dialogue.meetings_for(None, need) == []


def _invalid_drafts():
    now = utcnow()
    start = now + timedelta(days=3)
    return [
        ("title", {"title": " "}),
        ("starts_at", {"starts_at": None}),
        ("ends_at", {"ends_at": None}),
        ("starts_at", {"starts_at": now - timedelta(hours=1), "signup_deadline": None}),
        ("ends_at", {"starts_at": start, "ends_at": start, "signup_deadline": None}),
        ("ends_at", {"starts_at": start, "ends_at": start - timedelta(hours=1), "signup_deadline": None}),
        (
            "signup_deadline",
            {
                "starts_at": start,
                "ends_at": start + timedelta(hours=1),
                "signup_deadline": start + timedelta(minutes=1),
            },
        ),
        ("signup_deadline", {"signup_deadline": now - timedelta(minutes=1)}),
        ("capacity", {"capacity": 0}),
        ("capacity", {"capacity": None}),
        ("capacity", {"capacity": dialogue.CAPACITY_MAX + 1}),
        ("place", {"place": "", "video_link": None}),
        ("video_link", {"video_link": "http://meet.example.no/x"}),
        ("video_link", {"video_link": "javascript:alert(1)"}),
        ("video_link", {"video_link": "https://"}),
    ]


@pytest.mark.parametrize(("field", "changes"), _invalid_drafts())
def test_meeting_rules(need, owner, field, changes):
    with pytest.raises(ValidationError) as caught:
        dialogue.schedule_meeting(owner, need, meeting_draft(**changes))
    assert caught.value.field == field
    assert dialogue.meetings_for(owner, need) == []


def test_a_video_meeting_needs_no_place(need, owner):
    meeting = dialogue.schedule_meeting(
        owner, need, meeting_draft(place="", video_link="https://teams.example/m")
    )
    assert meeting.place == ""


# -- meetings: signing up -------------------------------------------------------------------------


@pytest.fixture
def meeting(need, owner):
    return dialogue.schedule_meeting(owner, need, meeting_draft(capacity=2))


def test_suppliers_sign_up_until_the_meeting_is_full(make, need, meeting):
    first, second, third = suppliers(make, 3)

    dialogue.sign_up(first, meeting.id)
    dialogue.sign_up(second, meeting.id)
    with pytest.raises(dialogue.MeetingFullError):
        dialogue.sign_up(third, meeting.id)

    row = dialogue.meetings_for(third, need)[0]
    assert (row.taken, row.is_full, row.seats_left, row.own_signup) == (2, True, 0, None)
    assert dialogue.meetings_for(first, need)[0].own_signup.organisation_id == first.organisation_id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(MeetingSignup)) == 2


def test_one_seat_per_organisation(make, meeting):
    seller = make.user(make.supplier())
    colleague = make.user(seller.organisation, role=Role.MEMBER)
    dialogue.sign_up(seller, meeting.id)
    with pytest.raises(ConflictError):
        dialogue.sign_up(colleague, meeting.id)
    assert dialogue.meetings_for(colleague, meeting.need)[0].taken == 1


@pytest.mark.parametrize("kind", ["own_body", "other_body", "no_organisation", "site_admin"])
def test_only_suppliers_sign_up(make, body, meeting, kind):
    user = {
        "own_body": lambda: make.user(body),
        "other_body": lambda: make.user(make.public_body()),
        "no_organisation": lambda: make.user(None, role=Role.MEMBER),
        "site_admin": lambda: make.user(site_admin=True),
    }[kind]()
    with pytest.raises(NotAllowedError):
        dialogue.sign_up(user, meeting.id)


def test_after_the_deadline_sign_ups_and_cancellations_are_closed(make, need, meeting):
    early, late = suppliers(make, 2)
    dialogue.sign_up(early, meeting.id)
    after = meeting.signup_deadline + timedelta(minutes=1)

    with pytest.raises(dialogue.SignupClosedError):
        dialogue.sign_up(late, meeting.id, now=after)
    with pytest.raises(dialogue.SignupClosedError):
        dialogue.cancel_signup(early, meeting.id, now=after)
    assert dialogue.meetings_for(late, need, now=after)[0].is_closed
    # Right at the deadline it is still open.
    dialogue.sign_up(late, meeting.id, now=meeting.signup_deadline)


def test_a_cancelled_need_takes_no_sign_ups(make, need, meeting):
    need.stage = Stage.CANCELLED
    db.session.commit()
    with pytest.raises(dialogue.SignupClosedError):
        dialogue.sign_up(make.user(make.supplier()), meeting.id)


def test_cancelling_frees_the_seat_and_the_organisation_may_come_back(make, meeting):
    first, second, third = suppliers(make, 3)
    dialogue.sign_up(first, meeting.id)
    dialogue.sign_up(second, meeting.id)

    dialogue.cancel_signup(first, meeting.id)
    assert dialogue.own_signup(first, meeting) is None
    dialogue.sign_up(third, meeting.id)
    with pytest.raises(dialogue.MeetingFullError):
        dialogue.sign_up(first, meeting.id)
    dialogue.cancel_signup(third, meeting.id)
    again = dialogue.sign_up(first, meeting.id)
    assert again.cancelled_at is None
    assert dialogue.meetings_for(first, meeting.need)[0].taken == 2


def test_only_a_signed_up_organisation_cancels(make, meeting):
    seller, other = suppliers(make, 2)
    dialogue.sign_up(seller, meeting.id)
    with pytest.raises(NotAllowedError):
        dialogue.cancel_signup(other, meeting.id)
    # A colleague may cancel the organisation's seat.
    dialogue.cancel_signup(make.user(seller.organisation, role=Role.MEMBER), meeting.id)
    assert dialogue.own_signup(seller, meeting) is None


def test_only_the_body_sees_who_signed_up(make, body, owner, meeting):
    seller = make.user(make.supplier(name="Påmeldt AS"), name="Per Påmeldt")
    dialogue.sign_up(seller, meeting.id)

    signups = dialogue.signups_for_body(owner, meeting)

    assert [(s.organisation.name, s.user.name) for s in signups] == [("Påmeldt AS", "Per Påmeldt")]
    for outsider in (
        seller,
        make.user(make.supplier()),
        make.user(make.public_body()),
        make.user(site_admin=True),
    ):
        with pytest.raises(NotAllowedError):
            dialogue.signups_for_body(outsider, meeting)


def test_a_missing_meeting_is_not_found(make):
    with pytest.raises(NotFoundError):
        dialogue.sign_up(make.user(make.supplier()), 999)


# -- the calendar file ------------------------------------------------------------------------------


def _unfold(text: str) -> list[str]:
    return text.replace("\r\n ", "").split("\r\n")


def test_the_calendar_file_follows_rfc_5545(make, need, owner):
    title = (
        "Dialogmøte; del 1, om tilsyn\\natt – for leverandører av velferdsteknologi i Østfold og Trøndelag"
    )
    meeting = dialogue.schedule_meeting(
        owner,
        need,
        meeting_draft(
            title=title, place="Rådhuset, sal 2; inngang B", video_link="https://meet.example.no/a,b"
        ),
    )
    seller = make.user(make.supplier())
    dialogue.sign_up(seller, meeting.id)

    text = dialogue.calendar_file(seller, meeting.id)

    assert text.endswith("\r\n")
    assert "\n" not in text.replace("\r\n", "")  # CRLF only
    raw_lines = text.split("\r\n")[:-1]
    assert all(len(line.encode("utf-8")) <= 75 for line in raw_lines)
    assert any(line.startswith(" ") for line in raw_lines)  # the long title was folded
    lines = _unfold(text)[:-1]
    assert lines[:2] == ["BEGIN:VCALENDAR", "VERSION:2.0"]
    assert lines[-1] == "END:VCALENDAR"
    assert [line for line in lines if line.startswith(("BEGIN:", "END:"))] == [
        "BEGIN:VCALENDAR",
        "BEGIN:VEVENT",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    event = lines[lines.index("BEGIN:VEVENT") + 1 : lines.index("END:VEVENT")]
    props = dict(line.split(":", 1) for line in event)
    assert props["UID"] == f"meeting-{meeting.id}@localhost"
    assert props["DTSTART"] == meeting.starts_at.strftime("%Y%m%dT%H%M%SZ")
    assert props["DTEND"] == meeting.ends_at.strftime("%Y%m%dT%H%M%SZ")
    assert re.fullmatch(r"\d{8}T\d{6}Z", props["DTSTAMP"])
    assert props["SUMMARY"] == (
        "Dialogmøte\\; del 1\\, om tilsyn\\\\natt – for leverandører av velferdsteknologi "
        "i Østfold og Trøndelag"
    )
    assert props["LOCATION"] == "Rådhuset\\, sal 2\\; inngang B"
    assert props["URL"] == f"http://localhost/needs/{need.id}#meeting-{meeting.id}"
    assert "https://meet.example.no/a\\,b" in props["DESCRIPTION"]
    assert "\\n" in props["DESCRIPTION"]


def test_a_video_meeting_has_its_link_as_location(make, need, owner):
    meeting = dialogue.schedule_meeting(
        owner, need, meeting_draft(place="", video_link="https://meet.example.no/x")
    )
    props = dict(line.split(":", 1) for line in _unfold(dialogue.calendar_file(owner, meeting.id))[6:-3])
    assert props["LOCATION"] == "https://meet.example.no/x"


def test_folding_never_splits_a_character():
    line = "SUMMARY:" + "ø" * 100
    folded = dialogue._fold(line)
    parts = folded.split("\r\n")
    assert all(len(part.encode("utf-8")) <= 75 for part in parts)
    assert all(part.startswith(" ") for part in parts[1:])
    assert folded.replace("\r\n ", "") == line
    assert dialogue._fold("SUMMARY:kort") == "SUMMARY:kort"


def test_only_signed_up_organisations_and_the_body_get_the_calendar_file(make, body, meeting):
    seller, other = suppliers(make, 2)
    dialogue.sign_up(seller, meeting.id)
    colleague = make.user(seller.organisation, role=Role.MEMBER)

    for allowed in (seller, colleague, make.user(body, role=Role.MEMBER)):
        assert "BEGIN:VEVENT" in dialogue.calendar_file(allowed, meeting.id)
    for outsider in (other, make.user(make.public_body()), make.user(site_admin=True)):
        with pytest.raises(NotAllowedError):
            dialogue.calendar_file(outsider, meeting.id)
    dialogue.cancel_signup(seller, meeting.id)
    with pytest.raises(NotAllowedError):
        dialogue.calendar_file(seller, meeting.id)


# -- one message to every respondent --------------------------------------------------------------


def test_a_message_reaches_every_user_of_every_respondent(make, need, owner, meeting):
    responded = make.supplier(name="Svarte AS")
    responded_users = [make.user(responded), make.user(responded, role=Role.MEMBER)]
    responses_service.submit_response(
        responded_users[0], need, responses_service.ResponseDraft("Vi kan hjelpe.")
    )
    signed = make.user(make.supplier(name="Påmeldt AS"))
    dialogue.sign_up(signed, meeting.id)
    dialogue.sign_up(responded_users[1], meeting.id)  # both: still one organisation
    withdrew = make.user(make.supplier(name="Trakk seg AS"))
    elsewhere = make.user(make.supplier(name="Annet behov AS"))
    responses_service.submit_response(elsewhere, make.need(), responses_service.ResponseDraft("Hei"))
    bystander = make.user(make.supplier())
    follow(bystander, need)

    sent = dialogue.message_respondents(
        owner, need, dialogue.MessageDraft(subject="Ny frist", text="Dialogen er forlenget til 1. mai.")
    )

    assert sent == 2
    received = notices("respondents_message")
    assert sorted(n.user_id for n in received) == sorted([*(u.id for u in responded_users), signed.id])
    assert {n.subject for n in received} == {f"Ny frist – «{need.title}»"}
    assert all("Dialogen er forlenget til 1. mai." in n.body and "Eierkommune" in n.body for n in received)
    assert withdrew.id not in {n.user_id for n in received}


def test_only_the_body_writes_to_the_respondents(make, need, seller):
    responses_service.submit_response(seller, need, responses_service.ResponseDraft("Vi kan hjelpe."))
    for outsider in (seller, make.user(make.public_body()), make.user(site_admin=True)):
        with pytest.raises(NotAllowedError):
            dialogue.message_respondents(outsider, need, dialogue.MessageDraft("Hei", "Hei"))
        with pytest.raises(NotAllowedError):
            dialogue.respondent_organisation_ids(outsider, need)
    assert notices() == []


def test_a_message_needs_a_subject_a_text_and_someone_to_read_it(make, need, owner, seller):
    with pytest.raises(ValidationError) as caught:
        dialogue.message_respondents(owner, need, dialogue.MessageDraft("Hei", "Ingen mottakere"))
    assert caught.value.field is None
    responses_service.submit_response(seller, need, responses_service.ResponseDraft("Vi kan hjelpe."))
    for draft, field in (
        (dialogue.MessageDraft(" ", "Tekst"), "subject"),
        (dialogue.MessageDraft("Emne", ""), "text"),
    ):
        with pytest.raises(ValidationError) as caught:
            dialogue.message_respondents(owner, need, draft)
        assert caught.value.field == field
    assert notices() == []


def test_a_cancelled_needs_respondents_can_still_be_told(make, need, owner, seller):
    responses_service.submit_response(seller, need, responses_service.ResponseDraft("Vi kan hjelpe."))
    need.stage = Stage.CANCELLED
    db.session.commit()
    assert (
        dialogue.message_respondents(owner, need, dialogue.MessageDraft("Avlyst", "Behovet er avlyst.")) == 1
    )


# -- the need page's share stays a few queries --------------------------------------------------------


def _count_queries(work) -> int:
    statements = []

    def _record(*args):
        statements.append(args[2])

    sa.event.listen(db.engine, "before_cursor_execute", _record)
    try:
        work()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", _record)
    return len(statements)


@pytest.mark.parametrize("viewer", ["anonymous", "supplier", "owner"])
def test_the_need_pages_dialogue_takes_the_same_few_queries_however_much_there_is(make, need, owner, viewer):
    seller = make.user(make.supplier())
    reader = {"anonymous": None, "supplier": seller, "owner": owner}[viewer]

    def run():
        db.session.expire_all()
        user = db.session.get(type(owner), reader.id) if reader else None
        page_need = db.session.get(type(need), need.id)
        _ = user and user.organisation  # the login has loaded it before the page is built
        return _count_queries(lambda: dialogue_views.need_context(page_need, user))

    def offer_and_book(user, n):
        start = utcnow().replace(microsecond=0) + timedelta(days=5, hours=n)
        slot = dialogue.offer_slots(owner, need, dialogue.SlotDraft(start, 30, 1, place="Rådhuset"))[0]
        dialogue.book_slot(user, slot.id)

    dialogue.sign_up(seller, dialogue.schedule_meeting(owner, need, meeting_draft()).id)
    dialogue.answer_question(owner, ask(seller, need).id, dialogue.AnswerDraft(answer="Ja"))
    ask(seller, need)
    offer_and_book(seller, 0)
    few = run()
    for n in range(4):
        meeting = dialogue.schedule_meeting(owner, need, meeting_draft(title=f"Møte {n}"))
        dialogue.sign_up(make.user(make.supplier()), meeting.id)
        asker = make.user(make.supplier())
        dialogue.answer_question(owner, ask(asker, need).id, dialogue.AnswerDraft(answer=f"Svar {n}"))
        ask(asker, need)
        offer_and_book(asker, n + 1)

    assert run() == few
    # Questions, meetings (with their sign-ups), slots; the body also loads askers and bookers.
    assert few <= 7


def test_the_first_minutes_of_a_meeting_tell_the_followers_and_a_correction_does_not(make, need, owner):
    follower = make.user(make.supplier())
    follow(follower, need)
    meeting = dialogue.schedule_meeting(owner, need, meeting_draft())
    db.session.query(Notification).delete()
    meeting.starts_at = utcnow() - timedelta(hours=3)
    meeting.ends_at = utcnow() - timedelta(hours=1)
    db.session.commit()

    dialogue.publish_meeting_minutes(owner, meeting, "Referat: tre leverandører deltok.")
    dialogue.publish_meeting_minutes(owner, meeting, "Referat: fire leverandører deltok.")

    assert [(n.user_id, n.kind) for n in notices()] == [(follower.id, "need_meeting")]
    assert need.title in notices()[0].subject
    assert notices()[0].link.endswith(f"#meeting-{meeting.id}")
    assert meeting.minutes == "Referat: fire leverandører deltok."
