"""Bulk import of organisations, needs and capabilities: validate every record, then upsert by key."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from flask_babel import force_locale

from network.errors import ImportFileError
from network.extensions import db
from network.services import commit
from network.services.imports.checks import validate
from network.services.imports.records import (
    CAPABILITY,
    FIELDS,
    INDEX_BATCH,
    NEED,
    ORGANISATION,
    TYPES,
    ImportReport,
    Progress,
)
from network.services.imports.writing import write

__all__ = [
    "CAPABILITY",
    "FIELDS",
    "NEED",
    "ORGANISATION",
    "TYPES",
    "ImportReport",
    "import_lines",
    "import_records",
]


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
            items = validate(numbered, errors)
        if errors:
            raise ImportFileError(sorted(errors, key=lambda error: error[0]))
        report = write(items, progress)
        commit(index, batch=INDEX_BATCH, progress=index_progress)
        return report
    except Exception:
        # All or nothing: whatever went wrong, no row and no index event of this file may survive.
        db.session.rollback()
        raise
