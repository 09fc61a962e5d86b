"""gunicorn.conf.py as gunicorn reads it: threaded workers with limits, and a server started with it
answers a visitor at once while idle connections are open."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from gunicorn.app.base import Application
from gunicorn.config import Config

ROOT = Path(__file__).resolve().parents[1]
CONF = ROOT / "gunicorn.conf.py"


class ConfigReader(Application):
    """gunicorn's own reading of a config file, without its command line or an app to load."""

    def __init__(self):
        self.cfg = Config()

    def init(self, parser, opts, args):
        return None

    def load(self):
        return None


def read_config(monkeypatch, **env) -> Config:
    for name in ("GUNICORN_BIND", "GUNICORN_WORKERS", "GUNICORN_THREADS", "GUNICORN_ACCESS_LOG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    reader = ConfigReader()
    reader.load_config_from_file(str(CONF))
    return reader.cfg


def test_the_workers_are_threaded_and_the_limits_set(monkeypatch):
    cfg = read_config(monkeypatch)

    assert cfg.worker_class_str == "gthread"
    assert cfg.threads >= 4
    assert 2 <= cfg.workers <= 4
    assert 0 < cfg.keepalive <= 10
    assert 0 < cfg.timeout <= 120
    assert 0 < cfg.graceful_timeout <= cfg.timeout
    assert 0 < cfg.limit_request_line <= 8190
    assert 0 < cfg.limit_request_fields <= 100
    assert 0 < cfg.limit_request_field_size <= 8190


def test_bind_workers_and_threads_come_from_the_environment(monkeypatch):
    cfg = read_config(monkeypatch, GUNICORN_BIND="0.0.0.0:8080", GUNICORN_WORKERS="3", GUNICORN_THREADS="16")

    assert cfg.bind == ["0.0.0.0:8080"]
    assert (cfg.workers, cfg.threads) == (3, 16)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str, timeout: float = 10) -> tuple[int, float]:
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path)
        status = connection.getresponse().status
    finally:
        connection.close()
    return status, time.monotonic() - started


@pytest.mark.slow
def test_a_visitor_is_answered_at_once_while_idle_connections_are_open(tmp_path):
    """One worker, as a small server would run: two clients that connect and send nothing must not
    hold the next visitor up (a sync worker made them wait for its 30-second timeout)."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("FLASK_", "GUNICORN_"))}
    env.update(
        PYTHONPATH=str(ROOT),
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="1",
        GUNICORN_ACCESS_LOG="none",
        # Production, as a server runs it: no FLASK_ENV, and the site's address set.
        FLASK_SITE_URL=f"http://127.0.0.1:{port}",
        FLASK_SECRET_KEY="test-secret",
        FLASK_SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'site.db'}",
        FLASK_SEARCH_INDEX_DIR=str(tmp_path / "index"),
        FLASK_MAIL_OUTBOX_DIR=str(tmp_path / "outbox"),
        FLASK_LOG_LEVEL="WARNING",
    )
    log_path = tmp_path / "gunicorn.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(CONF), "app:create_app()"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    idle = []
    try:
        deadline = time.monotonic() + 60
        while True:
            assert process.poll() is None, log_path.read_text()
            try:
                # The first page also creates the schema of the new instance.
                if _get(port, "/", timeout=30)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not start:\n" + log_path.read_text()
            time.sleep(0.2)

        for _ in range(2):
            sock = socket.create_connection(("127.0.0.1", port))
            idle.append(sock)
        # One idle client has sent half a request head and stalls.
        idle[1].sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        time.sleep(0.3)

        status, seconds = _get(port, "/about")

        assert status == 200
        assert seconds < 2, f"answered after {seconds:.1f} s"
        assert _get(port, "/healthz")[0] == 200
    finally:
        for sock in idle:
            sock.close()
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=30)
