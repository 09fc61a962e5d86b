"""Many clients saving at once under gunicorn with several workers: no request fails on the index lock
or a busy database, no update is lost, and the index ends up clean."""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

import pytest
import sqlalchemy as sa

from network import indexing
from network.extensions import db
from network.models import Capability, Need, Role, Stage
from network.services import matching
from tests.index_files import INDEX_FILE_WARNINGS, collect_index_files  # noqa: F401 (autouse fixture)

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
CLIENTS_PER_KIND = 3
RECORDS_PER_CLIENT = 5


pytestmark = [INDEX_FILE_WARNINGS, pytest.mark.slow]


@pytest.fixture
def app_config(app_config):
    return {**app_config, "SEARCH_STORAGE": "file"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Browser:
    """Just enough of a browser: cookies, form posts, no redirects followed."""

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None) -> tuple[int, str, str]:
        headers = {}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urllib.parse.urlencode(data, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";")[0]
            return response.status, response.headers.get("Location", ""), text
        finally:
            connection.close()

    def token(self, path: str) -> str:
        status, _, text = self.request("GET", path)
        assert status == 200, (path, status, text[:300])
        found = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', text)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def post_form(self, form_path: str, data: dict, action: str | None = None) -> tuple[int, str, str]:
        return self.request("POST", action or form_path, {**data, "csrf_token": self.token(form_path)})

    def login(self, email: str, password: str) -> None:
        status, location, text = self.post_form("/login", {"email": email, "password": password})
        assert status == 302, (status, text[:500])


@pytest.fixture
def server(app, tmp_path):
    """gunicorn with several workers on the test's database and index folder."""
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "FLASK_SECRET_KEY": "test-secret",
        "FLASK_SITE_URL": f"http://127.0.0.1:{port}",
        "FLASK_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "FLASK_SEARCH_INDEX_DIR": app.config["SEARCH_INDEX_DIR"],
        "FLASK_SEARCH_STORAGE": "file",
        "FLASK_AUTO_MIGRATE": "false",
        "FLASK_MAIL_OUTBOX_DIR": str(tmp_path / "outbox"),
        "FLASK_LOG_LEVEL": "WARNING",
    }
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(WORKERS),
            # Processes sharing the index and the database are what is tried here, one request each
            # at a time as before gunicorn.conf.py (read from this folder) made the workers threaded.
            "--worker-class",
            "sync",
            "--threads",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout",
            "120",
            "app:create_app()",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                if Browser(port).request("GET", "/")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start"
            time.sleep(0.2)
        yield {"port": port, "env": env, "log": tmp_path / "gunicorn.log"}
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
        log.close()


def _need_data(title: str) -> dict:
    return {
        "title": title,
        "description": "Sensorer og varsling for hjemmeboende eldre i kommunen.",
        "domain": "health",
        "cpv": "33000000",
        "kommuner": ["0301"],
        "route": "market_dialogue",
    }


def _capability_data(title: str) -> dict:
    return {
        "title": title,
        "description": "Trygghetsalarm og fallsensor for hjemmeboende.",
        "domains": ["health"],
        "cpv": "33100000",
        "fylker": ["03"],
        "maturity": "pilot",
    }


def _body_client(port, email, n, failures):
    browser = Browser(port)
    browser.login(email, "correct-horse-battery")
    for i in range(RECORDS_PER_CLIENT):
        title = f"Behov {n}-{i}"
        status, location, text = browser.post_form("/needs/new", _need_data(title))
        if status != 302:
            failures.append(("create need", status, text[:300]))
            continue
        path = urllib.parse.urlparse(location).path
        status, _, text = browser.post_form(path, {}, action=f"{path}/publish")
        if status != 302:
            failures.append(("publish", status, text[:300]))
        status, _, text = browser.post_form(f"{path}/edit", _need_data(f"{title} endret"))
        if status != 302:
            failures.append(("edit need", status, text[:300]))


def _supplier_client(port, email, n, failures):
    browser = Browser(port)
    browser.login(email, "correct-horse-battery")
    for i in range(RECORDS_PER_CLIENT):
        title = f"Evne {n}-{i}"
        status, location, text = browser.post_form("/capabilities/new", _capability_data(title))
        if status != 302:
            failures.append(("create capability", status, text[:300]))
            continue
        path = urllib.parse.urlparse(location).path
        status, _, text = browser.post_form(f"{path}/edit", _capability_data(f"{title} endret"))
        if status != 302:
            failures.append(("edit capability", status, text[:300]))


def _viewer(port, path, stop, failures, views):
    """Someone reading the need page (its kept match lists) while the others save."""
    browser = Browser(port)
    while not stop.is_set():
        status, _, text = browser.request("GET", path)
        if status != 200:
            failures.append(("view need", status, text[:300]))
        views.append(status)


def _seed(make, body, count: int = 1000) -> None:
    """Enough records that a rebuild takes a while."""
    for n in range(count):
        db.session.add(
            Need(organisation=body, title=f"Eldre behov {n}", description="Tekst " * 40, stage=Stage.OPEN)
        )
    db.session.commit()
    indexing.apply_pending(indexing.get_index())
    db.session.remove()


def _flask(env, *args) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("rebuilding", [False, True], ids=["saves", "saves-during-reindex"])
def test_concurrent_saves_under_gunicorn(app, make, server, rebuilding):
    body = make.public_body(name="Samtidig kommune", kommune="0301")
    supplier = make.supplier(name="Samtidig AS")
    body_emails = [make.user(organisation=body, role=Role.MEMBER).email for _ in range(CLIENTS_PER_KIND)]
    supplier_emails = [make.user(organisation=supplier).email for _ in range(CLIENTS_PER_KIND)]
    # Its page lists every capability the suppliers save (fewer than fill its list).
    watched = make.need(
        body, title="Trygghetsalarm og fallsensor", description="For hjemmeboende eldre.", cpv=["33100000"]
    )
    body_id, supplier_id, watched_id = body.id, supplier.id, watched.id
    db.session.commit()
    db.session.remove()

    failures: list = []
    errors: list = []

    def run(target, *args):
        try:
            target(*args)
        except Exception as exc:  # a thread's assertion must fail the test, not vanish
            errors.append(repr(exc))

    threads = [
        threading.Thread(target=run, args=(_body_client, server["port"], email, n, failures))
        for n, email in enumerate(body_emails)
    ] + [
        threading.Thread(target=run, args=(_supplier_client, server["port"], email, n, failures))
        for n, email in enumerate(supplier_emails)
    ]
    stop = threading.Event()
    rebuilds: list[subprocess.CompletedProcess] = []
    views: list[int] = []
    viewers = [
        threading.Thread(
            target=run, args=(_viewer, server["port"], f"/needs/{watched_id}", stop, failures, views)
        )
        for _ in range(2)
    ]

    def rebuild_meanwhile():
        # An operator's `flask reindex` holds the index lock for the whole rebuild.
        while not stop.is_set():
            rebuilds.append(_flask(server["env"], "reindex"))

    if rebuilding:
        _seed(make, body)
        threads.append(threading.Thread(target=rebuild_meanwhile))
    threads += viewers
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads[: 2 * CLIENTS_PER_KIND]:
        thread.join(timeout=300)
    elapsed = time.monotonic() - started
    stop.set()
    for thread in threads:
        thread.join(timeout=300)
    assert all(r.returncode == 0 for r in rebuilds), [r.stderr[-500:] for r in rebuilds]
    log = server["log"].read_text()
    assert not errors, errors
    assert not failures, failures
    assert "Traceback" not in log, log[-3000:]
    assert "database is locked" not in log, log[-3000:]

    # No update lost: every record was created, published and carries its last title.
    needs = db.session.scalars(
        sa.select(Need).where(
            Need.organisation_id == body_id, Need.title.not_like("Eldre behov%"), Need.id != watched_id
        )
    ).all()
    expected = {f"Behov {n}-{i} endret" for n in range(CLIENTS_PER_KIND) for i in range(RECORDS_PER_CLIENT)}
    assert {need.title for need in needs} == expected
    assert all(need.stage == Stage.OPEN for need in needs)
    caps = db.session.scalars(sa.select(Capability).where(Capability.organisation_id == supplier_id)).all()
    expected = {f"Evne {n}-{i} endret" for n in range(CLIENTS_PER_KIND) for i in range(RECORDS_PER_CLIENT)}
    assert {cap.title for cap in caps} == expected

    # Whatever a worker could not index at once (index lock busy) is pending, not lost.
    follow = _flask(server["env"], "index", "follow", "--once")
    assert follow.returncode == 0, follow.stderr
    verify = _flask(server["env"], "index", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    db.session.remove()
    index = indexing.get_index(app)
    assert indexing.verify(index).clean

    # The list the viewers' workers kept while saves and rebuilds went on is the list computed afresh.
    watched = db.session.get(Need, watched_id)
    kept_before = ("need", watched_id) in index.kept_subjects("capability", 10 * matching.SUPPLIER_HITS)
    kept = matching.suppliers_for_need(watched, index)
    fresh = matching.suppliers_for_need(watched, index, use_cache=False)
    assert [{c.id for c in m.capabilities} for m in kept] == [{c.id for c in m.capabilities} for m in fresh]
    assert {c.id for m in fresh for c in m.capabilities} == {c.id for c in caps}
    postponed = log.count("index update postponed")
    print(
        f"{len(threads)} clients, {WORKERS} workers: saves took {elapsed:.1f} s; "
        f"{postponed} index updates postponed; {len(rebuilds)} rebuilds meanwhile; "
        f"{len(views)} page views; the page's list was kept at the end: {kept_before}"
    )
