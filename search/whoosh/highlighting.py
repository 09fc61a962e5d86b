"""Highlighted titles and body snippets of search hits: the searched terms marked in the stored text."""

from __future__ import annotations

import html
from collections.abc import Iterator

from whoosh.analysis import Token
from whoosh.highlight import (
    FIRST,
    BasicFragmentScorer,
    ContextFragmenter,
    HtmlFormatter,
    mkfrag,
    top_fragments,
)
from whoosh.query import Query

from search.analysis import word_index_terms, word_spans
from search.whoosh.schema import LANGUAGES
from search.whoosh.tuning import SNIPPET_CHARS


def highlight_terms(query: Query | None) -> frozenset[str]:
    return frozenset(text for _, text in query.iter_all_terms()) if query is not None else frozenset()


def _tokens(text: str, terms: frozenset[str]) -> Iterator[Token]:
    # A word is marked when any of its terms was searched for — in either language, or a part of it:
    # one snippet shows the matches of both analyzers and "bolig" marks "omsorgsboliger".
    for start, end, word in word_spans(text):
        token = Token(chars=True)
        token.text, token.startchar, token.endchar, token.boost = word, start, end, 1.0
        token.matched = not terms.isdisjoint(_word_index_forms(word))
        yield token


def _word_index_forms(word: str) -> tuple[str, ...]:
    """Every index term a record's word may be held under, in either language."""
    return tuple(dict.fromkeys(t for lang in LANGUAGES for t in word_index_terms(word, lang)))


def _highlight(text: str, terms: frozenset[str], fragmenter, top: int) -> str | None:
    if not terms:
        return None
    fragments = top_fragments(
        fragmenter.fragment_tokens(text, _tokens(text, terms)), top, BasicFragmentScorer(), FIRST
    )
    if not fragments:
        return None
    # HtmlFormatter escapes the text between matches; the matches themselves are escaped too.
    formatter = HtmlFormatter(tagname="mark", classname="match", termclass="term")
    parts = []
    for fragment in fragments:
        snippet = formatter.format_fragment(fragment)
        if fragment.startchar > 0:
            snippet = "…" + snippet
        if fragment.endchar < len(text):
            snippet += "…"
        parts.append(snippet)
    return " ".join(parts)


class _WholeText:
    """Fragmenter for titles: the whole text is one fragment."""

    @staticmethod
    def fragment_tokens(text, tokens):
        matched = [token.copy() for token in tokens if token.matched]
        return [mkfrag(text, matched, startchar=0, endchar=len(text))] if matched else []


def _plain_snippet(text: str) -> str:
    if len(text) <= SNIPPET_CHARS:
        return html.escape(text, quote=False)
    cut = text.rfind(" ", 0, SNIPPET_CHARS)
    return html.escape(text[: cut if cut > 0 else SNIPPET_CHARS].rstrip(), quote=False) + "…"


def highlights(stored: dict, terms: frozenset[str]) -> dict[str, str]:
    title = stored.get("title", "")
    body = stored.get("body", "")
    return {
        "title": _highlight(title, terms, _WholeText, 1) or html.escape(title, quote=False),
        "body": _highlight(body, terms, ContextFragmenter(maxchars=SNIPPET_CHARS, surround=60), 2)
        or _plain_snippet(body),
    }
