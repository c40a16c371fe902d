"""The pre-registered evaluation plan: what will be measured, where, from when, and how.

A plan is written before any outcome after the start exists and frozen by its hash
(:func:`plan_hash`): the sha256 of the plan's canonical JSON (keys sorted, no spaces, lists in
the order given). Any change to any field changes the hash, so a result can show it followed the
plan that was frozen.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bakehouse.errors import ConfigError
from bakehouse.yamlfiles import read_yaml


class Design(StrEnum):
    DID = "did"  # two-way fixed effects difference-in-differences, one start
    STAGGERED = "staggered"  # Callaway-Sant'Anna, units adopting at different periods
    SYNTHETIC_CONTROL = "synthetic-control"  # a weighted mix of comparison units


class EvaluationPlan(BaseModel):
    """A plan, strict and frozen: unknown fields are refused, every problem reported at once."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    outcome: str = Field(min_length=1, description="The primary outcome, in words")
    treated_units: list[str] = Field(min_length=1)
    start: int = Field(description="The first treated period (a cohort or year)")
    # Units adopting later than ``start`` (staggered designs); the others start at ``start``.
    starts: dict[str, int] = Field(default_factory=dict)
    design: Design
    # Units the comparison may draw on; empty: every unit never treated.
    comparison_pool: list[str] = Field(default_factory=list)
    alpha: float = Field(default=0.05, gt=0, lt=0.5)
    hypotheses: str = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> EvaluationPlan:
        problems = []
        repeated = sorted({u for u in self.treated_units if self.treated_units.count(u) > 1})
        if repeated:
            problems.append(f"treated_units: {', '.join(repeated)} listed twice")
        strangers = sorted(set(self.starts) - set(self.treated_units))
        if strangers:
            problems.append(f"starts: {', '.join(strangers)} not among treated_units")
        early = sorted(unit for unit, start in self.starts.items() if start < self.start)
        if early:
            problems.append(f"starts: {', '.join(early)} start before the plan's start")
        both = sorted(set(self.comparison_pool) & set(self.treated_units))
        if both:
            problems.append(f"comparison_pool: {', '.join(both)} also treated")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def adoption(self) -> dict[str, int]:
        """Each treated unit's first treated period."""
        return {unit: self.starts.get(unit, self.start) for unit in self.treated_units}


def plan_hash(plan: EvaluationPlan) -> str:
    """The sha256 of the plan's canonical JSON: the identity a frozen plan is held to."""
    canonical = json.dumps(
        plan.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_plan(path: Path) -> EvaluationPlan:
    """Read a plan from YAML; every problem is reported together, naming its field."""
    data = read_yaml(path, "evaluation plan")
    if not isinstance(data, dict):
        raise ConfigError(
            "An evaluation plan is a mapping of fields (outcome, treated_units, start, ...)",
            file=path,
        )
    try:
        return EvaluationPlan.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'plan'}: {e['msg']}" for e in error.errors()
        )
        first = error.errors()[0]["loc"]
        raise ConfigError(
            f"Invalid evaluation plan ({problems})",
            file=path,
            field=str(first[0]) if first else None,
            fix="See docs/guides/analyst.md, 'Evaluating an intervention', for the fields",
        ) from None
