"""Match lists kept ready for every process: a cache that percolation keeps right (search.percolation).

A need page shows two ranked lists; computing them costs tens of milliseconds, reading a kept one a
fraction of one. Lists are kept in a small SQLite file beside the index (in memory for a RAM index),
so every web worker and the indexer share them and they outlive a restart.

A kept list stays right when records change because every index commit first **percolates** the
changed records (search.percolation): it drops every list a changed record may enter or is already
in. The next view or the indexer computes them again.

Scores in a kept list are those of the moment it was computed: a change elsewhere shifts term
statistics a little and is not worth recomputing every list for, just as a search engine does not
re-run its stored queries when a document arrives that they do not match. The shift is bounded: a
list is **aged** once more records have changed since it was computed than AGE_SHARE of the index
(at least AGE_MIN_RECORDS). An aged list is not read (the view computes it afresh and keeps that),
and the indexer refreshes aged lists as it does missing ones. So the DRIFT that percolation allows
for holds: statistics can have moved only so far since any list that is read was computed.

Concurrency: a list computed from an index older than the newest change must never be kept. A
process reads the store's `counter` before it reads the index and keeps its list only if the
counter is unchanged. A change bumps the counter and marks itself pending before the index commits
and bumps it again after, so a reader that saw the old index can never keep its list.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import zlib
from array import array
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager

from search.base import Hit, IndexUnavailableError, Reason
from search.percolation import (
    Changed,
    KeptProfile,
    Percolator,
    Scoring,
    chunks,
    marks,
    threshold_of,
)

log = logging.getLogger(__name__)

FILE_NAME = "ready-lists.sqlite3"
# The file and SQLite's companions (write-ahead log, shared memory).
FILES = (FILE_NAME, f"{FILE_NAME}-wal", f"{FILE_NAME}-shm")
# A change of more records than this clears every list instead of percolating each record: a bulk
# import changes most lists anyway, and the indexer fills them again.
PERCOLATE_LIMIT = 200
# A list is aged, and computed again, once more records changed since it was computed than this share
# of the index holds (and at least AGE_MIN_RECORDS): term statistics then have moved too far for the
# list's scores and for search.percolation.DRIFT.
AGE_SHARE = 0.05
AGE_MIN_RECORDS = 50
BUSY_TIMEOUT_MS = 5_000
# A page view that computed a list waits at most this long to keep it: the list is shown either way.
KEEP_TIMEOUT_MS = 100

# Bumped when the tables change: a file of another version is emptied and made anew (it only ever
# holds what can be computed again).
VERSION = 3
# meta: `counter` counts change steps (two per change), `pending` marks a change under way, `records`
# counts the records changes have touched; each list keeps the `records` of the moment it was computed.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO meta VALUES ('counter', 0), ('pending', 0), ('records', 0);
CREATE TABLE IF NOT EXISTS lists (
    id INTEGER PRIMARY KEY,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL,
    size INTEGER NOT NULL,
    profile TEXT NOT NULL,
    hits BLOB NOT NULL,
    threshold REAL NOT NULL,
    reference REAL NOT NULL,
    filters TEXT NOT NULL,
    structure TEXT NOT NULL,
    keys BLOB NOT NULL,
    records INTEGER NOT NULL,
    UNIQUE (subject, kind, size)
);
CREATE TABLE IF NOT EXISTS keys (
    key INTEGER NOT NULL,
    list INTEGER NOT NULL,
    weight REAL NOT NULL,
    PRIMARY KEY (key, list)
) WITHOUT ROWID;
"""
# A list's age: the records changed since it was computed.
_AGE = "(SELECT value FROM meta WHERE name = 'records') - records"


def age_limit(records: int) -> int:
    """How many changed records age a list, in an index of `records` records."""
    return max(AGE_MIN_RECORDS, int(records * AGE_SHARE))


def _hits_blob(hits: Sequence[Hit]) -> bytes:
    rows = [[h.kind, h.id, h.score, h.owner_id, _reasons_row(h.reasons), h.confidence] for h in hits]
    return zlib.compress(json.dumps(rows, separators=(",", ":")).encode(), 1)


def _reasons_row(reasons: Sequence[Reason]) -> list:
    return [[r.kind, list(r.values), r.detail] for r in reasons]


def _hits_from(blob: bytes) -> list[Hit]:
    return [
        Hit(
            kind=kind,
            id=id,
            score=score,
            owner_id=owner,
            reasons=tuple(Reason(kind=k, values=tuple(v), detail=d) for k, v, d in reasons),
            confidence=confidence,
        )
        for kind, id, score, owner, reasons, confidence in json.loads(zlib.decompress(blob))
    ]


class MatchCache:
    """Kept match lists in one SQLite database (a file shared by processes, or memory)."""

    def __init__(self, folder: str | None, scoring: Scoring):
        self._path = os.path.join(folder, FILE_NAME) if folder else None
        self._percolator = Percolator(scoring)
        self._lock = threading.RLock()
        self._connection: sqlite3.Connection | None = None
        self._inode: tuple[int, int] | None = None

    # -- the connection -------------------------------------------------------------------------

    def _identity(self) -> tuple[int, int] | None:
        try:
            stat = os.stat(self._path)
        except OSError:
            return None
        return (stat.st_dev, stat.st_ino)

    def _connect(self) -> sqlite3.Connection:
        """The connection, opened again when the file was replaced (a rebuild that moved a damaged
        index aside, or a store that had to be recreated)."""
        if self._connection is not None and (self._path is None or self._identity() == self._inode):
            return self._connection
        self.close()
        if self._path is not None:
            os.makedirs(os.path.dirname(self._path), exist_ok=True)
        connection = sqlite3.connect(
            self._path or ":memory:",
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=False,
        )
        try:
            if self._path is not None:
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
            connection.execute("BEGIN IMMEDIATE")
            try:
                found = connection.execute("PRAGMA user_version").fetchone()[0]
                if found != VERSION:
                    for table in ("meta", "lists", "keys"):
                        connection.execute(f"DROP TABLE IF EXISTS {table}")
                for statement in _SCHEMA.split(";"):
                    if statement.strip():
                        connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {VERSION}")
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        except sqlite3.Error:
            connection.close()
            raise
        self._connection = connection
        self._inode = self._identity() if self._path is not None else None
        return connection

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
                self._inode = None

    @contextmanager
    def _write(self, wait_ms: int = BUSY_TIMEOUT_MS) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken at once so two writers never deadlock on an upgrade."""
        with self._lock:
            connection = self._connect()
            connection.execute(f"PRAGMA busy_timeout = {int(wait_ms)}")
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.execute("COMMIT")
            except BaseException:
                # Also when COMMIT itself failed: the transaction must not stay open.
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise

    # -- reading and keeping --------------------------------------------------------------------

    def token(self) -> int | None:
        """The change counter, read before the index is: a list computed afterwards may be kept
        only if the counter has not moved. None while a change is under way (or the store is
        unusable): nothing computed now may be kept."""
        try:
            with self._lock:
                rows = dict(self._connect().execute("SELECT name, value FROM meta"))
        except sqlite3.Error as exc:
            log.warning("ready match lists unavailable: %s", exc)
            return None
        return None if rows.get("pending") else rows.get("counter")

    def get(self, subject: str, kind: str, size: int, profile: str, max_age: int) -> list[Hit] | None:
        """The kept list, or None when there is none for this profile or more than `max_age` records
        changed since it was computed (see age_limit)."""
        try:
            with self._lock:
                row = (
                    self._connect()
                    .execute(
                        f"SELECT profile, hits, {_AGE} FROM lists"
                        " WHERE subject = ? AND kind = ? AND size = ?",
                        (subject, kind, size),
                    )
                    .fetchone()
                )
        except sqlite3.Error as exc:
            log.warning("ready match lists unavailable: %s", exc)
            return None
        if row is None or row[0] != profile or row[2] > max_age:
            return None
        return _hits_from(row[1])

    def keep(self, token: int | None, kept: KeptProfile) -> bool:
        """Keep a list computed after `token` was read; False when a change came in between."""
        if token is None:
            return False
        keys = self._percolator.keys(kept)
        threshold = threshold_of(kept)
        structure = kept.structure
        try:
            with self._write(KEEP_TIMEOUT_MS) as connection:
                counter = dict(connection.execute("SELECT name, value FROM meta"))
                if counter.get("pending") or counter.get("counter") != token:
                    return False
                self._drop(
                    connection,
                    connection.execute(
                        "SELECT id, keys FROM lists WHERE subject = ? AND kind = ? AND size = ?",
                        (kept.subject, kept.kind, kept.size),
                    ).fetchall(),
                )
                cursor = connection.execute(
                    "INSERT INTO lists (subject, kind, size, profile, hits, threshold, reference, filters,"
                    " structure, keys, records) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        kept.subject,
                        kept.kind,
                        kept.size,
                        kept.profile,
                        _hits_blob(kept.hits),
                        threshold,
                        kept.reference,
                        json.dumps([kept.stages, kept.exclude_owners, kept.exclude_uids]),
                        json.dumps(
                            [
                                structure.codes,
                                structure.hinted,
                                structure.domains,
                                structure.fylker,
                                structure.nationwide,
                            ]
                        ),
                        _packed(keys),
                        counter.get("records", 0),
                    ),
                )
                list_id = cursor.lastrowid
                connection.executemany(
                    "INSERT OR REPLACE INTO keys VALUES (?, ?, ?)",
                    ((key, list_id, weight) for key, weight in keys.items()),
                )
        except sqlite3.Error as exc:
            # Busy with a change (or unusable): the next view computes it again.
            log.info("a match list was not kept: %s", exc)
            return False
        return True

    @staticmethod
    def _drop(connection: sqlite3.Connection, rows: Iterable[tuple[int, bytes]]) -> int:
        dropped = 0
        for list_id, keys in rows:
            connection.executemany(
                "DELETE FROM keys WHERE key = ? AND list = ?", ((key, list_id) for key in unpacked_keys(keys))
            )
            connection.execute("DELETE FROM lists WHERE id = ?", (list_id,))
            dropped += 1
        return dropped

    # -- changes --------------------------------------------------------------------------------

    def begin_change(
        self,
        changed: Sequence[Changed],
        removed: Sequence[str],
        averages: dict[str, float],
        clear: bool = False,
    ) -> list[tuple[str, str, str]]:
        """Before an index commit: drop every list the change may alter, and hold back lists computed
        meanwhile. Returns the (list's subject, list's kind, record) of each kept list that a changed
        record was not in and may now enter: what "a new match" notices start from. Must be followed
        by end_change()."""
        if clear:
            try:
                return self._change(changed, removed, averages, clear)
            except IndexUnavailableError:
                # A rebuild must always be able to start afresh, even from a damaged file.
                self._remove_file()
        return self._change(changed, removed, averages, clear)

    def _remove_file(self) -> None:
        with self._lock:
            self.close()
            if self._path is None:
                return
            for name in FILES:
                try:
                    os.remove(os.path.join(os.path.dirname(self._path), name))
                except FileNotFoundError:
                    pass
                except OSError as exc:
                    raise IndexUnavailableError(f"cannot replace the ready match lists: {exc}") from exc

    def _change(
        self, changed: Sequence[Changed], removed: Sequence[str], averages: dict[str, float], clear: bool
    ) -> list[tuple[str, str, str]]:
        entries: list[tuple[str, str, str]] = []
        try:
            with self._write() as connection:
                meta = dict(connection.execute("SELECT name, value FROM meta"))
                if clear or meta.get("pending") or len(changed) + len(removed) > PERCOLATE_LIMIT:
                    # A pending mark left behind means a change died between its two steps: what it
                    # meant to drop is unknown, so everything goes. A bulk change tells of no entries.
                    connection.execute("DELETE FROM lists")
                    connection.execute("DELETE FROM keys")
                else:
                    doomed, entered = self._percolator.percolate(connection, changed, removed, averages)
                    entries = self._entries(connection, entered)
                    self._drop(
                        connection,
                        (
                            row
                            for chunk in chunks(sorted(doomed))
                            for row in connection.execute(
                                f"SELECT id, keys FROM lists WHERE id IN ({marks(chunk)})", chunk
                            ).fetchall()
                        ),
                    )
                connection.execute(
                    "UPDATE meta SET value = CASE name WHEN 'counter' THEN value + 1 WHEN 'pending' THEN 1"
                    " WHEN 'records' THEN value + ? ELSE value END",
                    (len(changed) + len(removed),),
                )
                return entries
        except sqlite3.Error as exc:
            raise IndexUnavailableError(f"cannot update the ready match lists: {exc}") from exc

    @staticmethod
    def _entries(connection: sqlite3.Connection, entered: dict[int, list[str]]) -> list[tuple[str, str, str]]:
        """(subject, kind, record) for each list id → records that may enter it."""
        found = []
        for chunk in chunks(sorted(entered)):
            for list_id, subject, kind in connection.execute(
                f"SELECT id, subject, kind FROM lists WHERE id IN ({marks(chunk)})", chunk
            ):
                found.extend((subject, kind, uid) for uid in entered[list_id])
        return found

    def end_change(self) -> None:
        """After the index commit (or its failure): lists may be kept again."""
        try:
            with self._write() as connection:
                connection.execute(
                    "UPDATE meta SET value = CASE name WHEN 'counter' THEN value + 1 WHEN 'pending' THEN 0"
                    " ELSE value END"
                )
        except sqlite3.Error as exc:
            # Lists are not kept until the next change succeeds; nothing wrong is ever served.
            log.warning("ready match lists stay paused: %s", exc)

    def clear(self) -> None:
        """Forget every kept list (for measuring lists computed from scratch)."""
        try:
            with self._write() as connection:
                connection.execute("DELETE FROM lists")
                connection.execute("DELETE FROM keys")
                connection.execute("UPDATE meta SET value = value + 1 WHERE name = 'counter'")
        except sqlite3.Error as exc:
            raise IndexUnavailableError(f"cannot clear the ready match lists: {exc}") from exc

    def subjects(self, kind: str, size: int, max_age: int) -> set[str]:
        """The subjects with a kept list of this kind and size that has not aged (see get)."""
        try:
            with self._lock:
                return {
                    subject
                    for (subject,) in self._connect().execute(
                        f"SELECT subject FROM lists WHERE kind = ? AND size = ? AND {_AGE} <= ?",
                        (kind, size, max_age),
                    )
                }
        except sqlite3.Error as exc:
            log.warning("ready match lists unavailable: %s", exc)
            return set()

    def count(self) -> int:
        with self._lock:
            return self._connect().execute("SELECT count(*) FROM lists").fetchone()[0]


def _packed(keys: Iterable[int]) -> bytes:
    """A list's keys as 8-byte integers (a third of their JSON)."""
    return array("q", sorted(keys)).tobytes()


def unpacked_keys(blob: bytes) -> list[int]:
    """The keys of a kept list as the store holds them (`lists.keys`)."""
    keys = array("q")
    keys.frombytes(blob)
    return keys.tolist()


def profile_hash(*parts: object) -> str:
    """A stable fingerprint of a profile (its repr), to tell a kept list of an older profile."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
