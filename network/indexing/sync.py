"""Keeping the index in step with the database: index events, applying them, their listeners,
following, reindex and verify."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import sqlalchemy as sa
import sqlalchemy.orm
from flask import current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from network.extensions import db
from network.indexing.documents import document_for, is_indexed
from network.indexing.handle import STATE_NAME
from network.models import Capability, IndexEvent, IndexState, Need, Organisation, utcnow
from network.signals import index_applied
from search import CAPABILITY, NEED, ORGANISATION, Document, Entered, IndexUnavailableError, SearchIndex

log = logging.getLogger(__name__)

# Events per index commit: small enough that a web request's own change is applied at once.
DEFAULT_BATCH = 500
_KIND_OF = {Need: NEED, Capability: CAPABILITY, Organisation: ORGANISATION}


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
