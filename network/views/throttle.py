"""Request rate limits per client address for the API, search and starting coordination groups.

Where the counts live, and why: in the worker's memory, one fixed window per (limit, address). The
sign-in limits keep database rows (AuthAttempt) because they must hold across workers and restarts
against someone guessing passwords; these limits only keep one address from hogging the index and the
database, where a write per API or search request would cost more than the request itself. So the
effective limit is per worker: with N gunicorn workers an address gets up to N × the setting. Set the
settings with that in mind (gunicorn.conf.py says how many workers run). The durable limit on groups
is the per-user daily count in services/coordination (GROUPS_PER_DAY), which reads the database.
"""

from __future__ import annotations

import math
import threading
import time

from flask import current_app
from flask_babel import gettext as _

from network.services.security import RateLimitedError
from network.views.auth import client_address

# Beyond this many (limit, address, window) counters, the ones of past windows are dropped.
_PRUNE_AT = 10_000


class Throttle:
    """Fixed-window counters: at most `limit` hits per `seconds` for each (name, address)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str, int], int] = {}

    def hit(self, name: str, address: str, limit: int, seconds: int, now: float) -> int | None:
        """Count a hit; None when it is within the limit, else the seconds until the window ends."""
        window = int(now // seconds)
        key = (name, address, window)
        with self._lock:
            if len(self._counts) > _PRUNE_AT:
                self._counts = {k: v for k, v in self._counts.items() if k[2] >= window}
            count = self._counts.get(key, 0) + 1
            self._counts[key] = count
        if count <= limit:
            return None
        return max(1, math.ceil((window + 1) * seconds - now))


def _clock() -> float:
    return time.time()


def _throttle() -> Throttle:
    return current_app.extensions.setdefault("throttle", Throttle())


def check(name: str, message: str) -> None:
    """Count this request against the setting `<NAME>_LIMIT` per `<NAME>_LIMIT_SECONDS`; past it,
    RateLimitedError (429 with Retry-After, JSON under /api/)."""
    config = current_app.config
    limit, seconds = int(config[f"{name}_LIMIT"]), int(config[f"{name}_LIMIT_SECONDS"])
    retry_after = _throttle().hit(name, client_address(), limit, seconds, _clock())
    if retry_after is not None:
        raise RateLimitedError(message, retry_after)


def check_api() -> None:
    check("API", _("Too many requests to the API from your address. Wait a minute and try again."))


def check_search() -> None:
    check(
        "SEARCH",
        _("You have searched very often in a short time. Wait a minute, then search again."),
    )


def check_groups() -> None:
    check(
        "GROUP",
        _("Too many coordination groups started from your address. Wait a while and try again."),
    )
