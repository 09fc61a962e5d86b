"""The site as the benchmarks drive it: an app over a work folder, the import command, the matcher calls.

Everything lives in the work folder (database, index, outbox), never in instance/. The matcher is
called through its public service functions, so the figures are what a page or the API would see."""

from __future__ import annotations

import inspect
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import sqlalchemy as sa

from app import create_app
from network.extensions import db
from network.indexing import get_index
from network.services import matching

ROOT = Path(__file__).resolve().parent.parent


def settings(workdir: Path) -> dict[str, str]:
    return {
        "SECRET_KEY": "bench-only-secret",
        "SITE_URL": "http://localhost",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{workdir / 'site.db'}",
        "SEARCH_INDEX_DIR": str(workdir / "index"),
        "MAIL_OUTBOX_DIR": str(workdir / "outbox"),
        "LOG_LEVEL": "WARNING",
    }


def make_app(workdir: Path):
    return create_app(settings(workdir))


def environment(workdir: Path) -> dict[str, str]:
    """The process environment for a `flask` command over the work folder."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLASK_")}
    env.update({f"FLASK_{key}": value for key, value in settings(workdir).items()})
    return env


def run_module(
    workdir: Path, args: list[str], echo: Callable[[str], None] = print, prefix: str = ""
) -> float:
    """Run `python -m ARGS` in the repository with the work folder's settings, echoing its output
    line by line (progress); returns the wall time. A failure stops the benchmark."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        env=environment(workdir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        echo(f"    {prefix}{line.rstrip()}")
    if process.wait() != 0:
        raise SystemExit(f"{' '.join(args)} failed with exit code {process.returncode}")
    return time.perf_counter() - started


def run_import(workdir: Path, path: Path, echo: Callable[[str], None] = print) -> float:
    """`flask --app app import FILE` as a subprocess over the work folder; returns its wall time."""
    return run_module(workdir, ["flask", "--app", "app", "import", str(path)], echo, prefix="import: ")


def ids_by_key(model) -> dict[str, int]:
    return dict(db.session.execute(sa.select(model.key, model.id).where(model.key.is_not(None))).all())


def index(app):
    return get_index(app)


def _accepts(function, name: str) -> bool:
    return name in inspect.signature(function).parameters


def supplier_list(need, idx, limit: int = 10, cached: bool = True):
    """The need page's supplier list; cached=False computes it from scratch (no match cache)."""
    if not cached:
        if _accepts(matching.suppliers_for_need, "use_cache"):
            return matching.suppliers_for_need(need, idx, limit=limit, use_cache=False)
        clear = getattr(matching, "clear_match_cache", None)
        if clear is not None:
            clear(idx)
    return matching.suppliers_for_need(need, idx, limit=limit)


def count_computed(idx) -> Callable[[], int]:
    """A counter of the match lists the index computes instead of reading kept ones (the WhooshIndex
    behind the app's lazy handle, whose `_match` does the computing)."""
    real = idx._get() if hasattr(idx, "_get") else idx
    counter = [0]
    original = real._match

    def counted(*args, **kwargs):
        counter[0] += 1
        return original(*args, **kwargs)

    real._match = counted
    return lambda: counter[0]


def peer_list(need, idx, limit: int = 10):
    return matching.peers_for_need(need, idx, limit=limit)


def suggest_cpv(text: str, limit: int = 10) -> list[tuple[str, float]]:
    return matching.suggest_cpv(text, limit=limit)
