"""Reading an import file: every record's shape and value rules checked; no rows are created here."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import sqlalchemy as sa

from network.errors import ValidationError
from network.extensions import db
from network.models import Domain, Maturity, Organisation, OrgKind, Route, Sector, Stage, utcnow
from network.services.accounts import OrganisationDraft, check_organisation
from network.services.capabilities import CapabilityDraft, check_capability
from network.services.imports.records import (
    BOOL,
    CAPABILITY,
    DATE,
    FIELDS,
    INT,
    MODEL,
    MOMENT,
    MOMENT_FIELD,
    NEED,
    ORGANISATION,
    REQUIRED,
    STR,
    STR_LIST,
    TYPES,
    Item,
    OrgRef,
    chunks,
    existing_orgs,
)
from network.services.needs import NeedDraft, check_need

_KEY_LENGTH = Organisation.__table__.c.key.type.length
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$")


def validate(numbered: list[tuple[int, object]], errors: list[tuple[int, str]]) -> list[Item]:
    """The records that pass every check, in file order; each problem is added to `errors` with its line."""
    shaped: list[tuple[int, str, dict]] = []
    first_line: dict[tuple[str, str], int] = {}
    # Every organisation key of the file, even on an invalid line, so its needs get no second error.
    refs: dict[str, OrgRef] = {}
    kinds = {kind.value for kind in OrgKind}
    for line, record in numbered:
        problems = _check_shape(record)
        if problems:
            errors.extend((line, problem) for problem in problems)
        if not (isinstance(record, dict) and _type_of(record) and _is_key(record.get("key"))):
            continue
        identity = (record["type"], record["key"])
        if identity in first_line:
            first = first_line[identity]
            reason = f"duplicate key {record['key']!r} for type {record['type']} (first on line {first})"
            errors.append((line, reason))
            continue
        first_line[identity] = line
        if record["type"] == ORGANISATION:
            kind = record.get("kind")
            known = isinstance(kind, str) and kind in kinds
            refs[record["key"]] = OrgRef(kind=kind if known else None, kommune=None)
        if not problems:
            shaped.append((line, record["type"], record))

    referenced = {record["organisation"] for _, type_, record in shaped if type_ != ORGANISATION}
    db_orgs = existing_orgs(refs.keys() | referenced)

    items: list[Item] = []
    for line, type_, record in shaped:
        if type_ == ORGANISATION:
            item = _check_organisation_record(line, record, db_orgs.get(record["key"]), errors)
            if item is not None:
                items.append(item)
                refs[item.key] = OrgRef(kind=item.values["kind"].value, kommune=item.values["kommune"])
    _check_org_numbers([item for item in items if item.type == ORGANISATION], errors)

    for line, type_, record in shaped:
        if type_ == ORGANISATION:
            continue
        org = refs.get(record["organisation"]) or db_orgs.get(record["organisation"])
        item = _check_owned_record(line, type_, record, org, errors)
        if item is not None:
            items.append(item)
    return items


def _type_of(record: dict) -> str | None:
    type_ = record.get("type")
    return type_ if isinstance(type_, str) and type_ in FIELDS else None


def _is_key(value: object) -> bool:
    return (
        isinstance(value, str) and bool(value.strip()) and len(value) <= _KEY_LENGTH and "\x00" not in value
    )


def _check_shape(record: object) -> list[str]:
    """Every problem with a record's fields and JSON types (the value rules come later)."""
    if not isinstance(record, dict):
        return ["not a JSON object"]
    type_ = _type_of(record)
    if record.get("type") is None:
        return ["missing required field 'type'"]
    if type_ is None:
        return [f"type must be one of {', '.join(TYPES)}, not {json.dumps(record['type'])}"]
    allowed = FIELDS[type_]
    problems = [f"unknown field {name!r} for type {type_}" for name in record if name not in allowed]
    key = record.get("key")
    if key is None:
        problems.append("missing required field 'key'")
    elif not isinstance(key, str) or not key.strip():
        problems.append("key must be a non-empty string")
    elif len(key) > _KEY_LENGTH:
        problems.append(f"key can be at most {_KEY_LENGTH} characters")
    problems.extend(
        f"missing required field {name!r}" for name in REQUIRED[type_] if _blank(record.get(name))
    )
    for name, value in record.items():
        strings = value if isinstance(value, list) else [value]
        if any(isinstance(v, str) and "\x00" in v for v in strings):
            # PostgreSQL refuses NUL in text. Other control characters (a stray cp1252 dash, say) are
            # common in real exports and are cleaned by the services instead.
            problems.append(f"{name} contains a NUL character")
            continue
        shape = allowed.get(name)
        if shape is None or value is None or name == "key":
            continue
        problem = _shape_problem(name, shape, value)
        if problem:
            problems.append(problem)
    return problems


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _json_type(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "an object"


def _shape_problem(name: str, shape: str, value: object) -> str | None:
    if shape == STR and not isinstance(value, str):
        return f"{name} must be a string, not {_json_type(value)}"
    if shape == BOOL and not isinstance(value, bool):
        return f"{name} must be true or false, not {_json_type(value)}"
    if shape == INT and (isinstance(value, bool) or not isinstance(value, int)):
        return f"{name} must be a whole number, not {_json_type(value)}"
    if shape == STR_LIST and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return f"{name} must be a list of strings, not {_json_type(value)}"
    if shape == DATE:
        if not isinstance(value, str):
            return f"{name} must be an ISO date YYYY-MM-DD, not {_json_type(value)}"
        # date.fromisoformat alone would also take "20240131" and "2024-W05-3".
        if not _ISO_DATE.match(value) or not _is_date(value):
            return f"{name} must be an ISO date YYYY-MM-DD, not {value!r}"
    if shape == MOMENT:
        expected = f"{name} must be an ISO date YYYY-MM-DD or date and time YYYY-MM-DDTHH:MM:SS"
        if not isinstance(value, str):
            return f"{expected}, not {_json_type(value)}"
        moment = parse_moment(value)
        if moment is None:
            return f"{expected}, not {value!r}"
        if moment > utcnow():
            return f"{name} {value!r} is in the future"
    return None


def parse_moment(value: str) -> datetime | None:
    """An ISO date or date and time as a naive UTC datetime (a date is its midnight), or None."""
    if not _ISO_MOMENT.match(value):
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


# The services' messages are written for a form with a drop-down; a file's author needs the choices.
_CHOICES = {
    "kind": OrgKind,
    "sector": Sector,
    "domain": Domain,
    "domains": Domain,
    "route": Route,
    "maturity": Maturity,
}


def _rule_error(exc: ValidationError, record: dict) -> str:
    """A service's ValidationError as an import reason, naming the field (and its value when short)."""
    name = exc.field or "record"
    value = record.get(name)
    if isinstance(value, str | int) and not isinstance(value, bool) and len(str(value)) <= 60:
        reason = f"invalid {name} {value!r}: {exc}"
    else:
        reason = f"invalid {name}: {exc}"
    if name in _CHOICES:
        reason += f" (one of {', '.join(choice.value for choice in _CHOICES[name])})"
    return reason


def _too_long(model: type, values: dict) -> str | None:
    # The services do not check every column's length; PostgreSQL would refuse the row at commit.
    for name, value in values.items():
        column = model.__table__.c.get(name)
        if column is None or not isinstance(value, str) or not isinstance(column.type, sa.String):
            continue
        length = column.type.length
        if length and len(value) > length:
            return f"{name} can be at most {length} characters (has {len(value)})"
    return None


def _check_organisation_record(line: int, record: dict, existing: OrgRef | None, errors) -> Item | None:
    draft = OrganisationDraft(
        kind=record["kind"],
        name=record["name"],
        org_number=record.get("org_number"),
        country=record.get("country") or "NO",
        foreign_id=record.get("foreign_id"),
        sector=record.get("sector"),
        kommune=record.get("kommune"),
        website=record.get("website"),
        description=record.get("description") or "",
        is_sme=bool(record.get("is_sme")),
        is_startup=bool(record.get("is_startup")),
    )
    try:
        values = check_organisation(draft)
    except ValidationError as exc:
        errors.append((line, _rule_error(exc, record)))
        return None
    problem = _too_long(Organisation, values)
    if problem:
        errors.append((line, problem))
        return None
    if existing is not None and existing.kind != values["kind"].value:
        # Its needs or capabilities would end up with the wrong kind of owner.
        errors.append(
            (line, f"kind cannot change: organisation {record['key']!r} is already a {existing.kind}")
        )
        return None
    return Item(
        line=line,
        type=ORGANISATION,
        key=record["key"],
        values=values,
        verified=record.get("verified"),
        example=record.get("example"),
        moment=_moment_of(ORGANISATION, record),
    )


def _moment_of(type_: str, record: dict) -> datetime | None:
    # The shape check has already refused a value that does not parse.
    value = record.get(MOMENT_FIELD[type_])
    return parse_moment(value) if isinstance(value, str) else None


_OWNER_KIND = {NEED: OrgKind.PUBLIC_BODY.value, CAPABILITY: OrgKind.SUPPLIER.value}
_KIND_LABEL = {OrgKind.PUBLIC_BODY.value: "a public body", OrgKind.SUPPLIER.value: "a supplier"}


def _check_owned_record(line: int, type_: str, record: dict, org: OrgRef | None, errors) -> Item | None:
    org_key = record["organisation"]
    stage = record.get("stage")
    if type_ == NEED and stage is not None and stage not in {s.value for s in Stage}:
        errors.append((line, f"stage must be one of {', '.join(s.value for s in Stage)}, not {stage!r}"))
        return None
    if type_ == NEED and stage == Stage.DRAFT and record.get("published") is not None:
        errors.append((line, "published is only for a published need; a draft has no publication date"))
        return None
    if org is None:
        errors.append((line, f"organisation {org_key!r} is not in this file or the database"))
        return None
    if org.kind is not None and org.kind != _OWNER_KIND[type_]:
        errors.append(
            (
                line,
                f"organisation {org_key!r} is {_KIND_LABEL[org.kind]}; a {type_} must belong to "
                f"{_KIND_LABEL[_OWNER_KIND[type_]]}",
            )
        )
        return None
    try:
        if type_ == NEED:
            values = _need_values(record, org)
        else:
            values = check_capability(
                CapabilityDraft(
                    title=record["title"],
                    description=record.get("description") or "",
                    domains=tuple(record.get("domains") or ()),
                    cpv=tuple(record.get("cpv") or ()),
                    fylker=tuple(record.get("fylker") or ()),
                    nationwide=bool(record.get("nationwide")),
                    maturity=record.get("maturity") or "in_use",
                    references=record.get("references") or "",
                    language=record.get("language"),
                )
            )
    except ValidationError as exc:
        errors.append((line, _rule_error(exc, record)))
        return None
    problem = _too_long(MODEL[type_], values)
    if problem:
        errors.append((line, problem))
        return None
    return Item(
        line=line,
        type=type_,
        key=record["key"],
        values=values,
        org_key=org_key,
        moment=_moment_of(type_, record),
    )


def _need_values(record: dict, org: OrgRef) -> dict:
    deadline = record.get("deadline")
    values = check_need(
        NeedDraft(
            title=record["title"],
            description=record.get("description") or "",
            affected=record.get("affected") or "",
            outcome=record.get("outcome") or "",
            domain=record.get("domain") or "other",
            cpv=tuple(record.get("cpv") or ()),
            kommuner=tuple(record.get("kommuner") or ()),
            fylker=tuple(record.get("fylker") or ()),
            route=record.get("route") or "undecided",
            budget_min=record.get("budget_min"),
            budget_max=record.get("budget_max"),
            deadline=date.fromisoformat(deadline) if deadline else None,
            language=record.get("language"),
            doffin_ref=record.get("doffin_ref"),
        ),
        org,
    )
    values["stage"] = Stage(record.get("stage") or Stage.OPEN)
    return values


def _check_org_numbers(items: list[Item], errors: list[tuple[int, str]]) -> None:
    """One organisation number, one organisation: in the file, and between the file and the database."""
    by_number: dict[str, Item] = {}
    for item in items:
        number = item.values["org_number"]
        if not number:
            continue
        first = by_number.setdefault(number, item)
        if first is not item:
            reason = f"org_number {number} is also given to organisation {first.key!r} on line {first.line}"
            errors.append((item.line, reason))
    file_keys = {item.key for item in items}
    for chunk in chunks(sorted(by_number)):
        rows = db.session.execute(
            sa.select(Organisation.org_number, Organisation.key, Organisation.name).where(
                Organisation.org_number.in_(chunk)
            )
        )
        for number, key, name in rows:
            item = by_number[number]
            # An organisation of this file keeps or changes its number here, so only others clash.
            if key == item.key or key in file_keys:
                continue
            owner = f"key {key!r}" if key else "registered on the site, no import key"
            errors.append(
                (item.line, f"org_number {number} already belongs to {name!r} ({owner}) in the database")
            )
