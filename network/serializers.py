"""Plain, JSON-ready dicts for the public API: organisations, needs, capabilities, reasons, matches."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from flask_babel import gettext as _

from network import labels
from network.models import Capability, CoordinationGroup, Need, Organisation
from network.services import coordination as coordination_service
from network.services import dialogue as dialogue_service
from network.services.matching import NeedMatch, SupplierMatch
from network.services.searching import SearchPage
from search import Reason

SCORE_DECIMALS = 4


def _value(code) -> str | None:
    """An enum's stored value (the API shows codes, not labels)."""
    return getattr(code, "value", code)


def _when(value: date | datetime | None) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        # Stored as naive UTC: say so, so that clients in other time zones read it right.
        return value.replace(tzinfo=value.tzinfo or UTC).isoformat()
    return value.isoformat()


def score(value: float) -> float:
    return round(float(value), SCORE_DECIMALS)


# -- records ----------------------------------------------------------------------------------


def organisation_summary(org: Organisation) -> dict:
    """The owner embedded in a need or capability."""
    return {"id": org.id, "key": org.key, "name": org.name, "url": org.url, "kind": _value(org.kind)}


def organisation_dict(org: Organisation) -> dict:
    return {
        "id": org.id,
        "key": org.key,
        "url": org.url,
        "name": org.name,
        "kind": _value(org.kind),
        "org_number": org.org_number,
        "country": org.country,
        "sector": _value(org.sector),
        "kommune": org.kommune,
        "fylke": org.fylke,
        "website": org.website,
        "description": org.description or "",
        "is_sme": bool(org.is_sme),
        "is_startup": bool(org.is_startup),
        "verified": bool(org.verified),
        "example": bool(org.is_example),
    }


def need_dicts(needs: Sequence[Need]) -> list[dict]:
    """Need objects for a list, with their groups and public Q&A fetched in two queries in all."""
    ids = [need.id for need in needs]
    groups = coordination_service.group_ids_of_needs(ids)
    questions = dialogue_service.public_questions_of(ids)
    return [_need_dict(need, groups.get(need.id), questions.get(need.id, [])) for need in needs]


def need_dict(need: Need) -> dict:
    return need_dicts([need])[0]


def _need_dict(need: Need, group_id: int | None, questions: list) -> dict:
    return {
        "id": need.id,
        "key": need.key,
        "url": need.url,
        "title": need.title,
        "description": need.description or "",
        "affected": need.affected or "",
        "outcome": need.outcome or "",
        "domain": _value(need.domain),
        "cpv": list(need.cpv or []),
        "kommuner": list(need.kommuner or []),
        "fylker": list(need.fylker or []),
        "route": _value(need.route),
        "stage": _value(need.stage),
        "budget_min": need.budget_min,
        "budget_max": need.budget_max,
        "deadline": _when(need.deadline),
        "doffin_ref": need.doffin_ref,
        "language": need.language,
        "published_at": _when(need.published_at),
        "updated_at": _when(need.updated_at),
        "organisation": organisation_summary(need.organisation),
        "coordination_group": group_id,
        # The public Q&A: what was asked (as the body worded it) and the answer; never who asked.
        "questions": [question_dict(q) for q in questions],
    }


def question_dict(question) -> dict:
    if question.is_removed:
        # The API answers as an anonymous visitor sees the page.
        removed = _("[removed by a moderator]")
        return {"text": removed, "answer": removed, "answered_at": _when(question.answered_at)}
    return {"text": question.text, "answer": question.answer, "answered_at": _when(question.answered_at)}


def capability_dict(cap: Capability) -> dict:
    return {
        "id": cap.id,
        "key": cap.key,
        "url": cap.url,
        "title": cap.title,
        "description": cap.description or "",
        "domains": list(cap.domains or []),
        "cpv": list(cap.cpv or []),
        "fylker": list(cap.fylker or []),
        "nationwide": bool(cap.nationwide),
        "maturity": _value(cap.maturity),
        "references": cap.references or "",
        "language": cap.language,
        "updated_at": _when(cap.updated_at),
        "organisation": organisation_summary(cap.organisation),
    }


# -- why something matched --------------------------------------------------------------------


def reason_text(reason: Reason) -> str:
    """One short sentence in the request's language; the same wording as the pages (labels.reason_text)."""
    return labels.reason_text(reason)


def reason_dict(reason: Reason) -> dict:
    return {
        "kind": reason.kind,
        "detail": reason.detail,
        "values": list(reason.values),
        "text": reason_text(reason),
    }


def supplier_match_dict(match: SupplierMatch) -> dict:
    return {
        "organisation": organisation_dict(match.organisation),
        "score": score(match.score),
        "confidence": round(match.confidence, 3),
        "reasons": [reason_dict(r) for r in match.reasons],
        "capabilities": [capability_dict(c) for c in match.capabilities],
    }


def need_match_dicts(matches: Sequence[NeedMatch]) -> list[dict]:
    needs = need_dicts([m.need for m in matches])
    return [
        {
            "need": need,
            "score": score(m.score),
            "confidence": round(m.confidence, 3),
            "reasons": [reason_dict(r) for r in m.reasons],
        }
        for need, m in zip(needs, matches, strict=True)
    ]


def match_list_dict(items: list[dict], min_confidence: float) -> dict:
    """A match list as the API gives it: its items (best first) and the confidence each cleared."""
    return {"items": items, "min_confidence": min_confidence}


# -- lists ------------------------------------------------------------------------------------


def search_page_dict(page: SearchPage, items: Callable[[list], list[dict]]) -> dict:
    return {
        "items": items([found.record for found in page.items]),
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
    }


def cpv_suggestion_dict(code: str, value: float) -> dict:
    return {"code": code, "label": labels.cpv(code), "score": score(value)}


# -- coordination groups (the public parts: never the discussion, nor open invitations) ----------


def need_summary(need: Need) -> dict:
    return {
        "id": need.id,
        "key": need.key,
        "url": need.url,
        "title": need.title,
        "stage": _value(need.stage),
        "organisation": organisation_summary(need.organisation),
    }


def coordination_group_dict(group: CoordinationGroup) -> dict:
    return {
        "id": group.id,
        "url": group.url,
        "title": group.title,
        "stage": _value(group.stage),
        "lead": organisation_summary(group.lead),
        # Every member body, the lead included.
        "members": [organisation_summary(org) for org in group.members],
        "needs": [need_summary(need) for need in group.needs if need.is_published and not need.is_hidden],
        "created_at": _when(group.created_at),
        "updated_at": _when(group.updated_at),
    }
