"""An intervention as the partnership describes it, in the file format the pipeline and the web
app share: the recipe, a title, the TIDieR items, the public timeline (updates and milestones),
the number of cohorts the evaluation observes from the start on, and the evaluation plan.

The plan is :class:`~bakehouse.evaluation.plan.EvaluationPlan` itself, so the web app (which
freezes it) and the pipeline (which evaluates it) compute the same plan hash. The file carries
no effect size and no frozen record: it describes what was done, not what was found, and a plan
is frozen in the web app.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bakehouse.errors import ConfigError
from bakehouse.evaluation.plan import EvaluationPlan
from bakehouse.yamlfiles import read_yaml


class State(StrEnum):
    PROPOSED = "proposed"
    AGREED = "agreed"
    DELIVERING = "delivering"
    COMPLETED = "completed"
    EVALUATED = "evaluated"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Tidier(_Strict):
    """TIDieR items 2 to 10 (item 1, the name, is the title), in plain words; an item not yet
    described may be left out, as on the web app's form."""

    why: str = ""
    materials: str = ""
    procedures: str = ""
    provider: str = ""
    how: str = ""
    where: str = ""
    when_and_how_much: str = ""
    tailoring: str = ""
    modifications: str = ""
    fidelity: str = ""


class Update(_Strict):
    date: date
    state: State
    text: str = Field(min_length=1)


class Milestone(_Strict):
    title: str = Field(min_length=1, max_length=200)
    due: date
    reached: date | None = None


class InterventionFile(_Strict):
    recipe: str = Field(min_length=1)
    title: str = Field(min_length=1, max_length=200)
    tidier: Tidier = Field(default_factory=Tidier)
    updates: list[Update] = Field(default_factory=list)
    milestones: list[Milestone] = Field(default_factory=list)
    post_periods: int = Field(
        default=2, ge=1, le=20, description="Cohorts the evaluation observes from the start"
    )
    plan: EvaluationPlan


def load_intervention(path: Path) -> InterventionFile:
    """Read an intervention file; every problem is reported together, naming its field."""
    data = read_yaml(path, "intervention")
    if not isinstance(data, dict):
        raise ConfigError(
            "An intervention file is a mapping (recipe, title, tidier, updates, milestones, "
            "post_periods, plan)",
            file=path,
        )
    try:
        return InterventionFile.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'intervention'}: {e['msg']}"
            for e in error.errors()
        )
        first = error.errors()[0]["loc"]
        raise ConfigError(
            f"Invalid intervention ({problems})",
            file=path,
            field=".".join(str(p) for p in first) or None,
            fix="See docs/guides/analyst.md, 'Evaluating an intervention', for the fields",
        ) from None
