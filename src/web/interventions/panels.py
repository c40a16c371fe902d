"""The panels an evaluation started from the web app runs on: the recipe's published figures,
or an area-level panel someone uploads. Either way the treatment comes from the plan.

The published figures are the ones ``power`` reads: the release's observed rate and population
per area and cohort, after disclosure control. Withheld cells are absent, and a panel must be
balanced, so an area missing any cohort is left out and counted. Leaving out a treated area, or
an area the plan names for comparison, changes the plan that is run: the run is then
exploratory, and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from bakehouse.errors import SchemaError
from bakehouse.evaluation import Columns, EvaluationPlan, Panel, panel_from_frame
from web.releases.models import Release, TrendKind, TrendPoint

# The treatment column the plan writes into a panel; never a column of the source.
TREATED = "treated from the plan"


@dataclass(frozen=True)
class PlannedPanel:
    """A panel ready for ``evaluate``, the plan to run on it, and what was left out."""

    panel: Panel
    plan: EvaluationPlan
    described: str
    left_out: dict[str, int] = field(default_factory=dict)
    changed_plan: bool = False


@dataclass(frozen=True)
class PanelColumns:
    """The columns of an uploaded panel, as chosen on the form."""

    unit: str
    period: str
    outcome: str
    population: str = ""


def _with_treatment(frame: pd.DataFrame, plan: EvaluationPlan, unit: str, period: str) -> None:
    """Mark each row treated from its unit's start in the plan on; rows whose unit or period
    cannot be read stay 0, and the panel's own checks name them."""
    if unit not in frame.columns or period not in frame.columns:
        frame[TREATED] = 0
        return
    starts = frame[unit].astype(str).map(plan.adoption())
    periods = pd.to_numeric(frame[period], errors="coerce")
    frame[TREATED] = (periods >= starts).astype(int)


def uploaded_panel(path: Path, name: str, columns: PanelColumns, plan: EvaluationPlan) -> Panel:
    """Read an uploaded CSV as ``read_panel`` reads one and check it with the library's checks;
    a problem names the file as uploaded, the data row and the column."""
    try:
        frame = pd.read_csv(path, dtype={columns.unit: str})
    except (OSError, ValueError) as error:
        raise SchemaError(
            f"Panel cannot be read ({type(error).__name__})",
            file=name,
            fix="Upload a CSV file with a header row",
        ) from None
    if TREATED in frame.columns:
        raise SchemaError(
            f"The panel has a column named '{TREATED}'",
            file=name,
            field=TREATED,
            fix="Rename it: the plan decides which rows are treated",
        )
    _with_treatment(frame, plan, columns.unit, columns.period)
    return panel_from_frame(
        frame,
        Columns(columns.unit, columns.period, columns.outcome, TREATED, columns.population or None),
        source=name,
    )


def published_panel(release: Release, plan: EvaluationPlan) -> PlannedPanel:
    """The release's observed rates by area and cohort, populations as weights; areas missing a
    cohort left out. Raises ``SchemaError`` when what is left cannot be evaluated."""
    points = TrendPoint.objects.filter(
        area__release=release, kind=TrendKind.OBSERVED, rate__isnull=False, population__gt=0
    ).values_list("area__lsoa11cd", "cohort", "rate", "population")
    frame = pd.DataFrame(list(points), columns=["unit", "period", "outcome", "weight"])
    source = f"release {release.id} (published observed rates)"
    if frame.empty:
        raise SchemaError(
            "The release publishes no observed rate for any area",
            file=source,
            fix="Evaluate on an uploaded panel instead",
        )
    every = frame["period"].nunique()
    whole = frame.groupby("unit")["period"].nunique() == every
    complete = set(whole[whole].index)
    published = set(release.areas.values_list("lsoa11cd", flat=True))
    treated = [unit for unit in plan.treated_units if unit in complete]
    pool_named = bool(plan.comparison_pool)
    pool = list(plan.comparison_pool) or sorted(published - set(plan.treated_units))
    comparison = [unit for unit in pool if unit in complete]
    left_out = {
        "treated": len(plan.treated_units) - len(treated),
        "comparison": len(pool) - len(comparison),
    }
    if not treated:
        raise SchemaError(
            "No treated area has an observed rate published for every cohort: disclosure "
            "control withheld them",
            file=source,
            field="treated_units",
            fix="Evaluate on an uploaded panel of the partnership's own figures",
        )
    changed = left_out["treated"] > 0 or (pool_named and left_out["comparison"] > 0)
    run = plan
    if changed:
        run = plan.model_copy(
            update={
                "treated_units": treated,
                "starts": {unit: start for unit, start in plan.starts.items() if unit in treated},
                "comparison_pool": comparison if pool_named else [],
            }
        )
    kept = frame[frame["unit"].isin([*treated, *comparison])].copy()
    _with_treatment(kept, run, "unit", "period")
    panel = panel_from_frame(
        kept, Columns("unit", "period", "outcome", TREATED, weight="weight"), source=source
    )
    periods = ", ".join(str(period) for period in panel.periods)
    described = (
        f"The observed rates and populations release {release.id} publishes for each area and "
        f"cohort ({periods}), after disclosure control: {len(treated)} treated and "
        f"{len(comparison)} comparison areas with every cohort published."
    )
    return PlannedPanel(panel, run, described, left_out, changed)
