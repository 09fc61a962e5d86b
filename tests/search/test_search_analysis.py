"""Analysis: stemming in both languages, stop words, accent folding, compounds, and a picklable schema."""

import pickle

import pytest

from search.analysis import (
    ENGLISH_MARK,
    PART_MARK,
    compound_parts,
    fold_accents,
    query_terms,
    query_word_terms,
    split_compound,
    term_words,
    text_terms,
)
from search.whoosh.schema import BODY_FIELD, build_schema, same_schema


def test_norwegian_inflections_share_a_term():
    assert query_terms("boliger", "nb") == query_terms("bolig", "nb")
    assert query_terms("tjenestene", "nb") == query_terms("tjenester", "nb")


def test_nynorsk_uses_the_norwegian_analyzer():
    assert query_terms("bustader", "nn") == query_terms("bustad", "nb")


def test_english_inflections_share_a_term():
    assert query_terms("hospitals", "en") == query_terms("hospital", "en")
    assert query_terms("running", "en") == query_terms("runs", "en")


def test_stop_words_of_both_languages_are_dropped():
    # Every text goes through both analyzers; a Norwegian "og" in the English fields would match all.
    assert query_terms("bolig og omsorg for eldre", "en") == query_terms("bolig omsorg eldre", "en")
    assert query_terms("the housing of the elderly", "nb") == query_terms("housing elderly", "nb")
    assert query_terms("ikkje korleis kva", "nn") == []
    # The English analyzer folds "på" to "pa" before it looks for stop words.
    assert query_terms("på vei", "en") == query_terms("vei", "en")


def test_accents_fold_but_norwegian_letters_stay():
    assert fold_accents("idé kafé òg") == "ide kafe og"
    assert fold_accents("før gård ærlig") == "før gård ærlig"
    assert query_terms("lån", "nb") != query_terms("lan", "nb")


def test_term_words_keep_the_surface_word():
    assert term_words("Omsorgsboliger for eldre", "nb") == [
        ("Omsorgsboliger", "omsorgsbo"),
        ("eldre", "eldr"),
    ]


def test_unknown_language_is_an_error():
    with pytest.raises(ValueError, match="unknown language"):
        query_terms("hei", "sv")


def test_split_compound_uses_known_words_and_linking_s():
    known = {*query_terms("omsorg bolig helse tjenester", "nb")}
    assert split_compound("omsorgsboliger", known) == query_terms("omsorg boliger", "nb")
    assert split_compound("helsetjenester", known) == query_terms("helse tjenester", "nb")
    assert split_compound("sykehus", known) == []


def test_schema_survives_pickling():
    # Whoosh pickles the schema into the index: every analyzer part must be importable and comparable.
    schema = build_schema()
    restored = pickle.loads(pickle.dumps(schema))
    assert same_schema(restored, schema)
    assert restored[BODY_FIELD].analyzer == schema[BODY_FIELD].analyzer


def test_compounds_are_split_by_word_frequency():
    assert compound_parts("omsorgsboliger") == ("omsorg", "boliger")
    assert compound_parts("helseteknologi") == ("helse", "teknologi")
    assert compound_parts("ladeinfrastruktur") == ("lade", "infrastruktur")
    assert compound_parts("klimautslipp") == ("klima", "utslipp")
    # Not compounds of two common words, or a stop word as a part.
    assert compound_parts("informasjon") == ()
    assert compound_parts("sykehus") == ()
    assert compound_parts("overvåking") == ()


def test_text_terms_keep_the_whole_word_beside_its_parts_marked_as_parts():
    terms = text_terms("Omsorgsboliger for eldre", "no")
    assert terms[0] == "omsorgsbo"
    # The parts are held as parts, so matching can weigh them below the words said on their own.
    assert {PART_MARK + t for t in query_terms("omsorg bolig", "nb")} <= set(terms)
    assert "eldr" in terms
    # English text is not split (English compounds are written apart) and its terms are marked as
    # English, so an English stem never meets a Norwegian one by accident.
    assert text_terms("healthcare technology", "en") == [
        ENGLISH_MARK + t for t in query_terms("healthcare technology", "en")
    ]


def test_porten_and_ports_are_different_terms():
    # Both stem to "port"; the English record's term is marked, so they never meet.
    assert set(text_terms("ID-porten", "no")).isdisjoint(text_terms("Ports of Jersey", "en"))


def test_a_typed_word_finds_the_word_and_compounds_holding_it():
    forms = query_word_terms("bolig")
    assert {"bol", PART_MARK + "bol", ENGLISH_MARK + "bolig"} <= set(forms)
    assert set(forms) & set(text_terms("omsorgsboliger", "no"))


def test_helseteknologi_meets_teknologi_for_helse():
    terms = set(text_terms("helseteknologi", "no"))
    assert {PART_MARK + t for t in query_terms("teknologi for helse", "nb")} <= terms
