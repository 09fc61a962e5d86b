"""Guesses whether a text is bokmål ("nb"), nynorsk ("nn") or English ("en") from marker words."""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words frequent in one written form and rare or absent in the other two. Words shared by two of them
# ("i", "for", "de" …) are left out or put only where they mark the language most.
NYNORSK = _words(
    """ikkje eg me korleis kva kvar kven kvifor frå berre dei dykk vere vore verte vart òg ein eit eitt
    noko nokon nokre mykje sjølv saman heile fleire desse hjå ho medan sidan difor høyrer tenester
    teneste skulen heilt"""
)
BOKMAL = _words(
    """ikke jeg hvordan hva hvor hvem hvorfor fra bare vi de dere være vært blir også en et noe noen
    mye selv sammen hele flere disse hos hun mens siden derfor hører tjenester tjeneste skolen helt"""
)
ENGLISH = _words(
    """the and of to is are was were be been being with that this these those which who what how why
    we our you your they their it its from by an will would should can could has have had not but
    or as at on into than such there where when all any each services service public need needs
    solution solutions"""
)

_WORD = re.compile(r"[^\W\d_]+")
_NORWEGIAN_LETTERS = re.compile(r"[æøåÆØÅ]")


def detect_language(text: str, default: str = "nb") -> str:
    """Return "nb", "nn" or "en" for `text`; `default` when it gives no clear sign (empty, no marker words,
    or as much English as Norwegian)."""
    words = [word.lower() for word in _WORD.findall(text or "")]
    nynorsk = sum(word in NYNORSK for word in words)
    bokmal = sum(word in BOKMAL for word in words)
    english = sum(word in ENGLISH for word in words)
    # æ, ø and å are a Norwegian sign of their own, worth a quarter of a marker word each.
    norwegian = nynorsk + bokmal + len(_NORWEGIAN_LETTERS.findall(text or "")) / 4
    if english == norwegian:
        return default
    if english > norwegian:
        return "en"
    return "nn" if nynorsk > bokmal else "nb"
