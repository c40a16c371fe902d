"""The world's parameters, validated before any work starts."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bakehouse.errors import ConfigError
from bakehouse.world.extracts.xlsx import SheetLimits
from bakehouse.world.noise import NoiseLevel
from bakehouse.yamlfiles import read_yaml

WORLD_START = date(2010, 1, 1)
LSOA_CODE = re.compile(r"^E0\d{7}$")


class Intervention(BaseModel):
    """A true effect on the GLD probability of children in ``areas`` from cohort ``from_cohort``."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    areas: list[str] = Field(min_length=1)
    from_cohort: int = Field(alias="from", ge=2013, le=2040)
    effect: float = Field(ge=-0.5, le=0.5)
    name: str = "intervention"

    @field_validator("areas")
    @classmethod
    def _lsoa_codes(cls, areas: list[str]) -> list[str]:
        bad = [code for code in areas if not LSOA_CODE.match(code)]
        if bad:
            raise ValueError(f"not LSOA 2011 codes (E01...): {', '.join(bad[:3])}")
        return areas


class WorldConfig(BaseModel):
    """Everything that determines a world. Same config, same bytes."""

    model_config = ConfigDict(extra="forbid")

    area: str = "basildon"
    seed: int = Field(default=1, ge=0)
    scale: float = Field(default=1.0, gt=0, le=4.0)
    noise: NoiseLevel = NoiseLevel.DEFAULT
    # False writes the extracts as a partnership without NHS numbers, UPNs or NINOs holds them:
    # those columns are left out, and the world carries source specifications to match.
    national_ids: bool = True
    # The most data rows one workbook of a spreadsheet source holds before the next begins:
    # Excel's limit, or fewer to see how ingestion takes a source sent as several workbooks.
    sheet_rows: int = Field(default=SheetLimits.rows, ge=1, le=SheetLimits.rows)
    as_at: date = date(2025, 9, 30)
    iod_dir: Path | None = None
    interventions: list[Intervention] = Field(default_factory=list)

    @field_validator("as_at")
    @classmethod
    def _late_enough(cls, value: date) -> date:
        if value < date(2020, 9, 1) or value > date(2030, 12, 31):
            raise ValueError("must be between 2020-09-01 and 2030-12-31")
        return value

    def as_dict(self) -> dict[str, Any]:
        # Options at their defaults are left out, so a world is described as before the option
        # existed.
        exclude = {"national_ids"} if self.national_ids else set()
        if self.sheet_rows == SheetLimits.rows:
            exclude.add("sheet_rows")
        return self.model_dump(mode="json", by_alias=True, exclude=exclude)


def parse_intervention(text: str) -> Intervention:
    """Parse ``areas=E01...,E01...;from=2021;effect=+0.06[;name=...]``."""
    fields: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, sep, value = part.partition("=")
        if not sep:
            raise ConfigError(
                f"'{part}' is not key=value",
                field="--intervention",
                fix="Write areas=E01021237,E01021238;from=2022;effect=+0.06",
            )
        fields[key.strip()] = value.split(",") if key.strip() == "areas" else value.strip()
    return _validated(Intervention, fields, "--intervention")


def load_interventions(path: Path) -> list[Intervention]:
    """Read a YAML list of interventions (each with areas, from, effect and optional name)."""
    data = read_yaml(path, "intervention")
    if not isinstance(data, list):
        raise ConfigError(
            "Expected a list of interventions",
            file=path,
            fix="Start each intervention with '- areas: [...]'",
        )
    return [_validated(Intervention, item, str(path), index=i) for i, item in enumerate(data)]


def _validated(
    model: type[Intervention], data: Any, source: str, index: int | None = None
) -> Intervention:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}" for e in error.errors()
        )
        where = f"item {index + 1}: " if index is not None else ""
        raise ConfigError(f"Invalid intervention ({where}{problems})", file=source) from None
