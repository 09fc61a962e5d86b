"""Match lists kept ready for every process, and the percolator that drops those a change may alter.

A need page shows two ranked lists; computing them costs tens of milliseconds, reading a kept one a
fraction of one. Lists are kept in a small SQLite file beside the index (in memory for a RAM index),
so every web worker and the indexer share them and they outlive a restart.

A kept list stays right when records change because every index commit first **percolates** the
changed records: like a search engine's percolator running stored queries against a new document,
it finds the lists a changed record could enter (it shares one of the list's terms, a CPV prefix or
a domain) and drops those where the record's best possible score reaches the list's lowest, as well
as every list the record is already in. The next view or the indexer computes them again.

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
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

from search.base import Hit, IndexUnavailableError, Reason
from search.cpv import relation_levels

log = logging.getLogger(__name__)

FILE_NAME = "ready-lists.sqlite3"
# The file and SQLite's companions (write-ahead log, shared memory).
FILES = (FILE_NAME, f"{FILE_NAME}-wal", f"{FILE_NAME}-shm")
# A change of more records than this clears every list instead of percolating each record: a bulk
# import changes most lists anyway, and the indexer fills them again.
PERCOLATE_LIMIT = 200
# SQLite's limit on parameters in one statement is far higher; this keeps statements small.
CHUNK = 500
# Term statistics drift after a list was computed: a record is bounded a little above its score.
DRIFT = 1.1
# A list is aged, and computed again, once more records changed since it was computed than this share
# of the index holds (and at least AGE_MIN_RECORDS): term statistics then have moved too far for the
# list's scores and for DRIFT.
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


def key_of(text: str) -> int:
    """A 64-bit key for a term, code, domain or record. Two texts sharing a key only make the
    percolator look at one list more than it needs to."""
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "little", signed=True)


def term_key(field: str, term: str) -> int:
    return key_of(f"t\x00{field}\x00{term}")


def code_key(prefix: str) -> int:
    return key_of(f"c\x00{prefix}")


def domain_key(domain: str) -> int:
    return key_of(f"d\x00{domain}")


def member_key(uid: str) -> int:
    return key_of(f"m\x00{uid}")


def subject_key(uid: str) -> int:
    return key_of(f"s\x00{uid}")


def age_limit(records: int) -> int:
    """How many changed records age a list, in an index of `records` records."""
    return max(AGE_MIN_RECORDS, int(records * AGE_SHARE))


@dataclass(frozen=True)
class Structure:
    """What a list's profile carries besides text, to bound a record's bonuses."""

    codes: tuple[str, ...] = ()
    hinted: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    fylker: tuple[str, ...] = ()
    nationwide: bool = False


@dataclass(frozen=True)
class Scoring:
    """The scoring constants of the index, so the bound follows the ranking it guards."""

    cpv_bonus: dict[str, float]
    hint_share: float
    # The relations by which a code (real or guessed) alone makes a match.
    hint_relations: tuple[str, ...]
    domain_bonus: float
    region_bonus: float
    nationwide_key: str
    k1: float
    b: float
    # The text score is s / (s + text_half), s the BM25F score divided by the profile's reference.
    text_half: float


@dataclass(frozen=True)
class KeptProfile:
    """A computed list with what percolation needs: the profile's weighted terms, its text reference
    score, its filters and structure."""

    subject: str
    kind: str
    size: int
    profile: str
    hits: Sequence[Hit]
    clauses: Sequence[tuple[str, str, float]]
    reference: float
    structure: Structure
    stages: tuple[str, ...] = ()
    exclude_owners: tuple[str, ...] = ()
    exclude_uids: tuple[str, ...] = ()
    # The score a record must reach to enter the list at all (its confidence floor), 0 for none.
    floor: float = 0.0


@dataclass(frozen=True)
class Changed:
    """A record as the index is about to hold it, reduced to what can make it enter a list."""

    uid: str
    kind: str
    owner: str
    stage: str
    # field → term → frequency, and field → length in terms.
    terms: dict[str, Counter]
    lengths: dict[str, int]
    # Every CPV prefix of every code (division, group, class, category) and the codes themselves.
    codes: frozenset[str]
    domains: frozenset[str]
    # The record's fylker, or the nationwide key.
    regions: frozenset[str]


def _hits_blob(hits: Sequence[Hit]) -> bytes:
    rows = [
        [h.kind, h.id, h.score, h.owner_id, _reasons_row(h.reasons), h.confidence]
        for h in hits
    ]
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


class ReadyLists:
    """Kept match lists in one SQLite database (a file shared by processes, or memory)."""

    def __init__(self, folder: str | None, scoring: Scoring):
        self._path = os.path.join(folder, FILE_NAME) if folder else None
        self._scoring = scoring
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
        keys = self._keys(kept)
        threshold = _threshold(kept)
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

    def _keys(self, kept: KeptProfile) -> dict[int, float]:
        """The keys under which a record can reach the list: its subject, its members, its weighted
        terms, and the CPV prefixes and domains whose bonus alone could reach its lowest score."""
        scoring = self._scoring
        threshold = _threshold(kept)
        keys: dict[int, float] = {subject_key(kept.subject): 0.0}
        for hit in kept.hits:
            keys[member_key(f"{hit.kind}:{hit.id}")] = 0.0
        for field_name, term, weight in kept.clauses:
            key = term_key(field_name, term)
            keys[key] = keys.get(key, 0.0) + weight
        structure = kept.structure
        domain = scoring.domain_bonus if structure.domains else 0.0
        region = scoring.region_bonus
        codes = structure.codes or structure.hinted
        share = 1.0 if structure.codes else scoring.hint_share
        # Per code, its weakest relation whose bonus (with domain and region) reaches the list's lowest
        # score: a record related more strongly holds that relation's prefix too.
        for code in codes:
            for level, prefix in reversed(relation_levels(code)):
                if share * scoring.cpv_bonus.get(level, 0.0) + domain + region >= threshold:
                    keys[code_key(prefix)] = 0.0
                    break
        hint = scoring.hint_share * max(scoring.cpv_bonus.values()) if structure.hinted else 0.0
        if structure.domains and scoring.domain_bonus + region + hint >= threshold:
            keys.update((domain_key(d), 0.0) for d in structure.domains)
        return keys

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
                    doomed, entered = self._percolate(connection, changed, removed, averages)
                    entries = self._entries(connection, entered)
                    self._drop(
                        connection,
                        (
                            row
                            for chunk in _chunks(sorted(doomed))
                            for row in connection.execute(
                                f"SELECT id, keys FROM lists WHERE id IN ({_marks(chunk)})", chunk
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
    def _entries(
        connection: sqlite3.Connection, entered: dict[int, list[str]]
    ) -> list[tuple[str, str, str]]:
        """(subject, kind, record) for each list id → records that may enter it."""
        found = []
        for chunk in _chunks(sorted(entered)):
            for list_id, subject, kind in connection.execute(
                f"SELECT id, subject, kind FROM lists WHERE id IN ({_marks(chunk)})", chunk
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

    def _percolate(
        self,
        connection: sqlite3.Connection,
        changed: Sequence[Changed],
        removed: Sequence[str],
        averages: dict[str, float],
    ) -> tuple[set[int], dict[int, list[str]]]:
        """The lists a change may alter: those holding a changed or removed record or made for one,
        and those a changed record's best possible score would enter (also returned alone: list id →
        the records that may enter it)."""
        uids = [c.uid for c in changed] + list(removed)
        direct = [k for uid in uids for k in (member_key(uid), subject_key(uid))]
        doomed = {
            list_id
            for chunk in _chunks(direct)
            for (list_id,) in connection.execute(
                f"SELECT list FROM keys WHERE key IN ({_marks(chunk)})", chunk
            )
        }
        direct = set(doomed)
        entered: dict[int, list[str]] = {}
        for record in changed:
            for list_id in self._entered(connection, record, averages, direct):
                entered.setdefault(list_id, []).append(record.uid)
        return direct | entered.keys(), entered

    def _entered(
        self, connection: sqlite3.Connection, record: Changed, averages: dict[str, float], doomed: set[int]
    ) -> set[int]:
        scoring = self._scoring
        # key → the record's BM25F factor for that term (without the list's weight).
        factors: dict[int, float] = {}
        for field_name, counts in record.terms.items():
            norm = (
                1
                - scoring.b
                + scoring.b * record.lengths.get(field_name, 0) / (averages.get(field_name) or 1.0)
            )
            for term, tf in counts.items():
                factors[term_key(field_name, term)] = tf * (scoring.k1 + 1) / (tf + scoring.k1 * norm)
        structural = [code_key(c) for c in record.codes] + [domain_key(d) for d in record.domains]
        text: dict[int, float] = {}
        others: set[int] = set()
        for chunk in _chunks(list(factors) + structural):
            for key, list_id, weight in connection.execute(
                f"SELECT key, list, weight FROM keys WHERE key IN ({_marks(chunk)})", chunk
            ):
                if list_id in doomed:
                    continue
                factor = factors.get(key)
                if factor is not None and weight:
                    text[list_id] = text.get(list_id, 0.0) + weight * factor
                else:
                    others.add(list_id)
        candidates = sorted((text.keys() | others) - doomed)
        entered = set()
        for chunk in _chunks(candidates):
            for list_id, kind, threshold, reference, filters, structure in connection.execute(
                "SELECT id, kind, threshold, reference, filters, structure FROM lists"
                f" WHERE id IN ({_marks(chunk)})",
                chunk,
            ):
                if kind != record.kind:
                    continue
                stages, exclude_owners, exclude_uids = json.loads(filters)
                if (stages and record.stage not in stages) or record.owner in exclude_owners:
                    continue
                if record.uid in exclude_uids:
                    continue
                bound = self._bound(
                    record, text.get(list_id, 0.0), reference, Structure(*json.loads(structure))
                )
                if bound is not None and bound >= threshold - 1e-9:
                    entered.add(list_id)
        return entered

    def _bound(self, record: Changed, text: float, reference: float, structure: Structure) -> float | None:
        """The best score the record could have in the list, None when it could not be in it at all."""
        scoring = self._scoring
        codes = structure.codes or structure.hinted
        share = 1.0 if structure.codes else scoring.hint_share
        related = [
            level for code in codes for level, prefix in relation_levels(code) if prefix in record.codes
        ]
        cpv = max((share * scoring.cpv_bonus.get(level, 0.0) for level in related), default=0.0)
        domain = scoring.domain_bonus if record.domains & set(structure.domains) else 0.0
        # A shared domain alone never makes a match, nor does a CPV group (real or guessed).
        strong = any(level in scoring.hint_relations for level in related)
        if not (strong or text):
            return None
        region = (
            scoring.region_bonus
            if structure.nationwide or record.regions & {*structure.fylker, scoring.nationwide_key}
            else 0.0
        )
        if reference > 0:
            share = DRIFT * text / reference
            text_score = share / (share + scoring.text_half)
        else:
            text_score = 1.0 if text else 0.0
        return text_score + cpv + domain + region


def _threshold(kept: KeptProfile) -> float:
    """The score a record must reach to enter the list: the lowest hit's score when the list is full;
    otherwise its confidence floor (-1 when it has none and room for anyone). A short list of
    confident matches is thus dropped only by a record that could be confident too."""
    if kept.hits and len(kept.hits) >= kept.size:
        return kept.hits[-1].score
    return kept.floor if kept.floor > 0 else -1.0


def _packed(keys: Iterable[int]) -> bytes:
    """A list's keys as 8-byte integers (a third of their JSON)."""
    return array("q", sorted(keys)).tobytes()


def unpacked_keys(blob: bytes) -> list[int]:
    """The keys of a kept list as the store holds them (`lists.keys`)."""
    keys = array("q")
    keys.frombytes(blob)
    return keys.tolist()


def _chunks(items: Sequence) -> Iterator[list]:
    items = list(items)
    for start in range(0, len(items), CHUNK):
        yield items[start : start + CHUNK]


def _marks(chunk: Sequence) -> str:
    return ",".join("?" * len(chunk))


def profile_hash(*parts: object) -> str:
    """A stable fingerprint of a profile (its repr), to tell a kept list of an older profile."""
    return hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()
