"""WhooshIndex, the SearchIndex of the site: file storage for the site, RAM storage for tests.

The class keeps what is shared between calls (the searcher, its generation, the term bitmaps, the kept
match lists) and delegates the work: storing and writing (storage), a record's fields (documents),
search (searching), match (matching).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from whoosh import index as whoosh_index
from whoosh.query import Query
from whoosh.writing import CLEAR

from search.base import (
    KINDS,
    Document,
    Entered,
    Hit,
    IndexUnavailableError,
    MatchQuery,
    SearchQuery,
    SearchResult,
)
from search.match_cache import MatchCache, age_limit, profile_hash
from search.whoosh.bitmaps import Bitmaps
from search.whoosh.documents import changed_record, index_fields, parse_uid, uid_of
from search.whoosh.matching import SCORING, kept_profile, match
from search.whoosh.schema import MATCH_FIELDS
from search.whoosh.searching import search_filter, search_page, text_query
from search.whoosh.storage import IndexStorage, storage_at
from search.whoosh.tuning import READ_ATTEMPTS, REBUILD_BATCH, REBUILD_LIMIT_MB, REBUILD_PROCS, WRITER_TIMEOUT

log = logging.getLogger(__name__)


def open_index(path: str | None, *, writer_timeout: float = WRITER_TIMEOUT) -> WhooshIndex:
    """The index in folder `path` (created when missing); None keeps it in memory, for tests.

    An index written with another schema is not an error here: reads and writes raise
    IndexUnavailableError until `rebuild` replaces it, so the rebuild command can always run. A write
    waits up to `writer_timeout` seconds for another writer's lock, then raises IndexUnavailableError.
    """
    index = WhooshIndex(storage_at(path), writer_timeout, folder=path)
    try:
        index.open()
    except IndexUnavailableError as exc:
        log.warning("%s", exc)
    return index


class WhooshIndex:
    """SearchIndex on one Whoosh index. One process writes; every process may read.

    The searcher is shared, refreshed before each query (so commits of other processes show), and
    guarded by a lock: Whoosh searchers are not safe across threads, and the Flask server is threaded.
    """

    def __init__(self, storage, writer_timeout: float = WRITER_TIMEOUT, folder: str | None = None):
        self._storage = IndexStorage(storage, writer_timeout)
        self._read_lock = threading.Lock()
        self._searcher = None
        # Bumped whenever the searcher sees a new commit (of this process or another): term bitmaps
        # are kept only for one generation.
        self._generation = 0
        # The generation each thread's last read used: a read that failed on an older one is made again.
        self._local = threading.local()
        self._bitmaps: Bitmaps | None = None
        # Match lists kept for every process, beside the index (search.match_cache).
        self._ready = MatchCache(folder, SCORING)

    def open(self):
        """The Whoosh index, created when missing; IndexUnavailableError when unreadable or outdated."""
        return self._storage.open()

    # -- writing --------------------------------------------------------------------------------

    def apply(self, upserts: Iterable[Document], deletes: Iterable[tuple[str, int]]) -> list[Entered]:
        deleted = {uid_of(kind, id) for kind, id in deletes}
        # Last version wins; a record both upserted and deleted in one call is deleted.
        documents = {uid_of(doc.kind, doc.id): doc for doc in upserts}
        for uid in deleted:
            documents.pop(uid, None)
        if not documents and not deleted:
            return []
        with self._storage.writer() as writer:
            # One searcher for all the deletes: update_document/delete_by_term open a new one per call,
            # which made a large batch cost the square of the index size.
            with writer.searcher() as searcher:
                for uid in deleted | documents.keys():
                    writer.delete_by_term("uid", uid, searcher=searcher)
                averages = {name: searcher.avg_field_length(name) for name in MATCH_FIELDS}
            changed = []
            for doc in documents.values():
                fields = index_fields(doc)
                writer.add_document(**fields)
                changed.append(changed_record(fields))
            # Kept match lists this change may alter go before the commit shows it (search.percolation).
            entries = self._ready.begin_change(changed, sorted(deleted), averages)
            try:
                writer.commit()
            finally:
                self._ready.end_change()
        return [
            Entered(subject=parse_uid(subject), kind=kind, record=parse_uid(record))
            for subject, kind, record in entries
        ]

    def rebuild(self, documents: Iterable[Document]) -> int:
        seen: set[str] = set()
        options: dict = {"procs": 1, "limitmb": REBUILD_LIMIT_MB}
        procs = min(REBUILD_PROCS, os.cpu_count() or 1)
        if procs > 1 and self._storage.in_folder:
            # Whoosh indexes batches in worker processes (which open the index from its folder, so a
            # RAM index cannot); each leaves a segment of its own instead of merging them all again.
            options = {
                "procs": procs,
                "multisegment": True,
                "batchsize": REBUILD_BATCH,
                "subargs": {"limitmb": REBUILD_LIMIT_MB, "compound": False},
            }
        with self._storage.writer(fresh=True, **options) as writer:
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
            uid = uid_of(doc.kind, doc.id)
            if uid in seen:
                raise ValueError(f"{uid} appears twice in the rebuild")
            seen.add(uid)
            writer.add_document(**index_fields(doc))
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
        return {parse_uid(uid) for uid in self._ready.subjects(kind, limit, max_age)}

    def _bitmaps_for(self, searcher) -> Bitmaps:
        if self._bitmaps is None:
            self._bitmaps = Bitmaps(searcher)
        return self._bitmaps

    def fingerprints(self) -> dict[tuple[str, int], str]:
        return self._read_again_if_changed(self._fingerprints)

    def _fingerprints(self) -> dict[tuple[str, int], str]:
        with self._reading() as searcher:
            return {
                parse_uid(stored["uid"]): stored.get("fingerprint", "")
                for stored in searcher.reader().all_stored_fields()
            }

    def close(self) -> None:
        with self._read_lock:
            if self._searcher is not None:
                self._searcher.close()
                self._searcher = None
            self._bitmaps = None
            self._ready.close()
            self._storage.close()

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

    # -- search ---------------------------------------------------------------------------------

    def search(self, query: SearchQuery) -> SearchResult:
        return self._read_again_if_changed(self._search, query)

    def _search(self, query: SearchQuery) -> SearchResult:
        with self._reading() as searcher:
            bitmaps = self._bitmaps_for(searcher)
            matched = search_filter(bitmaps, query)
            return search_page(searcher, bitmaps, query, matched, self._text_query(searcher, query.text))

    def _text_query(self, searcher, text: str) -> Query | None:
        return text_query(searcher, text)

    # -- match ----------------------------------------------------------------------------------

    def match(
        self, query: MatchQuery, use_cache: bool = True, subject: tuple[str, int] | None = None
    ) -> list[Hit]:
        """Ranked records of query.kind for a profile. With a `subject` (the record the list is for),
        the list is kept for every process until a change may alter it (search.match_cache), so a page
        shown again, or first shown after the indexer computed it, reads it instead of searching."""
        return self._read_again_if_changed(self._kept_or_matched, query, use_cache, subject)

    def _kept_or_matched(
        self, query: MatchQuery, use_cache: bool, subject: tuple[str, int] | None
    ) -> list[Hit]:
        if query.kind not in KINDS or query.limit <= 0:
            return []
        keep = use_cache and subject is not None
        uid = uid_of(*subject) if subject is not None else ""
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
            self._ready.keep(token, kept_profile(uid, profile, query, hits, clauses, reference))
        return hits

    def _match(self, searcher, query: MatchQuery) -> tuple[list[Hit], list[tuple[str, str, float]], float]:
        """The ranked hits, the profile's weighted clauses and its text reference score
        (search.whoosh.matching.match)."""
        return match(searcher, self._bitmaps_for(searcher), query)
