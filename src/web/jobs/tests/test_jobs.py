"""Long imports run as background jobs: the upload page queues them, a worker runs them, and
the job's page shows their progress and how they ended, only to whoever may see it."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterator
from http import HTTPStatus
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from web.accounts.roles import Role
from web.accounts.tests.factories import make_user
from web.assets.feeds import CHECKING, STORING, Feed, import_feed
from web.assets.models import Organization
from web.jobs.models import Job, JobState
from web.jobs.progress import JobProgress, Progress
from web.jobs.services import Outcome, run_job, upload_folder
from web.releases.importer import import_release
from web.releases.models import Release, ReleaseStatus
from web.releases.tests.builder import tamper
from web.releases.verification import STEPS

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

ORGANIZATIONS = [
    {
        "id": f"6f1c2a3b-0000-4000-8000-00000000000{index}",
        "name": f"Toy library {index}",
        "description": "Lends toys to families",
    }
    for index in range(3)
]
# The standard requires a name: this one is refused, and counted.
NAMELESS = {"id": "6f1c2a3b-0000-4000-8000-0000000000ff", "description": "No name"}


def feed_upload() -> SimpleUploadedFile:
    records = [*ORGANIZATIONS, NAMELESS]
    return SimpleUploadedFile("organizations.json", json.dumps(records).encode())


def zipped(folder: Path) -> SimpleUploadedFile:
    """The release folder zipped whole, as an analyst uploads it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.iterdir()):
            archive.write(path, f"{folder.name}/{path.name}")
    return SimpleUploadedFile(f"{folder.name}.zip", buffer.getvalue())


def run_worker() -> None:
    call_command(
        "db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0
    )


@pytest.fixture
def on_the_database() -> Iterator[None]:
    """Tasks queued in the database, as in production, for a worker run by the test."""
    with override_settings(TASKS=DATABASE_TASKS):
        yield


@pytest.mark.django_db(transaction=True)
def test_a_feed_queued_by_the_upload_page_is_imported_by_the_worker_with_its_counts(
    on_the_database: None, client_for: Callable[[Role | None], Client]
) -> None:
    client = client_for(Role.PARTNER_ANALYST)
    response = client.post(reverse("assets:upload"), {"feed": feed_upload()})
    job = Job.objects.get()
    assert response.headers["Location"] == reverse("jobs:detail", args=[job.pk])
    waiting = client.get(response.headers["Location"]).content.decode()
    assert "Waiting to start" in waiting and "Refresh this page" in waiting
    assert Organization.objects.count() == 0

    run_worker()

    job.refresh_from_db()
    assert job.state == JobState.DONE
    assert job.summary == {
        "Records received": 4,
        "Stored": 3,
        "Already in the register as published": 0,
        "Refused": 1,
    }
    assert Organization.objects.count() == 3
    assert DBTaskResult.objects.get(pk=job.task_result_id).status == "SUCCESSFUL"
    administrator = client_for(Role.ADMINISTRATOR)
    assert job.task_result_id in administrator.get(response.headers["Location"]).content.decode()
    assert job.task_result_id not in client.get(response.headers["Location"]).content.decode()
    assert not upload_folder(job.pk).exists()
    page = client.get(reverse("jobs:detail", args=[job.pk])).content.decode()
    assert "Refresh this page" not in page
    report = client.get(job.result_url).content.decode()
    assert "organizations[3]: &#x27;name&#x27; is a required property" in report


@pytest.mark.django_db(transaction=True)
def test_a_release_queued_by_the_upload_page_is_imported_by_the_worker_as_a_draft(
    on_the_database: None,
    client_for: Callable[[Role | None], Client],
    release_folder: Path,
) -> None:
    client = client_for(Role.PARTNER_ANALYST)
    response = client.post(reverse("releases:upload"), {"release": zipped(release_folder)})
    job = Job.objects.get()
    assert response.headers["Location"] == reverse("jobs:detail", args=[job.pk])
    assert not Release.objects.exists()

    run_worker()

    job.refresh_from_db()
    release = Release.objects.get()
    assert job.state == JobState.DONE
    assert (job.done, job.total) == (len(STEPS), len(STEPS))
    assert job.summary["Release"] == release.pk
    assert job.summary["Areas"] == 10
    assert release.status == ReleaseStatus.DRAFT
    assert release.imported_by is not None and release.imported_by.role == Role.PARTNER_ANALYST
    assert job.result_url == reverse("releases:publish", args=[release.pk])
    assert not upload_folder(job.pk).exists()


@pytest.mark.django_db
def test_a_tampered_release_fails_and_its_job_page_says_why_and_keeps_nothing(
    client_for: Callable[[Role | None], Client], release_folder: Path
) -> None:
    def inflate(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows[0]["observed_events"] = 3  # a count under the disclosure threshold, shown
        return rows

    tamper(release_folder, "areas.parquet", inflate)
    client = client_for(Role.ADMINISTRATOR)
    response = client.post(reverse("releases:upload"), {"release": zipped(release_folder)})
    job = Job.objects.get()
    page = client.get(response.headers["Location"]).content.decode()
    assert job.state == JobState.FAILED
    assert "Failed" in page and "What was wrong" in page
    assert f"The release {release_folder.name}.zip was refused" in page
    assert "areas.parquet" in job.error and "observed_events" in job.error
    assert str(upload_folder(job.pk)) not in job.error
    assert not Release.objects.exists()
    assert not upload_folder(job.pk).exists()


@pytest.mark.django_db
def test_a_zip_that_climbs_out_of_its_folder_is_refused_naming_the_entry(
    client_for: Callable[[Role | None], Client], tmp_path: Path
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("release/manifest.json", "{}")
        archive.writestr("release/../../escaped.txt", "out")
    upload = SimpleUploadedFile("release.zip", buffer.getvalue())
    client = client_for(Role.PARTNER_ANALYST)
    client.post(reverse("releases:upload"), {"release": upload})
    job = Job.objects.get()
    assert job.state == JobState.FAILED
    assert "release/../../escaped.txt: not a file of the release's folder" in job.error
    assert not (upload_folder(job.pk).parent / "escaped.txt").exists()


@pytest.mark.django_db
def test_a_file_that_is_not_a_zip_is_refused_on_the_form_and_no_job_starts(
    client_for: Callable[[Role | None], Client],
) -> None:
    client = client_for(Role.PARTNER_ANALYST)
    upload = SimpleUploadedFile("release.zip", b"not a zip")
    response = client.post(reverse("releases:upload"), {"release": upload})
    assert response.status_code == HTTPStatus.OK
    assert "The file is not a zip file" in response.content.decode()
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_release_import_reports_each_step_in_order(release_source: Path) -> None:
    heard: list[tuple[int, int, str]] = []
    import_release(release_source, progress=lambda *update: heard.append(update))
    assert [step for _, _, step in heard] == [*STEPS, STEPS[-1]]
    assert [done for done, _, _ in heard] == list(range(len(STEPS) + 1))


@pytest.mark.django_db
def test_a_feed_import_reports_each_record_checked_then_the_records_stored() -> None:
    heard: list[tuple[int, int, str]] = []
    feed = Feed("organizations.json", "organization", [*ORGANIZATIONS, NAMELESS])
    import_feed(feed, progress=lambda *update: heard.append(update))
    checking = [done for done, total, step in heard if step == CHECKING]
    assert checking == [0, 1, 2, 3, 4]
    assert [(done, total) for done, total, step in heard if step == STORING] == [(0, 3), (3, 3)]


@pytest.mark.django_db
def test_job_progress_is_written_at_each_step_and_otherwise_at_most_twice_a_second() -> None:
    job = Job.objects.create(kind="feed_import", title="Import of services.json")
    now = [0.0]
    progress = JobProgress(job.pk, clock=lambda: now[0])
    for done in range(100):
        now[0] += 0.01
        progress(done, 100, CHECKING)
    now[0] += 0.01
    progress(100, 100, CHECKING)
    progress(0, 100, STORING)
    job.refresh_from_db()
    # the first check, one more after half a second, the last, and the new step
    assert progress.writes == 4
    assert (job.done, job.total, job.step) == (0, 100, STORING)


@pytest.mark.django_db
def test_only_the_starter_and_administrators_see_a_job(
    client_for: Callable[[Role | None], Client],
) -> None:
    starter = make_user(Role.PARTNER_ANALYST, username="starter")
    job = Job.objects.create(
        kind="feed_import", title="Import of services.json", started_by=starter
    )
    url = reverse("jobs:detail", args=[job.pk])
    mine = Client()
    mine.force_login(starter)
    assert mine.get(url).status_code == HTTPStatus.OK
    assert client_for(Role.ADMINISTRATOR).get(url).status_code == HTTPStatus.OK
    assert client_for(Role.PARTNER_ANALYST).get(url).status_code == HTTPStatus.FORBIDDEN
    assert client_for(Role.PARTNER_VIEWER).get(url).status_code == HTTPStatus.FORBIDDEN
    assert client_for(None).get(url).status_code == HTTPStatus.FOUND


@pytest.mark.django_db
def test_the_page_polls_while_the_job_runs_gets_only_changes_and_stops_once_finished(
    client_for: Callable[[Role | None], Client],
) -> None:
    client = client_for(Role.ADMINISTRATOR)
    job = Job.objects.create(
        kind="feed_import",
        title="Import of services.json",
        state=JobState.RUNNING,
        done=40,
        total=160,
        step=CHECKING,
    )
    url = reverse("jobs:detail", args=[job.pk])
    page = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in page and "htmx-2.min.js" in page
    running = client.get(url, headers={"HX-Request": "true"})
    assert running.status_code == HTTPStatus.OK
    assert f"{CHECKING}: 40 of 160 (25%)" in running.content.decode()
    assert "<html" not in running.content.decode()
    unchanged = client.get(url, {"seen": job.version}, headers={"HX-Request": "true"})
    assert unchanged.status_code == HTTPStatus.NO_CONTENT
    Job.objects.filter(pk=job.pk).update(done=80)
    moved = client.get(url, {"seen": job.version}, headers={"HX-Request": "true"})
    assert f"{CHECKING}: 80 of 160 (50%)" in moved.content.decode()
    Job.objects.filter(pk=job.pk).update(state=JobState.DONE, done=160)
    done = client.get(url, headers={"HX-Request": "true"})
    assert done.status_code == 286  # htmx stops polling
    assert "Done" in done.content.decode()
    assert 'hx-trigger="every 2s"' not in client.get(url).content.decode()


@pytest.mark.django_db
def test_work_that_stops_on_an_unexpected_error_fails_its_job_naming_it_for_the_administrator() -> (
    None
):
    job = Job.objects.create(kind="feed_import", title="Import of services.json")
    folder = upload_folder(job.pk)
    folder.mkdir(parents=True)
    (folder / "services.json").write_text("[]", encoding="utf-8")

    def work(job: Job, progress: Progress) -> Outcome:
        progress(1, 4, CHECKING)
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError, match="disk full"):
        run_job(job.pk, work)
    job.refresh_from_db()
    assert job.state == JobState.FAILED and job.finished_at is not None
    assert f"job {job.pk}" in job.error and "disk full" not in job.error
    assert (job.done, job.total) == (1, 4)
    assert not folder.exists()


@pytest.mark.django_db
def test_the_upload_page_lists_the_analyst_s_own_jobs_to_come_back_to(
    client_for: Callable[[Role | None], Client],
) -> None:
    analyst = client_for(Role.PARTNER_ANALYST)
    analyst.post(reverse("assets:upload"), {"feed": feed_upload()})
    someone_else = make_user(Role.PARTNER_ANALYST, username="someone-else")
    Job.objects.create(kind="feed_import", title="Import of theirs.json", started_by=someone_else)
    mine = analyst.get(reverse("assets:upload")).content.decode()
    assert "Import of organizations.json" in mine and "theirs.json" not in mine
    every = client_for(Role.ADMINISTRATOR).get(reverse("assets:upload")).content.decode()
    assert "Import of organizations.json" in every and "theirs.json" in every
