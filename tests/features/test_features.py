"""Features as of the prediction date, on a hand-made analysis zone.

The central scenario: a child born in March 2019 (prediction date 1 September 2021, cohort 2024)
in a household with its mother and an older sister. Records are planted for every source on the
prediction date and on the day before; only the day before may change anything.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest

from bakehouse.features import CATALOGUE, LeakageError, build_features, connect
from bakehouse.features.asof import check_query, check_views
from bakehouse.features.build import feature_queries
from bakehouse.features.cohort import latest_event
from bakehouse.recipes import load_recipe

from .conftest import Zone

LOADED = load_recipe("school-readiness")
RECIPE = LOADED.recipe
BORN = date(2019, 3, 14)
PREDICTION = date(2021, 9, 1)
AS_AT = date(2025, 9, 30)


ASQ_DOMAINS = (
    "asq_communication",
    "asq_gross_motor",
    "asq_fine_motor",
    "asq_problem_solving",
    "asq_personal_social",
)


def family(zone: Zone) -> None:
    zone.stay("mum", "H1", date(2010, 1, 1), date(2026, 1, 1))
    zone.child("sib", "H1", date(2014, 5, 2))
    zone.child("kid", "H1", BORN, weight=2400, gestation=35, sex="M")
    zone.record(
        "health_visiting",
        "kid",
        "H1",
        birth_year=2019,
        birth_month=3,
        sex="M",
        contact_type="2-2.5Y",
        contact_date=date(2021, 4, 10),
        asq_communication=40,
        asq_gross_motor=45,
        asq_fine_motor=40,
        asq_problem_solving=35,
        asq_personal_social=50,
        maternal_mood_concern=True,
        recorded_date=date(2021, 4, 12),
    )


def features_of(
    zone: Zone, workspace: Path, child: str = "kid", recipe: Any = LOADED
) -> dict[str, Any]:
    con = connect(zone.build(workspace))
    table = build_features(con, recipe, as_at=AS_AT).table
    rows = [row for row in table.to_pylist() if row["unit_id"] == child]
    assert len(rows) == 1, f"{child} is not in the cohort"
    return rows[0]


def _stamp(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, 0)


PLANTS: dict[str, Callable[[Zone, date], None]] = {
    "late 2-2.5 year review": lambda z, d: z.record(
        "health_visiting",
        "kid",
        "H1",
        birth_year=2019,
        birth_month=3,
        contact_type="2-2.5Y",
        contact_date=d,
        asq_communication=5,
        asq_gross_motor=5,
        asq_fine_motor=5,
        asq_problem_solving=5,
        asq_personal_social=5,
        maternal_mood_concern=True,
        recorded_date=d,
    ),
    "child protection referral": lambda z, d: z.record(
        "csc",
        "kid",
        "H1",
        birth_year=2019,
        birth_month=3,
        referral_date=d,
        outcome="CP",
        episode_start=d,
        recorded_date=d,
    ),
    "funded place for a two-year-old": lambda z, d: z.record(
        "early_education",
        "kid",
        "H1",
        birth_year=2019,
        birth_month=3,
        funding_type="2YO",
        term_start=d,
        return_date=d,
    ),
    "domestic abuse incident at home": lambda z, d: z.record(
        "police",
        "mum",
        "H1",
        incident_key=f"I-{d}",
        incident_time=_stamp(d),
        role="Victim",
        dash_risk="High",
        recorded_at=_stamp(d),
    ),
    "child present at an incident": lambda z, d: z.record(
        "police",
        "kid",
        "H1",
        incident_key=f"J-{d}",
        incident_time=_stamp(d),
        role="Child Present",
        dash_risk="Standard",
        recorded_at=_stamp(d),
    ),
    "benefit claim": lambda z, d: z.record(
        "benefits",
        "mum",
        "H1",
        role="claimant",
        claim_key=f"C-{d}",
        claim_type="HB",
        claim_start=d,
        passported=True,
        processed_date=d,
    ),
    "homelessness and temporary accommodation": lambda z, d: z.record(
        "housing",
        "mum",
        "H1",
        case_key=f"H-{d}",
        approach_date=d,
        duty="Main",
        ta_start=d,
        recorded_date=d,
    ),
    "older sister's school census": lambda z, d: z.record(
        "education",
        "sib",
        "H1",
        birth_year=2014,
        birth_month=5,
        first_language="POL",
        fsm_eligible=True,
        sen_provision="K",
        census_date=d,
        nc_year="2",
    ),
    "move of home": lambda z, d: z.stay("kid", "H1", d, date(2026, 1, 1), address="A2"),
}


@pytest.mark.parametrize("plant", sorted(PLANTS))
def test_a_record_dated_on_the_prediction_date_changes_nothing_and_the_day_before_does(
    zone: Zone, tmp_path: Path, plant: str
) -> None:
    family(zone)
    before = features_of(zone, tmp_path / "base")

    on_the_day = Zone(
        rows={k: list(v) for k, v in zone.rows.items()},
        links=list(zone.links),
        episodes=list(zone.episodes),
    )
    PLANTS[plant](on_the_day, PREDICTION)
    assert features_of(on_the_day, tmp_path / "on") == before

    day_before = Zone(
        rows={k: list(v) for k, v in zone.rows.items()},
        links=list(zone.links),
        episodes=list(zone.episodes),
    )
    PLANTS[plant](day_before, PREDICTION - timedelta(days=1))
    assert features_of(day_before, tmp_path / "before") != before


def test_earlier_cohorts_results_count_only_once_published_before_the_prediction_date(
    zone: Zone, tmp_path: Path
) -> None:
    family(zone)
    zone.child("older", "H9", date(2015, 1, 5))
    for index in range(3):  # results of 2021 (published end of July 2021): known
        zone.record(
            "education",
            f"p{index}",
            f"H{index + 10}",
            birth_year=2015,
            birth_month=2,
            census_date=date(2021, 1, 17),
            nc_year="R",
            eyfsp_gld=False,
            eyfsp_year=2021,
        )
    known = features_of(zone, tmp_path / "a")["area_prior_not_gld"]
    assert known is not None and known > 0
    zone.record(  # results of 2022 are published after the prediction date: not read
        "education",
        "p9",
        "H19",
        birth_year=2016,
        birth_month=2,
        census_date=date(2022, 1, 17),
        nc_year="R",
        eyfsp_gld=True,
        eyfsp_year=2022,
    )
    assert features_of(zone, tmp_path / "b")["area_prior_not_gld"] == known


def test_the_family_s_history_becomes_the_child_s_features(zone: Zone, tmp_path: Path) -> None:
    family(zone)
    zone.record(  # an incident before the child was born is not the child's experience
        "police",
        "mum",
        "H1",
        incident_key="old",
        incident_time=datetime(2017, 5, 1, 9),
        role="Victim",
        dash_risk="Standard",
        recorded_at=datetime(2017, 5, 2, 9),
    )
    zone.record(
        "police",
        "mum",
        "H1",
        incident_key="new",
        incident_time=datetime(2020, 11, 1, 9),
        role="Victim",
        dash_risk="High",
        recorded_at=datetime(2020, 11, 2, 9),
    )
    zone.record(  # a claim begun before the birth and still open at the prediction date
        "benefits",
        "mum",
        "H1",
        role="claimant",
        claim_key="c1",
        claim_type="CTR",
        claim_start=date(2016, 2, 1),
        passported=True,
        processed_date=date(2016, 2, 3),
    )
    row = features_of(zone, tmp_path)
    assert row["da_incidents"] == 1
    assert row["da_incidents_12m"] == 1
    assert row["da_high_risk"] == 1
    assert row["benefit_at_prediction"] == 1
    assert row["benefit_claims"] == 0  # begun before the birth
    assert row["asq_total"] == 210
    assert row["review_before_prediction"] == 1
    assert row["low_birth_weight"] == 1 and row["preterm"] == 1
    assert row["boy"] == 1
    assert row["month_of_school_year"] == 6  # March: the seventh month of the school year
    assert row["mood_concern_contacts"] == 1
    assert row["cohort"] == 2024
    assert row["prediction_date"] == PREDICTION


def hv_contact(zone: Zone, kind: str, day: date, **fields: Any) -> None:
    """A health visiting contact of the child, entered the next day."""
    zone.record(
        "health_visiting",
        "kid",
        "H1",
        birth_year=2019,
        birth_month=3,
        contact_type=kind,
        contact_date=day,
        recorded_date=day + timedelta(days=1),
        **fields,
    )


def one_year_review(zone: Zone, day: date, scores: dict[str, int] | None = None) -> None:
    hv_contact(zone, "1Y", day, **(scores or {}))


def test_the_one_year_review_scores_its_own_feature_and_a_review_without_scores_is_passed_over(
    zone: Zone, tmp_path: Path
) -> None:
    family(zone)
    scores = dict(zip(ASQ_DOMAINS, (30, 35, 40, 45, 50), strict=True))
    one_year_review(zone, date(2020, 3, 20), scores)
    one_year_review(zone, date(2020, 4, 2))  # a later contact without its questionnaire
    row = features_of(zone, tmp_path)
    assert row["asq_1y_total"] == 200
    assert row["asq_total"] == 210  # the 2-2.5 year review's, untouched by the 1 year scores
    assert row["asq_1y_total_unreviewed"] is None  # reviewed at two


def test_the_one_year_score_stands_alone_for_a_child_not_reviewed_at_two(
    zone: Zone, tmp_path: Path
) -> None:
    zone.stay("mum", "H1", date(2010, 1, 1), date(2026, 1, 1))
    zone.child("kid", "H1", BORN)
    one_year_review(zone, date(2020, 3, 20), dict.fromkeys(ASQ_DOMAINS, 30))
    row = features_of(zone, tmp_path)
    assert row["asq_1y_total"] == 150 and row["asq_1y_total_unreviewed"] == 150
    assert row["asq_total"] is None and row["review_before_prediction"] == 0


@pytest.mark.parametrize(("recorded", "expected"), [("POL", 1), ("ENG", 0), (None, None)])
def test_the_health_visiting_language_says_whether_english_is_the_main_language(
    zone: Zone, tmp_path: Path, recorded: str | None, expected: int | None
) -> None:
    zone.stay("mum", "H1", date(2010, 1, 1), date(2026, 1, 1))
    zone.child("kid", "H1", BORN)
    hv_contact(zone, "6-8W", date(2019, 5, 1), preferred_language=recorded)
    assert features_of(zone, tmp_path)["language_not_english"] == expected


def test_a_child_without_a_scored_one_year_review_has_no_one_year_score(
    zone: Zone, tmp_path: Path
) -> None:
    family(zone)
    assert features_of(zone, tmp_path)["asq_1y_total"] is None


def test_a_record_entered_after_the_prediction_date_is_used_only_if_the_recipe_allows(
    zone: Zone, tmp_path: Path
) -> None:
    family(zone)
    zone.record(
        "csc",
        "kid",
        "H1",
        birth_year=2019,
        birth_month=3,
        referral_date=date(2021, 8, 20),
        outcome="CIN",
        episode_start=date(2021, 8, 25),
        recorded_date=date(2021, 10, 1),
    )
    assert features_of(zone, tmp_path / "a")["social_care_referrals"] == 1
    strict = dataclasses.replace(
        LOADED,
        recipe=RECIPE.model_copy(
            update={"cohort": RECIPE.cohort.model_copy(update={"known_by_prediction_date": True})}
        ),
    )
    assert features_of(zone, tmp_path / "b", recipe=strict)["social_care_referrals"] == 0


def test_the_cohort_is_the_children_living_in_the_area_at_their_prediction_date(
    zone: Zone, tmp_path: Path
) -> None:
    family(zone)
    zone.child("left", "H2", date(2019, 9, 3), until=date(2021, 6, 30))  # gone before 2.5
    zone.child("autumn", "H3", date(2019, 9, 20))
    con = connect(zone.build(tmp_path))
    table = build_features(con, LOADED, as_at=AS_AT).table.to_pylist()
    by_child = {row["unit_id"]: row for row in table}
    assert "left" not in by_child
    assert by_child["autumn"]["cohort"] == 2025
    assert by_child["autumn"]["prediction_date"] == date(2022, 3, 1)
    assert by_child["kid"]["lsoa11cd"] == "E01021237"


def test_a_feature_query_reading_anything_but_its_view_is_refused() -> None:
    con = duckdb.connect()
    with pytest.raises(LeakageError, match="reads 'police'"):
        check_query(
            con, "SELECT unit_id, count(*) FROM az.police GROUP BY 1", "asof_police_child", "raw"
        )
    with pytest.raises(LeakageError, match="subquery"):
        check_query(
            con,
            "SELECT unit_id, count(*) FILTER (WHERE event_date < (SELECT max(x) FROM "
            "asof_police_child)) FROM asof_police_child GROUP BY 1",
            "asof_police_child",
            "nested",
        )
    with pytest.raises(LeakageError):
        check_query(con, "SELECT * FROM read_parquet('x.parquet')", "asof_police_child", "file")


def test_every_catalogue_feature_passes_the_guard() -> None:
    con = duckdb.connect()
    for view, sql in feature_queries(list(CATALOGUE.values())).items():
        check_query(con, sql, view, view)


def test_a_view_holding_a_row_dated_on_the_prediction_date_is_refused() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE VIEW asof_police_child AS SELECT DATE '2021-09-01' AS event_date, "
        "DATE '2021-09-01' AS prediction_date"
    )
    with pytest.raises(LeakageError, match="1 row"):
        check_views(con, ["asof_police_child"])


def test_a_stray_date_typed_a_year_ahead_is_not_the_extract_date(
    zone: Zone, tmp_path: Path
) -> None:
    family(zone)
    for day in range(10):
        zone.record(
            "police",
            "mum",
            "H1",
            incident_key=f"k{day}",
            incident_time=datetime(2025, 9, 20 + day, 9),
            role="Victim",
            dash_risk="Standard",
        )
    zone.record(
        "police",
        "mum",
        "H1",
        incident_key="typo",
        incident_time=datetime(2026, 8, 1, 9),
        role="Victim",
        dash_risk="Standard",
    )
    con = connect(zone.build(tmp_path))
    found = latest_event(con, "az", {"police": "incident_time"}, date(2026, 11, 1))
    assert found == date(2025, 9, 29)


def test_features_need_the_linkage_tables(tmp_path: Path) -> None:
    path = tmp_path / "analysis.duckdb"
    duckdb.connect(str(path)).close()
    from bakehouse.errors import WorkspaceError

    with pytest.raises(WorkspaceError, match="bakehouse link"):
        connect(path)


def test_the_readme_lists_every_feature_of_the_catalogue() -> None:
    readme = (Path(__file__).parents[2] / "src/bakehouse/features/README.md").read_text()
    assert [name for name in CATALOGUE if f"| `{name}` |" not in readme] == []


def test_a_week_of_stray_dates_in_a_large_source_is_not_the_extract_date(
    zone: Zone, tmp_path: Path
) -> None:
    family(zone)
    for day in range(10):
        for index in range(20):
            zone.record(
                "police",
                "mum",
                "H1",
                incident_key=f"k{day}-{index}",
                incident_time=datetime(2025, 9, 20 + day, 9),
                role="Victim",
                dash_risk="Standard",
            )
    # Six mistyped years in one week: enough for a small source, a handful for this one.
    for day in range(6):
        zone.record(
            "police",
            "mum",
            "H1",
            incident_key=f"typo{day}",
            incident_time=datetime(2026, 6, 1 + day, 9),
            role="Victim",
            dash_risk="Standard",
        )
    con = connect(zone.build(tmp_path))
    found = latest_event(con, "az", {"police": "incident_time"}, date(2026, 11, 1))
    assert found == date(2025, 9, 29)
