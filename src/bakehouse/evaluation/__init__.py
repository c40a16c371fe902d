"""Evaluating interventions: pre-registered plans, panels, power, estimators and reports.

The web app calls these on area-level data only: :class:`EvaluationPlan`, :func:`plan_hash`,
:func:`evaluate` and :meth:`Result.to_json`.

The estimators bring statsmodels, pandas, diff-diff and pysyncon, about three seconds of
imports; they load when first used, so a command that only reads a plan (every `bakehouse`
command registers `evaluate`) does not wait for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

_MODULE_OF = {
    **dict.fromkeys(("Columns", "Panel", "panel_from_frame", "read_panel"), "panel"),
    **dict.fromkeys(
        (
            "EXPLORATORY",
            "Design",
            "EvaluationPlan",
            "Frozen",
            "PlanFile",
            "frozen_document",
            "load_plan",
            "load_plan_file",
            "plan_hash",
        ),
        "plan",
    ),
    **dict.fromkeys(("PowerAnalysis", "minimum_detectable_effect"), "power"),
    **dict.fromkeys(("Result", "evaluate"), "result"),
}


def __getattr__(name: str) -> Any:
    if name not in _MODULE_OF:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULE_OF[name]}"), name)


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
