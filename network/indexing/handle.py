"""The index handle: one lazily opened index per app, the only place an index is opened."""

from __future__ import annotations

import functools
import logging
import os
import threading
import time
from collections.abc import Iterable

import sqlalchemy as sa
from flask import Flask, current_app

from network.extensions import db
from network.models import IndexState
from search import READY_LISTS_FILES, Document, IndexUnavailableError, SearchIndex, open_index

log = logging.getLogger(__name__)

# The indexer's state row: how far the index has applied the index events.
STATE_NAME = "main"


class LazyIndex:
    """Opens the index on first use and tries again on the next use if that failed, so a missing or
    broken index never stops a page or a save: callers get IndexUnavailableError when they use it.

    A damaged index fails in many ways (struct, pickle, EOF or OS errors from deep inside the search
    engine); every one of them reaches callers as IndexUnavailableError, which the pages and the API
    turn into a notice. A folder that has vanished is not silently replaced by an empty index while
    the database has content: searches would find nothing without saying why. Only a rebuild
    (`flask reindex`, `flask setup`) creates it again then."""

    # Methods whose failures mean "the index is unusable" rather than a bug of the caller.
    _GUARDED = frozenset({"apply", "search", "match", "fingerprints", "generation"})

    def __init__(self, path: str | None, writer_timeout: float):
        self._path = path
        self._writer_timeout = writer_timeout
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()

    def _get(self, create: bool = False) -> SearchIndex:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    if not create and self._lost():
                        raise IndexUnavailableError("the search index folder is missing: run `flask reindex`")
                    try:
                        self._index = open_index(self._path, writer_timeout=self._writer_timeout)
                    except IndexUnavailableError:
                        raise
                    except Exception as exc:
                        if not create:
                            log.exception("cannot open the search index")
                            raise IndexUnavailableError(f"cannot open the search index ({exc!r})") from exc
                        # A rebuild rewrites everything: files too damaged to open are only in its way.
                        # They are moved aside, not deleted, in case the folder was set up wrongly.
                        aside = f"{self._path}.damaged-{time.strftime('%Y%m%d-%H%M%S')}"
                        log.warning("moving the unreadable search index to %s before rebuilding it", aside)
                        os.replace(self._path, aside)
                        self._index = open_index(self._path, writer_timeout=self._writer_timeout)
        return self._index

    def _lost(self) -> bool:
        """The folder is missing or empty (but for kept match lists) although the indexer has applied
        events before."""
        if self._path is None:
            return False
        if os.path.isdir(self._path) and set(os.listdir(self._path)) - set(READY_LISTS_FILES):
            return False
        query = sa.select(IndexState.last_event_id).where(IndexState.name == STATE_NAME)
        try:
            # A connection of its own: the caller's transaction is left alone.
            with db.engine.connect() as connection:
                applied = connection.scalar(query)
        except sa.exc.SQLAlchemyError:
            # No schema yet: a new installation, whose index may be created.
            return False
        return bool(applied)

    def __getattr__(self, name: str):
        attr = getattr(self._get(), name)
        if name not in self._GUARDED:
            return attr

        @functools.wraps(attr)
        def guarded(*args, **kwargs):
            try:
                return attr(*args, **kwargs)
            except IndexUnavailableError:
                raise
            except Exception as exc:
                log.exception("the search index failed in %s", name)
                message = f"the search index is damaged ({exc!r}): run `flask reindex`"
                raise IndexUnavailableError(message) from exc

        return guarded

    def rebuild(self, documents: Iterable[Document]) -> int:
        return self._get(create=True).rebuild(documents)

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None


def get_index(app: Flask | None = None) -> SearchIndex:
    """The app's index, one per process ("memory" storage gives each app its own RAM index)."""
    app = app or current_app
    index = app.extensions.get("search_index")
    if index is None:
        path = None if app.config["SEARCH_STORAGE"] == "memory" else app.config["SEARCH_INDEX_DIR"]
        index = app.extensions.setdefault(
            "search_index", LazyIndex(path, float(app.config.get("INDEX_WRITE_TIMEOUT", 2.0)))
        )
    return index


def close_index(app: Flask) -> None:
    index = app.extensions.pop("search_index", None)
    if index is not None:
        index.close()
