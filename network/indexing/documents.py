"""Models → search documents and match profiles: what the index holds of a record, and what a record
asks of it."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import fields, replace

from network import reference
from network.models import Capability, Domain, Need, Organisation, OrgKind, Stage
from search import CAPABILITY, NEED, ORGANISATION, Document, MatchQuery


def _fingerprint(doc: Document) -> str:
    parts = [repr(getattr(doc, f.name)) for f in fields(doc) if f.name != "fingerprint"]
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()


def _finish(doc: Document) -> Document:
    return replace(doc, fingerprint=_fingerprint(doc))


def need_fylker(need: Need) -> tuple[str, ...]:
    """The fylker a need concerns: its own list plus the fylker of its kommuner (or the body's)."""
    found = list(need.fylker or [])
    kommuner = need.kommuner or ([need.organisation.kommune] if need.organisation.kommune else [])
    for number in kommuner:
        fylke = reference.fylke_of_kommune(number)
        if fylke:
            found.append(fylke)
    if not found and need.organisation.fylke:
        found.append(need.organisation.fylke)
    return tuple(dict.fromkeys(found))


def need_text(need: Need) -> str:
    return "\n".join(part for part in (need.description, need.affected, need.outcome) if part)


def is_indexed(record) -> bool:
    """Only what anyone may see goes into the index: published needs, suppliers' capabilities and
    organisations other than unverified public bodies. A need or capability hidden by a moderator (or
    of a suspended organisation) is out, like a draft, so no search or match list shows it."""
    if isinstance(record, Need):
        return record.stage != Stage.DRAFT and not record.is_hidden
    if isinstance(record, Capability):
        return not record.is_hidden
    if isinstance(record, Organisation):
        return record.kind == OrgKind.SUPPLIER or record.verified
    return False


def need_document(need: Need) -> Document:
    return _finish(
        Document(
            kind=NEED,
            id=need.id,
            title=need.title,
            body=need_text(need),
            owner_id=need.organisation_id,
            owner_name=need.organisation.name,
            org_kind=need.organisation.kind.value,
            language=need.language,
            domains=(need.domain.value,),
            cpv=tuple(need.cpv or ()),
            fylker=need_fylker(need),
            kommuner=tuple(need.kommuner or ()),
            stage=need.stage.value,
            date=need.published_at or need.created_at,
        )
    )


def capability_document(cap: Capability) -> Document:
    body = "\n".join(part for part in (cap.description, cap.references) if part)
    return _finish(
        Document(
            kind=CAPABILITY,
            id=cap.id,
            title=cap.title,
            body=body,
            owner_id=cap.organisation_id,
            owner_name=cap.organisation.name,
            org_kind=cap.organisation.kind.value,
            language=cap.language,
            domains=tuple(cap.domains or ()),
            cpv=tuple(cap.cpv or ()),
            fylker=tuple(cap.fylker or ()),
            nationwide=cap.nationwide,
            date=cap.updated_at,
        )
    )


def organisation_document(org: Organisation) -> Document:
    fylker = (org.fylke,) if org.fylke else ()
    return _finish(
        Document(
            kind=ORGANISATION,
            id=org.id,
            title=org.name,
            body=org.description or "",
            owner_id=org.id,
            owner_name=org.name,
            org_kind=org.kind.value,
            fylker=fylker,
            kommuner=(org.kommune,) if org.kommune else (),
            date=org.created_at,
        )
    )


def document_for(record) -> Document:
    if isinstance(record, Need):
        return need_document(record)
    if isinstance(record, Capability):
        return capability_document(record)
    return organisation_document(record)


# -- match profiles: what a record asks of the index ---------------------------------------------


def signal_domains(domains: Iterable[str]) -> tuple[str, ...]:
    """ "Other" says nothing about what two records share, so it is no reason to match them."""
    return tuple(d for d in domains if d and d != Domain.OTHER.value)


def need_match_query(
    need: Need,
    kind: str,
    limit: int,
    min_confidence: float,
    hints: Callable[[str, str], tuple[str, ...]] | None = None,
    stages: tuple[str, ...] = (),
    exclude_own_body: bool = False,
) -> MatchQuery:
    """A need's complete match profile: its text, domains, codes (or, without codes, the codes `hints`
    suggests for its title and text), fylker and exclusions, asking for `limit` records of `kind`."""
    text = need_text(need)
    return MatchQuery(
        kind=kind,
        title=need.title,
        text=text,
        domains=signal_domains((need.domain.value,)),
        cpv=tuple(need.cpv or ()),
        hint_cpv=() if need.cpv or hints is None else hints(need.title, text),
        fylker=need_fylker(need),
        stages=stages,
        exclude_owner_ids=(need.organisation_id,) if exclude_own_body else (),
        limit=limit,
        min_confidence=min_confidence,
    )


def supplier_match_query(
    org: Organisation, kind: str, limit: int, min_confidence: float, stages: tuple[str, ...] = ()
) -> MatchQuery | None:
    """A supplier's match profile: all its capabilities as one (None when it has none)."""
    caps = [c for c in org.capabilities if not c.is_hidden]
    if not caps:
        return None
    return MatchQuery(
        kind=kind,
        title="\n".join(c.title for c in caps),
        text="\n".join(c.description or "" for c in caps),
        domains=signal_domains(dict.fromkeys(d for c in caps for d in (c.domains or ()))),
        cpv=tuple(dict.fromkeys(code for c in caps for code in (c.cpv or ()))),
        fylker=tuple(dict.fromkeys(f for c in caps for f in (c.fylker or ()))),
        nationwide=any(c.nationwide for c in caps),
        stages=stages,
        limit=limit,
        min_confidence=min_confidence,
    )
