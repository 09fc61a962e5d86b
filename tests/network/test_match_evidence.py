"""Every shipped notice's top-10 peers and suppliers give reasons a person would accept: no function
word or procurement boilerplate as shared evidence, and no match on a shared CPV division alone.

The words judged are listed here independently of the matcher's own lists (search/data): two published
stop-word lists (tests/data/SOURCES.md) plus the words that occur in notices of the most CPV divisions,
counted in this test."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from pathlib import Path

import pytest
import sqlalchemy as sa

from bench.quality import load, site_records
from network import reference
from network.extensions import db
from network.models import Need
from network.services import matching
from network.services.imports import import_records
from tests.conftest import test_config as config_for

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parent.parent / "data"
# The words reaching the most CPV divisions, per language: the boilerplate of procurement notices.
WIDEST = 40
# Needs asked again without their codes (as text only), a fixed sample.
TEXT_ONLY = 300
WORD = re.compile(r"[^\W\d_]+")


def _published_stop_words() -> set[str]:
    words = set()
    for name in ("stopwords-iso-no.txt", "snowball-english.txt"):
        lines = (DATA / name).read_text(encoding="utf-8").splitlines()
        words |= {line.strip().lower() for line in lines if line.strip()}
    return words


def _widest_words() -> set[str]:
    """Per language, the WIDEST words found in notices of the most CPV divisions (ties: most notices)."""
    found = set()
    lines = (reference.DATA_DIR / "notices-dev.jsonl").read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    for language in ("no", "en"):
        divisions: dict[str, set[str]] = defaultdict(set)
        counts: dict[str, int] = defaultdict(int)
        for row in rows:
            if row["lang"] != language or not row["cpv"]:
                continue
            for word in set(WORD.findall(f"{row['title']} {row['description']}".lower())):
                counts[word] += 1
                divisions[word].update(code[:2] for code in row["cpv"])
        found |= set(sorted(divisions, key=lambda w: (-len(divisions[w]), -counts[w], w))[:WIDEST])
    return found


def _related(pair: str) -> bool:
    """Two codes of a "need~match" pair are the same code or share at least a CPV group."""
    mine, _, theirs = pair.partition("~")
    return mine == theirs or mine[:3] == theirs[:3]


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    """A site whose content is every shipped notice (buyers' needs, winners' capabilities), with a
    sample of them again as drafts without codes; matching lists every candidate (no floor)."""
    from app import create_app

    notices = load()
    records = [r for r in site_records(notices, notices[:TEXT_ONLY]) if not r["key"].startswith("h-")]
    app = create_app(config_for(tmp_path_factory.mktemp("shipped"), MATCH_CONFIDENCE=0.0))
    with app.app_context():
        db.create_all()
        from network.indexing import get_index

        index = get_index(app)
        import_records(records, index)
        yield app, index
        db.session.remove()
        db.drop_all()
        db.engine.dispose()


def _lists(index):
    needs = db.session.scalars(sa.select(Need).order_by(Need.id)).all()
    for need in needs:
        for match in matching.peers_for_need(need, index, limit=10, use_cache=False):
            yield need, f"peer {match.need.id}", match.reasons
        for match in matching.suppliers_for_need(need, index, limit=10, use_cache=False):
            yield need, f"supplier {match.organisation.id}", match.reasons


def test_no_reason_names_a_function_word_or_boilerplate(shipped):
    app, index = shipped
    judged = _published_stop_words() | _widest_words()
    bad = []
    listed = 0
    for need, hit, reasons in _lists(index):
        listed += 1
        for reason in reasons:
            if reason.kind != "terms":
                continue
            for value in reason.values:
                words = set(WORD.findall(value.lower()))
                if words & judged:
                    bad.append((need.key, need.title[:60], hit, value))
    assert listed > 5_000
    assert bad == [], f"{len(bad)} reasons name a function or boilerplate word, e.g. {bad[:10]}"


def test_no_match_rests_on_a_shared_division_alone(shipped):
    app, index = shipped
    bad = []
    for need, hit, reasons in _lists(index):
        kinds = {r.kind for r in reasons}
        cpv = [r for r in reasons if r.kind == "cpv"]
        if any(r.detail == "division" for r in cpv) or not all(_related(p) for r in cpv for p in r.values):
            bad.append((need.key, hit, [(r.detail, r.values) for r in cpv]))
        elif not (kinds & {"terms", "cpv"}):
            # Nothing but a domain or a region: no evidence of the same subject.
            bad.append((need.key, hit, sorted(kinds)))
    assert bad == [], f"{len(bad)} matches rest on a division, a domain or a region alone: {bad[:10]}"
