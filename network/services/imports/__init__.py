"""Bulk import of organisations, needs and capabilities: validate every record, then upsert by key."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence

from flask import current_app
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
    "split_lines",
]

# A record is an object of strings, lists of strings and numbers: three levels. Deeper nesting is no
# record, and checking or printing it must not recurse without end.
MAX_DEPTH = 10


def split_lines(text: str) -> list[str]:
    """A JSONL file's lines: split on \n only (a \r before it dropped). str.splitlines would also split on
    U+2028, U+2029, \x85, \v and \f, which JSON allows unescaped inside a string."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def _too_deep(value: object) -> bool:
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_DEPTH:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


def import_lines(
    lines: Sequence[str], index, progress: Progress | None = None, index_progress: Progress | None = None
) -> ImportReport:
    """Import JSONL text lines (blank lines skipped); errors carry the file's line numbers."""
    numbered: list[tuple[int, object]] = []
    errors: list[tuple[int, str]] = []
    max_line = int(current_app.config["IMPORT_MAX_LINE"])
    for number, line in enumerate(lines, start=1):
        if number == 1:
            # Editors on Windows like to start UTF-8 files with a byte-order mark.
            line = line.removeprefix("\ufeff")
        if not line.strip():
            continue
        if len(line) > max_line:
            errors.append((number, f"line is {len(line)} characters long; at most {max_line} are allowed"))
            continue
        try:
            record = json.loads(line)
        except RecursionError:
            errors.append((number, f"invalid JSON: nested deeper than {MAX_DEPTH} levels"))
            continue
        except ValueError as exc:
            reason = f"{exc.msg} (column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else str(exc)
            errors.append((number, f"invalid JSON: {reason}"))
            continue
        if _too_deep(record):
            errors.append((number, f"invalid JSON: nested deeper than {MAX_DEPTH} levels"))
            continue
        numbered.append((number, record))
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
