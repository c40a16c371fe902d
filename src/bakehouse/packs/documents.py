"""The pack's own documents: the evidence summary and the licence.

Their prose is in ``evidence.md`` and ``LICENCE.md`` beside this module (``string.Template``);
this module supplies only values, read from the model card the pack carries and the recipe. A
figure the model card does not hold is said to be missing, never made up.
"""

from __future__ import annotations

from pathlib import Path
from string import Template
from typing import Any

from bakehouse.recipes.schema import Recipe

HERE = Path(__file__).parent
EVIDENCE = HERE / "evidence.md"
LICENCE = HERE / "LICENCE.md"
NOT_IN_CARD = "not in the model card"


def _text(value: Any) -> str:
    return " ".join(str(value).split()) if value not in (None, "") else NOT_IN_CARD


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


def evidence_summary(recipe: Recipe, card: dict[str, Any]) -> str:
    """The evidence summary, in Markdown, from the recipe and its model card."""
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
    }
    return Template(EVIDENCE.read_text(encoding="utf-8")).substitute(values)


def licence(recipe: Recipe) -> str:
    """The licences of the pack: the code's for the recipe, the documents' for the documents."""
    organisation = recipe.transparency.organisation or "the publishing partnership"
    return Template(LICENCE.read_text(encoding="utf-8")).substitute(
        organisation=" ".join(str(organisation).split())
    )
