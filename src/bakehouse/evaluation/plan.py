"""The pre-registered evaluation plan: what will be measured, where, from when, and how.

A plan is written before any outcome after the start exists and frozen by its hash
(:func:`plan_hash`): the sha256 of the plan's canonical JSON (keys sorted, no spaces, lists in
the order given). Any change to any field changes the hash, so a result can show it followed the
plan that was frozen.

A frozen plan file carries ``frozen: {hash, at}`` beside the plan's fields
(:func:`frozen_document`). :func:`load_plan_file` reads both; :meth:`PlanFile.check_frozen`
refuses a plan that was never frozen or whose content no longer matches the hash it was frozen
with.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bakehouse.errors import ConfigError
from bakehouse.yamlfiles import read_yaml

EXPLORATORY = "exploratory: not pre-registered"


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


class Frozen(BaseModel):
    """When a plan was frozen, and the hash its content had then."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    at: datetime


@dataclass(frozen=True)
class PlanFile:
    """A plan as read from its file, with its ``frozen`` record if it has one."""

    plan: EvaluationPlan
    frozen: Frozen | None
    path: Path | None = None

    @property
    def matches_frozen(self) -> bool:
        return self.frozen is not None and self.frozen.hash == plan_hash(self.plan)

    def registration(self) -> str:
        """In words: pre-registered (frozen when, with which hash), or exploratory."""
        if self.frozen is None or not self.matches_frozen:
            return EXPLORATORY
        return f"pre-registered: frozen {self.frozen.at.isoformat()} (plan {self.frozen.hash[:12]})"

    def check_frozen(self) -> None:
        """Refuse a plan that was never frozen, or changed since it was."""
        if self.frozen is None:
            raise ConfigError(
                "The evaluation plan is not frozen: an evaluation against it would not be "
                "pre-registered",
                file=self.path,
                field="frozen",
                fix="Freeze the plan before any outcome after its start exists (the web app's "
                "intervention page), or give --exploratory to run it as an exploratory analysis",
            )
        if not self.matches_frozen:
            raise ConfigError(
                f"The evaluation plan changed after it was frozen on {self.frozen.at:%Y-%m-%d}: "
                f"its content hashes to {plan_hash(self.plan)[:12]}, not the frozen "
                f"{self.frozen.hash[:12]}",
                file=self.path,
                field="frozen",
                fix="Evaluate the plan as frozen (record any change as a deviation), or give "
                "--exploratory to run the changed plan as an exploratory analysis",
            )


def frozen_document(plan: EvaluationPlan, at: datetime) -> dict[str, Any]:
    """The plan's fields with ``frozen: {hash, at}``: what a frozen plan file holds."""
    return {
        **plan.model_dump(mode="json"),
        "frozen": {"hash": plan_hash(plan), "at": at.isoformat()},
    }


def load_plan(path: Path) -> EvaluationPlan:
    """Read a plan from YAML, frozen or not; every problem is reported together."""
    return load_plan_file(path).plan


def load_plan_file(path: Path) -> PlanFile:
    """Read a plan and its ``frozen`` record from YAML; every problem is reported together,
    naming its field."""
    data = read_yaml(path, "evaluation plan")
    if not isinstance(data, dict):
        raise ConfigError(
            "An evaluation plan is a mapping of fields (outcome, treated_units, start, ...)",
            file=path,
        )
    fields = {key: value for key, value in data.items() if key != "frozen"}
    try:
        plan = EvaluationPlan.model_validate(fields)
        frozen = Frozen.model_validate(data["frozen"]) if "frozen" in data else None
    except ValidationError as error:
        where = "frozen." if error.title == "Frozen" else ""
        problems = "; ".join(
            f"{where}{'.'.join(str(p) for p in e['loc']) or 'plan'}: {e['msg']}"
            for e in error.errors()
        )
        first = error.errors()[0]["loc"]
        raise ConfigError(
            f"Invalid evaluation plan ({problems})",
            file=path,
            field="frozen" if where else (str(first[0]) if first else None),
            fix="See docs/guides/analyst.md, 'Evaluating an intervention', for the fields",
        ) from None
    return PlanFile(plan, frozen, path)
