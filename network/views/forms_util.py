"""Small helpers the views share for forms: choices from reference data, errors next to fields."""

from __future__ import annotations

from flask import request
from flask_wtf import FlaskForm

from network import reference
from network.errors import ValidationError


def kommune_choices(blank: bool = True) -> list[tuple[str, str]]:
    choices = [(k.number, f"{k.name} ({k.number})") for k in sorted(reference.kommuner(), key=lambda k: k.name)]
    return ([("", "—")] if blank else []) + choices


def fylke_choices() -> list[tuple[str, str]]:
    return [(f.number, f.name) for f in sorted(reference.fylker(), key=lambda f: f.name)]


def field_error(form: FlaskForm, exc: ValidationError, rename: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError next to the field it is about (or on top of the form)."""
    name = (rename or {}).get(exc.field, exc.field) if exc.field else None
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = [*field.errors, str(exc)]
    else:
        form.form_errors.append(str(exc))


def form_status() -> int:
    """200 for a fresh form; 422 when a submitted form is shown again with its errors."""
    return 422 if request.method == "POST" else 200
