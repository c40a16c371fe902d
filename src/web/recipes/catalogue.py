"""What the recipes page says of each recipe the web app knows: those with a current published
release and those with a pack. The question is the current release's words, else the pack's;
the evidence, what communities said and what baking it needs come from the pack; the results so
far from the release."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from bakehouse.packs.insight import InsightSummary
from web.recipes.models import RecipePack
from web.releases.models import Release

# The model card's headline measures a reader can weigh, in plain words, in this order.
MEASURES = (
    (
        "test_auc",
        "How well it ranks those who went on to the outcome above those who did not "
        "(AUC: 0.5 is chance, 1 perfect)",
    ),
    (
        "test_precision_top_10",
        "Of the highest 10% by predicted chance, the share who went on to the outcome",
    ),
    ("test_recall_top_10", "Of all who went on to the outcome, the share in the highest 10%"),
    (
        "test_expected_calibration_error",
        "How far predicted chances are from what happened (calibration error: 0 is perfect)",
    ),
    ("test_brier_score", "Average error of the predicted chances (Brier score: lower is better)"),
)


@dataclass(frozen=True)
class Measure:
    label: str
    value: str  # the estimate with its 95% interval, as the model card writes it


@dataclass(frozen=True)
class Effect:
    """An evaluation the pack carries, as its manifest words it: the intervention's title (empty
    when the pack does not describe it), the verdict and whether the plan was pre-registered."""

    intervention: str
    verdict: str
    registration: str


@dataclass(frozen=True)
class Evidence:
    """The strength of the model's evidence, and what evaluations of acting on it found."""

    evaluated: bool
    effects: list[Effect]
    method: str
    measures: list[Measure]
    added_value: str
    # The pack's community insight summary; None when it carries none.
    communities: InsightSummary | None = None


@dataclass(frozen=True)
class Results:
    release: Release
    area_count: int
    flagged_count: int


@dataclass(frozen=True)
class RecipeEntry:
    id: str
    title: str
    question: str
    results: Results | None
    pack: RecipePack | None
    evidence: Evidence | None


def recipe_entries() -> list[RecipeEntry]:
    """Every recipe with a current release or a pack, by title."""
    releases = {release.recipe: release for release in Release.objects.current_releases()}
    packs = {pack.recipe: pack for pack in RecipePack.objects.defer("content")}
    entries = []
    for recipe in releases.keys() | packs.keys():
        release, pack = releases.get(recipe), packs.get(recipe)
        title = release.about.title if release is not None else pack.title if pack else recipe
        question = release.about.question if release is not None else pack.question if pack else ""
        entries.append(
            RecipeEntry(
                id=recipe,
                title=title,
                question=question,
                results=_results(release) if release is not None else None,
                pack=pack,
                evidence=evidence_of(pack) if pack is not None else None,
            )
        )
    return sorted(entries, key=lambda entry: (entry.title.lower(), entry.id))


def _results(release: Release) -> Results:
    return Results(
        release=release,
        area_count=release.areas.count(),
        flagged_count=release.areas.filter(flagged=True).count(),
    )


def evidence_of(pack: RecipePack) -> Evidence:
    """The pack's evidence as facts: an effect is evaluated only when the pack carries
    evaluations, each with its verdict from the manifest; the model's figures from its model
    card."""
    card = pack.model_card
    evaluation = _mapping(card.get("evaluation"))
    headline = _mapping(evaluation.get("headline"))
    return Evidence(
        evaluated="evaluations" in _mapping(pack.manifest.get("sections")),
        effects=_effects(pack.manifest),
        method=_text(evaluation.get("method")),
        measures=[
            Measure(label, _text(headline[key]))
            for key, label in MEASURES
            if _text(headline.get(key))
        ],
        added_value=_text(_mapping(card.get("added_value")).get("said_plainly")),
        communities=None if pack.insight is None else InsightSummary.model_validate(pack.insight),
    )


def _effects(manifest: Mapping[str, Any]) -> list[Effect]:
    """The manifest's evaluations (a pack of format 2 on), with their interventions' titles."""
    titles = {
        _text(item.get("file")): _text(item.get("title"))
        for item in _list(manifest.get("interventions"))
    }
    return [
        Effect(
            intervention=titles.get(_text(item.get("intervention")), ""),
            verdict=_text(item.get("verdict")),
            registration=_text(item.get("registration")),
        )
        for item in _list(manifest.get("evaluations"))
        if _text(item.get("verdict"))
    ]


def _list(value: Any) -> list[Mapping[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
