"""What an import file holds: its record types, their fields and shapes, and a checked record."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from network.extensions import db
from network.models import Capability, Need, Organisation, OrgKind

ORGANISATION = "organisation"
NEED = "need"
CAPABILITY = "capability"
TYPES = (ORGANISATION, NEED, CAPABILITY)

_PLURAL = {ORGANISATION: "organisations", NEED: "needs", CAPABILITY: "capabilities"}
MODEL = {ORGANISATION: Organisation, NEED: Need, CAPABILITY: Capability}

# Each type's fields by the JSON shape they take; the services' check_* functions own the value rules.
# A "moment" is a date or a date and time in the past: when a record was registered or published.
STR, BOOL, INT, STR_LIST, DATE, MOMENT = "string", "bool", "int", "list", "date", "moment"


def _fields(
    text: str, flags: str = "", lists: str = "", numbers: str = "", dates: str = "", moments: str = ""
) -> dict:
    shapes = (
        (text, STR), (flags, BOOL), (lists, STR_LIST), (numbers, INT), (dates, DATE), (moments, MOMENT)
    )  # fmt: skip
    return {"type": STR, "key": STR} | {name: shape for names, shape in shapes for name in names.split()}


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
class OrgRef:
    """What a need or capability line needs to know of its organisation, from the file or the database."""

    kind: str | None
    kommune: str | None
    id: int | None = None


@dataclass
class Item:
    line: int
    type: str
    key: str
    values: dict[str, Any]
    org_key: str | None = None
    verified: bool | None = None
    example: bool | None = None
    # When the record was registered or published, from the line's `registered`/`published` (UTC).
    moment: datetime | None = None


def chunks(values: Sequence, size: int = CHUNK) -> Iterator[Sequence]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def existing_orgs(keys: set[str]) -> dict[str, OrgRef]:
    found: dict[str, OrgRef] = {}
    for chunk in chunks(sorted(keys)):
        rows = db.session.execute(
            sa.select(Organisation.key, Organisation.id, Organisation.kind, Organisation.kommune).where(
                Organisation.key.in_(chunk)
            )
        )
        for key, org_id, kind, kommune in rows:
            found[key] = OrgRef(kind=OrgKind(kind).value, kommune=kommune, id=org_id)
    return found
