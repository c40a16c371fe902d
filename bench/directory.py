"""Time the directory of local services on the synthetic world's register: the median of the
directory page (no filter; near a postcode; within 5 miles on Saturdays) and of a service's
page, each as the first request after a write to the register (nothing cached) and as a
request again before the next write (its search cached), and the queries a page of 20
services takes.

    uv run python bench/directory.py [--repeats 15] [--seed 1]

Everything runs in this process: the world's Basildon register is built, imported into a
throwaway in-memory database (the test settings) and each page is requested through Django's
test client, once to warm up and then --repeats times each way (the cache emptied before
each first request).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings.test")

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.runner import DiscoverRunner  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

from bakehouse.geography import load_area, load_deprivation  # noqa: E402
from bakehouse.world.assets import write_register  # noqa: E402
from web.assets.feeds import import_feed, read_json_folder  # noqa: E402
from web.assets.models import Service  # noqa: E402

PAGES = {
    "directory, no filter": ("/assets/", {}),
    "directory, near SS14 1AE": ("/assets/", {"postcode": "SS14 1AE"}),
    "directory, within 5 miles on Saturdays": (
        "/assets/",
        {"postcode": "SS14 1AE", "distance": "5", "day": "SA"},
    ),
}


def import_world_register(seed: int) -> None:
    area = load_area("basildon")
    deprivation = load_deprivation(
        area.lsoa_codes, None, np.random.default_rng(seed), area.centroids
    )
    with tempfile.TemporaryDirectory() as folder:
        world = Path(folder)
        (world / "truth").mkdir()
        write_register(area, deprivation, seed, world)
        for feed in read_json_folder(world / "assets"):
            import_feed(feed)


def median_ms(
    client: Client, url: str, params: dict[str, str], repeats: int, *, cached: bool
) -> tuple[float, int]:
    size = len(client.get(url, params).content)
    times = []
    for _ in range(repeats):
        if not cached:
            cache.clear()
        start = time.perf_counter()
        client.get(url, params)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    setup_test_environment()
    runner = DiscoverRunner(verbosity=0)
    databases = runner.setup_databases()
    try:
        import_world_register(args.seed)
        client = Client()
        print(f"{Service.objects.count()} services")
        pages = dict(PAGES)
        first = Service.objects.order_by("pk").first()
        if first is not None:
            pages["a service's page"] = (f"/assets/services/{first.pk}/", {})
        for name, (url, params) in pages.items():
            first_ms, size = median_ms(client, url, params, args.repeats, cached=False)
            again_ms, _ = median_ms(client, url, params, args.repeats, cached=True)
            print(
                f"{name}: median {first_ms:.1f} ms first, {again_ms:.1f} ms again, "
                f"{size / 1000:.0f} KB"
            )
        cache.clear()
        for when in ("first", "again"):
            with CaptureQueriesContext(connection) as queries:
                client.get("/assets/")
            print(f"queries for the directory's first page, {when}: {len(queries)}")
    finally:
        runner.teardown_databases(databases)


if __name__ == "__main__":
    main()
