"""Plain-text hygiene shared by forms, services and the import: what any stored text may contain."""

from __future__ import annotations

import re

# C0 controls (but NUL, removed outright) except tab, line feed and carriage return; DEL and C1.
_CONTROL = re.compile(r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value: str) -> str:
    """Control characters become spaces (a stray cp1252 dash, \x96, sits between two words)."""
    return _CONTROL.sub(" ", value).replace("\x00", "")


def clean(value: str | None) -> str:
    """Stripped, control-free text ('' for None)."""
    return clean_text(value or "").strip()


def one_line(value: str | None) -> str:
    """Text for a single-line field (a name, a title, an address): control-free, and every run of
    white space, line breaks included (CR, LF, U+2028…), is one space. A name goes into mail headers,
    where a line break would end the header."""
    return " ".join(clean_text(str(value or "")).split())
