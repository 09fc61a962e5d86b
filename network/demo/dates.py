"""Dates for demo records: spread over the year before the load date, the same for a record every time."""

from __future__ import annotations

from datetime import date, timedelta

from network.demo.notices import bucket

# How many days before the load date a need was published, by where it has got to: a need that is
# tendered or awarded was published longer ago than one still open for dialogue. The curated needs
# (the ones a visitor meets first) are newer than all of these; see CURATED_DAYS.
DAYS_BY_STAGE = {
    "open": (70, 240),
    "dialogue_closed": (120, 300),
    "tendered": (180, 340),
    "awarded": (240, 365),
    "cancelled": (150, 330),
}
# The n-th curated need of a domain was published about 3 × n days ago: 1 to 62 days for 20 needs.
CURATED_STEP = 3
# No demo organisation is older than this (about 13 months).
OLDEST = 395


def days_between(key: str, low: int, high: int) -> int:
    """A whole number of days in [low, high], fixed by the key."""
    return low + bucket(key, high - low + 1)


def stage_days(key: str, stage: str) -> int:
    low, high = DAYS_BY_STAGE.get(stage, DAYS_BY_STAGE["open"])
    return days_between(key, low, high)


def curated_days(key: str, position: int) -> int:
    """Days before the load date for the curated need at this position (0 = newest) of its domain."""
    return 1 + CURATED_STEP * position + bucket(f"{key}:day", CURATED_STEP)


def registered_days(key: str, oldest_record_days: int, spread: int = 90) -> int:
    """An organisation registers before its oldest need or capability, but no longer ago than OLDEST."""
    return min(OLDEST, oldest_record_days + 7 + bucket(f"{key}:registered", spread))


def moment(today: date, days: int, key: str) -> str:
    """An ISO date and time `days` before `today`, during office hours (UTC): never in the future."""
    if days < 1:
        raise ValueError("a demo record is dated at least one day before it is loaded")
    day = today - timedelta(days=days)
    minutes = 7 * 60 + bucket(f"{key}:time", 9 * 60)
    return f"{day.isoformat()}T{minutes // 60:02d}:{minutes % 60:02d}:00"


def deadline(today: date, days_ahead: int) -> str:
    return (today + timedelta(days=days_ahead)).isoformat()
