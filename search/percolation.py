"""Percolation: which kept match lists a changed record may alter, found by its terms and codes.

Like a search engine's percolator running stored queries against a new document, every index commit
first runs the changed records against the kept lists (search.match_cache): it finds the lists a
changed record could enter (it shares one of the list's terms, a CPV prefix or a domain) and drops
those where the record's best possible score reaches the list's lowest, as well as every list the
record is already in. The next view or the indexer computes them again.

A list's keys (term, CPV prefix, domain, member and subject keys, with the term's weight in the list)
are written with it; the bound on a record's score follows the ranking's own terms (Scoring), with
DRIFT for the term statistics that have moved since the list was computed (see search.match_cache on
ageing).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from search.base import Hit
from search.cpv import relation_levels

# SQLite's limit on parameters in one statement is far higher; this keeps statements small.
CHUNK = 500
# Term statistics drift after a list was computed: a record is bounded a little above its score.
DRIFT = 1.1


def key_of(text: str) -> int:
    """A 64-bit key for a term, code, domain or record. Two texts sharing a key only make the
    percolator look at one list more than it needs to."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little", signed=True)


def term_key(field: str, term: str) -> int:
    return key_of(f"t\x00{field}\x00{term}")


def code_key(prefix: str) -> int:
    return key_of(f"c\x00{prefix}")


def domain_key(domain: str) -> int:
    return key_of(f"d\x00{domain}")


def member_key(uid: str) -> int:
    return key_of(f"m\x00{uid}")


def subject_key(uid: str) -> int:
    return key_of(f"s\x00{uid}")


@dataclass(frozen=True)
class Structure:
    """What a list's profile carries besides text, to bound a record's bonuses."""

    codes: tuple[str, ...] = ()
    hinted: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    fylker: tuple[str, ...] = ()
    nationwide: bool = False


@dataclass(frozen=True)
class Scoring:
    """The scoring constants of the index, so the bound follows the ranking it guards."""

    cpv_bonus: dict[str, float]
    hint_share: float
    # The relations by which a code (real or guessed) alone makes a match.
    hint_relations: tuple[str, ...]
    domain_bonus: float
    region_bonus: float
    nationwide_key: str
    k1: float
    b: float
    # The text score is s / (s + text_half), s the BM25F score divided by the profile's reference.
    text_half: float


@dataclass(frozen=True)
class KeptProfile:
    """A computed list with what percolation needs: the profile's weighted terms, its text reference
    score, its filters and structure."""

    subject: str
    kind: str
    size: int
    profile: str
    hits: Sequence[Hit]
    clauses: Sequence[tuple[str, str, float]]
    reference: float
    structure: Structure
    stages: tuple[str, ...] = ()
    exclude_owners: tuple[str, ...] = ()
    exclude_uids: tuple[str, ...] = ()
    # The score a record must reach to enter the list at all (its confidence floor), 0 for none.
    floor: float = 0.0


@dataclass(frozen=True)
class Changed:
    """A record as the index is about to hold it, reduced to what can make it enter a list."""

    uid: str
    kind: str
    owner: str
    stage: str
    # field → term → frequency, and field → length in terms.
    terms: dict[str, Counter]
    lengths: dict[str, int]
    # Every CPV prefix of every code (division, group, class, category) and the codes themselves.
    codes: frozenset[str]
    domains: frozenset[str]
    # The record's fylker, or the nationwide key.
    regions: frozenset[str]


class Percolator:
    """The keys a kept list is found by, and the lists a change may alter, under the index's Scoring."""

    def __init__(self, scoring: Scoring):
        self._scoring = scoring

    def keys(self, kept: KeptProfile) -> dict[int, float]:
        """The keys under which a record can reach the list: its subject, its members, its weighted
        terms, and the CPV prefixes and domains whose bonus alone could reach its lowest score."""
        scoring = self._scoring
        threshold = threshold_of(kept)
        keys: dict[int, float] = {subject_key(kept.subject): 0.0}
        for hit in kept.hits:
            keys[member_key(f"{hit.kind}:{hit.id}")] = 0.0
        for field_name, term, weight in kept.clauses:
            key = term_key(field_name, term)
            keys[key] = keys.get(key, 0.0) + weight
        structure = kept.structure
        domain = scoring.domain_bonus if structure.domains else 0.0
        region = scoring.region_bonus
        codes = structure.codes or structure.hinted
        share = 1.0 if structure.codes else scoring.hint_share
        # Per code, its weakest relation whose bonus (with domain and region) reaches the list's lowest
        # score: a record related more strongly holds that relation's prefix too.
        for code in codes:
            for level, prefix in reversed(relation_levels(code)):
                if share * scoring.cpv_bonus.get(level, 0.0) + domain + region >= threshold:
                    keys[code_key(prefix)] = 0.0
                    break
        hint = scoring.hint_share * max(scoring.cpv_bonus.values()) if structure.hinted else 0.0
        if structure.domains and scoring.domain_bonus + region + hint >= threshold:
            keys.update((domain_key(d), 0.0) for d in structure.domains)
        return keys

    def percolate(
        self,
        connection: sqlite3.Connection,
        changed: Sequence[Changed],
        removed: Sequence[str],
        averages: dict[str, float],
    ) -> tuple[set[int], dict[int, list[str]]]:
        """The lists a change may alter: those holding a changed or removed record or made for one,
        and those a changed record's best possible score would enter (also returned alone: list id →
        the records that may enter it)."""
        uids = [c.uid for c in changed] + list(removed)
        direct = [k for uid in uids for k in (member_key(uid), subject_key(uid))]
        doomed = {
            list_id
            for chunk in chunks(direct)
            for (list_id,) in connection.execute(
                f"SELECT list FROM keys WHERE key IN ({marks(chunk)})", chunk
            )
        }
        direct = set(doomed)
        entered: dict[int, list[str]] = {}
        for record in changed:
            for list_id in self._entered(connection, record, averages, direct):
                entered.setdefault(list_id, []).append(record.uid)
        return direct | entered.keys(), entered

    def _entered(
        self, connection: sqlite3.Connection, record: Changed, averages: dict[str, float], doomed: set[int]
    ) -> set[int]:
        scoring = self._scoring
        # key → the record's BM25F factor for that term (without the list's weight).
        factors: dict[int, float] = {}
        for field_name, counts in record.terms.items():
            norm = (
                1
                - scoring.b
                + scoring.b * record.lengths.get(field_name, 0) / (averages.get(field_name) or 1.0)
            )
            for term, tf in counts.items():
                factors[term_key(field_name, term)] = tf * (scoring.k1 + 1) / (tf + scoring.k1 * norm)
        structural = [code_key(c) for c in record.codes] + [domain_key(d) for d in record.domains]
        text: dict[int, float] = {}
        others: set[int] = set()
        for chunk in chunks(list(factors) + structural):
            for key, list_id, weight in connection.execute(
                f"SELECT key, list, weight FROM keys WHERE key IN ({marks(chunk)})", chunk
            ):
                if list_id in doomed:
                    continue
                factor = factors.get(key)
                if factor is not None and weight:
                    text[list_id] = text.get(list_id, 0.0) + weight * factor
                else:
                    others.add(list_id)
        candidates = sorted((text.keys() | others) - doomed)
        entered = set()
        for chunk in chunks(candidates):
            for list_id, kind, threshold, reference, filters, structure in connection.execute(
                "SELECT id, kind, threshold, reference, filters, structure FROM lists"
                f" WHERE id IN ({marks(chunk)})",
                chunk,
            ):
                if kind != record.kind:
                    continue
                stages, exclude_owners, exclude_uids = json.loads(filters)
                if (stages and record.stage not in stages) or record.owner in exclude_owners:
                    continue
                if record.uid in exclude_uids:
                    continue
                bound = self._bound(
                    record, text.get(list_id, 0.0), reference, Structure(*json.loads(structure))
                )
                if bound is not None and bound >= threshold - 1e-9:
                    entered.add(list_id)
        return entered

    def _bound(self, record: Changed, text: float, reference: float, structure: Structure) -> float | None:
        """The best score the record could have in the list, None when it could not be in it at all."""
        scoring = self._scoring
        codes = structure.codes or structure.hinted
        share = 1.0 if structure.codes else scoring.hint_share
        related = [
            level for code in codes for level, prefix in relation_levels(code) if prefix in record.codes
        ]
        cpv = max((share * scoring.cpv_bonus.get(level, 0.0) for level in related), default=0.0)
        domain = scoring.domain_bonus if record.domains & set(structure.domains) else 0.0
        # A shared domain alone never makes a match, nor does a CPV group (real or guessed).
        strong = any(level in scoring.hint_relations for level in related)
        if not (strong or text):
            return None
        region = (
            scoring.region_bonus
            if structure.nationwide or record.regions & {*structure.fylker, scoring.nationwide_key}
            else 0.0
        )
        if reference > 0:
            share = DRIFT * text / reference
            text_score = share / (share + scoring.text_half)
        else:
            text_score = 1.0 if text else 0.0
        return text_score + cpv + domain + region


def threshold_of(kept: KeptProfile) -> float:
    """The score a record must reach to enter the list: the lowest hit's score when the list is full;
    otherwise its confidence floor (-1 when it has none and room for anyone). A short list of
    confident matches is thus dropped only by a record that could be confident too."""
    if kept.hits and len(kept.hits) >= kept.size:
        return kept.hits[-1].score
    return kept.floor if kept.floor > 0 else -1.0


def chunks(items: Sequence) -> Iterator[list]:
    """The items CHUNK at a time, for statements over many keys or lists (here and in the store)."""
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def marks(chunk: Sequence) -> str:
    """The SQL parameter marks for a chunk: "?,?,?"."""
    return ",".join("?" * len(chunk))
