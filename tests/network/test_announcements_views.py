"""The Doffin announcement page through the test client: the need's body gets a ready-to-paste text in
the need's language, saves the notice's reference (checked), and the need page links to the notice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from network.extensions import db
from network.models import AuditEntry, Role, Stage, utcnow
from network.services import dialogue
from tests.helpers import input_value, location, text

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture
def need(make, body):
    return make.need(
        body,
        title="Digitalt tilsyn om natten",
        description="Nattevakter rekker ikke over alle som bor hjemme.",
        outcome="Færre fall som ikke blir oppdaget.",
        deadline=date(utcnow().year + 1, 3, 1),
    )


def textarea(page: str) -> str:
    start = page.index('id="doffin-text"')
    return page[page.index(">", start) + 1 : page.index("</textarea>", start)]


def test_the_body_gets_a_text_to_paste_in_the_needs_language(make, client, login, need, body_admin):
    start = utcnow() + timedelta(days=10)
    dialogue.schedule_meeting(
        body_admin,
        need,
        dialogue.MeetingDraft(
            title="Dialogmøte om nattilsyn",
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            capacity=5,
            place="Rådhuset",
        ),
    )
    login(body_admin)
    response = client.get(f"/needs/{need.id}/doffin")
    assert response.status_code == 200
    page = text(response)
    body = textarea(page)
    # The need has no language of its own: bokmål, whatever the reader's pages are in.
    assert 'lang="nb"' in page
    assert "Markedsdialog: Digitalt tilsyn om natten" in body
    assert "Nattevakter rekker ikke over alle som bor hjemme." in body
    assert "Færre fall som ikke blir oppdaget." in body
    assert "Dialogmøte om nattilsyn" in body
    assert "Rådhuset" in body
    assert f"http://localhost/needs/{need.id}" in body
    assert body_admin.email in body
    assert body_admin.name in body
    assert "Dialogen er åpen til" in body
    # Works without script: a field to select; the copy button is shown by script only.
    assert 'data-copy="doffin-text"' in page
    assert " hidden>" in page
    assert "/static/js/copy.js" in page


def test_an_english_need_gets_an_english_text(make, client, login, body, body_admin):
    need = make.need(body, title="Night-time monitoring", language="en")
    login(body_admin)
    body_text = textarea(text(client.get(f"/needs/{need.id}/doffin")))
    assert body_text.startswith("Market dialogue: Night-time monitoring")


def test_the_body_saves_the_reference_and_the_need_page_links_to_the_notice(client, login, need, body_admin):
    login(body_admin)
    response = client.post(f"/needs/{need.id}/doffin", data={"doffin_ref": " 2026-123456 "})
    assert location(response).endswith(f"/needs/{need.id}")
    assert need.doffin_ref == "2026-123456"
    page = text(client.get(f"/needs/{need.id}"))
    assert '<a href="https://doffin.no/notices/2026-123456"' in page
    assert input_value(text(client.get(f"/needs/{need.id}/doffin")), "doffin_ref") == "2026-123456"
    entry = db.session.scalars(db.select(AuditEntry).where(AuditEntry.action == "need.doffin_ref")).one()
    assert entry.changes == {"doffin_ref": [None, "2026-123456"]}

    # The notice's address pasted whole is read as its reference; empty removes it.
    client.post(f"/needs/{need.id}/doffin", data={"doffin_ref": "https://doffin.no/notices/2026-654321"})
    assert need.doffin_ref == "2026-654321"
    client.post(f"/needs/{need.id}/doffin", data={"doffin_ref": ""})
    assert need.doffin_ref is None
    assert "doffin.no/notices" not in text(client.get(f"/needs/{need.id}"))


@pytest.mark.parametrize(
    "ref",
    ["123456", "2026-12345", "2026-1234567", "ted-2026-123456", "https://evil.example/notices/2026-123456"],
)
def test_a_reference_not_in_doffins_form_is_shown_again_with_the_error(client, login, need, body_admin, ref):
    login(body_admin)
    response = client.post(f"/needs/{need.id}/doffin", data={"doffin_ref": ref})
    assert response.status_code == 422
    page = text(response)
    assert 'id="doffin_ref-error"' in page
    assert "such as 2026-123456" in page
    assert input_value(page, "doffin_ref") == ref
    assert need.doffin_ref is None


def test_moving_to_tendered_checks_the_reference_too(client, login, need, body_admin):
    login(body_admin)
    client.post(f"/needs/{need.id}/stage", data={"stage": "tendered", "doffin_ref": "ikke et nummer"})
    assert need.stage == Stage.OPEN
    assert need.doffin_ref is None
    client.post(f"/needs/{need.id}/stage", data={"stage": "tendered", "doffin_ref": "2026-123456"})
    assert need.stage == Stage.TENDERED
    assert need.doffin_ref == "2026-123456"


def test_an_older_reference_in_another_form_is_shown_as_text(make, client, body):
    need = make.need(body, doffin_ref="DOF-2019/77")
    page = text(client.get(f"/needs/{need.id}"))
    assert "DOF-2019/77" in page
    assert "doffin.no/notices" not in page


def test_only_the_needs_body_may_use_the_page(make, client, login, body, need, supplier_user):
    assert "/login" in location(client.get(f"/needs/{need.id}/doffin"))
    login(supplier_user)
    assert client.get(f"/needs/{need.id}/doffin").status_code == 403
    assert client.post(f"/needs/{need.id}/doffin", data={"doffin_ref": "2026-123456"}).status_code == 403
    assert need.doffin_ref is None
    client.post("/logout")
    login(make.user(make.public_body(name="Annen kommune")))
    assert client.get(f"/needs/{need.id}/doffin").status_code == 403
    assert "Announce the dialogue on Doffin" not in text(client.get(f"/needs/{need.id}"))


def test_a_draft_is_published_before_it_is_announced(make, client, login, body):
    member = make.user(body, role=Role.MEMBER)
    draft = make.need(body, stage=Stage.DRAFT)
    login(member)
    response = client.get(f"/needs/{draft.id}/doffin")
    assert response.status_code == 403
    assert "Publish the need before" in text(response)


def test_the_body_finds_the_page_from_the_need(client, login, need, body_admin):
    login(body_admin)
    assert f'href="/needs/{need.id}/doffin"' in text(client.get(f"/needs/{need.id}"))
