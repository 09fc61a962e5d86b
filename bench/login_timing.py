"""How long a wrong password takes for an address that has an account and for one that has none, with
the production hash method (scrypt): the two must not be told apart (within 10 ms of each other).

    python -m bench.login_timing [--tries 50]

Runs the whole login request through the app (a fresh SQLite database in a temporary folder), the
two kinds of attempt taking turns so that a busy machine slows both alike; prints the medians."""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from app import create_app
from network.extensions import db
from network.models import User

PASSWORD = "correct-horse-battery"


def measure(tries: int) -> tuple[list[float], list[float]]:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SITE_URL": "http://localhost",
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'bench.db'}",
                "SEARCH_STORAGE": "memory",
                "SEARCH_INDEX_DIR": str(Path(folder) / "index"),
                "MAIL_OUTBOX_DIR": str(Path(folder) / "outbox"),
                "AUTO_MIGRATE": False,
                "WTF_CSRF_ENABLED": False,
                "PASSWORD_HASH_METHOD": "scrypt",
                # Measure the password check itself, not the locks that would stop the guessing.
                "LOGIN_LIMIT": 10**6,
                "ACCOUNT_LOCK_FAILURES": 10**6,
            }
        )
        client = app.test_client()
        with app.app_context():
            db.create_all()
            user = User(email="known@example.no", name="Known")
            user.set_password(PASSWORD)
            db.session.add(user)
            db.session.commit()
            known, unknown = [], []
            for n in range(tries):
                for email, times in (("known@example.no", known), (f"unknown{n}@example.no", unknown)):
                    started = time.perf_counter()
                    response = client.post("/login", data={"email": email, "password": "wrong-password-1"})
                    times.append(time.perf_counter() - started)
                    assert response.status_code == 422, response.status_code
            db.session.remove()
            db.engine.dispose()
    return known, unknown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--tries", type=int, default=50)
    args = parser.parse_args()
    known, unknown = measure(args.tries)
    known_ms, unknown_ms = statistics.median(known) * 1000, statistics.median(unknown) * 1000
    print(f"wrong password, known address:   median {known_ms:6.1f} ms over {len(known)} tries")
    print(f"wrong password, unknown address: median {unknown_ms:6.1f} ms over {len(unknown)} tries")
    print(f"difference: {abs(known_ms - unknown_ms):.1f} ms")


if __name__ == "__main__":
    main()
