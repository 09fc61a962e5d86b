"""Matching: suppliers for a need, peers of a need, needs for a supplier, similar needs, CPV hints."""

from __future__ import annotations

import functools
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from network import reference
from network.extensions import db
from network.indexing import need_match_query, signal_domains, supplier_match_query
from network.models import Capability, Need, Organisation, Stage, User
from search import (
    CAPABILITY,
    CONFIDENT,
    NEED,
    ORGANISATION,
    CpvSuggester,
    Hit,
    MatchQuery,
    Reason,
    SearchIndex,
)

log = logging.getLogger(__name__)

# A need without CPV codes is matched with this many codes suggested from its text as ranking hints.
HINT_CODES = 4
HINTS_KEPT = 2_048
# Hits asked of the index per supplier or peer shown: a supplier's several capabilities and a body's
# several needs count once, and weak peers are left out.
SUPPLIER_HITS = 5
PEER_HITS = 4

# Stages of a need that other bodies may still want to join or learn from.
PEER_STAGES = (Stage.OPEN.value, Stage.DIALOGUE_CLOSED.value, Stage.TENDERED.value, Stage.AWARDED.value)


@dataclass
class SupplierMatch:
    organisation: Organisation
    score: float
    reasons: list[Reason]
    capabilities: list[Capability] = field(default_factory=list)
    # How likely the match is to be right, 0–1 (search.confidence).
    confidence: float = 0.0


@dataclass
class NeedMatch:
    need: Need
    score: float
    reasons: list[Reason]
    confidence: float = 0.0


def min_confidence() -> float:
    """The confidence a match needs to be listed: search.confidence.CONFIDENT unless the app's
    MATCH_CONFIDENCE says otherwise (0 lists every candidate with some evidence)."""
    return float(current_app.config.get("MATCH_CONFIDENCE", CONFIDENT))


def load_in_order(model, ids: Sequence[int]) -> list:
    """Rows for ids with one IN query, in the given order; ids whose row is gone are dropped."""
    if not ids:
        return []
    rows = {row.id: row for row in db.session.scalars(sa.select(model).where(model.id.in_(list(ids))))}
    return [rows[i] for i in ids if i in rows]


def _merge_reasons(hits: Sequence[Hit]) -> list[Reason]:
    merged: dict[tuple[str, str], list[str]] = {}
    for hit in hits:
        for reason in hit.reasons:
            values = merged.setdefault((reason.kind, reason.detail), [])
            values.extend(v for v in reason.values if v not in values)
    return [Reason(kind=k, detail=d, values=tuple(v)) for (k, d), v in merged.items()]


def _hint_cpv(title: str, text: str) -> tuple[str, ...]:
    """For a need without codes, the codes its text most likely belongs to (bodies rarely know them).

    Kept per text, oldest dropped first (the match lists are kept ready, and a suggestion costs more
    than reading one)."""
    hints = current_app.extensions.setdefault("cpv_hints", OrderedDict())
    key = f"{title}\n{text}"
    found = hints.get(key)
    if found is not None:
        return found
    try:
        found = tuple(code for code, _ in suggest_cpv(key, limit=HINT_CODES))
    except Exception:
        # A guess is only a ranking aid: matching goes on without it.
        log.exception("CPV hint failed")
        return ()
    hints[key] = found
    while len(hints) > HINTS_KEPT:
        try:
            hints.popitem(last=False)
        except KeyError:
            # Another thread emptied it first.
            break
    return found


def clear_match_cache(index: SearchIndex) -> None:
    """Forget every kept match list, so the next lists are computed from scratch."""
    index.clear_match_cache()


def suppliers_for_need(
    need: Need, index: SearchIndex, limit: int = 10, use_cache: bool = True
) -> list[SupplierMatch]:
    """Suppliers ranked for a need by their best capabilities, each with the reasons it matched.

    The ranked list is kept ready in the index until a change may alter it (`use_cache=False` computes
    it afresh); the rows are always read from the database, so a change shows at once."""
    profile = need_match_query(need, CAPABILITY, limit * SUPPLIER_HITS, min_confidence(), hints=_hint_cpv)
    hits = index.match(profile, use_cache=use_cache, subject=(NEED, need.id))
    by_owner: dict[int, list[Hit]] = {}
    for hit in hits:
        by_owner.setdefault(hit.owner_id, []).append(hit)
    # The index leaves hidden capabilities out; a list kept from before the change may not yet.
    caps = {c.id: c for c in load_in_order(Capability, [h.id for h in hits]) if not c.is_hidden}
    by_owner = {owner: [h for h in found if h.id in caps] for owner, found in by_owner.items()}
    owners = [o for o in load_in_order(Organisation, list(by_owner)) if by_owner[o.id]][:limit]
    results = []
    for org in owners:
        owner_hits = by_owner[org.id]
        results.append(
            SupplierMatch(
                organisation=org,
                score=round(owner_hits[0].score, 4),
                reasons=_merge_reasons(owner_hits),
                capabilities=[caps[h.id] for h in owner_hits if h.id in caps],
                confidence=max(h.confidence for h in owner_hits),
            )
        )
    return results


def _need_matches(hits: Sequence[Hit]) -> list[NeedMatch]:
    needs = {n.id: n for n in load_in_order(Need, [h.id for h in hits]) if not n.is_hidden}
    return [
        NeedMatch(need=needs[h.id], score=round(h.score, 4), reasons=list(h.reasons), confidence=h.confidence)
        for h in hits
        if h.id in needs
    ]


def _once_per_body(hits: Sequence[Hit]) -> list[Hit]:
    """A body's best need stands for the body: five needs of one body are one peer, not five."""
    seen: set[int | None] = set()
    best = []
    for hit in hits:
        if hit.owner_id is None or hit.owner_id not in seen:
            seen.add(hit.owner_id)
            best.append(hit)
    return best


def peers_for_need(
    need: Need, index: SearchIndex, limit: int = 10, use_cache: bool = True
) -> list[NeedMatch]:
    """Needs of other public bodies about the same challenge, one per body (its best-matching need);
    the body's own needs never appear."""
    profile = need_match_query(
        need,
        NEED,
        limit * PEER_HITS,
        min_confidence(),
        hints=_hint_cpv,
        stages=PEER_STAGES,
        exclude_own_body=True,
    )
    hits = index.match(profile, use_cache=use_cache, subject=(NEED, need.id))
    return _need_matches(_once_per_body(hits)[:limit])


def similar_needs(
    draft_text: str,
    cpv: Sequence[str],
    domain: str,
    own_org_id: int | None,
    index: SearchIndex,
    exclude_id: int | None = None,
    limit: int = 5,
) -> list[NeedMatch]:
    """Published needs like the one being written, to join instead of duplicating."""
    if not draft_text.strip() and not cpv:
        return []
    hits = index.match(
        MatchQuery(
            kind=NEED,
            text=draft_text,
            domains=signal_domains((domain,)),
            cpv=tuple(cpv),
            stages=PEER_STAGES,
            exclude_owner_ids=(own_org_id,) if own_org_id else (),
            exclude_ids=(exclude_id,) if exclude_id else (),
            limit=limit,
            min_confidence=min_confidence(),
        ),
        # The text changes as it is written: nothing to keep.
        use_cache=False,
    )
    return _need_matches(hits)


def needs_for_supplier(
    org: Organisation, index: SearchIndex, limit: int = 10, use_cache: bool = True
) -> list[NeedMatch]:
    """Open needs ranked for a supplier, using all its capabilities as one profile."""
    profile = supplier_match_query(org, NEED, limit, min_confidence(), stages=(Stage.OPEN.value,))
    if profile is None:
        return []
    hits = index.match(profile, use_cache=use_cache, subject=(ORGANISATION, org.id))
    return _need_matches(hits)


# Suppliers and peers on a need page, and needs on a supplier's "needs for you" page.
PAGE_LIST = 10
FOR_YOU_LIST = 20
# Needs whose rows are read at once while their lists are kept ready.
WARM_BATCH = 200


@dataclass
class WarmReport:
    kept: int = 0
    missing: int = 0
    finished: bool = True


def warm_need_lists(
    index: SearchIndex,
    deadline: float | None = None,
    progress: Callable[[int, int], None] | None = None,
    need_ids: Sequence[int] | None = None,
    part: tuple[int, int] = (0, 1),
) -> WarmReport:
    """Compute and keep the page lists (suppliers and peers) of every published need that has none or
    whose lists aged (or of those among `need_ids`), newest first, so a need page reads a ready answer
    even when it is shown for the first time. `part` (k, n) takes only the needs whose id is k modulo
    n, so n processes can share the work.

    Stops at `deadline` (time.monotonic()) with `finished` False; the next call goes on. `progress`
    hears (kept, missing) every batch."""
    have_suppliers = index.kept_subjects(CAPABILITY, PAGE_LIST * SUPPLIER_HITS)
    have_peers = index.kept_subjects(NEED, PAGE_LIST * PEER_HITS)
    query = sa.select(Need.id).where(Need.stage != Stage.DRAFT).order_by(Need.id.desc())
    if need_ids is not None:
        query = query.where(Need.id.in_(list(need_ids)))
    number, parts = part
    if parts > 1:
        query = query.where(Need.id % parts == number)
    published = db.session.scalars(query)
    missing = [i for i in published if (NEED, i) not in have_suppliers or (NEED, i) not in have_peers]
    report = WarmReport(missing=len(missing))
    known = set(db.session.identity_map.keys())
    for start in range(0, len(missing), WARM_BATCH):
        for need in load_in_order(Need, missing[start : start + WARM_BATCH]):
            if deadline is not None and time.monotonic() > deadline:
                report.finished = False
                return report
            suppliers_for_need(need, index, limit=PAGE_LIST)
            peers_for_need(need, index, limit=PAGE_LIST)
            report.kept += 1
        # The rows a batch loaded are not needed again: a long warm-up keeps its memory flat.
        for key, row in list(db.session.identity_map.items()):
            if key not in known:
                db.session.expunge(row)
        if progress is not None:
            progress(report.kept, report.missing)
    return report


def warm_supplier_lists(index: SearchIndex, deadline: float | None = None) -> WarmReport:
    """Compute and keep the "needs for you" list of every supplier with users and capabilities that has
    none (or whose list aged), so a need that enters it is noticed (services/match_notices). Stops at
    `deadline` like warm_need_lists."""
    have = index.kept_subjects(NEED, FOR_YOU_LIST)
    with_users = sa.select(User.organisation_id).where(User.organisation_id.is_not(None))
    with_capabilities = sa.select(Capability.organisation_id)
    ids = db.session.scalars(
        sa.select(Organisation.id)
        .where(Organisation.id.in_(with_users), Organisation.id.in_(with_capabilities))
        .order_by(Organisation.id)
    )
    missing = [i for i in ids if (ORGANISATION, i) not in have]
    report = WarmReport(missing=len(missing))
    for org in load_in_order(Organisation, missing):
        if deadline is not None and time.monotonic() > deadline:
            report.finished = False
            return report
        needs_for_supplier(org, index, limit=FOR_YOU_LIST)
        report.kept += 1
    return report


# The suggester learns which codes go with which words from the shipped notices (once per process) and
# from published needs that carry codes (read again at most this often, newest first, this many).
LEARN_INTERVAL = 600.0
LEARN_NEEDS = 5_000
NOTICES_FILE = "notices-dev.jsonl"
_learn_lock = threading.Lock()


def _notice_examples() -> Iterator[tuple[str, list[str]]]:
    path = reference.DATA_DIR / NOTICES_FILE
    try:
        with path.open(encoding="utf-8") as f:
            for line in f:
                notice = json.loads(line)
                if notice.get("cpv"):
                    yield f"{notice.get('title', '')}\n{notice.get('description', '')}", notice["cpv"]
    except (OSError, ValueError) as exc:
        log.warning("CPV suggestions learn nothing from %s: %s", path, exc)


@functools.cache
def _suggester() -> CpvSuggester:
    """The labels (both languages) and what the shipped notices teach."""
    suggester = CpvSuggester((c.code, c.label_en, c.label_nb) for c in reference.cpv_entries())
    suggester.learn(_notice_examples())
    return suggester


def _need_examples() -> list[tuple[str, list[str]]]:
    rows = db.session.execute(
        sa.select(Need.title, Need.description, Need.cpv)
        .where(Need.stage != Stage.DRAFT)
        .order_by(Need.id.desc())
        .limit(LEARN_NEEDS * 4)
    ).all()
    examples = [(f"{title}\n{description or ''}", list(cpv)) for title, description, cpv in rows if cpv]
    return examples[:LEARN_NEEDS]


def cpv_suggester() -> CpvSuggester:
    """The app's suggester, with its published needs' codes learnt within the last LEARN_INTERVAL s."""
    extensions = current_app.extensions
    now = time.monotonic()
    learnt = extensions.get("cpv_suggester")
    if learnt is not None and now - learnt[0] < LEARN_INTERVAL:
        return learnt[1]
    with _learn_lock:
        learnt = extensions.get("cpv_suggester")
        if learnt is not None and now - learnt[0] < LEARN_INTERVAL:
            return learnt[1]
        try:
            suggester = _suggester().with_examples(_need_examples())
        except sa.exc.SQLAlchemyError as exc:
            # The labels and notices still give good suggestions; try the needs again next time.
            log.warning("CPV suggestions without the published needs: %s", exc)
            return _suggester()
        extensions["cpv_suggester"] = (now, suggester)
        return suggester


def suggest_cpv(text: str, limit: int = 10) -> list[tuple[str, float]]:
    if not text.strip():
        return []
    return cpv_suggester().suggest(text, limit=limit)
