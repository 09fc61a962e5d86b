"""What a save costs when the indexer keeps every need's lists: percolation against a full store.

    .venv/bin/python -m bench.speed --size full --keep        # prints its work folder
    .venv/bin/python -m bench.full_store WORKFOLDER 48        # settings from the work folder

`make bench` keeps the lists of the needs its mix views (about 2,000). A site whose indexer has gone
through all 50,000 needs keeps about 100,000. This copies each kept list COPIES-1 more times under
subjects no need has (so they are never read, only percolated against; copies share their terms,
so a record meets more candidate lists than with as many different needs), then times 30 saves of
the mix's kind (bench/worker.py) through the services and prints how many lists each dropped."""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from contextlib import closing
from pathlib import Path

from bench import harness
from bench.metrics import summary
from bench.worker import Changes
from search import READY_LISTS_FILES
from search.match_cache import unpacked_keys

SAVES = 30


def fill(store: Path, copies: int) -> tuple[int, int]:
    """Copy every kept list copies-1 times; returns (lists, key rows) afterwards."""
    with closing(sqlite3.connect(store, isolation_level=None)) as connection:
        rows = connection.execute(
            "SELECT id, subject, kind, size, profile, hits, threshold, reference, filters, structure,"
            " records, keys FROM lists WHERE subject NOT LIKE '%#%'"
        ).fetchall()
        print(f"{len(rows)} lists kept; copying each {copies - 1} times", flush=True)
        connection.execute("BEGIN")
        for list_id, subject, *columns, keys in rows:
            pairs = [
                (key, weight)
                for key in unpacked_keys(keys)
                for (weight,) in connection.execute(
                    "SELECT weight FROM keys WHERE key = ? AND list = ?", (key, list_id)
                )
            ]
            for copy in range(1, copies):
                cursor = connection.execute(
                    "INSERT INTO lists (subject, kind, size, profile, hits, threshold, reference, filters,"
                    " structure, records, keys) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (f"{subject}#{copy}", *columns, keys),
                )
                connection.executemany(
                    "INSERT INTO keys VALUES (?, ?, ?)", ((key, cursor.lastrowid, w) for key, w in pairs)
                )
        connection.execute("COMMIT")
        lists = connection.execute("SELECT count(*) FROM lists").fetchone()[0]
        keys = connection.execute("SELECT count(*) FROM keys").fetchone()[0]
    return lists, keys


def main() -> None:
    workdir, copies = Path(sys.argv[1]), int(sys.argv[2])
    os.environ.update({f"FLASK_{key}": value for key, value in harness.settings(workdir).items()})
    app = harness.make_app(workdir)
    store = Path(app.config["SEARCH_INDEX_DIR"]) / READY_LISTS_FILES[0]
    lists, keys = fill(store, copies)
    print(f"{lists} lists, {keys} key rows, {store.stat().st_size / 2**20:.0f} MB", flush=True)
    with app.app_context():
        index = harness.index(app)
        ready = index._get()._ready
        changes = Changes(index, seed=int(time.time()))
        # Users made by earlier runs over the same folder keep their addresses.
        changes.count = int(time.time() * 1000) % 10**9
        times = []
        for number in range(1, SAVES + 1):
            before = ready.count()
            started = time.perf_counter()
            changes.save()
            times.append((time.perf_counter() - started) * 1000)
            print(f"save {number}: {times[-1]:.0f} ms, {before - ready.count()} lists dropped", flush=True)
        median, p95 = summary(times)
        print(f"save with {lists} kept lists: median {median:.0f} ms, p95 {p95:.0f} ms")


if __name__ == "__main__":
    main()
