"""Models → search documents, index events, the indexer, reindex and verify: the only bridge to search/."""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, fields

import sqlalchemy as sa
import sqlalchemy.orm
from blinker import Namespace
from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from network import reference
from network.extensions import db
from network.models import (
    Capability,
    IndexEvent,
    IndexState,
    Need,
    Organisation,
    OrgKind,
    Stage,
    utcnow,
)
from search import (
    CAPABILITY,
    NEED,
    ORGANISATION,
    READY_LISTS_FILES,
    Document,
    Entered,
    IndexUnavailableError,
    SearchIndex,
    SearchQuery,
    open_index,
)

log = logging.getLogger(__name__)

STATE_NAME = "main"
# Sent after pending index events were applied, with the kept match lists the changed records may
# have entered (`entries`, search.Entered): the "new match" notices listen (services/match_notices).
index_applied = Namespace().signal("index-applied")
# Events per index commit: small enough that a web request's own change is applied at once.
DEFAULT_BATCH = 500
_KIND_OF = {Need: NEED, Capability: CAPABILITY, Organisation: ORGANISATION}


# -- the index handle ---------------------------------------------------------------------------


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


# -- index events: written in the same transaction as the change ----------------------------------


def _record_index_events(session: Session, flush_context) -> None:
    rows = []
    for obj in list(session.new) + list(session.dirty) + list(session.deleted):
        kind = _KIND_OF.get(type(obj))
        if kind is None or obj.id is None:
            continue
        if obj in session.dirty and not session.is_modified(obj, include_collections=False):
            continue
        rows.append({"kind": kind, "record_id": obj.id, "created_at": utcnow()})
    if rows:
        session.connection().execute(sa.insert(IndexEvent), rows)


def register_index_events() -> None:
    if not event.contains(Session, "after_flush", _record_index_events):
        event.listen(Session, "after_flush", _record_index_events)


# -- documents --------------------------------------------------------------------------------


def _fingerprint(doc: Document) -> str:
    parts = [repr(getattr(doc, f.name)) for f in fields(doc) if f.name != "fingerprint"]
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()


def _finish(doc: Document) -> Document:
    from dataclasses import replace

    return replace(doc, fingerprint=_fingerprint(doc))


def need_fylker(need: Need) -> tuple[str, ...]:
    """The fylker a need concerns: its own list plus the fylker of its kommuner (or the body's)."""
    found = list(need.fylker or [])
    kommuner = need.kommuner or ([need.organisation.kommune] if need.organisation.kommune else [])
    for number in kommuner:
        fylke = reference.fylke_of_kommune(number)
        if fylke:
            found.append(fylke)
    if not found and need.organisation.fylke:
        found.append(need.organisation.fylke)
    return tuple(dict.fromkeys(found))


def need_text(need: Need) -> str:
    return "\n".join(part for part in (need.description, need.affected, need.outcome) if part)


def is_indexed(record) -> bool:
    """Only what anyone may see goes into the index: published needs, suppliers' capabilities and
    organisations other than unverified public bodies."""
    if isinstance(record, Need):
        return record.stage != Stage.DRAFT
    if isinstance(record, Capability):
        return True
    if isinstance(record, Organisation):
        return record.kind == OrgKind.SUPPLIER or record.verified
    return False


def need_document(need: Need) -> Document:
    return _finish(
        Document(
            kind=NEED,
            id=need.id,
            title=need.title,
            body=need_text(need),
            owner_id=need.organisation_id,
            owner_name=need.organisation.name,
            org_kind=need.organisation.kind.value,
            language=need.language,
            domains=(need.domain.value,),
            cpv=tuple(need.cpv or ()),
            fylker=need_fylker(need),
            kommuner=tuple(need.kommuner or ()),
            stage=need.stage.value,
            date=need.published_at or need.created_at,
        )
    )


def capability_document(cap: Capability) -> Document:
    body = "\n".join(part for part in (cap.description, cap.references) if part)
    return _finish(
        Document(
            kind=CAPABILITY,
            id=cap.id,
            title=cap.title,
            body=body,
            owner_id=cap.organisation_id,
            owner_name=cap.organisation.name,
            org_kind=cap.organisation.kind.value,
            language=cap.language,
            domains=tuple(cap.domains or ()),
            cpv=tuple(cap.cpv or ()),
            fylker=tuple(cap.fylker or ()),
            nationwide=cap.nationwide,
            date=cap.updated_at,
        )
    )


def organisation_document(org: Organisation) -> Document:
    fylker = (org.fylke,) if org.fylke else ()
    return _finish(
        Document(
            kind=ORGANISATION,
            id=org.id,
            title=org.name,
            body=org.description or "",
            owner_id=org.id,
            owner_name=org.name,
            org_kind=org.kind.value,
            fylker=fylker,
            kommuner=(org.kommune,) if org.kommune else (),
            date=org.created_at,
        )
    )


def document_for(record) -> Document:
    if isinstance(record, Need):
        return need_document(record)
    if isinstance(record, Capability):
        return capability_document(record)
    return organisation_document(record)


_MODEL_OF = {NEED: Need, CAPABILITY: Capability, ORGANISATION: Organisation}


def _load(kind: str, ids: Iterable[int]) -> dict[int, object]:
    model = _MODEL_OF[kind]
    ids = list(ids)
    if not ids:
        return {}
    rows = db.session.scalars(sa.select(model).where(model.id.in_(ids))).all()
    return {row.id: row for row in rows}


def _documents_for_keys(keys: Iterable[tuple[str, int]]) -> tuple[list[Document], list[tuple[str, int]]]:
    """Current documents for (kind, id) keys; keys whose record is gone or not public are deletes.
    An organisation's change also refreshes its needs and capabilities (they carry its name)."""
    wanted: dict[str, set[int]] = {NEED: set(), CAPABILITY: set(), ORGANISATION: set()}
    for kind, record_id in keys:
        wanted[kind].add(record_id)
    if wanted[ORGANISATION]:
        org_ids = list(wanted[ORGANISATION])
        wanted[NEED].update(db.session.scalars(sa.select(Need.id).where(Need.organisation_id.in_(org_ids))))
        wanted[CAPABILITY].update(
            db.session.scalars(sa.select(Capability.id).where(Capability.organisation_id.in_(org_ids)))
        )
    upserts: list[Document] = []
    deletes: list[tuple[str, int]] = []
    for kind, ids in wanted.items():
        rows = _load(kind, ids)
        for record_id in sorted(ids):
            row = rows.get(record_id)
            if row is not None and is_indexed(row):
                upserts.append(document_for(row))
            else:
                deletes.append((kind, record_id))
    return upserts, deletes


# -- the indexer ------------------------------------------------------------------------------


def _claim_state() -> IndexState:
    """Lock the indexer's state row for this transaction (a row lock on PostgreSQL, the write lock on
    SQLite), so two indexers never interleave: the one that holds it reads the newest rows."""
    updated = db.session.execute(
        sa.update(IndexState).where(IndexState.name == STATE_NAME).values(updated_at=utcnow())
    )
    if updated.rowcount == 0:
        db.session.add(IndexState(name=STATE_NAME, last_event_id=0))
        db.session.flush()
    return db.session.get(IndexState, STATE_NAME, populate_existing=True)


def pending_count() -> int:
    state = db.session.get(IndexState, STATE_NAME)
    last = state.last_event_id if state else 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(IndexEvent).where(IndexEvent.id > last))


def apply_pending(
    index: SearchIndex, batch: int = DEFAULT_BATCH, progress: Callable[[int, int], None] | None = None
) -> int:
    """Apply pending index events in order; returns how many events were applied. `progress` hears
    (applied, pending at the start) after each index commit.

    Safe to run in several processes and after a crash: documents are built from the rows as they
    are now, writes are idempotent, and the position only moves after the index has committed."""
    applied = 0
    pending = None
    entries: list[Entered] = []
    while True:
        try:
            state = _claim_state()
            if progress is not None and pending is None:
                after = IndexEvent.id > state.last_event_id
                pending = db.session.scalar(sa.select(sa.func.count()).select_from(IndexEvent).where(after))
            events = db.session.scalars(
                sa.select(IndexEvent)
                .where(IndexEvent.id > state.last_event_id)
                .order_by(IndexEvent.id)
                .limit(batch)
            ).all()
            if not events:
                db.session.commit()
                _announce(index, entries)
                return applied
            keys = list(dict.fromkeys((e.kind, e.record_id) for e in events))
            upserts, deletes = _documents_for_keys(keys)
            entries += index.apply(upserts, deletes) or []
            state.last_event_id = events[-1].id
            db.session.commit()
            applied += len(events)
            if progress is not None:
                progress(applied, max(pending or 0, applied))
        except Exception:
            db.session.rollback()
            raise


def _announce(index: SearchIndex, entries: list[Entered]) -> None:
    """Tell the listeners which kept lists may have changed. Their failure never undoes the index
    work: it is logged, and what they missed is only a notice."""
    if not entries or not index_applied.receivers:
        return
    try:
        index_applied.send(index, entries=entries)
    except Exception:
        db.session.rollback()
        log.exception("listeners of index changes failed")


def apply_pending_quietly(
    index: SearchIndex, batch: int | None = None, progress: Callable[[int, int], None] | None = None
) -> None:
    """After a web request's commit: the change is saved whatever happens here; a failure is logged
    and the events stay pending for the next run or for `flask index follow`."""
    try:
        apply_pending(index, batch=batch or DEFAULT_BATCH, progress=progress)
    except (IndexUnavailableError, sa.exc.OperationalError) as exc:
        log.warning("index update postponed: %s", exc)
    except Exception:
        log.exception("index update failed; pending events are kept")


def after_commit(
    index: SearchIndex, batch: int | None = None, progress: Callable[[int, int], None] | None = None
) -> None:
    if current_app.config.get("INDEX_INLINE", True):
        apply_pending_quietly(index, batch=batch, progress=progress)


def follow(
    index: SearchIndex,
    interval: float = 1.0,
    once: bool = False,
    idle: Callable[[float | None], None] | None = None,
) -> Iterator[int]:
    """Apply pending events forever (or once), yielding how many each round applied. Between rounds
    `idle` may work until the deadline it is given (time.monotonic(); None once: no limit)."""
    while True:
        started = time.monotonic()
        try:
            count = apply_pending(index)
        except (IndexUnavailableError, sa.exc.OperationalError) as exc:
            # A rebuild holds the index, or the database is busy: wait and try again.
            log.warning("index follow: %s; retrying", exc)
            count = 0
        db.session.remove()
        yield count
        if idle is not None:
            try:
                idle(None if once else started + interval)
            except (IndexUnavailableError, sa.exc.OperationalError) as exc:
                log.warning("index follow: %s", exc)
            db.session.remove()
        if once:
            return
        time.sleep(max(0.0, started + interval - time.monotonic()))


def all_documents(batch: int = 1000) -> Iterator[Document]:
    """Every indexable record as a document, read in batches through a session of its own, so the
    memory stays flat and the caller's session (and its objects) are left alone."""
    with Session(db.engine) as session:
        for model in (Organisation, Need, Capability):
            last_id = 0
            while True:
                query = sa.select(model).where(model.id > last_id).order_by(model.id).limit(batch)
                if model is not Organisation:
                    query = query.options(sa.orm.joinedload(model.organisation))
                rows = session.scalars(query).unique().all()
                if not rows:
                    break
                for row in rows:
                    if is_indexed(row):
                        yield document_for(row)
                last_id = rows[-1].id
                session.expunge_all()


def reindex(index: SearchIndex, progress: Callable[[int], None] | None = None) -> int:
    """Rebuild the index from the database and mark every event up to now as applied.

    The database is not locked meanwhile: a change committed during the rebuild has a later event,
    which the next indexer run applies on top."""
    last_event = db.session.scalar(sa.select(sa.func.max(IndexEvent.id))) or 0
    db.session.commit()

    def counted(documents: Iterable[Document]) -> Iterator[Document]:
        for number, document in enumerate(documents, start=1):
            if progress is not None and number % 5000 == 0:
                progress(number)
            yield document

    count = index.rebuild(counted(all_documents()))
    try:
        state = _claim_state()
        state.last_event_id = max(state.last_event_id, last_event)
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    return count


@dataclass(frozen=True)
class VerifyReport:
    missing: list[tuple[str, int]]
    stale: list[tuple[str, int]]
    extra: list[tuple[str, int]]
    checked: int

    @property
    def clean(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def verify(index: SearchIndex) -> VerifyReport:
    in_index = index.fingerprints()
    missing, stale = [], []
    seen = set()
    checked = 0
    for doc in all_documents():
        key = (doc.kind, doc.id)
        seen.add(key)
        checked += 1
        if key not in in_index:
            missing.append(key)
        elif in_index[key] != doc.fingerprint:
            stale.append(key)
    extra = sorted(key for key in in_index if key not in seen)
    return VerifyReport(missing=missing, stale=stale, extra=extra, checked=checked)


# -- one need against many searches ---------------------------------------------------------------


def queries_showing_need(need: Need, queries: Iterable[SearchQuery]) -> set[SearchQuery]:
    """The queries among these whose results would show this need, decided by an index that holds
    only this need: the site's analyzers and filters decide, exactly as on the search page, but the
    answer does not wait for the site's index (updated after the commit, or by `flask index follow`),
    and each query costs a fraction of a millisecond whatever the size of the site."""
    document = need_document(need)
    candidates = {query for query in queries if _filters_could_match(query, document)}
    if not candidates:
        return set()
    index = open_index(None)
    try:
        index.apply([document], [])
        return {query for query in candidates if any(hit.id == need.id for hit in index.search(query).hits)}
    finally:
        index.close()


def _filters_could_match(query: SearchQuery, doc: Document) -> bool:
    """A cheap first sieve with the index's own filter rules, on the need's own index document; the
    index decides the rest. It only ever rejects what the index would reject too."""
    checks = (
        (query.kinds, {doc.kind}),
        (query.stages, {doc.stage}),
        (query.domains, set(doc.domains)),
        (query.fylker, set(doc.fylker)),
        (query.cpv_divisions, {"".join(ch for ch in code if ch.isdigit())[:2] for code in doc.cpv}),
    )
    return all(not wanted or set(wanted) & values for wanted, values in checks)
