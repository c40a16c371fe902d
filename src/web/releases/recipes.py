"""A recipe as the pages speak of it: its title, its question and its words, from the manifest
of a release (format 2). General code and templates say units, events and populations; these
are the words shown in their place."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class RecipeWords:
    """The recipe's words (``recipe.words`` of the manifest, docs/release.md).

    ``unit``/``units``: one and several of the population ("child", "children");
    ``outcome`` completes "the chance of ..."; ``events`` completes "the expected number of
    ..."; ``event_rate`` heads rates; ``population`` is the denominator; ``coming`` completes
    "expected in ..."."""

    unit: str
    units: str
    outcome: str
    events: str
    event_rate: str
    population: str
    coming: str


@dataclass(frozen=True)
class Recipe:
    """A recipe as its current release describes it."""

    id: str
    title: str
    question: str
    unit: str
    words: RecipeWords


def recipe_from_manifest(manifest: Mapping[str, Any]) -> Recipe:
    """The recipe of a verified format 2 manifest (the importer refuses any other)."""
    recipe = manifest["recipe"]
    words = recipe["words"]
    return Recipe(
        id=str(recipe["id"]),
        title=str(recipe["title"]),
        question=str(recipe["question"]),
        unit=str(recipe["unit"]),
        words=RecipeWords(**{name: str(words[name]) for name in RecipeWords.__annotations__}),
    )
