"""Benchmark the web app under load: p50 and p95 latency of the map data, of a recipe's area
profiles and of the area pages across recipes at 20 concurrent users, and the size of the map
data, against the targets in DESIGN.md; or, with --services, of the asset register's ORUK API
and postcode search over a register of that many services.

    uv run python bench/web.py                    # a synthetic Basildon release (110 areas)
    uv run python bench/web.py --release DIR      # a release written by `bakehouse publish`
    uv run python bench/web.py --seconds 20 --users 20 --workers 2
    uv run python bench/web.py --services 5000    # the register: /oruk/services, /assets/
    uv run python bench/web.py --services 5000 --runs 3   # and the median of three runs

The register for --services is the synthetic world's (``bakehouse.world.assets``: real
postcodes, no people) built for each of the 12 Essex districts with seeds 1, 2, ... until it
holds that many services, every id but the shared taxonomy's made unique per district and
seed; it is written as one ORUK feed and read in with ``manage.py import_oruk``.

Everything runs on this machine: a throwaway SQLite database and static folder in a temporary
directory, the release imported and published with `manage.py import_release` and
`publish_release`, gunicorn under the production settings on 127.0.0.1, and the load generator
(threads, one connection per request) talking to it over loopback only. Each page is requested
once before measuring (the first visitor after an import computes it for the cache the workers
share); each phase is then bounded by --seconds, and the server is stopped at the end.
Users send requests back to back, with no pause between them: the hardest case for the target.
The figures include the load generator's own share of the two cores. With --runs, the phases
are measured that many times against the same server, each run is reported, and then the
median of the runs' p50 and of their p95 per phase (the register is built and imported once).

Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only: never point this at another address
P95_TARGET_MS = 150.0
MAP_DATA_TARGET_BYTES = 300_000
REQUEST_TIMEOUT_S = 10.0
KEYS = "BAKEHOUSE_RELEASE_PUBLIC_KEYS"
# Words residents search the register for (each in some services' names or descriptions).
# Namespace of the ids the --services register is given (uuid5).
REGISTER_IDS = uuid.UUID("6f1c2b9e-4d0a-4e57-9b3c-2a8d7e5f1c40")
SEARCH_WORDS = ("library", "playgroup", "families", "nursery")


@dataclass(frozen=True)
class Phase:
    name: str
    paths: list[str]


@dataclass(frozen=True)
class Result:
    name: str
    latencies_ms: list[float]
    errors: int
    seconds: float
    body_bytes: int

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms)

    @property
    def p95(self) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[94]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def manage(env: dict[str, str], *arguments: str, timeout: float = 300) -> str:
    result = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *arguments],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(arguments)} failed:\n{result.stderr}")
    return result.stdout


def get(port: int, path: str) -> tuple[int, bytes, float]:
    """One request as a browser behind the HTTPS proxy would send it: status, body, ms."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT_S)
    try:
        connection.request("GET", path, headers={"Host": HOST, "X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return response.status, body, (time.perf_counter() - started) * 1000


# Workers start slowly on a machine shared with other work.
START_TIMEOUT_S = 300


def wait_until_serving(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped before serving; see its output above")
        try:
            if get(port, "/")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer within {START_TIMEOUT_S} s")


def run_phase(port: int, phase: Phase, users: int, seconds: float) -> Result:
    latencies: list[float] = []
    errors = 0
    body_bytes = 0
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def user(offset: int) -> None:
        nonlocal errors, body_bytes
        index = offset
        mine: list[float] = []
        failed = 0
        while time.monotonic() < stop_at:
            path = phase.paths[index % len(phase.paths)]
            index += users
            try:
                status, body, elapsed = get(port, path)
            except OSError:
                failed += 1
                continue
            if status != 200:
                failed += 1
                continue
            mine.append(elapsed)
            size = len(body)
        with lock:
            latencies.extend(mine)
            errors += failed
            if mine:
                body_bytes = max(body_bytes, size)

    started = time.monotonic()
    threads = [threading.Thread(target=user, args=(offset,)) for offset in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT_S + 5)
    return Result(phase.name, latencies, errors, time.monotonic() - started, body_bytes)


def build_release(folder: Path) -> tuple[Path, str]:
    """The web app's test builder: real Basildon boundaries, made-up area-level numbers, signed
    with the test settings' key pair; returns the folder and the public key to trust."""
    sys.path.insert(0, str(REPO / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings.test")
    import django

    django.setup()
    from web.releases.tests.builder import ReleaseSpec, trusted_signing_key, write_release

    return write_release(folder, ReleaseSpec(lsoas=None)), trusted_signing_key().public.text


def build_register_feed(folder: Path, count: int) -> tuple[list[str], list[str]]:
    """Writes an ORUK feed of ``count`` synthetic services across Essex into ``folder``;
    returns a (real) postcode of the register's in each district, to search from, and the
    ids of its kinds of service."""
    import numpy as np

    sys.path.insert(0, str(REPO / "src"))

    from bakehouse.geography import load_area, load_deprivation
    from bakehouse.geography.areas import DISTRICTS
    from bakehouse.world.assets import CONFIDENTIAL_LOCATION_TERM, REFUGE, build_register

    terms: dict[str, dict[str, Any]] = {}
    taxonomy: dict[str, Any] = {}
    services: list[dict[str, Any]] = []
    postcodes: list[str] = []
    seed = 0
    while len(services) < count:
        seed += 1
        for district in DISTRICTS:
            area = load_area(district)
            rng = np.random.default_rng(seed)
            deprivation = load_deprivation(area.lsoa_codes, None, rng, area.centroids)
            feeds = build_register(area, deprivation, seed).feeds
            # Terms are the same kinds in every district: one term per label.
            term_ids = {
                term["id"]: str(uuid.uuid5(REGISTER_IDS, f"term:{term['name']}"))
                for term in feeds["taxonomies.json"][0]["taxonomy_terms"]
                if term["id"] != CONFIDENTIAL_LOCATION_TERM
            }

            where = f"{district}:{seed}"
            for term in _unique_ids(
                feeds["taxonomies.json"][0]["taxonomy_terms"], "", where, term_ids
            ):
                terms[term["id"]] = term
            found = _unique_ids(feeds["services.json"], "", where, term_ids)
            services.extend(found)
            postcodes.append(
                found[0]["service_at_locations"][0]["location"]["addresses"][0]["postal_code"]
            )
            taxonomy = feeds["taxonomies.json"][0]
    (folder / "taxonomies.json").write_text(
        json.dumps([{**taxonomy, "taxonomy_terms": list(terms.values())}]), encoding="utf-8"
    )
    (folder / "services.json").write_text(json.dumps(services[:count]), encoding="utf-8")
    # Refuges are only ever at confidential places, which no search shows.
    hidden = {REFUGE.label, "Confidential location"}
    kinds = [term_id for term_id, term in terms.items() if term["name"] not in hidden]
    return postcodes[: len(DISTRICTS)], sorted(kinds)


def _unique_ids(value: Any, key: str, where: str, kept: dict[str, str]) -> Any:
    """``value`` with each id (``id``, ``*_id``) made unique to ``where``, except the shared
    taxonomy's and those in ``kept``, which are replaced as it says."""
    from bakehouse.world.assets import CONFIDENTIAL_LOCATION_TERM, TAXONOMY_ID

    if isinstance(value, dict):
        return {name: _unique_ids(item, name, where, kept) for name, item in value.items()}
    if isinstance(value, list):
        return [_unique_ids(item, key, where, kept) for item in value]
    if isinstance(value, str) and (key == "id" or key.endswith("_id")):
        if value in (TAXONOMY_ID, CONFIDENTIAL_LOCATION_TERM):
            return value
        return kept.get(value) or str(uuid.uuid5(REGISTER_IDS, f"{where}:{value}"))
    return value


def register_phases(postcodes: list[str], kinds: list[str]) -> list[Phase]:
    """The register's API list and search, and the directory near a postcode, with filters."""
    near = [quote(code) for code in postcodes]
    return [
        Phase("/oruk/services", ["/oruk/services"]),
        Phase("oruk, search", [f"/oruk/services?search={word}" for word in SEARCH_WORDS]),
        Phase(
            "oruk, postcode",
            [f"/oruk/service_at_locations?postcode={code}&proximity=3000" for code in near],
        ),
        Phase("dir, postcode", [f"/assets/?postcode={code}&distance=2" for code in near]),
        Phase(
            "dir, day+kind",
            [
                f"/assets/?postcode={code}&distance=5&day=SA&time=morning&category={kind}"
                for code in near
                for kind in kinds
            ],
        ),
    ]


def run_signing_key() -> str:
    sys.path.insert(0, str(REPO / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "web.settings.test")
    import django

    django.setup()
    from web.releases.tests.builder import trusted_signing_key

    return trusted_signing_key().public.text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--release", type=Path, help="a release folder (default: synthetic)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--runs", type=int, default=1, help="times to measure the phases")
    parser.add_argument(
        "--services", type=int, help="measure the asset register with this many services instead"
    )
    options = parser.parse_args()
    if not 1 <= options.users <= 100 or not 1 <= options.seconds <= 120:
        raise SystemExit("--users 1-100 and --seconds 1-120 keep the run bounded")
    if not 1 <= options.runs <= 9:
        raise SystemExit("--runs 1-9 keeps the run bounded")
    if options.services is not None and not 1 <= options.services <= 20_000:
        raise SystemExit("--services 1-20000 keeps the run bounded")

    with tempfile.TemporaryDirectory(prefix="bakehouse-bench-web-") as temporary:
        work = Path(temporary)
        trusted = os.environ.get(KEYS, "")
        if options.release is not None:
            release = options.release
        elif options.services is None:
            release, trusted = build_release(work / "releases")
        else:
            # The register needs no release; the production settings still want a key.
            trusted = run_signing_key()
        env = {
            **os.environ,
            KEYS: trusted,
            "DJANGO_SETTINGS_MODULE": "web.settings.production",
            "DJANGO_SECRET_KEY": secrets.token_urlsafe(64),
            "DJANGO_ALLOWED_HOSTS": HOST,
            "BAKEHOUSE_CONTACT_EMAIL": "bench@example.org",
            "DATABASE_URL": f"sqlite:///{work / 'db.sqlite3'}",
            "DJANGO_STATIC_ROOT": str(work / "static"),
            "DJANGO_CACHE_DIR": str(work / "cache"),
        }
        manage(env, "migrate", "--verbosity", "0")
        manage(env, "collectstatic", "--noinput", "--verbosity", "0")
        if options.services is not None:
            feed = work / "register"
            feed.mkdir()
            postcodes, kinds = build_register_feed(feed, options.services)
            started = time.perf_counter()
            # 5,000 services take minutes to check and store on a busy machine.
            print(manage(env, "import_oruk", str(feed), timeout=1800).strip())
            print(f"imported in {time.perf_counter() - started:.0f} s")
            phases = register_phases(postcodes, kinds)
        else:
            print(manage(env, "import_release", str(release)).strip())
            release_id = release.name
            print(manage(env, "publish_release", release_id).strip())
            codes = release_codes(release)
            manifest = json.loads((release / "manifest.json").read_text(encoding="utf-8"))
            recipe = manifest["recipe"]["id"]
            phases = [
                Phase("map data", [f"/recipes/{recipe}/map-data/{release_id}.json"]),
                Phase("area profile", [f"/recipes/{recipe}/areas/{code}/" for code in codes]),
                Phase("area, topics", [f"/areas/{code}/" for code in codes]),
            ]

        port = free_port()
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "web.wsgi",
                "--bind",
                f"{HOST}:{port}",
                "--workers",
                str(options.workers),
                "--log-level",
                "warning",
                # A worker importing the app on a busy machine can take longer than the
                # default 30 s, and would be killed while it starts.
                "--timeout",
                "300",
            ],
            env=env,
            cwd=REPO,
        )
        try:
            wait_until_serving(port, server)
            # The first visitor to each page after an import computes it for the shared
            # cache; measure the steady state after that.
            for phase in phases:
                for path in phase.paths:
                    get(port, path)
            runs = [
                [run_phase(port, phase, options.users, options.seconds) for phase in phases]
                for _ in range(options.runs)
            ]
        finally:
            server.terminate()
            server.wait(timeout=30)
    outcomes = [
        report(results, options.users, options.workers, map_data=options.services is None)
        for results in runs
    ]
    if options.runs > 1:
        report_medians(runs)
    return max(outcomes)


def report_medians(runs: list[list[Result]]) -> None:
    print(f"\nmedian of {len(runs)} runs")
    print(f"{'page':<16}{'p50 ms':>9}{'p95 ms':>9}")
    for index, first in enumerate(runs[0]):
        measured = [results[index] for results in runs if results[index].latencies_ms]
        if not measured:
            print(f"{first.name:<16} no successful request")
            continue
        p50 = statistics.median(result.p50 for result in measured)
        p95 = statistics.median(result.p95 for result in measured)
        print(f"{first.name:<16}{p50:>9.1f}{p95:>9.1f}")


def release_codes(release: Path) -> list[str]:
    import pyarrow.parquet as pq

    return [str(code) for code in pq.read_table(release / "areas.parquet")["lsoa11cd"].to_pylist()]


def report(results: list[Result], users: int, workers: int, *, map_data: bool) -> int:
    print(f"\n{users} concurrent users, gunicorn with {workers} workers, {os.cpu_count()} cores")
    print(f"{'page':<16}{'requests':>10}{'per s':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}")
    missed = []
    for result in results:
        if not result.latencies_ms:
            print(f"{result.name:<16} no successful request ({result.errors} errors)")
            missed.append(result.name)
            continue
        rate = len(result.latencies_ms) / result.seconds
        print(
            f"{result.name:<16}{len(result.latencies_ms):>10}{rate:>9.0f}{result.errors:>8}"
            f"{result.p50:>9.1f}{result.p95:>9.1f}"
        )
        if result.p95 >= P95_TARGET_MS or result.errors:
            missed.append(f"{result.name} p95 {result.p95:.0f} ms (target < {P95_TARGET_MS:.0f})")
    if map_data:
        size = results[0].body_bytes
        print(f"map data: {size:,} bytes (target < {MAP_DATA_TARGET_BYTES:,})")
        if size >= MAP_DATA_TARGET_BYTES:
            missed.append(f"map data {size:,} bytes")
    print("targets: " + ("met" if not missed else "MISSED: " + "; ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
