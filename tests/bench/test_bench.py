"""The benchmarks' own parts on a tiny corpus: the generator, the FTS5 yardstick and the metrics."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing

import pytest

from bench import corpus, quality
from bench.fts import FtsIndex, or_query
from bench.full_store import fill
from bench.metrics import ndcg_at, percentile, recall_at, summary
from bench.worker import Changes
from network.models import Capability, Need, Organisation
from network.services.imports import import_records
from search import CAPABILITY, NEED, Document, MatchQuery, open_index
from search.match_cache import FILE_NAME, profile_hash

TINY = corpus.SIZES["tiny"]


@pytest.fixture(scope="module")
def records():
    return list(corpus.generate(TINY, seed=7))


def test_the_same_seed_gives_the_same_corpus_and_another_seed_another(records):
    assert list(corpus.generate(TINY, seed=7)) == records
    assert list(corpus.generate(TINY, seed=8)) != records


def test_the_corpus_has_the_asked_size_and_real_vocabulary(records):
    kinds = [r.get("kind", r["type"]) for r in records]
    assert kinds.count("public_body") == TINY.public_bodies
    assert kinds.count("supplier") == TINY.suppliers
    assert kinds.count("need") == TINY.needs
    assert kinds.count("capability") == TINY.capabilities
    real_words = {w.lower() for n in corpus.load_notices() for w in n.title.split()}
    need = next(r for r in records if r["type"] == "need")
    assert set(need["title"].lower().split()) <= real_words
    assert {r["language"] for r in records if r["type"] == "need"} <= {"nb", "en"}


def test_the_corpus_imports_cleanly(app, index, records):
    report = import_records(records, index)
    assert report.total("need") == TINY.needs
    assert report.total("capability") == TINY.capabilities
    assert Organisation.query.count() == TINY.public_bodies + TINY.suppliers
    assert Need.query.count() == TINY.needs
    assert Capability.query.count() == TINY.capabilities


def test_the_written_file_reads_back(tmp_path):
    path = tmp_path / "corpus.jsonl"
    counts = corpus.write(path, TINY, seed=7)
    assert counts["need"] == TINY.needs
    assert all(isinstance(json.loads(line), dict) for line in path.read_text(encoding="utf-8").splitlines())


def test_fts_yardstick_ranks_facets_and_excludes_the_own_body(records):
    fts = FtsIndex()
    fts.add(records)
    fts.finish()
    need = next(r for r in records if r["type"] == "need" and len(r["title"].split()) > 2)
    text = f"{need['title']}\n{need['description']}"
    assert fts.match("need", text, 5)[0].key == need["key"]
    assert all(hit.owner != need["organisation"] for hit in fts.peers(text, need["organisation"]))
    assert fts.suppliers(text, 3)
    word = next(w for w in need["title"].split() if w.isalpha() and len(w) > 3)
    total, hits, facets = fts.search(word)
    assert total >= 1
    assert hits
    assert sum(facets["kind"].values()) == total


def test_or_query_quotes_every_word_so_none_is_an_operator():
    assert or_query('Helse OR "omsorg" NOT-x 2024 helse') == '"helse" OR "or" OR "omsorg" OR "not"'


def test_metrics():
    assert ndcg_at(["a", "b"], {"a", "b"}) == pytest.approx(1.0)
    assert ndcg_at(["x", "a"], {"a"}) == pytest.approx(1 / 1.5849625, rel=1e-6)
    assert ndcg_at(["a", "a", "b"], {"b"}) == ndcg_at(["a", "b"], {"b"})
    assert recall_at(["a", "x"], {"a", "b"}) == 0.5
    assert recall_at([f"x{i}" for i in range(9)] + ["a"], {f"r{i}" for i in range(20)} | {"a"}) == 0.1
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.95) == 10
    assert summary([3, 1, 2]) == (2, 3)


def test_quality_hold_out_is_deterministic_and_about_the_share():
    notices = quality.load()
    first = [n.id for n in notices if quality.held_out(n, 0.2, 1)]
    assert first == [n.id for n in notices if quality.held_out(n, 0.2, 1)]
    assert 0.15 < len(first) / len(notices) < 0.25


def test_quality_profiles_import_cleanly(app, index):
    notices = quality.load()[:40]
    winners = [n for n in quality.load() if n.winners][:5]
    records = quality.site_records(notices[:30] + winners, notices[30:])
    report = import_records(records, index)
    assert report.total("capability") == sum(len(n.winners) for n in winners)
    assert Need.query.filter_by(stage="draft").count() == 2 * 10


def test_the_mix_saves_changes_through_the_services(app, index, records):
    import_records(records, index)
    needs_before = Need.query.count()
    changes = Changes(index, seed=3)
    changes.save()  # a capability rewritten with another's text
    changes.save()  # a need like an existing one, published by another body
    assert Need.query.count() == needs_before + 1
    assert Need.query.order_by(Need.id.desc()).first().is_published


def test_a_full_store_copies_kept_lists_that_read_back(tmp_path):
    folder = tmp_path / "index"
    index = open_index(str(folder))
    try:
        index.apply(
            [Document(kind=CAPABILITY, id=1, title="Trygghetsalarmer", body="Alarmer.", owner_id=9)], []
        )
        query = MatchQuery(kind=CAPABILITY, title="Trygghetsalarmer", text="Alarmer for eldre.", limit=3)
        hits = index.match(query, subject=(NEED, 1))
        assert [hit.id for hit in hits] == [1]
        with closing(sqlite3.connect(folder / FILE_NAME)) as connection:
            ((subject, keys),) = connection.execute(
                "SELECT subject, count(*) FROM lists JOIN keys ON list = id"
            )
        assert fill(folder / FILE_NAME, 3) == (3, 3 * keys)
        copy = index._ready.get(f"{subject}#2", CAPABILITY, 3, profile_hash(query), max_age=0)
        assert copy == hits
    finally:
        index.close()
