"""The recipe file's schema: every section, its fields and the checks across them.

A recipe is one use case worked end to end: the question, who is in the cohort and when they are
predicted for, the outcome, the sources and agreements it relies on, the features, the model and
how it is validated and chosen, the groups it is audited for, and what may be published. The
shipped recipe (``school-readiness.yaml``) explains each field where it is set.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bakehouse.errors import ConfigError

_ID = re.compile(r"[a-z][a-z0-9-]{1,62}")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
Candidate = Literal["logistic", "lightgbm"]
Unit = Literal["child", "person", "household"]
GroupAttribute = Literal[
    "sex", "ethnicity", "eal", "sen", "deprivation_quintile", "linkage_completeness"
]


class RecipeError(ConfigError):
    """A recipe file is missing, unreadable or invalid (every problem listed at once)."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _plain_name(value: str) -> str:
    if not _NAME.fullmatch(value):
        raise ValueError("use lower-case letters, digits and underscores, starting with a letter")
    return value


class SourceUse(_Strict):
    """A source the recipe reads, and the columns that date its rows in the analysis zone."""

    why: str = Field(min_length=1, description="what the recipe uses this source for")
    event_date: str = Field(description="analysis column holding the date of the event")
    recorded_date: str | None = Field(
        default=None, description="analysis column holding when the record was entered"
    )
    agreement: str | None = Field(
        default=None, description="the data sharing agreement the source must arrive under"
    )

    _names = field_validator("event_date", "recorded_date")(
        lambda value: value if value is None else _plain_name(value)
    )


class Words(_Strict):
    """The recipe's words for documents and pages: general code speaks of units, events and
    populations, and shows these in their place."""

    unit: str = Field(min_length=1, description="one of the population: 'child'")
    units: str = Field(min_length=1, description="more than one: 'children'")
    outcome: str = Field(
        min_length=1,
        description="the outcome in plain words, completing 'the chance of ...'",
    )
    events: str = Field(
        min_length=1, description="what is counted, completing 'the expected number of ...'"
    )
    event_rate: str = Field(min_length=1, description="a heading for the rate of events")
    population: str = Field(min_length=1, description="who is counted: the denominator")
    coming: str = Field(
        min_length=1, description="what expected numbers cover, completing 'expected in ...'"
    )


class CohortSpec(_Strict):
    description: str
    birth_sources: list[str] = Field(min_length=1)
    first_cohort: int = Field(ge=1990, le=2100)
    school_year_starts: int = Field(default=9, ge=1, le=12)
    known_by_prediction_date: bool = True
    score_partial_cohorts: bool = False


class PredictionPoint(_Strict):
    description: str
    age_months: int = Field(ge=1, le=216)


class OutcomeSpec(_Strict):
    name: str
    description: str
    source: str
    column: str
    positive_when: bool
    year_column: str | None = None
    min_coverage: float = Field(
        default=0.5, gt=0, le=1, description="share of a cohort with a result for it to count"
    )
    known_month: int = Field(
        default=7, ge=1, le=12, description="a year's results are known from the end of this month"
    )

    _names = field_validator("name", "column", "year_column")(
        lambda value: value if value is None else _plain_name(value)
    )


class LightGBMSettings(_Strict):
    learning_rate: float = Field(gt=0, le=1)
    num_leaves: int = Field(ge=2, le=1024)
    min_data_in_leaf: int = Field(ge=1)
    feature_fraction: float = Field(gt=0, le=1)
    bagging_fraction: float = Field(gt=0, le=1)
    bagging_freq: int = Field(ge=0)
    lambda_l2: float = Field(ge=0)
    max_rounds: int = Field(ge=10, le=20000)
    seed: int = Field(ge=0)
    monotone: bool = Field(
        default=True, description="constrain each feature to its known direction of effect"
    )
    start_from: Literal["zero", "logistic"] = Field(
        default="zero",
        description="where the trees start: nothing, or the logistic regression's log-odds",
    )


class LogisticSettings(_Strict):
    c: float = Field(gt=0, alias="C")
    max_iter: int = Field(ge=50)


class SelectionRule(_Strict):
    metric: Literal["auc", "average_precision", "brier"]
    tie_margin: float = Field(ge=0, le=0.1)
    prefer: Candidate
    rule: str = Field(min_length=1, description="the rule in words, for the model card")


class ModelSpec(_Strict):
    candidates: list[Candidate] = Field(min_length=1)
    lightgbm: LightGBMSettings
    logistic: LogisticSettings
    calibration: Literal["platt", "isotonic"]
    selection: SelectionRule
    uncertainty_refits: int = Field(ge=0, le=500)
    threads: int = Field(default=2, ge=1, le=64)

    @field_validator("candidates")
    @classmethod
    def _unique(cls, value: list[Candidate]) -> list[Candidate]:
        if len(set(value)) != len(value):
            raise ValueError("a candidate is listed twice")
        return value


class ValidationSpec(_Strict):
    test_cohorts: int = Field(ge=1, le=10)
    min_training_cohorts: int = Field(ge=2, le=20)
    bootstrap: int = Field(ge=50, le=10000)
    top_k: list[float] = Field(min_length=1)
    ece_bins: int = Field(ge=2, le=50)
    seed: int = Field(ge=0)

    @field_validator("top_k")
    @classmethod
    def _shares(cls, value: list[float]) -> list[float]:
        if any(not 0 < share < 1 for share in value):
            raise ValueError("each top-k share must be between 0 and 1 (0.1 is the top 10%)")
        return value


class GroupSpec(_Strict):
    reference: str | None = None


class FairnessSpec(_Strict):
    flag_share: float = Field(gt=0, lt=1)
    tolerance: tuple[float, float]
    calibration_tolerance: float = Field(gt=0, lt=1)
    min_group_size: int = Field(ge=1)
    groups: dict[GroupAttribute, GroupSpec] = Field(min_length=1)

    @field_validator("tolerance")
    @classmethod
    def _band(cls, value: tuple[float, float]) -> tuple[float, float]:
        low, high = value
        if not 0 < low < 1 < high:
            raise ValueError("the band must hold 1: a lower bound below 1 and an upper above it")
        return value


class ExplanationSpec(_Strict):
    drivers_per_area: int = Field(ge=1, le=20)
    min_children: int = Field(ge=1)


class PublicationSpec(_Strict):
    disclosure_threshold: int = Field(ge=0)
    rounding: int = Field(ge=1)
    person_level: Literal[False] = Field(
        default=False, description="person-level rows never leave the analysis environment"
    )


class TransparencySpec(_Strict):
    """Fields of the transparency record that only people can supply; blank ones are marked
    for completion in the generated record."""

    organisation: str | None = None
    team: str | None = None
    senior_responsible_owner: str | None = None
    contact: str | None = None
    website: str | None = None
    external_supplier: str | None = None
    human_decisions: str | None = None
    training: str | None = None
    appeals: str | None = None
    impact_assessment: str | None = None


class Recipe(_Strict):
    id: str
    version: str = Field(min_length=1)
    title: str
    question: str
    unit: Unit
    words: Words
    cohort: CohortSpec
    prediction_point: PredictionPoint
    outcome: OutcomeSpec
    sources: dict[str, SourceUse] = Field(min_length=1)
    features: list[str] = Field(min_length=1)
    model: ModelSpec
    validation: ValidationSpec
    fairness: FairnessSpec
    explanations: ExplanationSpec
    publication: PublicationSpec
    transparency: TransparencySpec = TransparencySpec()
    intended_use: list[str] = Field(min_length=1)
    not_intended_for: list[str] = Field(min_length=1)
    linkage: dict[str, Any] | None = None
    areas: dict[str, Any] | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not _ID.fullmatch(value):
            raise ValueError("lower-case letters, digits and hyphens (it is the purpose id)")
        return value

    @field_validator("sources")
    @classmethod
    def _source_ids(cls, value: dict[str, SourceUse]) -> dict[str, SourceUse]:
        for source in value:
            _plain_name(source)
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Recipe:
        problems = cross_problems(self.model_dump(by_alias=True))
        if problems:
            raise ValueError("; ".join(f"{where}: {what}" for where, what in problems))
        return self


def _get(data: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def cross_problems(data: Any) -> list[tuple[str, str]]:
    """Checks across sections, on the raw mapping, so that they are reported together with the
    field errors (pydantic runs a model's own checks only when every field is valid)."""
    from bakehouse.features.catalogue import CATALOGUE

    problems: list[tuple[str, str]] = []
    features = _get(data, "features")
    sources = _get(data, "sources")
    listed = set(sources) if isinstance(sources, dict) else set()
    if isinstance(features, list):
        names = [name for name in features if isinstance(name, str)]
        for index, name in enumerate(features):
            if isinstance(name, str) and name not in CATALOGUE:
                problems.append(
                    (f"features.{index}", f"unknown feature '{name}' (see features/README.md)")
                )
        if len(set(names)) != len(names):
            problems.append(("features", "a feature is listed twice"))
        needed = sorted({str(CATALOGUE[n].source) for n in names if n in CATALOGUE} - {"None"})
        for source in needed:
            if isinstance(sources, dict) and source not in listed:
                problems.append(("sources", f"features need source '{source}', not listed"))
    births = _get(data, "cohort", "birth_sources")
    if isinstance(births, list) and isinstance(sources, dict):
        for index, source in enumerate(births):
            if source not in listed:
                problems.append((f"cohort.birth_sources.{index}", f"'{source}' not in sources"))
    outcome = _get(data, "outcome", "source")
    if isinstance(outcome, str) and isinstance(sources, dict) and outcome not in listed:
        problems.append(("outcome.source", f"'{outcome}' not in sources"))
    candidates = _get(data, "model", "candidates")
    prefer = _get(data, "model", "selection", "prefer")
    if isinstance(candidates, list) and isinstance(prefer, str) and prefer not in candidates:
        problems.append(("model.selection.prefer", f"'{prefer}' is not one of the candidates"))
    return problems
