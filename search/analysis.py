"""Text analysis for Norwegian (bokmål and nynorsk) and English: the Whoosh analyzers and term helpers."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Callable, Container, Iterator
from pathlib import Path

from whoosh.analysis import (
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    SpaceSeparatedTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

NORWEGIAN = "no"
ENGLISH = "en"

# Whoosh's language code for each language code the site uses.
_ANALYZER_LANGUAGE = {"nb": NORWEGIAN, "nn": NORWEGIAN, "no": NORWEGIAN, "en": ENGLISH}

# Every text is indexed through both analyzers, so a Norwegian text also passes the English one and
# the reverse. With per-language stop lists, "og" would then be an English term in every Norwegian
# document (and "the" a Norwegian one), and a query containing it would match them all. Both
# analyzers therefore drop the stop words of both languages. "by" (Norwegian for town) stays searchable.
_STOP_WORDS = (
    stopwords_for_language(NORWEGIAN) | stopwords_for_language(ENGLISH) | {"frå", "òg", "berre"}
) - {"by"}
# The English analyzer folds "på" to "pa" before its stop filter, so the folded forms are stop words too.
STOP_WORDS = frozenset(_STOP_WORDS | {word.translate(accent_map) for word in _STOP_WORDS})

# Stems per word are cached process-wide: the same cache serves indexing, queries and highlighting.
_STEM_CACHE_SIZE = 100_000

# æ, ø and å are letters of their own in Norwegian ("for" ≠ "før"), so only other accents are folded.
_NORWEGIAN_LETTERS = frozenset("æøåÆØÅ")


def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for code in range(0xC0, 0x250):
        char = chr(code)
        if char in _NORWEGIAN_LETTERS:
            continue
        base = "".join(c for c in unicodedata.normalize("NFD", char) if not unicodedata.combining(c))
        if base and base != char and base.isascii():
            table[code] = base
    return table


_FOLD_TABLE = _fold_table()


def fold_accents(text: str) -> str:
    """Drop accents ("idé" → "ide", "òg" → "og") but keep æ, ø and å."""
    if text.isascii():
        return text
    return text.translate(_FOLD_TABLE)


class FoldAccentsFilter(Filter):
    """Folds accents other than æ, ø and å; lives here because Whoosh pickles it into the schema."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = fold_accents(token.text)
            yield token


@functools.cache
def cached_stemmer(language: str) -> Callable[[str], str]:
    """A stemming function for a Whoosh language code, with a thread-safe cache.

    Whoosh's own stem cache (`lfu_cache`) is not safe when several threads evict at once, and the Flask
    server is threaded; `functools.lru_cache` is.
    """
    return functools.lru_cache(maxsize=_STEM_CACHE_SIZE)(stemmer_for_language(language))


class CachedStemFilter(StemFilter):
    """A StemFilter whose cache is `cached_stemmer`'s, shared and thread-safe."""

    def clear(self):
        self._stem = cached_stemmer(self.lang) if self.lang else self.stemfn

    def __eq__(self, other):
        # StemFilter compares only stemfn, which would make a Norwegian and an English filter equal.
        return isinstance(other, CachedStemFilter) and self.lang == other.lang

    def __hash__(self):
        return hash((type(self).__name__, self.lang))


def _analyzer(language: str):
    chain = RegexTokenizer() | LowercaseFilter()
    # Norwegian stems need æøå; the English stemmer knows only ASCII, so it gets everything folded.
    chain = chain | (FoldAccentsFilter() if language == NORWEGIAN else CharsetFilter(accent_map))
    return chain | StopFilter(stoplist=STOP_WORDS) | CachedStemFilter(lang=language)


NORWEGIAN_ANALYZER = _analyzer(NORWEGIAN)
ENGLISH_ANALYZER = _analyzer(ENGLISH)
ANALYZERS = {NORWEGIAN: NORWEGIAN_ANALYZER, ENGLISH: ENGLISH_ANALYZER}

# Splits text into words exactly as the analyzers do, for code that needs the words before stemming.
_WORDS = RegexTokenizer()


def analyzer_language(language: str | None) -> str:
    """Whoosh's language code ("no", "en") for a site language ("nb", "nn", "en"); None means Norwegian."""
    if language is None:
        return NORWEGIAN
    try:
        return _ANALYZER_LANGUAGE[language]
    except KeyError:
        raise ValueError(f"unknown language {language!r}") from None


def word_term(word: str, language: str) -> str | None:
    """The indexed term for one lower-cased word in a Whoosh language ("no"/"en"), None for a stop word."""
    folded = fold_accents(word) if language == NORWEGIAN else word.translate(accent_map)
    if folded in STOP_WORDS or len(folded) < 2:
        return None
    return cached_stemmer(language)(folded)


def term_words(text: str, language: str | None) -> list[tuple[str, str]]:
    """(surface word, term) for each word of `text` that survives analysis, in text order."""
    lang = analyzer_language(language)
    pairs = []
    for token in _WORDS(text, chars=True):
        surface = text[token.startchar : token.endchar]
        term = word_term(surface.lower(), lang)
        if term:
            pairs.append((surface, term))
    return pairs


def query_terms(text: str, language: str | None) -> list[str]:
    """The analysed terms of `text` (with repeats, in order), as the index holds them for `language`."""
    return [token.text for token in ANALYZERS[analyzer_language(language)](text)]


def word_spans(text: str) -> Iterator[tuple[int, int, str]]:
    """(start, end, lower-cased word) for every word, stop words included, for highlighting."""
    for token in _WORDS(text, chars=True):
        yield token.startchar, token.endchar, token.text.lower()


# Compound splitting needs a vocabulary of known words, which the schema cannot carry (it is pickled
# with the index). Callers that have one — the CPV suggester has its labels — use this helper.
_MIN_PART = 4
_LINKS = ("", "s", "e")


def split_compound(word: str, known: Container[str], language: str = NORWEGIAN) -> list[str]:
    """Terms of the parts of a Norwegian compound, e.g. "omsorgsboliger" → ["omsorg", "bol"].

    Tries every split into head (+ linking -s-/-e-) + tail with parts of at least four letters whose
    terms are both in `known`, preferring the longest tail; returns [] when none fits.
    """
    word = word.lower()
    for cut in range(_MIN_PART, len(word) - _MIN_PART + 1):
        tail_term = word_term(word[cut:], language)
        if not tail_term or tail_term not in known:
            continue
        for link in _LINKS:
            head = word[:cut]
            if link and not head.endswith(link):
                continue
            head = head[: len(head) - len(link)]
            head_term = word_term(head, language) if len(head) >= _MIN_PART else None
            if head_term and head_term in known:
                return [head_term, tail_term]
    return []


# -- compound words, split by word frequency ---------------------------------------------------------
#
# Norwegian writes compounds as one word ("omsorgsbolig", "helseteknologi"), so a search for "bolig" or
# "teknologi for helse" would miss them. A compound is split where both parts are common words of their
# own: of every split into head (+ a linking -s- or -e-) + tail, parts of at least four letters and no
# stop words, the one whose parts are most frequent wins (their mean Zipf frequency), and only when that
# beats the frequency of the whole word (Koehn & Knight's rule, with _WHOLE_WORD_MARGIN). Whoosh's
# CompoundWordFilter splits greedily with no frequencies ("ladeinfrastruktur" → lad+ein+fra+struktur)
# and knows no linking letters.

WORD_LIST = Path(__file__).with_name("data") / "nb_words.tsv"
_MIN_COMPOUND = 2 * 4
# A part must be a common word (Zipf ≥ 3: about the 25,000 commonest bokmål words), not a rare one
# that happens to fit ("ilasjon").
_MIN_PART_ZIPF = 3.0
# How much more common the parts must be than the whole word. Above 0, common words split wrongly
# ("stillinger" → still+inger, "gjeldende" → gjeld+ende); 0 is Koehn & Knight's rule.
_WHOLE_WORD_MARGIN = 0.0


@functools.cache
def word_frequencies() -> dict[str, float]:
    """Zipf frequency (log10 per billion words) of the 100,000 commonest bokmål words (data/SOURCES.md)."""
    frequencies: dict[str, float] = {}
    with WORD_LIST.open(encoding="utf-8") as f:
        for line in f:
            word, _, zipf = line.rstrip("\n").partition("\t")
            word = fold_accents(word)
            frequencies.setdefault(word, int(zipf) / 100)
    return frequencies


# Endings that are words too, but end a derived word rather than a compound ("eierskap", "formelle").
_SUFFIX_WORDS = frozenset({"skap", "skaper", "skapet", "elle", "else", "ende", "inger", "ning", "lige"})


def _part_zipf(part: str, frequencies: dict[str, float]) -> float:
    if len(part) < _MIN_PART or part in STOP_WORDS or part in _SUFFIX_WORDS:
        return 0.0
    zipf = frequencies.get(part, 0.0)
    return zipf if zipf >= _MIN_PART_ZIPF else 0.0


@functools.lru_cache(maxsize=_STEM_CACHE_SIZE)
def compound_parts(word: str) -> tuple[str, ...]:
    """The parts of a lower-cased Norwegian compound ("omsorgsboliger" → ("omsorg", "boliger")), and the
    parts of those parts; () for a word that is not split."""
    if len(word) < _MIN_COMPOUND or not word.isalpha():
        return ()
    frequencies = word_frequencies()
    best_score, best = frequencies.get(word, 0.0) - _WHOLE_WORD_MARGIN, None
    for cut in range(_MIN_PART, len(word) - _MIN_PART + 1):
        tail_zipf = _part_zipf(word[cut:], frequencies)
        if not tail_zipf:
            continue
        head = word[:cut]
        for link in _LINKS:
            if link and not head.endswith(link):
                continue
            head_zipf = _part_zipf(head[: len(head) - len(link)], frequencies)
            if head_zipf and (head_zipf + tail_zipf) / 2 > best_score:
                best_score, best = (head_zipf + tail_zipf) / 2, (head[: len(head) - len(link)], word[cut:])
    if best is None:
        return ()
    head, tail = best
    return (head, tail, *compound_parts(head), *compound_parts(tail))


@functools.lru_cache(maxsize=_STEM_CACHE_SIZE)
def word_terms(word: str, language: str) -> tuple[str, ...]:
    """The indexed terms of one lower-cased word: its own term, then (Norwegian) its compound parts' terms."""
    term = word_term(word, language)
    if term is None:
        return ()
    if language != NORWEGIAN:
        return (term,)
    parts = (word_term(part, language) for part in compound_parts(fold_accents(word)))
    return tuple(dict.fromkeys((term, *(part for part in parts if part))))


# Index terms are marked by where they come from, so matching can tell them apart: an English record's
# terms carry ENGLISH_MARK (a Norwegian and an English stem that collide, "porten" and "ports" → "port",
# are different terms), and a Norwegian compound's parts carry PART_MARK ("legevakt" → "legevakt",
# "+lege", "+vakt"), so a part can weigh less than the word said on its own.
ENGLISH_MARK = "en:"
PART_MARK = "+"


@functools.lru_cache(maxsize=_STEM_CACHE_SIZE)
def word_index_terms(word: str, language: str) -> tuple[str, ...]:
    """The index terms of one lower-cased word in a record of a Whoosh language: its own term, then
    (Norwegian) its compound parts' terms marked as parts; English terms are marked as English."""
    terms = word_terms(word, language)
    if not terms:
        return ()
    if language == ENGLISH:
        return (ENGLISH_MARK + terms[0],)
    return (terms[0], *(PART_MARK + part for part in terms[1:]))


def query_word_terms(word: str) -> tuple[str, ...]:
    """Every index term a typed word may be held under: its Norwegian term (as a word and as a
    compound's part), its English term, and its own parts (the searcher's language is unknown)."""
    norwegian = word_terms(word, NORWEGIAN)
    english = word_terms(word, ENGLISH)
    found: list[str] = []
    if norwegian:
        found += [norwegian[0], PART_MARK + norwegian[0]]
        found += [form for part in norwegian[1:] for form in (part, PART_MARK + part)]
    if english:
        found.append(ENGLISH_MARK + english[0])
    return tuple(dict.fromkeys(found))


# Words as the index sees them: runs of letters or digits (what RegexTokenizer's default finds).
TERM_TOKENIZER = SpaceSeparatedTokenizer()


def text_terms(text: str, language: str) -> list[str]:
    """Every index term of `text` in a Whoosh language ("no"/"en"), compound parts beside their word
    (see word_index_terms).

    The index stores text analysed by this function (its fields only split on spaces): one dictionary
    lookup per word instead of a chain of Whoosh filters per token, which halves the indexing time.
    """
    terms: list[str] = []
    for token in _WORDS(text):
        terms.extend(word_index_terms(token.text.lower(), language))
    return terms
