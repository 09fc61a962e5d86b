"""Value rules that needs and capabilities share: titles, codes, places and language."""

from __future__ import annotations

from collections.abc import Iterable

from flask_babel import gettext as _

from network import reference
from network.errors import ValidationError
from network.limits import TITLE_MAX
from network.text import clean, one_line
from search import detect_language

LANGUAGES = ("nb", "nn", "en")


def title(value: str | None, empty_message: str) -> str:
    text = one_line(value)
    if not text:
        raise ValidationError(empty_message, field="title")
    if len(text) > TITLE_MAX:
        raise ValidationError(_("The title can be at most %(n)d characters.", n=TITLE_MAX), field="title")
    return text


def limited_text(value: str | None, limit: int, field: str) -> str:
    """A free text, cleaned, refused past its limit (network/limits.py) whoever sends it: a form, the
    import or a script; an over-long text would only slow the index and every page that shows it."""
    cleaned = clean(value)
    if len(cleaned) > limit:
        raise ValidationError(_("At most %(n)d characters.", n=limit), field=field)
    return cleaned


def cpv_codes(codes: Iterable[str]) -> list[str]:
    """The 8-digit codes, each checked against CPV 2008, duplicates dropped."""
    found = []
    for code in codes:
        normal = reference.normalise_cpv(code)
        if normal is None:
            raise ValidationError(_("Unknown CPV code: %(code)s", code=code), field="cpv")
        found.append(normal)
    return list(dict.fromkeys(found))


def kommuner(numbers: Iterable[str]) -> list[str]:
    numbers = list(numbers)
    for number in numbers:
        if not reference.valid_kommune(number):
            raise ValidationError(_("Unknown municipality number: %(n)s", n=number), field="kommuner")
    return list(dict.fromkeys(numbers))


def fylker(numbers: Iterable[str]) -> list[str]:
    numbers = list(numbers)
    for number in numbers:
        if not reference.valid_fylke(number):
            raise ValidationError(_("Unknown county number: %(n)s", n=number), field="fylker")
    return list(dict.fromkeys(numbers))


def language(value: str | None, text: str) -> str:
    """The given language (nb, nn or en), or the one detected in the text."""
    if value is not None and value not in LANGUAGES:
        raise ValidationError(_("Language must be nb, nn or en."), field="language")
    return value or detect_language(text)
