"""Staff run an intervention's plan from its page as a background job, on the recipe's
published figures or an uploaded panel; the result waits for staff to publish it, and only then
shows on the public page with its plots and their tables."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client, override_settings
from django.urls import reverse

from bakehouse.evaluation import EXPLORATORY
from web.accounts.roles import Role
from web.governance.models import Action, Event
from web.interventions import evaluations, services
from web.interventions.models import EvaluationRun, RunState
from web.interventions.tests.factories import (
    evaluated_run,
    flagged_codes,
    make_intervention,
    make_plan,
    panel_csv,
    plan_for,
    planner,
)
from web.jobs.models import Job, JobState
from web.jobs.services import upload_folder
from web.releases.models import Release

# Areas of the test release whose observed cells disclosure control withheld in every cohort.
WITHHELD_AREA = "E01021270"


def _upload(release: Release, **kwargs: int) -> dict[str, object]:
    return {
        "source": "upload",
        "panel": SimpleUploadedFile("hub-panel.csv", panel_csv(release, **kwargs), "text/csv"),
        "unit": "lsoa11cd",
        "period": "cohort",
        "outcome": "rate",
        "population": "children",
    }


def _evaluate_url(intervention_id: int) -> str:
    return reverse("interventions:evaluate", kwargs={"intervention_id": intervention_id})


def _public_page(intervention_id: int) -> str:
    return (
        Client()
        .get(reverse("interventions:detail", kwargs={"intervention_id": intervention_id}))
        .content.decode()
    )


def test_a_run_on_published_figures_leaves_out_and_counts_areas_with_withheld_cells(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    made = make_intervention(release)
    make_plan(made, plan_for(release, start=2024))

    answer = client_for(Role.PARTNER_ANALYST).post(_evaluate_url(made.pk), {"source": "published"})

    job = Job.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == reverse("jobs:detail", kwargs={"job_id": job.pk})
    assert job.state == JobState.DONE and job.done == job.total == evaluations.STEPS
    run = EvaluationRun.objects.get()
    assert run.state == RunState.DONE and run.job == job
    assert job.result_url == reverse("interventions:run", kwargs={"run_id": run.pk})
    assert run.result is not None
    # 10 areas: the 2 treated, 6 comparison with every cohort, 2 withheld.
    assert (run.result["n_treated"], run.result["n_comparison"]) == (2, 6)
    assert run.result["periods"] == [2019, 2022, 2023, 2024, 2025]
    assert (
        "0 treated and 2 comparison areas lacked a cohort and were left out"
        in run.result["caveats"][1]
    )
    assert run.registration == EXPLORATORY == run.result["registration"]
    assert run.result["caveats"][0] == evaluations.NOT_FROZEN
    assert {"event_study.svg", "event_study.csv", "trajectories.svg", "trajectories.csv"} == set(
        run.files
    )


def test_a_treated_area_with_withheld_cells_is_left_out_and_the_run_is_exploratory(
    release: Release,
) -> None:
    treated = [*flagged_codes(release), WITHHELD_AREA]
    run = evaluated_run(release, treated_units=treated)

    assert run.result is not None and run.result["n_treated"] == 2
    assert WITHHELD_AREA not in run.plan_run["treated_units"]
    assert run.registration == EXPLORATORY
    assert any("1 treated and 1 comparison" in note for note in run.result["caveats"])
    assert any("run without them" in note for note in run.result["caveats"])


def test_a_frozen_plan_run_on_an_uploaded_panel_is_pre_registered_and_published_publicly(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    made = make_intervention(release)
    record = services.freeze_plan(make_plan(made, plan_for(release, start=2026)), planner())
    staff = client_for(Role.ADMINISTRATOR)

    staff.post(_evaluate_url(made.pk), _upload(release))

    run = EvaluationRun.objects.get()
    assert run.result is not None, run.error
    assert run.registration.startswith("pre-registered: frozen")
    assert record.frozen_hash[:12] in run.registration
    assert run.result["plan_hash"] == record.frozen_hash
    assert run.result["effect"] < -0.04 and run.result["p_value"] < 0.05
    assert not upload_folder(run.job.pk).exists()  # type: ignore[union-attr]
    assert "No result has been published yet" in _public_page(made.pk)

    staff.post(reverse("interventions:publish_run", kwargs={"run_id": run.pk}))

    event = Event.objects.get(action=Action.EVALUATION_PUBLISHED)
    assert event.object_id == str(run.pk)
    assert event.detail["plan_hash"] == record.frozen_hash
    page = _public_page(made.pk)
    assert "An effect of -" in page and "Pre-registered" in page
    assert "weighted by &#x27;children&#x27;" in page
    plot = reverse("interventions:run_plot", kwargs={"run_id": run.pk, "plot": "event_study"})
    assert f'src="{plot}"' in page
    assert "Periods from the start" in page and "govuk-table__caption" in page
    image = Client().get(plot)
    assert image.status_code == 200 and image["Content-Type"].startswith("image/svg+xml")
    assert b"<svg" in image.content
    assert "default-src 'none'" in image["Content-Security-Policy"]


def test_a_plan_changed_after_it_was_frozen_runs_as_exploratory(release: Release) -> None:
    made = make_intervention(release)
    record = services.freeze_plan(make_plan(made, plan_for(release, start=2026)), planner())
    changed = plan_for(release, start=2026, alpha=0.1)
    services.save_plan(made, services.PlanChange(changed, 2, "A looser level agreed."), planner())

    plan, registration, caveat = evaluations.plan_as_it_stands(record)

    assert plan.alpha == 0.1
    assert registration == EXPLORATORY and caveat == evaluations.CHANGED_SINCE_FROZEN


def test_a_bad_row_of_an_uploaded_panel_is_named_and_the_upload_removed(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    made = make_intervention(release)
    make_plan(made, plan_for(release, start=2026))

    client_for(Role.PARTNER_ANALYST).post(_evaluate_url(made.pk), _upload(release, bad_row=3))

    job = Job.objects.get()
    run = EvaluationRun.objects.get()
    assert job.state == JobState.FAILED and run.state == RunState.FAILED
    assert "Value is not a number (file hub-panel.csv, row 3, field 'rate')" in job.error
    assert run.error in job.error and run.result is None
    assert not upload_folder(job.pk).exists()
    # A failed run cannot be published.
    with pytest.raises(evaluations.RunRefused):
        evaluations.publish_run(run, planner())


def test_an_upload_without_a_file_or_its_columns_is_refused_naming_each_field(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    made = make_intervention(release)
    make_plan(made, plan_for(release, start=2026))

    answer = client_for(Role.PARTNER_ANALYST).post(
        _evaluate_url(made.pk), {"source": "upload", "unit": "", "period": "cohort"}
    )

    text = answer.content.decode()
    assert answer.status_code == 400
    assert "Choose the panel to upload" in text
    assert "Enter the name of the area code column" in text
    assert "Enter the name of the outcome column" in text
    assert not EvaluationRun.objects.exists() and not Job.objects.exists()


def test_only_analysts_and_administrators_run_and_publish_evaluations(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    run = evaluated_run(release)
    intervention_id = run.plan.intervention_id
    publish = reverse("interventions:publish_run", kwargs={"run_id": run.pk})
    for role in (Role.PARTNER_VIEWER, Role.COMMUNITY_MEMBER, Role.CUSTODIAN, None):
        client = client_for(role)
        expected = 302 if role is None else 403
        assert client.post(_evaluate_url(intervention_id), {"source": "published"}).status_code == (
            expected
        )
        assert client.post(publish).status_code == expected
    assert EvaluationRun.objects.count() == 1
    run.refresh_from_db()
    assert not run.is_published
    assert not Event.objects.filter(action=Action.EVALUATION_PUBLISHED).exists()


def test_the_public_never_sees_an_unpublished_run(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    run = evaluated_run(release)
    assert run.result is not None
    plot = reverse("interventions:run_plot", kwargs={"run_id": run.pk, "plot": "trajectories"})
    page = _public_page(run.plan.intervention_id)

    assert "No result has been published yet" in page
    assert run.result["verdict"][:30] not in page and plot not in page
    assert client_for(None).get(plot).status_code == 404
    assert client_for(Role.PARTNER_VIEWER).get(plot).status_code == 404
    assert client_for(Role.PARTNER_ANALYST).get(plot).status_code == 200
    staff_page = reverse("interventions:run", kwargs={"run_id": run.pk})
    assert client_for(None).get(staff_page).status_code == 302
    assert client_for(Role.COMMUNITY_MEMBER).get(staff_page).status_code == 403


def test_a_published_run_is_not_published_twice(release: Release) -> None:
    run = evaluated_run(release, publish=True)

    with pytest.raises(evaluations.RunRefused, match="was published on"):
        evaluations.publish_run(run, planner())

    assert Event.objects.filter(action=Action.EVALUATION_PUBLISHED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_an_evaluation_queued_on_the_database_waits_for_the_worker_then_runs(
    release: Release, client_for: Callable[[Role | None], Client]
) -> None:
    made = make_intervention(release)
    make_plan(made, plan_for(release, start=2026))
    client = client_for(Role.PARTNER_ANALYST)

    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        answer = client.post(_evaluate_url(made.pk), _upload(release))
        waiting = client.get(answer["Location"]).content.decode()
        run = EvaluationRun.objects.get()
        assert "Waiting to start" in waiting and run.state == RunState.RUNNING
        assert upload_folder(run.job.pk).exists()  # type: ignore[union-attr]
        call_command(
            "db_worker", batch=True, startup_delay=False, reload=False, interval=0, verbosity=0
        )

    run.refresh_from_db()
    assert run.state == RunState.DONE and run.result is not None
    assert run.result["n_treated"] == 2 and run.result["n_comparison"] == 8
    assert not upload_folder(run.job.pk).exists()  # type: ignore[union-attr]
