"""Writing checked import records: one transaction, flushed in batches, upserting by key."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from network.extensions import db
from network.models import Need, Organisation, Stage, utcnow
from network.services.imports.records import (
    FLUSH_EVERY,
    MODEL,
    NEED,
    ORGANISATION,
    PROGRESS_EVERY,
    TYPES,
    ImportReport,
    Item,
    Progress,
    chunks,
    existing_orgs,
)


def write(items: list[Item], progress: Progress | None) -> ImportReport:
    """Create or update the rows of checked records, organisations first; the caller commits."""
    report = ImportReport()
    total = len(items)
    done = 0
    org_ids: dict[str, int] = {}
    for type_ in TYPES:
        model = MODEL[type_]
        of_type = [item for item in items if item.type == type_]
        if type_ != ORGANISATION and of_type:
            missing = {item.org_key for item in of_type} - org_ids.keys()
            org_ids.update({key: ref.id for key, ref in existing_orgs(missing).items()})
        for batch in chunks(of_type, FLUSH_EVERY):
            existing: dict[str, Any] = {}
            for keys in chunks([item.key for item in batch]):
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


def _apply(row, item: Item, org_ids: dict[str, int], now) -> None:
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


def _organisation_flags(row: Organisation, item: Item, values: dict, now) -> None:
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


def _dates(row, item: Item, values: dict) -> None:
    # An organisation's `registered` and a capability's `published` are when it was created; a need
    # is written before it is published, so an earlier created_at (from the site) stays.
    created = item.moment
    if item.type == NEED and row.created_at is not None:
        created = min(row.created_at, created)
    values["created_at"] = created
    if row.updated_at is None:
        # A new row: it was last changed when it was created, not when the file was imported.
        values["updated_at"] = created
