"""Demo needs: real Doffin notices, the first ones a visitor meets rewritten problem-first by hand."""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from typing import Any

from network import reference
from network.demo import dates
from network.demo.bodies import body_fylke, body_key, body_kommune, doffin_notices
from network.demo.notices import Notice, Record, bucket, clean_text, clean_title, cpv_codes, guess_language

# Problem-first rewrites of notices, keyed by notice id, in the order a visitor should meet them in
# each domain (the first is the newest). Each keeps its notice's buyer, subject and CPV codes.
CURATED_FILE = reference.DATA_DIR / "demo_needs.json"
CURATED_FIELDS = frozenset(
    {
        "title", "description", "affected", "outcome", "route", "budget_min", "budget_max",
        "deadline_days", "stage", "language", "kommuner", "fylker",
    }
)  # fmt: skip

MAX_NEEDS = 220
# A notice's own text is a need's only problem statement when it is not curated; shorter texts say
# little more than the title ("Anskaffelse av konsulent for utredningsarbeid.").
MIN_DESCRIPTION = 100

_STAGE_BY_NOTICE_TYPE = {"Tildeling": "awarded", "Intensjonskunngjøring": "tendered"}


@cache
def curated() -> dict[str, dict[str, Any]]:
    with CURATED_FILE.open(encoding="utf-8") as f:
        return json.load(f)


def need_key(notice_id: str) -> str:
    return f"doffin-{notice_id.removeprefix('doffin:')}"


def need_stage(notice: Notice) -> str:
    stage = _STAGE_BY_NOTICE_TYPE.get(notice["notice_type"])
    if stage:
        return stage
    if notice["notice_type"] == "Veiledende":  # a prior information notice: the market dialogue is on
        return "open"
    return {0: "dialogue_closed", 1: "tendered"}.get(bucket(notice["id"], 12), "open")


def select_needs() -> list[tuple[Notice, str]]:
    """The curated notices, every described notice in a priority domain, then described others.

    Other notices come one per body not yet seen first (more bodies, more peers), up to MAX_NEEDS.
    """
    overlay = curated()
    candidates = doffin_notices()
    by_id = {notice["id"]: (notice, body) for notice, body in candidates}
    missing = [notice_id for notice_id in overlay if notice_id not in by_id]
    if missing:
        raise LookupError(f"curated needs without a notice of a public body: {', '.join(missing)}")
    chosen = [by_id[notice_id] for notice_id in overlay]
    described = [
        (n, b)
        for n, b in candidates
        if n["id"] not in overlay and len(clean_text(n["description"])) >= MIN_DESCRIPTION
    ]
    chosen += [(n, b) for n, b in described if reference.domain_for_cpv(n["cpv"]) != "other"]
    others = sorted(
        ((n, b) for n, b in described if reference.domain_for_cpv(n["cpv"]) == "other"),
        key=lambda nb: bucket(nb[0]["id"], 1_000_003),  # a stable shuffle over years and buyers
    )
    bodies = {b for _, b in chosen}
    first_of_body, rest = [], []
    for notice, body in others:
        (rest if body in bodies else first_of_body).append((notice, body))
        bodies.add(body)
    for notice, body in [*first_of_body, *rest]:
        if len(chosen) >= MAX_NEEDS:
            break
        chosen.append((notice, body))
    return chosen


def need_days(records: list[Record]) -> dict[str, int]:
    """Days before the load date each need was published: curated ones newest, in their file order."""
    domains = {r["key"]: r["domain"] for r in records}
    position: dict[str, int] = {}
    seen_in_domain: dict[str, int] = {}
    for notice_id in curated():
        key = need_key(notice_id)
        domain = domains[key]
        position[key] = seen_in_domain.get(domain, 0)
        seen_in_domain[domain] = position[key] + 1
    return {
        r["key"]: dates.curated_days(r["key"], position[r["key"]])
        if r["key"] in position
        else dates.stage_days(r["key"], r["stage"])
        for r in records
    }


def need_record(notice: Notice, body: str, today: date) -> Record:
    """The import record of a notice's need, without its publication date (see need_days)."""
    overlay = curated().get(notice["id"])
    record: Record = {"type": "need", "key": need_key(notice["id"]), "organisation": body_key(body)}
    if overlay is None:
        record["title"] = clean_title(notice["title"])
        record["description"] = clean_text(notice["description"])
    else:
        record |= {name: overlay[name] for name in ("title", "description", "affected", "outcome")}
    record["domain"] = reference.domain_for_cpv(notice["cpv"])
    record["cpv"] = cpv_codes(notice["cpv"])
    kommune, fylke = body_kommune(body), body_fylke(body)
    kommuner = (overlay or {}).get("kommuner") or ([kommune] if kommune else [])
    fylker = (overlay or {}).get("fylker") or ([fylke] if fylke else [])
    if kommuner:
        record["kommuner"] = kommuner
    if fylker:
        record["fylker"] = fylker
    route = (overlay or {}).get("route") or (
        "market_dialogue" if notice["notice_type"] == "Veiledende" else None
    )
    if route:
        record["route"] = route
    # The needs a visitor meets first are open for dialogue unless the rewrite says otherwise.
    stage = (overlay or {}).get("stage") or ("open" if overlay else need_stage(notice))
    record["stage"] = stage
    if stage in ("tendered", "awarded"):
        record["doffin_ref"] = notice["id"].removeprefix("doffin:")
    if overlay:
        for name in ("budget_min", "budget_max"):
            if name in overlay:
                record[name] = overlay[name]
        if "deadline_days" in overlay and stage == "open":
            record["deadline"] = dates.deadline(today, overlay["deadline_days"])
        record["language"] = overlay.get("language", "nb")
    else:
        record["language"] = guess_language(f"{record['title']}\n{record['description']}")
    return record


def need_records(today: date) -> tuple[list[Record], dict[str, str]]:
    """The needs, dated, and the names of the public bodies that own them by organisation key."""
    selected = select_needs()
    records = [need_record(notice, body, today) for notice, body in selected]
    days = need_days(records)
    for record in records:
        record["published"] = dates.moment(today, days[record["key"]], record["key"])
    names: dict[str, str] = {}
    for (_, body), record in zip(selected, records, strict=True):
        names.setdefault(record["organisation"], body)
    return records, names
