"""Matching: suppliers for a need, peers of a need, needs for a supplier, similar needs, CPV hints."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from network import reference
from network.extensions import db
from network.indexing import need_fylker, need_text
from network.models import Capability, Domain, Need, Organisation, Stage
from search import CAPABILITY, NEED, CpvSuggester, Hit, MatchQuery, Reason, SearchIndex

# Stages of a need that other bodies may still want to join or learn from.
PEER_STAGES = (Stage.OPEN.value, Stage.DIALOGUE_CLOSED.value, Stage.TENDERED.value, Stage.AWARDED.value)


@dataclass
class SupplierMatch:
    organisation: Organisation
    score: float
    reasons: list[Reason]
    capabilities: list[Capability] = field(default_factory=list)


@dataclass
class NeedMatch:
    need: Need
    score: float
    reasons: list[Reason]


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


def _signal_domains(domains) -> tuple[str, ...]:
    """ "Other" says nothing about what two records share, so it is no reason to match them."""
    return tuple(d for d in domains if d and d != Domain.OTHER.value)


def _strong_enough(hit: Hit) -> bool:
    """A peer or a similar need must share more than one common word: a CPV relation, two or more
    distinctive terms, or a term within the same priority domain."""
    kinds = {r.kind for r in hit.reasons}
    terms = next((r.values for r in hit.reasons if r.kind == "terms"), ())
    return "cpv" in kinds or len(terms) >= 2 or (len(terms) == 1 and "domain" in kinds)


def _need_profile(need: Need, kind: str, limit: int, **extra) -> MatchQuery:
    return MatchQuery(
        kind=kind,
        text=f"{need.title}\n{need_text(need)}",
        domains=_signal_domains((need.domain.value,)),
        cpv=tuple(need.cpv or ()),
        fylker=need_fylker(need),
        limit=limit,
        **extra,
    )


def suppliers_for_need(need: Need, index: SearchIndex, limit: int = 10) -> list[SupplierMatch]:
    """Suppliers ranked for a need by their best capabilities, each with the reasons it matched."""
    hits = index.match(_need_profile(need, CAPABILITY, limit * 5))
    by_owner: dict[int, list[Hit]] = {}
    for hit in hits:
        by_owner.setdefault(hit.owner_id, []).append(hit)
    owners = load_in_order(Organisation, list(by_owner))[:limit]
    caps = {c.id: c for c in load_in_order(Capability, [h.id for h in hits])}
    results = []
    for org in owners:
        owner_hits = by_owner[org.id]
        results.append(
            SupplierMatch(
                organisation=org,
                score=round(owner_hits[0].score, 4),
                reasons=_merge_reasons(owner_hits),
                capabilities=[caps[h.id] for h in owner_hits if h.id in caps],
            )
        )
    return results


def _need_matches(hits: Sequence[Hit]) -> list[NeedMatch]:
    needs = {n.id: n for n in load_in_order(Need, [h.id for h in hits])}
    return [
        NeedMatch(need=needs[h.id], score=round(h.score, 4), reasons=list(h.reasons))
        for h in hits
        if h.id in needs
    ]


def peers_for_need(need: Need, index: SearchIndex, limit: int = 10) -> list[NeedMatch]:
    """Needs of other public bodies about the same challenge; the body's own needs never appear."""
    hits = index.match(
        _need_profile(need, NEED, limit * 2, stages=PEER_STAGES, exclude_owner_ids=(need.organisation_id,))
    )
    return _need_matches([h for h in hits if _strong_enough(h)][:limit])


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
            domains=_signal_domains((domain,)),
            cpv=tuple(cpv),
            stages=PEER_STAGES,
            exclude_owner_ids=(own_org_id,) if own_org_id else (),
            exclude_ids=(exclude_id,) if exclude_id else (),
            limit=limit * 2,
        )
    )
    return _need_matches([h for h in hits if _strong_enough(h)][:limit])


def needs_for_supplier(org: Organisation, index: SearchIndex, limit: int = 10) -> list[NeedMatch]:
    """Open needs ranked for a supplier, using all its capabilities as one profile."""
    caps = list(org.capabilities)
    if not caps:
        return []
    text = "\n".join(f"{c.title}\n{c.description}" for c in caps)
    domains = _signal_domains(dict.fromkeys(d for c in caps for d in (c.domains or ())))
    cpv = tuple(dict.fromkeys(code for c in caps for code in (c.cpv or ())))
    fylker = tuple(dict.fromkeys(f for c in caps for f in (c.fylker or ())))
    hits = index.match(
        MatchQuery(
            kind=NEED,
            text=text,
            domains=domains,
            cpv=cpv,
            fylker=fylker,
            nationwide=any(c.nationwide for c in caps),
            stages=(Stage.OPEN.value,),
            limit=limit,
        )
    )
    return _need_matches(hits)


@functools.cache
def _suggester() -> CpvSuggester:
    return CpvSuggester((c.code, c.label_en, c.label_nb) for c in reference.cpv_entries())


def suggest_cpv(text: str, limit: int = 10) -> list[tuple[str, float]]:
    if not text.strip():
        return []
    return _suggester().suggest(text, limit=limit)
