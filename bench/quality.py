"""`make bench-quality`: match quality on the real notices, the matcher against plain BM25F (FTS5).

    .venv/bin/python -m bench.quality [--share 0.2] [--seed 2026]

A share of the notices (chosen by a hash of their id, so the same every run) is held out. The rest
become the site's content: each buyer a public body with one need per notice, each award winner a
supplier with one capability per notice it won. The held-out notices are imported as drafts of their
buyers (drafts are never indexed nor public), and each is then asked for:

- peers: other buyers with a published notice in one of its CPV classes (first four digits) are the
  relevant answers; the ranking is taken per body (a body counts once);
- suppliers: winners of a published notice in one of its CPV classes; the held-out notice's own
  winners almost never won another notice in the file (2 of 676), so they cannot be found;
- CPV suggestion: its own codes, judged at class level (each class counts once). The suggester is the
  site's (labels, then learnt examples) taught by the published notices only.

Peers and suppliers are measured twice: with the notice's CPV codes on the need (as when the body
picks them) and as text only (as when it does not). The baseline is the same every time: SQLite FTS5
bm25 over title (weight 2) and description, queried with all the words of the held-out notice, and
for CPV over the codes' English and Norwegian labels. nDCG@10 has binary gains; recall@10 counts
relevant answers found in the top 10 out of at most 10."""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import shutil
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from unittest import mock

import sqlalchemy as sa

from bench import harness
from bench.corpus import DATA, DOMAIN_OF_DIVISION, NOTICES
from bench.fts import FtsIndex
from bench.metrics import ndcg_at, recall_at
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

    def add(self, ranked: list, relevant: set) -> None:
        self.ndcg.append(ndcg_at(ranked, relevant, K))
        self.recall.append(recall_at(ranked, relevant, K))
        self.answers.append(min(K, len(dict.fromkeys(ranked))))

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
    matcher: Score = field(default_factory=Score)
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


def evaluate(share: float, seed: int, workdir: Path, log: Callable[[str], None] = print) -> list[Task]:
    notices = load()
    train = [n for n in notices if not held_out(n, share, seed)]
    test = [n for n in notices if held_out(n, share, seed) and n.cpv]
    log(f"==> {len(train)} published notices, {len(test)} held out (share {share}, seed {seed})")

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

    log("==> building the FTS5 baseline over the same published records")
    fts = FtsIndex()
    fts.add(r for r in records if r.get("stage") != "draft")
    fts.finish()
    cpv_fts = cpv_baseline()
    suggester = trained_suggester(train)

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
    app = harness.make_app(workdir)
    # The site's suggester has learnt from every shipped notice, the held-out ones too; the CPV hints the
    # matcher gives needs without codes must come from the published notices only, like the CPV row.
    with app.app_context(), mock.patch.object(matching, "_suggester", return_value=suggester):
        index = harness.index(app)
        drafts = {n.key: n for n in db.session.scalars(sa.select(Need).where(Need.stage == Stage.DRAFT))}
        log(f"==> asking the matcher and the baseline for {len(test)} held-out notices")
        started = time.perf_counter()
        for number, notice in enumerate(test, start=1):
            own = _key("b", notice.buyer)
            peers = buyers_of_class.keys() & notice.classes
            relevant_peers = set().union(*(buyers_of_class[c] for c in peers)) - {own} if peers else set()
            won = notice.classes & winners_of_class.keys()
            relevant_suppliers = set().union(*(winners_of_class[c] for c in won)) if won else set()
            if relevant_peers:
                baseline = [h.owner for h in fts.peers(notice.text, own, limit=5 * K)]
            if relevant_suppliers:
                baseline_suppliers = [owner for owner, _ in fts.suppliers(notice.text, K)]
            for prefix, label in (("h", "text + codes"), ("t", "text only")):
                need = drafts[_key(prefix, notice.id)]
                if relevant_peers:
                    ranked = [m.need.organisation.key for m in harness.peer_list(need, index, K)]
                    task = tasks[f"need → peers ({label})"]
                    task.matcher.add(ranked, relevant_peers)
                    task.baseline.add(baseline, relevant_peers)
                if relevant_suppliers:
                    ranked = [m.organisation.key for m in harness.supplier_list(need, index, K)]
                    task = tasks[f"need → suppliers ({label})"]
                    task.matcher.add(ranked, relevant_suppliers)
                    task.baseline.add(baseline_suppliers, relevant_suppliers)
            suggested = [code[:4] for code, _ in suggester.suggest(notice.text, K)]
            plain = [hit.key[:4] for hit in cpv_fts.match("capability", notice.text, 5 * K)]
            task = tasks["CPV suggestion (class level)"]
            task.matcher.add(suggested, notice.classes)
            task.baseline.add(plain, notice.classes)
            if number % 50 == 0:
                log(f"    {number}/{len(test)} ({time.perf_counter() - started:.0f} s)")
        index.close()
    return list(tasks.values())


def _ratio(matcher: float, baseline: float) -> str:
    return f"{matcher / baseline:6.2f}x" if baseline > 0 else f"{'-':>7}"


def table(tasks: list[Task]) -> str:
    head = " ".join((f"{'task':34} {'n':>4}", f"{'nDCG@10':>8} {'BM25F':>7} {'ratio':>7} ", f"{'R@10':>6}"))
    head += f" {'BM25F':>7} {'ratio':>7}   {'answers':>7} {'BM25F':>5}"
    lines = [head, "-" * len(head)]
    for task in tasks:
        m, b = task.matcher, task.baseline
        lines.append(
            f"{task.name:34} {len(m.ndcg):4d} {m.mean_ndcg:8.3f} {b.mean_ndcg:7.3f} "
            f"{_ratio(m.mean_ndcg, b.mean_ndcg)}   {m.mean_recall:6.3f} {b.mean_recall:7.3f} "
            f"{_ratio(m.mean_recall, b.mean_recall)}   {m.mean_answers:7.1f} {b.mean_answers:5.1f}"
        )
    lines.append(
        "n: held-out notices with at least one relevant answer; ratio: matcher / baseline; "
        f"answers: distinct answers returned, of {K}"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--share", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--keep", action="store_true", help="keep the work folder (its path is printed)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="behovsborsen-quality-"))
    print(f"work folder {workdir}", flush=True)
    started = time.perf_counter()
    try:
        tasks = evaluate(args.share, args.seed, workdir, lambda m: print(m, flush=True))
        print()
        took = time.perf_counter() - started
        print(f"make bench-quality (share {args.share}, seed {args.seed}), {took:.0f} s")
        print(table(tasks))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
