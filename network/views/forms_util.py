"""Small helpers the views share for forms: choices from reference data, errors next to fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar
from urllib.parse import urlparse

from flask import abort, request, url_for
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice

from network import labels, links, reference
from network.errors import ValidationError

F = TypeVar("F", bound=FlaskForm)
T = TypeVar("T")


def kommune_choices(blank: bool = True) -> list[SelectChoice]:
    choices = [
        SelectChoice(k.number, f"{k.name} ({k.number})")
        for k in sorted(reference.kommuner(), key=lambda k: k.name)
    ]
    return ([SelectChoice("", "—")] if blank else []) + choices


def fylke_choices() -> list[SelectChoice]:
    return [SelectChoice(f.number, f.name) for f in sorted(reference.fylker(), key=lambda f: f.name)]


def stage_choices(stages) -> list[SelectChoice]:
    return [SelectChoice(s.value, labels.stage(s)) for s in stages]


def page_arg(name: str = "page") -> int:
    """A page number from the query string; anything odd (abc, -1, ², 10**100) means page 1."""
    raw = request.args.get(name, "")
    if raw.isascii() and raw.isdecimal() and 0 < len(raw) <= 5 and int(raw) > 0:
        return int(raw)
    return 1


# Record ids are INTEGER columns: 32 bits on PostgreSQL. A larger number is no record, and must not
# reach the database, which refuses it with an error (a 500) instead of finding nothing.
MAX_ID = 2**31 - 1


def parse_id(raw: str | None) -> int | None:
    """A record id from user input, or None when it is not one (not digits, zero, or out of range)."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdecimal() and 0 < len(raw) <= 10):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ID else None


def id_arg(name: str) -> int | None:
    return parse_id(request.args.get(name, ""))


def field_error(form: FlaskForm, exc: ValidationError, rename: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError next to the field it is about (or on top of the form)."""
    name = (rename or {}).get(exc.field, exc.field) if exc.field else None
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


def save_form(form: FlaskForm, save: Callable[[], T]) -> T | None:
    """What save() returns once the form validates; None when it was not submitted, does not validate,
    or the service refused it with a ValidationError (put next to its field)."""
    if not form.validate_on_submit():
        return None
    try:
        return save()
    except ValidationError as exc:
        field_error(form, exc)
        return None


def require_valid(form: F) -> F:
    """The form of a button or a small post from one of our pages: if it does not validate (an expired
    CSRF token, a value no page offers), the request is a bad one (400)."""
    if not form.validate_on_submit():
        abort(400)
    return form


def form_status() -> int:
    """200 for a fresh form; 422 when a submitted form is shown again with its errors."""
    return 422 if request.method == "POST" else 200


def safe_next(target: str | None) -> str:
    """Only local paths: an open redirect would let a link send people to a look-alike site."""
    if target:
        parsed = urlparse(target)
        # Browsers read "/\host" as "//host", another site; a backslash has no place in our paths.
        local = links.is_local_path(target)
        if not parsed.scheme and not parsed.netloc and local:
            return target
    return url_for("main.index")
