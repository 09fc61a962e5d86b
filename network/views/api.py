"""The public, read-only JSON API: published needs, capabilities, organisations, matches and CPV."""

from __future__ import annotations

import re

from flask import Blueprint, jsonify, request
from flask_babel import get_locale
from flask_babel import gettext as _

from network import labels, reference, serializers
from network.errors import ValidationError
from network.indexing import CAPABILITY, NEED, IndexUnavailableError, get_index
from network.limits import DESCRIPTION_MAX, QUERY_MAX
from network.models import Domain, Organisation, Stage
from network.services import accounts as accounts_service
from network.services import capabilities as capabilities_service
from network.services import coordination as coordination_service
from network.services import matching as matching_service
from network.services import needs as needs_service
from network.services import searching as searching_service
from network.views import throttle

bp = Blueprint("api", __name__, url_prefix="/api")
# Every API request counts against its address's API_LIMIT (views/throttle.py).
bp.before_request(throttle.check_api)


@bp.after_request
def _language_headers(response):
    # Messages and labels follow Accept-Language (extensions.select_locale): say which language was
    # chosen, and let caches keep one copy per language.
    response.headers["Content-Language"] = str(get_locale())
    response.vary.add("Accept-Language")
    return response


MAX_PER_PAGE = 100
MAX_PAGE = 10_000
MAX_LIMIT = 50
PUBLISHED_STAGES = tuple(s.value for s in Stage if s != Stage.DRAFT)
DOMAINS = tuple(d.value for d in Domain)

_INTEGER = re.compile(r"[+-]?[0-9]+")
# An 8-digit code, optionally with its check digit ("72000000-6"), or a 2–7 digit prefix.
_CPV_PARAM = re.compile(r"([0-9]{8})(?:-[0-9])?|([0-9]{2,7})")


# -- query parameters: bad values are the client's mistake, answered 400 with a reason -----------


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not _INTEGER.fullmatch(raw):
        raise ValidationError(_("%(name)s must be a whole number.", name=name), field=name)
    # int() refuses thousands of digits (ValueError); any number that long is out of range anyway.
    value = int(raw) if len(raw) <= 20 else (low - 1 if raw.startswith("-") else high + 1)
    if not low <= value <= high:
        raise ValidationError(
            _("%(name)s must be between %(low)d and %(high)d.", name=name, low=low, high=high), field=name
        )
    return value


def _text_arg(name: str, limit: int) -> str:
    """A free-text parameter; past its limit (network/limits.py) it is refused rather than searched."""
    value = request.args.get(name, "").strip()
    if len(value) > limit:
        raise ValidationError(_("%(name)s can be at most %(n)d characters.", name=name, n=limit), field=name)
    return value


def _list_arg(name: str) -> list[str]:
    """A filter's values, given as repeated parameters or comma-separated (domain=health,digital)."""
    values = (v.strip() for raw in request.args.getlist(name) for v in raw.split(","))
    return list(dict.fromkeys(v for v in values if v))


def _choices_arg(name: str, allowed: tuple[str, ...]) -> tuple[str, ...]:
    values = _list_arg(name)
    for value in values:
        if value not in allowed:
            raise ValidationError(
                _(
                    "Unknown %(name)s %(value)r; use one of: %(allowed)s.",
                    name=name,
                    value=value,
                    allowed=", ".join(allowed),
                ),
                field=name,
            )
    return tuple(values)


def _fylker_arg() -> tuple[str, ...]:
    values = _list_arg("fylke")
    for value in values:
        if not reference.valid_fylke(value):
            raise ValidationError(
                _("fylke=%(value)s is not a county number; use a two-digit number such as 03.", value=value),
                field="fylke",
            )
    return tuple(values)


def cpv_prefix(raw: str) -> str:
    """The code prefix a `cpv` parameter stands for: a full code at its own level ("72200000" → "722",
    since trailing zeros only pad the code), or a 2–7 digit prefix as given."""
    match = _CPV_PARAM.fullmatch(raw.replace(" ", ""))
    if match is None:
        raise ValidationError(
            _(
                "Malformed CPV code %(value)r; use 8 digits (72000000 or 72000000-6) or a prefix of 2 to 7 "
                "digits.",
                value=raw,
            ),
            field="cpv",
        )
    code, prefix = match.groups()
    if prefix is not None:
        return prefix
    if reference.normalise_cpv(code) is None:
        raise ValidationError(_("Unknown CPV code %(value)r.", value=raw), field="cpv")
    # Divisions such as 60000000 keep two digits.
    return code.rstrip("0").ljust(2, "0")


def _search_query(kind: str, with_stage: bool) -> searching_service.SearchQuery:
    text = _text_arg("q", QUERY_MAX)
    order = request.args.get("order", "").strip() or ("relevance" if text else "date")
    if order not in ("relevance", "date"):
        raise ValidationError(_("order must be relevance or date."), field="order")
    return searching_service.SearchQuery(
        text=text,
        kinds=(kind,),
        domains=_choices_arg("domain", DOMAINS),
        fylker=_fylker_arg(),
        cpv_prefixes=tuple(dict.fromkeys(cpv_prefix(v) for v in _list_arg("cpv"))),
        stages=_choices_arg("stage", PUBLISHED_STAGES) if with_stage else (),
        order=order,
        page=_int_arg("page", 1, 1, MAX_PAGE),
        per_page=_int_arg("per_page", 20, 1, MAX_PER_PAGE),
    )


def _limit(default: int) -> int:
    return _int_arg("limit", default, 1, MAX_LIMIT)


def _published_need(need_id: int):
    # No user: the API shows what an anonymous visitor sees, so a draft is answered 404 like a missing id.
    return needs_service.get_visible(None, need_id)


def _organisation(org_id: int) -> Organisation:
    return accounts_service.get_organisation(org_id)


def _match_list(items: list[dict]):
    return jsonify(serializers.match_list_dict(items, matching_service.min_confidence()))


@bp.errorhandler(IndexUnavailableError)
def _index_unavailable(exc: IndexUnavailableError):
    return jsonify({"error": _("Search is unavailable right now. Please try again shortly.")}), 503


# -- needs ------------------------------------------------------------------------------------


@bp.get("/needs")
def needs():
    query = _search_query(NEED, with_stage=True)
    found = searching_service.search(get_index(), query)
    return jsonify(serializers.search_page_dict(found, serializers.need_dicts))


@bp.get("/needs/<int:need_id>")
def need(need_id: int):
    return jsonify(serializers.need_dict(_published_need(need_id)))


@bp.get("/needs/<int:need_id>/suppliers")
def need_suppliers(need_id: int):
    limit = _limit(10)
    matches = matching_service.suppliers_for_need(_published_need(need_id), get_index(), limit=limit)
    return _match_list([serializers.supplier_match_dict(m) for m in matches])


@bp.get("/needs/<int:need_id>/peers")
def need_peers(need_id: int):
    limit = _limit(10)
    matches = matching_service.peers_for_need(_published_need(need_id), get_index(), limit=limit)
    return _match_list(serializers.need_match_dicts(matches))


# -- organisations ----------------------------------------------------------------------------


@bp.get("/organisations/<int:org_id>")
def organisation(org_id: int):
    return jsonify(serializers.organisation_dict(_organisation(org_id)))


@bp.get("/organisations/<int:org_id>/needs-for-you")
def needs_for_you(org_id: int):
    limit = _limit(10)
    org = _organisation(org_id)
    if not org.is_supplier:
        raise ValidationError(_("Needs are ranked for suppliers only; this organisation is a public body."))
    matches = matching_service.needs_for_supplier(org, get_index(), limit=limit)
    return _match_list(serializers.need_match_dicts(matches))


# -- capabilities -----------------------------------------------------------------------------


@bp.get("/capabilities")
def capabilities():
    query = _search_query(CAPABILITY, with_stage=False)
    found = searching_service.search(get_index(), query)
    return jsonify(
        serializers.search_page_dict(found, lambda caps: [serializers.capability_dict(c) for c in caps])
    )


@bp.get("/capabilities/<int:capability_id>")
def capability(capability_id: int):
    return jsonify(serializers.capability_dict(capabilities_service.get_visible(None, capability_id)))


# -- CPV --------------------------------------------------------------------------------------


@bp.get("/cpv/suggest")
def cpv_suggest():
    text = _text_arg("text", DESCRIPTION_MAX)
    limit = _limit(10)
    if not text:
        raise ValidationError(
            _("Give the text to suggest CPV codes for in the text parameter."), field="text"
        )
    suggestions = matching_service.suggest_cpv(text, limit=limit)
    return jsonify({"items": [serializers.cpv_suggestion_dict(code, value) for code, value in suggestions]})


@bp.get("/cpv")
def cpv_search():
    limit = _limit(20)
    locale = labels.locale()
    entries = reference.search_cpv(_text_arg("q", QUERY_MAX), locale, limit)
    return jsonify({"items": [{"code": e.code, "label": e.label(locale)} for e in entries]})


# -- coordination groups ----------------------------------------------------------------------


@bp.get("/coordination-groups")
def coordination_groups():
    page = _int_arg("page", 1, 1, MAX_PAGE)
    per_page = _int_arg("per_page", 20, 1, MAX_PER_PAGE)
    found = coordination_service.groups_page(page, per_page)
    return jsonify(
        {
            "items": [serializers.coordination_group_dict(g) for g in found.items],
            "total": found.total,
            "page": page,
            "per_page": per_page,
        }
    )


@bp.get("/coordination-groups/<int:group_id>")
def coordination_group(group_id: int):
    return jsonify(serializers.coordination_group_dict(coordination_service.get_group(group_id)))
