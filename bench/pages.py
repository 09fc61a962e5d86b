"""Page and API timings on the demo content: median and p95 over repeated requests (in-process).

    .venv/bin/python bench/pages.py --runs 30

A quick look at whole pages on the demo data (about 1,850 records). The issue's figures, on
100,000 capabilities and 50,000 needs, are `make bench` (bench/speed.py)."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402

PATHS = (
    "/",
    "/needs",
    "/needs/{need}",
    "/search?q=helse",
    "/search?q=programvare&kind=need&order=date",
    "/api/needs?q=avfall",
    "/api/needs/{need}/suppliers",
    "/api/needs/{need}/peers",
    "/api/cpv/suggest?text=renovasjon+avfall+innsamling",
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(
            {
                # The test client's address.
                "SITE_URL": "http://localhost",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db",
                "SEARCH_INDEX_DIR": f"{tmp}/index",
                "MAIL_OUTBOX_DIR": f"{tmp}/outbox",
                "LOG_LEVEL": "WARNING",
            }
        )
        started = time.perf_counter()
        result = app.test_cli_runner().invoke(args=["setup", "--demo"])
        if result.exit_code != 0:
            sys.exit(result.output)
        print(f"demo content loaded and indexed in {time.perf_counter() - started:.1f} s")
        client = app.test_client()
        need = client.get("/api/needs?domain=health&per_page=1").get_json()["items"][0]["id"]
        print(f"{'path':58} {'median ms':>10} {'p95 ms':>8}")
        for template in PATHS:
            path = template.format(need=need)
            times = []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                response = client.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                if response.status_code != 200:
                    sys.exit(f"{path}: {response.status_code}")
            times.sort()
            p95 = times[min(len(times) - 1, int(0.95 * len(times)))]
            print(f"{path:58} {statistics.median(times):10.1f} {p95:8.1f}")


if __name__ == "__main__":
    main()
