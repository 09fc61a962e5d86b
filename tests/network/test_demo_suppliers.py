"""The demo's fictional Norwegian suppliers (network/data/demo_suppliers.json): enough of them, spread over
all fylker, written in Norwegian, with valid reference data, and covering the three priority domains."""

import json
from collections import Counter

import pytest

from network import reference
from search.language import detect_language

SUPPLIERS_FILE = reference.DATA_DIR / "demo_suppliers.json"

PRIORITY_DOMAINS = ("health", "climate", "digital")
DOMAINS = {*PRIORITY_DOMAINS, "other"}
MATURITIES = {"idea", "prototype", "pilot", "in_use"}
SUPPLIER_KEYS = ["key", "name", "description", "kommune", "is_sme", "is_startup", "capabilities"]
CAPABILITY_KEYS = {"title", "description", "domains", "cpv", "fylker", "nationwide", "maturity", "references"}


@pytest.fixture(scope="module")
def suppliers():
    with SUPPLIERS_FILE.open(encoding="utf-8") as f:
        return json.load(f)


@pytest.fixture(scope="module")
def capabilities(suppliers):
    return [capability for supplier in suppliers for capability in supplier["capabilities"]]


def test_enough_suppliers_with_unique_keys_and_names(suppliers):
    assert len(suppliers) >= 110
    keys = [s["key"] for s in suppliers]
    names = [s["name"] for s in suppliers]
    assert len(keys) == len(set(keys))
    assert len(names) == len(set(names))
    for supplier in suppliers:
        assert list(supplier) == SUPPLIER_KEYS, supplier["key"]
        assert supplier["key"].startswith("no-"), supplier["key"]
        assert supplier["key"].isascii(), supplier["key"]
        assert supplier["description"].startswith("Fiktivt eksempelfirma: "), supplier["key"]
        assert 1 <= len(supplier["capabilities"]) <= 3, supplier["key"]


def test_every_supplier_has_a_home_kommune_and_every_fylke_has_suppliers(suppliers):
    for supplier in suppliers:
        assert reference.valid_kommune(supplier["kommune"]), (supplier["key"], supplier["kommune"])
    homes = Counter(reference.fylke_of_kommune(s["kommune"]) for s in suppliers)
    all_fylker = {f.number for f in reference.fylker()}
    assert len(all_fylker) == 15
    assert set(homes) == all_fylker
    assert min(homes.values()) >= 4, homes


def test_capabilities_use_known_cpv_codes(suppliers):
    for supplier in suppliers:
        for capability in supplier["capabilities"]:
            assert 1 <= len(capability["cpv"]) <= 4, capability["title"]
            for code in capability["cpv"]:
                assert reference.valid_cpv(code), (supplier["key"], code)


def test_capabilities_serve_fylker_or_all_of_norway_not_both(suppliers):
    for supplier in suppliers:
        for capability in supplier["capabilities"]:
            assert set(capability) <= CAPABILITY_KEYS, (supplier["key"], set(capability) - CAPABILITY_KEYS)
            has_fylker = "fylker" in capability
            nationwide = capability.get("nationwide", False)
            assert has_fylker != nationwide, (supplier["key"], capability["title"])
            if has_fylker:
                fylker = capability["fylker"]
                assert fylker, capability["title"]
                assert len(fylker) == len(set(fylker)), capability["title"]
                assert all(reference.valid_fylke(f) for f in fylker), (supplier["key"], fylker)
            else:
                assert nationwide is True


def test_domains_are_valid_and_every_priority_domain_is_well_covered(capabilities):
    for capability in capabilities:
        assert capability["domains"], capability["title"]
        assert set(capability["domains"]) <= DOMAINS, capability["title"]
        assert capability["maturity"] in MATURITIES, capability["title"]
    per_domain = Counter(domain for capability in capabilities for domain in capability["domains"])
    for domain in PRIORITY_DOMAINS:
        assert per_domain[domain] >= 40, per_domain


def test_capabilities_are_written_in_norwegian(capabilities):
    for capability in capabilities:
        text = f"{capability['title']} {capability['description']}"
        assert detect_language(text) in {"nb", "nn"}, capability["title"]


def test_references_are_marked_as_fictional(capabilities):
    for capability in capabilities:
        if "references" in capability:
            assert "(fiktiv referanse)" in capability["references"], capability["title"]


def test_start_ups_and_smes_are_well_represented(suppliers):
    assert sum(s["is_startup"] is True for s in suppliers) >= 20
    assert sum(s["is_sme"] is True for s in suppliers) >= 60
    assert all(isinstance(s["is_sme"], bool) and isinstance(s["is_startup"], bool) for s in suppliers)
