"""Where the index lives (a folder, or memory for tests), and opening and writing it under its locks."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage, RamStorage
from whoosh.filedb.structfile import BufferFile
from whoosh.util import random_name

from search.base import IndexUnavailableError
from search.whoosh.schema import build_schema, same_schema


def storage_at(path: str | None):
    """The Whoosh storage of folder `path` (created when missing); None keeps the index in memory."""
    if path is None:
        return _RamStorage()
    try:
        os.makedirs(path, exist_ok=True)
        return FileStorage(path)
    except OSError as exc:
        raise IndexUnavailableError(f"cannot use {path} for the search index: {exc}") from exc


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


class IndexStorage:
    """The Whoosh index in its storage: opened once with the schema it must have, and written by one
    writer at a time (a thread lock here, Whoosh's lock file between processes)."""

    def __init__(self, storage, writer_timeout: float):
        self._storage = storage
        self._schema = build_schema()
        self._ix = None
        self._writer_timeout = writer_timeout
        self._write_lock = threading.Lock()

    @property
    def in_folder(self) -> bool:
        """Whether the index is kept in a folder (other processes can open it), not in memory."""
        return isinstance(self._storage, FileStorage)

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
        if not same_schema(ix.schema, self._schema):
            ix.close()
            raise IndexUnavailableError("the search index was built with another schema: rebuild it")
        self._ix = ix
        return ix

    def close(self) -> None:
        if self._ix is not None:
            self._ix.close()
            self._ix = None

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
    def writer(self, fresh: bool = False, **kwargs) -> Iterator:
        """A Whoosh writer, cancelled when not committed; `fresh` (a rebuild) replaces an outdated or
        broken index instead of failing on it."""
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
