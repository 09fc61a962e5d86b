"""The bundled real notices, and the text tidying every demo record shares (titles, CPV, language)."""

from __future__ import annotations

import json
import re
import unicodedata
import zlib
from functools import cache
from typing import Any

from network import reference

NOTICES_FILE = reference.DATA_DIR / "notices-dev.jsonl"

MAX_CPV = 10  # a few notices list dozens of codes; a need or capability reads better with the main ones

Notice = dict[str, Any]
Record = dict[str, Any]


@cache
def notices() -> tuple[Notice, ...]:
    with NOTICES_FILE.open(encoding="utf-8") as f:
        return tuple(json.loads(line) for line in f if line.strip())


def slug(text: str, max_length: int = 80) -> str:
    text = text.casefold().replace("æ", "ae").replace("ø", "o").replace("å", "a").replace("&", " and ")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:max_length].rstrip("-")


def bucket(text: str, buckets: int) -> int:
    """A stable stand-in for randomness: the same text always lands in the same bucket."""
    return zlib.crc32(text.encode("utf-8")) % buckets


_LINK_LINE = re.compile(r"^\s*klikk her\s+https?://\S+\s*$", re.IGNORECASE)


def clean_text(text: str | None) -> str:
    if not text:
        return ""
    text = text.replace("\r\n", "\n").replace("\x96", "–")
    lines = [line.rstrip() for line in text.split("\n") if not _LINK_LINE.match(line)]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


# "2022/126 - Ultralyd…", "22/00153- Rammeavtale…", "(2022-100) Arkitekttjenester…", "R01093 - …":
# case numbers say nothing to a reader of the need. Short numbers ("10 elbiler") are kept.
_LEADING_CASE_NUMBER = re.compile(r"^(?:(?:\(\d[\d/.-]*\)|[A-Z]?\d+[/-][\d/-]*\d|[A-Z]?\d{4,})\s*[-–:]?\s+)+")


def clean_title(title: str) -> str:
    title = " ".join(clean_text(title).split())
    stripped = _LEADING_CASE_NUMBER.sub("", title)
    title = stripped if len(stripped) >= 8 else title
    return title[:1].upper() + title[1:300]


def cpv_codes(codes: list[str]) -> list[str]:
    result: list[str] = []
    for code in codes:
        normalised = reference.normalise_cpv(code)
        if normalised and normalised not in result:
            result.append(normalised)
    return result[:MAX_CPV]


_NYNORSK = frozenset(
    {
        "ikkje", "eit", "frå", "kva", "korleis", "mykje", "noko", "berre", "vert", "vere", "vera",
        "desse", "dykkar", "òg", "ynskjer", "tilbod", "anbodet", "kunngjering", "sjukeheim",
        "tenester", "heile", "einskilde", "saman", "nokon", "medan", "sidan", "ein", "berekraftige",
        "byar", "stader", "partnar", "anskaffing", "konsulenttenester", "gjeldande", "utgreiing",
        "målbilete", "sjå", "kommunane"
    }
)  # fmt: skip
_BOKMAL = frozenset(
    {
        "ikke", "et", "fra", "hva", "hvordan", "mye", "noe", "bare", "blir", "være", "disse",
        "deres", "ønsker", "tilbud", "anbudet", "kunngjøring", "sykehjem", "tjenester", "hele",
        "enkelte", "sammen", "noen", "mens", "siden", "en", "bærekraftige", "byer", "steder",
        "partner", "anskaffelse", "konsulenttjenester", "gjeldende", "utredning", "målbilde", "se",
        "anskaffelsen", "kommunene"
    }
)  # fmt: skip
_ENGLISH = frozenset(
    {
        "the", "and", "of", "to", "with", "is", "be", "will", "this", "are", "by", "an", "from",
        "that", "which", "services"
    }
)  # fmt: skip
_NORWEGIAN = frozenset(
    {
        "og", "i", "til", "av", "med", "på", "som", "er", "det", "å", "skal", "eller", "om", "fra",
        "ved"
    }
)  # fmt: skip


def guess_language(text: str) -> str:
    """A cheap guess at "nb", "nn" or "en" for notice texts (Doffin lists every notice as Norwegian)."""
    words = re.findall(r"\w+", text.casefold())
    english = sum(w in _ENGLISH for w in words)
    norwegian = sum(w in _NORWEGIAN for w in words)
    if english >= 2 and english > norwegian:
        return "en"
    nynorsk = sum(w in _NYNORSK for w in words)
    if nynorsk >= 2 and nynorsk > sum(w in _BOKMAL for w in words):
        return "nn"
    return "nb"
