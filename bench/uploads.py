"""How long an upload page keeps its request: the import run inside the request (as the pages
did before imports became background jobs) against the import queued for the worker.

    uv run python bench/uploads.py                          # the world's feed and a release
    uv run python bench/uploads.py --feed DIR --repeats 5

The feed is the Basildon world's asset register (``data/world/assets``: taxonomies.json is
stored first, then services.json is the upload timed); the release is a synthetic Basildon one
of all 110 areas signed with a key made for the run (``releases/tests/builder.py``), zipped.
Each timing starts from an empty register and no release, in a throwaway in-memory SQLite
database under the test settings; prints the median of ``--repeats`` uploads per case.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))
os.environ["DJANGO_SETTINGS_MODULE"] = "web.settings.test"
os.environ.pop("DATABASE_URL", None)

import django  # noqa: E402

django.setup()

from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

from web.accounts.roles import Role  # noqa: E402
from web.accounts.tests.factories import make_user  # noqa: E402
from web.assets.feeds import import_feed, read_json_feed  # noqa: E402
from web.jobs.models import Job, JobState  # noqa: E402
from web.releases.tests.builder import ReleaseSpec, write_release  # noqa: E402

IN_REQUEST = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
QUEUED = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def zipped(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"{folder.name}/{path.name}")
    return buffer.getvalue()


def timed_upload(
    tasks: dict[str, dict[str, str]], prepare: Callable[[], None], post: Callable[[Client], str]
) -> float:
    call_command("flush", interactive=False, verbosity=0)
    prepare()
    client = Client()
    client.force_login(make_user(Role.PARTNER_ANALYST))
    with override_settings(TASKS=tasks):
        started = time.perf_counter()
        location = post(client)
        elapsed = time.perf_counter() - started
        if tasks is QUEUED:
            call_command("db_worker", batch=True, startup_delay=False, reload=False, verbosity=0)
    job = Job.objects.get()
    if location != reverse("jobs:detail", args=[job.pk]) or job.state != JobState.DONE:
        raise SystemExit(f"the upload did not end in a finished job: {job.state} {job.error}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--feed", type=Path, default=REPO / "data" / "world" / "assets")
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    services = (arguments.feed / "services.json").read_bytes()
    taxonomies = (arguments.feed / "taxonomies.json").read_bytes()
    release = zipped(write_release(Path(tempfile.mkdtemp()), ReleaseSpec(lsoas=None)))

    def with_taxonomies() -> None:
        import_feed(read_json_feed(taxonomies, "taxonomies.json"))

    def post_feed(client: Client) -> str:
        upload = SimpleUploadedFile("services.json", services)
        return str(client.post(reverse("assets:upload"), {"feed": upload})["Location"])

    def post_release(client: Client) -> str:
        upload = SimpleUploadedFile("release.zip", release)
        return str(client.post(reverse("releases:upload"), {"release": upload})["Location"])

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0)
    print(
        f"feed: services.json, {len(services):,} bytes; release: 110 areas, zipped "
        f"{len(release):,} bytes; median of {arguments.repeats}"
    )
    for name, prepare, post in [
        ("feed upload", with_taxonomies, post_feed),
        ("release upload", lambda: None, post_release),
    ]:
        medians = {}
        for label, tasks in [("import in the request", IN_REQUEST), ("queued", QUEUED)]:
            times = [timed_upload(tasks, prepare, post) for _ in range(arguments.repeats)]
            medians[label] = statistics.median(times)
            print(f"{name:15} {label:22} {1000 * medians[label]:8.0f} ms")
        ratio = medians["import in the request"] / medians["queued"]
        print(f"{name:15} {'ratio':22} {ratio:8.1f} x")


if __name__ == "__main__":
    main()
