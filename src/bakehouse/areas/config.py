"""Settings of the small-area estimates, validated before any work starts.

A recipe carries these under ``areas:``; every field has a default that follows public health
practice (95% intervals, Getis-Ord Gi* with false discovery rate control).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bakehouse.errors import ConfigError
from bakehouse.geography import iod_folder, load_area
from bakehouse.yamlfiles import read_yaml

if TYPE_CHECKING:  # the recipe's schema types its areas: section with this module's model
    from bakehouse.ingest.progress import Reporter
    from bakehouse.recipes.loader import LoadedRecipe
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


def load_areas_config(path: Path) -> AreasConfig:
    """Read settings from YAML (the file itself, or its ``areas:`` section)."""
    data = read_yaml(path, "area settings") or {}
    if isinstance(data, dict) and "areas" in data:
        data = data["areas"]
    try:
        return AreasConfig.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise ConfigError(
            f"Invalid area settings ({problems})",
            file=path,
            field=".".join(map(str, first["loc"])),
            fix="See src/bakehouse/areas/README.md for the settings",
        ) from None


def area_settings(
    loaded: LoadedRecipe, area: str, iod_dir: Path | None, reporter: Reporter | None = None
) -> AreasConfig:
    """The recipe's area settings for ``area``; without real deprivation for it (no IoD 2019
    files given and outside the shipped extract), a deprivation prior becomes the district's
    rate (the release's methods record the prior used)."""
    settings = loaded.recipe.areas
    codes = load_area(area).lsoa_codes
    if settings.prior is Prior.DEPRIVATION and iod_folder(codes, iod_dir) is None:
        settings = settings.model_copy(update={"prior": Prior.DISTRICT})
        if reporter is not None:
            reporter.note(
                f"No IoD 2019 figures for {area} (the shipped extract covers Essex; give --iod "
                "the official files for another area): small areas are shrunk towards the "
                "district's rate, not towards deprivation as the recipe asks."
            )
    return settings
