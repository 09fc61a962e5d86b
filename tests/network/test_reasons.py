"""Why a match matched, in one wording on the pages and in the API: "Same county" (never "Same
region"), sentence case everywhere, the CPV reason with both records' codes when they differ and each
code once."""

from __future__ import annotations

import re

import pytest

from network import labels
from search import Reason
from tests.helpers import text

HEALTH_TEXT = "Sensorer som varsler fall hos eldre som bor hjemme, med trygghetsalarm og varsling."


@pytest.fixture
def need_with_supplier(make):
    body = make.public_body(name="Oslo kommune", kommune="0301")
    need = make.need(
        body, domain="health", cpv=["33191000"], fylker=["03"], title="Fallvarsling", description=HEALTH_TEXT
    )
    supplier = make.supplier(name="Sensor AS")
    make.capability(
        supplier,
        title="Fallsensor med varsling",
        domains=["health"],
        cpv=["33192000"],
        fylker=["03"],
        description=HEALTH_TEXT,
    )
    return need


def _reasons(page: str, heading: str) -> list[str]:
    part = page[page.index(f'id="{heading}"') :]
    found = re.search(r'<ul class="reasons">(.*?)</ul>', part, re.S)
    assert found, part[:2000]
    return [re.sub(r"\s+", " ", li).strip() for li in re.findall(r"<li>(.*?)</li>", found[1], re.S)]


@pytest.mark.parametrize(
    ("language", "county", "cpv"),
    [("nb", "Samme fylke: Oslo", "Samme CPV-"), ("en", "Same county: Oslo", "Same CPV ")],
)
def test_the_page_and_the_api_give_the_same_reasons(client, need_with_supplier, language, county, cpv):
    with client.session_transaction() as session:
        session["lang"] = language
    page = text(client.get(f"/needs/{need_with_supplier.id}"))
    shown = _reasons(page, "h-suppliers")
    api = client.get(f"/api/needs/{need_with_supplier.id}/suppliers", headers={"Accept-Language": language})
    said = [r["text"] for r in api.get_json()["items"][0]["reasons"]]

    assert shown == said
    assert county in shown
    assert "region" not in " ".join(shown).lower()
    cpv_reason = next(r for r in shown if r.startswith(cpv))
    # Both records' codes, each once: the need's 33191000 and the capability's 33192000.
    assert "33191000" in cpv_reason
    assert "33192000" in cpv_reason
    assert len(re.findall(r"\d{8}", cpv_reason)) == 2
    # Every reason starts with a capital letter.
    assert all(r[:1].isupper() for r in shown)


def test_cpv_reasons_name_each_code_once(app):
    with app.test_request_context():
        same = labels.reason_text(Reason("cpv", ("33191000~33191000", "33191000~33191000"), "code"))
        both = labels.reason_text(Reason("cpv", ("79620000~79625000",), "division"))
        many = labels.reason_text(Reason("cpv", ("33191000~33192000", "33191000~33191000"), "class"))
        suggested = labels.reason_text(Reason("cpv", ("~33191000",), "suggested"))
        domain = labels.reason_text(Reason("domain", ("health", "health")))
        nationwide = labels.reason_text(Reason("region", (), "nationwide"))

    assert re.findall(r"\d{8}", same) == ["33191000"]
    assert same.startswith("Samme CPV-kode: 33191000 (")
    assert re.findall(r"\d{8}", both) == ["79620000", "79625000"]
    assert both.startswith("Samme CPV-hovedgruppe: ")
    assert re.findall(r"\d{8}", many) == ["33191000", "33192000"]
    assert re.findall(r"\d{8}", suggested) == ["33191000"]
    assert domain == "Samme område: Helse og omsorg"
    assert nationwide == "Leverer i hele landet"
