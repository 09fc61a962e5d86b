"""Default settings; every one can be overridden by a FLASK_-prefixed environment variable."""

from __future__ import annotations

from pathlib import Path


def defaults(instance_path: str) -> dict:
    instance = Path(instance_path)
    return {
        "SECRET_KEY": None,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'behovsborsen.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SEARCH_INDEX_DIR": str(instance / "index"),
        # "file" keeps the index in SEARCH_INDEX_DIR; "memory" is for tests.
        "SEARCH_STORAGE": "file",
        # Apply pending index events in the web process right after each commit. Turn off when
        # several workers run and `flask index follow` does the indexing.
        "INDEX_INLINE": True,
        # Seconds a writer waits for the index lock (held by a rebuild or another writer) before it
        # leaves its events pending; short, since a web request is waiting.
        "INDEX_WRITE_TIMEOUT": 2.0,
        "MAIL_OUTBOX_DIR": str(instance / "outbox"),
        "MAIL_SERVER": None,
        "MAIL_PORT": 25,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_SENDER": "Behovsbørsen <noreply@behovsborsen.no>",
        "BABEL_DEFAULT_LOCALE": "nb",
        "BABEL_DEFAULT_TIMEZONE": "Europe/Oslo",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent / "translations"),
        "LANGUAGES": {"nb": "Norsk bokmål", "en": "English"},
        "INVITATION_DAYS": 14,
        "PER_PAGE": 20,
        "WTF_CSRF_TIME_LIMIT": None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "LOG_LEVEL": "INFO",
        "PASSWORD_HASH_METHOD": "scrypt",
        # Create or migrate the schema on the first request (the web server works on an empty folder).
        "AUTO_MIGRATE": True,
    }
