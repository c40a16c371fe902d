"""Evaluating interventions: pre-registered plans, panels, power, estimators and reports.

The web app calls these on area-level data only: :class:`EvaluationPlan`, :func:`plan_hash`,
:func:`evaluate` and :meth:`Result.to_json`.
"""

from __future__ import annotations

from bakehouse.evaluation.panel import Columns, Panel, panel_from_frame, read_panel
from bakehouse.evaluation.plan import (
    EXPLORATORY,
    Design,
    EvaluationPlan,
    Frozen,
    PlanFile,
    frozen_document,
    load_plan,
    load_plan_file,
    plan_hash,
)
from bakehouse.evaluation.power import PowerAnalysis, minimum_detectable_effect
from bakehouse.evaluation.result import Result, evaluate

__all__ = [
    "EXPLORATORY",
    "Columns",
    "Design",
    "EvaluationPlan",
    "Frozen",
    "Panel",
    "PlanFile",
    "PowerAnalysis",
    "Result",
    "evaluate",
    "frozen_document",
    "load_plan",
    "load_plan_file",
    "minimum_detectable_effect",
    "panel_from_frame",
    "plan_hash",
    "read_panel",
]
