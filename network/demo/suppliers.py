"""Demo suppliers: fictional Norwegian firms, and UK award winners shown as the foreign firms they are."""

from __future__ import annotations

import json
import re
from datetime import date
from functools import cache
from typing import Any

from network import reference
from network.demo import dates
from network.demo.notices import Notice, Record, bucket, clean_text, clean_title, cpv_codes, notices, slug

# --------------------------------------------------------------------------- who is a public body

# Contracts Finder lists whoever won a contract, and public bodies win contracts from each other
# (a council's shared service, a university's audit consortium). Those are buyers, not suppliers.
_PUBLIC_BODY_WORDS = re.compile(
    r"\b("
    r"councils?|borough|authority|authorities|nhs|n\.h\.s|foundation trust|clinical commissioning|ccg"
    r"|universit(y|ies)|higher education corporation|college|police|constabulary|fire and rescue"
    r"|government|ministry|department (for|of)|agency|crown|parliament|joint services|county"
    r"|metropolitan|city of"
    r")\b",
    re.IGNORECASE,
)
# A company's legal form wins over the words above: "Authority Software Ltd", "Crown Paints Limited"
# and "Anglia Fostering Agency Ltd" are firms.
_COMPANY_FORM = re.compile(r"\b(ltd|limited|llp|plc|cic|inc|llc|gmbh)\b\.?", re.IGNORECASE)
# NHS bodies are public whatever their form: NHS Shared Business Services Ltd is owned by the state.
_NHS = re.compile(r"\b(nhs|n\.h\.s)\b", re.IGNORECASE)
# Public bodies whose names carry none of those words.
_PUBLIC_BODY_NAMES = frozenset({"network rail", "cern", "uniac"})


def is_public_body_name(name: str) -> bool:
    """True for a council, NHS body, university, police or fire authority and the like (UK names)."""
    name = " ".join(name.split())
    first_word = re.split(r"[\s(]", name.casefold(), maxsplit=1)[0]
    if name.casefold() in _PUBLIC_BODY_NAMES or first_word in _PUBLIC_BODY_NAMES or _NHS.search(name):
        return True
    return bool(_PUBLIC_BODY_WORDS.search(name)) and not _COMPANY_FORM.search(name)


# --------------------------------------------------------------------------- UK award winners

# Frameworks with dozens of winners (73 fostering agencies on one notice) would fill the supplier
# list with copies of one text; the first few winners of a notice show the same thing.
MAX_WINNERS_PER_NOTICE = 6
_PRIORITY_DOMAINS = ("health", "climate", "digital")
_COMPANY_SUFFIX = re.compile(r"\b(limited|ltd|llp|plc|inc)\.?$", re.IGNORECASE)
_COMPANIES_HOUSE_ID = re.compile(r"^GB-COH-(\w+)$")

UK_DESCRIPTION = (
    "Britisk leverandør (eksempel). Evnene som vises her, er offentlige kontrakter firmaet har vunnet "
    "i Storbritannia, hentet fra Contracts Finder. Firmaet leverer fra utlandet."
)


def _supplier_identity(name: str) -> str:
    """Spellings of one company ("Acme Ltd", "ACME LIMITED") share an identity."""
    name = " ".join(name.split()).casefold()
    return slug(_COMPANY_SUFFIX.sub("", name).strip(" ,."))


def _uk_notices() -> list[Notice]:
    """Contracts Finder notices with winners, in the priority domains only."""
    return [
        notice
        for notice in notices()
        if notice["source"] != "doffin"
        and notice["suppliers"]
        and notice["title"].strip()
        and reference.domain_for_cpv(notice["cpv"]) in _PRIORITY_DOMAINS
    ]


def _winners(notice: Notice) -> list[dict[str, str]]:
    winners, seen = [], set()
    title = " ".join(notice["title"].split()).casefold()
    for supplier in notice["suppliers"]:
        name = " ".join((supplier.get("name") or "").replace("&amp;", "&").split())
        identity = _supplier_identity(name)
        # A winner listed twice (once per lot) wins once; public bodies are not suppliers; a few
        # releases give the contract's title or two firms joined by ";" as the winner's name.
        if not identity or identity in seen or is_public_body_name(name):
            continue
        if name.casefold() == title or ";" in name:
            continue
        seen.add(identity)
        winners.append({"name": name, "identity": identity, "id": supplier.get("id") or ""})
    return winners[:MAX_WINNERS_PER_NOTICE]


def _uk_capability(notice: Notice, key: str, today: date, registered_days: int) -> Record:
    capability_key = f"{key}-{slug(notice['id'].removeprefix('cf:'), 60)}"
    record: Record = {
        "type": "capability",
        "key": capability_key,
        "organisation": key,
        "title": clean_title(notice["title"]),
    }
    description = clean_text(notice["description"])
    if description:
        record["description"] = description
    record["domains"] = [reference.domain_for_cpv(notice["cpv"])]
    record["cpv"] = cpv_codes(notice["cpv"])
    # Serving Norway from abroad: neither all of Norway nor any fylke.
    record["nationwide"] = False
    buyer = " ".join((notice["buyer"] or "").split())
    year = (notice.get("date") or "")[:4]
    if buyer:
        record["references"] = f"Contract awarded by {buyer}" + (f" ({year})" if year else "") + "."
    record["language"] = "en"
    days = 1 + bucket(f"{capability_key}:published", registered_days)
    record["published"] = dates.moment(today, days, capability_key)
    return record


def uk_suppliers(today: date) -> tuple[list[Record], list[Record]]:
    """UK firms that won contracts in the priority domains, each won contract one of its capabilities."""
    organisations: dict[str, Record] = {}
    won: dict[str, list[Notice]] = {}
    for notice in _uk_notices():
        for winner in _winners(notice):
            key = f"gb-{winner['identity']}"
            record = organisations.setdefault(
                key,
                {
                    "type": "organisation",
                    "key": key,
                    "kind": "supplier",
                    "name": winner["name"],
                    "country": "GB",
                    "description": UK_DESCRIPTION,
                    "example": True,
                },
            )
            companies_house = _COMPANIES_HOUSE_ID.match(winner["id"])
            if companies_house and "foreign_id" not in record:
                record["foreign_id"] = companies_house[1]
            won.setdefault(key, []).append(notice)
    capabilities = []
    for key, record in organisations.items():
        days = dates.days_between(f"{key}:registered", 45, dates.OLDEST)
        record["registered"] = dates.moment(today, days, key)
        capabilities += [_uk_capability(notice, key, today, days) for notice in won[key]]
    return list(organisations.values()), capabilities


# --------------------------------------------------------------------------- fictional Norwegian suppliers

# Obviously fictional companies (no organisation numbers, every one marked as an example) so that the
# demo has Norwegian suppliers in each priority field without presenting real firms as users of the site.
SUPPLIERS_FILE = reference.DATA_DIR / "demo_suppliers.json"


@cache
def fictional_suppliers() -> tuple[dict[str, Any], ...]:
    with SUPPLIERS_FILE.open(encoding="utf-8") as f:
        return tuple(json.load(f))


def norwegian_suppliers(today: date) -> tuple[list[Record], list[Record]]:
    organisations: list[Record] = []
    capabilities: list[Record] = []
    for supplier in fictional_suppliers():
        key = supplier["key"]
        registered_days = dates.days_between(f"{key}:registered", 30, 360)
        organisation: Record = {
            "type": "organisation",
            "key": key,
            "kind": "supplier",
            "name": supplier["name"],
            "country": "NO",
            "description": supplier["description"],
            "is_sme": supplier.get("is_sme", False),
            "is_startup": supplier.get("is_startup", False),
            "example": True,
            "registered": dates.moment(today, registered_days, key),
        }
        if supplier.get("kommune"):
            organisation["kommune"] = supplier["kommune"]
        organisations.append(organisation)
        for number, capability in enumerate(supplier["capabilities"], start=1):
            capability_key = f"{key}-{number}"
            record: Record = {
                "type": "capability",
                "key": capability_key,
                "organisation": key,
                **capability,
                "language": "nb",
            }
            if record.get("nationwide"):
                record.pop("fylker", None)
            else:
                record["nationwide"] = False
            days = 1 + bucket(f"{capability_key}:published", registered_days)
            record["published"] = dates.moment(today, days, capability_key)
            capabilities.append(record)
    return organisations, capabilities
