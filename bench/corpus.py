"""Synthetic corpus for the speed benchmark, built from the real notices' vocabulary, as import JSONL.

    .venv/bin/python bench/corpus.py --size small --out /tmp/corpus.jsonl

Every need and capability is stitched together from real notices of one CPV division (a title
recombined from two real titles, a description from sentences of the same division and language),
so term frequencies, document lengths and the Norwegian/English mix follow the real data. The same
seed gives the same file, byte for byte."""

from __future__ import annotations

import argparse
import bisect
import csv
import itertools
import json
import random
import re
import sys
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "network" / "data"
NOTICES = DATA / "notices-dev.jsonl"


@dataclass(frozen=True)
class Size:
    public_bodies: int
    suppliers: int
    needs: int
    capabilities: int


SIZES = {
    "full": Size(public_bodies=400, suppliers=20_000, needs=50_000, capabilities=100_000),
    "small": Size(public_bodies=120, suppliers=1_000, needs=2_500, capabilities=5_000),
    # For the smoke test: seconds, not minutes.
    "tiny": Size(public_bodies=12, suppliers=30, needs=60, capabilities=120),
}

# The site's priority domains by CPV division; every other division is "other".
DOMAIN_OF_DIVISION = {
    "33": "health",
    "85": "health",
    "09": "climate",
    "65": "climate",
    "77": "climate",
    "90": "climate",
    "30": "digital",
    "32": "digital",
    "48": "digital",
    "64": "digital",
    "72": "digital",
}
STAGES = (("open", 80), ("dialogue_closed", 9), ("tendered", 7), ("awarded", 4))
MATURITIES = ("idea", "prototype", "pilot", "in_use")
STATE_BODIES = (
    "Direktoratet for forvaltning og økonomistyring",
    "Statens vegvesen",
    "Statsbygg",
    "Norges vassdrags- og energidirektorat",
    "Helsedirektoratet",
    "Utdanningsdirektoratet",
    "Miljødirektoratet",
    "Digitaliseringsdirektoratet",
    "Kartverket",
    "Politiet",
    "Skatteetaten",
    "Arbeids- og velferdsetaten",
    "Norges forskningsråd",
    "Barne-, ungdoms- og familiedirektoratet",
    "Integrerings- og mangfoldsdirektoratet",
    "Kriminalomsorgsdirektoratet",
    "Forsvarsbygg",
    "Universitetet i Oslo",
    "Universitetet i Bergen",
    "NTNU",
)
HEALTH_TRUSTS = (
    "Helse Bergen HF",
    "Oslo universitetssykehus HF",
    "St. Olavs hospital HF",
    "Universitetssykehuset Nord-Norge HF",
    "Sykehuset Innlandet HF",
    "Helse Stavanger HF",
    "Sykehusinnkjøp HF",
    "Vestre Viken HF",
)
SUPPLIER_SUFFIXES = ("AS", "AS", "AS", "ASA", "SA", "Ltd", "AB", "")
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Notice:
    division: str
    language: str
    title: str
    sentences: tuple[str, ...]
    cpv: tuple[str, ...]


def load_notices(path: Path = NOTICES) -> list[Notice]:
    """The real notices with at least one CPV code, in file order."""
    notices = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        codes = tuple(code for code in row["cpv"] if len(code) == 8)
        if not codes or not row["title"].strip():
            continue
        sentences = tuple(
            s.strip()[:300] for s in _SENTENCE.split(row["description"] or "") if len(s.strip()) > 20
        )
        notices.append(
            Notice(
                division=codes[0][:2],
                language="en" if row["lang"] == "en" else "nb",
                title=row["title"].strip(),
                sentences=sentences,
                cpv=codes[:4],
            )
        )
    return notices


def _kommuner() -> list[tuple[str, str, str]]:
    with (DATA / "kommuner_2024.csv").open(encoding="utf-8") as handle:
        return [(r["kommunenummer"], r["kommunenavn"], r["fylkesnummer"]) for r in csv.DictReader(handle)]


def _fylker() -> list[tuple[str, str]]:
    with (DATA / "fylker_2024.csv").open(encoding="utf-8") as handle:
        return [(r["fylkesnummer"], r["fylkesnavn"]) for r in csv.DictReader(handle)]


class _Weighted:
    """Fast repeated weighted choice (cumulative weights + bisect)."""

    def __init__(self, items: list, weights: list[float]):
        self.items = items
        self.cumulative = list(itertools.accumulate(weights))

    def pick(self, rng: random.Random):
        return self.items[bisect.bisect(self.cumulative, rng.random() * self.cumulative[-1])]


def zipf_weights(n: int, exponent: float = 1.0) -> list[float]:
    return [1.0 / (rank**exponent) for rank in range(1, n + 1)]


class TextSource:
    """Titles, sentences and codes of the real notices, grouped by CPV division and language."""

    def __init__(self, notices: list[Notice]):
        by_division: dict[str, list[Notice]] = defaultdict(list)
        for notice in notices:
            by_division[notice.division].append(notice)
        self.by_division = dict(sorted(by_division.items()))
        self.divisions = _Weighted(list(self.by_division), [len(v) for v in self.by_division.values()])
        self.sentences: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.titles: dict[tuple[str, str], list[str]] = defaultdict(list)
        for notice in notices:
            self.sentences[(notice.division, notice.language)].extend(notice.sentences)
            self.titles[(notice.division, notice.language)].append(notice.title)

    def record(self, rng: random.Random, division: str) -> tuple[str, str, str, list[str]]:
        """(language, title, description, cpv) for one synthetic record of a division."""
        seed = rng.choice(self.by_division[division])
        key = (division, seed.language)
        other = rng.choice(self.titles[key]).split()
        words = seed.title.split()
        if len(words) > 2 and len(other) > 2 and rng.random() < 0.6:
            # Half of one real title, half of another: new titles with the real words.
            words = words[: len(words) // 2 + 1] + other[len(other) // 2 :]
        title = " ".join(words)[:200]
        pool = self.sentences.get(key) or []
        if pool:
            description = " ".join(rng.sample(pool, min(len(pool), rng.randint(2, 4))))
        else:
            # Divisions whose notices have no description: a few related titles read as sentences.
            description = ". ".join(rng.choice(self.titles[key]) for _ in range(rng.randint(2, 4))) + "."
        cpv = list(seed.cpv[:2])
        if rng.random() < 0.3:
            sibling = rng.choice(self.by_division[division]).cpv[0]
            if sibling not in cpv:
                cpv.append(sibling)
        return seed.language, title, description, cpv


def _public_bodies(rng: random.Random, count: int) -> list[dict]:
    kommuner = _kommuner()
    fylker = _fylker()
    seat = {}
    for number, _name, fylke in kommuner:
        seat.setdefault(fylke, number)
    bodies = [
        {"sector": "municipality", "name": f"{name} kommune", "kommune": number}
        for number, name, _fylke in kommuner
    ]
    bodies += [
        {"sector": "county", "name": f"{name} fylkeskommune", "kommune": seat[number]}
        for number, name in fylker
        if number in seat
    ]
    bodies += [{"sector": "state", "name": name, "kommune": "0301"} for name in STATE_BODIES]
    bodies += [{"sector": "health_trust", "name": name, "kommune": "0301"} for name in HEALTH_TRUSTS]
    # Oslo first (the most active buyer), the rest in a seeded order; then cut to the size asked.
    head, rest = bodies[:1], bodies[1:]
    rng.shuffle(rest)
    chosen = (head + rest)[:count]
    return [
        {
            "type": "organisation",
            "key": f"pb-{number:04d}",
            "kind": "public_body",
            "verified": True,
            **body,
        }
        for number, body in enumerate(chosen, start=1)
    ]


def _supplier_name(rng: random.Random, words: list[str], number: int) -> str:
    first, second = rng.choice(words), rng.choice(words)
    suffix = rng.choice(SUPPLIER_SUFFIXES)
    return " ".join(part for part in (first.capitalize(), second, str(number), suffix) if part)


def generate(size: Size, seed: int = 2026, notices: list[Notice] | None = None) -> Iterator[dict]:
    """Organisations first, then needs, then capabilities, as import records."""
    rng = random.Random(seed)
    source = TextSource(notices if notices is not None else load_notices())

    bodies = _public_bodies(rng, size.public_bodies)
    yield from bodies

    name_words = sorted(
        {
            w
            for titles in source.titles.values()
            for t in titles
            for w in t.split()
            if w.isalpha() and len(w) > 4
        }
    )
    suppliers = []
    for number in range(1, size.suppliers + 1):
        record = {
            "type": "organisation",
            "key": f"sup-{number:05d}",
            "kind": "supplier",
            "name": _supplier_name(rng, name_words, number),
            "country": "NO" if rng.random() < 0.9 else "SE",
        }
        if record["country"] != "NO":
            record["foreign_id"] = f"SE55{number:08d}"
        if rng.random() < 0.6:
            record["is_sme"] = True
        suppliers.append((record, source.divisions.pick(rng)))
        yield record

    # A few bodies publish most needs (Zipf), as on Doffin.
    owners = _Weighted(bodies, zipf_weights(len(bodies), 0.8))
    stages = _Weighted([s for s, _ in STAGES], [w for _, w in STAGES])
    for number in range(1, size.needs + 1):
        body = owners.pick(rng)
        division = source.divisions.pick(rng)
        language, title, description, cpv = source.record(rng, division)
        yield {
            "type": "need",
            "key": f"n-{number:06d}",
            "organisation": body["key"],
            "title": title,
            "description": description,
            "domain": DOMAIN_OF_DIVISION.get(division, "other"),
            "cpv": cpv,
            "kommuner": [body["kommune"]],
            "stage": stages.pick(rng),
            "language": language,
        }

    fylker = [number for number, _ in _fylker()]
    makers = _Weighted(suppliers, zipf_weights(len(suppliers), 0.7))
    for number in range(1, size.capabilities + 1):
        supplier, home = makers.pick(rng)
        # Most of a supplier's capabilities are in its own line of business.
        division = home if rng.random() < 0.7 else source.divisions.pick(rng)
        language, title, description, cpv = source.record(rng, division)
        record = {
            "type": "capability",
            "key": f"c-{number:06d}",
            "organisation": supplier["key"],
            "title": title,
            "description": description,
            "domains": [DOMAIN_OF_DIVISION.get(division, "other")],
            "cpv": cpv,
            "maturity": rng.choice(MATURITIES),
            "language": language,
        }
        if rng.random() < 0.3:
            record["nationwide"] = True
        else:
            record["fylker"] = sorted(rng.sample(fylker, rng.randint(1, 3)))
        yield record


def write(path: Path, size: Size, seed: int = 2026) -> dict[str, int]:
    """Write the corpus as JSONL; returns how many records of each type."""
    counts: dict[str, int] = defaultdict(int)
    with path.open("w", encoding="utf-8") as handle:
        for record in generate(size, seed):
            counts[record["type"]] += 1
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    return dict(counts)


def read(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="small")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    counts = write(args.out, SIZES[args.size], args.seed)
    print(f"{args.out}: " + ", ".join(f"{n} {t}" for t, n in counts.items()), file=sys.stderr)


if __name__ == "__main__":
    main()
