"""Reading a recipe's area settings: from a YAML file, or from a loaded recipe for one area.

The settings' types are the recipe's (:mod:`bakehouse.recipes.areas_section`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from bakehouse.errors import ConfigError
from bakehouse.geography import iod_folder, load_area
from bakehouse.recipes.areas_section import AreasConfig, Prior
from bakehouse.yamlfiles import read_yaml

if TYPE_CHECKING:
    from bakehouse.ingest.progress import Reporter
    from bakehouse.recipes.loader import LoadedRecipe


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
