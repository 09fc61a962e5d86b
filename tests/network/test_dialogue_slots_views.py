"""One-to-one slots and the minutes of the dialogue, through the pages: the body offers slots, each
supplier organisation books one, cancels it after a confirmation, and the minutes of meetings and
slots are published on the need's page for everyone."""

from __future__ import annotations

from datetime import timedelta

import pytest

from network.extensions import db
from network.models import DialogueSlot, Notification, Role, utcnow
from network.services import dialogue
from tests.helpers import count, field_error, input_value, location, rows, text

pytestmark = pytest.mark.usefixtures("english")

YEAR = utcnow().year + 1


@pytest.fixture
def body(make):
    return make.public_body(name="Eierkommune")


@pytest.fixture
def owner(make, body):
    return make.user(body, role=Role.MEMBER)


@pytest.fixture
def need(make, body):
    return make.need(body, title="Digitalt tilsyn for hjemmeboende")


@pytest.fixture
def seller(make):
    return make.user(make.supplier(name="Selgende AS"), name="Sara Selger")


@pytest.fixture
def rival(make):
    return make.user(make.supplier(name="Konkurrent AS"))


@pytest.fixture
def slots(app, need, owner):
    start = utcnow().replace(microsecond=0) + timedelta(days=7)
    draft = dialogue.SlotDraft(start, 45, 3, place="Rådhuset", video_link="https://meet.example.no/rom")
    with app.test_request_context():
        return dialogue.offer_slots(owner, need, draft)


def slot_form(**kw):
    data = {
        "slot-starts_at": f"{YEAR}-06-02T09:00",
        "slot-length_minutes": "30",
        "slot-count": "4",
        "slot-place": "Rådhuset, møterom 3",
        "slot-video_link": "",
    }
    data.update(kw)
    return data


def test_the_body_offers_back_to_back_slots_from_the_need_page(login, need, owner):
    client = login(owner)
    assert 'id="slot-form"' in text(client.get(f"/needs/{need.id}"))

    response = client.post(f"/needs/{need.id}/slots", data=slot_form())

    assert location(response).endswith(f"/needs/{need.id}#slots")
    offered = rows(DialogueSlot, DialogueSlot.need_id == need.id)
    assert len(offered) == 4
    starts = sorted(s.starts_at for s in offered)
    assert [b - a for a, b in zip(starts, starts[1:], strict=False)] == [timedelta(minutes=30)] * 3
    # 09:00 Norwegian summer time is 07:00 UTC.
    assert starts[0].hour == 7
    assert "4 one-to-one slots are offered" in text(client.get(f"/needs/{need.id}"))


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"slot-length_minutes": "5"}, "slot-length_minutes", "A slot lasts from 10 to 240 minutes."),
        ({"slot-count": "13"}, "slot-count", "Offer from 1 to 12 slots at a time."),
        ({"slot-starts_at": "2001-01-01T10:00"}, "slot-starts_at", "The slots must start in the future."),
        ({"slot-place": ""}, "slot-place", "Give a place, a video link or both."),
    ],
)
def test_a_wrong_offer_comes_back_with_the_error_next_to_the_field(
    login, need, owner, changes, field, message
):
    client = login(owner)
    response = client.post(f"/needs/{need.id}/slots", data=slot_form(**changes))

    assert response.status_code == 422
    page = text(response)
    assert message in field_error(page, field)
    assert input_value(page, "slot-count") == changes.get("slot-count", "4")
    assert count(DialogueSlot) == 0


def test_only_the_body_offers_slots(login, need, seller, make):
    for user in (seller, make.user(make.public_body())):
        client = login(user)
        assert client.get(f"/needs/{need.id}/slots").status_code == 403
        assert client.post(f"/needs/{need.id}/slots", data=slot_form()).status_code == 403
        client.post("/logout")
    assert count(DialogueSlot) == 0


def test_a_supplier_books_one_slot_and_booking_another_moves_it(login, need, slots, seller):
    client = login(seller)
    page = text(client.get(f"/needs/{need.id}"))
    assert f"/slots/{slots[0].id}/book" in page
    assert "Move our booking to this time" not in page

    assert location(client.post(f"/slots/{slots[0].id}/book")).endswith(f"#slot-{slots[0].id}")
    page = text(client.get(f"/needs/{need.id}"))
    assert "Booked by your organisation" in page
    assert "https://meet.example.no/rom" in page
    assert page.count("Move our booking to this time") == 2
    response = client.post(f"/slots/{slots[1].id}/book", follow_redirects=True)

    assert "booking is moved to this slot." in text(response)
    booked = rows(DialogueSlot, DialogueSlot.organisation_id == seller.organisation_id)
    assert [s.id for s in booked] == [slots[1].id]
    assert rows(DialogueSlot, DialogueSlot.id == slots[0].id)[0].booked_by_id is None


def test_a_booking_that_has_started_is_not_moved(app, login, need, slots, seller):
    with app.test_request_context():
        dialogue.book_slot(seller, slots[0].id)
    slot = db.session.get(DialogueSlot, slots[0].id)
    slot.starts_at = utcnow() - timedelta(minutes=5)
    db.session.commit()
    client = login(seller)
    assert f"/slots/{slots[1].id}/book" not in text(client.get(f"/needs/{need.id}"))

    response = client.post(f"/slots/{slots[1].id}/book", follow_redirects=True)

    assert "has already started" in text(response)
    assert [s.id for s in rows(DialogueSlot, DialogueSlot.organisation_id.is_not(None))] == [slots[0].id]


def test_a_taken_slot_cannot_be_booked_by_another_and_its_booker_stays_private(
    app, login, need, slots, seller, rival
):
    with app.test_request_context():
        dialogue.book_slot(seller, slots[0].id)
    client = login(rival)

    response = client.post(f"/slots/{slots[0].id}/book", follow_redirects=True)

    assert "Another organisation booked this slot first" in text(response)
    assert rows(DialogueSlot, DialogueSlot.id == slots[0].id)[0].organisation_id == seller.organisation_id
    page = text(client.get(f"/needs/{need.id}"))
    assert "Selgende AS" not in page
    assert f"/slots/{slots[0].id}/book" not in page
    assert f"/slots/{slots[1].id}/book" in page


def test_the_body_sees_who_booked(app, login, need, slots, seller, owner):
    with app.test_request_context():
        dialogue.book_slot(seller, slots[0].id)
    page = text(login(owner).get(f"/needs/{need.id}"))
    assert "Booked by Selgende AS" in page
    assert seller.email in page


def test_a_public_body_cannot_book(login, need, slots, make):
    client = login(make.user(make.public_body()))
    assert client.post(f"/slots/{slots[0].id}/book").status_code == 403
    assert count(DialogueSlot, DialogueSlot.organisation_id.is_not(None)) == 0


def test_the_supplier_cancels_its_booking_after_confirming(app, login, need, slots, seller):
    with app.test_request_context():
        dialogue.book_slot(seller, slots[0].id)
    client = login(seller)

    page = text(client.get(f"/slots/{slots[0].id}/cancel"))
    assert "Cancel the booking of the one-to-one slot?" in page
    assert rows(DialogueSlot, DialogueSlot.id == slots[0].id)[0].organisation_id is not None

    assert location(client.post(f"/slots/{slots[0].id}/cancel")).endswith(f"#slot-{slots[0].id}")
    assert rows(DialogueSlot, DialogueSlot.id == slots[0].id)[0].organisation_id is None
    # Free again: it may book another one now.
    client.post(f"/slots/{slots[1].id}/book")
    assert rows(DialogueSlot, DialogueSlot.id == slots[1].id)[0].organisation_id == seller.organisation_id


def test_another_supplier_cannot_cancel_a_booking(app, login, slots, seller, rival):
    with app.test_request_context():
        dialogue.book_slot(seller, slots[0].id)
    client = login(rival)
    assert client.get(f"/slots/{slots[0].id}/cancel").status_code == 403
    assert client.post(f"/slots/{slots[0].id}/cancel").status_code == 403
    assert rows(DialogueSlot, DialogueSlot.id == slots[0].id)[0].organisation_id == seller.organisation_id


def test_the_body_cancels_a_booking_and_the_booker_is_told(app, login, need, slots, seller, owner):
    with app.test_request_context():
        dialogue.book_slot(seller, slots[0].id)
    client = login(owner)
    assert "Selgende AS is told" in text(client.get(f"/slots/{slots[0].id}/cancel"))

    client.post(f"/slots/{slots[0].id}/cancel")

    assert rows(DialogueSlot, DialogueSlot.id == slots[0].id)[0].organisation_id is None
    notices = rows(Notification, Notification.user_id == seller.id)
    assert any(need.title in n.subject and n.link.endswith("#slots") for n in notices)


def test_the_body_publishes_the_minutes_of_a_held_slot_for_everyone(
    app, login, client, need, slots, seller, owner
):
    with app.test_request_context():
        dialogue.book_slot(seller, slots[0].id)
    slot = db.session.get(DialogueSlot, slots[0].id)
    slot.starts_at = utcnow() - timedelta(hours=1)
    db.session.commit()
    body_client = login(owner)
    assert f"/slots/{slot.id}/minutes" in text(body_client.get(f"/needs/{need.id}"))

    response = body_client.post(
        f"/slots/{slot.id}/minutes", data={"minutes": "Vi snakket om sensorer og data."}
    )

    assert location(response).endswith(f"#slot-{slot.id}")
    body_client.post("/logout")
    assert "Vi snakket om sensorer og data." in text(client.get(f"/needs/{need.id}"))


def test_no_minutes_before_a_slot_starts_and_none_from_others(login, need, slots, seller, owner):
    client = login(owner)
    assert "once the meeting has started" in text(client.get(f"/slots/{slots[0].id}/minutes"))
    assert client.post(f"/slots/{slots[0].id}/minutes", data={"minutes": "For tidlig"}).status_code == 403
    client.post("/logout")
    client = login(seller)
    assert client.get(f"/slots/{slots[0].id}/minutes").status_code == 403
    assert client.post(f"/slots/{slots[0].id}/minutes", data={"minutes": "Nei"}).status_code == 403
    assert rows(DialogueSlot, DialogueSlot.id == slots[0].id)[0].minutes is None


def test_the_body_publishes_the_minutes_of_a_held_meeting(app, login, client, need, owner, seller):
    start = utcnow().replace(microsecond=0) + timedelta(days=3)
    draft = dialogue.MeetingDraft(
        title="Dialogmøte", starts_at=start, ends_at=start + timedelta(hours=2), capacity=5, place="Rådhuset"
    )
    with app.test_request_context():
        meeting = dialogue.schedule_meeting(owner, need, draft)
    body_client = login(owner)
    assert "once the meeting has started" in text(body_client.get(f"/meetings/{meeting.id}/minutes"))
    meeting.starts_at = utcnow() - timedelta(days=1)
    meeting.ends_at = meeting.starts_at + timedelta(hours=2)
    db.session.commit()

    empty = body_client.post(f"/meetings/{meeting.id}/minutes", data={"minutes": ""})
    assert empty.status_code == 422
    assert "Write the minutes." in field_error(text(empty), "minutes")
    response = body_client.post(
        f"/meetings/{meeting.id}/minutes", data={"minutes": "Referat: tre leverandører."}
    )

    assert location(response).endswith(f"#meeting-{meeting.id}")
    body_client.post("/logout")
    page = text(client.get(f"/needs/{need.id}"))
    assert "Referat: tre leverandører." in page
    supplier_client = login(seller)
    assert supplier_client.post(f"/meetings/{meeting.id}/minutes", data={"minutes": "x"}).status_code == 403


def test_every_slot_offered_together_carries_the_same_agenda(login, need, owner, seller):
    client = login(owner)
    agenda = "Vi går gjennom de samme tre spørsmålene med alle: data, drift og pris."
    client.post(f"/needs/{need.id}/slots", data=slot_form(**{"slot-count": "2", "slot-agenda": agenda}))

    assert [s.agenda for s in rows(DialogueSlot)] == [agenda, agenda]
    client.post("/logout")
    assert text(login(seller).get(f"/needs/{need.id}")).count(agenda) == 2


def test_the_body_withdraws_a_free_slot_after_confirming_but_not_a_booked_one(
    app, login, need, slots, seller, owner
):
    with app.test_request_context():
        dialogue.book_slot(seller, slots[0].id)
    client = login(owner)
    assert "Withdraw the one-to-one slot?" in text(client.get(f"/slots/{slots[1].id}/withdraw"))

    assert location(client.post(f"/slots/{slots[1].id}/withdraw")).endswith(f"/needs/{need.id}#slots")
    refused = client.post(f"/slots/{slots[0].id}/withdraw", follow_redirects=True)

    assert "cancel the booking first" in text(refused)
    assert sorted(s.id for s in rows(DialogueSlot)) == [slots[0].id, slots[2].id]


def test_only_the_body_withdraws_slots(login, slots, seller):
    client = login(seller)
    assert client.get(f"/slots/{slots[0].id}/withdraw").status_code == 403
    assert client.post(f"/slots/{slots[0].id}/withdraw").status_code == 403
    assert count(DialogueSlot) == 3


def test_the_booker_and_the_body_get_the_slots_calendar_file_and_no_one_else(
    app, login, need, slots, seller, rival, owner
):
    with app.test_request_context():
        dialogue.book_slot(seller, slots[0].id)
    client = login(seller)
    page = text(client.get(f"/needs/{need.id}"))
    assert f"/slots/{slots[0].id}/calendar.ics" in page

    response = client.get(f"/slots/{slots[0].id}/calendar.ics")

    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="slot-{slots[0].id}.ics"'
    ics = text(response)
    assert ics.startswith("BEGIN:VCALENDAR\r\n")
    assert "DTSTART:" + slots[0].starts_at.strftime("%Y%m%dT%H%M%SZ") in ics
    assert "meet.example.no/rom" in ics.replace("\r\n ", "")
    client.post("/logout")
    assert login(owner).get(f"/slots/{slots[0].id}/calendar.ics").status_code == 200
    client.post("/logout")
    client = login(rival)
    assert client.get(f"/slots/{slots[0].id}/calendar.ics").status_code == 403
    assert client.get(f"/slots/{slots[1].id}/calendar.ics").status_code == 403
