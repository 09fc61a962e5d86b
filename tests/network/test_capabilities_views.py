"""The capability pages through the test client."""

from __future__ import annotations

import pytest

from network.models import Capability
from tests.helpers import capability_form, count, field_error, input_value, location, rows, text

pytestmark = pytest.mark.usefixtures("english")


# -- capabilities -----------------------------------------------------------------------------


def test_a_supplier_describes_a_capability(login, client, supplier, supplier_user):
    login(supplier_user)
    assert client.get("/capabilities/new").status_code == 200

    response = client.post("/capabilities/new", data=capability_form())

    (cap,) = rows(Capability)
    assert location(response) == f"/capabilities/{cap.id}"
    assert (cap.organisation_id, cap.domains, cap.fylker, cap.maturity.value) == (
        supplier.id,
        ["health", "digital"],
        ["03", "32"],
        "pilot",
    )
    page = text(client.get(f"/capabilities/{cap.id}"))
    assert "Fallalarm med sensorer" in page
    assert f'href="/capabilities/{cap.id}/edit"' in page


def test_an_invalid_capability_is_shown_again_with_its_text(login, client, supplier_user):
    login(supplier_user)

    response = client.post("/capabilities/new", data=capability_form(title="", cpv="99999999"))

    page = text(response)
    assert response.status_code == 422
    assert field_error(page, "title")
    assert "Sensorer som varsler når noen faller." in page
    assert count(Capability) == 0


def test_a_supplier_edits_a_capability(login, client, make, supplier, supplier_user):
    cap = make.capability(supplier, title="Gammel evne")
    login(supplier_user)

    form = client.get(f"/capabilities/{cap.id}/edit")
    response = client.post(f"/capabilities/{cap.id}/edit", data=capability_form(title="Ny evne"))

    assert input_value(text(form), "title") == "Gammel evne"
    assert location(response) == f"/capabilities/{cap.id}"
    assert rows(Capability)[0].title == "Ny evne"


def test_removing_a_capability_asks_first(login, client, make, supplier, supplier_user):
    cap = make.capability(supplier)
    login(supplier_user)

    confirm = client.get(f"/capabilities/{cap.id}/delete")
    assert confirm.status_code == 200
    assert f'action="/capabilities/{cap.id}/delete"' in text(confirm)
    assert count(Capability) == 1

    response = client.post(f"/capabilities/{cap.id}/delete")

    assert location(response) == f"/organisations/{supplier.id}"
    assert count(Capability) == 0
    assert client.get(f"/capabilities/{cap.id}").status_code == 404
