"""CpvSuggester: codes for a need's text from the CPV labels (both languages) and learnt examples."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from search import CpvSuggester
from search.cpv import DIVERSE_FIRST

# The project's copy of the reference data (the same file as ../shared/data/cpv_2008.csv); only the
# test reads it: the library takes plain tuples from its caller.
CPV_CSV = Path(__file__).resolve().parents[2] / "network" / "data" / "cpv_2008.csv"


@pytest.fixture(scope="module")
def rows() -> list[tuple[str, str, str]]:
    with CPV_CSV.open(encoding="utf-8") as f:
        return [(r["code"], r["label_en"], r["label_nb"]) for r in csv.DictReader(f)]


@pytest.fixture(scope="module")
def suggester(rows) -> CpvSuggester:
    return CpvSuggester(rows)


def divisions(suggestions, top: int) -> list[str]:
    return [code[:2] for code, _ in suggestions[:top]]


def test_builds_from_all_labels(rows):
    # How fast it builds is measured by `make bench`, not asserted here.
    assert len(rows) == 9454
    assert CpvSuggester(rows).suggest("renovasjon avfall innsamling")


def test_waste_collection(suggester):
    assert divisions(suggester.suggest("renovasjon avfall innsamling"), 1) == ["90"]


def test_building_sheltered_housing_splits_the_compound(suggester):
    # "omsorgsboliger" is in no label; its parts "omsorg" + "bolig" are.
    suggestions = suggester.suggest("bygging av omsorgsboliger")
    assert suggestions[0][0] == "45215210"


def test_software_for_records(suggester):
    assert {"48", "72"} & set(divisions(suggester.suggest("programvare for journalsystem"), 2))


def test_english_text(suggester):
    assert "90620000" in [code for code, _ in suggester.suggest("snow clearing and gritting of roads", 3)]


def test_results_are_ranked_and_limited(suggester):
    suggestions = suggester.suggest("elektroniske pasientjournaler for sykehus", limit=4)
    assert len(suggestions) == 4
    scores = [score for _, score in suggestions]
    assert scores == sorted(scores, reverse=True)
    assert all(isinstance(code, str) and len(code) == 8 for code, _ in suggestions)


@pytest.mark.parametrize("text", ["", "og for the", "xyzzy qwerty"])
def test_nothing_to_go_on_suggests_nothing(suggester, text):
    assert suggester.suggest(text) == []


def test_learnt_examples_lift_their_codes(rows):
    suggester = CpvSuggester(rows)
    text = "smarte søppelbøtter som melder fra når de er fulle"
    assert suggester.suggest(text, 5)[0][0] != "90511000"
    suggester.learn(
        [
            ("Søppelbøtter med sensor som melder fra når de er fulle", ["90511000-2", "99999999"]),
            ("Brøyting av veier", ["90620000"]),
        ]
    )
    suggestions = suggester.suggest(text, 5)
    assert suggestions[0][0] == "90511000"
    assert "99999999" not in [code for code, _ in suggestions]


def test_the_first_five_spread_over_divisions_and_the_rest_follow_scores(suggester):
    text = "programvare for journalsystem i helsetjenesten"
    suggestions = suggester.suggest(text, limit=10)
    scores = [score for _, score in suggestions]
    assert scores == sorted(scores, reverse=True)
    # The five the need form shows reach beyond the health division.
    assert len(set(divisions(suggestions, DIVERSE_FIRST))) >= 3
    # Asking for more never changes the first five.
    assert suggester.suggest(text, limit=DIVERSE_FIRST) == suggestions[:DIVERSE_FIRST]
