"""Households as the unit: the event and annual rules, outcomes in a window, a recipe's own
features from its folder, on a hand-made analysis zone.

The central scenario: household H1 has police-recorded domestic abuse incidents on 10 March
2019, 1 June 2019 (graded high risk) and 1 May 2020. The first and the third are prediction
points (the second falls within twelve months of the first, so it belongs to it); the first is
followed by a high-risk incident within twelve months, the third is not. Household H2's only
incident, in June 2025, still has its window open at the extract date.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from bakehouse.features import build_features, connect
from bakehouse.recipes import RecipeError, load_recipe

from .conftest import LSOA, Zone

AS_AT = date(2025, 9, 30)
OTHER_LSOA = "E01021238"

FEATURES = """\
features:
  incidents_before:
    label: Domestic abuse incidents at the home, the index incident included
    source: police
    scope: home
    sql: count(DISTINCT incident_key)
    fill: 0
    kind: count
    phrase: more incidents before
    direction: 1
  high_risk_before:
    label: An incident at the home graded high risk
    source: police
    scope: home
    sql: max(CAST(dash_risk = 'High' AS INTEGER))
    fill: 0
    kind: flag
    phrase: incidents graded high risk
    direction: 1
"""

COMMON = """\
version: "1"
title: Test households
question: Which households will have the event?
unit: household
words:
  unit: household
  units: households
  outcome: having the event
  events: households with the event
  event_rate: share of households with the event
  population: households in the test
  coming: the next twelve months
prediction_point:
  description: The day after the incident
sources:
  police:
    why: incidents
    event_date: incident_time
    recorded_date: recorded_at
    agreement: DSA-EP-DA-2026
  benefits:
    why: low income
    event_date: claim_start
    recorded_date: processed_date
    agreement: DSA-BBC-RB-2026
features: [incidents_before, high_risk_before, benefit_at_prediction]
model:
  candidates: [logistic]
  lightgbm: {learning_rate: 0.05, num_leaves: 4, min_data_in_leaf: 20, feature_fraction: 1.0,
             bagging_fraction: 1.0, bagging_freq: 0, lambda_l2: 1.0, max_rounds: 100, seed: 1}
  logistic: {C: 1.0, max_iter: 200}
  calibration: platt
  selection: {metric: auc, tie_margin: 0.002, prefer: logistic, rule: the only one}
  uncertainty_refits: 0
validation: {test_cohorts: 1, min_training_cohorts: 2, bootstrap: 50, top_k: [0.1],
             ece_bins: 5, seed: 1}
fairness:
  flag_share: 0.3
  tolerance: [0.8, 1.25]
  calibration_tolerance: 0.05
  min_group_size: 1
  groups:
    linkage_completeness: {}
    claim_type: {source: benefits, column: claim_type}
explanations: {drivers_per_area: 1, min_children: 1}
publication: {disclosure_threshold: 7, rounding: 5}
intended_use: [testing]
not_intended_for: [anything else]
"""

EVENT = """\
id: test-escalation
cohort:
  rule: event
  description: Households with a domestic abuse incident (the victim's home)
  source: police
  where: {column: role, values: [Victim]}
  gap_months: 12
  first_cohort: 2015
  known_by_prediction_date: false
outcome:
  rule: event
  name: escalation
  description: A further incident graded high risk within twelve months
  source: police
  where: {column: dash_risk, values: [High]}
  within_months: 12
"""

ANNUAL = """\
id: test-approaches
cohort:
  rule: annual
  description: Households living in the area on 1 April, known to a service in the two years before
  month: 4
  first_cohort: 2019
  seen_in: [benefits, police]
  seen_within_months: 24
  known_by_prediction_date: false
outcome:
  rule: event
  name: incident
  description: A police-recorded incident within twelve months
  source: police
  within_months: 12
"""


def recipe_folder(root: Path, head: str, features: str = FEATURES) -> Path:
    folder = root / "recipe"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "recipe.yaml").write_text(head + COMMON, encoding="utf-8")
    (folder / "features.yaml").write_text(features, encoding="utf-8")
    return folder


def incident(zone: Zone, person: str, household: str, day: date, risk: str = "Standard") -> None:
    stamp = datetime(day.year, day.month, day.day, 21, 30)
    zone.record(
        "police",
        person,
        household,
        incident_key=f"I-{household}-{day.isoformat()}",
        incident_time=stamp,
        role="Victim",
        dash_risk=risk,
        recorded_at=stamp,
    )


def claim(zone: Zone, person: str, household: str, key: str, kind: str, start: date) -> None:
    """An open benefit claim (HB or CTR) made by ``person``, processed a week after it began."""
    zone.record(
        "benefits",
        person,
        household,
        claim_key=key,
        claim_type=kind,
        claim_start=start,
        claim_end=None,
        dependants=0,
        passported=False,
        processed_date=start + timedelta(days=7),
    )


def households(zone: Zone) -> None:
    zone.stay("mum", "H1", date(2012, 1, 1), date(2026, 1, 1))
    zone.stay("ann", "H2", date(2012, 1, 1), date(2026, 1, 1), lsoa=OTHER_LSOA, address="A2")
    incident(zone, "mum", "H1", date(2019, 3, 10))
    incident(zone, "mum", "H1", date(2019, 6, 1), risk="High")
    incident(zone, "mum", "H1", date(2020, 5, 1))
    incident(zone, "ann", "H2", date(2025, 6, 1))
    claim(zone, "mum", "H1", "C1", "HB", date(2018, 1, 5))


def rows_of(zone: Zone, workspace: Path, folder: Path) -> dict[str, dict[str, Any]]:
    con = connect(zone.build(workspace))
    table = build_features(con, load_recipe(folder), as_at=AS_AT).table
    return {row["unit_id"]: row for row in table.to_pylist()}


def test_an_event_is_a_prediction_point_only_twelve_months_after_the_last_one(
    zone: Zone, tmp_path: Path
) -> None:
    households(zone)
    rows = rows_of(zone, tmp_path / "ws", recipe_folder(tmp_path, EVENT))
    assert sorted(rows) == ["H1@2019-03-11", "H1@2020-05-02", "H2@2025-06-02"]
    first, second = rows["H1@2019-03-11"], rows["H1@2020-05-02"]
    assert (first["cohort"], second["cohort"]) == (2019, 2020)
    assert rows["H2@2025-06-02"]["lsoa11cd"] == OTHER_LSOA and first["lsoa11cd"] == LSOA


def test_the_index_event_and_everything_before_it_are_read_nothing_after(
    zone: Zone, tmp_path: Path
) -> None:
    households(zone)
    rows = rows_of(zone, tmp_path / "ws", recipe_folder(tmp_path, EVENT))
    first, second = rows["H1@2019-03-11"], rows["H1@2020-05-02"]
    assert (first["incidents_before"], first["high_risk_before"]) == (1, 0)
    assert (second["incidents_before"], second["high_risk_before"]) == (3, 1)
    assert first["benefit_at_prediction"] == 1


def test_an_outcome_event_counts_inside_its_window_and_an_open_window_has_no_outcome(
    zone: Zone, tmp_path: Path
) -> None:
    households(zone)
    rows = rows_of(zone, tmp_path / "ws", recipe_folder(tmp_path, EVENT))
    assert rows["H1@2019-03-11"]["outcome"] is True  # the high-risk incident of June 2019
    assert rows["H1@2020-05-02"]["outcome"] is False
    assert rows["H1@2020-05-02"]["window_open"] is False
    assert rows["H2@2025-06-02"]["outcome"] is None
    assert rows["H2@2025-06-02"]["window_open"] is True


def test_groups_can_name_any_source_column(zone: Zone, tmp_path: Path) -> None:
    households(zone)
    rows = rows_of(zone, tmp_path / "ws", recipe_folder(tmp_path, EVENT))
    assert rows["H1@2019-03-11"]["claim_type"] == "HB"
    assert rows["H2@2025-06-02"]["claim_type"] == "unknown"
    assert rows["H1@2019-03-11"]["linkage_completeness"] == "2+"


def test_the_annual_rule_takes_households_seen_by_a_service_in_the_years_before(
    zone: Zone, tmp_path: Path
) -> None:
    households(zone)
    rows = rows_of(zone, tmp_path / "ws", recipe_folder(tmp_path, ANNUAL))
    h1 = sorted(unit for unit in rows if unit.startswith("H1@"))
    # Seen from January 2018 (the claim) to May 2020 (the last incident), plus two years.
    assert h1 == [f"H1@{year}-04-01" for year in (2019, 2020, 2021, 2022)]
    assert rows["H1@2019-04-01"]["outcome"] is True  # the incident of 1 June 2019
    assert rows["H1@2021-04-01"]["outcome"] is False
    # H2 was seen by no service in the two years before April 2025: its incident of June 2025
    # makes it known only after that date, and April 2026 is after the extract.
    assert not [unit for unit in rows if unit.startswith("H2@")]


def test_an_event_already_seen_in_an_open_window_is_counted_and_the_window_is_still_open(
    zone: Zone, tmp_path: Path
) -> None:
    households(zone)
    claim(zone, "ann", "H2", "C2", "CTR", date(2024, 5, 1))
    rows = rows_of(zone, tmp_path / "ws", recipe_folder(tmp_path, ANNUAL))
    assert rows["H2@2025-04-01"]["outcome"] is True
    assert rows["H2@2025-04-01"]["window_open"] is True
    assert rows["H1@2022-04-01"]["window_open"] is False


def test_a_recipe_feature_reading_another_table_is_refused(zone: Zone, tmp_path: Path) -> None:
    households(zone)
    sneaky = FEATURES.replace(
        "sql: count(DISTINCT incident_key)", "sql: (SELECT count(*) FROM az.police)"
    )
    folder = recipe_folder(tmp_path, EVENT, sneaky)
    con = connect(zone.build(tmp_path / "ws"))
    with pytest.raises(Exception, match="subquery|reads"):
        build_features(con, load_recipe(folder), as_at=AS_AT)


def test_a_feature_with_a_statement_separator_is_refused_when_the_recipe_loads(
    tmp_path: Path,
) -> None:
    folder = recipe_folder(
        tmp_path, EVENT, FEATURES.replace("count(DISTINCT incident_key)", "1; DROP TABLE police")
    )
    with pytest.raises(RecipeError, match="features.incidents_before.sql"):
        load_recipe(folder)


def test_a_household_recipe_with_a_person_group_or_the_age_rule_is_refused(
    tmp_path: Path,
) -> None:
    head = EVENT.replace(
        "rule: event\n  description: Households", "rule: age\n  description: Households", 1
    )
    folder = recipe_folder(tmp_path / "a", head)
    with pytest.raises(RecipeError) as caught:
        load_recipe(folder)
    assert "unit" in caught.value.message
    folder = recipe_folder(tmp_path / "b", EVENT)
    (folder / "recipe.yaml").write_text(
        (folder / "recipe.yaml")
        .read_text()
        .replace("    linkage_completeness: {}\n", "    sex: {}\n"),
        encoding="utf-8",
    )
    with pytest.raises(
        RecipeError, match=r"fairness.groups.sex \(line \d+\): derived for a child or person"
    ):
        load_recipe(folder)


def test_a_household_recipe_naming_a_person_s_feature_is_refused_before_any_work(
    tmp_path: Path,
) -> None:
    folder = recipe_folder(tmp_path, EVENT)
    text = (folder / "recipe.yaml").read_text()
    (folder / "recipe.yaml").write_text(
        text.replace("benefit_at_prediction]", "benefit_at_prediction, da_incidents]"),
        encoding="utf-8",
    )
    with pytest.raises(RecipeError, match="'da_incidents' reads household records, which a "):
        load_recipe(folder)


def test_a_household_whose_last_stay_ended_before_1_april_is_still_counted_there(
    zone: Zone, tmp_path: Path
) -> None:
    """Linkage ends a stay some time after the household's last record, so near the extract
    date a household still living there often has no stay reaching the date: the annual rule
    places it where its latest stay was, as it does in every earlier year."""
    zone.stay("cat", "H3", date(2015, 1, 1), date(2024, 11, 30), lsoa=OTHER_LSOA, address="A3")
    claim(zone, "cat", "H3", "C3", "CTR", date(2024, 6, 1))
    rows = rows_of(zone, tmp_path / "ws", recipe_folder(tmp_path, ANNUAL))
    assert rows["H3@2025-04-01"]["lsoa11cd"] == OTHER_LSOA
    assert rows["H3@2025-04-01"]["window_open"] is True


def test_a_person_linkage_placed_by_a_postcode_alone_is_not_a_household_of_the_annual_rule(
    zone: Zone, tmp_path: Path
) -> None:
    """A baby known only to health visiting, whose family linkage could not tell, is a
    household of its own with no address: counted, it would be its family a second time."""
    zone.stay("dad", "H4", date(2015, 1, 1), date(2026, 1, 1), address="A4")
    zone.stay("baby", "H5", date(2021, 2, 1), date(2026, 1, 1), address=None)
    claim(zone, "dad", "H4", "C4", "HB", date(2020, 6, 1))
    claim(zone, "baby", "H5", "C5", "CTR", date(2021, 6, 1))
    rows = rows_of(zone, tmp_path / "ws", recipe_folder(tmp_path, ANNUAL))
    assert "H4@2022-04-01" in rows
    assert not [unit for unit in rows if unit.startswith("H5@")]


def test_a_household_whose_people_have_all_been_recorded_elsewhere_since_is_not_counted(
    zone: Zone, tmp_path: Path
) -> None:
    """A couple part in 2021: her claims move to her new home, his to his. From then on their
    old household is nobody's home, though it was seen by a service in the two years before."""
    for person, later, address in (("eve", "H7", "A7"), ("fred", "H8", "A8")):
        zone.stay(person, "H6", date(2015, 1, 1), date(2021, 1, 1), address="A6")
        zone.stay(person, later, date(2021, 1, 2), date(2026, 1, 1), address=address)
    claim(zone, "eve", "H6", "C6", "HB", date(2019, 6, 1))
    claim(zone, "fred", "H6", "C7", "CTR", date(2020, 6, 1))
    claim(zone, "eve", "H7", "C8", "HB", date(2021, 6, 1))
    claim(zone, "fred", "H8", "C9", "CTR", date(2021, 7, 1))
    rows = rows_of(zone, tmp_path / "ws", recipe_folder(tmp_path, ANNUAL))
    assert "H6@2021-04-01" in rows
    assert "H6@2022-04-01" not in rows
    assert {"H7@2022-04-01", "H8@2022-04-01"} <= set(rows)
