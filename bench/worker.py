"""One web worker serving a mix of need-page views, in a process of its own so its memory is its own.

    python -m bench.worker PLAN.json RESULT.json      (settings from the FLASK_ environment)

PLAN holds the need ids in view order; for each view the worker computes the page's supplier and
peer lists through the services (the figure), and every few views also renders the page itself
through the test client. Every `change_every` views it first saves a change, as users of the site
do between views: a supplier rewrites a capability with another's text, or a body publishes a need
like an existing one. The save goes through the services (index commit and percolation of kept
lists included) and is timed apart. RESULT holds the timings, how many views had to compute their
lists instead of reading kept ones, and the resident memory afterwards."""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from app import create_app
from bench import harness
from network.extensions import db
from network.models import Capability, Need, Organisation, OrgKind, Role, User
from network.services import capabilities, needs


def _memory_mb() -> dict[str, float]:
    """Resident set size now and at its peak (Linux /proc), in MB."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) / 1024
    return {"rss_mb": found.get("VmRSS", 0.0), "peak_mb": found.get("VmHWM", 0.0)}


class Changes:
    """Saves made between views, through the services like a user's."""

    def __init__(self, index, seed: int):
        self.index = index
        self.rng = random.Random(seed)
        self.capability_ids = db.session.scalars(sa.select(Capability.id)).all()
        self.need_ids = db.session.scalars(sa.select(Need.id)).all()
        self.bodies = db.session.scalars(
            sa.select(Organisation.id).where(Organisation.kind == OrgKind.PUBLIC_BODY)
        ).all()
        self.count = 0

    def _actor(self, organisation_id: int) -> User:
        self.count += 1
        actor = User(
            email=f"bench-change{self.count}@example.no",
            name="Bench",
            organisation_id=organisation_id,
            role=Role.ADMIN,
        )
        actor.set_password("bench-only-password")
        db.session.add(actor)
        db.session.commit()
        return actor

    def save(self) -> None:
        if self.count % 2 == 0:
            cap = db.session.get(Capability, self.rng.choice(self.capability_ids))
            source = db.session.get(Capability, self.rng.choice(self.capability_ids))
            draft = capabilities.CapabilityDraft(
                title=source.title,
                description=source.description or "",
                domains=tuple(source.domains or ()),
                cpv=tuple(source.cpv or ()),
                fylker=tuple(cap.fylker or ()),
                nationwide=cap.nationwide,
            )
            capabilities.update_capability(self._actor(cap.organisation_id), cap, draft, self.index)
        else:
            original = db.session.get(Need, self.rng.choice(self.need_ids))
            body = self.rng.choice(
                [b for b in self.rng.sample(self.bodies, 2) if b != original.organisation_id]
            )
            actor = self._actor(body)
            draft = needs.NeedDraft(
                title=original.title,
                description=original.description,
                domain=original.domain.value,
                cpv=tuple(original.cpv or ()),
                language=original.language,
            )
            needs.publish_need(actor, needs.create_need(actor, draft, self.index), self.index)
        db.session.remove()


def serve(plan: dict) -> dict:
    app = create_app({"LOG_LEVEL": "WARNING"})
    client = app.test_client()
    lists_ms, page_ms, change_ms = [], [], []
    computed_views = 0
    deadline = time.perf_counter() + plan["time_limit"]
    with app.app_context():
        index = harness.index(app)
        computed = harness.count_computed(index)
        changes = Changes(index, plan.get("seed", 0))
        for number, need_id in enumerate(plan["views"], start=1):
            if plan.get("change_every") and number % plan["change_every"] == 0:
                started = time.perf_counter()
                changes.save()
                change_ms.append((time.perf_counter() - started) * 1000)
            need = db.session.get(Need, need_id)
            before = computed()
            started = time.perf_counter()
            harness.supplier_list(need, index)
            harness.peer_list(need, index)
            lists_ms.append((time.perf_counter() - started) * 1000)
            computed_views += computed() > before
            db.session.remove()
            if number % plan["page_every"] == 0:
                started = time.perf_counter()
                response = client.get(f"/needs/{need_id}")
                page_ms.append((time.perf_counter() - started) * 1000)
                if response.status_code != 200:
                    raise SystemExit(f"/needs/{need_id}: {response.status_code}")
            if number % 200 == 0:
                print(f"{number} views", flush=True)
            if time.perf_counter() > deadline:
                print(f"time limit reached after {number} views", flush=True)
                break
    return {
        "lists_ms": lists_ms,
        "page_ms": page_ms,
        "change_ms": change_ms,
        "computed_views": computed_views,
        **_memory_mb(),
    }


def main() -> None:
    plan = json.loads(Path(sys.argv[1]).read_text())
    Path(sys.argv[2]).write_text(json.dumps(serve(plan)))


if __name__ == "__main__":
    main()
