"""Running an intervention's plan from the web app, and publishing the result.

Staff start a run; a background job (``tasks``) reads the panel, runs
``bakehouse.evaluation.evaluate`` with the plan as it stands, draws the plots with their tables
and stores it all on the ``EvaluationRun``. A frozen plan with no deviation runs as
pre-registered; a plan changed since it was frozen, or never frozen, runs as exploratory, and
the result says so. Only a finished run can be published, and publishing is logged.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from bakehouse.errors import BakehouseError, ConfigError
from bakehouse.evaluation import EXPLORATORY, EvaluationPlan, Frozen, PlanFile, evaluate
from bakehouse.evaluation.report import write_plots
from web.accounts.models import User
from web.governance.models import Action
from web.governance.services import record_event
from web.interventions.models import EvaluationPlanRecord, EvaluationRun, RunSource, RunState
from web.interventions.panels import PanelColumns, PlannedPanel, published_panel, uploaded_panel
from web.interventions.services import current_plan, current_release
from web.jobs.progress import Progress

# The files ``report.write_plots`` writes, in the order the result shows them.
PLOTS = ("event_study", "trajectories")
STEPS = 4
CHANGED_SINCE_FROZEN = (
    "The plan was changed after it was frozen (see its deviations): the design and the areas "
    "may have been chosen after seeing the outcomes."
)
NOT_FROZEN = (
    "The plan was not frozen: the design and the areas may have been chosen after seeing the "
    "outcomes."
)


class RunRefused(Exception):
    """The run cannot be started or published; the message says why and what to do."""


def plan_as_it_stands(record: EvaluationPlanRecord) -> tuple[EvaluationPlan, str, str]:
    """The plan a run uses, its registration in words, and the caveat an exploratory run
    carries (empty when pre-registered)."""
    fields = current_plan(record)
    fields.pop("post_periods", None)
    plan = EvaluationPlan.model_validate(fields)
    if record.frozen_at is None:
        return plan, EXPLORATORY, NOT_FROZEN
    frozen = Frozen(hash=record.frozen_hash, at=record.frozen_at)
    registration = PlanFile(plan, frozen).registration()
    if registration == EXPLORATORY:
        return plan, registration, CHANGED_SINCE_FROZEN
    return plan, registration, ""


def start_run(record: EvaluationPlanRecord, source: RunSource, actor: User) -> EvaluationRun:
    plan, registration, _ = plan_as_it_stands(record)
    return EvaluationRun.objects.create(
        plan=record,
        source=source,
        plan_run=plan.model_dump(mode="json"),
        registration=registration,
        started_by=actor,
    )


def run_evaluation(
    run: EvaluationRun,
    progress: Progress,
    *,
    upload: Path | None = None,
    upload_name: str = "",
    columns: PanelColumns | None = None,
) -> EvaluationRun:
    """The job's work: read the panel, evaluate, draw, store. A problem with the panel or the
    plan marks the run failed and is raised (``BakehouseError``) for the job to show."""
    plan, registration, caveat = plan_as_it_stands(run.plan)
    try:
        progress(0, STEPS, "Reading the panel")
        planned = _panel(run, plan, upload, upload_name, columns)
        progress(1, STEPS, "Estimating the effect")
        result = evaluate(
            planned.panel,
            planned.plan,
            progress=lambda done, total: progress(1, STEPS, f"Placebo fits: {done} of {total}"),
        )
    except BakehouseError as problem:
        _failed(run, str(problem))
        raise
    except Exception:
        _failed(run, "The evaluation stopped on an error this service did not expect.")
        raise
    notes = [caveat] if caveat else []
    if planned.changed_plan:
        registration = EXPLORATORY
        notes.append(_left_out_note(planned, changed=True))
    elif any(planned.left_out.values()):
        notes.append(_left_out_note(planned, changed=False))
    result = replace(result, caveats=notes + result.caveats, registration=registration)
    progress(2, STEPS, "Drawing the plots and their tables")
    files = _plots(result)
    progress(3, STEPS, "Storing the result")
    run.plan_run = planned.plan.model_dump(mode="json")
    run.registration = registration
    run.source_detail = planned.described
    # Through the library's JSON, which refuses NaN: PostgreSQL's jsonb would too, later.
    run.result = json.loads(result.to_json())
    run.files = files
    run.state = RunState.DONE
    run.finished_at = timezone.now()
    run.save()
    progress(STEPS, STEPS, "Done")
    return run


def _panel(
    run: EvaluationRun,
    plan: EvaluationPlan,
    upload: Path | None,
    upload_name: str,
    columns: PanelColumns | None,
) -> PlannedPanel:
    if run.source == RunSource.PUBLISHED:
        release = current_release(run.plan.intervention.recipe)
        if release is None:
            raise ConfigError(
                "The recipe has no current release to evaluate on",
                fix="Publish a release, or evaluate on an uploaded panel",
            )
        return published_panel(release, plan)
    if upload is None or columns is None:
        raise ConfigError(
            "An evaluation on an uploaded panel needs the file and its columns",
            fix="Upload the panel again and name its columns",
        )
    panel = uploaded_panel(upload, upload_name, columns, plan)
    named = [columns.unit, columns.period, columns.outcome]
    weighted = f", weighted by '{columns.population}'" if columns.population else ""
    described = (
        f"The uploaded panel {upload_name} (columns {', '.join(repr(n) for n in named)}"
        f"{weighted}): {len(panel.units)} areas over periods "
        f"{', '.join(str(p) for p in panel.periods)}."
    )
    return PlannedPanel(panel, plan, described)


def _left_out_note(planned: PlannedPanel, *, changed: bool) -> str:
    counts = planned.left_out
    note = (
        f"Disclosure control withheld some published cells: {counts['treated']} treated and "
        f"{counts['comparison']} comparison areas lacked a cohort and were left out."
    )
    if changed:
        note += " The plan was run without them, so this run is exploratory."
    return note


def _plots(result: Any) -> dict[str, str]:
    with tempfile.TemporaryDirectory(prefix="bakehouse-evaluation-") as folder:
        written = write_plots(result, Path(folder))
        return {path.name: path.read_text(encoding="utf-8") for path in written}


def _failed(run: EvaluationRun, error: str) -> None:
    run.state = RunState.FAILED
    run.error = error
    run.finished_at = timezone.now()
    run.save(update_fields=["state", "error", "finished_at"])


@transaction.atomic
def publish_run(run: EvaluationRun, actor: User) -> EvaluationRun:
    """Show the run on the intervention's public page, and log who published it."""
    if run.state != RunState.DONE:
        raise RunRefused("Only a finished evaluation can be published")
    if run.is_published:
        raise RunRefused(f"This evaluation was published on {run.published_at:%-d %B %Y}")
    run.published_at = timezone.now()
    run.published_by = actor
    run.save(update_fields=["published_at", "published_by"])
    assert run.result is not None
    record_event(
        Action.EVALUATION_PUBLISHED,
        actor=actor,
        subject=run,
        detail={
            "intervention": run.plan.intervention_id,
            "plan_hash": run.result["plan_hash"],
            "registration": run.registration,
            "source": run.source,
        },
    )
    return run


def published_runs(record: EvaluationPlanRecord | None) -> list[EvaluationRun]:
    if record is None:
        return []
    return list(record.runs.filter(published_at__isnull=False).order_by("-published_at"))
