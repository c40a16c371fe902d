"""Linkage settings: one YAML file, validated before any work starts, every problem reported at
once with the file and the field.

The shipped defaults (``settings/default.yaml``) work on the synthetic world at every noise level.
A partnership changes a threshold or a training rule here, never Splink settings: the model is
built from these fields (see :mod:`bakehouse.linkage.model`). Sources need no entry at all: every
source ingestion puts in the custodian zone is linked through the identifiers it carries.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bakehouse.errors import ConfigError
from bakehouse.yamlfiles import describe, parse_yaml

SETTINGS_DIR = Path(__file__).resolve().parent / "settings"
DEFAULT_SETTINGS = SETTINGS_DIR / "default.yaml"

# The columns of the prepared identity table that blocking and training rules may name.
RULE_FIELDS = {
    "forename": "the whole standardised forename",
    "forename_first": "the first forename",
    "surname": "the standardised surname",
    "dob": "the date of birth",
    "dob_any_order": "the date of birth with day and month in either order",
    "initials": "first letters of forename and surname, in either order",
    "full_name": "first forename and surname together (a block that leaves both comparisons of "
    "names and place to help training)",
    "birth_year": "year of birth (a block that leaves the date of birth comparison to train)",
    "sex": "sex",
    "nhs_number": "NHS number",
    "upn": "Unique Pupil Number",
    "nino": "National Insurance number",
    "postcode": "postcode",
    "postcode_sector": "postcode sector (postcode without its last two letters)",
    "address": "standardised street address (house number and street)",
    "reference": "a reference number within its scope (when ingestion provides one)",
}
COMPARISONS = (
    "forename",
    "surname_and_place",
    "dob",
    "sex",
    "nhs_number",
    "upn",
    "nino",
    "reference",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


Rule = tuple[str, ...]


def _check_rule(rule: Rule) -> Rule:
    if not rule:
        raise ValueError("a rule needs at least one field")
    unknown = [name for name in rule if name not in RULE_FIELDS]
    if unknown:
        raise ValueError(
            f"unknown field(s) {', '.join(unknown)}; use {', '.join(sorted(RULE_FIELDS))}"
        )
    return rule


class TrainingStep(_Strict):
    """One expectation-maximisation session: the pairs that agree on ``block`` train the m
    probabilities of the comparisons listed in ``estimates``."""

    block: Rule
    estimates: tuple[str, ...]

    @field_validator("block")
    @classmethod
    def _block(cls, value: Rule) -> Rule:
        return _check_rule(value)

    @field_validator("estimates")
    @classmethod
    def _estimates(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [name for name in value if name not in COMPARISONS]
        if unknown or not value:
            raise ValueError(f"estimates must name comparisons among {', '.join(COMPARISONS)}")
        return value


class Training(_Strict):
    deterministic_rules: tuple[Rule, ...]
    deterministic_recall: float = Field(gt=0, le=1)
    u_max_pairs: float = Field(ge=1e4, le=1e10)
    seed: int = Field(ge=0)
    # "auto": sessions chosen from the identifiers the records hold (see linkage/plan.py);
    # or the sessions in full.
    steps: Literal["auto"] | tuple[TrainingStep, ...] = "auto"
    m_floor: float = Field(gt=0, lt=0.1)
    # Above this many identities, each session trains on the identities whose first blocking
    # value falls in a hashed share of all values: every pair of its block is kept for the values
    # kept, and the pairs grow with the square of the identities no longer.
    em_max_identities: int = Field(default=500_000, ge=1_000)

    @field_validator("deterministic_rules")
    @classmethod
    def _rules(cls, value: tuple[Rule, ...]) -> tuple[Rule, ...]:
        return tuple(_check_rule(rule) for rule in value)

    @field_validator("steps")
    @classmethod
    def _steps(
        cls, value: Literal["auto"] | tuple[TrainingStep, ...]
    ) -> Literal["auto"] | tuple[TrainingStep, ...]:
        if value != "auto" and not value:
            raise ValueError('give at least one step, or "auto"')
        return value


class Persons(_Strict):
    threshold: float = Field(gt=0, lt=1, description="match probability that joins two records")
    forename_similarity: tuple[float, float] = (0.92, 0.8)
    surname_similarity: float = Field(default=0.9, gt=0.5, lt=1)
    blocking: tuple[Rule, ...] = Field(min_length=1)
    # An identifier held by fewer identities than this share gets no comparison, blocking rule,
    # deterministic rule or training session (a column a partnership does not hold).
    min_identifier_share: float = Field(default=0.01, gt=0, lt=1)
    training: Training
    keep_pairs_above_weight: float = -8.0
    nicknames: str = "nicknames.yaml"

    @field_validator("blocking")
    @classmethod
    def _blocking(cls, value: tuple[Rule, ...]) -> tuple[Rule, ...]:
        return tuple(_check_rule(rule) for rule in value)


class Addresses(_Strict):
    street_words: str = "street_words.yaml"
    fuzzy_street_similarity: float = Field(default=0.9, gt=0.5, lt=1)


class Households(_Strict):
    coresidence_grace_days: int = Field(ge=0, le=365)
    coverage_days: int = Field(ge=0, le=3650)
    forward_days: int = Field(ge=0, le=3650)
    stale_run_max_records: int = Field(ge=0, le=10)
    detour_max_records: int = Field(ge=0, le=10)
    family_gap_days: int = Field(ge=0, le=3650)
    attach_postcode_only_by_surname: bool = True


class SourceOptions(_Strict):
    persons: bool = True
    households: bool = True


_UNITS = {"B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}
_AMOUNT = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([KMGT]?)(I?)B\s*", re.IGNORECASE)


def memory_bytes(text: str) -> int:
    """``"8GB"``, ``"8 GiB"`` or ``"500MB"`` in bytes: the units DuckDB takes."""
    match = _AMOUNT.fullmatch(text)
    if match is None or float(match[1]) <= 0:
        raise ValueError(f"{text!r} is not an amount of memory such as 8GB or 500MB")
    prefix = match[2].upper()
    unit = 1024 ** "BKMGT".index(prefix or "B") if match[3] else _UNITS[f"{prefix}B"]
    return int(float(match[1]) * unit)


class Engine(_Strict):
    backend: Literal["duckdb", "spark"] = "duckdb"
    spark_master: str = "local[*]"
    # The most memory linkage's database work may hold, shared by its connections; beyond it
    # DuckDB spills to the workspace's scratch folder. None: half the machine's memory (or a
    # container's limit when lower).
    memory_limit: str | None = None
    threads: int | None = Field(default=None, ge=1, le=512)

    @field_validator("memory_limit")
    @classmethod
    def _an_amount(cls, value: str | None) -> str | None:
        if value is not None:
            memory_bytes(value)
        return value


def _merged(defaults: object, given: object) -> object:
    """``given`` over ``defaults``: mappings merge key by key, anything else replaces."""
    if isinstance(defaults, dict) and isinstance(given, dict):
        merged = dict(defaults)
        for key, value in given.items():
            merged[key] = _merged(defaults.get(key), value)
        return merged
    return given


@functools.cache
def _defaults() -> dict[str, Any]:
    data = parse_yaml(DEFAULT_SETTINGS.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


class LinkageSettings(_Strict):
    """Everything the linkage run needs (see settings/default.yaml). A file or a recipe's
    ``linkage:`` section need only hold what differs from the defaults: the rest is filled in
    from the shipped file before validation."""

    engine: Engine = Field(default_factory=Engine)
    persons: Persons
    addresses: Addresses = Field(default_factory=Addresses)
    households: Households
    sources: dict[str, SourceOptions] = Field(default_factory=dict)
    folder: Path = Field(default=SETTINGS_DIR, exclude=True)

    @model_validator(mode="before")
    @classmethod
    def _over_defaults(cls, data: object) -> object:
        return _merged(_defaults(), data) if isinstance(data, dict) else data

    def resolve(self, name: str) -> Path:
        """A file named in the settings: relative to the settings file's folder, else one of
        the shipped lists."""
        path = Path(name)
        if path.is_absolute():
            return path
        local = self.folder / path
        return local if local.exists() else SETTINGS_DIR / path

    def fingerprint(self) -> str:
        document = self.model_dump(mode="json")
        for name in (self.persons.nicknames, self.addresses.street_words):
            path = self.resolve(name)
            document[f"file:{name}"] = path.read_text(encoding="utf-8") if path.exists() else ""
        text = json.dumps(document, sort_keys=True)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _read_yaml(path: Path) -> object:
    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("No linkage settings file", file=path, fix="Check --settings") from None
    except yaml.YAMLError as error:
        raise ConfigError(f"The linkage settings are {describe(error)}", file=path) from None
    except UnicodeDecodeError:
        raise ConfigError("The linkage settings are not UTF-8 text", file=path) from None


def load_settings(path: Path | None = None, *, threshold: float | None = None) -> LinkageSettings:
    """Read and validate a settings file (default: the shipped one). A recipe may carry the same
    fields under a ``linkage:`` key. ``threshold`` overrides ``persons.threshold``."""
    target = (path or DEFAULT_SETTINGS).expanduser()
    data = _read_yaml(target)
    if isinstance(data, dict) and isinstance(data.get("linkage"), dict):
        data = data["linkage"]
    if not isinstance(data, dict):
        raise ConfigError("Expected a mapping of linkage settings at the top level", file=target)
    if threshold is not None:
        persons = dict(data.get("persons") or {})
        persons["threshold"] = threshold
        data = {**data, "persons": persons}
    try:
        settings = LinkageSettings.model_validate({**data, "folder": target.parent})
    except ValidationError as error:
        problems = [f"{_location(item['loc'])}: {item['msg']}" for item in error.errors()]
        listing = "\n  - ".join(problems)
        raise ConfigError(
            f"{len(problems)} problem(s) in the linkage settings:\n  - {listing}\n",
            file=target,
            fix="Correct the fields named above (see src/bakehouse/linkage/settings/default.yaml)",
        ) from None
    for name in (settings.persons.nicknames, settings.addresses.street_words):
        if not settings.resolve(name).is_file():
            raise ConfigError(
                "A file the linkage settings name does not exist",
                file=settings.resolve(name),
                fix="Give a path relative to the settings file, or an absolute one",
            )
    return settings
