"""The organisation pages through the test client: profiles, the list, needs for a supplier, members."""

from __future__ import annotations

import pytest

from network.models import Organisation, Role, Stage
from tests.helpers import HEALTH_TEXT, field_error, input_value, location, rows, text

pytestmark = pytest.mark.usefixtures("english")


# -- organisations ----------------------------------------------------------------------------


def test_a_public_bodys_page_shows_its_published_needs_and_drafts_only_to_members(
    login, client, make, body, body_admin
):
    published = make.need(body, title="Publisert behov")
    draft = make.need(body, stage=Stage.DRAFT, title="Internt utkast")

    outsider = text(client.get(f"/organisations/{body.id}"))
    login(body_admin)
    member = text(client.get(f"/organisations/{body.id}"))

    assert published.title in outsider
    assert draft.title not in outsider
    assert f'href="/organisations/{body.id}/edit"' not in outsider
    assert published.title in member
    assert draft.title in member
    assert f'href="/organisations/{body.id}/edit"' in member


def test_a_suppliers_page_shows_its_capabilities(client, make, supplier):
    cap = make.capability(supplier, title="Fallalarm med sensorer")
    other = make.capability(make.supplier(), title="Noen andres evne")

    response = client.get(f"/organisations/{supplier.id}")

    assert response.status_code == 200
    assert f'href="/capabilities/{cap.id}"' in text(response)
    assert other.title not in text(response)


def test_the_organisation_list_filters_by_kind(client, body, supplier):
    everyone = text(client.get("/organisations"))
    suppliers = text(client.get("/organisations?kind=supplier"))

    assert "Eierkommune" in everyone
    assert "Trygg Teknologi AS" in everyone
    assert "Trygg Teknologi AS" in suppliers
    assert "Eierkommune" not in suppliers


def test_an_admin_edits_the_organisations_profile(login, client, body, body_admin):
    login(body_admin)
    form = client.get(f"/organisations/{body.id}/edit")
    assert input_value(text(form), "name") == "Eierkommune"

    response = client.post(
        f"/organisations/{body.id}/edit",
        data={
            "name": "Eierkommune kommune",
            "org_number": "974760673",
            "sector": "municipality",
            "kommune": "0301",
            "website": "https://eier.kommune.example",
            "description": "Vi eier behov.",
        },
    )

    assert location(response) == f"/organisations/{body.id}"
    (org,) = rows(Organisation)
    assert (org.name, org.org_number, org.website) == (
        "Eierkommune kommune",
        "974760673",
        "https://eier.kommune.example",
    )
    assert "Vi eier behov." in text(client.get(f"/organisations/{body.id}"))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"website": "ikke en adresse"}, "website"),
        ({"org_number": "123456789"}, "org_number"),
        ({"name": ""}, "name"),
    ],
)
def test_an_invalid_profile_is_shown_again(login, client, body, body_admin, change, field):
    login(body_admin)
    data = {"name": "Nytt navn", "sector": "municipality", "kommune": "0301", "description": "Ny tekst"}

    response = client.post(f"/organisations/{body.id}/edit", data={**data, **change})

    assert response.status_code == 422
    assert field_error(text(response), field)
    assert "Ny tekst" in text(response)
    assert rows(Organisation)[0].name == "Eierkommune"


def test_needs_for_a_supplier_list_matching_open_needs(login, client, make, body, supplier, supplier_user):
    make.capability(
        supplier,
        title="Fallalarm for eldre",
        description=HEALTH_TEXT,
        domains=["health"],
        cpv=["33000000"],
        fylker=["03"],
    )
    fits = make.need(body, title="Fallforebygging for eldre", description=HEALTH_TEXT, cpv=["33000000"])
    closed = make.need(
        body, stage=Stage.AWARDED, title="Tildelt fallforebygging", description=HEALTH_TEXT, cpv=["33000000"]
    )
    draft = make.need(body, stage=Stage.DRAFT, title="Utkast om fallforebygging", description=HEALTH_TEXT)
    login(supplier_user)

    response = client.get("/organisations/for-you")

    page = text(response)
    assert response.status_code == 200
    assert fits.title in page
    assert 'class="reasons"' in page
    assert closed.title not in page
    assert draft.title not in page


def test_a_supplier_without_capabilities_is_asked_to_describe_one(login, client, make, body, supplier_user):
    make.need(body)
    login(supplier_user)

    page = text(client.get("/organisations/for-you"))

    assert "Describe what you can do" in page
    assert 'href="/capabilities/new"' in page


def test_an_admin_sees_colleagues_and_the_invitation_form(login, client, make, body, body_admin):
    make.user(body, role=Role.MEMBER, name="Kari Kollega")
    login(body_admin)

    page = text(client.get("/organisations/members"))

    assert "Berit Byråkrat" in page
    assert "Kari Kollega" in page
    assert 'name="email"' in page
