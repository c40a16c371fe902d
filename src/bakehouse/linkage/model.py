"""The Splink model, built from the linkage settings: comparisons suited to each identifier and the
blocking rules. Levels are written with Splink's level library (which writes each backend's SQL)
or in DuckDB's SQL, which Splink translates for Spark, so the same model runs on either backend.

Why the comparisons look as they do:

- **Forename**: exact (with term frequencies: a shared rare name says more), forename and
  surname swapped (a form filled in the wrong order), the same first forename, the same
  nickname group (Bill and William), then Jaro-Winkler levels for typos.
- **Surname and place, together**: family members share a surname *and* an address, so the two
  are not independent among people who are not the same person. Scored separately, a sibling with
  no date of birth on record would look like a match. One comparison over both lets random
  sampling measure how often different people share both.
- **Date of birth**: exact, day and month swapped, two of year, month and day agreeing.
- **NHS number, UPN, NINO, reference number (within its scope), sex**: exact or not; where
  either record lacks the value the comparison says nothing.

Only the comparisons the records hold identifiers for are built (see :mod:`.plan`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import splink.comparison_level_library as cll
from splink import SettingsCreator, block_on
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.comparison_library import CustomComparison, ExactMatch

from bakehouse.linkage.config import LinkageSettings, Rule

# Rule field -> column of the prepared identity table (see standardise.prepare).
COLUMN_OF = {
    "forename": "forename",
    "forename_first": "forename_first",
    "surname": "surname",
    "dob": "dob",
    "dob_any_order": "dob_any_order",
    "initials": "initials",
    "full_name": "full_name",
    "birth_year": "birth_year",
    "sex": "sex",
    "nhs_number": "nhs_number",
    "upn": "upn",
    "nino": "nino",
    "postcode": "postcode",
    "postcode_sector": "postcode_sector",
    "address": "address",
    "reference": "reference",
}

SAME_ADDRESS = (
    '(("address_l" = "address_r" AND ("postcode_l" = "postcode_r" OR "postcode_l" IS NULL '
    'OR "postcode_r" IS NULL)) OR ("postcode_l" = "postcode_r" '
    'AND "house_number_l" = "house_number_r"))'
)
SAME_POSTCODE = '("postcode_l" = "postcode_r" OR "address_l" = "address_r")'
NAMES_SWAPPED = (
    '("forename_first_l" = "surname_r" AND "surname_l" = "forename_first_r" '
    'AND "forename_first_l" <> "surname_l")'
)
DOB_SWAPPED = '("dob_swapped_l" = "dob_r" OR "dob_l" = "dob_swapped_r")'
DOB_TWO_PARTS = (
    '(CASE WHEN substr("dob_l", 1, 4) = substr("dob_r", 1, 4) THEN 1 ELSE 0 END'
    ' + CASE WHEN substr("dob_l", 6, 2) = substr("dob_r", 6, 2) THEN 1 ELSE 0 END'
    ' + CASE WHEN substr("dob_l", 9, 2) = substr("dob_r", 9, 2) THEN 1 ELSE 0 END) >= 2'
)


def _sql(condition: str, label: str | None = None) -> cll.CustomLevel:
    """A level in plain SQL, written in DuckDB's dialect and translated by Splink (sqlglot) for
    other backends: Spark reads "x" as a string, not a column."""
    return cll.CustomLevel(condition, label_for_charts=label, base_dialect_str="duckdb")


def rule(fields: Rule) -> BlockingRuleCreator:
    return block_on(*(COLUMN_OF[name] for name in fields))


def forename_comparison(settings: LinkageSettings) -> ComparisonCreator:
    close, loose = settings.persons.forename_similarity
    return CustomComparison(
        output_column_name="forename",
        comparison_levels=[
            cll.NullLevel("forename"),
            cll.ExactMatchLevel("forename", term_frequency_adjustments=True),
            _sql(NAMES_SWAPPED, "forename and surname swapped"),
            cll.ExactMatchLevel("forename_first").configure(label_for_charts="same first forename"),
            cll.ArrayIntersectLevel("forename_names", min_intersection=1).configure(
                label_for_charts="same nickname group"
            ),
            cll.JaroWinklerLevel("forename_first", close),
            cll.JaroWinklerLevel("forename_first", loose),
            cll.ElseLevel(),
        ],
    )


def surname_and_place_comparison(settings: LinkageSettings) -> ComparisonCreator:
    similar = settings.persons.surname_similarity
    return CustomComparison(
        output_column_name="surname_and_place",
        comparison_levels=[
            cll.NullLevel("surname"),
            cll.And(cll.ExactMatchLevel("surname"), _sql(SAME_ADDRESS)).configure(
                label_for_charts="same surname, same address"
            ),
            cll.And(cll.ExactMatchLevel("surname"), _sql(SAME_POSTCODE)).configure(
                label_for_charts="same surname, same postcode"
            ),
            cll.And(
                cll.ExactMatchLevel("surname"), cll.ExactMatchLevel("postcode_sector")
            ).configure(label_for_charts="same surname, same postcode sector"),
            cll.ExactMatchLevel("surname", term_frequency_adjustments=True).configure(
                label_for_charts="same surname, elsewhere"
            ),
            cll.And(cll.JaroWinklerLevel("surname", similar), _sql(SAME_POSTCODE)).configure(
                label_for_charts="similar surname, same postcode"
            ),
            cll.JaroWinklerLevel("surname", similar).configure(
                label_for_charts="similar surname, elsewhere"
            ),
            _sql(SAME_POSTCODE, "other surname, same postcode"),
            cll.ElseLevel().configure(label_for_charts="other surname, elsewhere"),
        ],
    )


def dob_comparison() -> ComparisonCreator:
    return CustomComparison(
        output_column_name="dob",
        comparison_levels=[
            cll.NullLevel("dob"),
            cll.ExactMatchLevel("dob"),
            _sql(DOB_SWAPPED, "day and month swapped"),
            _sql(DOB_TWO_PARTS, "two of year, month, day agree"),
            cll.ElseLevel(),
        ],
    )


def comparisons(
    settings: LinkageSettings, names: Sequence[str]
) -> list[ComparisonCreator | dict[str, Any]]:
    """The comparisons named (see :mod:`.plan` for which the records hold), in a fixed order."""
    built: dict[str, ComparisonCreator] = {
        "forename": forename_comparison(settings),
        "surname_and_place": surname_and_place_comparison(settings),
        "dob": dob_comparison(),
        "sex": ExactMatch("sex"),
        "nhs_number": ExactMatch("nhs_number"),
        "upn": ExactMatch("upn"),
        "nino": ExactMatch("nino"),
        "reference": ExactMatch("reference"),
    }
    return [comparison for name, comparison in built.items() if name in names]


def splink_settings(
    settings: LinkageSettings,
    names: Sequence[str],
    blocking: Sequence[Rule],
    prior: float = 1e-5,
) -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        probability_two_random_records_match=prior,
        blocking_rules_to_generate_predictions=[rule(r) for r in blocking],
        comparisons=comparisons(settings, names),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )


def level_table(model: dict[str, Any]) -> list[dict[str, Any]]:
    """The trained m, u and match weight of every level, for the report."""
    import math

    rows: list[dict[str, Any]] = []
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m = level.get("m_probability")
            u = level.get("u_probability")
            weight = (
                math.log2(m / u)
                if isinstance(m, float) and isinstance(u, float) and m > 0 and u > 0
                else None
            )
            rows.append(
                {
                    "comparison": comparison["output_column_name"],
                    "level": level.get("label_for_charts") or level["sql_condition"],
                    "m": m if isinstance(m, float) else None,
                    "u": u if isinstance(u, float) else None,
                    "match_weight": weight,
                }
            )
    return rows
