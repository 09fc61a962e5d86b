"""What counts as evidence that two records are about the same thing: words that never count (function
words, procurement boilerplate, place names), how a word meets the other language, and how much a
compound's part counts against a whole word."""

from __future__ import annotations

import functools
from pathlib import Path

from search.analysis import (
    ENGLISH,
    ENGLISH_MARK,
    NORWEGIAN,
    PART_MARK,
    fold_accents,
    word_frequencies,
    word_term,
)

DATA = Path(__file__).with_name("data")
# Function words of nb, nn and en (published stop-word lists and our additions) and the boilerplate
# and place names that bench/vocabulary.py learns from the notices; data/SOURCES.md says where from.
LIST_FILES = (DATA / "function_words.txt", DATA / "boilerplate.txt")
BRIDGE_FILE = DATA / "bridge_words.txt"
_LIST_LANGUAGES = {"nb": (NORWEGIAN,), "nn": (NORWEGIAN,), "en": (ENGLISH,), "place": (NORWEGIAN, ENGLISH)}

# How a profile's word meets a record's word, by whether each side says it as a word of its own or as
# a part of a compound: "bolig" meets "bolig" fully, "omsorgsbolig" (a part) at PART, and a part meets
# a part at PART * PART ("nattevakt" and "legevakt" share only "vakt"). Measured in bench/RESULTS.md.
PART = 0.5
# A word that bridges the languages (see bridges) meets the other language's records at this weight.
BRIDGE = 0.8
# A word more common than this in bokmål (Zipf) is an everyday word: spelled alike in English, it is
# likelier a false friend ("fast", "bad", "gift") than a shared technical term or name.
EVERYDAY_ZIPF = 3.0


# Digits with at most two letters are a number ("2a", "S013", "RM6134", "11am"), but for a few terms.
REFERENCE_LETTERS = 2
TECHNICAL_TERMS = frozenset({"2d", "3d", "4d", "4g", "5g", "co2", "hl7", "h2", "pm10", "pm2", "nox", "sox"})


def _is_reference(word: str) -> bool:
    return any(ch.isdigit() for ch in word) and sum(ch.isalpha() for ch in word) <= REFERENCE_LETTERS


def _read_lists() -> dict[str, set[str]]:
    words: dict[str, set[str]] = {NORWEGIAN: set(), ENGLISH: set()}
    for path in LIST_FILES:
        with path.open(encoding="utf-8") as f:
            for line in f:
                line = line.strip()
                if not line or line.startswith("#"):
                    continue
                language, _, word = line.partition(" ")
                for analyzer in _LIST_LANGUAGES[language]:
                    words[analyzer].add(word.lower())
    return words


@functools.cache
def non_evidence(language: str) -> frozenset[str]:
    """The terms of a Whoosh language ("no"/"en") that never count as evidence: function words,
    procurement boilerplate and place names, as the analyzer stems them."""
    terms = set()
    for word in _read_lists()[language]:
        term = word_term(word, language)
        if term:
            terms.add(term)
    return frozenset(terms)


def is_evidence(term: str, language: str) -> bool:
    return term not in non_evidence(language) and not term.isdigit()


@functools.lru_cache(maxsize=100_000)
def is_evidence_word(word: str) -> bool:
    """Whether a lower-cased word may count as evidence at all: not when either language lists it
    (a text of unknown language is read in both, and "se" must not count as English), nor an address
    or a number: a web address or abbreviation ("www.doffin.no", "f.eks"), a house, lot or case number
    ("2a", "S013", "RM6134", "11am")."""
    if "." in word or (_is_reference(word) and word not in TECHNICAL_TERMS):
        return False
    for language in (NORWEGIAN, ENGLISH):
        term = word_term(word, language)
        if term and term in non_evidence(language):
            return False
    return True


@functools.cache
def bridge_words() -> frozenset[str]:
    """Words written alike in the Norwegian and English labels of one CPV code ("transport", "data",
    "container"): the shared vocabulary of the two languages (data/bridge_words.txt)."""
    with BRIDGE_FILE.open(encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip() and not line.startswith("#"))


@functools.lru_cache(maxsize=100_000)
def bridges(word: str, surface: str, to_language: str) -> str | None:
    """The index term by which a profile's word meets records in `to_language`, or None.

    Stems of the two languages collide ("porten" and "Ports" both give "port"), so a word crosses
    only when it really is the same word in both: a word the CPV labels share, or one the other
    language's stemmer leaves as it is that is no everyday bokmål word (names and technical terms:
    "Altinn", "FHIR") or is written as an acronym ("GIS", "BIM")."""
    folded = fold_accents(word)
    term = word_term(folded, to_language)
    if not term:
        return None
    shared = folded in bridge_words()
    if not shared:
        if term != folded:
            return None
        acronym = len(surface) >= 2 and surface.isupper()
        if not acronym and word_frequencies().get(folded, 0.0) >= EVERYDAY_ZIPF:
            return None
    return ENGLISH_MARK + term if to_language == ENGLISH else term


def forms(term: str, language: str, whole: bool) -> list[tuple[str, float]]:
    """(index term, weight) by which a profile's term meets records of its own language: a whole word
    meets the word fully and compounds holding it at PART; a compound's part meets the word at PART and
    other compounds' parts at PART²."""
    if language == ENGLISH:
        return [(ENGLISH_MARK + term, 1.0)]
    if whole:
        return [(term, 1.0), (PART_MARK + term, PART)]
    return [(term, PART), (PART_MARK + term, PART * PART)]
