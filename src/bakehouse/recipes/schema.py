"""The recipe file's schema: every section, its fields and the checks across them.

A recipe is one use case worked end to end: the question, who is in the cohort and when they are
predicted for, the outcome, the sources and agreements it relies on, the features, the model and
how it is validated and chosen, the groups it is audited for, and what may be published. The
shipped recipes (``school-readiness/recipe.yaml`` first) explain each field where it is set.

Who is predicted for, and on which date, is the ``cohort:`` section, one of three rules:
``age`` (everyone reaching an age: children at 2 years 6 months), ``annual`` (households living
in the area on the same date each year) and ``event`` (households with an event, such as a
police-recorded domestic abuse incident, on its date). The outcome is either a recorded ``value``
(a result on the unit's own record for its cohort) or an ``event`` within a window after the
prediction date.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from bakehouse.errors import ConfigError
from bakehouse.recipes.areas_section import AreasConfig

if TYPE_CHECKING:
    from bakehouse.features.catalogue import Feature

_ID = re.compile(r"[a-z][a-z0-9-]{1,62}")
_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
Candidate = Literal["logistic", "lightgbm"]
Unit = Literal["child", "person", "household"]
# Fairness groups that Bakehouse derives itself; any other group names a source and column.
DERIVED_GROUPS: dict[str, tuple[Unit, ...]] = {
    "sex": ("child", "person"),
    "ethnicity": ("child", "person"),
    "eal": ("child", "person"),
    "sen": ("child", "person"),
    "deprivation_quintile": ("child", "person", "household"),
    "linkage_completeness": ("child", "person", "household"),
}


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


class Condition(_Strict):
    """Rows whose ``column`` holds one of ``values`` (compared as text)."""

    column: str
    values: list[str] = Field(min_length=1)

    _names = field_validator("column")(lambda value: _plain_name(value))


class AgeCohort(_Strict):
    """Everyone reaching an age. Only the month and year of birth reach the analysis zone, so the
    prediction date is the first day of the month in which a person reaches ``age_months``.
    Births from month ``school_year_starts`` of one year to the month before it in the next form
    one cohort, named by the year its outcome is measured: ``cohort_offset`` years after the
    year in which that birth year ends (5 for the summer a child finishes Reception)."""

    rule: Literal["age"]
    description: str
    birth_sources: list[str] = Field(min_length=1)
    first_cohort: int = Field(ge=1990, le=2100)
    school_year_starts: int = Field(default=9, ge=1, le=12)
    cohort_offset: int = Field(default=5, ge=0, le=30)
    known_by_prediction_date: bool = True
    score_partial_cohorts: bool = False


class AnnualCohort(_Strict):
    """Households living in the area on the first day of ``month`` each year, known to one of
    ``seen_in`` in the ``seen_within_months`` before it (a household no service has recorded is
    invisible to every model). The cohort is the year of the date."""

    rule: Literal["annual"]
    description: str
    month: int = Field(ge=1, le=12)
    first_cohort: int = Field(ge=1990, le=2100)
    seen_in: list[str] = Field(min_length=1)
    seen_within_months: int = Field(default=24, ge=1, le=120)
    known_by_prediction_date: bool = True


class EventCohort(_Strict):
    """Households with an event in ``source`` (rows matching ``where``), predicted for on the
    event's date. An event is a prediction date when the household had none in the
    ``gap_months`` before it, so one household's prediction dates are at least that far apart
    and every later event in between belongs to the earlier one. The cohort is the year of the
    date."""

    rule: Literal["event"]
    description: str
    source: str
    where: Condition | None = None
    gap_months: int = Field(default=12, ge=1, le=120)
    first_cohort: int = Field(ge=1990, le=2100)
    known_by_prediction_date: bool = True


CohortSpec = Annotated[AgeCohort | AnnualCohort | EventCohort, Field(discriminator="rule")]


class PredictionPoint(_Strict):
    description: str
    age_months: int | None = Field(
        default=None, ge=1, le=216, description="the age predicted at (the age rule only)"
    )


class ValueOutcome(_Strict):
    """A value recorded on the unit's own rows: a result for its own cohort."""

    rule: Literal["value"]
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


class EventOutcome(_Strict):
    """An event in ``source`` (rows matching ``where``) linked to the unit within
    ``within_months`` after the prediction date. A unit whose window has not closed by the
    extract date has no outcome yet: it is scored as the future."""

    rule: Literal["event"]
    name: str
    description: str
    source: str
    where: Condition | None = None
    within_months: int = Field(default=12, ge=1, le=120)

    _names = field_validator("name")(lambda value: _plain_name(value))


OutcomeSpec = Annotated[ValueOutcome | EventOutcome, Field(discriminator="rule")]


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
    """A group attribute of the fairness audit: one Bakehouse derives (``sex``, ``ethnicity``,
    ``eal``, ``sen``, ``deprivation_quintile``, ``linkage_completeness``), or the most frequent
    value of ``column`` on the unit's rows of ``source``, of any date (never a feature)."""

    reference: str | None = None
    source: str | None = None
    column: str | None = None
    description: str | None = None

    _names = field_validator("source", "column")(
        lambda value: value if value is None else _plain_name(value)
    )


class FairnessSpec(_Strict):
    flag_share: float = Field(gt=0, lt=1)
    tolerance: tuple[float, float]
    calibration_tolerance: float = Field(gt=0, lt=1)
    min_group_size: int = Field(ge=1)
    groups: dict[str, GroupSpec] = Field(min_length=1)

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


class KnownToServices(_Strict):
    """Who counts as already known to services at the prediction date: a unit with any of
    ``any_of`` (features of the recipe, as of that date) above zero."""

    description: str = Field(min_length=1, description="the rule in the recipe's words")
    any_of: list[str] = Field(min_length=1)

    @field_validator("any_of")
    @classmethod
    def _names(cls, value: list[str]) -> list[str]:
        for name in value:
            _plain_name(name)
        if len(set(value)) != len(value):
            raise ValueError("a feature is listed twice")
        return value


class BaselineSpec(_Strict):
    """What a partnership can already do without the model: rank by the deprivation of the home
    area, or by whether services know the unit. The model is compared with both, and with the
    two together, at the ``capacity`` line: the share of units a service could reach."""

    capacity: float = Field(gt=0, lt=1, description="the share of units a service could reach")
    known_to_services: KnownToServices


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


class ReachBand(_Strict):
    """A distance from an area within which a service counts as reachable from it, measured in a
    straight line from the area's population-weighted centroid to the service's place."""

    metres: int = Field(gt=0, le=50_000)
    words: str = Field(min_length=1, description="the distance in plain words: 'a 10-minute walk'")


def _default_reach() -> list[ReachBand]:
    # 800 m is the usual planning figure for a 10-minute walk with a buggy; 2 km a short bus
    # ride; 5 km about as far as a family without a car travels across a district.
    return [
        ReachBand(metres=800, words="a 10-minute walk"),
        ReachBand(metres=2_000, words="a short bus ride"),
        ReachBand(metres=5_000, words="across the district"),
    ]


class AssetsSpec(_Strict):
    """The services of the asset register that serve the recipe's need, and how far from an area
    they count. A service counts when one of its taxonomy terms matches one of ``terms``: by the
    term's id exactly, or by its name ignoring case (feeds seldom share ids, often names). The
    gap measure sets the area's expected events beside the services within ``gap_reach``."""

    description: str = Field(min_length=1, description="which services, in plain words")
    terms: list[str] = Field(min_length=1)
    reach: list[ReachBand] = Field(default_factory=_default_reach, min_length=1, max_length=5)
    gap_reach: int | None = Field(
        default=None, description="the band (metres) the gap uses; the first band when not given"
    )
    per: int = Field(default=1000, ge=1, description="provision is shown per this many units")

    @field_validator("terms")
    @classmethod
    def _terms(cls, value: list[str]) -> list[str]:
        cleaned = [term.strip() for term in value]
        if any(not term for term in cleaned):
            raise ValueError("a term is blank")
        if len({term.casefold() for term in cleaned}) != len(cleaned):
            raise ValueError("a term is listed twice")
        return cleaned

    @field_validator("reach")
    @classmethod
    def _increasing(cls, value: list[ReachBand]) -> list[ReachBand]:
        distances = [band.metres for band in value]
        if distances != sorted(set(distances)):
            raise ValueError("list the bands nearest first, each farther than the one before")
        return value

    @model_validator(mode="after")
    def _gap_band(self) -> AssetsSpec:
        if self.gap_reach is not None and self.gap_reach not in {b.metres for b in self.reach}:
            raise ValueError(f"gap_reach {self.gap_reach} is not one of the reach bands")
        return self

    @property
    def gap_metres(self) -> int:
        return self.gap_reach if self.gap_reach is not None else self.reach[0].metres


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
    # Without it the run says that the comparison with what services already know was not made.
    baselines: BaselineSpec | None = None
    transparency: TransparencySpec = TransparencySpec()
    intended_use: list[str] = Field(min_length=1)
    not_intended_for: list[str] = Field(min_length=1)
    # Checked against linkage's own settings model by the loader, which hands stages the typed
    # settings (importing linkage here would load the whole linkage stage with every recipe).
    linkage: dict[str, Any] | None = None
    areas: AreasConfig = Field(default_factory=AreasConfig)
    # Without it the recipe's need is not set against the asset register.
    assets: AssetsSpec | None = None

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


def _listed(
    problems: list[tuple[str, str]], where: str, source: Any, sources: set[str] | None
) -> None:
    if isinstance(source, str) and sources is not None and source not in sources:
        problems.append((where, f"'{source}' not in sources"))


def cross_problems(data: Any, known: Mapping[str, Feature] | None = None) -> list[tuple[str, str]]:
    """Checks across sections, on the raw mapping, so that they are reported together with the
    field errors (pydantic runs a model's own checks only when every field is valid). With
    ``known`` (the catalogue and the recipe's own features), feature names are checked too."""
    problems: list[tuple[str, str]] = []
    raw_sources = _get(data, "sources")
    sources = set(raw_sources) if isinstance(raw_sources, dict) else None
    features = _get(data, "features")
    if isinstance(features, list):
        names = [name for name in features if isinstance(name, str)]
        if len(set(names)) != len(names):
            problems.append(("features", "a feature is listed twice"))
        if known is not None:
            for index, name in enumerate(features):
                if isinstance(name, str) and name not in known:
                    problems.append(
                        (
                            f"features.{index}",
                            f"unknown feature '{name}' (neither in the catalogue, "
                            "features/README.md, nor in the recipe's features.yaml)",
                        )
                    )
            unit = _get(data, "unit")
            # Every unit has its stays, its cohort row and its area's results; the records it
            # has are the as-of views the features stage makes for it.
            from bakehouse.features.asof import UNIT_SCOPES

            allowed = (
                (*UNIT_SCOPES[unit], "stays", "cohort", "outcomes")
                if isinstance(unit, str) and unit in UNIT_SCOPES
                else None
            )
            for index, name in enumerate(features):
                scope = known[name].scope if isinstance(name, str) and name in known else None
                if allowed is not None and scope is not None and scope not in allowed:
                    problems.append(
                        (
                            f"features.{index}",
                            f"'{name}' reads {scope} records, which a {unit} does not have "
                            f"(a {unit} reads: {', '.join(allowed)})",
                        )
                    )
            needed = sorted({known[n].source for n in names if n in known} - {None})  # type: ignore[type-var]
            for source in needed:
                if sources is not None and source not in sources:
                    problems.append(("sources", f"features need source '{source}', not listed"))
    known = _get(data, "baselines", "known_to_services", "any_of")
    if isinstance(known, list) and isinstance(features, list):
        for index, name in enumerate(known):
            if isinstance(name, str) and name not in features:
                problems.append(
                    (
                        f"baselines.known_to_services.any_of.{index}",
                        f"'{name}' is not one of the recipe's features: a unit is known to "
                        "services by features computed as of its prediction date",
                    )
                )
    unit = _get(data, "unit")
    rule = _get(data, "cohort", "rule")
    units = {"age": ("child", "person"), "annual": ("household",), "event": ("household",)}
    if isinstance(rule, str) and isinstance(unit, str) and unit not in units.get(rule, (unit,)):
        problems.append(
            ("unit", f"the {rule} rule predicts for a {' or '.join(units[rule])}, not a {unit}")
        )
    if rule == "age":
        births = _get(data, "cohort", "birth_sources")
        for index, source in enumerate(births if isinstance(births, list) else []):
            _listed(problems, f"cohort.birth_sources.{index}", source, sources)
        if _get(data, "prediction_point", "age_months") is None:
            problems.append(("prediction_point.age_months", "the age rule needs the age"))
    seen = _get(data, "cohort", "seen_in") if rule == "annual" else None
    for index, source in enumerate(seen if isinstance(seen, list) else []):
        _listed(problems, f"cohort.seen_in.{index}", source, sources)
    if rule == "event":
        _listed(problems, "cohort.source", _get(data, "cohort", "source"), sources)
    _listed(problems, "outcome.source", _get(data, "outcome", "source"), sources)
    groups = _get(data, "fairness", "groups")
    for group, spec in (groups if isinstance(groups, dict) else {}).items():
        source = spec.get("source") if isinstance(spec, dict) else None
        column = spec.get("column") if isinstance(spec, dict) else None
        where = f"fairness.groups.{group}"
        if source is None and column is None:
            derived = DERIVED_GROUPS.get(str(group))
            if derived is None:
                problems.append(
                    (
                        where,
                        f"not one Bakehouse derives ({', '.join(DERIVED_GROUPS)}): give its "
                        "source and column",
                    )
                )
            elif isinstance(unit, str) and unit not in derived:
                problems.append((where, f"derived for a {' or '.join(derived)}, not a {unit}"))
        elif source is None or column is None:
            problems.append((where, "give both the source and the column"))
        else:
            _listed(problems, f"{where}.source", source, sources)
    candidates = _get(data, "model", "candidates")
    prefer = _get(data, "model", "selection", "prefer")
    if isinstance(candidates, list) and isinstance(prefer, str) and prefer not in candidates:
        problems.append(("model.selection.prefer", f"'{prefer}' is not one of the candidates"))
    return problems
