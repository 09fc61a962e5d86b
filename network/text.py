"""Plain-text hygiene shared by forms, services and the import: what any stored text may contain."""

from __future__ import annotations

import re

# C0 controls except tab, line feed and carriage return; DEL and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def clean_text(value: str) -> str:
    return _CONTROL.sub("", value)


def clean(value: str | None) -> str:
    """Stripped, control-free text ('' for None)."""
    return clean_text(value or "").strip()
