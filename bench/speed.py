"""`make bench`: the issue's speed figures on a synthetic corpus, next to SQLite FTS5 over the same records.

    .venv/bin/python -m bench.speed --size full     # 100,000 capabilities, 50,000 needs (~25 min)
    .venv/bin/python -m bench.speed --size small    # 5,000 capabilities, 2,500 needs (~1-2 min)

Steps, each in a fresh work folder (never instance/): generate the corpus (bench/corpus.py), import
it with `flask --app app import` as a subprocess, build the FTS5 yardstick from the same file, rebuild
the site's index, time top-10 suppliers from scratch and search queries with facets, let the indexer
keep the lists of the needs about to be viewed, serve a Zipf-distributed mix of need-page views with
a save every 25 views in a worker process of its own (its memory is the worker's memory), and save
needs through the services until they show in matches and search. One table at the end: median, p95,
target and pass/fail for the site, the same work on FTS5, and the ratio."""

from __future__ import annotations

import argparse
import json
import random
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from bench import corpus, harness
from bench.fts import FtsIndex
from bench.metrics import summary
from network.extensions import db
from network.indexing import need_text, reindex
from network.models import Need, Organisation, Role, User
from network.services import matching, searching
from network.services import needs as need_service
from search import SearchQuery


@dataclass(frozen=True)
class Plan:
    """How much work each step does at a corpus size."""

    rebuilds: int
    scratch_needs: int
    searches: int
    views: int
    view_seconds: float
    # A latency step stops early after this long (the figure then says how many it measured).
    step_seconds: float
    fts_views: int
    saves: int
    # A save (capability rewritten or need published) before every this many views.
    change_every: int = 25


PLANS = {
    "full": Plan(
        rebuilds=1,
        scratch_needs=100,
        searches=200,
        views=2000,
        view_seconds=240,
        fts_views=300,
        saves=10,
        step_seconds=150,
    ),
    "small": Plan(
        rebuilds=3,
        scratch_needs=100,
        searches=200,
        views=600,
        view_seconds=45,
        fts_views=300,
        saves=10,
        step_seconds=40,
    ),
    "tiny": Plan(
        rebuilds=1,
        scratch_needs=10,
        searches=10,
        views=20,
        view_seconds=10,
        fts_views=20,
        saves=2,
        step_seconds=10,
    ),
}


@dataclass
class Figure:
    name: str
    target: float
    unit: str
    site: list[float] = field(default_factory=list)
    fts: list[float] = field(default_factory=list)
    note: str = ""
    # Memory is judged on the value after the mix; every other figure on its p95.
    judge_single: bool = False

    def verdict(self) -> str:
        if not self.site:
            return "n/a"
        value = self.site[-1] if self.judge_single else summary(self.site)[1]
        return "pass" if value <= self.target else "FAIL"


def number(value: float) -> str:
    """Nine characters wide; two decimals for small values so a quick run's seconds do not read 0.0."""
    return f"{value:9.2f}" if abs(value) < 10 else f"{value:9.1f}"


def log(message: str) -> None:
    print(message, flush=True)


def _timed(function, *args, **kwargs) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return (time.perf_counter() - started) * 1000, result


def zipf_views(ids: list[int], count: int, rng: random.Random, exponent: float = 1.0) -> list[int]:
    """A sequence of page views in which the r-th most popular need gets a share ∝ 1/r^exponent."""
    popularity = ids[:]
    rng.shuffle(popularity)
    weights = [1.0 / (rank**exponent) for rank in range(1, len(popularity) + 1)]
    return rng.choices(popularity, weights=weights, k=count)


def search_queries(records: list[dict], count: int, rng: random.Random) -> list[tuple[str, dict[str, str]]]:
    """Words from real titles (one or two), a third with a domain filter and a third with a fylke filter."""
    queries = []
    while len(queries) < count:
        need = rng.choice(records)
        words = [w for w in need["title"].lower().split() if w.isalpha() and len(w) > 3]
        if not words:
            continue
        text = " ".join(rng.sample(words, min(len(words), rng.choice((1, 1, 2)))))
        kind = len(queries) % 3
        if kind == 1:
            filters = {"domain": need["domain"] if need["domain"] != "other" else "health"}
        elif kind == 2:
            filters = {"fylke": need["kommuner"][0][:2]}
        else:
            filters = {}
        queries.append((text, filters))
    return queries


def build_fts(path: Path, target: Path) -> tuple[float, FtsIndex]:
    if target.exists():
        target.unlink()
    started = time.perf_counter()
    fts = FtsIndex(target)
    fts.add(corpus.read(path))
    fts.finish()
    return time.perf_counter() - started, fts


class Bench:
    def __init__(self, size: str, seed: int, workdir: Path):
        self.size, self.plan, self.workdir = size, PLANS[size], workdir
        self.rng = random.Random(seed)
        self.seed = seed
        self.corpus_path = workdir / "corpus.jsonl"
        self.figures = {
            "lists": Figure("need page: supplier + peer lists, mix", 25, "ms"),
            "scratch": Figure("top-10 suppliers from scratch", 60, "ms"),
            "search": Figure("search query with facets", 50, "ms"),
            "rebuild": Figure("full rebuild of the index", 90, "s"),
            "import": Figure("import of the whole corpus", 600, "s"),
            "fresh": Figure("saved need in matches + search", 1000, "ms"),
            "memory": Figure("web worker memory after the mix", 300, "MB", judge_single=True),
        }

    def _late(self, deadline: float, figure: Figure) -> bool:
        if time.perf_counter() < deadline:
            return False
        figure.note = f"stopped after {self.plan.step_seconds:.0f} s"
        log(f"    time limit: {len(figure.site)} measured")
        return True

    # -- steps ----------------------------------------------------------------------------------

    def generate(self) -> None:
        log(f"==> generating the {self.size} corpus (seed {self.seed})")
        counts = corpus.write(self.corpus_path, corpus.SIZES[self.size], self.seed)
        self.records = [r for r in corpus.read(self.corpus_path) if r["type"] == "need"]
        log("    " + ", ".join(f"{n} {t}" for t, n in counts.items()))

    def import_corpus(self) -> None:
        log("==> importing with `flask --app app import` (subprocess)")
        seconds = harness.run_import(self.workdir, self.corpus_path, log)
        self.figures["import"].site.append(seconds)
        log(f"    {seconds:.1f} s")

    def build_fts(self) -> None:
        log("==> building the FTS5 yardstick from the same file")
        for _ in range(self.plan.rebuilds):
            seconds, self.fts = build_fts(self.corpus_path, self.workdir / "fts.db")
            self.figures["import"].fts.append(seconds)
            self.figures["rebuild"].fts.append(seconds)
        log(f"    {seconds:.1f} s")

    def rebuild(self, index) -> None:
        for run in range(1, self.plan.rebuilds + 1):
            log(f"==> full rebuild {run}/{self.plan.rebuilds}")
            started = time.perf_counter()
            count = reindex(index, progress=lambda n: log(f"    {n} documents"))
            seconds = time.perf_counter() - started
            self.figures["rebuild"].site.append(seconds)
            log(f"    {count} documents in {seconds:.1f} s")

    def from_scratch(self, index, needs: list[Need]) -> None:
        log(f"==> top-10 suppliers from scratch for {len(needs)} needs")
        figure = self.figures["scratch"]
        deadline = time.perf_counter() + self.plan.step_seconds
        for number, need in enumerate(needs, start=1):
            if self._late(deadline, figure):
                break
            ms, _ = _timed(harness.supplier_list, need, index, cached=False)
            figure.site.append(ms)
            ms, _ = _timed(self.fts.suppliers, f"{need.title}\n{need_text(need)}")
            figure.fts.append(ms)
            if number % 25 == 0:
                log(f"    {number} needs")

    def search(self, index) -> None:
        queries = search_queries(self.records, self.plan.searches, self.rng)
        log(f"==> {len(queries)} search queries with facets")
        figure = self.figures["search"]
        deadline = time.perf_counter() + self.plan.step_seconds
        for text, filters in queries:
            if self._late(deadline, figure):
                break
            query = SearchQuery(
                text=text,
                domains=(filters["domain"],) if "domain" in filters else (),
                fylker=(filters["fylke"],) if "fylke" in filters else (),
            )
            ms, _ = _timed(searching.search, index, query)
            figure.site.append(ms)
            ms, _ = _timed(self.fts.search, text, filters=filters)
            figure.fts.append(ms)
            db.session.remove()

    def keep_ready(self, index, views: list[int], published: int) -> None:
        """What the indexer (`flask index follow`, `flask index warm`) does after an import: compute
        and keep the page lists of published needs. Here only those of the needs the mix views, which
        is what those views see once the indexer has gone through every need; the time per need
        tells how long the whole corpus takes."""
        distinct = sorted(set(views))
        log(f"==> the indexer keeps the lists of the {len(distinct)} needs the mix views")
        started = time.perf_counter()
        report = matching.warm_need_lists(
            index, need_ids=distinct, progress=lambda kept, missing: log(f"    {kept}/{missing} needs")
        )
        seconds = time.perf_counter() - started
        per_need = seconds * 1000 / max(report.kept, 1)
        minutes = published * per_need / 60000
        self.warm_note = f"{per_need:.0f} ms per need: all {published:,} published needs in {minutes:.0f} min"
        log(f"    {report.kept} needs in {seconds:.1f} s; {self.warm_note}")
        db.session.remove()

    def serve_mix(self, views: list[int], owners: dict[int, tuple[str, str]]) -> None:
        log(
            f"==> {len(views)} need-page views ({len(set(views))} distinct needs, Zipf) in a worker process,"
            f" a save before every {self.plan.change_every}th, at most {self.plan.view_seconds:.0f} s"
        )
        plan_path, result_path = self.workdir / "mix.json", self.workdir / "mix-result.json"
        plan_path.write_text(
            json.dumps(
                {
                    "views": views,
                    "time_limit": self.plan.view_seconds,
                    "page_every": 5,
                    "change_every": self.plan.change_every,
                    "seed": self.seed,
                }
            )
        )
        harness.run_module(self.workdir, ["bench.worker", str(plan_path), str(result_path)], log, "worker: ")
        result = json.loads(result_path.read_text())
        self.figures["lists"].site = result["lists_ms"]
        self.page_ms = result["page_ms"]
        self.change_ms = result["change_ms"]
        served = len(result["lists_ms"])
        # A view whose lists a save dropped (or that were never kept) computes them: the p95 depends
        # on their share.
        computed = result["computed_views"] / served if served else 0.0
        self.figures[
            "lists"
        ].note = f"{served} views, {len(self.change_ms)} saves, {computed:.1%} of views computed lists"
        self.figures["memory"].site = [result["rss_mb"]]
        self.figures["memory"].note = f"peak {result['peak_mb']:.0f} MB"
        log(f"    FTS5: the same views, first {self.plan.fts_views}")
        for need_id in views[: self.plan.fts_views]:
            title_text, owner = owners[need_id]
            started = time.perf_counter()
            self.fts.suppliers(title_text)
            self.fts.peers(title_text, owner)
            self.figures["lists"].fts.append((time.perf_counter() - started) * 1000)

    def freshness(self, index, needs: list[Need]) -> None:
        """Save a copy of a published need (with a new word) as another body and wait until it is among
        that need's peers and found by search.

        The originals are needs whose title no other need has: among many needs with the same title
        (the corpus has "Vikartjenester" 56 times) a copy may fairly rank below the top ten, and this
        figure is about how soon a change shows, not about ranking ties."""
        log(f"==> {self.plan.saves} saved needs until they show in peers and search")
        figure = self.figures["fresh"]
        titles = Counter(record["title"] for record in self.records)
        needs = [need for need in needs if titles[need.title] == 1] or needs
        bodies = db.session.scalars(sa.select(Organisation).where(Organisation.key.like("pb-%"))).all()
        for number in range(1, self.plan.saves + 1):
            original = needs[number % len(needs)]
            body = next(b for b in bodies if b.id != original.organisation_id)
            actor = User(email=f"bench{number}@example.no", name="Bench", organisation=body, role=Role.ADMIN)
            actor.set_password("bench-only-password")
            db.session.add(actor)
            db.session.commit()
            # The original's peer list is computed (and kept, if the matcher keeps lists) before the save.
            harness.peer_list(original, index)
            marker = f"benchmarker{number}x"
            draft = need_service.NeedDraft(
                title=f"{original.title} {marker}",
                description=original.description,
                domain=original.domain.value,
                cpv=tuple(original.cpv or ()),
                language=original.language,
            )
            started = time.perf_counter()
            need = need_service.create_need(actor, draft, index)
            need_service.publish_need(actor, need, index)
            in_search = in_peers = False
            while not (in_search and in_peers):
                in_search = in_search or any(
                    item.record.id == need.id
                    for item in searching.search(index, SearchQuery(text=marker)).items
                )
                in_peers = in_peers or any(m.need.id == need.id for m in harness.peer_list(original, index))
                if time.perf_counter() - started > 10:
                    log(f"    need {need.id} not visible after 10 s (search {in_search}, peers {in_peers})")
                    break
                if not (in_search and in_peers):
                    time.sleep(0.005)
            figure.site.append((time.perf_counter() - started) * 1000)
            text = f"{original.title} {marker}\n{original.description}"
            started = time.perf_counter()
            self.fts.add(
                [{"type": "need", "key": f"bench-{number}", "organisation": body.key, "title": text}]
            )
            self.fts.search(marker)
            self.fts.peers(f"{original.title}\n{need_text(original)}", original.organisation.key)
            figure.fts.append((time.perf_counter() - started) * 1000)

    # -- the whole run ---------------------------------------------------------------------------

    def run(self) -> dict[str, Figure]:
        self.generate()
        self.import_corpus()
        self.build_fts()
        self.report("import")
        app = harness.make_app(self.workdir)
        with app.app_context():
            index = harness.index(app)
            self.rebuild(index)
            self.report("rebuild")
            need_ids = sorted(harness.ids_by_key(Need).values())
            sample = self.rng.sample(need_ids, min(self.plan.scratch_needs, len(need_ids)))
            needs = [db.session.get(Need, i) for i in sample]
            log("==> warming up (first query, CPV suggester)")
            harness.supplier_list(needs[0], index)
            harness.suggest_cpv("warm up")
            self.from_scratch(index, needs)
            self.report("scratch")
            self.search(index)
            self.report("search")
            owners = {
                need.id: (f"{need.title}\n{need_text(need)}", need.organisation.key)
                for need in db.session.scalars(sa.select(Need))
            }
            db.session.remove()
            views = zipf_views(need_ids, self.plan.views, self.rng)
            self.keep_ready(index, views, len(need_ids))
            self.serve_mix(views, owners)
            self.report("lists", "memory")
            needs = [db.session.get(Need, i) for i in sample]
            self.freshness(index, needs)
            self.report("fresh")
            index.close()
        return self.figures

    HEAD = (
        f"{'figure':40} {'target':>9} {'median':>9} {'p95':>9} {'n':>5} {'':5}"
        f" {'FTS5 med':>9} {'FTS5 p95':>9} {'p95 ratio':>9}  note"
    )

    @staticmethod
    def row(figure: Figure) -> str:
        if figure.site:
            median, p95 = summary(figure.site)
            site = f"{number(median)} {number(p95)} {len(figure.site):5d}"
        else:
            site, p95 = f"{'-':>9} {'-':>9} {0:5d}", None
        if figure.fts:
            fts_median, fts_p95 = summary(figure.fts)
            ratio = f"{p95 / fts_p95:8.2f}x" if p95 is not None and fts_p95 > 0 else f"{'-':>9}"
            fts = f"{number(fts_median)} {number(fts_p95)} {ratio}"
        else:
            fts = f"{'-':>9} {'-':>9} {'-':>9}"
        target = f"≤{figure.target:g} {figure.unit}"
        return f"{figure.name:40} {target:>9} {site} {figure.verdict():5} {fts}  {figure.note}"

    def report(self, *names: str) -> None:
        """A step's figures as soon as they are measured, so a run cut short still tells something."""
        for name in names:
            log(f"    = {self.row(self.figures[name])}")

    def table(self) -> str:
        lines = [self.HEAD, "-" * len(self.HEAD)]
        lines += [self.row(figure) for figure in self.figures.values()]
        if getattr(self, "page_ms", None):
            median, p95 = summary(self.page_ms)
            name = "(info) need page HTML"
            lines.append(f"{name:40} {'':>9} {number(median)} {number(p95)} {len(self.page_ms):5d}")
        if getattr(self, "change_ms", None):
            median, p95 = summary(self.change_ms)
            name = "(info) save during the mix, percolated"
            lines.append(f"{name:40} {'':>9} {number(median)} {number(p95)} {len(self.change_ms):5d}")
        if getattr(self, "warm_note", None):
            lines.append(f"{'(info) lists kept by the indexer':40} {'':>9} {self.warm_note}")
        lines.append("times in ms except rebuild and import (s); memory in MB (resident, after the mix)")
        return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(PLANS), default="full")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--json", type=Path, help="also write the raw figures here")
    parser.add_argument("--keep", action="store_true", help="keep the work folder (its path is printed)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="behovsborsen-bench-"))
    log(f"work folder {workdir}")
    started = time.perf_counter()
    try:
        bench = Bench(args.size, args.seed, workdir)
        figures = bench.run()
        print()
        print(f"make bench SIZE={args.size} (seed {args.seed}), {time.perf_counter() - started:.0f} s in all")
        print(bench.table())
        if args.json:
            args.json.write_text(
                json.dumps(
                    {name: {"site": f.site, "fts": f.fts, "note": f.note} for name, f in figures.items()}
                )
            )
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
