"""Bulk import of organisations, needs and capabilities: validate every record, then upsert by key."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import force_locale

from network.errors import ImportFileError, ValidationError
from network.extensions import db
from network.models import (
    Capability,
    Domain,
    Maturity,
    Need,
    Organisation,
    OrgKind,
    Route,
    Sector,
    Stage,
    utcnow,
)
from network.services import commit
from network.services.accounts import OrganisationDraft, check_organisation
from network.services.capabilities import CapabilityDraft, check_capability
from network.services.needs import NeedDraft, check_need

ORGANISATION = "organisation"
NEED = "need"
CAPABILITY = "capability"
TYPES = (ORGANISATION, NEED, CAPABILITY)

_PLURAL = {ORGANISATION: "organisations", NEED: "needs", CAPABILITY: "capabilities"}
_MODEL = {ORGANISATION: Organisation, NEED: Need, CAPABILITY: Capability}

# Each type's fields by the JSON shape they take; the services' check_* functions own the value rules.
# A "moment" is a date or a date and time in the past: when a record was registered or published.
_STR, _BOOL, _INT, _STR_LIST, _DATE, _MOMENT = "string", "bool", "int", "list", "date", "moment"


def _fields(
    text: str, flags: str = "", lists: str = "", numbers: str = "", dates: str = "", moments: str = ""
) -> dict:
    shapes = (
        (text, _STR), (flags, _BOOL), (lists, _STR_LIST), (numbers, _INT), (dates, _DATE), (moments, _MOMENT)
    )  # fmt: skip
    return {"type": _STR, "key": _STR} | {name: shape for names, shape in shapes for name in names.split()}


FIELDS: dict[str, dict[str, str]] = {
    ORGANISATION: _fields(
        text="kind name org_number country foreign_id sector kommune website description",
        flags="is_sme is_startup verified example",
        moments="registered",
    ),
    NEED: _fields(
        text="organisation title description affected outcome domain route stage doffin_ref language",
        lists="cpv kommuner fylker",
        numbers="budget_min budget_max",
        dates="deadline",
        moments="published",
    ),
    CAPABILITY: _fields(
        text="organisation title description maturity references language",
        flags="nationwide",
        lists="domains cpv fylker",
        moments="published",
    ),
}
# The field that dates each type's record: it sets created_at (and a need's published_at).
MOMENT_FIELD = {ORGANISATION: "registered", NEED: "published", CAPABILITY: "published"}
REQUIRED: dict[str, tuple[str, ...]] = {
    ORGANISATION: ("kind", "name"),
    NEED: ("organisation", "title"),
    CAPABILITY: ("organisation", "title"),
}
_KEY_LENGTH = Organisation.__table__.c.key.type.length
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}:\d{2})?)?$")

# SQLite builds before 3.32 allow 999 bound parameters per statement: 500 keys per IN stay under it.
CHUNK = 500
# Rows per flush: large enough for multi-row INSERTs, small enough to keep the session light.
FLUSH_EVERY = 1000
PROGRESS_EVERY = 200
# Index events per index commit after the import: a few large commits beat many small ones.
INDEX_BATCH = 5000

Progress = Callable[[int, int], None]


@dataclass
class ImportReport:
    """How many records of each type the import created and updated."""

    created: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPES, 0))
    updated: dict[str, int] = field(default_factory=lambda: dict.fromkeys(TYPES, 0))

    def total(self, type_: str) -> int:
        return self.created[type_] + self.updated[type_]

    def summary(self) -> str:
        parts = []
        for type_ in TYPES:
            count = self.total(type_)
            parts.append(f"{count} {type_ if count == 1 else _PLURAL[type_]}")
        text = ", ".join(parts)
        updated = sum(self.updated.values())
        return f"{text} ({updated} updated)" if updated else text


@dataclass(frozen=True)
class _OrgRef:
    """What a need or capability line needs to know of its organisation, from the file or the database."""

    kind: str | None
    kommune: str | None
    id: int | None = None


@dataclass
class _Item:
    line: int
    type: str
    key: str
    values: dict[str, Any]
    org_key: str | None = None
    verified: bool | None = None
    example: bool | None = None
    # When the record was registered or published, from the line's `registered`/`published` (UTC).
    moment: datetime | None = None


# -- entry points -------------------------------------------------------------------------------


def import_lines(
    lines: Sequence[str], index, progress: Progress | None = None, index_progress: Progress | None = None
) -> ImportReport:
    """Import JSONL text lines (blank lines skipped); errors carry the file's line numbers."""
    numbered: list[tuple[int, object]] = []
    errors: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if number == 1:
            # Editors on Windows like to start UTF-8 files with a byte-order mark.
            line = line.removeprefix("\ufeff")
        if not line.strip():
            continue
        try:
            numbered.append((number, json.loads(line)))
        except ValueError as exc:
            reason = f"{exc.msg} (column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else str(exc)
            errors.append((number, f"invalid JSON: {reason}"))
    return _import(numbered, index, progress, errors, index_progress)


def import_records(records: Iterable[dict], index, progress: Progress | None = None) -> ImportReport:
    """Import records given as dicts; an error's line number is the record's position + 1."""
    return _import(list(enumerate(records, start=1)), index, progress, [])


def _import(
    numbered: list[tuple[int, object]],
    index,
    progress: Progress | None,
    errors: list[tuple[int, str]],
    index_progress: Progress | None = None,
) -> ImportReport:
    try:
        # Validation only reads; no_autoflush keeps its queries from writing anything already pending.
        # The reasons are English like the rest of the command's output, so the services' messages
        # (translated for the site's visitors) are asked for in English too.
        with db.session.no_autoflush, force_locale("en"):
            items = _validate(numbered, errors)
        if errors:
            raise ImportFileError(sorted(errors, key=lambda error: error[0]))
        report = _write(items, progress)
        commit(index, batch=INDEX_BATCH, progress=index_progress)
        return report
    except Exception:
        # All or nothing: whatever went wrong, no row and no index event of this file may survive.
        db.session.rollback()
        raise


# -- validation: no rows are created here ---------------------------------------------------------


def _validate(numbered: list[tuple[int, object]], errors: list[tuple[int, str]]) -> list[_Item]:
    shaped: list[tuple[int, str, dict]] = []
    first_line: dict[tuple[str, str], int] = {}
    # Every organisation key of the file, even on an invalid line, so its needs get no second error.
    refs: dict[str, _OrgRef] = {}
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
            refs[record["key"]] = _OrgRef(kind=kind if known else None, kommune=None)
        if not problems:
            shaped.append((line, record["type"], record))

    referenced = {record["organisation"] for _, type_, record in shaped if type_ != ORGANISATION}
    db_orgs = _existing_orgs(refs.keys() | referenced)

    items: list[_Item] = []
    for line, type_, record in shaped:
        if type_ == ORGANISATION:
            item = _check_organisation_record(line, record, db_orgs.get(record["key"]), errors)
            if item is not None:
                items.append(item)
                refs[item.key] = _OrgRef(kind=item.values["kind"].value, kommune=item.values["kommune"])
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
    if shape == _STR and not isinstance(value, str):
        return f"{name} must be a string, not {_json_type(value)}"
    if shape == _BOOL and not isinstance(value, bool):
        return f"{name} must be true or false, not {_json_type(value)}"
    if shape == _INT and (isinstance(value, bool) or not isinstance(value, int)):
        return f"{name} must be a whole number, not {_json_type(value)}"
    if shape == _STR_LIST and not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
        return f"{name} must be a list of strings, not {_json_type(value)}"
    if shape == _DATE:
        if not isinstance(value, str):
            return f"{name} must be an ISO date YYYY-MM-DD, not {_json_type(value)}"
        # date.fromisoformat alone would also take "20240131" and "2024-W05-3".
        if not _ISO_DATE.match(value) or not _is_date(value):
            return f"{name} must be an ISO date YYYY-MM-DD, not {value!r}"
    if shape == _MOMENT:
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


def _check_organisation_record(line: int, record: dict, existing: _OrgRef | None, errors) -> _Item | None:
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
    return _Item(
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


def _check_owned_record(line: int, type_: str, record: dict, org: _OrgRef | None, errors) -> _Item | None:
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
    problem = _too_long(_MODEL[type_], values)
    if problem:
        errors.append((line, problem))
        return None
    return _Item(
        line=line,
        type=type_,
        key=record["key"],
        values=values,
        org_key=org_key,
        moment=_moment_of(type_, record),
    )


def _need_values(record: dict, org: _OrgRef) -> dict:
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


def _chunks(values: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _existing_orgs(keys: set[str]) -> dict[str, _OrgRef]:
    found: dict[str, _OrgRef] = {}
    for chunk in _chunks(sorted(keys)):
        rows = db.session.execute(
            sa.select(Organisation.key, Organisation.id, Organisation.kind, Organisation.kommune).where(
                Organisation.key.in_(chunk)
            )
        )
        for key, org_id, kind, kommune in rows:
            found[key] = _OrgRef(kind=OrgKind(kind).value, kommune=kommune, id=org_id)
    return found


def _check_org_numbers(items: list[_Item], errors: list[tuple[int, str]]) -> None:
    """One organisation number, one organisation: in the file, and between the file and the database."""
    by_number: dict[str, _Item] = {}
    for item in items:
        number = item.values["org_number"]
        if not number:
            continue
        first = by_number.setdefault(number, item)
        if first is not item:
            reason = f"org_number {number} is also given to organisation {first.key!r} on line {first.line}"
            errors.append((item.line, reason))
    file_keys = {item.key for item in items}
    for chunk in _chunks(sorted(by_number)):
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


# -- writing: one transaction, flushed in batches ---------------------------------------------------


def _write(items: list[_Item], progress: Progress | None) -> ImportReport:
    report = ImportReport()
    total = len(items)
    done = 0
    org_ids: dict[str, int] = {}
    for type_ in TYPES:
        model = _MODEL[type_]
        of_type = [item for item in items if item.type == type_]
        if type_ != ORGANISATION and of_type:
            missing = {item.org_key for item in of_type} - org_ids.keys()
            org_ids.update({key: ref.id for key, ref in _existing_orgs(missing).items()})
        for batch in _chunks(of_type, FLUSH_EVERY):
            existing: dict[str, Any] = {}
            for keys in _chunks([item.key for item in batch]):
                found = db.session.scalars(sa.select(model).where(model.key.in_(keys)))
                existing.update((row.key, row) for row in found)
            now = utcnow()
            # Once flushed, the session holds these rows only weakly, so memory stays flat per batch.
            rows = []
            for item in batch:
                row = existing.get(item.key)
                if row is None:
                    row = model(key=item.key)
                    db.session.add(row)
                    report.created[type_] += 1
                else:
                    report.updated[type_] += 1
                _apply(row, item, org_ids, now)
                rows.append(row)
                done += 1
                if progress is not None and (done % PROGRESS_EVERY == 0 or done == total):
                    progress(done, total)
            db.session.flush()
            if type_ == ORGANISATION:
                org_ids.update((row.key, row.id) for row in rows)
    return report


def _apply(row, item: _Item, org_ids: dict[str, int], now) -> None:
    values = dict(item.values)
    if item.type == ORGANISATION:
        _organisation_flags(row, item, values, now)
    else:
        values["organisation_id"] = org_ids[item.org_key]
        if item.type == NEED:
            _publication(row, values, now, item.moment)
    if item.moment is not None:
        _dates(row, item, values)
    for name, value in values.items():
        # Assigning only what differs leaves an unchanged row clean: re-importing the same file
        # writes no index events and keeps updated_at.
        if getattr(row, name) != value:
            setattr(row, name, value)


def _organisation_flags(row: Organisation, item: _Item, values: dict, now) -> None:
    # `verified` and `example` change only when the line gives them: an organisation that an
    # administrator verified on the site stays verified when a later file leaves the field out.
    if item.verified is not None:
        values["verified"] = item.verified
        if not item.verified:
            values["verified_at"] = None
        elif not row.verified or row.verified_at is None:
            values["verified_at"] = now
    if item.example is not None:
        values["is_example"] = item.example


def _publication(row: Need, values: dict, now, published: datetime | None) -> None:
    if values["stage"] == Stage.DRAFT:
        values["published_at"] = None
    elif published is not None:
        values["published_at"] = published
    elif row.published_at is None:
        values["published_at"] = now


def _dates(row, item: _Item, values: dict) -> None:
    # An organisation's `registered` and a capability's `published` are when it was created; a need
    # is written before it is published, so an earlier created_at (from the site) stays.
    created = item.moment
    if item.type == NEED and row.created_at is not None:
        created = min(row.created_at, created)
    values["created_at"] = created
    if row.updated_at is None:
        # A new row: it was last changed when it was created, not when the file was imported.
        values["updated_at"] = created
