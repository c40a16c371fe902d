"""Evaluating an intervention's plan as a background job: the plan's page queues it, a worker
reads the panel and runs the evaluation while the job's page shows each step, and the result
waits on the run's page for staff to publish it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.urls import reverse
from django_tasks import task

from bakehouse.errors import BakehouseError
from web.interventions.evaluations import run_evaluation
from web.interventions.models import EvaluationRun
from web.interventions.panels import PanelColumns
from web.jobs.models import Job
from web.jobs.progress import Progress
from web.jobs.services import JobFailed, Outcome, run_job

KIND = "evaluation"


@task()
def evaluate_plan_task(
    job_id: int,
    run_id: int,
    path: str | None = None,
    upload_name: str = "",
    columns: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run the evaluation recorded as ``run_id``; an uploaded panel waits at ``path`` (removed
    when the job ends) with the ``columns`` chosen on the form."""

    def work(job: Job, progress: Progress) -> Outcome:
        run = EvaluationRun.objects.select_related("plan__intervention").get(pk=run_id)
        try:
            run_evaluation(
                run,
                progress,
                upload=Path(path) if path is not None else None,
                upload_name=upload_name,
                columns=PanelColumns(**columns) if columns is not None else None,
            )
        except BakehouseError as problem:
            raise JobFailed(f"The evaluation was not run: {problem}") from None
        assert run.result is not None
        return Outcome(
            url=reverse("interventions:run", args=[run.pk]),
            label="Read the result, and publish it",
            summary={
                "Registration": run.registration,
                "Design": run.result["design"],
                "Treated areas": run.result["n_treated"],
                "Comparison areas": run.result["n_comparison"],
                "Verdict": run.result["verdict"],
            },
        )

    return run_job(job_id, work)
