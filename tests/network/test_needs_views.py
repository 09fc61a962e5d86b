"""The needs pages through the test client: the list, the form, a need's page, responses, similar needs."""

from __future__ import annotations

import re

import pytest

from network.models import Domain, Need, Response, ResponseStatus, Role, Stage
from network.services import responses as responses_service
from tests.helpers import HEALTH_TEXT, count, field_error, input_value, location, need_form, rows, text

pytestmark = pytest.mark.usefixtures("english")


# -- the needs list ---------------------------------------------------------------------------


def test_the_needs_list_filters_by_domain_and_stage(client, make, body):
    health = make.need(body, domain="health", title="Helsebehov som er åpent")
    climate = make.need(body, domain="climate", title="Klimabehov som er åpent")
    closed = make.need(body, domain="health", stage=Stage.DIALOGUE_CLOSED, title="Helsebehov, dialog lukket")
    draft = make.need(body, stage=Stage.DRAFT, title="Et utkast")

    def titles(query):
        page = text(client.get("/needs", query_string=query))
        return {n.title for n in (health, climate, closed, draft) if n.title in page}

    assert titles({}) == {health.title, climate.title, closed.title}
    assert titles({"domain": "climate"}) == {climate.title}
    assert titles({"domain": "health", "stage": "open"}) == {health.title}
    assert titles({"stage": "dialogue_closed"}) == {closed.title}
    assert titles({"stage": "draft"}) == {health.title, climate.title, closed.title}  # never the drafts
    assert "No needs match this filter." in text(client.get("/needs?stage=awarded"))


def test_the_needs_list_pages_newest_first(app, client, make, body):
    app.config["PER_PAGE"] = 2
    needs = [make.need(body, title=f"Behov nummer {n}") for n in range(5)]

    first, third, beyond = (client.get("/needs", query_string={"page": p}) for p in (1, 3, 99))

    assert [n.title in text(first) for n in needs] == [False, False, False, True, True]
    assert 'rel="next" href="/needs?page=2"' in text(first)
    assert [n.title in text(third) for n in needs] == [True, False, False, False, False]
    assert 'rel="prev"' in text(third)
    assert beyond.status_code == 200
    assert "No needs match this filter." in text(beyond)


# -- writing a need ---------------------------------------------------------------------------


def test_the_need_form_starts_with_the_bodys_own_kommune(login, client, body_admin):
    login(body_admin)

    response = client.get("/needs/new")

    assert response.status_code == 200
    assert re.search(r'<option selected value="0301">|<option value="0301" selected>', text(response))


def test_a_new_need_is_saved_as_a_draft_and_shown(login, client, body, body_admin):
    login(body_admin)

    response = client.post("/needs/new", data=need_form())

    (need,) = rows(Need)
    assert location(response) == f"/needs/{need.id}"
    assert need.stage == Stage.DRAFT
    assert (need.organisation_id, need.created_by_id) == (body.id, body_admin.id)
    assert (need.domain, need.cpv, need.kommuner) == (Domain.HEALTH, ["33000000", "48000000"], ["0301"])
    assert (need.budget_min, need.budget_max, need.deadline.isoformat()) == (100000, 2000000, "2030-06-30")
    page = text(client.get(response.headers["Location"]))
    assert "Only your organisation can see" in page
    assert need.title in page


def test_an_invalid_need_is_shown_again_with_its_errors_and_text(login, client, body_admin):
    login(body_admin)

    response = client.post("/needs/new", data=need_form(title="", budget_min="abc"))

    page = text(response)
    assert response.status_code == 422
    assert field_error(page, "title")
    assert field_error(page, "budget_min")
    assert HEALTH_TEXT in page
    assert count(Need) == 0


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"cpv": "12345678"}, "cpv", "Unknown CPV code"),
        ({"budget_min": "500", "budget_max": "100"}, "budget_max", "cannot be above"),
        # Beyond a float's range: WTForms' own range check raised OverflowError (a 500).
        ({"budget_min": "9" * 400}, "budget_min", "between 0 and"),
        ({"budget_max": "9" * 4300}, "budget_max", "between 0 and"),
    ],
)
def test_rules_of_the_service_are_shown_next_to_the_field(login, client, body_admin, change, field, message):
    login(body_admin)

    response = client.post("/needs/new", data=need_form(**change))

    assert response.status_code == 422
    assert message in field_error(text(response), field)
    assert HEALTH_TEXT in text(response)
    assert count(Need) == 0


def test_the_owner_edits_a_need(login, client, make, body, body_admin):
    need = make.need(body, title="Gammel tittel")
    login(body_admin)

    form = client.get(f"/needs/{need.id}/edit")
    response = client.post(f"/needs/{need.id}/edit", data=need_form(title="Ny tittel"))

    assert form.status_code == 200
    assert input_value(text(form), "title") == "Gammel tittel"
    assert location(response) == f"/needs/{need.id}"
    assert rows(Need)[0].title == "Ny tittel"


def test_a_verified_body_publishes_its_draft(login, client, make, body, body_admin):
    need = make.need(body, stage=Stage.DRAFT)
    login(body_admin)

    response = client.post(f"/needs/{need.id}/publish")

    assert location(response) == f"/needs/{need.id}"
    (published,) = rows(Need)
    assert published.stage == Stage.OPEN
    assert published.published_at is not None
    assert "The need is published." in text(client.get(f"/needs/{need.id}"))


def test_the_owner_moves_a_need_through_its_stages(login, client, make, body, body_admin):
    need = make.need(body)
    login(body_admin)
    page = text(client.get(f"/needs/{need.id}"))
    assert f'action="/needs/{need.id}/stage"' in page

    closed = client.post(f"/needs/{need.id}/stage", data={"stage": "dialogue_closed"})
    tendered = client.post(f"/needs/{need.id}/stage", data={"stage": "tendered", "doffin_ref": "2030-123456"})

    assert location(closed) == location(tendered) == f"/needs/{need.id}"
    (moved,) = rows(Need)
    assert (moved.stage, moved.doffin_ref) == (Stage.TENDERED, "2030-123456")


@pytest.mark.parametrize(
    ("start", "target"),
    [
        (Stage.AWARDED, "open"),
        (Stage.OPEN, "awarded"),
        (Stage.OPEN, "draft"),
        (Stage.OPEN, "no-such-stage"),
        (Stage.OPEN, ""),
    ],
)
def test_a_stage_the_need_cannot_move_to_is_refused(login, client, make, body, body_admin, start, target):
    need = make.need(body, stage=start)
    login(body_admin)

    response = client.post(f"/needs/{need.id}/stage", data={"stage": target})

    assert location(response) == f"/needs/{need.id}"
    assert rows(Need)[0].stage == start
    assert 'class="flash flash-error"' in text(client.get(f"/needs/{need.id}"))


def test_deleting_a_draft_asks_first(login, client, make, body, body_admin):
    need = make.need(body, stage=Stage.DRAFT, title="Utkast som skal bort")
    login(body_admin)

    confirm = client.get(f"/needs/{need.id}/delete")

    assert confirm.status_code == 200
    assert f'action="/needs/{need.id}/delete"' in text(confirm)
    assert "Utkast som skal bort" in text(confirm)
    assert count(Need) == 1

    response = client.post(f"/needs/{need.id}/delete")

    assert location(response) == "/needs/mine"
    assert count(Need) == 0
    assert client.get(f"/needs/{need.id}").status_code == 404


def test_my_needs_lists_drafts_and_published_needs_with_counts(login, client, make, body, body_admin):
    draft = make.need(body, stage=Stage.DRAFT, title="Mitt utkast")
    need = make.need(body, title="Mitt åpne behov")
    other = make.need(make.public_body(), title="Noen andres behov")
    responses_service.submit_response(
        make.user(make.supplier()), need, responses_service.ResponseDraft(message="Vi kan hjelpe.")
    )
    login(body_admin)

    page = text(client.get("/needs/mine"))

    assert draft.title in page
    assert need.title in page
    assert other.title not in page
    assert re.search(rf"{need.title}</a></td>.*?<td>1</td>", page, re.S)


# -- a need's page: matching suppliers and peers ----------------------------------------------


def test_a_published_needs_page_ranks_suppliers_with_reasons_and_shows_peers(client, make, body):
    need = make.need(
        body,
        domain="health",
        cpv=["33000000"],
        title="Fallforebygging for hjemmeboende eldre",
        description=HEALTH_TEXT,
    )
    best = make.supplier(name="Best Match AS")
    make.capability(
        best,
        title="Fallforebygging og fallalarm for eldre",
        domains=["health"],
        cpv=["33000000"],
        fylker=["03"],
        description="Sensorer varsler når eldre faller hjemme.",
    )
    weaker = make.supplier(name="Svakere Match AS")
    make.capability(
        weaker,
        title="Velferdsteknologi",
        domains=["health"],
        cpv=["48000000"],
        fylker=["46"],
        description="Digitale løsninger for hjemmetjenesten.",
    )
    unrelated = make.supplier(name="Asfalt og Veier AS")
    make.capability(
        unrelated,
        title="Asfaltering",
        domains=["climate"],
        cpv=["45233000"],
        fylker=["46"],
        description="Vi legger asfalt på veier.",
    )
    peer = make.need(
        make.public_body(name="Nabokommune"),
        domain="health",
        cpv=["33000000"],
        title="Fallforebygging i omsorgsboliger",
        description=HEALTH_TEXT,
    )
    own_other = make.need(body, domain="health", title="Fallforebygging på sykehjem", description=HEALTH_TEXT)

    response = client.get(f"/needs/{need.id}")

    page = text(response)
    assert response.status_code == 200
    suppliers = page[page.index('id="h-suppliers"') : page.index('id="h-peers"')]
    assert "Best Match AS" in suppliers
    # Sharing only the domain (health) is no match, and the list says how many strong matches it has.
    assert "Svakere Match AS" not in suppliers
    assert "Asfalt og Veier AS" not in suppliers
    assert "1 strong match." in suppliers
    assert 'class="reasons"' in suppliers
    # Both say 33000000, a division's code: the same broad heading, as close as a class.
    assert "Same CPV class: 33000000 (" in suppliers
    peers = page[page.index('id="h-peers"') :]
    assert peer.title in peers
    assert "Nabokommune" in peers
    assert "1 other body has this challenge." in peers
    assert own_other.title not in peers  # peers are other bodies' needs


def test_empty_match_lists_say_so_and_promise_a_notice(login, client, make, body, body_admin):
    need = make.need(
        body, cpv=[], title="Digital tilsyn av fyrlykter", description="Lyktene slukner om natten."
    )
    anonymous = text(client.get(f"/needs/{need.id}"))
    assert "No other public body has published this challenge yet." in anonymous
    assert "No registered supplier matches this need strongly yet." in anonymous
    assert "and follow the need to hear when one does." in anonymous
    login(body_admin)
    owner = text(client.get(f"/needs/{need.id}"))
    assert owner.count("We will tell you when one does.") == 2
    # A need without codes is matched less surely: the owner is shown how to help.
    assert "Tip: add CPV codes to the need." in owner


def test_an_owners_draft_page_shows_similar_published_needs(login, client, make, body, body_admin):
    draft = make.need(body, stage=Stage.DRAFT, title="Fallforebygging for eldre", description=HEALTH_TEXT)
    peer = make.need(make.public_body(), title="Fallforebygging i omsorgsboliger", description=HEALTH_TEXT)
    login(body_admin)

    page = text(client.get(f"/needs/{draft.id}"))

    assert "Similar needs already published" in page
    assert peer.title in page
    assert 'id="h-suppliers"' not in page  # matching suppliers wait for the need to be published


# -- responding to a need ---------------------------------------------------------------------


@pytest.fixture
def open_need(make, body):
    return make.need(body, title="Digitalt tilsyn for hjemmeboende")


def test_a_supplier_responds_and_the_body_sees_it(app, login, client, open_need, body_admin, supplier_user):
    login(supplier_user)
    assert 'action="/needs/' in text(client.get(f"/needs/{open_need.id}"))  # the form is offered

    response = client.post(
        f"/needs/{open_need.id}/responses",
        data={"message": "Vi har en løsning for dette.", "link": "https://trygg.example"},
    )

    assert location(response) == f"/needs/{open_need.id}#response"
    own = text(client.get(f"/needs/{open_need.id}"))
    assert "Your response" in own
    assert "Vi har en løsning for dette." in own
    (saved,) = rows(Response)
    assert (saved.organisation_id, saved.user_id, saved.link) == (
        supplier_user.organisation_id,
        supplier_user.id,
        "https://trygg.example",
    )
    client.post("/logout")

    login(body_admin)
    page = text(client.get(f"/needs/{open_need.id}"))
    responses = page[page.index('id="responses"') :]
    assert "Trygg Teknologi AS" in responses
    assert "Vi har en løsning for dette." in responses
    assert "(1)" in responses


def test_a_second_response_from_the_same_supplier_is_refused_with_a_message(
    login, client, make, open_need, supplier, supplier_user
):
    colleague = make.user(supplier, role=Role.MEMBER)
    login(supplier_user)
    client.post(f"/needs/{open_need.id}/responses", data={"message": "Første svar."})
    client.post("/logout")
    login(colleague)

    response = client.post(f"/needs/{open_need.id}/responses", data={"message": "Andre svar."})

    assert location(response) == f"/needs/{open_need.id}"
    assert "already responded" in text(client.get(f"/needs/{open_need.id}"))
    assert [r.message for r in rows(Response)] == ["Første svar."]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"message": ""}, "message"),
        ({"message": "Vi kan hjelpe.", "link": "ftp://trygg.example"}, "link"),
        ({"message": "Vi kan hjelpe.", "link": "ikke en lenke"}, "link"),
    ],
)
def test_an_invalid_response_is_shown_again(login, client, open_need, supplier_user, data, field):
    login(supplier_user)

    response = client.post(f"/needs/{open_need.id}/responses", data=data)

    assert response.status_code == 422
    assert field_error(text(response), field)
    if data["message"]:
        assert data["message"] in text(response)
    assert count(Response) == 0


def test_the_body_sets_a_responses_status(login, client, open_need, body_admin, supplier_user):
    saved = responses_service.submit_response(
        supplier_user, open_need, responses_service.ResponseDraft(message="Vi kan hjelpe.")
    )
    login(body_admin)

    response = client.post(f"/needs/responses/{saved.id}/status", data={"status": "invited"})
    bogus = client.post(f"/needs/responses/{saved.id}/status", data={"status": "hired"})

    assert location(response) == f"/needs/{open_need.id}#responses"
    assert bogus.status_code == 400
    assert rows(Response)[0].status == ResponseStatus.INVITED
    assert client.post("/needs/responses/999999/status", data={"status": "invited"}).status_code == 404


# -- similar needs while writing --------------------------------------------------------------


def test_similar_needs_is_a_fragment_of_other_bodies_published_needs(login, client, make, body, body_admin):
    other = make.need(
        make.public_body(name="Nabokommune"),
        title="Fallforebygging i omsorgsboliger",
        description=HEALTH_TEXT,
    )
    own = make.need(body, title="Fallforebygging på sykehjem", description=HEALTH_TEXT)
    login(body_admin)

    query = {"title": "Fallforebygging", "description": HEALTH_TEXT, "domain": "health", "cpv": "48000000"}
    response = client.get("/needs/similar", query_string=query)

    page = text(response)
    assert response.status_code == 200
    assert "<html" not in page
    assert other.title in page
    assert "Nabokommune" in page
    assert own.title not in page


def test_similar_needs_excludes_the_need_being_edited(login, client, make, body_admin):
    other = make.need(make.public_body(), title="Fallforebygging i omsorgsboliger", description=HEALTH_TEXT)
    login(body_admin)

    page = text(client.get("/needs/similar", query_string={"title": other.title, "exclude": str(other.id)}))

    assert other.title not in page


def test_similar_needs_without_text_is_empty(login, client, body_admin):
    login(body_admin)

    response = client.get("/needs/similar")

    assert response.status_code == 200
    assert "No similar published needs found yet." in text(response)
