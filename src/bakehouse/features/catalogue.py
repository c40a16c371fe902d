"""The features a recipe may ask for: what each one means, which as-of view it reads, and its SQL.

A feature is an aggregate over the rows of one as-of view (see :mod:`bakehouse.features.asof`):
the child's own records, the records of the households the child lived in, the records of the
household at the prediction date, the child's stays, or the area's earlier results. Every view
has already dropped what is dated on or after the child's prediction date, so a feature cannot
see the future; the guard also parses each compiled query and refuses any that reads anything
but its view.

Columns every view carries besides the source's own (``token`` included): ``unit_id``,
``prediction_date``, ``birth_date`` (first day of the month of birth) and ``event_date`` (the
source's event date as a DATE). Expressions are code, never read from files: a recipe chooses
features by name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

Scope = Literal["child", "household", "home", "stays", "cohort", "outcomes"]
Kind = Literal["count", "flag", "number"]

SCOPES: dict[str, str] = {
    "child": "the person's own records",
    "household": "records of the households the person lived in, since their birth",
    "home": "records of the household at the prediction date",
    "stays": "stays at addresses (from linkage), begun before the prediction date",
    "cohort": "the month of birth, or the prediction date itself",
    "outcomes": "results of earlier cohorts in the area, published before the date",
}


@dataclass(frozen=True)
class Feature:
    """One column of the feature matrix."""

    name: str
    label: str  # plain words, for tables and charts
    source: str | None  # the analysis zone table it reads (None for stays and cohort)
    scope: Scope
    sql: str  # aggregate expression over the view's rows
    fill: float | None  # value for a child with no rows in the view; None means unknown
    kind: Kind
    phrase: str  # completes "Need is higher here because of ..."
    direction: int = 0  # +1: a higher value never lowers the predicted risk; -1: never raises it
    own: bool = False  # defined by a recipe's features.yaml, not by this catalogue

    def definition(self) -> dict[str, object]:
        """Everything that makes the feature what it is, for a run's id and its records."""
        return {
            "name": self.name,
            "label": self.label,
            "source": self.source,
            "scope": self.scope,
            "sql": self.sql,
            "fill": self.fill,
            "kind": self.kind,
            "phrase": self.phrase,
            "direction": self.direction,
        }

    @property
    def view(self) -> str:
        if self.scope in ("stays", "cohort"):
            return f"asof_{self.scope}"
        if self.scope == "outcomes":
            return "asof_outcomes_area"
        return f"asof_{self.source}_{self.scope}"


def _review(column: str, contact: str = "2-2.5Y") -> str:
    """A score from the latest review of a kind before the prediction date (the record's token
    breaks a tie of dates, so that every score comes from the same review and reruns agree; a
    review without scores is passed over)."""
    return f"arg_max({column}, (event_date, token)) FILTER (WHERE contact_type = '{contact}')"


_ASQ = (
    ("asq_communication", "ASQ-3 communication score at the 2-2.5 year review", "communication"),
    ("asq_gross_motor", "ASQ-3 gross motor score at the 2-2.5 year review", "gross motor skills"),
    ("asq_fine_motor", "ASQ-3 fine motor score at the 2-2.5 year review", "fine motor skills"),
    (
        "asq_problem_solving",
        "ASQ-3 problem solving score at the 2-2.5 year review",
        "problem solving",
    ),
    (
        "asq_personal_social",
        "ASQ-3 personal-social score at the 2-2.5 year review",
        "personal and social development",
    ),
)

_ASQ_TOTAL = " + ".join(column for column, _, _ in _ASQ)

_FEATURES: list[Feature] = [
    # The child: demography and birth.
    Feature(
        "boy",
        "Recorded as a boy",
        "health_visiting",
        "child",
        "max(CASE sex WHEN 'M' THEN 1 WHEN 'F' THEN 0 END)",
        None,
        "flag",
        "more boys, who reach GLD less often at five",
    ),
    Feature(
        "month_of_school_year",
        "Month of birth in the school year (0 for its first month, September by default)",
        None,
        "cohort",
        "any_value(birth_month_in_year)",
        None,
        "number",
        "more children born late in the school year (summer-born)",
    ),
    Feature(
        "birth_weight_grams",
        "Birth weight (grams)",
        "health_visiting",
        "child",
        "max(birth_weight_grams)",
        None,
        "number",
        "lower birth weights",
    ),
    Feature(
        "gestation_weeks",
        "Gestation at birth (weeks)",
        "health_visiting",
        "child",
        "max(gestation_weeks)",
        None,
        "number",
        "more babies born early",
    ),
    Feature(
        "low_birth_weight",
        "Born weighing under 2,500 g",
        "health_visiting",
        "child",
        "max(CAST(birth_weight_grams < 2500 AS INTEGER))",
        None,
        "flag",
        "more babies born with a low birth weight",
    ),
    Feature(
        "preterm",
        "Born before 37 weeks",
        "health_visiting",
        "child",
        "max(CAST(gestation_weeks < 37 AS INTEGER))",
        None,
        "flag",
        "more babies born before 37 weeks",
    ),
    # The child: health visiting.
    *(
        Feature(
            column,
            label,
            "health_visiting",
            "child",
            _review(column),
            None,
            "number",
            f"lower scores for {words} at the two-year review",
        )
        for column, label, words in _ASQ
    ),
    Feature(
        "asq_total",
        "ASQ-3 total of the five domains at the 2-2.5 year review",
        "health_visiting",
        "child",
        _review(_ASQ_TOTAL),
        None,
        "number",
        "lower development scores at the two-year review",
    ),
    Feature(
        "asq_1y_total",
        "ASQ-3 total of the five domains at the 1 year review",
        "health_visiting",
        "child",
        _review(_ASQ_TOTAL, "1Y"),
        None,
        "number",
        "lower development scores at the one-year review",
    ),
    Feature(
        "asq_1y_total_unreviewed",
        "ASQ-3 total at the 1 year review, for a child not reviewed at two before the date",
        "health_visiting",
        "child",
        f"CASE WHEN {_review(_ASQ_TOTAL)} IS NULL THEN {_review(_ASQ_TOTAL, '1Y')} END",
        None,
        "number",
        "lower development scores at the one-year review, with no review at two",
    ),
    Feature(
        "language_not_english",
        "Main spoken language recorded by health visiting is not English",
        "health_visiting",
        "child",
        "max(CASE WHEN preferred_language IS NOT NULL "
        "THEN CAST(preferred_language <> 'ENG' AS INTEGER) END)",
        None,
        "flag",
        "more children whose main language at home is not English",
    ),
    Feature(
        "review_before_prediction",
        "Had the 2-2.5 year health visitor review",
        "health_visiting",
        "child",
        "max(CAST(contact_type = '2-2.5Y' AS INTEGER))",
        0.0,
        "flag",
        "fewer children seen for the two-year review",
    ),
    Feature(
        "health_visiting_contacts",
        "Health visitor contacts",
        "health_visiting",
        "child",
        "count(*)",
        0.0,
        "count",
        "fewer health visitor contacts",
    ),
    Feature(
        "mood_concern_contacts",
        "Contacts with a concern about the mother's mood",
        "health_visiting",
        "child",
        "count(*) FILTER (WHERE maternal_mood_concern)",
        0.0,
        "count",
        "more concern about mothers' mental health",
    ),
    # The child: social care, early education, police.
    Feature(
        "social_care_referrals",
        "Referrals to children's social care",
        "csc",
        "child",
        "count(*)",
        0.0,
        "count",
        "more referrals to children's social care",
    ),
    Feature(
        "social_care_cin_cp",
        "Child in need or child protection episode begun",
        "csc",
        "child",
        "max(CAST(outcome IN ('CIN', 'CP') AND episode_start < prediction_date AS INTEGER))",
        0.0,
        "flag",
        "more children in need or on a protection plan",
    ),
    Feature(
        "social_care_cp",
        "Child protection episode begun",
        "csc",
        "child",
        "max(CAST(outcome = 'CP' AND episode_start < prediction_date AS INTEGER))",
        0.0,
        "flag",
        "more children on a protection plan",
    ),
    Feature(
        "early_education_2yo_terms",
        "Terms of funded early education for two-year-olds",
        "early_education",
        "child",
        "count(DISTINCT term_start) FILTER (WHERE funding_type = '2YO')",
        0.0,
        "count",
        "fewer eligible two-year-olds taking up a funded place",
    ),
    Feature(
        "police_child_present",
        "Domestic abuse incidents with the child recorded present",
        "police",
        "child",
        "count(DISTINCT incident_key)",
        0.0,
        "count",
        "more children present at domestic abuse incidents",
    ),
    # The households the child lived in, since birth.
    Feature(
        "da_incidents",
        "Domestic abuse incidents at the child's home",
        "police",
        "household",
        "count(DISTINCT incident_key)",
        0.0,
        "count",
        "more domestic abuse at home",
    ),
    Feature(
        "da_incidents_12m",
        "Domestic abuse incidents at home in the last 12 months",
        "police",
        "household",
        "count(DISTINCT incident_key) FILTER "
        "(WHERE event_date >= CAST(prediction_date - INTERVAL 12 MONTH AS DATE))",
        0.0,
        "count",
        "recent domestic abuse at home",
    ),
    Feature(
        "da_high_risk",
        "A domestic abuse incident graded high risk",
        "police",
        "household",
        "max(CAST(dash_risk = 'High' AS INTEGER))",
        0.0,
        "flag",
        "high-risk domestic abuse at home",
    ),
    Feature(
        "benefit_claims",
        "Housing benefit or council tax reduction claims since birth",
        "benefits",
        "household",
        "count(DISTINCT claim_key)",
        0.0,
        "count",
        "more families claiming benefits",
    ),
    Feature(
        "housing_approaches",
        "Approaches to the council as homeless or at risk",
        "housing",
        "household",
        "count(DISTINCT case_key)",
        0.0,
        "count",
        "more families facing homelessness",
    ),
    Feature(
        "temporary_accommodation",
        "Placed in temporary accommodation",
        "housing",
        "household",
        "max(CAST(ta_start >= birth_date AND ta_start < prediction_date AS INTEGER))",
        0.0,
        "flag",
        "more families placed in temporary accommodation",
    ),
    Feature(
        "household_other_language",
        "An older child at home recorded with a first language other than English",
        "education",
        "household",
        "max(CAST(first_language IS NOT NULL AND first_language <> 'ENG' AS INTEGER))",
        0.0,
        "flag",
        "more families whose first language is not English",
    ),
    Feature(
        "siblings_fsm",
        "An older child at home eligible for free school meals",
        "education",
        "household",
        "max(CAST(fsm_eligible AS INTEGER))",
        0.0,
        "flag",
        "more older brothers and sisters eligible for free school meals",
    ),
    Feature(
        "siblings_sen",
        "An older child at home with special educational needs",
        "education",
        "household",
        "max(CAST(sen_provision IN ('K', 'E') AS INTEGER))",
        0.0,
        "flag",
        "more older brothers and sisters with special educational needs",
    ),
    # The household at the prediction date.
    Feature(
        "benefit_at_prediction",
        "Household claiming housing benefit or council tax reduction",
        "benefits",
        "home",
        "max(CAST(claim_end IS NULL OR claim_end >= prediction_date AS INTEGER))",
        0.0,
        "flag",
        "more families on a low income",
    ),
    Feature(
        "temporary_accommodation_now",
        "Household in temporary accommodation",
        "housing",
        "home",
        "max(CAST(ta_start < prediction_date AND (ta_end IS NULL OR ta_end >= prediction_date)"
        " AS INTEGER))",
        0.0,
        "flag",
        "more families living in temporary accommodation",
    ),
    # The child's area: results of earlier cohorts published before the prediction date.
    Feature(
        "area_prior_not_gld",
        "Share of earlier children in the area not reaching GLD (results published by then)",
        None,
        "outcomes",
        # Shrunk towards the whole area's share with the weight of 20 children; unknown when no
        # results had been published (the first cohorts).
        "CASE WHEN sum(results) FILTER (WHERE same_area) > 0 THEN "
        "(sum(positives) FILTER (WHERE same_area) + 20.0 * sum(positives) FILTER "
        "(WHERE NOT same_area) / sum(results) FILTER (WHERE NOT same_area)) / "
        "(sum(results) FILTER (WHERE same_area) + 20.0) END",
        None,
        "number",
        "more children not reaching GLD in this area in earlier years",
    ),
    # The child's stays.
    Feature(
        "moves",
        "Moves of home since birth",
        None,
        "stays",
        "count(DISTINCT address_id) - 1",
        0.0,
        "count",
        "more moves of home",
    ),
]

# Directions known from research and the recipe's own reasoning, used as monotone constraints when
# the recipe asks: more domestic abuse never lowers a child's predicted need, for instance.
_DIRECTIONS = {
    "boy": 1,
    "month_of_school_year": 1,
    "birth_weight_grams": -1,
    "gestation_weeks": -1,
    "low_birth_weight": 1,
    "preterm": 1,
    "asq_total": -1,
    "asq_communication": -1,
    "asq_gross_motor": -1,
    "asq_fine_motor": -1,
    "asq_problem_solving": -1,
    "asq_personal_social": -1,
    "asq_1y_total": -1,
    "asq_1y_total_unreviewed": -1,
    "language_not_english": 1,
    "mood_concern_contacts": 1,
    "social_care_referrals": 1,
    "social_care_cin_cp": 1,
    "social_care_cp": 1,
    "police_child_present": 1,
    "da_incidents": 1,
    "da_incidents_12m": 1,
    "da_high_risk": 1,
    "benefit_at_prediction": 1,
    "benefit_claims": 1,
    "housing_approaches": 1,
    "temporary_accommodation": 1,
    "temporary_accommodation_now": 1,
    "moves": 1,
    "household_other_language": 1,
    "siblings_fsm": 1,
    "siblings_sen": 1,
    "area_prior_not_gld": 1,
}
_FEATURES = [replace(feature, direction=_DIRECTIONS.get(feature.name, 0)) for feature in _FEATURES]
CATALOGUE: dict[str, Feature] = {feature.name: feature for feature in _FEATURES}
