"""Interventions for tests, built in code over an imported release."""

from __future__ import annotations

import random
import tempfile
from datetime import date
from pathlib import Path

from bakehouse.evaluation import Design, EvaluationPlan
from web.accounts.models import User
from web.accounts.roles import Role
from web.insight import codebooks
from web.insight.models import Round
from web.insight.tests.factories import make_round, published, round_organiser, suggested_theme
from web.interventions import evaluations, services
from web.interventions.models import (
    EvaluationPlanRecord,
    EvaluationRun,
    Intervention,
    RunSource,
    State,
)
from web.interventions.panels import PanelColumns
from web.jobs.progress import no_progress
from web.releases.models import Release, ReleaseEvaluation


def planner() -> User:
    user, _ = User.objects.get_or_create(
        username="intervention-planner", defaults={"role": Role.PARTNER_ANALYST}
    )
    return user


def flagged_codes(release: Release, count: int = 2) -> list[str]:
    """Codes of the release's areas, flagged first: the areas an intervention starts from."""
    areas = release.areas.order_by("-flagged", "lsoa11cd").values_list("lsoa11cd", flat=True)
    return list(areas[:count])


def make_intervention(
    release: Release, *, title: str = "Stay and play at the library"
) -> Intervention:
    return services.create_intervention(release.recipe, title, flagged_codes(release), planner())


def plan_for(release: Release, *, start: int = 2026, **fields: object) -> EvaluationPlan:
    """A difference-in-differences plan for the release's first two areas from ``start``."""
    values: dict[str, object] = {
        "outcome": "children not reaching a good level of development",
        "treated_units": flagged_codes(release),
        "start": start,
        "design": Design.DID,
        "hypotheses": "Stay and play lowers the share of children not ready for school.",
        **fields,
    }
    return EvaluationPlan(**values)  # type: ignore[arg-type]


def make_plan(intervention: Intervention, plan: EvaluationPlan) -> EvaluationPlanRecord:
    return services.save_plan(intervention, services.PlanChange(plan, 2), planner())


def evaluated_run(
    release: Release, *, start: int = 2024, publish: bool = False, **fields: object
) -> EvaluationRun:
    """An intervention whose unfrozen plan starts in a cohort ``release`` publishes, run on the
    release's published figures (as the job does, without the job), or on an uploaded panel of
    its areas when ``release`` is not the current one."""
    made = make_intervention(release, title="Family hub outreach")
    record = make_plan(made, plan_for(release, start=start, **fields))
    if Release.objects.filter(pk=release.pk, is_current=True).exists():
        run = evaluations.start_run(record, RunSource.PUBLISHED, planner())
        evaluations.run_evaluation(run, no_progress)
    else:
        # A draft publishes no figures: staff would run the plan on a panel of their own.
        run = evaluations.start_run(record, RunSource.UPLOAD, planner())
        with tempfile.TemporaryDirectory() as folder:
            upload = Path(folder) / "panel.csv"
            upload.write_bytes(panel_csv(release))
            columns = PanelColumns("lsoa11cd", "cohort", "rate", "children")
            evaluations.run_evaluation(
                run, no_progress, upload=upload, upload_name=upload.name, columns=columns
            )
    if publish:
        evaluations.publish_run(run, planner())
    return run


def intervention_samples(release: Release) -> dict[str, object]:
    """URL parameters pointing at an intervention of ``release``'s recipe with a milestone and
    a frozen plan, at a published run of another's plan with its plots, and at that result as
    ``release`` carries it."""
    made = make_intervention(release)
    services.add_update(
        made, date(2026, 1, 12), State.AGREED, "Agreed with the parents' forum.", planner()
    )
    milestone = services.add_milestone(made, "First session held", date(2026, 3, 1))
    plan = make_plan(made, plan_for(release))
    # A plan's power comes from the recipe's current release: with only a draft, it stays
    # unfrozen, as it would for staff.
    if Release.objects.filter(pk=release.pk, is_current=True).exists():
        services.freeze_plan(plan, planner())
    run = evaluated_run(release, publish=True)
    assert run.result is not None
    # The same result as a release would carry it (web.releases imports such rows).
    # Samples may be asked for twice in one test (before and after a release is withdrawn).
    carried, _ = ReleaseEvaluation.objects.update_or_create(
        release=release,
        plan_hash=run.result["plan_hash"],
        defaults={
            "registration": run.registration,
            "result": run.result,
            **{
                f"{plot}_{kind}": run.files[f"{plot}.{kind}"]
                for plot in ("event_study", "trajectories")
                for kind in ("svg", "csv")
            },
        },
    )
    return {
        "intervention_id": made.pk,
        "milestone_id": milestone.pk,
        "run_id": run.pk,
        "evaluation_id": carried.pk,
        "plot": "event_study",
    }


BUSES = [
    "The bus route was cut and the buses stopped running on the estate.",
    "No bus after six, the bus route to town is gone.",
    "Buses are rare now, the route changed and the bus stop moved.",
    "Getting a bus to the clinic takes an hour since the route was cut.",
    "The bus stop is far and buses are late on the new route.",
]
CENTRE = [
    "The children's centre closed and the nursery has a waiting list.",
    "Since the children's centre shut there is no nursery nearby.",
    "Nursery places are full and the children's centre is boarded up.",
    "Parents lost the children's centre, the nursery is too expensive.",
    "The nursery moved away after the children's centre closed.",
]


def coded_round(release: Release, code: str) -> Round:
    """An open round whose 20 published texts about ``code`` carry the accepted theme
    'bus, route' in 10 and the accepted theme 'nursery' in 10."""
    made = make_round(release)
    published(made, BUSES * 2 + CENTRE * 2, lsoa11cd=code)
    for label, terms in (("bus, route", ["bus", "buses"]), ("nursery", ["nursery"])):
        codebooks.accept(suggested_theme(made, label, terms), round_organiser())
    codebooks.code_the_rest(made, round_organiser())
    return made


def panel_csv(release: Release, *, bad_row: int | None = None) -> bytes:
    """An area-level panel: rates by cohort 2021 to 2027 for every area of the release, with
    populations ('children'), the flagged two falling by 8 points from 2026; ``bad_row`` (a data
    row) gets an outcome that is not a number."""
    rng = random.Random(3)
    treated = set(flagged_codes(release))
    lines = ["lsoa11cd,cohort,rate,children"]
    for code in release.areas.order_by("lsoa11cd").values_list("lsoa11cd", flat=True):
        level = rng.uniform(0.25, 0.35)
        for cohort in range(2021, 2028):
            effect = -0.08 if code in treated and cohort >= 2026 else 0.0
            rate = level + 0.005 * (cohort - 2021) + effect + rng.gauss(0, 0.01)
            lines.append(f"{code},{cohort},{rate:.4f},{rng.randint(20, 35)}")
    if bad_row is not None:
        cells = lines[bad_row].split(",")
        cells[2] = "about a third"
        lines[bad_row] = ",".join(cells)
    return ("\n".join(lines) + "\n").encode()
