"""Database backup and restore: SQLite's online backup API, or pg_dump/pg_restore for PostgreSQL."""

from __future__ import annotations

import glob
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import URL, Engine

from network.errors import DomainError

# Pages copied per step of SQLite's backup: small enough for steady progress lines, and a writer in
# another process is never held up for long. A write between two steps restarts the copy; on a site
# that writes all the time it could restart for ever, so after the first restart the rest is copied in
# one step (writers wait for that step, then go on).
SQLITE_STEP_PAGES = 1024
# Tables whose rows show that a database holds a site's content.
CONTENT_TABLES = ("organisations", "users", "needs", "capabilities")
SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"

Progress = Callable[[str], None]


class BackupError(DomainError):
    """A backup or restore that could not be done; the message says why and what to do."""


@dataclass(frozen=True)
class BackupReport:
    path: Path
    size: int
    counts: dict[str, int]


def _quiet(_message: str) -> None:
    pass


def content_counts(engine: Engine) -> dict[str, int]:
    """Rows in the content tables that exist (a database without a schema has none)."""
    names = set(sa.inspect(engine).get_table_names())
    counts = {}
    with engine.connect() as connection:
        for table in CONTENT_TABLES:
            if table in names:
                counts[table] = connection.scalar(sa.select(sa.func.count()).select_from(sa.table(table)))
    return counts


def _sqlite_path(url: URL) -> Path:
    if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
        raise BackupError("An in-memory SQLite database cannot be backed up or restored.")
    return Path(url.database)


def _is_postgres(url: URL) -> bool:
    return url.get_backend_name() == "postgresql"


# -- backup -----------------------------------------------------------------------------------


def backup(engine: Engine, path: Path, progress: Progress = _quiet) -> BackupReport:
    """Write a consistent copy of the database to `path` (a new file: written aside, then renamed)."""
    url = engine.url
    path = Path(path)
    if path.is_dir():
        raise BackupError(f"{path} is a folder; give the backup file's name.")
    if not path.parent.is_dir():
        raise BackupError(f"The folder {path.parent} does not exist.")
    counts = content_counts(engine)
    partial = path.with_name(f".{path.name}.partial")
    try:
        if _is_postgres(url):
            _pg_dump(url, partial, progress)
        elif url.get_backend_name() == "sqlite":
            _sqlite_backup(_sqlite_path(url), partial, progress)
        else:
            raise BackupError(f"Backups of {url.get_backend_name()} databases are not supported.")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return BackupReport(path=path, size=path.stat().st_size, counts=counts)


class _CopyRestartedError(Exception):
    """A write between two steps of SQLite's backup made it start again."""


def _sqlite_backup(source: Path, target: Path, progress: Progress) -> None:
    if not source.exists():
        raise BackupError(f"The database file {source} does not exist.")
    target.unlink(missing_ok=True)

    left: list[int] = []

    def report(_status: int, remaining: int, total: int) -> None:
        if left and remaining >= left[-1]:
            raise _CopyRestartedError
        left.append(remaining)
        if total:
            progress(f"  {100 * (total - remaining) // total} % of {total} pages")

    # The online backup API copies a consistent snapshot while the site keeps running.
    with _sqlite(source) as src, _sqlite(target) as dst:
        try:
            src.backup(dst, pages=SQLITE_STEP_PAGES, progress=report)
        except _CopyRestartedError:
            progress("  the database changed during the copy: copying it in one step")
            left.clear()
            src.backup(dst, pages=-1, progress=report)
        check = dst.execute("PRAGMA integrity_check").fetchone()[0]
    if check != "ok":
        raise BackupError(f"The copy failed its integrity check: {check}")


def _sqlite(path: Path) -> closing[sqlite3.Connection]:
    # sqlite3's own context manager commits but never closes.
    return closing(sqlite3.connect(path, timeout=30.0))


# -- PostgreSQL tools -------------------------------------------------------------------------


def find_pg_tool(name: str) -> str:
    """pg_dump/pg_restore: the newest Debian installation first (a client older than the server
    refuses to dump it), then the PATH."""
    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
        reverse=True,
    )
    found = shutil.which(name)
    for candidate in [*candidates, *([found] if found else [])]:
        if os.access(candidate, os.X_OK):
            return candidate
    raise BackupError(f"{name} was not found: install the PostgreSQL client (Debian: postgresql-client).")


def _pg_env(url: URL) -> dict[str, str]:
    """Connection settings for the PostgreSQL tools, passed in libpq's variables (so the password never
    shows in the process list)."""
    env = dict(os.environ)
    host = url.host or url.query.get("host")
    values = {
        "PGHOST": host,
        "PGPORT": str(url.port) if url.port else None,
        "PGUSER": url.username,
        "PGPASSWORD": url.password,
        "PGDATABASE": url.database,
    }
    for name, value in values.items():
        if value:
            env[name] = str(value)
    return env


def _run(command: list[str], url: URL, what: str) -> None:
    try:
        result = subprocess.run(command, env=_pg_env(url), capture_output=True, text=True, check=False)
    except OSError as exc:
        raise BackupError(f"{what} could not start: {exc}") from exc
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BackupError(f"{what} failed: {' / '.join(detail[-5:]) or f'exit status {result.returncode}'}")


def _pg_dump(url: URL, target: Path, progress: Progress) -> None:
    tool = find_pg_tool("pg_dump")
    progress(f"  running {tool} on database {url.database}")
    # Custom format: compressed, and pg_restore can replace the objects in one transaction.
    _run([tool, "--format=custom", "--no-owner", "--no-privileges", f"--file={target}"], url, "pg_dump")


# -- restore ----------------------------------------------------------------------------------


def backup_kind(path: Path) -> str:
    """ "sqlite" or "postgresql", from the file's first bytes."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path}: no such file.")
    with path.open("rb") as handle:
        head = handle.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    raise BackupError(f"{path} is not a backup made by `flask backup` (neither SQLite nor pg_dump format).")


def restore(
    engine: Engine, path: Path, *, replace: bool = False, progress: Progress = _quiet
) -> dict[str, int]:
    """Replace the database's content with the backup at `path`; returns the restored row counts.

    Refuses to overwrite a database that has content unless `replace` is true. The caller brings the
    schema up to date and rebuilds the search index afterwards."""
    url = engine.url
    kind = backup_kind(path)
    backend = "postgresql" if _is_postgres(url) else url.get_backend_name()
    if kind != backend:
        raise BackupError(f"{path} is a {kind} backup; this site's database is {backend}.")
    if kind == "sqlite":
        _check_sqlite_backup(Path(path))
    existing = content_counts(engine)
    if any(existing.values()) and not replace:
        what = ", ".join(f"{count} {table}" for table, count in existing.items() if count)
        raise BackupError(
            f"The database is not empty ({what}). Restoring replaces all of it: "
            "run again with --yes to confirm."
        )
    # Nothing of this process may hold the database while it is replaced.
    engine.dispose()
    if kind == "sqlite":
        _sqlite_restore(Path(path), _sqlite_path(url), progress)
    else:
        _pg_restore(engine, Path(path), progress)
    engine.dispose()
    return content_counts(engine)


def _check_sqlite_backup(path: Path) -> None:
    try:
        with _sqlite(path) as connection:
            check = connection.execute("PRAGMA integrity_check").fetchone()[0]
            rows = connection.execute("SELECT name FROM sqlite_master WHERE type='table'")
            tables = {row[0] for row in rows}
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} cannot be read as a SQLite database: {exc}") from exc
    if check != "ok":
        raise BackupError(f"{path} is damaged (integrity check: {check}); nothing was restored.")
    if "organisations" not in tables:
        raise BackupError(f"{path} is a SQLite database but not a backup of this site; nothing was restored.")


def _sqlite_restore(source: Path, target: Path, progress: Progress) -> None:
    def report(_status: int, remaining: int, total: int) -> None:
        if total:
            progress(f"  {100 * (total - remaining) // total} % of {total} pages")

    target.parent.mkdir(parents=True, exist_ok=True)
    # The backup API writes into the live file under its lock, so other connections (web workers) see
    # either the old or the new database, never a mix; one step, so the swap is one transaction.
    with _sqlite(source) as src, _sqlite(target) as dst:
        src.backup(dst, pages=-1, progress=report)


def _dumped_tables(tool: str, source: Path) -> set[str]:
    """The tables in a pg_dump archive, from its table of contents (`pg_restore --list`)."""
    listing = subprocess.run([tool, "--list", str(source)], capture_output=True, text=True, check=False)
    if listing.returncode != 0:
        raise BackupError(f"{source} cannot be read by pg_restore: {listing.stderr.strip()[-300:]}")
    return set(re.findall(r"^\d+; \d+ \d+ TABLE \S+ (\S+)", listing.stdout, re.MULTILINE))


def _pg_restore(engine: Engine, source: Path, progress: Progress) -> None:
    url = engine.url
    tool = find_pg_tool("pg_restore")
    dumped = _dumped_tables(tool, source)
    progress(f"  running {tool} into database {url.database}")
    command = [
        tool,
        "--clean",
        "--if-exists",
        "--no-owner",
        "--no-privileges",
        "--single-transaction",
        "--exit-on-error",
        f"--dbname={url.database}",
        str(source),
    ]
    _run(command, url, "pg_restore")
    # Tables made after the backup (by a later migration) are not part of the restored state; left
    # behind, they would stop that migration from running again.
    engine.dispose()
    extra = set(sa.inspect(engine).get_table_names()) - dumped
    if extra:
        progress(f"  dropping tables the backup does not have: {', '.join(sorted(extra))}")
        with engine.begin() as connection:
            for table in sorted(extra):
                connection.execute(sa.text(f'DROP TABLE IF EXISTS "{table}" CASCADE'))
