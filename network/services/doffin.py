"""Doffin notice references: their form ("2024-123456"), a pasted notice address, and the link."""

from __future__ import annotations

import re

from flask_babel import gettext as _

from network.errors import ValidationError
from network.text import one_line

# Doffin's notice numbers: the year and six digits ("2024-123456").
DOFFIN_REF = re.compile(r"(\d{4}-\d{6})")
DOFFIN_NOTICE_URL = "https://doffin.no/notices/{ref}"
# Pasted whole, a notice's address on doffin.no (with or without www., a language prefix or a query).
_DOFFIN_LINK = re.compile(r"^https?://(?:www\.)?doffin\.no/(?:[a-z]{2}/)?notices/(\d{4}-\d{6})/?(?:[?#].*)?$")


def doffin_url(ref: str | None) -> str | None:
    """The notice's page on doffin.no, for a reference in Doffin's form; None for anything else (an
    older free-text reference is shown as text)."""
    if ref and DOFFIN_REF.fullmatch(ref):
        return DOFFIN_NOTICE_URL.format(ref=ref)
    return None


def parse_ref(value: str | None) -> str | None:
    """A Doffin reference from what was typed or pasted (the number, or the notice's address); None
    when empty. Anything else is refused with what a reference looks like."""
    text = one_line(value)
    if not text:
        return None
    if DOFFIN_REF.fullmatch(text):
        return text
    if link := _DOFFIN_LINK.match(text):
        return link.group(1)
    raise ValidationError(
        _(
            "A Doffin reference is the year and six digits, such as 2026-123456 (or paste the "
            "notice's address)."
        ),
        field="doffin_ref",
    )
