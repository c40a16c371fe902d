"""The recipe's ``areas:`` section: what shapes its small-area estimates, validated with the rest
of the recipe before any work starts.

Every field has a default that follows public health practice (95% intervals, Getis-Ord Gi* with
false discovery rate control). The estimates themselves (:mod:`bakehouse.areas`) read these
settings; the recipe owns their types, so the recipes package never imports the estimates.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from bakehouse.recipes.schema import Words


class Prior(StrEnum):
    """What small-area rates are shrunk towards."""

    MODEL = "model"  # a regression on the model's own expected rate (and deprivation, if given)
    DEPRIVATION = "deprivation"  # a regression on deprivation
    DISTRICT = "district"  # the district's rate


class FlagRule(BaseModel):
    """The rule that lists areas that could use additional support.

    An area is flagged when at least ``min_expected`` events are expected and the whole interval
    of its expected rate lies above the ``benchmark``'s rate (or, with ``hotspots_count``, when
    it is also a significant hotspot).
    """

    model_config = ConfigDict(extra="forbid")

    min_expected: float = Field(default=5.0, ge=0)
    benchmark: Literal["district", "county"] = "district"
    hotspots_count: bool = False

    def describe(self, words: Words) -> str:
        """The rule in the recipe's words."""
        text = (
            f"at least {self.min_expected:g} {words.events} expected, and the whole range of "
            f"the expected rate above the {self.benchmark}'s rate"
        )
        if self.hotspots_count:
            text += ", or part of a significant cluster of high need with the rate above it"
        return text


class Hotspots(BaseModel):
    """Getis-Ord Gi* on queen contiguity, corrected for multiple testing (Benjamini-Hochberg)."""

    model_config = ConfigDict(extra="forbid")

    method: Literal["analytic", "permutation"] = "analytic"
    permutations: int = Field(default=9999, ge=99)
    false_discovery_rate: float = Field(default=0.05, gt=0, lt=1)


class AreasConfig(BaseModel):
    """Everything that shapes the area estimates (not the disclosure rules: those are the
    agreements')."""

    model_config = ConfigDict(extra="forbid")

    confidence: float = Field(default=0.95, gt=0.5, lt=1)
    simulations: int = Field(default=1000, ge=200, le=100_000)
    seed: int = Field(default=20251001, ge=0)
    prior: Prior = Prior.MODEL
    hotspots: Hotspots = Field(default_factory=Hotspots)
    flag: FlagRule = Field(default_factory=FlagRule)
    drivers_per_area: int = Field(default=3, ge=1, le=10)

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
