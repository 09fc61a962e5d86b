"""Reference data: CPV lookups and search, kommuner/fylker, and the CPV → domain guess."""

import csv

import pytest

from network import reference


def test_cpv_list_is_complete_and_labelled():
    entries = reference.cpv_entries()
    assert len(entries) == 9454
    assert all(len(e.code) == 8 and e.code.isdigit() for e in entries)
    assert all(e.label_en and e.label_nb for e in entries)


def test_cpv_label_in_norwegian_and_english():
    assert reference.cpv_label("72000000") == (
        "Datatjenester: rådgivning, programvareutvikling, internett og systemstøtte"
    )
    assert reference.cpv_label("72000000", "en") == (
        "IT services: consulting, software development, Internet and support"
    )
    assert reference.cpv_label("72000000", "nn") == reference.cpv_label("72000000", "nb")
    assert reference.cpv_label("99999999") == "99999999"


@pytest.mark.parametrize(
    ("given", "expected"),
    [("72000000", "72000000"), ("72000000-6", "72000000"), (" 33100000 ", "33100000"), ("99999999", None),
     ("7200000", None), ("72000000-66", None), ("", None), (None, None)],
)  # fmt: skip
def test_normalise_cpv(given, expected):
    assert reference.normalise_cpv(given) == expected
    assert reference.valid_cpv(given) is (expected is not None)


def test_cpv_entry_and_division():
    entry = reference.cpv("72212180-0")
    assert entry is not None
    assert entry.code == "72212180"
    assert entry.digits == 7
    assert reference.cpv_division("72212180") == "72"
    assert reference.cpv_division("nonsense") is None
    assert reference.cpv_division_label("33", "en").startswith("Medical equipments")
    assert reference.cpv_division_label("33").startswith("Medisinsk utstyr")


def test_search_by_code_prefix_lists_general_codes_first():
    hits = reference.search_cpv("722")
    assert hits[0].code == "72200000"
    assert all(h.code.startswith("722") for h in hits)
    assert [h.digits for h in hits] == sorted(h.digits for h in hits)
    assert len(reference.search_cpv("72", limit=5)) == 5


def test_search_by_word_in_the_locale():
    codes = [h.code for h in reference.search_cpv("programvare")]
    assert codes[0] == "48000000"
    assert "72000000" in [h.code for h in reference.search_cpv("programvareutvikling")]
    assert reference.search_cpv("software", "en")[0].code == "48000000"


def test_search_matches_word_prefixes_case_insensitively():
    hits = reference.search_cpv("MEDISINSK UTST")
    assert hits[0].code == "33000000"
    assert all("medisinsk" in h.label_nb.lower() for h in hits[:5])


def test_search_falls_back_to_the_other_language():
    # "software" occurs in few Norwegian labels, but the English labels still find the software codes.
    codes = [h.code for h in reference.search_cpv("software", "nb", limit=50)]
    assert "48000000" in codes


def test_search_finds_words_inside_norwegian_compounds():
    codes = [h.code for h in reference.search_cpv("pleiebolig")]
    assert "45215210" in codes  # "… omsorgs- og pleieboliger"


def test_search_without_matches_or_query():
    assert reference.search_cpv("qqqqzzzz") == []
    assert reference.search_cpv("   ") == []


def test_kommuner_and_fylker_counts():
    assert len(reference.kommuner()) == 357
    assert len(reference.fylker()) == 15
    assert len({k.number for k in reference.kommuner()}) == 357


def test_fylke_of_kommune():
    assert reference.fylke_of_kommune("0301") == "03"
    assert reference.fylke_of_kommune("5001") == "50"
    assert reference.fylke_of_kommune("9999") is None
    assert reference.fylke("03").name == "Oslo"
    assert reference.fylke("03").nuts3 == "NO081"


def test_valid_kommune_and_fylke():
    assert reference.valid_kommune("0301")
    assert not reference.valid_kommune("301")
    assert not reference.valid_kommune("5401")  # Tromsø's number before Troms og Finnmark was split
    assert reference.valid_fylke("56")
    assert not reference.valid_fylke("30")  # Viken, dissolved in 2024


@pytest.mark.parametrize(
    ("name", "number"),
    [("Hamarøy", "1875"), ("hábmer", "1875"), ("Snåsa", "5041"), ("Kautokeino", "5612"),
     ("Hattfjelldal", "1826"), ("Karasjok", "5610"), ("Nesseby", "5636"), ("Tana", "5628"),
     ("Kåfjord", "5540"), ("Lavangen", "5518"), ("Røyrvik", "5043"), ("Tjeldsund", "5512"),
     ("Porsáŋgu", "5622"), ("Oslo", "0301"), ("ASKER", "3203"), ("Asker kommune", "3203"),
     ("Herøy (Nordland)", "1818"), ("Karasjohka", "5610")],
)  # fmt: skip
def test_find_kommune_by_name_or_alias(name, number):
    found = reference.find_kommune(name)
    assert found is not None
    assert found.number == number


def test_find_kommune_refuses_ambiguous_or_unknown_names():
    assert reference.find_kommune("Herøy") is None  # one in Nordland, one in Møre og Romsdal
    assert reference.find_kommune("Våler") is None
    assert reference.find_kommune("Viken") is None
    assert reference.find_kommune("") is None


def test_every_sami_only_name_has_a_norwegian_alias():
    # Names in the list with letters outside Norwegian bokmål, or known Sámi-only names.
    sami_only = {"Aarborte", "Hábmer", "Snåase", "Raarvihke", "Dielddanuorri", "Loabák", "Gáivuotna",
                 "Kárášjohka", "Guovdageaidnu", "Deatnu", "Unjárga"}  # fmt: skip
    by_name = {k.name: k for k in reference.kommuner()}
    assert sami_only <= set(by_name)
    assert all(by_name[name].aliases for name in sami_only)


def test_aliases_point_at_existing_kommuner_and_clash_with_no_other_name():
    with (reference.DATA_DIR / "kommune_aliases.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    names = {k.name.casefold() for k in reference.kommuner()}
    for row in rows:
        assert reference.valid_kommune(row["kommunenummer"])
        assert row["alias"].casefold() not in names
        assert reference.find_kommune(row["alias"]).number == row["kommunenummer"]


def test_nuts_regions_cover_every_fylke():
    codes = {region.code for region in reference.nuts_regions()}
    assert len(codes) == 31
    assert {f.nuts3 for f in reference.fylker()} <= codes


@pytest.mark.parametrize(
    ("codes", "domain"),
    [(["33100000"], "health"), (["85311000"], "health"), (["48180000"], "health"),
     (["72212180"], "health"), (["90513700"], "climate"), (["34144900"], "climate"),
     (["71313000"], "climate"), (["09331200"], "climate"), (["72000000"], "digital"),
     (["48000000"], "digital"), (["64200000"], "digital"), (["30213000"], "digital"),
     (["90911000"], "other"), (["09134200"], "other"), (["85200000"], "other"), (["45000000"], "other"),
     ([], "other"), (["45000000", "71313000"], "climate"), (["72000000", "33000000"], "digital"),
     (["45000000", "72000000", "33000000", "33100000"], "health")],
)  # fmt: skip
def test_domain_for_cpv(codes, domain):
    assert reference.domain_for_cpv(codes) == domain
