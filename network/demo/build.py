"""The whole demo file: organisations first, then needs, then capabilities, dated before the load date."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from network.demo import dates
from network.demo.bodies import public_body_record
from network.demo.needs import need_records
from network.demo.notices import Record
from network.demo.suppliers import norwegian_suppliers, uk_suppliers
from network.models import utcnow
from network.services.imports import FIELDS

# The fields the bulk import accepts, by record type.
FIELDS_BY_TYPE = {type_: frozenset(fields) for type_, fields in FIELDS.items()}


def load_date() -> date:
    # The import refuses dates in the future by the UTC clock, so the demo counts back from its date.
    return utcnow().date()


def _public_bodies(needs: list[Record], names: dict[str, str], today: date) -> list[Record]:
    oldest: dict[str, int] = {}
    for need in needs:
        days = (today - date.fromisoformat(need["published"][:10])).days
        oldest[need["organisation"]] = max(days, oldest.get(need["organisation"], 0))
    bodies = []
    for key, name in names.items():
        days = dates.registered_days(key, oldest[key])
        bodies.append(public_body_record(name, dates.moment(today, days, key)))
    return bodies


def demo_records(today: date | None = None) -> list[Record]:
    """Organisations first, then needs, then capabilities — the order the import resolves references in."""
    today = today or load_date()
    needs, names = need_records(today)
    bodies = _public_bodies(needs, names, today)
    no_orgs, no_capabilities = norwegian_suppliers(today)
    uk_orgs, uk_capabilities = uk_suppliers(today)
    return [*bodies, *no_orgs, *uk_orgs, *needs, *no_capabilities, *uk_capabilities]


def iter_demo_lines(today: date | None = None) -> Iterator[str]:
    for record in demo_records(today):
        yield json.dumps(record, ensure_ascii=False, sort_keys=False)


def write_demo_jsonl(path: str | Path, today: date | None = None) -> int:
    """Write the demo content as JSONL for `flask import`; returns the number of records."""
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="\n") as f:
        for line in iter_demo_lines(today):
            f.write(line + "\n")
            count += 1
    return count
