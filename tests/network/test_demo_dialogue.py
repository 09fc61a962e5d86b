"""The demo's market dialogue (`flask setup --demo`): the demo body's first open need shows an
answered question, a held meeting with minutes and one-to-one slots."""

from __future__ import annotations

from network.demo.dialogue import BODY_LOGIN, SUPPLIER_LOGIN, seed_dialogue
from network.models import DialogueSlot, Meeting, Stage
from tests.helpers import count, rows, text


def test_the_demo_need_shows_minutes_and_slots(app, make, client):
    body = make.public_body(name="Demokommune")
    make.user(body, email=BODY_LOGIN)
    make.user(make.supplier(name="Demoleverandør AS"), email=SUPPLIER_LOGIN)
    make.need(body, stage=Stage.TENDERED, title="Et behov som er lyst ut")
    need = make.need(body, title="Digitalt tilsyn i demoen")

    assert seed_dialogue()

    held = rows(Meeting, Meeting.minutes.is_not(None))
    assert [m.need_id for m in held] == [need.id]
    assert count(DialogueSlot, DialogueSlot.need_id == need.id) == 4
    page = text(client.get(f"/needs/{need.id}"))
    assert "Tolv leverandører deltok." in page
    assert 'id="slots"' in page
    assert "Kan løsningen bygge på systemer dere allerede har?" in page


def test_without_the_demo_logins_nothing_is_seeded(app, make):
    make.need(make.public_body())
    assert not seed_dialogue()
    assert count(Meeting) == 0
