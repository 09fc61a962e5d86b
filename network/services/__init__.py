"""Services: every write goes through one of these; each checks its rules and commits once."""

from __future__ import annotations

from network.errors import NotFoundError
from network.extensions import db
from network.indexing import after_commit


def get_or_not_found(model, record_id: int, message: str):
    """The row of `model` with this id, or NotFoundError(message)."""
    row = db.session.get(model, record_id)
    if row is None:
        raise NotFoundError(message)
    return row


def commit(index, batch: int | None = None, progress=None) -> None:
    """Commit the unit of work, then bring the index up to date (the database is the truth).
    Bulk writers pass a larger batch (fewer, larger index commits) and may follow it with `progress`."""
    db.session.commit()
    if index is not None:
        after_commit(index, batch=batch, progress=progress)
