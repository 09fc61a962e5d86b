"""`make bench-quality`: match quality on the real notices, the matcher against plain BM25F (FTS5).

    .venv/bin/python -m bench.quality [--tune]

The notices are split in two fixed halves by a hash of their id. The matcher's settings (the
boilerplate list, the weights, the confidence threshold) are tuned on the **tuning half** only; the
figures are reported on the other, the **report half**, which tuning never reads. By default the
tuning half becomes the site's content and each notice of the report half is asked for; with
--tune, a third of the tuning half is asked for against the rest of it (for trying settings).

The content: each buyer a public body with one need per notice, each award winner a supplier with one
capability per notice it won. The notices asked for are imported as drafts of their buyers (drafts are
never indexed nor public), and each is then asked for:

- peers: other buyers with a published notice in one of its CPV classes (first four digits) are the
  relevant answers; the ranking is taken per body (a body counts once);
- suppliers: winners of a published notice in one of its CPV classes; the notice's own winners
  almost never won another notice in the file, so they cannot be found;
- CPV suggestion: its own codes, judged at class level (each class counts once). The suggester is the
  site's (labels, then learnt examples) taught by the content notices only.

Peers and suppliers are measured twice: with the notice's CPV codes on the need (as when the body
picks them) and as text only (as when it does not). The baseline is the same every time: SQLite FTS5
bm25 over title (weight 2) and description, queried with all the words of the notice, and for CPV
over the codes' English and Norwegian labels. nDCG@10 has binary gains; recall@10 counts relevant
answers found in the top 10 out of at most 10. The matcher's lists hold only matches that clear its
confidence threshold, so they may be shorter than 10 ("answers"); precision is the share of listed
answers that are relevant."""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import sqlalchemy as sa
from flask import current_app

from bench import harness
from bench.corpus import DATA, DOMAIN_OF_DIVISION, NOTICES
from bench.fts import FtsIndex
from bench.metrics import dedupe, ndcg_at, recall_at
from network import reference
from network.extensions import db
from network.models import Need, Stage
from network.services import matching
from search import CpvSuggester

K = 10


@dataclass(frozen=True)
class Notice:
    id: str
    title: str
    description: str
    language: str
    cpv: tuple[str, ...]
    buyer: str
    winners: tuple[str, ...]

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.description}"

    @property
    def classes(self) -> set[str]:
        return {code[:4] for code in self.cpv}


def _key(prefix: str, name: str) -> str:
    return f"{prefix}-{hashlib.sha1(name.encode()).hexdigest()[:12]}"


def load(path: Path = NOTICES) -> list[Notice]:
    notices, seen = [], set()
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        if row["id"] in seen:
            continue
        seen.add(row["id"])
        codes = tuple(dict.fromkeys(c for c in row["cpv"] if len(c) == 8))[:10]
        winners = tuple(
            dict.fromkeys(s["name"].strip().lower() for s in row["suppliers"] if s["name"].strip())
        )
        notices.append(
            Notice(
                id=row["id"],
                title=row["title"].strip() or row["id"],
                description=row["description"] or "",
                language="en" if row["lang"] == "en" else "nb",
                cpv=codes,
                buyer=row["buyer"].strip(),
                winners=winners,
            )
        )
    return notices


def held_out(notice: Notice, share: float, seed: int) -> bool:
    digest = hashlib.sha1(f"{seed}:{notice.id}".encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


# The fixed halves: the seed and share never change, so no setting is ever tuned on the report half.
SPLIT_SEED = 2026
# In --tune mode, this share of the tuning half is asked for against the rest of it.
TUNE_SHARE = 1 / 3
TUNE_SEED = 7


def in_report_half(notice: Notice) -> bool:
    return held_out(notice, 0.5, SPLIT_SEED)


def tuning_notices(notices: list[Notice] | None = None) -> list[Notice]:
    """The tuning half: the only notices the matcher's settings may be learnt or tuned from."""
    return [n for n in (load() if notices is None else notices) if not in_report_half(n)]


def split(tune: bool) -> tuple[list[Notice], list[Notice]]:
    """(content, asked): the notices that become the site's content, and those asked for."""
    notices = load()
    if tune:
        tuning = tuning_notices(notices)
        return (
            [n for n in tuning if not held_out(n, TUNE_SHARE, TUNE_SEED)],
            [n for n in tuning if held_out(n, TUNE_SHARE, TUNE_SEED)],
        )
    return tuning_notices(notices), [n for n in notices if in_report_half(n)]


def _kommune_of() -> dict[str, str]:
    """'asker kommune' → '3203': a buyer named like a kommune gets its region."""
    with (DATA / "kommuner_2024.csv").open(encoding="utf-8") as handle:
        return {f"{r['kommunenavn'].lower()} kommune": r["kommunenummer"] for r in csv.DictReader(handle)}


def _domain(codes: tuple[str, ...]) -> str:
    return DOMAIN_OF_DIVISION.get(codes[0][:2], "other") if codes else "other"


def site_records(train: list[Notice], test: list[Notice]) -> list[dict]:
    """The import file: buyers, winners, a need per published notice, a capability per award, and
    each held-out notice twice as a draft (with its codes, and without)."""
    kommuner = _kommune_of()
    records: list[dict] = []
    for buyer in sorted({n.buyer for n in train + test}):
        record = {"type": "organisation", "key": _key("b", buyer), "kind": "public_body", "name": buyer}
        record["verified"] = True
        if buyer.lower() in kommuner:
            record.update(sector="municipality", kommune=kommuner[buyer.lower()])
        records.append(record)
    for winner in sorted({w for n in train for w in n.winners}):
        records.append(
            {"type": "organisation", "key": _key("s", winner), "kind": "supplier", "name": winner.title()}
        )
    for notice in train:
        records.append(
            {
                "type": "need",
                "key": _key("p", notice.id),
                "organisation": _key("b", notice.buyer),
                "title": notice.title[:200],
                "description": notice.description,
                "domain": _domain(notice.cpv),
                "cpv": list(notice.cpv),
                "language": notice.language,
            }
        )
        for winner in notice.winners:
            records.append(
                {
                    "type": "capability",
                    "key": _key("c", f"{winner}|{notice.id}"),
                    "organisation": _key("s", winner),
                    "title": notice.title[:200],
                    "description": notice.description,
                    "domains": [_domain(notice.cpv)],
                    "cpv": list(notice.cpv),
                    "nationwide": True,
                    "language": notice.language,
                }
            )
    for notice in test:
        for prefix, codes in (("h", list(notice.cpv)), ("t", [])):
            records.append(
                {
                    "type": "need",
                    "key": _key(prefix, notice.id),
                    "organisation": _key("b", notice.buyer),
                    "title": notice.title[:200],
                    "description": notice.description,
                    "domain": _domain(notice.cpv),
                    "cpv": codes,
                    "language": notice.language,
                    "stage": "draft",
                }
            )
    return records


@dataclass
class Score:
    ndcg: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    # How many distinct answers came back (of K): a short list cannot score well.
    answers: list[int] = field(default_factory=list)
    # Of all answers returned, how many were relevant.
    right: int = 0

    def add(self, ranked: list, relevant: set) -> None:
        self.ndcg.append(ndcg_at(ranked, relevant, K))
        self.recall.append(recall_at(ranked, relevant, K))
        answers = dedupe(ranked)[:K]
        self.answers.append(len(answers))
        self.right += sum(1 for answer in answers if answer in relevant)

    @property
    def precision(self) -> float:
        """The share of all answers returned that were relevant."""
        return self.right / sum(self.answers) if sum(self.answers) else 0.0

    @property
    def mean_ndcg(self) -> float:
        return sum(self.ndcg) / len(self.ndcg) if self.ndcg else 0.0

    @property
    def mean_recall(self) -> float:
        return sum(self.recall) / len(self.recall) if self.recall else 0.0

    @property
    def mean_answers(self) -> float:
        return sum(self.answers) / len(self.answers) if self.answers else 0.0


@dataclass
class Task:
    name: str
    # The matcher's ranking (no confidence floor), the lists the site shows (with its floor), BM25F.
    matcher: Score = field(default_factory=Score)
    listed: Score = field(default_factory=Score)
    baseline: Score = field(default_factory=Score)


def cpv_baseline() -> FtsIndex:
    """FTS5 over the CPV labels: a code is a record with its English label as title, Norwegian as body."""
    fts = FtsIndex()
    with (DATA / "cpv_2008.csv").open(encoding="utf-8") as handle:
        fts.add(
            {"type": "capability", "key": r["code"], "title": r["label_en"], "description": r["label_nb"]}
            for r in csv.DictReader(handle)
        )
    fts.finish()
    return fts


def trained_suggester(train: list[Notice]) -> CpvSuggester:
    """The site's suggester (the codes' labels, then what notices and published needs with codes teach)
    taught by the published notices only: the site's own learns from every shipped notice, held-out
    ones included, which would let it look up the answers."""
    suggester = CpvSuggester((c.code, c.label_en, c.label_nb) for c in reference.cpv_entries())
    suggester.learn((n.text, list(n.cpv)) for n in train if n.cpv)
    return suggester


@dataclass
class Site:
    """The benchmark's site: its content notices, the notices asked for, and who is relevant to each."""

    workdir: Path
    train: list[Notice]
    test: list[Notice]
    records: list[dict]
    buyers_of_class: dict[str, set[str]]
    winners_of_class: dict[str, set[str]]

    def relevant_peers(self, notice: Notice, digits: int = 4) -> set[str]:
        """The keys of other buyers with a content notice in one of the notice's CPV classes (or, with
        digits=3, groups)."""
        own = _key("b", notice.buyer)
        classes = [cls for cls in self.buyers_of_class if _shares(cls, notice, digits)]
        return {b for cls in classes for b in self.buyers_of_class[cls]} - {own}

    def relevant_suppliers(self, notice: Notice, digits: int = 4) -> set[str]:
        """The keys of the winners of a content notice in one of the notice's CPV classes (or groups)."""
        return {w for cls, won in self.winners_of_class.items() if _shares(cls, notice, digits) for w in won}


def _shares(cls: str, notice: Notice, digits: int) -> bool:
    return any(cls[:digits] == mine[:digits] for mine in notice.classes)


def build_site(tune: bool, workdir: Path, log: Callable[[str], None] = print) -> Site:
    """Import the content notices and the notices asked for (as drafts) into a fresh site."""
    train, asked = split(tune)
    test = [n for n in asked if n.cpv]
    half = "a third of the tuning half" if tune else "the report half"
    log(f"==> {len(train)} published notices, {len(test)} asked for ({half})")
    buyers_of_class: dict[str, set[str]] = defaultdict(set)
    winners_of_class: dict[str, set[str]] = defaultdict(set)
    for notice in train:
        for cls in notice.classes:
            buyers_of_class[cls].add(_key("b", notice.buyer))
            winners_of_class[cls].update(_key("s", w) for w in notice.winners)
    records = site_records(train, test)
    path = workdir / "profiles.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    log(f"==> importing {len(records)} records into a fresh site")
    harness.run_import(workdir, path, log)
    return Site(workdir, train, test, records, buyers_of_class, winners_of_class)


@contextmanager
def site_context(site: Site, confidence: float | None = None) -> Iterator[tuple[object, dict[str, Need]]]:
    """The site's app context with its index and the drafts asked for by key. The site's suggester has
    learnt from every shipped notice, the asked ones too; the CPV hints the matcher gives needs
    without codes must come from the content notices only, like the CPV row."""
    app = harness.make_app(site.workdir)
    if confidence is not None:
        app.config["MATCH_CONFIDENCE"] = confidence
    suggester = trained_suggester(site.train)
    with app.app_context(), mock.patch.object(matching, "_suggester", return_value=suggester):
        index = harness.index(app)
        drafts = {n.key: n for n in db.session.scalars(sa.select(Need).where(Need.stage == Stage.DRAFT))}
        try:
            yield index, drafts
        finally:
            index.close()


def evaluate(
    tune: bool, workdir: Path, log: Callable[[str], None] = print, confidence: float | None = None
) -> list[Task]:
    site = build_site(tune, workdir, log)
    log("==> building the FTS5 baseline over the same published records")
    fts = FtsIndex()
    fts.add(r for r in site.records if r.get("stage") != "draft")
    fts.finish()
    cpv_fts = cpv_baseline()
    suggester = trained_suggester(site.train)
    tasks = {
        name: Task(name)
        for name in (
            "need → peers (text + codes)",
            "need → peers (text only)",
            "need → suppliers (text + codes)",
            "need → suppliers (text only)",
            "CPV suggestion (class level)",
        )
    }
    lonely = {"text + codes": Score(), "text only": Score()}
    with site_context(site) as (index, drafts):
        floor = matching.min_confidence() if confidence is None else confidence
        log(
            f"==> asking the matcher (ranking, and lists of confidence ≥ {floor}) and the baseline for"
            f" {len(site.test)} notices"
        )
        started = time.perf_counter()

        def lists(need, kind: str) -> tuple[list[str], list[str]]:
            found = []
            for level in (0.0, floor):
                current_app.config["MATCH_CONFIDENCE"] = level
                if kind == "peers":
                    found.append([m.need.organisation.key for m in harness.peer_list(need, index, K)])
                else:
                    found.append([m.organisation.key for m in harness.supplier_list(need, index, K)])
            return found[0], found[1]

        for number, notice in enumerate(site.test, start=1):
            own = _key("b", notice.buyer)
            relevant_peers = site.relevant_peers(notice)
            relevant_suppliers = site.relevant_suppliers(notice)
            if relevant_peers:
                baseline = [h.owner for h in fts.peers(notice.text, own, limit=5 * K)]
            if relevant_suppliers:
                baseline_suppliers = [owner for owner, _ in fts.suppliers(notice.text, K)]
            for prefix, label in (("h", "text + codes"), ("t", "text only")):
                need = drafts[_key(prefix, notice.id)]
                if relevant_peers:
                    ranked, listed = lists(need, "peers")
                    task = tasks[f"need → peers ({label})"]
                    task.matcher.add(ranked, relevant_peers)
                    task.listed.add(listed, relevant_peers)
                    task.baseline.add(baseline, relevant_peers)
                if relevant_suppliers:
                    ranked, listed = lists(need, "suppliers")
                    task = tasks[f"need → suppliers ({label})"]
                    task.matcher.add(ranked, relevant_suppliers)
                    task.listed.add(listed, relevant_suppliers)
                    task.baseline.add(baseline_suppliers, relevant_suppliers)
                if not site.relevant_peers(notice, 3):
                    # No other body shares even a CPV group with it: every peer listed is a false alarm.
                    lonely[label].add(lists(need, "peers")[1], {"-"})
            suggested = [code[:4] for code, _ in suggester.suggest(notice.text, K)]
            plain = [hit.key[:4] for hit in cpv_fts.match("capability", notice.text, 5 * K)]
            task = tasks["CPV suggestion (class level)"]
            task.matcher.add(suggested, notice.classes)
            task.listed.add(suggested, notice.classes)
            task.baseline.add(plain, notice.classes)
            if number % 50 == 0:
                log(f"    {number}/{len(site.test)} ({time.perf_counter() - started:.0f} s)")
    for label, score in lonely.items():
        log(
            f"==> needs no other body shares a CPV group with ({len(score.answers)}), {label}:"
            f" {score.mean_answers:.1f} peers listed on average"
        )
    return list(tasks.values())


def _ratio(matcher: float, baseline: float) -> str:
    return f"{matcher / baseline:5.2f}x" if baseline > 0 else f"{'-':>6}"


def table(tasks: list[Task]) -> str:
    head = f"{'task':34} {'n':>4} {'nDCG@10':>8} {'BM25F':>6} {'ratio':>6}"
    head += f" {'R@10':>6} {'BM25F':>6} {'ratio':>6} | {'listed':>6} {'prec.':>5} {'nDCG':>5}"
    head += f" | {'BM25F prec.':>11}"
    lines = [head, "-" * len(head)]
    for task in tasks:
        m, listed, b = task.matcher, task.listed, task.baseline
        row = f"{task.name:34} {len(m.ndcg):4d} {m.mean_ndcg:8.3f} {b.mean_ndcg:6.3f}"
        row += f" {_ratio(m.mean_ndcg, b.mean_ndcg)} {m.mean_recall:6.3f} {b.mean_recall:6.3f}"
        row += f" {_ratio(m.mean_recall, b.mean_recall)} | "
        if task.name.startswith("CPV"):
            row += f"{'':>6} {'':>5} {'':>5} | {'':>11}"
        else:
            row += f"{listed.mean_answers:6.1f} {listed.precision:5.2f} {listed.mean_ndcg:5.3f}"
            row += f" | {b.precision:11.2f}"
        lines.append(row)
    lines += [
        "n: notices asked with at least one relevant answer; nDCG@10, R@10: the matcher's ranking (no",
        f"confidence floor); ratio: matcher / BM25F; listed: answers the site lists (of {K}, with its",
        "confidence floor); prec.: share of listed answers that are relevant; BM25F prec.: the same for",
        "BM25F's top 10",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune", action="store_true", help="ask a third of the tuning half")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (its path is printed)")
    parser.add_argument(
        "--confidence", type=float, help="list matches this likely to be right (default: the site's; 0: all)"
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="behovsborsen-quality-"))
    print(f"work folder {workdir}", flush=True)
    started = time.perf_counter()
    try:
        tasks = evaluate(args.tune, workdir, lambda m: print(m, flush=True), args.confidence)
        print()
        took = time.perf_counter() - started
        half = "a third of the tuning half" if args.tune else "the report half"
        print(f"make bench-quality, asking {half}, {took:.0f} s")
        print(table(tasks))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
