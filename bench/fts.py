"""The yardstick: SQLite FTS5 (bm25) over the same records, with plain OR queries of a text's words.

No stemming, no compound splitting, no CPV, domain or region signal: what any site gets for free.
One FTS5 table per record type (title weighted twice over body, like a BM25F field weight) and a
plain table of facet values, so the search figure counts facets the way the site does."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

TYPES = ("need", "capability", "organisation")
TITLE_WEIGHT = 2.0
_WORD = re.compile(r"\w+", re.UNICODE)


def terms(text: str) -> list[str]:
    """The distinct words of a text, lower-cased, in order; one-letter words and digits left out."""
    seen = dict.fromkeys(w for w in _WORD.findall(text.lower()) if len(w) > 1 and not w.isdigit())
    return list(seen)


def or_query(text: str) -> str:
    """An FTS5 query matching any of the text's words (each quoted, so no word is an operator)."""
    return " OR ".join(f'"{t}"' for t in terms(text))


def and_query(text: str) -> str:
    return " ".join(f'"{t}"' for t in terms(text))


@dataclass(frozen=True)
class FtsHit:
    key: str
    owner: str
    score: float


class FtsIndex:
    """FTS5 tables over import records (the JSONL's dicts), keyed by the records' import keys."""

    def __init__(self, path: Path | str = ":memory:"):
        self.db = sqlite3.connect(str(path))
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        for type_ in TYPES:
            self.db.execute(
                f"CREATE VIRTUAL TABLE IF NOT EXISTS fts_{type_} USING fts5("
                "title, body, tokenize='unicode61 remove_diacritics 2')"
            )
            self.db.execute(
                f"CREATE TABLE IF NOT EXISTS meta_{type_} "
                "(rowid INTEGER PRIMARY KEY, key TEXT UNIQUE, owner TEXT)"
            )
            self.db.execute(f"CREATE TABLE IF NOT EXISTS facet_{type_} (doc INTEGER, name TEXT, value TEXT)")
        self._next = dict.fromkeys(TYPES, 0)

    def add(self, records: Iterable[dict]) -> int:
        """Add records (organisations before what they own, as in the import file); returns the count."""
        count = 0
        rows: dict[str, list] = {t: [] for t in TYPES}
        for record in records:
            type_ = record["type"]
            self._next[type_] += 1
            rowid = self._next[type_]
            title, body = record.get("title") or record.get("name", ""), record.get("description", "")
            owner = record.get("organisation", record["key"])
            facets = [("kind", type_)]
            if type_ == "organisation":
                fylke = (record.get("kommune") or "")[:2]
                facets += [("fylke", fylke)] if fylke else []
            else:
                domains = record.get("domains") or [record.get("domain", "other")]
                facets += [("domain", d) for d in domains]
                fylker = record.get("fylker") or [k[:2] for k in record.get("kommuner", [])]
                facets += [("fylke", f) for f in dict.fromkeys(fylker)]
                facets += [
                    ("cpv_division", c[:2]) for c in dict.fromkeys(c[:2] for c in record.get("cpv", []))
                ]
                if type_ == "need":
                    facets.append(("stage", record.get("stage", "open")))
            rows[type_].append((rowid, title, body, record["key"], owner, facets))
            count += 1
            if len(rows[type_]) >= 5000:
                self._flush(type_, rows[type_])
                rows[type_] = []
        for type_, batch in rows.items():
            self._flush(type_, batch)
        self.db.commit()
        return count

    def _flush(self, type_: str, batch: list) -> None:
        self.db.executemany(
            f"INSERT INTO fts_{type_}(rowid, title, body) VALUES (?, ?, ?)",
            [(r[0], r[1], r[2]) for r in batch],
        )
        self.db.executemany(
            f"INSERT INTO meta_{type_}(rowid, key, owner) VALUES (?, ?, ?)",
            [(r[0], r[3], r[4]) for r in batch],
        )
        self.db.executemany(
            f"INSERT INTO facet_{type_}(doc, name, value) VALUES (?, ?, ?)",
            [(r[0], name, value) for r in batch for name, value in r[5]],
        )

    def finish(self) -> None:
        """Indexes for the facet joins, and FTS5's merge into one segment (like an optimised index)."""
        for type_ in TYPES:
            self.db.execute(f"CREATE INDEX IF NOT EXISTS facet_{type_}_doc ON facet_{type_}(doc)")
            self.db.execute(f"INSERT INTO fts_{type_}(fts_{type_}) VALUES ('optimize')")
        self.db.commit()

    def match(self, type_: str, text: str, limit: int, exclude_owner: str | None = None) -> list[FtsHit]:
        """Records of a type ranked by bm25 for any word of the text (best first)."""
        query = or_query(text)
        if not query:
            return []
        sql = (
            f"SELECT m.key, m.owner, bm25(fts_{type_}, {TITLE_WEIGHT}, 1.0) AS s FROM fts_{type_} "
            f"JOIN meta_{type_} m ON m.rowid = fts_{type_}.rowid WHERE fts_{type_} MATCH ? "
        )
        params: list = [query]
        if exclude_owner is not None:
            sql += "AND m.owner != ? "
            params.append(exclude_owner)
        sql += "ORDER BY s LIMIT ?"
        params.append(limit)
        # bm25() is lower-is-better; scores are negated so that higher is better, as in the site.
        return [FtsHit(key, owner, -score) for key, owner, score in self.db.execute(sql, params)]

    def suppliers(self, text: str, limit: int = 10) -> list[tuple[str, list[FtsHit]]]:
        """Suppliers ranked by their best capability, like the site's supplier list."""
        by_owner: dict[str, list[FtsHit]] = {}
        for hit in self.match("capability", text, limit * 5):
            by_owner.setdefault(hit.owner, []).append(hit)
        return list(by_owner.items())[:limit]

    def peers(self, text: str, own_owner: str, limit: int = 10) -> list[FtsHit]:
        return self.match("need", text, limit, exclude_owner=own_owner)

    def search(
        self,
        text: str,
        types: Iterable[str] = TYPES,
        filters: dict[str, str] | None = None,
        per_page: int = 20,
    ) -> tuple[int, list[tuple[str, FtsHit]], dict[str, dict[str, int]]]:
        """All words must match (like the search page); returns total, one page and facet counts."""
        query = and_query(text)
        total, hits = 0, []
        facets: dict[str, dict[str, int]] = {}
        for type_ in types:
            where, params = f"fts_{type_} MATCH ?", [query]
            for name, value in (filters or {}).items():
                where += (
                    f" AND fts_{type_}.rowid IN (SELECT doc FROM facet_{type_} WHERE name = ? AND value = ?)"
                )
                params += [name, value]
            matched = f"SELECT fts_{type_}.rowid FROM fts_{type_} WHERE {where}"
            total += self.db.execute(f"SELECT count(*) FROM ({matched})", params).fetchone()[0]
            for name, value, count in self.db.execute(
                f"SELECT name, value, count(*) FROM facet_{type_} "
                f"WHERE doc IN ({matched}) GROUP BY name, value",
                params,
            ):
                bucket = facets.setdefault(name, {})
                bucket[value] = bucket.get(value, 0) + count
            sql = (
                f"SELECT m.key, m.owner, bm25(fts_{type_}, {TITLE_WEIGHT}, 1.0) AS s FROM fts_{type_} "
                f"JOIN meta_{type_} m ON m.rowid = fts_{type_}.rowid WHERE {where} "
                f"ORDER BY s LIMIT ?"
            )
            hits += [(type_, FtsHit(k, o, -s)) for k, o, s in self.db.execute(sql, [*params, per_page])]
        hits.sort(key=lambda pair: -pair[1].score)
        return total, hits[:per_page], facets

    def close(self) -> None:
        self.db.close()
