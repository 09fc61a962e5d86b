"""Default settings; every one can be overridden by a FLASK_-prefixed environment variable."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from search import CONFIDENT


def is_development(config) -> bool:
    """The one switch for a developer's machine (FLASK_ENV=development, set by `make run`): it alone
    relaxes Secure cookies, the trusted-host check and the need for SITE_URL. Anything else is
    production."""
    return str(config.get("ENV") or "production").lower() == "development"


def site_url_problem(config) -> str | None:
    """Why the app must not start with this SITE_URL, or None. Production needs it: links in mails and
    in the API come from it alone, never from the Host header a client sends."""
    url = config.get("SITE_URL")
    if not url:
        if is_development(config) or config.get("TESTING"):
            return None
        return (
            "SITE_URL is not set. Set FLASK_SITE_URL to the site's public address (e.g. "
            "https://behovsborsen.no): links in e-mails and the API are built from it. On a developer's "
            "machine set FLASK_ENV=development instead (make run does)."
        )
    parts = urlsplit(str(url))
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        return f"SITE_URL {url!r} is not an address such as https://behovsborsen.no (FLASK_SITE_URL)."
    return None


def trusted_hosts(config) -> list[str]:
    """The host names a request may name: SITE_URL's and TRUSTED_HOSTS (a list, or comma-separated
    from FLASK_TRUSTED_HOSTS; ".example.no" admits every subdomain)."""
    extra = config.get("TRUSTED_HOSTS") or []
    if isinstance(extra, str):
        extra = extra.split(",")
    hosts = [str(host).strip().lower() for host in extra if str(host).strip()]
    site = urlsplit(str(config.get("SITE_URL") or "")).hostname
    return ([site] if site else []) + hosts


def defaults(instance_path: str) -> dict:
    instance = Path(instance_path)
    return {
        # "development" on a developer's machine; see is_development.
        "ENV": "production",
        # The site's public address (https://behovsborsen.no): every absolute link comes from it, and
        # production refuses to start without it (site_url_problem).
        "SITE_URL": None,
        # Host names besides SITE_URL's that requests may name (a list; comma-separated in
        # FLASK_TRUSTED_HOSTS; ".example.no" admits its subdomains). Any other Host is answered 400,
        # except /healthz and /readyz. Flask's name, but the site checks it (views/security.py).
        "TRUSTED_HOSTS": [],
        # The largest request body accepted, in bytes; a larger one is answered 413 before it is read.
        # The largest form (a need: 40,000 characters of text) is well under 1 MB even percent-encoded;
        # The only larger bodies are attachment uploads, which get ATTACHMENT_MAX_BYTES plus a little on
        # their own routes alone (views/attachments.py), so no other form can tie up a worker longer.
        "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
        # The largest attachment (a PDF or an office file on a need, an answer or a meeting), in bytes:
        # tender documents, drawings and slide decks fit; a video does not belong here.
        "ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
        # Attachments one need, answer or meeting may hold: enough for a document set, and a bound on
        # how much disk one body can fill (ATTACHMENTS_PER_RECORD × ATTACHMENT_MAX_BYTES).
        "ATTACHMENTS_PER_RECORD": 20,
        # Where attachments are stored, outside static/ so nothing serves them but the download route
        # (which checks who may see them). Back it up with the database (flask backup copies it too).
        "UPLOAD_FOLDER": str(instance / "attachments"),
        # Flask's limits on multipart forms: bytes of one text part kept in memory, and number of parts.
        "MAX_FORM_MEMORY_SIZE": 500_000,
        "MAX_FORM_PARTS": 1000,
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
        "LANGUAGES": {"nb": "Norsk bokmål", "nn": "Norsk nynorsk", "en": "English"},
        "INVITATION_DAYS": 14,
        # One-to-one dialogue slots (services/dialogue/slots.py): slots one need may offer in all, and
        # the longest slot in minutes; a longer talk with one supplier is a meeting, not a slot.
        "DIALOGUE_SLOTS_PER_NEED": 60,
        "DIALOGUE_SLOT_MAX_MINUTES": 240,
        # Days a request to join an organisation (someone who registered with a number already taken)
        # waits for its administrators; after that it is deleted, with the password hash it holds.
        "JOIN_REQUEST_DAYS": 14,
        # Hours a link to confirm a new e-mail address works (once).
        "EMAIL_CHANGE_HOURS": 24,
        # Changes of e-mail address one account may ask for in an hour: each sends two mails, one of them
        # to an address the user chose, so the form must not become a way to flood someone's inbox.
        "EMAIL_CHANGE_PER_HOUR": 5,
        # Security events a page on /account lists.
        "ACCOUNT_EVENTS_PER_PAGE": 20,
        "PER_PAGE": 20,
        # Seconds a form's CSRF token stays valid; None means as long as a session may last
        # (SESSION_ABSOLUTE_HOURS). A form sent with an expired token comes back filled in, to send again.
        "WTF_CSRF_TIME_LIMIT": None,
        # A signed-in session ends after this many minutes without a request...
        "SESSION_IDLE_MINUTES": 120,
        # ... and this many hours after sign-in, however active.
        "SESSION_ABSOLUTE_HOURS": 12,
        # A session's "last seen" is written at most this often (not on every request).
        "SESSION_TOUCH_SECONDS": 60,
        # Ended sessions are deleted this many days after they ended (at the next sign-in).
        "SESSION_KEEP_DAYS": 7,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # None: Secure (and named __Host-session) everywhere but on a developer's machine
        # (is_development), where it is Secure only on requests that came over HTTPS.
        "SESSION_COOKIE_SECURE": None,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # Nothing sets a remember-me cookie; and one would not sign anyone in without a live session.
        "REMEMBER_COOKIE_SECURE": None,
        # How many reverse proxies in front of the site set X-Forwarded-For/-Proto. 0 trusts none, so
        # the client address of the rate limits is REMOTE_ADDR and cannot be forged with a header.
        "TRUSTED_PROXIES": 0,
        # Strict-Transport-Security max-age, sent on HTTPS responses only.
        "HSTS_SECONDS": 31536000,
        # Failed logins from one client address within LOGIN_LIMIT_SECONDS before answers are 429.
        "LOGIN_LIMIT": 10,
        "LOGIN_LIMIT_SECONDS": 60,
        # Failed logins for one account (from any address) that lock it for ACCOUNT_LOCK_MINUTES.
        "ACCOUNT_LOCK_FAILURES": 8,
        "ACCOUNT_LOCK_MINUTES": 15,
        # Device cookies (services/devices.py): a browser that signed in to an account carries a signed
        # token naming it for this many days, and the account lock above does not apply to it...
        "DEVICE_COOKIE_DAYS": 180,
        # ...only its own failures count, and this many within ACCOUNT_LOCK_MINUTES lock that cookie alone.
        "DEVICE_LOCK_FAILURES": 8,
        # Accounts one browser keeps device cookies for (a shared computer at an office), newest first.
        "DEVICE_COOKIE_ACCOUNTS": 5,
        # Seconds between the right password and the two-factor code before the sign-in starts over.
        "TWO_FACTOR_LOGIN_SECONDS": 300,
        # One-time recovery codes given when two-factor sign-in is turned on (or the codes renewed).
        "RECOVERY_CODES": 10,
        "REGISTER_LIMIT": 10,
        "REGISTER_LIMIT_SECONDS": 3600,
        "RESET_LIMIT": 5,
        "RESET_LIMIT_SECONDS": 900,
        "RESET_PER_ACCOUNT_PER_HOUR": 3,
        "PASSWORD_RESET_MINUTES": 60,
        # Requests from one client address per window before answers are 429 (views/throttle.py). The
        # counts are kept in each worker's memory, so the effective limit is the setting × workers.
        "API_LIMIT": 300,
        "API_LIMIT_SECONDS": 60,
        "SEARCH_LIMIT": 60,
        "SEARCH_LIMIT_SECONDS": 60,
        # Group starts and invitations (POSTs) from one address per window.
        "GROUP_LIMIT": 30,
        "GROUP_LIMIT_SECONDS": 3600,
        # Coordination groups one user may start in 24 hours (counted in the database).
        "GROUPS_PER_DAY": 10,
        "AUDIT_PER_PAGE": 50,
        # Reports one user may send in 24 hours (services/moderation): enough for an honest reader,
        # too few to flood the site administrators' queue.
        "REPORTS_PER_DAY": 20,
        # The confidence a match needs to be listed (search/confidence.py says what it means).
        "MATCH_CONFIDENCE": CONFIDENT,
        # Seconds a save may spend checking new strong matches for notices (services/match_notices.py).
        "MATCH_ALERT_SECONDS": 0.3,
        # `flask import`: the largest file (bytes) and line (characters) it reads. A line holds one
        # record, whose texts are limited (network/limits.py); a longer one is refused unparsed.
        "IMPORT_MAX_BYTES": 256 * 1024 * 1024,
        "IMPORT_MAX_LINE": 200_000,
        # The version of the terms of use (templates/legal/terms_*.html) a new user accepts; stored on
        # the user with the time. Change it (a date) when the terms change.
        "TERMS_VERSION": "2026-12-01",
        "LOG_LEVEL": "INFO",
        "PASSWORD_HASH_METHOD": "scrypt",
        # Create or migrate the schema on the first request (the web server works on an empty folder).
        "AUTO_MIGRATE": True,
    }
