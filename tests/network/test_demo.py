"""Demo content: well-formed bulk-import records, covering the priority domains, all flagged as examples."""

import json
import os
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pytest

from network import demo, reference

ROOT = Path(__file__).resolve().parents[2]

DOMAINS = {"health", "climate", "digital", "other"}
STAGES = {"draft", "open", "dialogue_closed", "tendered", "awarded", "cancelled"}
ROUTES = {"market_dialogue", "innovation_partnership", "pre_commercial", "competitive_dialogue", "undecided"}
SECTORS = {"municipality", "county", "state", "health_trust", "other"}
MATURITIES = {"idea", "prototype", "pilot", "in_use"}
LANGUAGES = {"nb", "nn", "en"}


@pytest.fixture(scope="module")
def records():
    return demo.demo_records()


def of_type(records, kind):
    return [r for r in records if r["type"] == kind]


def test_keys_are_unique_per_type(records):
    for kind in ("organisation", "need", "capability"):
        keys = [r["key"] for r in of_type(records, kind)]
        assert keys
        assert len(keys) == len(set(keys)), kind
        assert all(isinstance(k, str) and 0 < len(k) <= 200 for k in keys)


def test_only_fields_the_import_accepts(records):
    for record in records:
        allowed = demo.FIELDS_BY_TYPE[record["type"]]
        assert set(record) <= allowed, (record["key"], set(record) - allowed)
        assert record["title" if record["type"] != "organisation" else "name"].strip()


def test_needs_and_capabilities_belong_to_organisations_in_the_file(records):
    kinds = {r["key"]: r["kind"] for r in of_type(records, "organisation")}
    for need in of_type(records, "need"):
        assert kinds.get(need["organisation"]) == "public_body", need["key"]
    for capability in of_type(records, "capability"):
        assert kinds.get(capability["organisation"]) == "supplier", capability["key"]


def test_organisations_come_before_what_refers_to_them(records):
    types = [r["type"] for r in records]
    last_organisation = max(i for i, t in enumerate(types) if t == "organisation")
    assert all(t == "organisation" for t in types[: last_organisation + 1])


def test_every_organisation_is_flagged_as_an_example(records):
    assert all(org["example"] is True for org in of_type(records, "organisation"))


def test_public_bodies_are_norwegian_and_verified(records):
    bodies = [o for o in of_type(records, "organisation") if o["kind"] == "public_body"]
    assert len(bodies) >= 100
    for body in bodies:
        assert body.get("country", "NO") == "NO"
        assert body["verified"] is True
        assert body["sector"] in SECTORS
        if "kommune" in body:
            assert reference.valid_kommune(body["kommune"])
            assert body["sector"] == "municipality"
    assert {b["sector"] for b in bodies} == SECTORS


def test_buyer_names_are_tidied():
    assert demo.normalise_buyer("KRISTIANSAND KOMMUNE") == "Kristiansand kommune"
    assert demo.normalise_buyer("Tysvær kommune co/BERGEN CAPITAL MANAGEMENT AS") == "Tysvær kommune"
    assert demo.normalise_buyer("Finnut Consult AS Nesseby kommune") == "Nesseby kommune"
    assert demo.normalise_buyer("Oslo kommune v/ Sykehjemsetaten") == "Oslo kommune"
    assert demo.normalise_buyer("TROMS OG FINNMARK FYLKESKOMMUNE") == "Troms og Finnmark fylkeskommune"
    assert demo.normalise_buyer("Rambøll Norge AS (hovedenhet)") is None


@pytest.mark.parametrize(
    ("name", "sector"),
    [("Asker kommune", "municipality"), ("Voss herad", "municipality"), ("Vestland fylkeskommune", "county"),
     ("Sykehusinnkjøp HF", "health_trust"), ("Helse Sør-Øst RHF", "health_trust"),
     ("Utdanningsdirektoratet", "state"), ("Arbeids- og velferdsetaten (NAV)", "state"),
     ("Kommunal- og distriktsdepartementet", "state"), ("Bane NOR SF", "state"), ("Movar IKS", "other")],
)  # fmt: skip
def test_sector_guess(name, sector):
    assert demo.guess_sector(name) == sector


def test_municipal_needs_concern_the_bodys_kommune(records):
    bodies = {o["key"]: o for o in of_type(records, "organisation")}
    asker = [n for n in of_type(records, "need") if bodies[n["organisation"]]["name"] == "Asker kommune"]
    assert asker
    assert all(n["kommuner"] == ["3203"] for n in asker)


def test_need_values_are_valid(records):
    needs = of_type(records, "need")
    assert 200 <= len(needs) <= 300
    for need in needs:
        assert need["domain"] in DOMAINS
        assert need["stage"] in STAGES - {"draft"}
        assert need.get("route", "undecided") in ROUTES
        assert need["language"] in LANGUAGES
        assert need["cpv"]
        assert all(reference.valid_cpv(c) for c in need["cpv"])
        assert need["domain"] == reference.domain_for_cpv(need["cpv"])
        assert all(reference.valid_kommune(k) for k in need.get("kommuner", []))
        assert all(reference.valid_fylke(f) for f in need.get("fylker", []))
        assert "description" not in need or need["description"].strip()
        if "deadline" in need:
            date.fromisoformat(need["deadline"])
        if need["stage"] in ("tendered", "awarded"):
            assert need["doffin_ref"]


def test_no_click_here_link_lines_in_descriptions(records):
    for need in of_type(records, "need"):
        assert "permalink.mercell.com" not in need.get("description", "")


def test_each_priority_domain_has_at_least_eight_open_needs(records):
    open_needs = Counter(n["domain"] for n in of_type(records, "need") if n["stage"] == "open")
    for domain in ("health", "climate", "digital"):
        assert open_needs[domain] >= 8, open_needs


def test_some_needs_are_past_the_open_stage(records):
    stages = Counter(n["stage"] for n in of_type(records, "need"))
    assert stages["open"] > len(of_type(records, "need")) / 2
    assert stages["dialogue_closed"] > 0
    assert stages["tendered"] > 0


def test_uk_suppliers_have_capabilities_from_the_notices_they_won(records):
    suppliers = [
        o for o in of_type(records, "organisation") if o["kind"] == "supplier" and o["country"] == "GB"
    ]
    assert len(suppliers) > 100
    capabilities = Counter(c["organisation"] for c in of_type(records, "capability"))
    assert all(capabilities[s["key"]] >= 1 for s in suppliers)
    for capability in of_type(records, "capability"):
        if capability["key"].startswith("gb-"):
            assert capability["language"] == "en"
            assert capability["nationwide"] is True
            assert "fylker" not in capability


def test_norwegian_example_suppliers(records):
    suppliers = [
        o for o in of_type(records, "organisation") if o["kind"] == "supplier" and o["country"] == "NO"
    ]
    assert 6 <= len(suppliers) <= 10
    assert all("org_number" not in s for s in suppliers)
    assert all("Eksempel" in s["name"] for s in suppliers)
    keys = {s["key"] for s in suppliers}
    capabilities = [c for c in of_type(records, "capability") if c["organisation"] in keys]
    covered = {d for c in capabilities for d in c["domains"]}
    assert {"health", "climate", "digital"} <= covered
    for capability in capabilities:
        assert capability["language"] == "nb"
        assert capability["maturity"] in MATURITIES
        assert capability["nationwide"] or capability["fylker"]
        assert all(reference.valid_fylke(f) for f in capability.get("fylker", []))
        assert all(reference.valid_cpv(c) for c in capability["cpv"])


def test_capability_values_are_valid(records):
    for capability in of_type(records, "capability"):
        assert capability["domains"]
        assert set(capability["domains"]) <= DOMAINS
        assert all(reference.valid_cpv(c) for c in capability["cpv"])


def test_write_demo_jsonl_round_trips(tmp_path, records):
    path = tmp_path / "demo.jsonl"
    count = demo.write_demo_jsonl(path)
    lines = path.read_text(encoding="utf-8").splitlines()
    assert count == len(lines) == len(records)
    assert [json.loads(line) for line in lines] == records


def test_output_is_the_same_in_every_process(tmp_path):
    # Keys must be stable across runs: a second import updates the same records instead of adding more.
    outputs = []
    for seed in ("1", "2"):
        path = tmp_path / f"demo-{seed}.jsonl"
        subprocess.run(
            [sys.executable, "-c", f"from network import demo; demo.write_demo_jsonl({str(path)!r})"],
            check=True,
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
        )
        outputs.append(path.read_bytes())
    assert outputs[0] == outputs[1]


def test_language_guess():
    assert demo.guess_language("Rammeavtale for kjøp av tjenester til kommunen") == "nb"
    assert demo.guess_language("Kommunen ønskjer ikkje å kjøpe eit system frå ein leverandør") == "nn"
    assert demo.guess_language("Quality measurement of the transmission of letter mail") == "en"
