"""`python -m bench.calibrate`: fit the matcher's confidence curves on the tuning half of the notices.

    .venv/bin/python -m bench.calibrate [--keep]

The site of `make bench-quality --tune` (content: two thirds of the tuning half; asked: the other
third, with their codes and as text only) is asked for every notice's top-10 peers and suppliers with
no confidence floor. Each listed hit is right or wrong as bench.quality judges it (a peer of the same
CPV class; a winner of a notice of that class). A logistic curve from the hit's topic score to
"right" is fitted per list kind; search/confidence.py keeps the fitted numbers. The table shows, per
confidence floor, the share of listed hits that are right (precision), how many are listed, and
nDCG@10, so the floor can be chosen for the precision it gives."""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench import harness
from bench.metrics import ndcg_at
from bench.quality import K, _key, build_site, site_context
from search import CAPABILITY, NEED
from search.confidence import calibration

FLOORS = (0.0, 0.2, 0.3, 0.4, 0.45, 0.5, 0.6, 0.7)


@dataclass
class Listed:
    kind: str
    codes: bool
    notice: str
    topic: float
    right: bool
    key: str
    # Right at the CPV group (three digits) instead of the class.
    near: bool = False


def _topic(kind: str, confidence: float) -> float:
    """A hit's topic score, from the confidence the site's current curve gave it."""
    return calibration(kind).floor(confidence)


def collect(site, index, drafts) -> tuple[list[Listed], dict]:
    """Every listed hit of every asked notice's lists, and the relevant sets by (kind, notice)."""
    rows: list[Listed] = []
    relevant: dict[tuple[str, str], set[str]] = {}
    for notice in site.test:
        peers, suppliers = site.relevant_peers(notice), site.relevant_suppliers(notice)
        near_peers, near_suppliers = site.relevant_peers(notice, 3), site.relevant_suppliers(notice, 3)
        relevant[(NEED, notice.id)] = peers
        relevant[(CAPABILITY, notice.id)] = suppliers
        relevant[("lonely", notice.id)] = set() if near_peers else {"-"}
        for prefix, codes in (("h", True), ("t", False)):
            need = drafts[_key(prefix, notice.id)]
            if peers:
                for match in harness.peer_list(need, index, K):
                    key = match.need.organisation.key
                    topic = _topic(NEED, match.confidence)
                    rows.append(Listed(NEED, codes, notice.id, topic, key in peers, key, key in near_peers))
            if suppliers:
                for match in harness.supplier_list(need, index, K):
                    key = match.organisation.key
                    topic = _topic(CAPABILITY, match.confidence)
                    near = key in near_suppliers
                    rows.append(Listed(CAPABILITY, codes, notice.id, topic, key in suppliers, key, near))
        if not near_peers:
            # A need no other body shares even a CPV group with: every listed peer is a false alarm.
            for prefix, codes in (("h", True), ("t", False)):
                need = drafts[_key(prefix, notice.id)]
                for match in harness.peer_list(need, index, K):
                    topic = _topic(NEED, match.confidence)
                    rows.append(Listed("lonely", codes, notice.id, topic, False, match.need.organisation.key))
    return rows, relevant


def fit(points: Sequence[tuple[float, bool]], rounds: int = 50) -> tuple[float, float]:
    """(slope, offset) of the logistic regression of right on topic score (Newton's method)."""
    slope, offset = 1.0, 0.0
    for _ in range(rounds):
        g0 = g1 = h00 = h01 = h11 = 0.0
        for x, y in points:
            p = 1 / (1 + math.exp(-(slope * x + offset)))
            w = p * (1 - p)
            g0 += (p - y) * x
            g1 += p - y
            h00 += w * x * x
            h01 += w * x
            h11 += w
        det = h00 * h11 - h01 * h01
        if det <= 1e-12:
            break
        slope -= (h11 * g0 - h01 * g1) / det
        offset -= (h00 * g1 - h01 * g0) / det
    return slope, offset


def report(rows: list[Listed], relevant: dict) -> str:
    """Per list kind: the curve fitted on the text-only lists (right = the same CPV group), then per
    confidence floor on that curve, for lists with codes and text only: the precision at class and at
    group level, the hits listed per notice, nDCG@10 (class level) and, for peers, the peers listed
    for notices that no other body shares even a CPV group with."""
    lines = []
    for kind, name in ((NEED, "peers"), (CAPABILITY, "suppliers")):
        slope, offset = fit([(r.topic, r.near) for r in rows if r.kind == kind and not r.codes])
        lines.append(f"{name}: fitted on the text-only lists: slope {slope:.3f}, offset {offset:.3f}")
        head = f"  {'floor':>5} {'topic':>6}"
        for label in ("with codes", "text only"):
            head += f" | {label + ': P class':>18} {'P group':>7} {'n/list':>6} {'nDCG':>5}"
            head += f" {'lonely':>6}" if kind == NEED else ""
        lines.append(head)
        asked = [notice for (k, notice), found in relevant.items() if k == kind and found]
        lonely_asked = sum(1 for (k, _), found in relevant.items() if k == "lonely" and found)
        for floor in FLOORS:
            topic = (math.log(floor / (1 - floor)) - offset) / slope if floor > 0 else -math.inf
            line = f"  {floor:5.2f} {topic:6.3f}"
            for codes in (True, False):
                lists: dict[str, list[Listed]] = {notice: [] for notice in asked}
                for r in rows:
                    if r.kind == kind and r.codes == codes and r.topic >= topic:
                        lists[r.notice].append(r)
                listed = [r for found in lists.values() for r in found]
                exact = sum(r.right for r in listed) / len(listed) if listed else 0.0
                near = sum(r.near for r in listed) / len(listed) if listed else 0.0
                ndcg = [ndcg_at([r.key for r in found], relevant[(kind, n)], K) for n, found in lists.items()]
                per_list, mean_ndcg = len(listed) / len(lists), sum(ndcg) / len(ndcg)
                line += f" | {exact:18.3f} {near:7.3f} {per_list:6.1f} {mean_ndcg:5.3f}"
                if kind == NEED:
                    alarms = [r for r in rows if r.kind == "lonely" and r.codes == codes and r.topic >= topic]
                    line += f" {len(alarms) / max(1, lonely_asked):6.1f}"
            lines.append(line)
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the work folder (its path is printed)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="behovsborsen-calibrate-"))
    print(f"work folder {workdir}", flush=True)
    try:
        site = build_site(True, workdir, lambda m: print(m, flush=True))
        with site_context(site, confidence=0.0) as (index, drafts):
            rows, relevant = collect(site, index, drafts)
        print(report(rows, relevant))
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
