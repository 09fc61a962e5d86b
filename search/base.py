"""The search interface: plain documents in, hits (id, score, reasons) out. Knows nothing of network/."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

NEED = "need"
CAPABILITY = "capability"
ORGANISATION = "organisation"
KINDS = (NEED, CAPABILITY, ORGANISATION)


@dataclass(frozen=True)
class Document:
    """One record as the index sees it. `fingerprint` lets `verify` spot stale entries."""

    kind: str
    id: int
    title: str
    body: str = ""
    owner_id: int | None = None
    owner_name: str = ""
    # "public_body" or "supplier": the kind of the owning organisation (or of the organisation itself).
    org_kind: str = ""
    language: str | None = None
    domains: tuple[str, ...] = ()
    cpv: tuple[str, ...] = ()
    fylker: tuple[str, ...] = ()
    kommuner: tuple[str, ...] = ()
    nationwide: bool = False
    stage: str | None = None
    date: datetime | None = None
    fingerprint: str = ""


@dataclass(frozen=True)
class Reason:
    """Why a hit matched. `kind` is one of terms, cpv, domain, region; `detail` names the level."""

    kind: str
    # terms: the shared terms; cpv: the pairs (need code, hit code); domain/region: the shared values.
    values: tuple[str, ...] = ()
    # cpv: "code", "class" or "group" (search.cpv.relation); region: "fylke" or "nationwide".
    detail: str = ""


@dataclass(frozen=True)
class Hit:
    kind: str
    id: int
    score: float
    owner_id: int | None = None
    reasons: tuple[Reason, ...] = ()
    # field name → HTML snippet with matched terms wrapped in <mark>; text is escaped.
    highlights: dict[str, str] = field(default_factory=dict)
    # match(): how likely the hit is to be right, 0–1 (search.confidence).
    confidence: float = 0.0


@dataclass(frozen=True)
class SearchQuery:
    text: str = ""
    kinds: tuple[str, ...] = KINDS
    domains: tuple[str, ...] = ()
    fylker: tuple[str, ...] = ()
    cpv_divisions: tuple[str, ...] = ()
    # Records with a CPV code starting with any of these (a division "72", a class "7222", a code).
    cpv_prefixes: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    # "relevance" or "date" (newest first).
    order: str = "relevance"
    page: int = 1
    per_page: int = 20


@dataclass(frozen=True)
class SearchResult:
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    # facet name (kind, domain, fylke, cpv_division, stage) → value → count, over the whole result.
    facets: dict[str, dict[str, int]]


@dataclass(frozen=True)
class MatchQuery:
    """Find records of `kind` like a profile: a need's or a supplier's text, codes and regions.

    `title` words weigh more than `text` words. Frozen and hashable: the index keys ready lists on it.
    """

    kind: str
    text: str
    title: str = ""
    domains: tuple[str, ...] = ()
    cpv: tuple[str, ...] = ()
    # Codes guessed from the text (CPV suggestion) for a profile without codes: they rank candidates
    # of the same class higher, but give no reason and make no match alone.
    hint_cpv: tuple[str, ...] = ()
    fylker: tuple[str, ...] = ()
    nationwide: bool = False
    stages: tuple[str, ...] = ()
    exclude_owner_ids: tuple[int, ...] = ()
    exclude_ids: tuple[int, ...] = ()
    limit: int = 10
    # Only hits at least this likely to be right (search.confidence); 0 lists every candidate that
    # shares some evidence.
    min_confidence: float = 0.0


@dataclass(frozen=True)
class Entered:
    """A changed record that may have entered a kept match list it was not in: the list made for
    `subject` (kind, id), of records of `kind`. The list is computed again when next read; whether
    the record is in it then decides a "new match" notice."""

    subject: tuple[str, int]
    kind: str
    record: tuple[str, int]


class SearchIndex(Protocol):
    def apply(self, upserts: Iterable[Document], deletes: Iterable[tuple[str, int]]) -> list[Entered]:
        """Write documents and remove (kind, id) pairs in one index commit. Idempotent. Returns the
        kept match lists the changed records may have entered (none for a change of more than a few
        hundred records, which drops every kept list)."""

    def rebuild(self, documents: Iterable[Document]) -> int:
        """Replace the whole index with these documents; returns how many were written."""

    def search(self, query: SearchQuery) -> SearchResult: ...

    def match(
        self, query: MatchQuery, use_cache: bool = True, subject: tuple[str, int] | None = None
    ) -> list[Hit]:
        """Ranked records of query.kind for a profile, each with reasons. With a `subject` (kind, id),
        the record the list is made for, the list is kept ready for every process, and returned as it
        was until a change may alter it; `use_cache=False` computes it afresh."""

    def clear_match_cache(self) -> None:
        """Forget every kept match list (for measuring matching from scratch)."""

    def kept_subjects(self, kind: str, limit: int) -> set[tuple[str, int]]:
        """The subjects (kind, id) that have a kept list of `limit` records of `kind`, not yet aged
        (one that has aged is computed again when next read)."""

    def fingerprints(self) -> dict[tuple[str, int], str]:
        """Every (kind, id) in the index with its stored fingerprint, for verification."""

    def close(self) -> None: ...


class IndexUnavailableError(RuntimeError):
    """The index could not be opened or written (locked, missing, corrupt)."""
