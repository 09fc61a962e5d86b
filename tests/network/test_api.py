"""The public JSON API: routes, field names, filters, pagination, matching and JSON errors."""

from __future__ import annotations

import pytest
from flask_babel import refresh

from network import reference
from network.models import Stage
from network.views.api import cpv_prefix

NEED_FIELDS = {
    "id",
    "key",
    "url",
    "title",
    "description",
    "affected",
    "outcome",
    "domain",
    "cpv",
    "kommuner",
    "fylker",
    "route",
    "stage",
    "budget_min",
    "budget_max",
    "deadline",
    "doffin_ref",
    "language",
    "published_at",
    "updated_at",
    "organisation",
    "questions",
    "coordination_group",
}
CAPABILITY_FIELDS = {
    "id",
    "key",
    "url",
    "title",
    "description",
    "domains",
    "cpv",
    "fylker",
    "nationwide",
    "maturity",
    "references",
    "language",
    "updated_at",
    "organisation",
}
ORGANISATION_FIELDS = {
    "id",
    "key",
    "url",
    "name",
    "kind",
    "org_number",
    "country",
    "sector",
    "kommune",
    "fylke",
    "website",
    "description",
    "is_sme",
    "is_startup",
    "verified",
    "example",
}
REASON_FIELDS = {"kind", "detail", "values", "text"}


def in_english(client):
    """Messages checked word for word are read in English, the catalogue's source language."""
    with client.session_transaction() as session:
        session["lang"] = "en"


def get_json(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/json"
    return response.get_json()


def ids(payload) -> list[int]:
    return [item["id"] for item in payload["items"]]


def assert_embedded_owner(obj, org):
    owner = obj["organisation"]
    assert owner["id"] == org.id
    assert owner["key"] == org.key
    assert owner["name"] == org.name
    assert owner["url"].endswith(f"/{org.id}")
    assert owner["url"].startswith("http")


def assert_reasons(reasons):
    assert reasons
    for reason in reasons:
        assert set(reason) == REASON_FIELDS
        assert isinstance(reason["values"], list)
        assert isinstance(reason["text"], str)
        assert reason["text"].strip()


# -- needs ------------------------------------------------------------------------------------


def test_needs_list_has_the_contract_fields(client, make):
    body = make.public_body(name="Oslo kommune", key="974760673")
    need = make.need(organisation=body, key="n-1", cpv=["72212180"], budget_min=100_000, budget_max=500_000)

    payload = get_json(client, "/api/needs")

    assert set(payload) >= {"items", "total", "page"}
    assert payload["total"] == 1
    assert payload["page"] == 1
    item = payload["items"][0]
    assert set(item) == NEED_FIELDS
    assert item["id"] == need.id
    assert item["key"] == "n-1"
    assert item["url"].startswith("http")
    assert item["url"].endswith(f"/{need.id}")
    assert item["title"] == need.title
    assert item["domain"] == "health"
    assert item["cpv"] == ["72212180"]
    assert item["stage"] == "open"
    assert item["budget_min"] == 100_000
    assert item["deadline"] is None
    assert item["published_at"] is not None
    assert_embedded_owner(item, body)
    assert item["organisation"]["kind"] == "public_body"


def test_need_detail_embeds_its_organisation(client, make):
    body = make.public_body(key="body-1")
    need = make.need(organisation=body, key="n-2", stage=Stage.TENDERED, doffin_ref="2024-123456")

    item = get_json(client, f"/api/needs/{need.id}")

    assert set(item) == NEED_FIELDS
    assert item["id"] == need.id
    assert item["key"] == "n-2"
    assert item["stage"] == "tendered"
    assert item["doffin_ref"] == "2024-123456"
    assert_embedded_owner(item, body)


def test_a_need_without_key_says_null(client, make):
    need = make.need()
    assert get_json(client, f"/api/needs/{need.id}")["key"] is None


def test_drafts_never_appear(client, make):
    body = make.public_body()
    published = make.need(organisation=body, title="Publisert behov om tilsyn")
    draft = make.need(organisation=body, stage=Stage.DRAFT, title="Hemmelig utkast om tilsyn")

    assert ids(get_json(client, "/api/needs")) == [published.id]
    assert ids(get_json(client, "/api/needs?q=tilsyn")) == [published.id]
    assert get_json(client, f"/api/needs/{draft.id}", status=404)["error"]
    assert get_json(client, f"/api/needs/{draft.id}/suppliers", status=404)["error"]
    assert get_json(client, f"/api/needs/{draft.id}/peers", status=404)["error"]


def test_missing_need_is_a_json_404(client, app):
    assert get_json(client, "/api/needs/999", status=404)["error"]


def test_needs_filter_by_domain(client, make):
    health = make.need(domain="health")
    digital = make.need(domain="digital", title="Ny sak- og arkivløsning", cpv=["48000000"])

    assert ids(get_json(client, "/api/needs?domain=health")) == [health.id]
    assert ids(get_json(client, "/api/needs?domain=digital")) == [digital.id]
    both = get_json(client, "/api/needs?domain=health,digital")
    assert sorted(ids(both)) == sorted([health.id, digital.id])


def test_needs_filter_by_stage(client, make):
    open_need = make.need(stage=Stage.OPEN)
    tendered = make.need(stage=Stage.TENDERED)
    awarded = make.need(stage=Stage.AWARDED)

    assert ids(get_json(client, "/api/needs?stage=open")) == [open_need.id]
    assert ids(get_json(client, "/api/needs?stage=tendered")) == [tendered.id]
    both = get_json(client, "/api/needs?stage=tendered&stage=awarded")
    assert sorted(ids(both)) == sorted([tendered.id, awarded.id])


def test_needs_filter_by_fylke(client, make):
    oslo = make.need(organisation=make.public_body(kommune="0301"))
    bergen = make.need(organisation=make.public_body(kommune="4601"))

    assert ids(get_json(client, "/api/needs?fylke=46")) == [bergen.id]
    assert ids(get_json(client, "/api/needs?fylke=03")) == [oslo.id]


def test_needs_filter_by_cpv_prefix(client, make):
    software_dev = make.need(cpv=["72212180"], title="Utvikling av medisinsk programvare")
    packages = make.need(cpv=["48000000"], title="Programvarepakke for tilsyn")

    for cpv in ("72000000", "72", "722", "72200000", "72212180", "72212180-7", "722121"):
        assert ids(get_json(client, f"/api/needs?cpv={cpv}")) == [software_dev.id], cpv
    assert ids(get_json(client, "/api/needs?cpv=48000000-8")) == [packages.id]
    assert ids(get_json(client, "/api/needs?cpv=33")) == []


def test_needs_text_query(client, make):
    alarm = make.need(title="Trygghetsalarm for hjemmeboende eldre", description="Varsling ved fall.")
    make.need(
        title="Elektriske busser i bytrafikken",
        description="Utslippsfri kollektivtransport.",
        domain="climate",
        cpv=["34144910"],
    )

    assert ids(get_json(client, "/api/needs?q=trygghetsalarm")) == [alarm.id]


def test_needs_pagination(client, make):
    body = make.public_body()
    created = [make.need(organisation=body, title=f"Behov nummer {n}") for n in range(3)]

    first = get_json(client, "/api/needs?per_page=2")
    second = get_json(client, "/api/needs?per_page=2&page=2")

    assert first["total"] == second["total"] == 3
    assert (first["page"], second["page"]) == (1, 2)
    assert len(first["items"]) == 2
    assert len(second["items"]) == 1
    assert sorted(ids(first) + ids(second)) == sorted(n.id for n in created)


@pytest.mark.parametrize(
    ("query", "mentions"),
    [
        ("page=abc", "page"),
        ("page=0", "page"),
        ("page=1.5", "page"),
        ("per_page=0", "per_page"),
        ("per_page=101", "per_page"),
        ("domain=sport", "domain"),
        ("stage=draft", "stage"),
        ("stage=closed", "stage"),
        ("cpv=abc", "CPV"),
        ("cpv=7", "CPV"),
        ("cpv=123456789", "CPV"),
        ("cpv=72000000-66", "CPV"),
        ("cpv=12345678", "CPV"),
        ("fylke=99", "fylke"),
        ("fylke=Viken", "fylke"),
        ("order=random", "order"),
    ],
)
def test_needs_bad_parameters_are_json_400(client, app, query, mentions):
    in_english(client)
    payload = get_json(client, f"/api/needs?{query}", status=400)
    assert mentions in payload["error"]


def test_per_page_limit_of_100_is_accepted(client, app):
    assert get_json(client, "/api/needs?per_page=100")["items"] == []


@pytest.mark.parametrize(
    ("given", "prefix"),
    [
        ("72000000", "72"),
        ("72200000", "722"),
        ("72212180", "7221218"),
        ("72212100", "722121"),
        ("72000000-6", "72"),
        ("60000000", "60"),
        ("03000000", "03"),
        ("7221", "7221"),
    ],
)
def test_cpv_parameter_becomes_a_prefix(app, given, prefix):
    assert cpv_prefix(given) == prefix


# -- matching ---------------------------------------------------------------------------------


def test_suppliers_rank_shared_cpv_and_text_first(client, make):
    need = make.need(
        title="Elektronisk pasientjournal for sykehjem",
        description="Sykehjemmene trenger et journalsystem som pleierne kan bruke ved sengen.",
        domain="health",
        cpv=["48814000"],
    )
    good = make.supplier(name="Journal AS", key="journal-as")
    weak = make.supplier(name="Renhold AS")
    cap = make.capability(
        organisation=good,
        title="Journalsystem for sykehjem",
        description="Elektronisk pasientjournal for pleie og omsorg, brukt ved sengen.",
        cpv=["48814000"],
    )
    make.capability(
        organisation=weak,
        title="Renhold av helsebygg",
        description="Vask og desinfeksjon av institusjoner.",
        cpv=["90919200"],
    )

    in_english(client)
    payload = get_json(client, f"/api/needs/{need.id}/suppliers")

    orgs = [item["organisation"]["id"] for item in payload["items"]]
    assert orgs[0] == good.id
    if weak.id in orgs:
        assert payload["items"][1]["score"] <= payload["items"][0]["score"]
    best = payload["items"][0]
    assert set(best) == {"organisation", "score", "confidence", "reasons", "capabilities"}
    # Every listed match is at least as likely right as the list's floor, which the answer states.
    assert 0 < payload["min_confidence"] <= min(item["confidence"] for item in payload["items"]) <= 1
    assert set(best["organisation"]) == ORGANISATION_FIELDS
    assert best["organisation"]["key"] == "journal-as"
    assert best["organisation"]["url"].endswith(f"/{good.id}")
    assert best["score"] == round(best["score"], 4)
    assert_reasons(best["reasons"])
    assert {r["kind"] for r in best["reasons"]} >= {"cpv", "terms"}
    cpv_reason = next(r for r in best["reasons"] if r["kind"] == "cpv")
    assert cpv_reason["detail"] == "code"
    assert cpv_reason["text"].startswith("Same CPV code")
    assert "48814000" in cpv_reason["text"]
    assert [c["id"] for c in best["capabilities"]] == [cap.id]
    assert set(best["capabilities"][0]) == CAPABILITY_FIELDS
    assert_embedded_owner(best["capabilities"][0], good)


def test_suppliers_limit(client, make):
    need = make.need()
    for _ in range(3):
        make.capability()

    assert len(get_json(client, f"/api/needs/{need.id}/suppliers?limit=2")["items"]) == 2
    assert get_json(client, f"/api/needs/{need.id}/suppliers?limit=0", status=400)["error"]
    assert get_json(client, f"/api/needs/{need.id}/suppliers?limit=51", status=400)["error"]
    assert get_json(client, f"/api/needs/{need.id}/suppliers?limit=x", status=400)["error"]


def test_peers_are_other_bodies_needs(client, make):
    body = make.public_body()
    other = make.public_body()
    need = make.need(organisation=body)
    own_sibling = make.need(organisation=body, title="Digitalt tilsyn for hjemmetjenesten, del 2")
    peer = make.need(organisation=other, key="peer-1")
    make.need(organisation=other, stage=Stage.DRAFT)

    payload = get_json(client, f"/api/needs/{need.id}/peers")

    found = [item["need"]["id"] for item in payload["items"]]
    assert found == [peer.id]
    assert need.id not in found
    assert own_sibling.id not in found
    item = payload["items"][0]
    assert set(item) == {"need", "score", "confidence", "reasons"}
    assert payload["min_confidence"] <= item["confidence"] <= 1
    assert set(item["need"]) == NEED_FIELDS
    assert item["need"]["key"] == "peer-1"
    assert_embedded_owner(item["need"], other)
    assert item["score"] == round(item["score"], 4)
    assert_reasons(item["reasons"])


def test_needs_for_you_ranks_open_needs_for_a_supplier(client, make):
    supplier = make.supplier(key="acme")
    make.capability(organisation=supplier)
    open_need = make.need()
    make.need(stage=Stage.DRAFT)
    make.need(stage=Stage.TENDERED)

    payload = get_json(client, f"/api/organisations/{supplier.id}/needs-for-you")

    assert [item["need"]["id"] for item in payload["items"]] == [open_need.id]
    item = payload["items"][0]
    assert set(item) == {"need", "score", "confidence", "reasons"}
    assert set(item["need"]) == NEED_FIELDS
    assert_reasons(item["reasons"])


def test_needs_for_you_refuses_public_bodies(client, make):
    body = make.public_body()
    make.need(organisation=body)
    in_english(client)

    assert "supplier" in get_json(client, f"/api/organisations/{body.id}/needs-for-you", status=400)["error"]
    assert get_json(client, "/api/organisations/999/needs-for-you", status=404)["error"]


def test_needs_for_you_without_capabilities_is_empty(client, make):
    supplier = make.supplier()
    make.need()
    assert get_json(client, f"/api/organisations/{supplier.id}/needs-for-you")["items"] == []


# -- organisations and capabilities -----------------------------------------------------------


def test_organisation_detail(client, make):
    supplier = make.supplier(
        name="Acme AS", key="acme", org_number="923609016", is_sme=True, website="https://acme.example"
    )

    item = get_json(client, f"/api/organisations/{supplier.id}")

    assert set(item) == ORGANISATION_FIELDS
    assert item["id"] == supplier.id
    assert item["key"] == "acme"
    assert item["url"].startswith("http")
    assert item["url"].endswith(f"/{supplier.id}")
    assert item["kind"] == "supplier"
    assert item["org_number"] == "923609016"
    assert item["is_sme"] is True
    assert item["example"] is False


def test_public_body_detail(client, make):
    body = make.public_body(name="Bergen kommune", kommune="4601")
    item = get_json(client, f"/api/organisations/{body.id}")
    assert (item["kind"], item["sector"], item["kommune"], item["fylke"]) == (
        "public_body",
        "municipality",
        "4601",
        "46",
    )


def test_missing_organisation_is_a_json_404(client, app):
    assert get_json(client, "/api/organisations/12345", status=404)["error"]


def test_capabilities_list_and_detail(client, make):
    supplier = make.supplier(key="sensor-as")
    cap = make.capability(organisation=supplier, key="c-1", nationwide=True, maturity="pilot")
    make.capability(
        domains=["climate"],
        title="Solcelleanlegg på kommunale bygg",
        description="Energiproduksjon på tak.",
        cpv=["09331200"],
    )

    payload = get_json(client, "/api/capabilities?domain=health")
    assert payload["total"] == 1
    assert payload["page"] == 1
    item = payload["items"][0]
    assert set(item) == CAPABILITY_FIELDS
    assert item["id"] == cap.id
    assert item["key"] == "c-1"
    assert item["nationwide"] is True
    assert item["maturity"] == "pilot"
    assert_embedded_owner(item, supplier)

    assert get_json(client, f"/api/capabilities/{cap.id}") == item
    assert get_json(client, "/api/capabilities/999", status=404)["error"]


def test_capabilities_filters(client, make):
    oslo = make.capability(fylker=["03"], cpv=["48000000"], title="Digitalt tilsyn")
    vestland = make.capability(fylker=["46"], cpv=["72212180"], title="Programvareutvikling for helse")

    assert ids(get_json(client, "/api/capabilities?fylke=46")) == [vestland.id]
    assert ids(get_json(client, "/api/capabilities?cpv=72000000")) == [vestland.id]
    assert ids(get_json(client, "/api/capabilities?cpv=48")) == [oslo.id]
    assert ids(get_json(client, "/api/capabilities?q=programvareutvikling")) == [vestland.id]
    assert get_json(client, "/api/capabilities?per_page=500", status=400)["error"]
    assert get_json(client, "/api/capabilities?fylke=00", status=400)["error"]


# -- CPV --------------------------------------------------------------------------------------


def test_cpv_suggest_for_software_text(client, app):
    payload = get_json(client, "/api/cpv/suggest?text=programvare%20journalsystem&limit=5")

    items = payload["items"]
    assert 0 < len(items) <= 5
    for item in items:
        assert set(item) == {"code", "label", "score"}
        assert reference.valid_cpv(item["code"])
        assert item["label"]
        assert item["label"] != item["code"]
        assert item["score"] == round(item["score"], 4)
    # Software packages (48) or IT services (72) among the first suggestions.
    assert any(item["code"][:2] in ("48", "72") for item in items[:3])


@pytest.mark.parametrize(
    "query", ["", "text=", "text=%20%20", "text=journal&limit=0", "text=journal&limit=99"]
)
def test_cpv_suggest_bad_input(client, app, query):
    assert get_json(client, f"/api/cpv/suggest?{query}", status=400)["error"]


def test_cpv_search_in_the_request_locale(client, app):
    nb = get_json(client, "/api/cpv?q=72000000&limit=1")["items"]
    assert nb == [{"code": "72000000", "label": reference.cpv("72000000").label("nb")}]

    with client.session_transaction() as session:
        session["lang"] = "en"
    # The test client shares the test's app context, where Flask-Babel caches the first request's locale.
    refresh()
    en = get_json(client, "/api/cpv?q=72000000&limit=1")["items"]
    assert en == [{"code": "72000000", "label": reference.cpv("72000000").label_en}]


def test_cpv_search_by_words(client, app):
    items = get_json(client, "/api/cpv?q=programvare")["items"]
    assert 0 < len(items) <= 20
    assert all(set(item) == {"code", "label"} for item in items)
    assert all("programvare" in item["label"].lower() for item in items)
    assert get_json(client, "/api/cpv?q=")["items"] == []
    assert get_json(client, "/api/cpv?q=a&limit=100", status=400)["error"]


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/api/no-such-thing", 404),
        ("get", "/api/needs/abc", 404),
        ("post", "/api/needs", 405),
        ("delete", "/api/needs/1", 405),
        ("get", "/api/needs?page=x", 400),
    ],
)
def test_errors_are_json(client, app, method, url, status):
    response = getattr(client, method)(url)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    assert set(response.get_json()) == {"error"}
    assert response.get_json()["error"]


def test_a_page_of_needs_costs_the_same_queries_for_2_or_12_needs(client, make):
    from sqlalchemy import event

    from network.extensions import db

    body = make.public_body()

    def queries_for_page() -> int:
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/api/needs?per_page=50").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return len(statements)

    for _ in range(2):
        make.need(body)
    few = queries_for_page()
    for _ in range(10):
        make.need(body)
    assert queries_for_page() == few


@pytest.mark.parametrize(
    ("path", "name", "limit"),
    [("/api/needs", "q", 500), ("/api/capabilities", "q", 500), ("/api/cpv", "q", 500),
     ("/api/cpv/suggest", "text", 20_000)],
)  # fmt: skip
def test_an_over_long_text_parameter_is_json_400(client, path, name, limit):
    in_english(client)

    assert get_json(client, f"{path}?{name}={'a' * limit}", status=200)
    payload = get_json(client, f"{path}?{name}={'a' * (limit + 1)}", status=400)

    assert payload["error"] == f"{name} can be at most {limit} characters."
