"""Demo content: well-formed bulk-import records that look like the Norwegian site: problem-first needs,
Norwegian bodies and suppliers, foreign firms shown as foreign, dates spread over the past year."""

import json
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from statistics import median

import pytest

from network import demo, queries, reference
from network.models import PRIORITY_DOMAINS, Domain
from network.services.imports import import_records

ROOT = Path(__file__).resolve().parents[2]

DOMAINS = {"health", "climate", "digital", "other"}
STAGES = {"draft", "open", "dialogue_closed", "tendered", "awarded", "cancelled"}
ROUTES = {"market_dialogue", "innovation_partnership", "pre_commercial", "competitive_dialogue", "undecided"}
SECTORS = {"municipality", "county", "state", "health_trust", "other"}
MATURITIES = {"idea", "prototype", "pilot", "in_use"}
LANGUAGES = {"nb", "nn", "en"}


TODAY = date(2026, 12, 3)
# The three needs a browser test walks by key.
KEPT_NEEDS = {
    "doffin-2022-372903": ("Kristiansand kommune", "climate", "71314300"),
    "doffin-2022-360938": ("Bærum kommune", "health", "33140000"),
    "doffin-2022-326891": ("Digitaliseringsdirektoratet", "digital", "64200000"),
}


@pytest.fixture(scope="module")
def records():
    return demo.demo_records(TODAY)


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
    assert 150 <= len(needs) <= demo.MAX_NEEDS
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
        if "deadline" in need:
            assert need["stage"] == "open"
            assert date.fromisoformat(need["deadline"]) > TODAY
        if need["stage"] in ("tendered", "awarded"):
            assert need["doffin_ref"]


def test_every_need_states_its_problem(records):
    # No need page says "problem not described yet".
    for need in of_type(records, "need"):
        assert len(need["description"].strip()) >= 100, need["key"]


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
    assert len(suppliers) > 50
    capabilities = Counter(c["organisation"] for c in of_type(records, "capability"))
    assert all(capabilities[s["key"]] >= 1 for s in suppliers)


def test_foreign_suppliers_serve_norway_from_abroad(records):
    foreign = {
        o["key"] for o in of_type(records, "organisation") if o["kind"] == "supplier" and o["country"] != "NO"
    }
    assert foreign
    for capability in of_type(records, "capability"):
        if capability["organisation"] in foreign:
            assert capability["nationwide"] is False, capability["key"]
            assert "fylker" not in capability, capability["key"]
            assert capability["language"] == "en"
            # Only the firms that won contracts in the priority fields.
            assert set(capability["domains"]) <= {"health", "climate", "digital"}


@pytest.mark.parametrize(
    "name",
    ["Cambridge City Council", "Kirklees Council", "London Borough of Barnet", "Durham County Council",
     "NHS Shared Business Services Ltd (NHS SBS)", "Somerset NHS Foundation Trust", "LANCASHIRE CONSTABULARY",
     "Essex County Fire and Rescue Service", "United Kingdom Atomic Energy Authority", "University of Exeter",
     "Middlesex University Higher Education Corporation", "Gateshead College", "Local Government Association",
     "Mersey Internal Audit Agency (MIAA)", "West Yorkshire Joint Services", "Crown Commercial Service",
     "MINISTRY OF DEFENCE", "Network Rail", "CERN (European Organization For Nuclear Research)", "UNIAC"],
)  # fmt: skip
def test_public_bodies_are_recognised_by_name(name):
    assert demo.is_public_body_name(name)


@pytest.mark.parametrize(
    "name",
    ["Acorn Analytical Services Limited", "Everyone Health Ltd", "The National Fostering Agency Ltd",
     "Intec Business Colleges Ltd", "Zurich Municipal", "St Giles Trust", "Trustmarque",
     "Siemens Healthineers", "PwC (PricewaterhouseCoopers)", "Civica Election Services Ltd",
     "Authority Software Ltd"],
)  # fmt: skip
def test_firms_are_not_taken_for_public_bodies(name):
    assert not demo.is_public_body_name(name)


def test_no_public_body_is_listed_as_a_supplier(records):
    suppliers = [o["name"] for o in of_type(records, "organisation") if o["kind"] == "supplier"]
    assert suppliers
    assert [name for name in suppliers if demo.is_public_body_name(name)] == []
    assert "Cambridge City Council" not in suppliers


def test_norwegian_example_suppliers(records):
    suppliers = [
        o for o in of_type(records, "organisation") if o["kind"] == "supplier" and o["country"] == "NO"
    ]
    assert len(suppliers) >= 6
    assert all("org_number" not in s for s in suppliers)
    assert all(reference.valid_kommune(s["kommune"]) for s in suppliers if "kommune" in s)
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
    count = demo.write_demo_jsonl(path, TODAY)
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


# -- needs written problem-first ------------------------------------------------------------------

# How a notice's title starts; a need's title says what is wrong or what should get better instead.
_PROCUREMENT_WORDS = re.compile(
    r"^(rammeavtale|anskaffelse|anskaffing|kjøp|konkurranse|kvalifisering|prekvalifisering|tjenestekonsesjon|"
    r"totalentreprise|innkjøp|intensjonskunngjøring|veiledende)",
    re.IGNORECASE,
)


def test_curated_needs_are_problem_first_and_complete(records):
    curated = demo.curated()
    needs = {n["key"]: n for n in of_type(records, "need")}
    per_domain = Counter()
    for notice_id, rewrite in curated.items():
        assert set(rewrite) <= demo.CURATED_FIELDS, notice_id
        need = needs[demo.need_key(notice_id)]
        per_domain[need["domain"]] += 1
        for field in ("title", "description", "affected", "outcome"):
            assert need[field] == rewrite[field]
            assert len(need[field].strip()) >= 40 or field == "title", (notice_id, field)
        assert not _PROCUREMENT_WORDS.match(need["title"]), need["title"]
        assert need["language"] in ("nb", "nn")
        assert need["stage"] == "open"
        assert date.fromisoformat(need["deadline"]) > TODAY
    assert per_domain == {"health": 20, "climate": 20, "digital": 20, "other": 20}
    # Only the curated needs say who is affected and what should come of it.
    assert sum(1 for n in needs.values() if n.get("affected") and n.get("outcome")) == len(curated)


def test_curated_needs_keep_their_notices_buyer_and_cpv(records):
    needs = {n["key"]: n for n in of_type(records, "need")}
    names = {o["key"]: o["name"] for o in of_type(records, "organisation")}
    for key, (body, domain, cpv) in KEPT_NEEDS.items():
        need = needs[key]
        assert names[need["organisation"]] == body
        assert (need["domain"], need["stage"]) == (domain, "open")
        assert cpv in need["cpv"]
        assert need["affected"]
        assert need["outcome"]
    assert needs["doffin-2022-372903"]["title"] == "Lavere energibruk i kommunale bygg"


def test_some_curated_needs_are_in_nynorsk(records):
    languages = Counter(n["language"] for n in of_type(records, "need") if n.get("affected"))
    assert languages["nn"] >= 3
    assert languages["nb"] > languages["nn"]


# -- dates --------------------------------------------------------------------------------------


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def test_needs_are_spread_over_the_past_year(records):
    published = [_when(n["published"]) for n in of_type(records, "need")]
    assert max(published) < datetime.combine(TODAY, datetime.min.time())
    assert min(published) >= datetime.combine(TODAY - timedelta(days=400), datetime.min.time())
    assert len({(p.year, p.month) for p in published}) >= 8
    assert len({p.date() for p in published}) > len(published) / 2


def test_awarded_and_tendered_needs_are_older_than_open_ones(records):
    def age(need):
        return (TODAY - _when(need["published"]).date()).days

    needs = of_type(records, "need")
    open_ages = [age(n) for n in needs if n["stage"] == "open"]
    later_ages = [age(n) for n in needs if n["stage"] in ("tendered", "awarded")]
    assert median(later_ages) > median(open_ages) + 60


def test_curated_needs_are_the_newest_in_their_domain(records):
    needs = of_type(records, "need")
    for domain in DOMAINS:
        in_domain = sorted(
            (n for n in needs if n["domain"] == domain), key=lambda n: n["published"], reverse=True
        )
        assert all(n.get("affected") for n in in_domain[:20]), domain
        assert not any(n.get("affected") for n in in_domain[20:]), domain


def test_organisations_register_before_what_they_publish(records):
    registered = {o["key"]: _when(o["registered"]) for o in of_type(records, "organisation")}
    assert min(registered.values()) >= datetime.combine(TODAY - timedelta(days=400), datetime.min.time())
    assert len({(r.year, r.month) for r in registered.values()}) >= 8
    for record in [*of_type(records, "need"), *of_type(records, "capability")]:
        assert registered[record["organisation"]] <= _when(record["published"]), record["key"]
        assert _when(record["published"]).date() < TODAY


def test_dates_count_back_from_the_load_date():
    later = TODAY + timedelta(days=40)
    first = {r["key"]: r for r in demo.demo_records(TODAY)}
    for record in demo.demo_records(later):
        field = "registered" if record["type"] == "organisation" else "published"
        shifted = _when(first[record["key"]][field]) + timedelta(days=40)
        assert _when(record[field]) == shifted, record["key"]


# -- what a visitor sees after `flask setup --demo` ------------------------------------------------


@pytest.fixture
def loaded(app, index, records):
    import_records(records, index)
    return app


def test_the_needs_a_visitor_meets_first_are_curated(loaded):
    curated_keys = {demo.need_key(notice_id) for notice_id in demo.curated()}
    for domain in Domain:
        first_page = queries.needs_page(None, domain.value, 1, 20).items
        assert len(first_page) == 20
        assert {n.key for n in first_page} <= curated_keys, domain
        assert all(n.description and n.affected and n.outcome for n in first_page)
    for domain in PRIORITY_DOMAINS:
        home = queries.newest_open_needs(domain)
        assert len(home) == 4
        assert all(n.key in curated_keys and n.affected and n.outcome for n in home)
    kept = {n.key: n for n in queries.needs_page("open", None, 1, 500).items}
    assert set(KEPT_NEEDS) <= set(kept)


def test_foreign_firms_are_shown_as_foreign(loaded, client):
    from network.models import Organisation

    firm = Organisation.query.filter_by(country="GB", kind="supplier").order_by(Organisation.name).first()
    capability = firm.capabilities[0]
    organisation_page = client.get(f"/organisations/{firm.id}").get_data(as_text=True)
    capability_page = client.get(f"/capabilities/{capability.id}").get_data(as_text=True)

    assert "Leverandør\n   · Storbritannia" in organisation_page
    assert "Holder til i Storbritannia og leverer til kunder i Norge fra utlandet." in organisation_page
    assert "Norge, fra utlandet (Storbritannia)" in organisation_page
    assert "<dd>Norge, fra utlandet (Storbritannia)</dd>" in capability_page
    for page in (organisation_page, capability_page):
        assert "Hele landet" not in page
        assert "Leverer i hele landet" not in page

    client.post("/language", data={"lang": "en", "next": "/"})
    english = client.get(f"/capabilities/{capability.id}").get_data(as_text=True)
    assert "<dd>Norway, from abroad (United Kingdom)</dd>" in english
    assert "All of Norway" not in english


def test_the_organisation_list_starts_with_norwegian_organisations(loaded, client):
    page = client.get("/organisations").get_data(as_text=True)
    names = re.findall(r'<li><a href="/organisations/\d+">([^<]+)</a>', page)
    assert len(names) == 20
    assert not any(demo.is_public_body_name(name) for name in names)
    assert "Storbritannia" not in page


def test_example_public_bodies_carry_no_number(records):
    # The demo's bodies are built from Doffin buyers, whose numbers the notices do not give: they stay
    # examples without one, so the real body registering its own number is never told it is taken.
    bodies = [o for o in of_type(records, "organisation") if o["kind"] == "public_body"]
    assert all("org_number" not in body and body["example"] is True for body in bodies)
