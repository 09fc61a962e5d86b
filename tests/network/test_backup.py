"""`flask backup` and `flask restore`: a consistent copy, brought back with a reindex, never by surprise.

Runs on SQLite, and on PostgreSQL (pg_dump/pg_restore) when FLASK_SQLALCHEMY_DATABASE_URI points there.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing

import pytest
import sqlalchemy as sa

from network import indexing
from network.extensions import db
from network.models import Capability, IndexEvent, Need, Organisation, Stage, User
from network.services import backup as backup_service
from search import SearchQuery


def _cli(app, *args):
    db.session.remove()
    result = app.test_cli_runner().invoke(args=list(args))
    db.session.remove()
    return result


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def _found(index, text) -> set[tuple[str, int]]:
    return {(h.kind, h.id) for h in index.search(SearchQuery(text=text, per_page=100)).hits}


@pytest.fixture
def content(make):
    body = make.public_body(name="Elvedal kommune")
    need = make.need(organisation=body, title="Snørydding med autonome maskiner")
    cap = make.capability(title="Autonome brøytemaskiner")
    user = make.user(organisation=body, email="saksbehandler@elvedal.kommune.no")
    return {"body": body.id, "need": need.id, "cap": cap.id, "user": user.id}


def test_backup_and_restore_round_trip(app, index, make, content, tmp_path):
    path = tmp_path / "site.backup"
    result = _cli(app, "backup", str(path))
    assert result.exit_code == 0, result.output
    assert "Wrote" in result.output
    assert path.stat().st_size > 0

    # Life goes on after the backup: a record deleted, one added, one renamed.
    later_id = make.need(title="Gatelys som sparer strøm").id
    with db.engine.begin() as connection:
        # As if a later version's migration had added a table.
        connection.execute(sa.text("CREATE TABLE later_feature (id INTEGER PRIMARY KEY)"))
    db.session.delete(db.session.get(Need, content["need"]))
    db.session.get(Organisation, content["body"]).name = "Nytt navn kommune"
    db.session.commit()
    indexing.apply_pending(index)
    assert ("need", content["need"]) not in _found(index, "snørydding")

    result = _cli(app, "restore", str(path), "--yes")
    assert result.exit_code == 0, result.output
    assert "Rebuilding the search index" in result.output
    assert "Restore complete" in result.output

    # The database is as it was at the backup, the later changes are gone ...
    need = db.session.get(Need, content["need"])
    assert need is not None
    assert need.title == "Snørydding med autonome maskiner"
    assert db.session.get(Need, later_id) is None
    assert db.session.get(Organisation, content["body"]).name == "Elvedal kommune"
    assert db.session.get(User, content["user"]).check_password("correct-horse-battery")
    assert db.session.get(Capability, content["cap"]) is not None
    assert "later_feature" not in sa.inspect(db.engine).get_table_names()
    # ... and the index agrees with it.
    found = _found(index, "snørydding")
    assert ("need", content["need"]) in found
    assert ("need", later_id) not in _found(index, "gatelys")
    assert indexing.verify(index).clean
    result = _cli(app, "index", "verify")
    assert result.exit_code == 0, result.output


def test_restore_refuses_to_replace_content_without_yes(app, make, content, tmp_path):
    path = tmp_path / "site.backup"
    assert _cli(app, "backup", str(path)).exit_code == 0
    extra = make.need(title="Skal ikke forsvinne").id

    result = _cli(app, "restore", str(path))
    assert result.exit_code == 1
    assert "--yes" in result.output
    assert "not empty" in result.output
    assert db.session.get(Need, extra) is not None, "a refused restore must change nothing"


def test_restore_into_an_empty_database_needs_no_confirmation(app, index, content, tmp_path):
    path = tmp_path / "site.backup"
    assert _cli(app, "backup", str(path)).exit_code == 0
    db.session.remove()
    db.drop_all()

    result = _cli(app, "restore", str(path))
    assert result.exit_code == 0, result.output
    assert _count(Need) == 1
    assert ("need", content["need"]) in _found(index, "snørydding")


def test_backup_does_not_overwrite_a_file_without_force(app, content, tmp_path):
    path = tmp_path / "site.backup"
    path.write_text("an older backup")
    result = _cli(app, "backup", str(path))
    assert result.exit_code == 1
    assert "--force" in result.output
    assert path.read_text() == "an older backup"
    result = _cli(app, "backup", str(path), "--force")
    assert result.exit_code == 0, result.output
    assert path.read_bytes() != b"an older backup"


@pytest.mark.parametrize(
    ("data", "message"),
    [(b"", "not a backup"), (b"hello, world\n" * 100, "not a backup"), (None, "no such file")],
)
def test_restore_of_something_else_is_refused_clearly(app, content, tmp_path, data, message):
    path = tmp_path / "not-a-backup"
    if data is not None:
        path.write_bytes(data)
    before = _count(Need)
    result = _cli(app, "restore", str(path), "--yes")
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output
    assert _count(Need) == before


def test_backup_into_a_missing_folder_is_refused_clearly(app, content, tmp_path):
    result = _cli(app, "backup", str(tmp_path / "no" / "such" / "folder" / "site.backup"))
    assert result.exit_code == 1
    assert "does not exist" in result.output


def test_a_sqlite_backup_taken_during_writes_is_consistent(app, make, tmp_path, monkeypatch):
    """Writers keep committing during the backup; the copy is one moment's database: every need in
    it has the index event written in the same transaction."""
    if db.engine.url.get_backend_name() != "sqlite":
        pytest.skip("SQLite's online backup; pg_dump's snapshot is PostgreSQL's own guarantee")
    # A few pages per step, so that writers commit between the steps of one backup.
    monkeypatch.setattr(backup_service, "SQLITE_STEP_PAGES", 8)
    body = make.public_body()
    for n in range(200):
        db.session.add(Need(organisation=body, title=f"Behov {n} " + "tekst " * 200, stage=Stage.OPEN))
    db.session.commit()
    body_id = body.id
    stop = threading.Event()
    written = []

    def writer(app=app):
        with app.app_context():
            n = 0
            while not stop.is_set():
                db.session.add(Need(organisation_id=body_id, title=f"Samtidig {n}", stage=Stage.OPEN))
                db.session.commit()
                written.append(n)
                n += 1
            db.session.remove()

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        path = tmp_path / "busy.backup"
        for _ in range(3):
            path.unlink(missing_ok=True)
            result = _cli(app, "backup", str(path))
            assert result.exit_code == 0, result.output
    finally:
        stop.set()
        thread.join()
    assert written, "the writer should have committed during the backups"
    with sqlite3.connect(path) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        needs = {row[0] for row in copy.execute("SELECT id FROM needs")}
        events = {row[0] for row in copy.execute("SELECT record_id FROM index_events WHERE kind = 'need'")}
    copy.close()
    assert needs <= events
    assert len(needs) >= 200
    assert _count(IndexEvent) >= len(needs)


def test_a_sqlite_copy_that_writes_keep_restarting_finishes_in_one_step(tmp_path, monkeypatch):
    """A write between two steps restarts SQLite's backup; on a site that writes all the time that
    could go on for ever, so after one restart the copy is taken in one step."""
    source, target = tmp_path / "site.db", tmp_path / "copy.db"
    with closing(sqlite3.connect(source)) as connection:
        connection.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, text TEXT)")
        connection.executemany("INSERT INTO notes (text) VALUES (?)", [("x" * 2000,)] * 50)
        connection.commit()
    monkeypatch.setattr(backup_service, "SQLITE_STEP_PAGES", 2)
    lines = []

    def progress(line: str) -> None:
        # Another connection writes after every step: without the fallback the copy never ends.
        lines.append(line)
        if len(lines) < 200:
            with closing(sqlite3.connect(source)) as writer:
                writer.execute("INSERT INTO notes (text) VALUES ('written during the copy')")
                writer.commit()

    backup_service._sqlite_backup(source, target, progress)
    assert "  the database changed during the copy: copying it in one step" in lines
    with closing(sqlite3.connect(target)) as copy:
        copied = copy.execute("SELECT count(*) FROM notes").fetchone()[0]
    assert copied > 50
