"""Index events: written with the change, applied in order, never lost; reindex and verify."""

from __future__ import annotations

import sqlalchemy as sa
from click.testing import Result

from network import indexing
from network.extensions import db
from network.models import Capability, IndexEvent, Need, Stage
from search import SearchQuery


def _ids(index, text, kind=None):
    kinds = (kind,) if kind else ("need", "capability", "organisation")
    return {(h.kind, h.id) for h in index.search(SearchQuery(text=text, kinds=kinds, per_page=100)).hits}


def test_a_change_writes_an_index_event_in_the_same_transaction(app, make):
    need = make.need(title="Ladeinfrastruktur for kommunale biler")
    before = db.session.scalar(sa.select(sa.func.count()).select_from(IndexEvent))
    need.title = "Lading av kommunale elbiler"
    db.session.flush()
    db.session.rollback()
    after = db.session.scalar(sa.select(sa.func.count()).select_from(IndexEvent))
    assert after == before, "a rolled-back change must not leave an index event"
    need = db.session.get(Need, need.id)
    need.title = "Lading av kommunale elbiler"
    db.session.commit()
    events = db.session.scalars(sa.select(IndexEvent).where(IndexEvent.id > 0).order_by(IndexEvent.id)).all()
    assert events[-1].kind == "need"
    assert events[-1].record_id == need.id


def test_a_crash_between_commit_and_indexing_loses_nothing(app, make, index):
    body = make.public_body()
    # The web process "crashes" after the commit: nothing applies the events.
    need = Need(
        organisation=body,
        title="Digital hjemmeoppfølging",
        description="Pasienter med KOLS",
        stage=Stage.OPEN,
        domain="health",
        cpv=[],
        kommuner=[],
        fylker=[],
    )
    db.session.add(need)
    db.session.commit()
    assert ("need", need.id) not in _ids(index, "hjemmeoppfølging")
    assert indexing.pending_count() > 0
    assert not indexing.verify(index).clean
    # The next run applies what is pending.
    applied = indexing.apply_pending(index)
    assert applied >= 1
    assert ("need", need.id) in _ids(index, "hjemmeoppfølging")
    assert indexing.pending_count() == 0
    assert indexing.verify(index).clean
    # Applying again is harmless.
    assert indexing.apply_pending(index) == 0


def test_events_are_applied_in_order_so_the_last_state_wins(app, make, index):
    cap = make.capability(title="Dronebasert inspeksjon")
    for title in ("Varmekamera for bygg", "Støymåling langs vei", "Vannkvalitet i innsjøer"):
        cap.title = title
        db.session.commit()
    indexing.apply_pending(index)
    assert ("capability", cap.id) in _ids(index, "vannkvalitet")
    assert ("capability", cap.id) not in _ids(index, "varmekamera")


def test_deleted_and_withdrawn_records_leave_the_index(app, make, index):
    cap = make.capability(title="Smart avfallsinnsamling")
    need = make.need(title="Avfallsinnsamling med sensorer")
    assert _ids(index, "avfallsinnsamling") >= {("capability", cap.id), ("need", need.id)}
    db.session.delete(db.session.get(Capability, cap.id))
    db.session.commit()
    indexing.apply_pending(index)
    assert ("capability", cap.id) not in _ids(index, "avfallsinnsamling")
    assert indexing.verify(index).clean


def test_renaming_an_organisation_refreshes_its_needs(app, make, index):
    body = make.public_body(name="Gamleby kommune")
    need = make.need(body)
    body.name = "Nyby kommune"
    db.session.commit()
    indexing.apply_pending(index)
    report = indexing.verify(index)
    assert report.clean, report
    assert ("need", need.id) in {(h.kind, h.id) for h in index.search(SearchQuery(text="Nyby")).hits}


def test_verify_reports_missing_stale_and_extra(app, make, index):
    need = make.need(title="Klimaregnskap for kommunen")
    cap = make.capability(title="Klimaregnskap som tjeneste")
    index.apply([], [("need", need.id)])
    stale = indexing.capability_document(cap)
    from dataclasses import replace

    index.apply([replace(stale, title="old", fingerprint="old")], [])
    index.apply([replace(stale, id=99999)], [])
    report = indexing.verify(index)
    assert ("need", need.id) in report.missing
    assert ("capability", cap.id) in report.stale
    assert ("capability", 99999) in report.extra
    indexing.reindex(index)
    assert indexing.verify(index).clean


def test_cli_reindex_and_verify_exit_codes(app, make, index):
    make.need(title="Velferdsteknologi")
    runner = app.test_cli_runner()
    index.apply([], [("organisation", o) for o in range(1, 5)])
    result: Result = runner.invoke(args=["index", "verify"])
    assert result.exit_code == 1, result.output
    assert "missing" in result.output
    result = runner.invoke(args=["reindex"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["index", "verify"])
    assert result.exit_code == 0, result.output
    assert "up to date" in result.output


def test_follow_once_applies_pending_events(app, make, index):
    app.config["INDEX_INLINE"] = False
    need = make.need(title="Fjernmonitorering")  # the factory applies; make a change nobody applies
    need.title = "Fjernmonitorering av pasienter"
    db.session.commit()
    assert indexing.pending_count() == 1
    result = app.test_cli_runner().invoke(args=["index", "follow", "--once"])
    assert result.exit_code == 0, result.output
    assert indexing.pending_count() == 0


def test_a_change_committed_during_a_rebuild_is_applied_after_it(app, make, index):
    need = make.need(title="Snørydding med autonome maskiner")

    class ChangingDuringRebuild:
        """The real index; while it rebuilds, someone saves a change in the web process."""

        def __getattr__(self, name):
            return getattr(index, name)

        def rebuild(self, documents):
            documents = list(documents)
            need.title = "Snørydding med droner"
            db.session.commit()
            return index.rebuild(documents)

    indexing.reindex(ChangingDuringRebuild())
    assert indexing.pending_count() == 1
    indexing.apply_pending(index)
    assert ("need", need.id) in _ids(index, "droner")
    assert indexing.verify(index).clean


def test_setup_rebuilds_an_index_that_lost_its_content(app, make, index):
    need = make.need(title="Kollektivtransport på bestilling")
    index.rebuild([])  # the index folder was deleted or replaced
    result = app.test_cli_runner().invoke(args=["setup"])
    assert result.exit_code == 0, result.output
    assert "Rebuilding the search index" in result.output
    assert ("need", need.id) in _ids(index, "kollektivtransport")
