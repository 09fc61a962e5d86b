"""A person's data under the GDPR: the export, and deleting the account (the organisation's records stay,
the person goes, the audit log reads under a pseudonym)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from network.extensions import db
from network.models import (
    AttemptKind,
    AuditEntry,
    AuthAttempt,
    Follow,
    GroupPost,
    Need,
    Notification,
    Question,
    Response,
    Role,
    SavedSearch,
    User,
)
from network.models.notifications import Frequency
from network.services import coordination, dialogue, needs, responses
from network.services.mail import outbox_messages
from network.services.needs import NeedDraft
from network.services.notifications import SavedSearchDraft, follow, save_search
from tests.factories import PASSWORD
from tests.helpers import count, field_error, location, rows, text

pytestmark = pytest.mark.usefixtures("english")

NAME = "Gunnhild Gransker"
EMAIL = "gunnhild@example.no"
SUPPLIER_NAME = "Sverre Selger"
SUPPLIER_EMAIL = "sverre@example.no"


@pytest.fixture
def world(app, make, body, body_admin):
    """Gunnhild, a member of the body, wrote a need, a post in a group, an answer; has a notice, a saved
    search and a follow. Sverre, a supplier's member, asked a question and responded."""
    person = make.user(body, role=Role.MEMBER, name=NAME, email=EMAIL)
    supplier = make.supplier(name="Leverandør AS")
    make.user(supplier, name="Leverandørsjef")
    seller = make.user(supplier, role=Role.MEMBER, name=SUPPLIER_NAME, email=SUPPLIER_EMAIL)
    other_body = make.public_body(name="Nabokommune")
    peer_need = make.need(other_body, title="Sensorer mot fall om natten")
    with app.test_request_context(), force_locale("en"):
        need = needs.create_need(person, NeedDraft(title="Fall om natten i omsorgsboliger"), None)
        needs.publish_need(person, need, None)
        question = dialogue.ask_question(seller, need, dialogue.QuestionDraft("Hvem eier dataene?"))
        dialogue.answer_question(person, question.id, dialogue.AnswerDraft("Kommunen."))
        response = responses.submit_response(seller, need, responses.ResponseDraft(message="Vi kan levere."))
        group = coordination.invite_peer(person, need, peer_need)
        coordination.post_message(person, group, "Et innlegg i gruppen")
        follow(person, peer_need.id)
        save_search(person, SavedSearchDraft(name="Mine sensorer", query="sensor"))
    db.session.add(
        Notification(user=person, kind="need_stage", subject="Varsel til Gunnhild", frequency=Frequency.OFF)
    )
    db.session.add(AuthAttempt(kind=AttemptKind.LOGIN_OK, address="127.0.0.1", email=EMAIL))
    db.session.commit()
    return {
        "person": person,
        "seller": seller,
        "need": need.id,
        "question": question.id,
        "response": response.id,
        "group": group.id,
    }


def delete(client, password=PASSWORD, word="DELETE"):
    return client.post("/account/delete", data={"current_password": password, "confirm": word})


def everything_stored() -> str:
    """Every text value of every row in the database, in one string."""
    db.session.expire_all()
    values = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(sa.select(table)):
            values.extend(
                json.dumps(v, ensure_ascii=False) if isinstance(v, dict | list) else str(v) for v in row
            )
    return "\n".join(values)


def test_a_deleted_person_is_gone_and_the_organisations_records_stay(app, login, client, world):
    person = world["person"]
    person_id = person.id
    login(person)

    assert location(delete(client)) == "/"

    assert rows(User, User.id == person_id) == []
    stored = everything_stored()
    assert NAME not in stored
    assert EMAIL not in stored
    (need,) = rows(Need, Need.id == world["need"])
    assert need.title == "Fall om natten i omsorgsboliger"
    assert need.created_by_id is None
    (question,) = rows(Question, Question.id == world["question"])
    assert question.answer == "Kommunen."
    assert question.answered_by_id is None
    (post,) = rows(GroupPost)
    assert post.text == "Et innlegg i gruppen"
    assert post.user_id is None
    assert count(Notification, Notification.user_id == person_id) == 0
    assert count(SavedSearch) == 0
    assert count(Follow) == 0
    assert count(AuthAttempt, AuthAttempt.email == EMAIL) == 0
    # The audit log still tells what happened, under one pseudonym for every entry of the person.
    entries = rows(AuditEntry, AuditEntry.actor_name.startswith("Bruker "))
    assert {e.action for e in entries} >= {"need.create", "need.publish", "security.account_deleted"}
    assert len({e.actor_name for e in entries}) == 1
    assert "/login" in location(client.get("/account"))  # signed out


def test_the_needs_page_and_the_group_say_a_former_user(app, login, client, world, body_admin):
    login(world["seller"])
    delete(client)
    login(body_admin)

    page = text(client.get(f"/needs/{world['need']}"))
    assert "Vi kan levere." in page
    assert "A former user" in page
    assert SUPPLIER_NAME not in page
    assert rows(Response, Response.id == world["response"])[0].user_id is None
    assert rows(Question, Question.id == world["question"])[0].asker_id is None


def test_deleting_needs_the_password_and_the_word(login, client, world):
    login(world["person"])

    wrong_password = delete(client, password="feil")
    wrong_word = delete(client, word="kanskje")

    assert wrong_password.status_code == wrong_word.status_code == 422
    assert field_error(text(wrong_password), "current_password")
    assert field_error(text(wrong_word), "confirm")
    assert count(User, User.email == EMAIL) == 1


def test_the_word_is_the_pages_language(login, client, world):
    with client.session_transaction() as session:
        session["lang"] = "nb"
    login(world["person"])

    assert "SLETT" in text(client.get("/account/delete"))
    assert location(delete(client, word="slett")) == "/"
    assert count(User, User.email == EMAIL) == 0


def test_the_last_admin_of_an_organisation_with_colleagues_is_refused(login, client, world, body_admin):
    login(body_admin)

    response = delete(client)

    assert response.status_code == 422
    assert "last administrator" in text(response)
    assert count(User, User.id == body_admin.id) == 1


def test_the_only_person_of_an_organisation_may_delete(app, login, client, make):
    org = make.supplier(name="Enkeltmannsforetak")
    alone = make.user(org, name="Alene")
    login(alone)

    assert location(delete(client)) == "/"
    assert count(User, User.id == alone.id) == 0


def test_the_owner_is_told_by_mail(app, login, client, world):
    login(world["person"])
    delete(client)

    mails = [m for m in outbox_messages(Path(app.config["MAIL_OUTBOX_DIR"])) if m["To"] == EMAIL]
    assert mails
    assert "deleted" in mails[-1]["Subject"]


# -- export -----------------------------------------------------------------------------------


def test_the_export_holds_what_the_person_wrote_and_no_one_elses_address(
    app, login, client, world, body_admin
):
    login(world["person"])

    response = client.post("/account/export")

    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["profile"]["email"] == EMAIL
    assert data["organisation"]["name"] == "Eierkommune"
    assert [n["title"] for n in data["needs"]] == ["Fall om natten i omsorgsboliger"]
    assert [a["answer"] for a in data["answers"]] == ["Kommunen."]
    assert [p["text"] for p in data["group_posts"]] == ["Et innlegg i gruppen"]
    assert [s["name"] for s in data["saved_searches"]] == ["Mine sensorer"]
    assert len(data["follows"]) == 1
    assert "Varsel til Gunnhild" in [n["subject"] for n in data["notices"]]
    assert "security.data_exported" in [e["action"] for e in data["security_events"]]
    raw = response.get_data(as_text=True)
    assert body_admin.email not in raw
    assert SUPPLIER_EMAIL not in raw
    assert SUPPLIER_NAME not in raw


def test_a_suppliers_export_holds_its_questions_and_responses(login, client, world):
    login(world["seller"])

    data = json.loads(client.post("/account/export").get_data(as_text=True))

    assert [q["text"] for q in data["questions"]] == ["Hvem eier dataene?"]
    assert [r["message"] for r in data["responses"]] == ["Vi kan levere."]
    assert NAME not in json.dumps(data, ensure_ascii=False)
