"""Reference data: CPV codes, kommuner, fylker, NUTS regions and the CPV → priority-domain guess."""

from __future__ import annotations

import csv
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"

_WORD_SPLIT = re.compile(r"[^\w]+")
_CPV_INPUT = re.compile(r"^(\d{8})(?:-\d)?$")
_DIGITS_QUERY = re.compile(r"^\d[\d\s-]*$")


def _read_csv(name: str) -> list[dict[str, str]]:
    with (DATA_DIR / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _clean(text: str) -> str:
    return " ".join(text.split())


# --------------------------------------------------------------------------- CPV


@dataclass(frozen=True, slots=True)
class Cpv:
    code: str
    parent: str | None
    digits: int  # significant digits: 2 = division, 3 = group, 4 = class, 5 = category, …
    label_en: str
    label_nb: str

    @property
    def division(self) -> str:
        return self.code[:2]

    def label(self, locale: str = "nb") -> str:
        if _is_english(locale):
            return self.label_en
        return self.label_nb or self.label_en


def _is_english(locale: str | None) -> bool:
    return bool(locale) and str(locale).lower().startswith("en")


@cache
def cpv_entries() -> tuple[Cpv, ...]:
    return tuple(
        Cpv(
            code=row["code"],
            parent=row["parent"] or None,
            digits=int(row["digits"]),
            label_en=_clean(row["label_en"]),
            label_nb=_clean(row["label_nb"]),
        )
        for row in _read_csv("cpv_2008.csv")
    )


@cache
def _cpv_by_code() -> dict[str, Cpv]:
    return {entry.code: entry for entry in cpv_entries()}


def normalise_cpv(code: object) -> str | None:
    """The 8-digit code for "72000000" or "72000000-6" (the check digit is not verified), if known."""
    if not isinstance(code, str | int) or isinstance(code, bool):
        return None
    match = _CPV_INPUT.match(str(code).strip().replace(" ", ""))
    if match is None or match.group(1) not in _cpv_by_code():
        return None
    return match.group(1)


def cpv(code: object) -> Cpv | None:
    normalised = normalise_cpv(code)
    return _cpv_by_code()[normalised] if normalised else None


def valid_cpv(code: object) -> bool:
    return normalise_cpv(code) is not None


def cpv_label(code: str, locale: str = "nb") -> str:
    """The label in the locale (nb/nn use the Norwegian label, falling back to English); unknown: the code."""
    entry = cpv(code)
    return entry.label(locale) if entry else code


def cpv_division(code: str) -> str | None:
    normalised = normalise_cpv(code)
    return normalised[:2] if normalised else None


def cpv_division_label(division: str, locale: str = "nb") -> str:
    entry = _cpv_by_code().get(f"{division}000000") if len(division) == 2 else None
    return entry.label(locale) if entry else division


class _Haystack:
    """One language's labels as a single string, so a query is a few C-speed substring scans.

    Row i of the (digits, code)-ordered entries occupies blob[starts[i]:starts[i + 1]].
    """

    def __init__(self, texts: list[str]) -> None:
        self.starts: list[int] = []
        parts: list[str] = []
        position = 0
        for text in texts:
            self.starts.append(position)
            parts.append(text)
            position += len(text) + 1
        self.blob = "\n".join(parts)

    def rows_with(self, needle: str) -> set[int]:
        rows: set[int] = set()
        find, starts, blob = self.blob.find, self.starts, self.blob
        position = find(needle)
        while position != -1:
            row = bisect_right(starts, position) - 1
            rows.add(row)
            # Skip to the next row: one hit per row is enough.
            next_start = starts[row + 1] if row + 1 < len(starts) else len(blob)
            position = find(needle, next_start)
        return rows

    def rows_starting_with(self, needle: str) -> set[int]:
        return {row for row in self.rows_with(needle) if self.blob.startswith(needle, self.starts[row])}


@dataclass(frozen=True, slots=True)
class _SearchIndex:
    entries: tuple[Cpv, ...]  # ordered by (digits, code): more general codes first
    words: dict[str, _Haystack]  # per language: " word word …" of the lower-cased label
    labels: dict[str, _Haystack]  # per language: the lower-cased label as it is


def _words(label: str) -> str:
    return " " + " ".join(w for w in _WORD_SPLIT.split(label) if w)


@cache
def _search_index() -> _SearchIndex:
    entries = tuple(sorted(cpv_entries(), key=lambda e: (e.digits, e.code)))
    labels = {"nb": [e.label_nb.lower() for e in entries], "en": [e.label_en.lower() for e in entries]}
    return _SearchIndex(
        entries=entries,
        words={lang: _Haystack([_words(t) for t in texts]) for lang, texts in labels.items()},
        labels={lang: _Haystack(texts) for lang, texts in labels.items()},
    )


def search_cpv(query: str, locale: str = "nb", limit: int = 20) -> list[Cpv]:
    """Search-as-you-type: code prefix for digits, else word prefixes in the label.

    Text matches rank: the label starts with the query, then every query word starts a word of the
    label, then the same in the other language, then (for compounds such as "omsorgsbolig") every
    query word of 4+ letters occurs inside the label. Within a rank, more general codes come first.
    """
    query = (query or "").strip()
    if not query or limit <= 0:
        return []
    index = _search_index()
    if _DIGITS_QUERY.match(query):
        prefix = re.sub(r"[\s-]", "", query)[:8]
        return [e for e in index.entries if e.code.startswith(prefix)][:limit]

    words = [w for w in _WORD_SPLIT.split(query.lower()) if w]
    if not words:
        return []
    main, other = ("en", "nb") if _is_english(locale) else ("nb", "en")

    def all_words(haystack: _Haystack, prefix: str) -> set[int]:
        found = haystack.rows_with(prefix + words[0])
        for word in words[1:]:
            if not found:
                break
            found &= haystack.rows_with(prefix + word)
        return found

    seen: set[int] = set()
    ranked: list[int] = []
    tiers = [
        lambda: index.words[main].rows_starting_with(" " + " ".join(words)),
        lambda: all_words(index.words[main], " "),
        lambda: all_words(index.words[other], " "),
    ]
    if all(len(w) >= 4 for w in words):
        tiers.append(lambda: all_words(index.labels[main], "") | all_words(index.labels[other], ""))
    for tier in tiers:
        if len(ranked) >= limit:
            break
        rows = sorted(tier() - seen)
        seen.update(rows)
        ranked.extend(rows)
    return [index.entries[row] for row in ranked[:limit]]


# --------------------------------------------------------------------------- kommuner and fylker


@dataclass(frozen=True, slots=True)
class Fylke:
    number: str
    name: str
    nuts3: str


@dataclass(frozen=True, slots=True)
class Kommune:
    number: str
    name: str
    fylke: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NutsRegion:
    code: str
    level: int
    name: str
    note: str


@cache
def fylker() -> tuple[Fylke, ...]:
    return tuple(
        Fylke(row["fylkesnummer"], row["fylkesnavn"], row["nuts3_2024"])
        for row in _read_csv("fylker_2024.csv")
    )


@cache
def _fylke_by_number() -> dict[str, Fylke]:
    return {f.number: f for f in fylker()}


def fylke(number: str) -> Fylke | None:
    return _fylke_by_number().get(number) if isinstance(number, str) else None


def valid_fylke(number: str) -> bool:
    return fylke(number) is not None


@cache
def kommuner() -> tuple[Kommune, ...]:
    aliases: dict[str, list[str]] = {}
    for row in _read_csv("kommune_aliases.csv"):
        aliases.setdefault(row["kommunenummer"], []).append(row["alias"])
    return tuple(
        Kommune(
            number=row["kommunenummer"],
            name=row["kommunenavn"],
            fylke=row["fylkesnummer"],
            aliases=tuple(aliases.get(row["kommunenummer"], ())),
        )
        for row in _read_csv("kommuner_2024.csv")
    )


@cache
def _kommune_by_number() -> dict[str, Kommune]:
    return {k.number: k for k in kommuner()}


def kommune(number: str) -> Kommune | None:
    return _kommune_by_number().get(number) if isinstance(number, str) else None


def valid_kommune(number: str) -> bool:
    return kommune(number) is not None


def fylke_of_kommune(number: str) -> str | None:
    found = kommune(number)
    return found.fylke if found else None


def _fold(name: str) -> str:
    # "Kárášjohka" → "karasjohka"; æ and ø have no decomposition and stay as they are.
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_KOMMUNE_SUFFIX = re.compile(r"\s+(kommune|herad)$", re.IGNORECASE)
_PARENTHESIS = re.compile(r"\s*\(.*\)$")


@cache
def _kommune_names() -> tuple[dict[str, list[Kommune]], dict[str, list[Kommune]]]:
    exact: dict[str, list[Kommune]] = {}
    folded: dict[str, list[Kommune]] = {}
    for k in kommuner():
        # "Herøy (Nordland)" is also reachable as "Herøy" — unless that name is ambiguous.
        names = {k.name, *k.aliases, _PARENTHESIS.sub("", k.name)}
        for name in names:
            exact.setdefault(name.casefold(), []).append(k)
            folded.setdefault(_fold(name), []).append(k)
    return exact, folded


def find_kommune(name: str) -> Kommune | None:
    """The kommune called name: case-insensitive, also by alias or as "X kommune"; None if ambiguous."""
    if not isinstance(name, str):
        return None
    cleaned = _KOMMUNE_SUFFIX.sub("", " ".join(name.split()))
    if not cleaned:
        return None
    exact, folded = _kommune_names()
    for table, key in ((exact, cleaned.casefold()), (folded, _fold(cleaned))):
        hits = {k.number: k for k in table.get(key, ())}
        if len(hits) == 1:
            return next(iter(hits.values()))
        if hits:
            return None
    return None


@cache
def nuts_regions() -> tuple[NutsRegion, ...]:
    return tuple(
        NutsRegion(row["nuts_code"], int(row["level"]), row["name"], row["note"])
        for row in _read_csv("nuts_no.csv")
    )


# --------------------------------------------------------------------------- CPV → priority domain

# The longest matching code prefix decides. Chosen for the three priority fields of the programme:
# health & care covers medical goods and services, eHealth software and care buildings; climate &
# environment covers waste, sewage, environmental services, energy (not fossil fuels), energy
# efficiency and electric vehicles; digital covers IT goods, software, IT services and telecoms.
_DOMAIN_PREFIXES: dict[str, str] = {
    # health & care
    "33": "health",  # medical equipment, pharmaceuticals, personal care
    "85": "health",  # health and social work services
    "852": "other",  # … but not veterinary services
    "48180": "health",  # medical software packages
    "48814": "health",  # medical information systems
    "72212180": "health",  # medical software development
    "79625": "health",  # supply of medical personnel
    "452151": "health",  # construction of buildings for health care
    "452152": "health",  # … and for social care (nursing homes, care housing)
    # climate & environment
    "90": "climate",  # sewage, refuse and environmental services …
    "906": "other",  # … but not street cleaning and snow clearing
    "909": "other",  # … nor cleaning of buildings
    "09": "climate",  # energy: electricity, heating, solar …
    "091": "other",  # … but not fuels
    "092": "other",  # … nor petroleum, coal and oil products
    "09134230": "climate",  # biodiesel
    "31121300": "climate",  # wind-energy generators
    "34144900": "climate",  # electric vehicles (and electric buses below it)
    "38551": "climate",  # energy meters
    "45222100": "climate",  # waste-treatment plant construction
    "45252": "climate",  # sewage, purification and refuse plant construction
    "45261215": "climate",  # solar panel roof-covering
    "71313": "climate",  # environmental engineering consultancy
    "71314": "climate",  # energy services, energy efficiency
    "772": "climate",  # forestry services
    # ICT & digitalisation
    "30": "digital",  # computers and office machinery
    "32": "digital",  # radio, TV, telecommunication equipment
    "48": "digital",  # software packages and information systems
    "72": "digital",  # IT services
    "642": "digital",  # telecommunications services
    "503": "digital",  # repair and maintenance of computers and telecom equipment
    "45314": "digital",  # installation of telecommunications equipment
    "38221": "digital",  # geographic information systems
    "80420": "digital",  # e-learning services
    "80533": "digital",  # computer training
}
_LONGEST_PREFIX = max(len(p) for p in _DOMAIN_PREFIXES)


def domain_of_cpv(code: str) -> str:
    """The priority domain of one CPV code: "health", "climate", "digital" or "other"."""
    normalised = normalise_cpv(code) or (code if isinstance(code, str) and code.isdigit() else "")
    for length in range(min(_LONGEST_PREFIX, len(normalised)), 1, -1):
        domain = _DOMAIN_PREFIXES.get(normalised[:length])
        if domain:
            return domain
    return "other"


def domain_for_cpv(codes: Iterable[str] | str) -> str:
    """A guessed domain for CPV codes: the main (first) code counts double, ties go to the first seen."""
    if isinstance(codes, str):
        codes = [codes]
    votes: dict[str, int] = {}
    for position, code in enumerate(codes):
        domain = domain_of_cpv(code)
        if domain != "other":
            votes[domain] = votes.get(domain, 0) + (2 if position == 0 else 1)
    if not votes:
        return "other"
    best = max(votes.values())
    return next(domain for domain, count in votes.items() if count == best)
