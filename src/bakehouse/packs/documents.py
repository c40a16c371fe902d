"""The pack's own documents: the evidence summary and the licence.

Their prose is in ``evidence.md``, ``effect.md``, ``communities.md`` and ``LICENCE.md`` beside
this module (``string.Template``); this module supplies only values, read from the model card,
the evaluation results, the intervention files and the community insight summary the pack
carries, and the recipe. A figure they do not hold is said to be missing, never made up.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

from bakehouse.evaluation.intervention import InterventionFile
from bakehouse.evaluation.plan import EXPLORATORY
from bakehouse.packs.communities import what_communities_said
from bakehouse.packs.insight import InsightSummary
from bakehouse.recipes.schema import Recipe

HERE = Path(__file__).parent
EVIDENCE = HERE / "evidence.md"
EFFECT = HERE / "effect.md"
LICENCE = HERE / "LICENCE.md"
NOT_IN_CARD = "not in the model card"
NOT_IN_RESULT = "not in the result"
PART = re.compile(r"<!-- (effect|strength|costs): (none|evaluated|given) -->\n(.*?)(?=<!--)", re.S)
DESIGNS = {
    "did": "difference-in-differences",
    "staggered": "staggered difference-in-differences",
    "synthetic-control": "synthetic control",
}


@dataclass(frozen=True)
class Evaluated:
    """An evaluation result the pack carries, and the intervention whose plan it evaluated
    (None when the pack carries no description of it)."""

    result: Mapping[str, Any]
    intervention: InterventionFile | None

    @property
    def title(self) -> str:
        if self.intervention is not None:
            return " ".join(self.intervention.title.split())
        return f"an intervention not described in this pack (plan {self.plan_short})"

    @property
    def plan_short(self) -> str:
        return str(self.result.get("plan_hash", ""))[:12]

    @property
    def exploratory(self) -> bool:
        return str(self.result.get("registration", EXPLORATORY)).startswith("exploratory")

    @property
    def direction(self) -> str | None:
        """Which way the outcome moved when the result found an effect (p below the plan's
        alpha): "lower" or "higher"; None when it found none."""
        effect, p, alpha = (self.result.get(key) for key in ("effect", "p_value", "alpha"))
        numbers = (int, float)
        if not (
            isinstance(effect, numbers) and isinstance(p, numbers) and isinstance(alpha, numbers)
        ):
            return None
        if p >= alpha:
            return None
        return "lower" if effect < 0 else "higher"


def evaluated(
    results: list[Mapping[str, Any]], interventions: Mapping[str, InterventionFile]
) -> list[Evaluated]:
    """Each result with the intervention file of the same plan hash, if given."""
    return [
        Evaluated(result, interventions.get(str(result.get("plan_hash")))) for result in results
    ]


def _text(value: Any, missing: str = NOT_IN_CARD) -> str:
    return " ".join(str(value).split()) if value not in (None, "") else missing


def _headline_rows(headline: dict[str, Any]) -> str:
    if not headline:
        return f"| {NOT_IN_CARD} | |"
    return "\n".join(
        f"| {name.removeprefix('test_').replace('_', ' ')} | {_text(value)} |"
        for name, value in headline.items()
    )


def _size(cohorts: dict[str, Any], unit_words: str) -> str:
    tested = [
        item
        for item in cohorts.values()
        if isinstance(item, dict) and item.get("role") == "test" and "with_outcome" in item
    ]
    if not tested:
        return NOT_IN_CARD
    total = sum(int(item["with_outcome"]) for item in tested)
    return f"{total:,} {unit_words} with a known outcome in {len(tested)} test cohort(s)"


def _best_achievable(check: Any) -> str:
    if not isinstance(check, dict):
        return (
            "not measured: only a synthetic world, whose truth is known, can say how far the "
            "model is from the best any model could do"
        )
    return (
        f"the best AUC achievable from the same records, measured on a synthetic world, is "
        f"{_text(check.get('best_achievable_auc'))}; the model's gap to it is "
        f"{_text(check.get('gap'))}"
    )


def _parts() -> dict[tuple[str, str], Template]:
    text = EFFECT.read_text(encoding="utf-8")
    return {(part, case): Template(body.strip()) for part, case, body in PART.findall(text)}


def _effect_values(evaluations: list[Evaluated]) -> dict[str, str]:
    """The effect parts of the summary, from the evaluations carried (none: no evidence)."""
    parts = _parts()
    if not evaluations:
        return {
            "effect": parts["effect", "none"].substitute(),
            "effect_strength": parts["strength", "none"].substitute(),
            "and_results": "",
        }
    verdicts = "\n".join(
        f"- **{item.title}** ({_text(item.result.get('registration'), NOT_IN_RESULT)}): "
        f"{_text(item.result.get('verdict'), NOT_IN_RESULT)}."
        for item in evaluations
    )
    designs = sorted(
        {DESIGNS.get(str(item.result.get("design")), NOT_IN_RESULT) for item in evaluations}
    )
    exploratory = sum(item.exploratory for item in evaluations)
    return {
        "effect": parts["effect", "evaluated"].substitute(
            count=len(evaluations), verdicts=verdicts
        ),
        "effect_strength": parts["strength", "evaluated"].substitute(
            designs=", ".join(designs),
            sizes="; ".join(_size_of(item) for item in evaluations),
            consistency=_consistency(evaluations),
            registration_note=_registration_note(len(evaluations), exploratory),
        ),
        "and_results": " and, for effects, from the evaluation results",
    }


def _costs(interventions: list[InterventionFile]) -> str:
    """The cost notes: what each intervention carried took, as its description says (TIDieR's
    "when and how much"); none carried, no costs recorded."""
    parts = _parts()
    if not interventions:
        return parts["costs", "none"].substitute()
    return parts["costs", "given"].substitute(
        costs_given="\n".join(
            f"- **{_text(item.title)}:** {_text(item.tidier.when_and_how_much)}"
            for item in interventions
        )
    )


def _size_of(item: Evaluated) -> str:
    result = item.result
    periods = result.get("periods")
    span = (
        f"periods {periods[0]} to {periods[-1]} ({len(periods)} in all)"
        if isinstance(periods, list) and periods
        else f"periods {NOT_IN_RESULT}"
    )
    return (
        f"{item.title}: {_text(result.get('n_treated'), NOT_IN_RESULT)} areas with the "
        f"intervention and {_text(result.get('n_comparison'), NOT_IN_RESULT)} comparison areas, "
        f"{span}, starting {_text(result.get('start'), NOT_IN_RESULT)}"
    )


def _consistency(evaluations: list[Evaluated]) -> str:
    lower = sum(item.direction == "lower" for item in evaluations)
    higher = sum(item.direction == "higher" for item in evaluations)
    none = len(evaluations) - lower - higher
    return (
        f"{len(evaluations)} evaluation(s): {lower} found the outcome lower with the "
        f"intervention, {higher} found it higher, {none} found no effect it could tell from "
        "chance"
    )


def _registration_note(count: int, exploratory: int) -> str:
    if exploratory == 0:
        return "Every plan was pre-registered: frozen before the outcomes it is judged on existed."
    return (
        f"{exploratory} of the {count} evaluation(s) are exploratory: their plans were not frozen "
        "before the outcomes existed, so they are weaker evidence than pre-registered ones, and "
        "a finding among them is a lead to test again, not a settled effect."
    )


def evidence_summary(
    recipe: Recipe,
    card: dict[str, Any],
    evaluations: list[Evaluated] | None = None,
    interventions: list[InterventionFile] | None = None,
    insight: InsightSummary | None = None,
) -> str:
    """The evidence summary, in Markdown, from the recipe, its model card and the evaluations,
    interventions and community insight the pack carries."""
    details = card.get("model_details", {})
    evaluation = card.get("evaluation", {})
    headline = evaluation.get("headline", {}) if isinstance(evaluation, dict) else {}
    added = card.get("added_value")
    caveats = card.get("caveats") or {}
    values = {
        "title": recipe.title,
        "recipe_id": recipe.id,
        "version": recipe.version,
        "run_short": str(details.get("run_id", ""))[:16] or NOT_IN_CARD,
        "created": _text(details.get("created")),
        "question": " ".join(recipe.question.split()),
        "design": _text(evaluation.get("method")),
        "size": _size(card.get("data", {}).get("cohorts", {}), recipe.words.units),
        "consistency": _text(details.get("selection"))
        + f"; on the later test cohorts, AUC {_text(headline.get('test_auc'))}",
        "headline_rows": _headline_rows(headline),
        "added_value": _text(added.get("said_plainly"))
        if isinstance(added, dict)
        else "not compared in this run (the recipe states no baselines)",
        "best_achievable": _best_achievable(card.get("synthetic_world_check")),
        "caveats": "\n".join(f"- {_text(text)}" for text in caveats.values()) or "- None given.",
        **_effect_values(evaluations or []),
        "costs": _costs(interventions or []),
        "communities": what_communities_said(insight),
    }
    return Template(EVIDENCE.read_text(encoding="utf-8")).substitute(values)


def licence(recipe: Recipe) -> str:
    """The licences of the pack: the code's for the recipe, the documents' for the documents."""
    organisation = recipe.transparency.organisation or "the publishing partnership"
    return Template(LICENCE.read_text(encoding="utf-8")).substitute(
        organisation=" ".join(str(organisation).split())
    )
