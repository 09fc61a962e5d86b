"""New strong matches: a body is told when another body's need or a strong supplier enters its need's
lists, and a supplier when a new need enters its "needs for you" — the promise of the lists' empty
states.

Driven by the percolation that keeps the match lists ready (search/match_cache.py,
search/percolation.py): each index commit says which kept lists a changed record may have entered
(search.Entered). Each such pair is queued once
(`match_alerts`) and checked by computing the list again, as the page would: only a record in the
confident list is announced, and only once per list and record (a supplier once per need, whichever
of its capabilities entered). Checking runs right after the index commit within a small time budget
(MATCH_ALERT_SECONDS); what is left waits for the next commit, `flask index follow` or
`flask notify send`. Lists that nobody kept, and bulk imports (which drop every kept list), announce
nothing: the indexer keeps the lists of published needs and of suppliers with users ready."""

from __future__ import annotations

import logging
import time

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from network.extensions import db
from network.models import (
    AlertState,
    Capability,
    Follow,
    MatchAlert,
    Need,
    Notification,
    Organisation,
    User,
    utcnow,
)
from network.services import matching
from network.services.notifications import followers_of, notify_need, users_of_organisation
from network.signals import index_applied
from search import CAPABILITY, NEED, ORGANISATION, Entered, IndexUnavailableError, SearchIndex

log = logging.getLogger(__name__)

# Alerts checked per round; a round stops early at its deadline.
BATCH = 200
# The lists a subject may have, as (subject kind, list kind).
LISTS = {(NEED, CAPABILITY), (NEED, NEED), (ORGANISATION, NEED)}


def connect() -> None:
    """Listen to the indexer (once per process)."""
    index_applied.connect(_on_index_applied, weak=False)


def _on_index_applied(index: SearchIndex, entries: list[Entered]) -> None:
    if queue(entries):
        budget = float(current_app.config.get("MATCH_ALERT_SECONDS", 0.3))
        check_pending(index, deadline=time.monotonic() + budget)


def _subjects_with_users(entries: list[Entered]) -> set[tuple[str, int]]:
    """The subjects with someone to tell (users of the organisation, or followers of the need): nobody
    reads a notice for an imported organisation without users, so its lists are not checked at all."""
    need_ids = [e.subject[1] for e in entries if e.subject[0] == NEED]
    org_ids = [e.subject[1] for e in entries if e.subject[0] == ORGANISATION]
    with_users = sa.select(User.organisation_id).where(User.organisation_id.is_not(None)).distinct()
    found = set()
    if need_ids:
        followed = sa.select(Follow.need_id).distinct()
        rows = db.session.scalars(
            sa.select(Need.id).where(
                Need.id.in_(need_ids), sa.or_(Need.organisation_id.in_(with_users), Need.id.in_(followed))
            )
        )
        found |= {(NEED, need_id) for need_id in rows}
    if org_ids:
        rows = db.session.scalars(
            sa.select(Organisation.id).where(Organisation.id.in_(org_ids), Organisation.id.in_(with_users))
        )
        found |= {(ORGANISATION, org_id) for org_id in rows}
    return found


def queue(entries: list[Entered]) -> int:
    """Queue each (list, record) pair once; a pair checked before and found wanting is checked again
    (the record changed). Returns how many are pending now."""
    wanted = {(e.subject, e.kind, e.record) for e in entries if (e.subject[0], e.kind) in LISTS}
    if not wanted:
        return 0
    told = _subjects_with_users(entries)
    pending = 0
    for (subject_kind, subject_id), kind, (_record_kind, record_id) in sorted(wanted):
        if (subject_kind, subject_id) not in told:
            continue
        row = db.session.scalar(
            sa.select(MatchAlert).where(
                MatchAlert.subject_kind == subject_kind,
                MatchAlert.subject_id == subject_id,
                MatchAlert.list_kind == kind,
                MatchAlert.record_id == record_id,
            )
        )
        if row is None:
            row = MatchAlert(subject_kind=subject_kind, subject_id=subject_id, list_kind=kind)
            row.record_id = record_id
            db.session.add(row)
            pending += 1
        elif row.state == AlertState.NO:
            row.state = AlertState.PENDING
            pending += 1
    try:
        db.session.commit()
    except sa.exc.IntegrityError:
        # Another process queued the same pair meanwhile: it will be checked all the same.
        db.session.rollback()
    return pending


def check_pending(index: SearchIndex, deadline: float | None = None) -> int:
    """Check queued alerts, oldest first, until none is left or the deadline (time.monotonic())
    passes; returns how many notices were made."""
    made = 0
    while True:
        ids = db.session.scalars(
            sa.select(MatchAlert.id)
            .where(MatchAlert.state == AlertState.PENDING)
            .order_by(MatchAlert.id)
            .limit(BATCH)
        ).all()
        if not ids:
            return made
        for alert_id in ids:
            if deadline is not None and time.monotonic() > deadline:
                return made
            if not _claim(alert_id):
                continue
            alert = db.session.get(MatchAlert, alert_id)
            try:
                notices = _check(alert, index)
            except Exception as exc:
                # The list cannot be computed now (the index is busy or broken): try again later.
                db.session.rollback()
                _release(alert_id)
                if isinstance(exc, IndexUnavailableError):
                    log.warning("new strong matches are checked later: %s", exc)
                else:
                    log.exception("checking a new strong match failed")
                return made
            alert.state = AlertState.SENT if notices is not None else AlertState.NO
            alert.checked_at = utcnow()
            db.session.commit()
            made += len(notices or ())


def _claim(alert_id: int) -> bool:
    claimed = db.session.execute(
        sa.update(MatchAlert)
        .where(MatchAlert.id == alert_id, MatchAlert.state == AlertState.PENDING)
        .values(state=AlertState.CHECKING)
    ).rowcount
    db.session.commit()
    return bool(claimed)


def _release(alert_id: int) -> None:
    db.session.execute(
        sa.update(MatchAlert).where(MatchAlert.id == alert_id).values(state=AlertState.PENDING)
    )
    db.session.commit()


def _check(alert: MatchAlert, index: SearchIndex) -> list[Notification] | None:
    """The notices for an alert whose record is in the subject's confident list (an empty list when
    it was announced before), or None when it is not in the list."""
    if alert.subject_kind == ORGANISATION:
        return _need_for_supplier(alert, index)
    need = db.session.get(Need, alert.subject_id)
    if need is None or not need.is_published:
        return None
    if alert.list_kind == CAPABILITY:
        return _supplier_for_need(alert, need, index)
    return _peer_for_need(alert, need, index)


def _supplier_for_need(alert: MatchAlert, need: Need, index: SearchIndex) -> list[Notification] | None:
    capability = db.session.get(Capability, alert.record_id)
    if capability is None:
        return None
    matches = matching.suppliers_for_need(need, index, limit=matching.PAGE_LIST)
    match = next((m for m in matches if m.organisation.id == capability.organisation_id), None)
    if match is None:
        return None
    # A supplier is announced once per need, whichever of its capabilities entered the list.
    told = sa.select(Capability.id).where(Capability.organisation_id == capability.organisation_id)
    if db.session.scalar(
        sa.select(sa.func.count())
        .select_from(MatchAlert)
        .where(
            MatchAlert.subject_kind == NEED,
            MatchAlert.subject_id == need.id,
            MatchAlert.list_kind == CAPABILITY,
            MatchAlert.state == AlertState.SENT,
            MatchAlert.record_id.in_(told),
        )
    ):
        return []
    supplier, title = match.organisation.name, need.title
    shown = [c.title for c in match.capabilities[:2]]
    return notify_need(
        users_of_organisation(need.organisation_id),
        "new_supplier",
        lambda: (
            _("A supplier matches your need “%(title)s”: %(supplier)s", title=title, supplier=supplier),
            _(
                "%(supplier)s offers what may solve your need “%(title)s”: %(capabilities)s.",
                supplier=supplier,
                title=title,
                capabilities="; ".join(shown),
            ),
        ),
        need,
        anchor="suppliers",
    )


def _peer_for_need(alert: MatchAlert, need: Need, index: SearchIndex) -> list[Notification] | None:
    matches = matching.peers_for_need(need, index, limit=matching.PAGE_LIST)
    peer = next((m.need for m in matches if m.need.id == alert.record_id), None)
    if peer is None:
        return None
    title, other, body = need.title, peer.title, peer.organisation.name
    # The body and whoever follows the need: the empty list promised both of them.
    recipients = [*users_of_organisation(need.organisation_id), *followers_of(need)]
    return notify_need(
        recipients,
        "new_peer",
        lambda: (
            _("Another body has the same challenge as “%(title)s”", title=title),
            _(
                "%(body)s published “%(other)s”, which looks like the need “%(title)s”. You may be able to"
                " hold one market dialogue and buy together.",
                body=body,
                other=other,
                title=title,
            ),
        ),
        need,
        anchor="peers",
    )


def _need_for_supplier(alert: MatchAlert, index: SearchIndex) -> list[Notification] | None:
    org = db.session.get(Organisation, alert.subject_id)
    if org is None or not org.is_supplier:
        return None
    matches = matching.needs_for_supplier(org, index, limit=matching.FOR_YOU_LIST)
    need = next((m.need for m in matches if m.need.id == alert.record_id), None)
    if need is None:
        return None
    title, body = need.title, need.organisation.name
    return notify_need(
        users_of_organisation(org.id),
        "new_need_for_you",
        lambda: (
            _("A new need for you: %(title)s", title=title),
            _(
                "%(body)s published “%(title)s”, which matches what your organisation offers.",
                body=body,
                title=title,
            ),
        ),
        need,
    )
