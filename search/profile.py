"""A match profile's concepts: the distinctive words of a need's or a supplier's text, each with the
index terms by which it meets records and how much each of them counts (search/evidence.py)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from search.analysis import (
    ENGLISH,
    NORWEGIAN,
    compound_parts,
    fold_accents,
    word_spans,
    word_term,
    word_terms,
)
from search.evidence import BRIDGE, bridges, forms, is_evidence, is_evidence_word
from search.language import detect_language

# A word of the profile's title counts this many times as a word of its body.
TITLE_WEIGHT = 2.0


@dataclass
class Concept:
    """One distinctive word of a profile, in the profile's language.

    `count` is how often the profile says it (title words counting TITLE_WEIGHT times); `whole`
    whether it says it as a word of its own, `part_of` the compounds it is a part of; `forms` the
    (index term, weight) pairs it meets records by; `idf` its IDF per text field and `weight` how
    distinctive it is, which picks the profile's best concepts."""

    term: str
    language: str
    surface: str
    count: float = 0.0
    whole: bool = False
    part_of: set[str] = field(default_factory=set)
    bridge: str | None = None
    forms: list[tuple[str, float]] = field(default_factory=list)
    idf: dict[str, float] = field(default_factory=dict)
    weight: float = 0.0

    @property
    def said(self) -> float:
        """How much saying it often counts: the log of its count, as BM25's query side would."""
        return 1 + math.log(self.count)

    @property
    def strength(self) -> float:
        """How well a record holding the concept's own term matches it: fully for a word, less for a
        compound's part (its first form's weight)."""
        return self.forms[0][1]


def _languages(title: str, text: str) -> tuple[str, ...]:
    """Every record is analysed in its own language, so the profile's language picks its terms; only a
    text that shows no language (a few words) is looked up in both."""
    detected = detect_language(f"{title}\n{text}", default="")
    if detected == "en":
        return (ENGLISH,)
    return (NORWEGIAN,) if detected else (NORWEGIAN, ENGLISH)


def _said(title: str, text: str, languages: Sequence[str]) -> dict[tuple[str, str], Concept]:
    concepts: dict[tuple[str, str], Concept] = {}

    def add(term: str, language: str, shown: str, weight: float, compound: str | None) -> Concept:
        concept = concepts.get((language, term))
        if concept is None:
            concept = concepts[(language, term)] = Concept(term=term, language=language, surface=shown)
        elif shown.islower() and not concept.surface.islower():
            # Show a word as the text mostly writes it: "boliger", not a sentence's "Boliger".
            concept.surface = shown
        concept.count += weight
        if compound is None:
            concept.whole = True
        else:
            concept.part_of.add(compound)
        return concept

    for weight, part in ((TITLE_WEIGHT, title), (1.0, text)):
        for start, end, word in word_spans(part):
            surface = part[start:end]
            if not is_evidence_word(word):
                continue
            for language in languages:
                terms = word_terms(word, language)
                # A boilerplate compound ("rammeavtale") is boilerplate through and through: its parts
                # are no evidence either; and a compound of boilerplate ("konsulent" + "tjenester") is
                # boilerplate too.
                if not terms or not is_evidence(terms[0], language):
                    continue
                if len(terms) > 1 and not any(is_evidence(part, language) for part in terms[1:]):
                    continue
                concept = add(terms[0], language, surface, weight, None)
                # A text of unknown language is looked up in both already.
                if concept.bridge is None and len(languages) == 1:
                    other = ENGLISH if language == NORWEGIAN else NORWEGIAN
                    concept.bridge = bridges(word, surface, other) or ""
                if len(terms) > 1:
                    shown = {word_term(p, language): p for p in compound_parts(fold_accents(word))}
                    for term in terms[1:]:
                        if is_evidence(term, language):
                            add(term, language, shown.get(term, term), weight, terms[0])
    return concepts


def concepts(
    title: str,
    text: str,
    idf: Callable[[str, str], float],
    fields: Sequence[str],
    limit: int,
) -> tuple[list[Concept], list[tuple[str, str]]]:
    """The profile's `limit` most distinctive concepts that some record holds, best first, and the
    (field, index term) pairs of the concepts no record holds (a record that brings one in may enter a
    kept list: search.match_cache). `idf(field, index term)` is 0.0 for a term no record holds."""
    found: list[Concept] = []
    absent: list[tuple[str, str]] = []
    for concept in _said(title, text, _languages(title, text)).values():
        concept.forms = forms(concept.term, concept.language, concept.whole)
        if concept.bridge and concept.whole:
            concept.forms.append((concept.bridge, BRIDGE))
        # The IDF of the concept's own term; of its other forms only when no record holds that (a word
        # found only in compounds, or only in the other language): each lookup reads every segment.
        primary = concept.forms[0][0]
        concept.idf = {f: idf(f, primary) for f in fields}
        if not any(concept.idf.values()):
            others = [term for term, _ in concept.forms[1:]]
            concept.idf = {f: max((idf(f, term) for term in others), default=0.0) for f in fields}
        top = max(concept.idf.values(), default=0.0)
        if not top:
            absent.extend((f, term) for f in fields for term, _ in concept.forms)
            continue
        # A field that does not hold the term yet weighs it as the other field does.
        concept.idf = {f: value or top for f, value in concept.idf.items()}
        concept.weight = concept.said * top * concept.strength
        found.append(concept)
    found.sort(key=lambda c: (-c.weight, c.term))
    return found[:limit], absent


def shared_words(concepts: Sequence[Concept], shared: set[int]) -> tuple[str, ...]:
    """The words a record shares with the profile, most distinctive first, each once: a compound found
    whole is shown alone, not with its parts ("omsorgsboliger", not also "omsorg" and "boliger")."""
    found = {concepts[index].term for index in shared}
    words = (
        concepts[index].surface
        for index in sorted(shared)
        if concepts[index].whole or not (concepts[index].part_of & found)
    )
    return tuple(dict.fromkeys(words))
