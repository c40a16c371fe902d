"""Benchmark the web app under load: p50 and p95 latency of the map data, of a recipe's area
profiles and of the area pages across recipes at 20 concurrent users, and the size of the map
data, against the targets in DESIGN.md.

    uv run python bench/web.py                    # a synthetic Basildon release (110 areas)
    uv run python bench/web.py --release DIR      # a release written by `bakehouse publish`
    uv run python bench/web.py --seconds 20 --users 20 --workers 2

Everything runs on this machine: a throwaway SQLite database and static folder in a temporary
directory, the release imported and published with `manage.py import_release` and
`publish_release`, gunicorn under the production settings on 127.0.0.1, and the load generator
(threads, one connection per request) talking to it over loopback only. Each page is requested
once before measuring (the first visitor after an import computes it for the cache the workers
share); each phase is then bounded by --seconds, and the server is stopped at the end.
Users send requests back to back, with no pause between them: the hardest case for the target.
The figures include the load generator's own share of the two cores.

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
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"  # loopback only: never point this at another address
P95_TARGET_MS = 150.0
MAP_DATA_TARGET_BYTES = 300_000
REQUEST_TIMEOUT_S = 10.0


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


def manage(env: dict[str, str], *arguments: str) -> str:
    result = subprocess.run(
        [sys.executable, str(REPO / "manage.py"), *arguments],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
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


def wait_until_serving(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("gunicorn stopped before serving; see its output above")
        try:
            if get(port, "/")[0] == 200:
                return
        except OSError:
            time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 60 s")


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--release", type=Path, help="a release folder (default: synthetic)")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each phase")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    options = parser.parse_args()
    if not 1 <= options.users <= 100 or not 1 <= options.seconds <= 120:
        raise SystemExit("--users 1-100 and --seconds 1-120 keep the run bounded")

    with tempfile.TemporaryDirectory(prefix="bakehouse-bench-web-") as temporary:
        work = Path(temporary)
        if options.release is not None:
            release, trusted = options.release, os.environ.get("BAKEHOUSE_RELEASE_PUBLIC_KEYS", "")
        else:
            release, trusted = build_release(work / "releases")
        env = {
            **os.environ,
            "BAKEHOUSE_RELEASE_PUBLIC_KEYS": trusted,
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
        print(manage(env, "import_release", str(release)).strip())
        release_id = release.name
        print(manage(env, "publish_release", release_id).strip())
        codes = release_codes(release)
        recipe = json.loads((release / "manifest.json").read_text(encoding="utf-8"))["recipe"]["id"]

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
            ],
            env=env,
            cwd=REPO,
        )
        try:
            wait_until_serving(port, server)
            phases = [
                Phase("map data", [f"/recipes/{recipe}/map-data/{release_id}.json"]),
                Phase("area profile", [f"/recipes/{recipe}/areas/{code}/" for code in codes]),
                Phase("area, topics", [f"/areas/{code}/" for code in codes]),
            ]
            # The first visitor to each page after an import computes it for the shared
            # cache; measure the steady state after that.
            for phase in phases:
                for path in phase.paths:
                    get(port, path)
            results = [run_phase(port, phase, options.users, options.seconds) for phase in phases]
        finally:
            server.terminate()
            server.wait(timeout=30)
    return report(results, options.users, options.workers)


def release_codes(release: Path) -> list[str]:
    import pyarrow.parquet as pq

    return [str(code) for code in pq.read_table(release / "areas.parquet")["lsoa11cd"].to_pylist()]


def report(results: list[Result], users: int, workers: int) -> int:
    print(f"\n{users} concurrent users, gunicorn with {workers} workers, {os.cpu_count()} cores")
    print(f"{'page':<14}{'requests':>10}{'per s':>9}{'errors':>8}{'p50 ms':>9}{'p95 ms':>9}")
    missed = []
    for result in results:
        if not result.latencies_ms:
            print(f"{result.name:<14} no successful request ({result.errors} errors)")
            missed.append(result.name)
            continue
        rate = len(result.latencies_ms) / result.seconds
        print(
            f"{result.name:<14}{len(result.latencies_ms):>10}{rate:>9.0f}{result.errors:>8}"
            f"{result.p50:>9.1f}{result.p95:>9.1f}"
        )
        if result.p95 >= P95_TARGET_MS or result.errors:
            missed.append(f"{result.name} p95 {result.p95:.0f} ms (target < {P95_TARGET_MS:.0f})")
    size = results[0].body_bytes
    print(f"map data: {size:,} bytes (target < {MAP_DATA_TARGET_BYTES:,})")
    if size >= MAP_DATA_TARGET_BYTES:
        missed.append(f"map data {size:,} bytes")
    print("targets: " + ("met" if not missed else "MISSED: " + "; ".join(missed)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
