"""One date and one date-time format per language, in Europe/Oslo: every page, mail and service uses these."""

from __future__ import annotations

from datetime import date, datetime

from flask_babel import format_date, format_datetime, format_time, get_locale

# Written out as people write them in running text: "3. desember 2026", "3. desember 2026, 08:00";
# English "3 December 2026", "3 December 2026, 08:00". A 24-hour clock in every language (no AM/PM),
# the month by name (no "12/3/26" that reads as March in Norway and December in the US). A date-time
# is the date, a comma and the time, so a template that writes `date, time` gives the same text.
DATE_PATTERNS = {"nb": "d. MMMM y", "nn": "d. MMMM y", "en": "d MMMM y"}
TIME_PATTERN = "HH:mm"
DATETIME_PATTERNS = {language: f"{pattern}, {TIME_PATTERN}" for language, pattern in DATE_PATTERNS.items()}


def _language() -> str:
    language = str(get_locale() or "nb")
    return language if language in DATE_PATTERNS else "nb"


def date_text(value: date | datetime | None, _format: str | None = None) -> str:
    """The date (of a stored UTC time: its date in Oslo). `_format` is ignored: one format for all."""
    if value is None:
        return ""
    return format_date(value, DATE_PATTERNS[_language()])


def datetime_text(value: datetime | None, _format: str | None = None) -> str:
    """A stored (UTC) time as its date and time of day in Oslo."""
    if value is None:
        return ""
    if not isinstance(value, datetime):
        return date_text(value)
    return format_datetime(value, DATETIME_PATTERNS[_language()])


def time_text(value: datetime | None, _format: str | None = None) -> str:
    """A stored (UTC) time's time of day in Oslo, 24-hour clock."""
    if value is None:
        return ""
    return format_time(value, TIME_PATTERN)


def register_filters(jinja_env) -> None:
    """Replace Flask-Babel's filters of the same names, so a template cannot pick another format."""
    jinja_env.filters["dateformat"] = date_text
    jinja_env.filters["datetimeformat"] = datetime_text
    jinja_env.filters["timeformat"] = time_text
