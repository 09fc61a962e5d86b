"""CPV code suggestions for a need's text, from the code labels (English, Norwegian) and learnt examples."""

from __future__ import annotations

import copy
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

from search.analysis import ENGLISH, NORWEGIAN, split_compound, word_spans, word_term

# Examples (texts of notices and needs with their codes) count for this much against the labels; tuned
# with the neighbours below on the tuning half of notices-dev.jsonl (bench/RESULTS.md).
EXAMPLE_WEIGHT = 1.0
# The examples' votes per division, the strongest division's worth this much to each of its codes.
EXAMPLE_DIVISION_WEIGHT = 0.2
# How many of the best-matching examples vote for their codes.
EXAMPLE_NEIGHBOURS = 45
# A part of a split compound weighs less than the whole word when the labels know the whole word.
COMPOUND_PART_WEIGHT = 0.6
# A code gains when many codes of its division match too (a lone matching label in some other division is
# likelier a false friend): the division's best few scores. Tuned on notices-dev.jsonl: it lifts the
# first suggestion's division hit rate from 20 % to 24 % without examples.
DIVISION_WEIGHT = 0.15
DIVISION_TOP = 5
# A word of the text's first line (its title) counts this much more than one of its description.
TITLE_WEIGHT = 1.5
# Each further suggestion from an already suggested division is discounted by this factor.
DIVERSITY = 0.7
# Only the first suggestions (those the need form shows) are spread over divisions; the rest follow their
# scores, as more codes of a division already guessed are often right too (tuning half: 0.411 → 0.420).
DIVERSE_FIRST = 5


def normalise_cpv(code: str) -> str | None:
    """Eight digits ("72000000-5" → "72000000", "72" → "72000000"); None when fewer than two digits."""
    digits = "".join(ch for ch in str(code) if ch.isdigit())[:8]
    return digits.ljust(8, "0") if len(digits) >= 2 else None


def significant(code: str) -> str:
    """A code's digits without its trailing zeros, at least the division ("71314300" → "713143",
    "72000000" → "72"): how specific the code is."""
    digits = code[:8].rstrip("0")
    return digits if len(digits) >= 2 else code[:2]


def relation_prefixes(code: str) -> tuple[str, ...]:
    """The prefixes of a code the index keeps to find related codes: its division, group, class and
    category, as far as the code is specific ("72200000" has no class: "7220" would tie it to codes of
    class 7220 that are only in its group)."""
    depth = len(significant(code))
    return tuple(code[:n] for n in (2, 3, 4, 5) if n <= depth)


# How strongly two codes say that two records are about the same thing, strongest first. A shared
# division alone says almost nothing (division 79 holds both security guarding and auditing).
RELATIONS = ("code", "class", "group", "division")


def relation_levels(code: str) -> tuple[tuple[str, str], ...]:
    """(relation, index prefix) by which a code finds related codes, strongest first: the same code,
    then a code of the same class (when the code is that specific) and of the same group. The same
    code counts as "code" when it is at least a group's code; two identical division codes
    ("72000000", which bodies use when they know no closer one) are as close as a class: the same
    heading, but a broad one."""
    depth = len(significant(code))
    levels = [("code" if depth >= 3 else "class", code)]
    if depth >= 4:
        levels.append(("class", code[:4]))
    if depth >= 3:
        levels.append(("group", code[:3]))
    return tuple(levels)


def relation(code: str, other: str) -> str | None:
    """The relation of two codes ("code", "class", "group", "division"), None when none."""
    if code == other:
        return "code" if len(significant(code)) >= 3 else "class"
    mine, theirs = significant(code), significant(other)
    shared = 0
    for a, b in zip(mine, theirs, strict=False):
        if a != b:
            break
        shared += 1
    if shared >= 4:
        return "class"
    return {3: "group", 2: "division"}.get(shared)


def _code_level(code: str) -> int:
    """Significant digits of a code (45000000 → 2, 72200000 → 3), for preferring general codes."""
    return max(2, len(code[:8].rstrip("0")))


Term = tuple[str, str]


class _TermIndex:
    """A small in-memory inverted index of weighted term vectors, compared by IDF-weighted cosine."""

    def __init__(self) -> None:
        self.postings: dict[Term, list[tuple[int, float]]] = defaultdict(list)
        self.entries: list[dict[Term, float]] = []
        self.norms: list[float] = []
        self.idf: dict[Term, float] = {}

    def add(self, terms: dict[Term, float]) -> None:
        index = len(self.entries)
        self.entries.append(terms)
        for term, weight in terms.items():
            self.postings[term].append((index, weight))

    def finish(self) -> None:
        count = len(self.entries)
        self.idf = {term: math.log(1 + count / len(docs)) for term, docs in self.postings.items()}
        self.norms = [
            math.sqrt(sum((w * self.idf[t]) ** 2 for t, w in terms.items())) or 1.0 for terms in self.entries
        ]

    def similar(self, terms: dict[Term, float]) -> dict[int, float]:
        known = {t: w * self.idf[t] for t, w in terms.items() if t in self.idf}
        query_norm = math.sqrt(sum(w * w for w in known.values()))
        scores: dict[int, float] = defaultdict(float)
        for term, query_weight in known.items():
            idf = self.idf[term]
            for index, weight in self.postings[term]:
                scores[index] += query_weight * weight * idf
        return {index: score / (self.norms[index] * query_norm) for index, score in scores.items()}


class CpvSuggester:
    """Suggests CPV codes by term overlap between a text and the codes' labels, in both languages.

    Built from `(code, label_en, label_nb)` tuples that the caller reads from its reference data.
    `suggest` only reads, so one instance can serve every thread; call `learn` before sharing it.
    """

    def __init__(self, codes: Iterable[tuple[str, str, str]]):
        rows = [(normalise_cpv(code), en or "", nb or "") for code, en, nb in codes]
        rows = [(code, en, nb) for code, en, nb in rows if code]
        self._codes = [code for code, _, _ in rows]
        self._level = {code: _code_level(code) for code in self._codes}
        # Norwegian label words that stand alone: the parts a compound may be split into.
        self._known: set[str] = set()
        for _, _, nb in rows:
            self._known.update(t for t in (word_term(w, NORWEGIAN) for _, _, w in word_spans(nb)) if t)
        self._labels = _TermIndex()
        for _, en, nb in rows:
            self._labels.add(self._terms(nb, (NORWEGIAN,)) | self._terms(en, (ENGLISH,)))
        self._labels.finish()
        self._examples = _TermIndex()
        self._example_codes: list[tuple[str, ...]] = []
        self._valid = set(self._codes)

    def _terms(self, text: str, languages: Sequence[str] = (NORWEGIAN, ENGLISH)) -> dict[Term, float]:
        terms: dict[Term, float] = {}
        for _, _, word in word_spans(text):
            for language in languages:
                term = word_term(word, language)
                if not term:
                    continue
                terms[(language, term)] = 1.0
                # "omsorgsboliger" also counts as "omsorg" + "bolig", the whole word kept too. The parts
                # stand in fully for a compound no label uses, and weigh less beside one it does.
                if language == NORWEGIAN and len(word) >= 2 * 4:
                    weight = COMPOUND_PART_WEIGHT if term in self._known else 1.0
                    for part in split_compound(word, self._known):
                        terms.setdefault((NORWEGIAN, part), weight)
        return terms

    def _text_terms(self, text: str) -> dict[Term, float]:
        """A need's terms, those of its first line (its title) weighing TITLE_WEIGHT: a title names the
        purchase, a description also says much else."""
        title, _, body = text.partition("\n")
        terms = self._terms(body)
        for term, weight in self._terms(title).items():
            terms[term] = max(terms.get(term, 0.0), weight * TITLE_WEIGHT)
        return terms

    def learn(self, samples: Iterable[tuple[str, Sequence[str]]]) -> None:
        """Add (text, codes) examples, e.g. from published needs; codes unknown to the labels are ignored."""
        for text, codes in samples:
            known = tuple(dict.fromkeys(c for c in map(normalise_cpv, codes) if c in self._valid))
            terms = self._text_terms(text)
            if known and terms:
                self._examples.add(terms)
                self._example_codes.append(known)
        self._examples.finish()

    def with_examples(self, samples: Iterable[tuple[str, Sequence[str]]]) -> CpvSuggester:
        """A suggester that knows this one's labels and examples plus `samples`; this one is unchanged,
        and the labels (the costly part) are shared."""
        other = copy.copy(self)
        other._examples = _TermIndex()
        other._example_codes = []
        for terms, codes in zip(self._examples.entries, self._example_codes, strict=True):
            other._examples.add(terms)
            other._example_codes.append(codes)
        other.learn(samples)
        return other

    def suggest(self, text: str, limit: int = 10) -> list[tuple[str, float]]:
        """The `limit` codes most likely for `text` (a title line, then a description), best first;
        scores compare within one call only."""
        terms = self._text_terms(text)
        if not terms or limit <= 0:
            return []
        scores: dict[str, float] = defaultdict(float)
        for index, score in self._labels.similar(terms).items():
            scores[self._codes[index]] += score
        divisions: dict[str, list[float]] = defaultdict(list)
        for code, score in scores.items():
            divisions[code[:2]].append(score)
        strength = {d: sum(sorted(found, reverse=True)[:DIVISION_TOP]) for d, found in divisions.items()}
        strongest = max(strength.values(), default=0.0) or 1.0
        for code in scores:
            scores[code] += DIVISION_WEIGHT * strength[code[:2]] / strongest
        if self._example_codes:
            neighbours = sorted(self._examples.similar(terms).items(), key=lambda kv: -kv[1])
            votes: dict[str, float] = defaultdict(float)
            for index, score in neighbours[:EXAMPLE_NEIGHBOURS]:
                for code in self._example_codes[index]:
                    scores[code] += EXAMPLE_WEIGHT * score
                for division in dict.fromkeys(code[:2] for code in self._example_codes[index]):
                    votes[division] += score
            # Many similar examples in one division outvote one close example elsewhere.
            top_vote = max(votes.values(), default=0.0) or 1.0
            for code in scores:
                scores[code] += EXAMPLE_DIVISION_WEIGHT * votes.get(code[:2], 0.0) / top_vote
        # Ties go to the more general code: a division is a safer guess than one of its leaves.
        ranked = sorted(scores.items(), key=lambda kv: (-round(kv[1], 9), self._level[kv[0]], kv[0]))
        return [(code, round(score, 4)) for code, score in _diversify(ranked, limit)]


def _diversify(ranked: list[tuple[str, float]], limit: int) -> list[tuple[str, float]]:
    """The best `limit` codes, each further code of an already chosen division discounted.

    Five leaves of one division are a worse list of guesses than the best of several divisions; after
    the first DIVERSE_FIRST codes, scores alone decide. The discounted score is returned (never above
    the one before it), so scores fall down the list.
    """
    chosen: list[tuple[str, float]] = []
    per_division: dict[str, int] = defaultdict(int)
    pool = ranked[: limit * 8]
    while pool and len(chosen) < limit:
        factor = DIVERSITY if len(chosen) < DIVERSE_FIRST else 1.0
        discounted = [score * factor ** per_division[code[:2]] for code, score in pool]
        best = max(range(len(pool)), key=discounted.__getitem__)
        code, _ = pool.pop(best)
        per_division[code[:2]] += 1
        chosen.append((code, min(discounted[best], chosen[-1][1]) if chosen else discounted[best]))
    return chosen
