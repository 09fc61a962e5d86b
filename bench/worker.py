"""One web worker serving a mix of need-page views, in a process of its own so its memory is its own.

    python -m bench.worker PLAN.json RESULT.json      (settings from the FLASK_ environment)

PLAN holds the need ids in view order; for each view the worker computes the page's supplier and
peer lists through the services (the figure), and every few views also renders the page itself
through the test client. RESULT holds the timings and the resident memory afterwards."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from app import create_app
from bench import harness
from network.extensions import db
from network.models import Need


def _memory_mb() -> dict[str, float]:
    """Resident set size now and at its peak (Linux /proc), in MB."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) / 1024
    return {"rss_mb": found.get("VmRSS", 0.0), "peak_mb": found.get("VmHWM", 0.0)}


def serve(plan: dict) -> dict:
    app = create_app({"LOG_LEVEL": "WARNING"})
    client = app.test_client()
    lists_ms, page_ms = [], []
    deadline = time.perf_counter() + plan["time_limit"]
    with app.app_context():
        index = harness.index(app)
        for number, need_id in enumerate(plan["views"], start=1):
            need = db.session.get(Need, need_id)
            started = time.perf_counter()
            harness.supplier_list(need, index)
            harness.peer_list(need, index)
            lists_ms.append((time.perf_counter() - started) * 1000)
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
    return {"lists_ms": lists_ms, "page_ms": page_ms, **_memory_mb()}


def main() -> None:
    plan = json.loads(Path(sys.argv[1]).read_text())
    Path(sys.argv[2]).write_text(json.dumps(serve(plan)))


if __name__ == "__main__":
    main()
