"""A Document as the index holds it: its uid, its fields, and what kept match lists need of it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, date, datetime

from search.analysis import NORWEGIAN, analyzer_language, text_terms
from search.base import Document, Hit
from search.cpv import normalise_cpv, relation_prefixes
from search.language import detect_language
from search.percolation import Changed
from search.whoosh.schema import BODY_FIELD, MATCH_FIELDS, NATIONWIDE_KEY, OWNER_FIELD, TITLE_FIELD, UNDATED
from search.whoosh.tuning import DETECT_CHARS, STORED_BODY_CHARS


def uid_of(kind: str, id: int) -> str:
    return f"{kind}:{id}"


def parse_uid(uid: str) -> tuple[str, int]:
    kind, _, id = uid.partition(":")
    return kind, int(id)


def keyword(value: str) -> str:
    # KEYWORD fields split on whitespace; a value must stay one term.
    return "_".join(str(value).split())


def keywords(values: Iterable[str]) -> str:
    return " ".join(dict.fromkeys(keyword(v) for v in values if str(v).strip()))


def cpv_codes(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for c in map(normalise_cpv, codes) if c))


def _owner(stored: dict) -> int | None:
    owner = stored.get("owner")
    return int(owner) if owner else None


def stored_hit(stored: dict, score: float, **details) -> Hit:
    """The hit on the record of these stored fields; `details` are the hit's highlights, or its
    reasons and confidence."""
    kind, id = parse_uid(stored["uid"])
    return Hit(kind=kind, id=id, score=score, owner_id=_owner(stored), **details)


def _timestamp(value: datetime | date) -> int:
    """Microseconds since 1970 UTC (records saved in the same second still sort); a naive datetime is
    taken as UTC (how the database keeps them)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1_000_000)


def document_language(doc: Document) -> str:
    """The Whoosh language ("no"/"en") a document is analysed in: its own, or detected from its text."""
    if doc.language:
        try:
            return analyzer_language(doc.language)
        except ValueError:
            pass
    return analyzer_language(detect_language(f"{doc.title}\n{doc.body[:DETECT_CHARS]}"))


def index_fields(doc: Document) -> dict:
    """The fields a document is written to the index with."""
    codes = cpv_codes(doc.cpv)
    language = document_language(doc)
    fields: dict = {
        "uid": uid_of(doc.kind, doc.id),
        "kind": doc.kind,
        "nationwide": bool(doc.nationwide),
        "cpv": codes,
        "fingerprint": doc.fingerprint,
        "title": doc.title,
        "body": doc.body[:STORED_BODY_CHARS],
        TITLE_FIELD: " ".join(text_terms(doc.title, language)),
        BODY_FIELD: " ".join(text_terms(doc.body, language)),
    }
    optional = {
        "owner": str(doc.owner_id) if doc.owner_id is not None else "",
        # Names are Norwegian mostly, and the parts of "Helseforetaket" are worth finding.
        OWNER_FIELD: " ".join(text_terms(doc.owner_name, NORWEGIAN)),
        "stage": doc.stage or "",
        "domain": keywords(doc.domains),
        "fylke": keywords(doc.fylker),
        # A nationwide document counts once under every fylke facet (see search.whoosh.searching) and is
        # found by every fylke filter.
        "region": NATIONWIDE_KEY if doc.nationwide else keywords(doc.fylker),
        "cpv_all": keywords(level for code in codes for level in (*relation_prefixes(code), code)),
        "cpv_div": keywords(code[:2] for code in codes),
    }
    fields.update((name, value) for name, value in optional.items() if value)
    fields["date"] = _timestamp(doc.date) if doc.date is not None else UNDATED
    return fields


def changed_record(fields: dict) -> Changed:
    """A record's indexed fields as the percolator of kept match lists needs them."""
    terms = {name: Counter(fields[name].split()) for name in MATCH_FIELDS}
    return Changed(
        uid=fields["uid"],
        kind=fields["kind"],
        owner=fields.get("owner", ""),
        stage=fields.get("stage", ""),
        terms=terms,
        lengths={name: sum(counts.values()) for name, counts in terms.items()},
        codes=frozenset(fields.get("cpv_all", "").split()),
        domains=frozenset(fields.get("domain", "").split()),
        regions=frozenset(fields.get("region", "").split()),
    )
