"""The indexer killed with SIGKILL while it applies events: after a restart every record is searchable
once, nothing is duplicated, and `flask index verify` is clean."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from network import indexing
from network.extensions import db
from network.models import Capability, Need, Stage
from search import SearchQuery
from tests.index_files import INDEX_FILE_WARNINGS, collect_index_files  # noqa: F401 (autouse fixture)

ROOT = Path(__file__).resolve().parents[2]


pytestmark = [INDEX_FILE_WARNINGS, pytest.mark.slow]


# An indexer that says where it is: "begin" before each index commit, "committed" after it, and then
# waits a little before the database records its position: the window a crash is most likely to hit.
INDEXER = """
import sys, time
from app import create_app
from network import indexing

app = create_app()
with app.app_context():
    real = indexing.get_index(app)

    class Talking:
        def __getattr__(self, name):
            return getattr(real, name)

        def apply(self, upserts, deletes):
            print("begin", flush=True)
            real.apply(upserts, deletes)
            print("committed", flush=True)
            time.sleep(float(sys.argv[2]))

    indexing.apply_pending(Talking(), batch=int(sys.argv[1]))
    print("done", flush=True)
"""

WORDS = ("kilo", "brage", "torden", "saltvann", "myr", "fjell", "skog", "elv", "sjø", "bre")


def _word(n: int) -> str:
    """A made-up word per record, so each can be searched for alone."""
    return "zq" + "".join("bdfgklmnpr"[int(d)] for d in str(n)) + "ux"


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SEARCH_STORAGE": "file", "INDEX_INLINE": False}


@pytest.fixture
def env(app):
    return {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FLASK_SECRET_KEY": "test-secret",
        "FLASK_SITE_URL": "http://localhost",
        "FLASK_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "FLASK_SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
        "FLASK_SEARCH_STORAGE": "file",
        "FLASK_INDEX_INLINE": "false",
        "FLASK_AUTO_MIGRATE": "false",
        "FLASK_LOG_LEVEL": "WARNING",
    }


def _write(make, needs: int, capabilities: int, start: int = 0) -> None:
    """Records committed without indexing: their events wait for the indexer."""
    body = make.public_body()
    supplier = make.supplier()
    for n in range(start, start + needs):
        db.session.add(
            Need(organisation=body, title=f"Behov {_word(n)}", description=WORDS[n % 10], stage=Stage.OPEN)
        )
        if n % 25 == 0:
            db.session.commit()
    for n in range(start, start + capabilities):
        db.session.add(Capability(organisation=supplier, title=f"Evne {_word(n)}", description=WORDS[n % 10]))
    db.session.commit()


def _kill_after(env, marker: str, times: int, batch: int = 10, pause: float = 0.3) -> int:
    """Run the indexer and SIGKILL it the `times`-th time it prints `marker`; returns the lines seen."""
    process = subprocess.Popen(
        [sys.executable, "-c", INDEXER, str(batch), str(pause)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    seen = 0
    try:
        deadline = time.monotonic() + 120
        for line in process.stdout:
            if line.strip() == marker:
                seen += 1
                if seen == times:
                    process.send_signal(signal.SIGKILL)
                    break
            assert line.strip() != "done", "the indexer finished before it could be killed"
            assert time.monotonic() < deadline, "the indexer is stuck"
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=30)
        process.stdout.close()
    assert process.returncode == -signal.SIGKILL
    return seen


def _flask(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_the_indexer_killed_mid_batch_loses_and_duplicates_nothing(app, make, env):
    _write(make, needs=240, capabilities=60)
    total_events = indexing.pending_count()

    # 1. Killed after the index committed a batch but before the database recorded it.
    _kill_after(env, "committed", times=3)
    db.session.remove()
    assert 0 < indexing.pending_count() < total_events, "killed in the middle: some applied, some not"

    # 2. More changes meanwhile, then killed while a batch is being written to the index.
    for need in db.session.scalars(sa.select(Need).order_by(Need.id).limit(30)):
        need.title = need.title.replace("Behov", "Endret behov")
    for cap in db.session.scalars(sa.select(Capability).order_by(Capability.id).limit(10)):
        db.session.delete(cap)
    db.session.commit()
    _write(make, needs=40, capabilities=10, start=1000)
    _kill_after(env, "begin", times=2)

    # 3. Killed again at once after a restart (the stale lock of the dead writer must not block it).
    _kill_after(env, "committed", times=1)

    # The restarted indexer finishes the work.
    finished = _flask(env, "index", "follow", "--once")
    assert finished.returncode == 0, finished.stderr
    status = _flask(env, "index", "status")
    assert status.stdout.startswith("0 index event(s) pending"), status.stdout
    verify = _flask(env, "index", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "Index is up to date" in verify.stdout

    db.session.remove()
    index = indexing.get_index(app)
    needs = db.session.scalars(sa.select(Need)).all()
    capabilities = db.session.scalars(sa.select(Capability)).all()
    # Nothing duplicated: the index holds exactly one document per record.
    for kind, rows in (("need", needs), ("capability", capabilities)):
        result = index.search(SearchQuery(kinds=(kind,), per_page=1))
        assert result.total == len(rows), f"{kind}: {result.total} documents for {len(rows)} records"
    # Every record can be found by its own word, once; renamed ones by their new title.
    for kind, rows in (("need", needs), ("capability", capabilities)):
        for record in rows:
            word = record.title.split()[-1]
            hits = index.search(SearchQuery(text=word, kinds=(kind,), per_page=10)).hits
            assert [(h.kind, h.id) for h in hits] == [(kind, record.id)], (word, hits)
    renamed = index.search(SearchQuery(text="endret", kinds=("need",), per_page=100))
    assert renamed.total == 30
