"""The Whoosh implementation of SearchIndex: file storage for the site, RAM storage for tests."""

from __future__ import annotations

import heapq
import html
import itertools
import logging
import os
import shutil
import tempfile
import threading
import weakref
from collections import Counter, OrderedDict
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime

from whoosh import index as whoosh_index
from whoosh.analysis import Token
from whoosh.codec.whoosh3 import W3LeafMatcher
from whoosh.columns import NumericColumn
from whoosh.fields import COLUMN, ID, KEYWORD, STORED, TEXT, Schema
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.highlight import (
    FIRST,
    BasicFragmentScorer,
    ContextFragmenter,
    HtmlFormatter,
    mkfrag,
    top_fragments,
)
from whoosh.matching.wrappers import FilterMatcher
from whoosh.query import Or, Query, Term
from whoosh.reading import TermNotFound
from whoosh.util import random_name
from whoosh.writing import CLEAR

from search.analysis import (
    ENGLISH,
    ENGLISH_MARK,
    NORWEGIAN,
    PART_MARK,
    TERM_TOKENIZER,
    analyzer_language,
    query_word_terms,
    text_terms,
    word_index_terms,
    word_spans,
)
from search.base import (
    KINDS,
    NEED,
    Document,
    Entered,
    Hit,
    IndexUnavailableError,
    MatchQuery,
    Reason,
    SearchQuery,
    SearchResult,
)
from search.confidence import calibration
from search.cpv import RELATIONS, normalise_cpv, relation, relation_levels, relation_prefixes
from search.evidence import PART
from search.language import detect_language
from search.profile import concepts, shared_words
from search.ready import Changed, KeptProfile, ReadyLists, Scoring, Structure, age_limit, profile_hash

log = logging.getLogger(__name__)

# Text is analysed before Whoosh sees it (search.analysis.text_terms), in the record's own language:
# one field per part of a record instead of one per part and language halves the postings written and
# read. A query word is looked up with both languages' terms, so an English word in a Norwegian record
# is still found. The owner's name is searchable ("Bergen kommune" finds Bergen's needs) but match()
# ignores it: it is no evidence that two records are about the same thing.
# The field names carry the analysis's version: an index whose terms were made another way has other
# fields, so its schema differs and `flask setup` / `flask reindex` rebuild it (search.analysis marks).
TITLE_FIELD = "title_terms2"
BODY_FIELD = "body_terms2"
OWNER_FIELD = "owner_terms2"
TEXT_BOOSTS = {TITLE_FIELD: 2.0, BODY_FIELD: 1.0, OWNER_FIELD: 0.5}
MATCH_FIELDS = (TITLE_FIELD, BODY_FIELD)

# Facet name in SearchResult → index field.
FACET_FIELDS = {
    "kind": "kind",
    "domain": "domain",
    "fylke": "region",
    "cpv_division": "cpv_div",
    "stage": "stage",
}
# The `region` field holds a document's fylker, or only this for a nationwide one (see _fields).
NATIONWIDE_KEY = "*"

# Stored bodies feed highlighting only; beyond this the snippet would not reach anyway.
STORED_BODY_CHARS = 2_000
SNIPPET_CHARS = 240
MAX_QUERY_WORDS = 32
# Language detection reads the start of a record: enough words to decide, no more.
DETECT_CHARS = 2_000

# Whoosh sorts a missing value before every date when newest come first; undated records get the
# oldest date instead, so they come last.
UNDATED = -(2**62)

WRITER_TIMEOUT = 10.0
# A read that fails because commits keep changing the index under it is made this many times in all.
READ_ATTEMPTS = 3
REBUILD_LIMIT_MB = 256
# Processes that write a rebuild (at most the machine's cores), and documents handed to one at a time.
REBUILD_PROCS = 2
REBUILD_BATCH = 500

# match(): candidates beyond the text's own, and how many profile terms make the query. Measured on
# the shipped notices (peers of 400 notices, text only, precision@10 of "same CPV class"): 5 terms
# 0.185, 10 0.206, 15 0.215, 30 0.223, 60 0.227; at 150,000 synthetic records 15 terms cost p50 19 ms,
# p95 38 ms CPU per profile, 30 terms p50 37, p95 63 ms. Common words add little evidence and most
# of the cost.
MATCH_CANDIDATES = 100
MATCH_TERMS = 15
# The text score of a hit: s / (s + TEXT_HALF), where s is its BM25F score over the profile's concepts
# divided by what a record holding every concept once, in title and body, would score. A record
# sharing TEXT_HALF of the profile's evidence scores 0.5; the score never reaches 1.
TEXT_HALF = 0.4
# A record that shares only one of the profile's words (or only parts of them) has its text score
# multiplied by this.
ONE_WORD = 0.5
# Bonuses added to the text score, by how strongly the CPV codes relate (search.cpv.relation): the
# same code or class is strong evidence, a group weak, a shared division none.
CPV_BONUS = {"code": 0.55, "class": 0.45, "group": 0.15}
# A code guessed from a profile without codes (MatchQuery.hint_cpv) counts this share of a real one,
# and relates to a record by the same code or class only (a guessed group is too vague).
HINT_SHARE = 0.65
HINT_DECAY = 0.5
HINT_RELATIONS = ("code", "class")
DOMAIN_BONUS = 0.12
REGION_BONUS = 0.1
# match() rescoring: how many records the text alone nominates, and Whoosh's BM25F parameters.
TEXT_CANDIDATES = 200
# search(): records rescored beyond the page asked for, and how much a record holding every word of
# the query gains over one holding a single word.
RESCORE_EXTRA = 100
# A searched compound held by fewer records than this is also searched by its parts: only a compound
# no record uses, since parts broaden a lot ("nattevakter" → natt, vakt finds "Vaktsystemer AS").
RARE_COMPOUND = 1
LANGUAGES = (NORWEGIAN, ENGLISH)
WORD_COVERAGE_BONUS = 0.5
# A term in more than this share of all records is common: it scores candidates, never finds them.
# (In a small index nothing is common: reading every posting is cheap there.)
COMMON_SHARE = 0.05
COMMON_MIN = 2_000
BM25_B = 0.75
BM25_K1 = 1.2
# Term bitmaps kept per index generation (150,000 records: 19 KB each).
BITMAP_TERMS = 1_000
# The weight a kept list gives a profile term no record holds (see _match): more than any list's scale.
ABSENT_WEIGHT = 1e6
# How a changed record's best score in a kept list is bounded (search.ready): the ranking's own terms.
SCORING = Scoring(
    cpv_bonus=CPV_BONUS,
    hint_share=HINT_SHARE,
    hint_relations=HINT_RELATIONS,
    domain_bonus=DOMAIN_BONUS,
    region_bonus=REGION_BONUS,
    nationwide_key=NATIONWIDE_KEY,
    k1=BM25_K1,
    b=BM25_B,
    text_half=TEXT_HALF,
)


def build_schema() -> Schema:
    """The index schema. Only what hits, reasons, highlights and verification need is stored.

    Title and body are stored (bodies cut to STORED_BODY_CHARS) because highlighting needs the original
    text and the interface gives the index nothing else to highlight from. The text fields hold terms
    analysed in advance, without positions (no query needs them) and without term vectors (a
    BufferedWriter crashes on them).
    """
    return Schema(
        uid=ID(unique=True, stored=True),
        kind=ID,
        owner=ID(stored=True),
        stage=ID,
        domain=KEYWORD(stored=True),
        # Stored for reasons; the fylke filter and facet read `region`.
        fylke=STORED,
        region=KEYWORD,
        nationwide=STORED,
        cpv=STORED,
        cpv_all=KEYWORD,
        cpv_div=KEYWORD,
        # Only for ordering: a column, no postings (a DATETIME field writes four terms per record).
        date=COLUMN(NumericColumn("q")),
        fingerprint=STORED,
        title=STORED,
        body=STORED,
        **{name: TEXT(analyzer=TERM_TOKENIZER, phrase=False) for name in TEXT_BOOSTS},
    )


def open_index(path: str | None, *, writer_timeout: float = WRITER_TIMEOUT) -> WhooshIndex:
    """The index in folder `path` (created when missing); None keeps it in memory, for tests.

    An index written with another schema is not an error here: reads and writes raise
    IndexUnavailableError until `rebuild` replaces it, so the rebuild command can always run. A write
    waits up to `writer_timeout` seconds for another writer's lock, then raises IndexUnavailableError.
    """
    if path is None:
        storage = _RamStorage()
    else:
        try:
            os.makedirs(path, exist_ok=True)
            storage = FileStorage(path)
        except OSError as exc:
            raise IndexUnavailableError(f"cannot use {path} for the search index: {exc}") from exc
    index = WhooshIndex(storage, writer_timeout, folder=path)
    try:
        index.open()
    except IndexUnavailableError as exc:
        log.warning("%s", exc)
    return index


class _RamStorage(RamStorage):
    """RamStorage that behaves like a folder where they differ in a way that matters here.

    Its writers keep their scratch files in a folder of this storage's own: Whoosh puts a RAM index's
    scratch files in "/tmp/MAIN.tmp", named after the index, so every RAM index on the machine shares
    it — other test processes too — and one writer's cleanup deletes another's files mid-commit.

    A missing file raises FileNotFoundError as in a folder, not NameError: a searcher opened while
    another thread commits can find a merged segment's files gone, and Whoosh's reader opens the index
    again only on an OSError.
    """

    def __init__(self):
        super().__init__()
        self._scratch = tempfile.mkdtemp(prefix="whoosh-ram-")
        weakref.finalize(self, shutil.rmtree, self._scratch, True)

    def _contents(self, name: str):
        # One lookup: another thread's commit may delete the file between a check and a read.
        try:
            return self.files[name]
        except KeyError:
            raise FileNotFoundError(name) from None

    def file_length(self, name):
        return len(self._contents(name))

    def open_file(self, name, **kwargs):
        return BufferFile(memoryview(self._contents(name)), name=name, **kwargs)

    def temp_storage(self, name=None):
        # Keep Whoosh's name: the segment writer and its per-document writer share "MAIN.tmp" and
        # the segment writer removes it when done.
        return FileStorage(os.path.join(self._scratch, name or random_name())).create()


def _same_schema(found: Schema, wanted: Schema) -> bool:
    # Whoosh's own field equality fails for DATETIME after a pickle round trip (it compares struct and
    # column objects), so compare what decides the index layout: types, flags and text analyzers.
    def signature(schema: Schema) -> dict:
        return {
            name: (
                type(field).__name__,
                field.stored,
                field.unique,
                field.analyzer if isinstance(field, TEXT) else None,
            )
            for name, field in schema.items()
        }

    return signature(found) == signature(wanted)


def _changed(fields: dict) -> Changed:
    """A record's indexed fields as the percolator of kept match lists needs them."""
    terms = {name: Counter(fields[name].split()) for name in MATCH_FIELDS}
    return Changed(
        uid=fields["uid"],
        kind=fields["kind"],
        owner=fields.get("owner", ""),
        stage=fields.get("stage", ""),
        terms=terms,
        lengths={name: sum(counts.values()) for name, counts in terms.items()},
        codes=frozenset(fields.get("cpv_all", "").split()),
        domains=frozenset(fields.get("domain", "").split()),
        regions=frozenset(fields.get("region", "").split()),
    )


def _uid(kind: str, id: int) -> str:
    return f"{kind}:{id}"


def _parse_uid(uid: str) -> tuple[str, int]:
    kind, _, id = uid.partition(":")
    return kind, int(id)


def _keyword(value: str) -> str:
    # KEYWORD fields split on whitespace; a value must stay one term.
    return "_".join(str(value).split())


def _keywords(values: Iterable[str]) -> str:
    return " ".join(dict.fromkeys(_keyword(v) for v in values if str(v).strip()))


def _cpv_codes(codes: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for c in map(normalise_cpv, codes) if c))


def _timestamp(value: datetime | date) -> int:
    """Microseconds since 1970 UTC (records saved in the same second still sort); a naive datetime is
    taken as UTC (how the database keeps them)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return int(value.timestamp() * 1_000_000)


def document_language(doc: Document) -> str:
    """The Whoosh language ("no"/"en") a document is analysed in: its own, or detected from its text."""
    if doc.language:
        try:
            return analyzer_language(doc.language)
        except ValueError:
            pass
    return analyzer_language(detect_language(f"{doc.title}\n{doc.body[:DETECT_CHARS]}"))


def _fields(doc: Document) -> dict:
    codes = _cpv_codes(doc.cpv)
    language = document_language(doc)
    fields: dict = {
        "uid": _uid(doc.kind, doc.id),
        "kind": doc.kind,
        "nationwide": bool(doc.nationwide),
        "cpv": codes,
        "fingerprint": doc.fingerprint,
        "title": doc.title,
        "body": doc.body[:STORED_BODY_CHARS],
        TITLE_FIELD: " ".join(text_terms(doc.title, language)),
        BODY_FIELD: " ".join(text_terms(doc.body, language)),
    }
    optional = {
        "owner": str(doc.owner_id) if doc.owner_id is not None else "",
        # Names are Norwegian mostly, and the parts of "Helseforetaket" are worth finding.
        OWNER_FIELD: " ".join(text_terms(doc.owner_name, NORWEGIAN)),
        "stage": doc.stage or "",
        "domain": _keywords(doc.domains),
        "fylke": _keywords(doc.fylker),
        # A nationwide document counts once under every fylke facet (see _facets) and is found by
        # every fylke filter.
        "region": NATIONWIDE_KEY if doc.nationwide else _keywords(doc.fylker),
        "cpv_all": _keywords(level for code in codes for level in (*relation_prefixes(code), code)),
        "cpv_div": _keywords(code[:2] for code in codes),
    }
    fields.update((name, value) for name, value in optional.items() if value)
    fields["date"] = _timestamp(doc.date) if doc.date is not None else UNDATED
    return fields


class _Bitmaps:
    """The documents of index terms as Python integers used as bit sets, for one index generation.

    Facet counts are then one AND and one popcount each, done in C, where Whoosh's grouping walks every
    hit in Python (over two seconds for a common word at 150,000 records). Bit d stands for docnum d.
    """

    def __init__(self, searcher):
        self._searcher = searcher
        self._reader = searcher.reader()
        self.bytes = self._reader.doc_count_all() // 8 + 1
        self._terms: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._values: dict[str, list[str]] = {}
        self._dates: list[int] | None = None
        self._idf: dict[tuple[str, str], float] = {}
        self._df: dict[tuple[str, str], int] = {}
        # Raw postings still list deleted records.
        deleted = bytearray(self.bytes)
        for leaf, offset in searcher.leaf_searchers():
            for docnum in _deleted_docs(leaf.reader()):
                deleted[(docnum + offset) >> 3] |= 1 << ((docnum + offset) & 7)
        self._deleted = int.from_bytes(deleted, "little")

    def term(self, field: str, text: str) -> int:
        key = (field, text)
        found = self._terms.get(key)
        if found is not None:
            self._terms.move_to_end(key)
            return found
        bits = bytearray(self.bytes)
        for ids, _ in _posting_blocks(self._searcher, field, text):
            for docnum in ids:
                bits[docnum >> 3] |= 1 << (docnum & 7)
        found = int.from_bytes(bits, "little")
        if self._deleted:
            found &= ~self._deleted
        self._terms[key] = found
        while len(self._terms) > BITMAP_TERMS:
            self._terms.popitem(last=False)
        return found

    def df(self, field: str, text: str) -> int:
        """How many records hold the term in the field, kept for the generation."""
        key = (field, text)
        found = self._df.get(key)
        if found is None:
            if len(self._df) > BITMAP_TERMS * 50:
                self._df.clear()
            found = self._df[key] = self._reader.doc_frequency(field, text)
        return found

    def idf(self, field: str, text: str) -> float:
        """The term's IDF in the field, 0.0 when no record holds it; kept for the generation, since
        profiles share most of their words."""
        key = (field, text)
        found = self._idf.get(key)
        if found is None:
            if len(self._idf) > BITMAP_TERMS * 50:
                self._idf.clear()
            found = self._idf[key] = self._searcher.idf(field, text) if self.df(field, text) else 0.0
        return found

    def any_of(self, field: str, texts: Iterable[str]) -> int:
        found = 0
        for text in texts:
            found |= self.term(field, text)
        return found

    def values(self, field: str) -> list[str]:
        if field not in self._values:
            self._values[field] = list(self._reader.field_terms(field))
        return self._values[field]

    def prefixed(self, field: str, prefix: str) -> list[str]:
        return [value for value in self.values(field) if value.startswith(prefix)]

    def any_of_terms(self, query: Query) -> int:
        """The documents holding any term of a query."""
        found = 0
        for field_name, text in query.iter_all_terms():
            found |= self.term(field_name, text)
        return found

    def newest_first(self) -> list[int]:
        """Every docnum, newest first (undated last; of equal dates, the last indexed first)."""
        if self._dates is None:
            dates = list(self._reader.column_reader("date"))
            self._dates = sorted(range(len(dates)), key=lambda d: (-dates[d], -d))
        return self._dates


class WhooshIndex:
    """SearchIndex on one Whoosh index. One process writes; every process may read.

    The searcher is shared, refreshed before each query (so commits of other processes show), and
    guarded by a lock: Whoosh searchers are not safe across threads, and the Flask server is threaded.
    """

    def __init__(self, storage, writer_timeout: float = WRITER_TIMEOUT, folder: str | None = None):
        self._storage = storage
        self._schema = build_schema()
        self._ix = None
        self._writer_timeout = writer_timeout
        self._read_lock = threading.Lock()
        self._write_lock = threading.Lock()
        self._searcher = None
        # Bumped whenever the searcher sees a new commit (of this process or another): term bitmaps
        # are kept only for one generation.
        self._generation = 0
        # The generation each thread's last read used: a read that failed on an older one is made again.
        self._local = threading.local()
        self._bitmaps: _Bitmaps | None = None
        # Match lists kept for every process, beside the index (search.ready).
        self._ready = ReadyLists(folder, SCORING)

    def open(self):
        """The Whoosh index, created when missing; IndexUnavailableError when unreadable or outdated."""
        if self._ix is not None:
            return self._ix
        try:
            if not self._storage.index_exists():
                self._ix = self._storage.create_index(self._schema)
                return self._ix
            ix = self._storage.open_index()
        except (OSError, EOFError, whoosh_index.IndexError) as exc:
            raise IndexUnavailableError(f"cannot open the search index: {exc}") from exc
        if not _same_schema(ix.schema, self._schema):
            ix.close()
            raise IndexUnavailableError("the search index was built with another schema: rebuild it")
        self._ix = ix
        return ix

    # -- writing --------------------------------------------------------------------------------

    @staticmethod
    def _check_contents(ix) -> None:
        """Read the table of contents before taking a writer: Whoosh's SegmentWriter takes the write
        lock first and never releases it when that read fails, which would block every later
        rebuild until the process ends."""
        try:
            ix.latest_generation()
            ix.doc_count_all()
        except Exception as exc:  # any failure here means the contents are unreadable
            raise IndexUnavailableError(f"cannot read the search index: {exc}") from exc

    @contextmanager
    def _writer(self, fresh: bool = False, **kwargs) -> Iterator:
        if not self._write_lock.acquire(timeout=self._writer_timeout):
            raise IndexUnavailableError("the search index is being written by another thread")
        try:
            try:
                ix = self.open()
            except IndexUnavailableError:
                if not fresh:
                    raise
                # Only a rebuild may replace an outdated or broken index, since it rewrites everything.
                ix = self._ix = self._storage.create_index(self._schema)
            try:
                self._check_contents(ix)
            except IndexUnavailableError:
                if not fresh:
                    raise
                ix = self._ix = self._storage.create_index(self._schema)
            try:
                # Separate segment files, not one compound file: a reader copies each part of a
                # compound file into memory (150 MB per web process at 150,000 records), but reads
                # separate files through the operating system's cache, shared by every process.
                writer = ix.writer(timeout=self._writer_timeout, compound=False, **kwargs)
            except whoosh_index.LockError as exc:
                raise IndexUnavailableError("the search index is locked by another writer") from exc
            try:
                yield writer
            finally:
                # Whatever went wrong (or was forgotten), an uncommitted writer must let go of the lock.
                if not writer.is_closed:
                    writer.cancel()
        except OSError as exc:
            # A full disk or a vanished folder: the caller treats it like any unavailable index.
            raise IndexUnavailableError(f"cannot write the search index: {exc}") from exc
        finally:
            self._write_lock.release()

    def apply(self, upserts: Iterable[Document], deletes: Iterable[tuple[str, int]]) -> list[Entered]:
        deleted = {_uid(kind, id) for kind, id in deletes}
        # Last version wins; a record both upserted and deleted in one call is deleted.
        documents = {_uid(doc.kind, doc.id): doc for doc in upserts}
        for uid in deleted:
            documents.pop(uid, None)
        if not documents and not deleted:
            return []
        with self._writer() as writer:
            # One searcher for all the deletes: update_document/delete_by_term open a new one per call,
            # which made a large batch cost the square of the index size.
            with writer.searcher() as searcher:
                for uid in deleted | documents.keys():
                    writer.delete_by_term("uid", uid, searcher=searcher)
                averages = {name: searcher.avg_field_length(name) for name in MATCH_FIELDS}
            changed = []
            for doc in documents.values():
                fields = _fields(doc)
                writer.add_document(**fields)
                changed.append(_changed(fields))
            # Kept match lists this change may alter go before the commit shows it (search.ready).
            entries = self._ready.begin_change(changed, sorted(deleted), averages)
            try:
                writer.commit()
            finally:
                self._ready.end_change()
        return [
            Entered(subject=_parse_uid(subject), kind=kind, record=_parse_uid(record))
            for subject, kind, record in entries
        ]

    def rebuild(self, documents: Iterable[Document]) -> int:
        seen: set[str] = set()
        options: dict = {"procs": 1, "limitmb": REBUILD_LIMIT_MB}
        procs = min(REBUILD_PROCS, os.cpu_count() or 1)
        if procs > 1 and isinstance(self._storage, FileStorage):
            # Whoosh indexes batches in worker processes (which open the index from its folder, so a
            # RAM index cannot); each leaves a segment of its own instead of merging them all again.
            options = {
                "procs": procs,
                "multisegment": True,
                "batchsize": REBUILD_BATCH,
                "subargs": {"limitmb": REBUILD_LIMIT_MB, "compound": False},
            }
        with self._writer(fresh=True, **options) as writer:
            # Every kept list goes, and none is kept until the new index is there.
            self._ready.begin_change((), (), {}, clear=True)
            try:
                self._write_all(writer, documents, seen)
            finally:
                self._ready.end_change()
        return len(seen)

    @staticmethod
    def _write_all(writer, documents: Iterable[Document], seen: set[str]) -> None:
        for doc in documents:
            uid = _uid(doc.kind, doc.id)
            if uid in seen:
                raise ValueError(f"{uid} appears twice in the rebuild")
            seen.add(uid)
            writer.add_document(**_fields(doc))
        # CLEAR drops the old segments in the same commit: readers see the old index until then.
        writer.commit(mergetype=CLEAR)

    # -- reading --------------------------------------------------------------------------------

    @contextmanager
    def _reading(self) -> Iterator:
        with self._read_lock:
            old = self._searcher
            try:
                # Not Searcher.refresh(): it means to reuse the unchanged segments' readers but keys
                # them by generation, so with several segments it keeps one reader and leaves the
                # others open (each holds its segment's files).
                searcher = old if old is not None and old.up_to_date() else self.open().searcher()
            except (OSError, whoosh_index.IndexError) as exc:
                raise IndexUnavailableError(f"cannot read the search index: {exc}") from exc
            if searcher is not old:
                if old is not None:
                    old.close()
                self._searcher = searcher
                self._generation += 1
                self._bitmaps = None
            self._local.generation = self._generation
            yield searcher

    def generation(self) -> int:
        """A number that changes whenever the index this process reads has changed."""
        with self._reading():
            return self._generation

    def clear_match_cache(self) -> None:
        """Forget every kept match list, in every process."""
        self._ready.clear()

    def kept_subjects(self, kind: str, limit: int) -> set[tuple[str, int]]:
        with self._reading() as searcher:
            max_age = age_limit(searcher.doc_count())
        return {_parse_uid(uid) for uid in self._ready.subjects(kind, limit, max_age)}

    def _bitmaps_for(self, searcher) -> _Bitmaps:
        if self._bitmaps is None:
            self._bitmaps = _Bitmaps(searcher)
        return self._bitmaps

    def fingerprints(self) -> dict[tuple[str, int], str]:
        return self._read_again_if_changed(self._fingerprints)

    def _fingerprints(self) -> dict[tuple[str, int], str]:
        with self._reading() as searcher:
            return {
                _parse_uid(stored["uid"]): stored.get("fingerprint", "")
                for stored in searcher.reader().all_stored_fields()
            }

    def close(self) -> None:
        with self._read_lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            self._bitmaps = None
            self._ready.close()
            if self._ix is not None:
                self._ix.close()
                self._ix = None

    # -- search ---------------------------------------------------------------------------------

    def _search_filter(self, bitmaps: _Bitmaps, query: SearchQuery) -> int:
        """The documents the query's filters allow, as bits (0 when none)."""
        kinds = [kind for kind in query.kinds if kind in KINDS]
        if query.stages:
            # Only needs have a stage: asking for stages means asking for needs in those stages.
            kinds = [kind for kind in kinds if kind == NEED]
        allowed = bitmaps.any_of("kind", kinds)
        if allowed and query.stages:
            allowed &= bitmaps.any_of("stage", map(_keyword, query.stages))
        if allowed and query.domains:
            allowed &= bitmaps.any_of("domain", map(_keyword, query.domains))
        if allowed and query.fylker:
            allowed &= bitmaps.any_of("region", map(_keyword, (*query.fylker, NATIONWIDE_KEY)))
        if allowed and query.cpv_divisions:
            divisions = [d[:2] for d in (normalise_cpv(c) for c in query.cpv_divisions) if d]
            allowed &= bitmaps.any_of("cpv_div", divisions)
        if allowed and query.cpv_prefixes:
            # cpv_all holds each code and its 2–5 digit prefixes; any term starting with the prefix
            # comes from a code starting with it, so the prefix finds codes at every depth.
            prefixes = dict.fromkeys("".join(ch for ch in p if ch.isdigit())[:8] for p in query.cpv_prefixes)
            terms = {term for prefix in prefixes if prefix for term in bitmaps.prefixed("cpv_all", prefix)}
            allowed &= bitmaps.any_of("cpv_all", sorted(terms))
        return allowed

    def _text_query(self, searcher, text: str) -> Query | None:
        """Each word of `text` looked up by its terms in both languages, in titles, bodies and owner
        names; a record needs any word, and more words score more. People type words, not query
        syntax: "kind:need", "a*" or '"quoted' are plain words here.

        A word is found said on its own and as a compound's part ("bolig" finds "omsorgsbolig"), the
        part weighing less. A compound's own parts are searched only when no record holds the
        compound itself: the parts of a common compound ("rammeavtale" → ramme, avtale) would match
        most of the index."""
        groups: dict[tuple[str, ...], Query] = {}
        # A pasted page would make a query of hundreds of OR groups; people search with a few words.
        for _, _, word in itertools.islice(word_spans(text), MAX_QUERY_WORDS):
            terms = query_word_terms(word)
            whole = _whole_terms(word)
            if sum(searcher.doc_frequency(f, t) for f in MATCH_FIELDS for t in whole) >= RARE_COMPOUND:
                terms = (*whole, *(PART_MARK + t for t in whole if not t.startswith(ENGLISH_MARK)))
            if terms and terms not in groups:
                groups[terms] = Or(
                    [
                        Term(field, term, boost=boost * (PART if _is_part(term, whole) else 1.0))
                        for field, boost in TEXT_BOOSTS.items()
                        for term in terms
                    ]
                )
        if not groups:
            return None
        queries = list(groups.values())
        return queries[0] if len(queries) == 1 else Or(queries)

    def search(self, query: SearchQuery) -> SearchResult:
        return self._read_again_if_changed(self._search, query)

    def _search(self, query: SearchQuery) -> SearchResult:
        page = max(1, query.page)
        per_page = max(1, query.per_page)
        empty = SearchResult(
            hits=[], total=0, page=page, per_page=per_page, facets={n: {} for n in FACET_FIELDS}
        )
        with self._reading() as searcher:
            bitmaps = self._bitmaps_for(searcher)
            matched = self._search_filter(bitmaps, query)
            text_query = self._text_query(searcher, query.text)
            if matched and text_query is not None:
                matched &= bitmaps.any_of_terms(text_query)
            if not matched:
                return empty
            by_date = query.order == "date" or text_query is None
            start = (page - 1) * per_page
            limit = page * per_page
            if by_date:
                # A date-ordered result has no relevance score to report.
                members = matched.to_bytes(bitmaps.bytes, "little")
                docnums = itertools.islice(
                    (d for d in bitmaps.newest_first() if members[d >> 3] >> (d & 7) & 1), start, limit
                )
                found = [(docnum, 0.0) for docnum in docnums]
            else:
                found = self._ranked(searcher, bitmaps, text_query, matched, limit)[start:limit]
            terms = _highlight_terms(text_query)
            hits = []
            for docnum, score in found:
                stored = searcher.stored_fields(docnum)
                kind, id = _parse_uid(stored["uid"])
                hits.append(
                    Hit(
                        kind=kind,
                        id=id,
                        score=score,
                        owner_id=_owner(stored),
                        highlights=_highlights(stored, terms),
                    )
                )
            return SearchResult(
                hits=hits,
                total=matched.bit_count(),
                page=page,
                per_page=per_page,
                facets=_facets(bitmaps, matched),
            )

    def _ranked(self, searcher, bitmaps: _Bitmaps, text_query: Query, matched: int, limit: int):
        """The best `limit` (docnum, score) of the matched records: BM25F over the query's terms, times a
        bonus for the share of the query's words a record holds (two words found beat one word twice).

        Whoosh's own scoring walks a tree of matchers per posting: over a second for three common
        words at 150,000 records. The postings are read a block at a time instead, ranked without
        length normalisation, and the best few rescored exactly."""
        clauses = []
        groups = []
        for number, group in enumerate(_word_groups(text_query)):
            for leaf in group.subqueries if isinstance(group, Or) else [group]:
                weight = leaf.boost * bitmaps.idf(leaf.fieldname, leaf.text)
                if weight:
                    clauses.append((leaf.fieldname, leaf.text, weight))
                    groups.append(number)
        word_count = max(groups, default=0) + 1
        # A common word's body postings are not read (they are most of the cost): titles and names
        # find the candidates, and the body counts for them as if the word were said once.
        # A word is common by all its forms together (the word, as a compound's part, in English).
        common_limit = max(COMMON_SHARE * searcher.doc_count_all(), COMMON_MIN)
        body = [n for n, (field_name, _, _) in enumerate(clauses) if field_name == BODY_FIELD]
        common = _common(body, groups, [bitmaps.df(BODY_FIELD, clauses[n][1]) for n in body], common_limit)
        approx, frequencies = _accumulate(
            searcher, [(f, t, 0.0 if n in common else w) for n, (f, t, w) in enumerate(clauses)]
        )
        members = matched.to_bytes(bitmaps.bytes, "little")
        candidates = _best_allowed(approx, members, limit + RESCORE_EXTRA)
        if len(candidates) < limit + RESCORE_EXTRA:
            # Too few titles hold the words: take records in index order to fill the page.
            seen = set(candidates)
            candidates += [d for d in _docnums(matched, limit + RESCORE_EXTRA) if d not in seen]
        for number in common:
            field_name, term, _ = clauses[number]
            holders = bitmaps.term(field_name, term).to_bytes(bitmaps.bytes, "little")
            frequencies[number] = {d: 1.0 for d in candidates if holders[d >> 3] >> (d & 7) & 1}
        scores, found = _rescore(searcher, candidates, [(f, w) for f, _, w in clauses], frequencies)
        for docnum, numbers in found.items():
            words = len({groups[number] for number in numbers})
            scores[docnum] *= 1 + WORD_COVERAGE_BONUS * (words - 1) / max(1, word_count - 1)
        return sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:limit]

    # -- match ----------------------------------------------------------------------------------

    def match(
        self, query: MatchQuery, use_cache: bool = True, subject: tuple[str, int] | None = None
    ) -> list[Hit]:
        """Ranked records of query.kind for a profile. With a `subject` (the record the list is for),
        the list is kept for every process until a change may alter it (search.ready), so a page shown
        again, or first shown after the indexer computed it, reads it instead of searching."""
        return self._read_again_if_changed(self._kept_or_matched, query, use_cache, subject)

    def _read_again_if_changed(self, read, *args):
        """Run a read; when it fails because the index changed under it, run it again (READ_ATTEMPTS
        in all).

        Whoosh opens a segment's files when they are first read. A commit that merges or rebuilds
        segments meanwhile deletes the old segments' files, so a searcher opened just before can find
        a file gone (Whoosh then fails with an error of its own, such as a TypeError for a missing
        length column). The next read opens the new index. The read is compared with the generation
        it used, not with the shared searcher, which another thread may have renewed meanwhile."""
        for _ in range(READ_ATTEMPTS - 1):
            self._local.generation = None
            try:
                return read(*args)
            except IndexUnavailableError:
                raise
            except Exception:
                if not self._changed_since(self._local.generation):
                    raise
                log.info("the search index changed while it was read; reading it again")
        return read(*args)

    def _changed_since(self, generation: int | None) -> bool:
        """Whether the index has changed since a read of this generation (None: nothing was read)."""
        if generation is None:
            return False
        with self._read_lock:
            if self._generation != generation:
                return True
            searcher = self._searcher
            if searcher is None:
                return False
            try:
                return not searcher.up_to_date()
            except Exception:
                # The contents cannot even be read: the next read says so.
                return True

    def _kept_or_matched(
        self, query: MatchQuery, use_cache: bool, subject: tuple[str, int] | None
    ) -> list[Hit]:
        if query.kind not in KINDS or query.limit <= 0:
            return []
        keep = use_cache and subject is not None
        uid = _uid(*subject) if subject is not None else ""
        profile = profile_hash(query) if keep else ""
        # Read before the index is: a change committed meanwhile makes the list unfit to keep.
        token = self._ready.token() if keep else None
        with self._reading() as searcher:
            if keep:
                kept = self._ready.get(uid, query.kind, query.limit, profile, age_limit(searcher.doc_count()))
                if kept is not None:
                    return kept
            hits, clauses, reference = self._match(searcher, query)
        if keep:
            self._ready.keep(token, self._kept_profile(uid, profile, query, hits, clauses, reference))
        return hits

    @staticmethod
    def _kept_profile(
        uid: str, profile: str, query: MatchQuery, hits: list[Hit], clauses: list, reference: float
    ) -> KeptProfile:
        """A computed list with what percolation needs. A short list is as full as the profile's
        confident matches make it: only a record that could clear the confidence floor may enter it."""
        codes = _cpv_codes(query.cpv)
        return KeptProfile(
            subject=uid,
            kind=query.kind,
            size=query.limit,
            profile=profile,
            hits=hits,
            clauses=clauses,
            reference=reference,
            structure=Structure(
                codes=codes,
                hinted=_cpv_codes(query.hint_cpv) if not codes else (),
                domains=tuple(_keyword(d) for d in query.domains if d.strip()),
                fylker=tuple(_keyword(f) for f in query.fylker if f.strip()),
                nationwide=query.nationwide,
            ),
            stages=tuple(_keyword(s) for s in query.stages) if query.kind == NEED else (),
            exclude_owners=tuple(str(owner) for owner in query.exclude_owner_ids),
            exclude_uids=tuple(_uid(query.kind, id) for id in query.exclude_ids),
            floor=_topic_floor(query),
        )

    def _match(self, searcher, query: MatchQuery) -> tuple[list[Hit], list[tuple[str, str, float]], float]:
        """The ranked hits, the profile's weighted (field, term, weight) clauses and its text reference
        score (what percolation needs to bound a new record's score).

        A hit's score is its topic score — text (search.profile concepts, never boilerplate), CPV
        relation and domain — plus a region bonus; its confidence comes from the topic score alone
        (search.confidence). Only hits with topic evidence (shared concepts, or a CPV relation of at
        least a group) are candidates, and with `min_confidence` only those that clear it are listed."""
        codes = _cpv_codes(query.cpv)
        hinted = _cpv_codes(query.hint_cpv) if not codes else ()
        domains = [_keyword(d) for d in query.domains if d.strip()]
        fylker = {_keyword(f) for f in query.fylker if f.strip()}
        bitmaps = self._bitmaps_for(searcher)
        allowed = bitmaps.term("kind", query.kind)
        if query.kind == NEED and query.stages:
            allowed &= bitmaps.any_of("stage", map(_keyword, query.stages))
        excluded = bitmaps.any_of("owner", (str(owner) for owner in query.exclude_owner_ids))
        excluded |= bitmaps.any_of("uid", (_uid(query.kind, id) for id in query.exclude_ids))
        allowed &= ~excluded
        found, absent = concepts(query.title, query.text, bitmaps.idf, MATCH_FIELDS, MATCH_TERMS)
        # (field, index term, weight, concept number, shown in reasons): a part meeting a part counts a
        # little but is no reason a person would accept ("nattevakt" and "legevakt").
        clauses = [
            (field, term, TEXT_BOOSTS[field] * concept.said * factor * concept.idf[field], n, factor >= PART)
            for n, concept in enumerate(found)
            for term, factor in concept.forms
            for field in MATCH_FIELDS
        ]
        # What a record holding every concept once, in title and body, would score (BM25F gives a term
        # found once in a field of average length its IDF).
        reference = sum(
            TEXT_BOOSTS[field] * concept.said * concept.strength * concept.idf[field]
            for concept in found
            for field in MATCH_FIELDS
        )
        weighted = [(f, t, w) for f, t, w, _, _ in clauses]
        # A profile word no record holds yet would weigh most of all once one does: a record bringing it
        # in always reaches a kept list.
        kept = weighted + [(field_name, term, ABSENT_WEIGHT) for field_name, term in absent]
        if not allowed:
            return [], [(f, t, ABSENT_WEIGHT) for f, t, _ in kept], 0.0
        members = allowed.to_bytes(bitmaps.bytes, "little")
        # Only terms some record holds in the field are read (and rescored).
        live = [n for n, (f, t, _, _, _) in enumerate(clauses) if bitmaps.df(f, t)]
        read = set(live)

        # Every posting of the profile's terms once, read a block at a time, scored without the length
        # normalisation (which needs a lookup per record); the best are rescored exactly below. Whoosh's
        # own OR query took 100–250 ms here at 150,000 records, mostly in per-posting method calls.
        # A common word brings in no candidates: reading its postings would cost more than all the
        # rest. It still counts for the candidates, as if said once (from its bitmap).
        common_limit = max(COMMON_SHARE * searcher.doc_count_all(), COMMON_MIN)
        body = [n for n in live if clauses[n][0] == BODY_FIELD]
        dfs = [bitmaps.df(BODY_FIELD, clauses[n][1]) for n in body]
        common = _common(body, [clause[3] for clause in clauses], dfs, common_limit)
        approx, frequencies = _accumulate(
            searcher,
            [(f, t, w if n in read and n not in common else 0.0) for n, (f, t, w, *_) in enumerate(clauses)],
        )
        candidates = set(_best_allowed(approx, members, TEXT_CANDIDATES))
        # Records related by CPV code, class or group, however little text they share.
        for level in ("code", "class", "group"):
            if len(candidates) >= TEXT_CANDIDATES + MATCH_CANDIDATES:
                break
            prefixes = {prefix for code in codes for name, prefix in relation_levels(code) if name == level}
            bits = bitmaps.any_of("cpv_all", sorted(prefixes)) & allowed
            candidates.update(_docnums(bits, TEXT_CANDIDATES + MATCH_CANDIDATES - len(candidates)))
        if hinted:
            # Codes guessed from the text (CPV suggestion) bring in records of the same code or class:
            # they carry the concept across words and languages ("renhold" and "cleaning").
            prefixes = {p for c in hinted for name, p in relation_levels(c) if name in HINT_RELATIONS}
            level = bitmaps.any_of("cpv_all", sorted(prefixes)) & allowed
            candidates.update(_docnums(level, MATCH_CANDIDATES))
        if not candidates:
            return [], kept, reference
        for number in common:
            field_name, term, _, _, _ = clauses[number]
            holders = bitmaps.term(field_name, term).to_bytes(bitmaps.bytes, "little")
            frequencies[number] = {d: 1.0 for d in candidates if holders[d >> 3] >> (d & 7) & 1}
        fields = [(clauses[n][0], clauses[n][2]) for n in live]
        text_scores, found_by = _rescore(searcher, candidates, fields, [frequencies[n] for n in live])
        # Back from the live clauses' positions to the clauses'.
        shared = {docnum: [live[i] for i in numbers] for docnum, numbers in found_by.items()}

        # Bonuses from bits first; stored fields (for the reasons' values) only for the hits returned.
        size = bitmaps.bytes
        levels = [(bonus, bits.to_bytes(size, "little")) for bonus, bits in _relation_bits(bitmaps, codes, 1)]
        # The first guess is the likeliest: each further one counts HINT_DECAY as much as the one before.
        guesses = [
            (bonus, bits.to_bytes(size, "little"), name in HINT_RELATIONS)
            for rank, code in enumerate(hinted)
            for bonus, bits, name in _relation_bits(bitmaps, [code], HINT_SHARE * HINT_DECAY**rank, True)
        ]
        in_domain = bitmaps.any_of("domain", domains).to_bytes(size, "little")
        in_region = bitmaps.any_of("region", (*fylker, NATIONWIDE_KEY)).to_bytes(size, "little")
        floor = _topic_floor(query)
        ranked = []
        for docnum in candidates:
            byte, bit = docnum >> 3, docnum & 7
            cpv = max((bonus for bonus, bits in levels if bits[byte] >> bit & 1), default=0.0)
            hinted_here = [(b, k) for b, bits, k in guesses if bits[byte] >> bit & 1]
            guess, strong = max(hinted_here, default=(0.0, False))
            text = _text_score(text_scores.get(docnum, 0.0), reference)
            words = len({clauses[n][3] for n in shared.get(docnum, ()) if clauses[n][4]})
            if words < 2:
                # One shared word is thin evidence, however rare ("Familiens hus", "Familiens utfordringer").
                text *= ONE_WORD
            # A shared word a person would accept, or a CPV code or class (real or guessed), makes a
            # match; a shared domain, a CPV group or compounds sharing a part only add to one.
            if not (words or strong or cpv >= CPV_BONUS["class"]):
                continue
            topic = text + max(cpv, guess) + (DOMAIN_BONUS if in_domain[byte] >> bit & 1 else 0.0)
            if topic < floor - 1e-9:
                continue
            region = REGION_BONUS if query.nationwide or in_region[byte] >> bit & 1 else 0.0
            ranked.append((round(topic + region, 6), round(topic, 6), docnum))
        hits = []
        scale = calibration(query.kind)
        # Equal scores keep index order, which is the order records were saved in, mostly.
        for score, topic, docnum in sorted(ranked, key=lambda row: (-row[0], row[2]))[: query.limit]:
            stored = searcher.stored_fields(docnum)
            guessed = not codes
            reasons = _structure_reasons(stored, codes or hinted, domains, fylker, query.nationwide, guessed)
            words = {clauses[n][3] for n in shared.get(docnum, ()) if clauses[n][4]}
            if words:
                reasons.insert(0, Reason(kind="terms", values=shared_words(found, words)))
            kind, id = _parse_uid(stored["uid"])
            hits.append(
                Hit(
                    kind=kind,
                    id=id,
                    score=score,
                    owner_id=_owner(stored),
                    reasons=tuple(reasons),
                    confidence=scale.confidence(topic),
                )
            )
        return hits, kept, reference


def _common(numbers: Sequence[int], owner: Sequence[int], dfs: Sequence[int], limit: float) -> set[int]:
    """The clauses (of `numbers`, with their document frequencies `dfs`) whose word or concept
    (`owner[number]`) is held by more records than `limit` in all its forms together: their postings
    are not read. A word split over several terms (as a part, in English) is as common as before."""
    totals: dict[int, int] = {}
    for number, df in zip(numbers, dfs, strict=True):
        totals[owner[number]] = totals.get(owner[number], 0) + df
    return {number for number in numbers if totals[owner[number]] > limit}


def _text_score(raw: float, reference: float) -> float:
    """A record's text score from its BM25F score over the profile's concepts (see TEXT_HALF)."""
    if raw <= 0 or reference <= 0:
        return 0.0
    share = raw / reference
    return share / (share + TEXT_HALF)


def _topic_floor(query: MatchQuery) -> float:
    """The topic score a hit needs to be listed (0 when the query lists every candidate)."""
    if query.min_confidence <= 0:
        return 0.0
    return calibration(query.kind).floor(query.min_confidence)


def _relation_bits(bitmaps: _Bitmaps, codes: Sequence[str], share: float, named: bool = False) -> list:
    """(bonus, records) for each CPV relation of the codes, strongest first; with `named`, (bonus,
    records, relation)."""
    if not codes:
        return []
    levels: dict[str, set[str]] = {}
    for code in codes:
        for name, prefix in relation_levels(code):
            levels.setdefault(name, set()).add(prefix)
    found = [
        (share * CPV_BONUS[name], bitmaps.any_of("cpv_all", sorted(levels[name])), name)
        for name in RELATIONS
        if name in levels and name in CPV_BONUS
    ]
    return found if named else [row[:2] for row in found]


def _word_groups(query: Query) -> list[Query]:
    """The per-word OR groups of a search query made by _text_query."""
    if isinstance(query, Or) and all(isinstance(sub, Or) for sub in query.subqueries):
        return list(query.subqueries)
    return [query]


def _accumulate(searcher, clauses: Sequence[tuple[str, str, float]]) -> tuple[dict[int, float], list[dict]]:
    """Read each (field, term, weight) clause's postings once: an approximate score per docnum (BM25
    without length normalisation) and, per clause, docnum → term frequency. A weight of 0 skips the
    clause (its frequencies stay empty)."""
    approx: dict[int, float] = {}
    get = approx.get
    frequencies: list[dict] = []
    for field_name, term, weight in clauses:
        found: dict = {}
        frequencies.append(found)
        if not weight:
            continue
        scale = weight * (BM25_K1 + 1)
        for ids, tfs in _posting_blocks(searcher, field_name, term):
            found.update(zip(ids, tfs, strict=True))
            for docnum, tf in zip(ids, tfs, strict=True):
                approx[docnum] = get(docnum, 0.0) + scale * tf / (tf + BM25_K1)
    return approx, frequencies


def _best_allowed(approx: dict[int, float], members: bytes, count: int) -> list[int]:
    """The `count` best-scored docnums whose bit is set in `members`."""

    def allowed(docnums):
        return [d for d in docnums if members[d >> 3] >> (d & 7) & 1]

    found = allowed(heapq.nlargest(count * 2, approx, key=approx.__getitem__))
    if len(found) < count and len(approx) > count * 2:
        # The filter is narrow: look at every scored record, not only the best.
        found = allowed(approx)
        found = heapq.nlargest(count, found, key=approx.__getitem__)
    return found[:count]


def _rescore(
    searcher, candidates: Iterable[int], clauses: Sequence[tuple[str, float]], frequencies: Sequence[dict]
) -> tuple[dict[int, float], dict[int, list[int]]]:
    """Exact BM25F for the candidates: each (field, weight) clause's term frequency, normalised by the
    record's field length. Also which clauses each candidate matched."""
    average = {name: searcher.avg_field_length(name) or 1.0 for name, _ in clauses}
    scores: dict[int, float] = {}
    matched: dict[int, list[int]] = {}
    for docnum in candidates:
        score = 0.0
        numbers = []
        norms: dict[str, float] = {}
        for number, (field_name, weight) in enumerate(clauses):
            tf = frequencies[number].get(docnum)
            if tf is None:
                continue
            norm = norms.get(field_name)
            if norm is None:
                length = searcher.doc_field_length(docnum, field_name, 0)
                norm = norms[field_name] = 1 - BM25_B + BM25_B * length / average[field_name]
            score += weight * tf * (BM25_K1 + 1) / (tf + BM25_K1 * norm)
            numbers.append(number)
        if numbers:
            scores[docnum] = score
            matched[docnum] = numbers
    return scores, matched


def _posting_blocks(searcher, field_name: str, term: str) -> Iterator[tuple[Sequence[int], Sequence[float]]]:
    """(docnums, term frequencies) of a term's postings, a block at a time, in every segment.

    Deleted records are included: callers check each docnum against bits built from postings, which
    leave them out. Whoosh's on-disk postings are read through their block arrays; anything else (an
    inlined short posting list) through the plain matcher interface.
    """
    for leaf, offset in searcher.leaf_searchers():
        try:
            matcher = leaf.reader().postings(field_name, term)
        except TermNotFound:
            continue
        if isinstance(matcher, FilterMatcher):
            matcher = matcher.child
        if isinstance(matcher, W3LeafMatcher):
            while matcher.is_active():
                matcher._read_ids()
                matcher._read_weights()
                ids = matcher._ids
                yield (ids if not offset else [d + offset for d in ids]), matcher._weights
                matcher._next_block()
        else:
            ids, weights = [], []
            while matcher.is_active():
                ids.append(matcher.id() + offset)
                weights.append(matcher.weight())
                matcher.next()
            yield ids, weights


def _deleted_docs(reader) -> Iterable[int]:
    """The deleted docnums of one segment (Whoosh 2.7 exposes them only on the per-document reader)."""
    if not reader.has_deletions():
        return ()
    perdoc = getattr(reader, "_perdoc", None)
    if perdoc is not None:
        return perdoc.deleted_docs()
    return (docnum for docnum in range(reader.doc_count_all()) if reader.is_deleted(docnum))


def _docnums(bits: int, limit: int) -> list[int]:
    """The first `limit` docnums set in `bits`."""
    found: list[int] = []
    if limit <= 0 or not bits:
        return found
    for index, byte in enumerate(bits.to_bytes((bits.bit_length() + 7) // 8, "little")):
        if byte:
            found.extend(index * 8 + bit for bit in range(8) if byte >> bit & 1)
            if len(found) >= limit:
                return found[:limit]
    return found


def _whole_terms(word: str) -> tuple[str, ...]:
    """A typed word's whole-word index terms in both languages (no parts)."""
    return tuple(
        dict.fromkeys(terms[0] for terms in (word_index_terms(word, lang) for lang in LANGUAGES) if terms)
    )


def _is_part(term: str, whole: Sequence[str]) -> bool:
    """Whether a searched index term is a part (of the record's compound, or of the typed word)."""
    return term not in whole


def _owner(stored: dict) -> int | None:
    owner = stored.get("owner")
    return int(owner) if owner else None


def _split(stored: dict, field: str) -> list[str]:
    return (stored.get(field) or "").split()


def _facets(bitmaps: _Bitmaps, matched: int) -> dict[str, dict[str, int]]:
    facets = {}
    for name, field_name in FACET_FIELDS.items():
        counts = {}
        for value in bitmaps.values(field_name):
            count = (matched & bitmaps.term(field_name, value)).bit_count()
            if count:
                counts[value] = count
        facets[name] = counts
    # Filtering by a fylke also returns the nationwide documents, so each fylke's count includes them.
    nationwide = facets["fylke"].pop(NATIONWIDE_KEY, 0)
    facets["fylke"] = {fylke: count + nationwide for fylke, count in facets["fylke"].items()}
    return {
        name: dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))) for name, counts in facets.items()
    }


def _structure_reasons(
    stored: dict,
    codes: Sequence[str],
    domains: Sequence[str],
    fylker: set[str],
    nationwide: bool,
    guessed: bool = False,
) -> list[Reason]:
    """The CPV relation (the strongest, with the pairs of codes at that strength; a shared division is
    none), the shared domains and the region of a hit. Codes guessed from a profile's text give a
    reason of detail "suggested" when they relate by code or class: "the text is likely about what
    this record's code says"."""
    reasons: list[Reason] = []
    doc_codes = stored.get("cpv") or ()
    pairs: dict[str, list[str]] = {}
    for code in codes:
        for other in doc_codes:
            level = relation(code, other)
            if level in CPV_BONUS and (not guessed or level in HINT_RELATIONS):
                pairs.setdefault(level, []).append(f"{code}~{other}")
    strongest = next((level for level in RELATIONS if level in pairs), None)
    if strongest is not None:
        detail = "suggested" if guessed else strongest
        reasons.append(Reason(kind="cpv", values=tuple(pairs[strongest]), detail=detail))
    shared_domains = tuple(d for d in _split(stored, "domain") if d in domains)
    if shared_domains:
        reasons.append(Reason(kind="domain", values=shared_domains))
    shared_fylker = tuple(f for f in _split(stored, "fylke") if f in fylker)
    if shared_fylker:
        reasons.append(Reason(kind="region", values=shared_fylker, detail="fylke"))
    elif nationwide or stored.get("nationwide"):
        reasons.append(Reason(kind="region", detail="nationwide"))
    return reasons


# -- highlighting -------------------------------------------------------------------------------


def _highlight_terms(query: Query | None) -> frozenset[str]:
    return frozenset(text for _, text in query.iter_all_terms()) if query is not None else frozenset()


def _tokens(text: str, terms: frozenset[str]) -> Iterator[Token]:
    # A word is marked when any of its terms was searched for — in either language, or a part of it:
    # one snippet shows the matches of both analyzers and "bolig" marks "omsorgsboliger".
    for start, end, word in word_spans(text):
        token = Token(chars=True)
        token.text, token.startchar, token.endchar, token.boost = word, start, end, 1.0
        token.matched = not terms.isdisjoint(_word_index_forms(word))
        yield token


def _word_index_forms(word: str) -> tuple[str, ...]:
    """Every index term a record's word may be held under, in either language."""
    return tuple(dict.fromkeys(t for lang in LANGUAGES for t in word_index_terms(word, lang)))


def _highlight(text: str, terms: frozenset[str], fragmenter, top: int) -> str | None:
    if not terms:
        return None
    fragments = top_fragments(
        fragmenter.fragment_tokens(text, _tokens(text, terms)), top, BasicFragmentScorer(), FIRST
    )
    if not fragments:
        return None
    # HtmlFormatter escapes the text between matches; the matches themselves are escaped too.
    formatter = HtmlFormatter(tagname="mark", classname="match", termclass="term")
    parts = []
    for fragment in fragments:
        snippet = formatter.format_fragment(fragment)
        if fragment.startchar > 0:
            snippet = "…" + snippet
        if fragment.endchar < len(text):
            snippet += "…"
        parts.append(snippet)
    return " ".join(parts)


class _WholeText:
    """Fragmenter for titles: the whole text is one fragment."""

    @staticmethod
    def fragment_tokens(text, tokens):
        matched = [token.copy() for token in tokens if token.matched]
        return [mkfrag(text, matched, startchar=0, endchar=len(text))] if matched else []


def _plain_snippet(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return html.escape(text, quote=False)
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return html.escape(text[: cut if cut > 0 else SNIPPET_CHARS].rstrip(), quote=False) + "…"


def _highlights(stored: dict, terms: frozenset[str]) -> dict[str, str]:
    title = stored.get("title", "")
    body = stored.get("body", "")
    return {
        "title": _highlight(title, terms, _WholeText, 1) or html.escape(title, quote=False),
        "body": _highlight(body, terms, ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60), 2)
        or _plain_snippet(body),
    }
