"""The audit log page shows translated names and values and the records by title with a link, never
the stored codes ("exploring → agreed", "verified False → True", "kind public_body", "need 302")."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask_babel import force_locale

from network.extensions import db
from network.models import AuditEntry
from network.services import accounts, coordination, needs
from network.services.needs import NeedDraft
from tests.factories import PASSWORD
from tests.helpers import sign_in, text


def _log(app, user, language: str) -> str:
    client = app.test_client()
    response = sign_in(client, user)
    assert response.status_code == 302
    with client.session_transaction() as session:
        session["lang"] = language
    page = text(client.get("/audit"))
    body = page[page.index("<tbody>") : page.index("</tbody>")]
    return re.sub(r"\s+", " ", body)


@pytest.fixture
def history(app, make, index):
    """A body registers, is verified, writes, edits and publishes a need, and starts a group."""
    admin = make.user(site_admin=True, email="admin@example.no")
    with app.test_request_context(), force_locale("en"):
        registrant = accounts.register(
            accounts.RegistrationDraft(
                organisation=accounts.OrganisationDraft(
                    kind="public_body",
                    name="Loggkommune",
                    org_number="964338531",
                    sector="municipality",
                    kommune="0301",
                ),
                name="Lise Logg",
                email="lise@logg.example.no",
                password=PASSWORD,
            ),
            index,
        )
        body = registrant.organisation
        accounts.verify_organisation(admin, body, index)
        need = needs.create_need(registrant, NeedDraft(title="Første tittel", domain="health"), index)
        needs.update_need(
            registrant,
            need,
            NeedDraft(title="Loggbehovet", domain="climate", deadline=date(2030, 1, 31), fylker=("03",)),
            index,
        )
        needs.publish_need(registrant, need, index)
        peer_body = make.public_body(name="Nabokommune")
        peer_admin = make.user(peer_body)
        peer = make.need(peer_body, title="Nabobehovet")
        group = coordination.invite_peer(registrant, need, peer)
        coordination.answer_invitation(peer_admin, group, accept=True)
        coordination.change_stage(registrant, group, "agreed")
        group.title = "Felles innkjøp"
        db.session.commit()
    return {"user": registrant, "need": need, "peer": peer, "group": group, "body": body}


def test_the_log_shows_translated_values_not_codes(app, history):
    page = _log(app, history["user"], "en")

    assert "exploring → agreed" not in page
    assert "False → True" not in page
    assert "public_body" not in page
    assert "health" not in page
    assert f"need {history['peer'].id}" not in page.lower()
    # The verification, the kind, the stages (the need's and the group's), the changed fields.
    assert re.search(r"<dt>Verified</dt> <dd>No <span[^>]*>→</span>.*? Yes</dd>", page)
    assert "<dt>Kind</dt> <dd>Public body</dd>" in page
    assert re.search(r"<dt>Stage</dt> <dd>Draft <span[^>]*>→</span>.*? Open for dialogue</dd>", page)
    assert re.search(r"<dt>Stage</dt> <dd>Exploring <span[^>]*>→</span>.*? Agreed to buy together</dd>", page)
    domain = r"<dt>Domain</dt> <dd>Health and care <span[^>]*>→</span>.*? Climate and environment</dd>"
    assert re.search(domain, page)
    assert re.search(r"<dt>Dialogue deadline</dt> <dd>— <span[^>]*>→</span>.*? 31 January 2030</dd>", page)
    assert re.search(r"<dt>Counties</dt> <dd>— <span[^>]*>→</span>.*? Oslo</dd>", page)


def test_records_are_named_by_title_with_a_link(app, history):
    page = _log(app, history["user"], "en")

    need, peer, group = history["need"], history["peer"], history["group"]
    assert f'<a href="/needs/{need.id}">Loggbehovet</a>' in page
    # The group's "need" is the peer's need, by its title.
    assert f'<dt>Need</dt> <dd><a href="/needs/{peer.id}">Nabobehovet</a></dd>' in page
    assert f'<a href="/coordination-groups/{group.id}">' in page
    assert f'<a href="/organisations/{history["body"].id}">Loggkommune</a>' in page


def test_the_log_is_translated_in_bokmal_and_nynorsk(app, history):
    bokmal = _log(app, history["user"], "nb")
    nynorsk = _log(app, history["user"], "nn")

    assert re.search(r"<dt>Godkjent</dt> <dd>Nei <span[^>]*>→</span>.*? Ja</dd>", bokmal)
    assert "<dt>Type</dt> <dd>Offentlig virksomhet</dd>" in bokmal
    assert re.search(r"<dt>Fase</dt> <dd>Utkast <span", bokmal)
    assert "31. januar 2030" in bokmal
    assert re.search(r"<dd>Nei <span[^>]*>→</span>.*? Ja</dd>", nynorsk)
    assert "31. januar 2030" in nynorsk


def test_an_entry_about_a_deleted_need_has_no_link(app, make):
    body = make.public_body()
    admin = make.user(body)
    db.session.add(
        AuditEntry(
            actor_id=admin.id,
            actor_name=admin.name,
            organisation_id=body.id,
            action="need.delete",
            target_type="need",
            target_id=999999,
            target_label="Slettet utkast",
            changes={"need": 999999},
        )
    )
    db.session.commit()
    page = _log(app, admin, "en")
    assert "Slettet utkast" in page
    assert "/needs/999999" not in page
    assert "a deleted need" in page
