"""Domestic abuse escalation and homelessness: outcomes drawn from their stated probabilities,
the best achievable computed as stated, the MARAC extract in the records truth and ingested
under its agreement, and the other extracts untouched by the new draws."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest
from scipy.special import expit
from scipy.stats import norm

from bakehouse.custody import init_key
from bakehouse.geography.deprivation import LSOAS_IN_ENGLAND
from bakehouse.ingest import IngestOptions, ingest
from bakehouse.world import escalation, generate, homelessness, risk
from bakehouse.world.config import WorldConfig
from bakehouse.world.noise import NoiseLevel
from bakehouse.world.simulate import LEAVE_AREA_SHARE, MOVE_BY_TENURE, MOVE_DISADVANTAGE
from bakehouse.world.state import PRIVATE

EXISTING_EXTRACTS = (
    "csc_referrals.csv",
    "school_census.csv",
    "early_education.xlsx",
    "health_visiting.psv",
    "police_da_incidents.csv",
    "housing_cases.tsv",
    "benefits_claims.csv",
    "council_tax_accounts.csv",
)


def _truth(world: Any, name: str) -> dict[str, np.ndarray]:
    table = pq.read_table(world.out / "truth" / f"{name}.parquet")
    return {
        column: table.column(column).to_numpy(zero_copy_only=False) for column in table.column_names
    }


def _calibrated(y: np.ndarray, p: np.ndarray, bins: int) -> None:
    """Outcomes agree with their probabilities overall and in each band of probability (within
    four standard errors, so that a correct draw fails about once in 15,000 runs)."""
    order = np.argsort(p)
    for band in [order, *np.array_split(order, bins)]:
        expected = p[band].sum()
        spread = np.sqrt((p[band] * (1 - p[band])).sum())
        assert abs(y[band].sum() - expected) < 4 * spread + 1, (y[band].sum(), expected)


# --- domestic abuse escalation --------------------------------------------------------------


def test_escalation_is_drawn_from_the_true_probability(small_world_factory: Any) -> None:
    t = _truth(small_world_factory(), "da_escalation")
    known = t["outcome_known"].astype(bool)
    assert known.sum() > 1000
    _calibrated(t["escalated"][known].astype(bool), t["p_true"][known], bins=5)
    rate = t["escalated"][known].astype(bool).mean()
    assert 0.15 < rate < 0.3


def test_true_probability_is_the_stated_model_with_the_household_term(
    small_world_factory: Any,
) -> None:
    world = small_world_factory()
    t = _truth(world, "da_escalation")
    logit = _stated_logit(world, t)
    assert np.allclose(t["p_true"], expit(logit + t["household_term"]))
    # The household term is one draw per household.
    for home in np.unique(t["household_id"])[:200]:
        assert len(np.unique(t["household_term"][t["household_id"] == home])) == 1


def test_best_from_records_integrates_the_household_term_given_earlier_escalations(
    small_world_factory: Any,
) -> None:
    world = small_world_factory()
    t = _truth(world, "da_escalation")
    logit = _stated_logit(world, t)
    u = np.linspace(-8, 8, 4001) * escalation.HOUSEHOLD_SD
    prior = norm.pdf(u, scale=escalation.HOUSEHOLD_SD)
    checked = {0: 0, 1: 0}
    for home in np.unique(t["household_id"]):
        rows = np.flatnonzero(t["household_id"] == home)
        weight = prior.copy()
        for position, row in enumerate(rows):
            p = expit(logit[row] + u)
            expected = (weight * p).sum() / weight.sum()
            assert t["p_from_records"][row] == pytest.approx(expected, rel=1e-6, abs=1e-9)
            checked[min(position, 1)] += 1
            weight *= p if t["escalated"][row] else 1 - p
        if checked[1] >= 50 and checked[0] >= 200:
            break
    assert checked[1] >= 50


def _stated_logit(world: Any, t: dict[str, np.ndarray]) -> np.ndarray:
    households = _truth(world, "households")
    deprivation = _truth(world, "deprivation")
    score = norm.ppf(1 - (deprivation["imd_rank"] - 0.5) / LSOAS_IN_ENGLAND)
    area = dict(zip(deprivation["lsoa11cd"].tolist(), score.tolist(), strict=True))
    e = escalation.ESCALATION
    return np.asarray(
        e["intercept"]
        + e["dash_medium"] * (t["dash_risk"] == "Medium")
        + e["dash_high"] * (t["dash_risk"] == "High")
        + e["earlier_incident"] * np.minimum(t["earlier_incidents"], escalation.EARLIER_CAP)
        + e["children_present"] * t["children_present"]
        + e["benefit_claim"] * t["benefit_claim"]
        + e["social_care"] * t["social_care"]
        + e["separated"] * t["separated"]
        + e["disadvantage"] * households["disadvantage"][t["household_id"]]
        + e["area_deprivation"] * np.array([area[c] for c in t["lsoa11cd"]]),
        dtype=float,
    )


def test_index_incidents_of_a_household_are_more_than_a_year_apart(
    small_world_factory: Any,
) -> None:
    t = _truth(small_world_factory(), "da_escalation")
    day = t["index_date"].astype("datetime64[D]")
    same = t["household_id"][1:] == t["household_id"][:-1]
    assert same.any()
    assert ((day[1:] - day[:-1])[same].astype(int) > escalation.WINDOW_DAYS).all()


def test_every_incident_is_an_index_or_in_the_year_after_one() -> None:
    day = np.array(
        ["2020-01-10", "2020-06-01", "2021-01-09", "2021-01-11", "2021-02-01", "2023-05-05"],
        dtype="datetime64[D]",
    )
    incidents = {
        "incident": np.arange(6),
        "time": day.astype("datetime64[s]"),
        "household": np.array([7, 7, 7, 7, 7, 8]),
        "address": np.zeros(6, np.int64),
        "person": np.arange(6),
        "role": np.full(6, "Victim"),
        "risk": np.full(6, "Standard"),
    }
    found = escalation.index_incidents(incidents)
    # 2021-01-09 is 365 days after the first index, so still in its window; 2021-01-11 is not.
    assert found["is_index"].tolist() == [True, False, False, True, False, True]
    assert found["earlier"].tolist() == [0, 1, 2, 3, 4, 0]


def test_each_escalation_up_to_the_as_at_date_is_a_marac_referral_in_the_records(
    small_world_factory: Any,
) -> None:
    world = small_world_factory()
    t = _truth(world, "da_escalation")
    referred = ~np.isnat(t["referral_date"].astype("datetime64[D]"))
    known = t["outcome_known"].astype(bool)
    assert (t["escalated"][known & ~referred] == False).all()  # noqa: E712
    delay = (
        (t["referral_date"][referred] - t["index_date"][referred])
        .astype("timedelta64[D]")
        .astype(int)
    )
    assert delay.min() >= 1 and delay.max() <= escalation.WINDOW_DAYS
    records = pq.read_table(world.out / "truth" / "records.parquet").to_pydict()
    marac = [
        (person, home)
        for source, person, home in zip(
            records["source"], records["person_id"], records["household_id"], strict=True
        )
        if source == "marac"
    ]
    lines = (world.out / "extracts" / "marac_referrals.csv").read_bytes().split(b"\r\n")
    assert len(marac) == len([line for line in lines[1:] if line])
    # The file holds each referral once, plus its planted duplicates.
    assert referred.sum() <= len(marac) <= 1.05 * referred.sum()
    victims = set(
        zip(t["victim_id"][referred].tolist(), t["household_id"][referred].tolist(), strict=True)
    )
    assert set(marac) == victims


# --- homelessness ------------------------------------------------------------------------------


def test_homelessness_approaches_agree_with_the_true_probability_by_decile(
    small_world_factory: Any,
) -> None:
    t = _truth(small_world_factory(), "homelessness")
    known = t["outcome_known"].astype(bool)
    y = t["approached"][known].astype(bool)
    assert 0.01 < y.mean() < 0.05
    _calibrated(y, t["p_true"][known], bins=10)
    assert np.array_equal(t["p_true"], t["p_from_records"])


def test_homelessness_index_rows_are_each_april_for_households_living_in_the_area(
    small_world_factory: Any,
) -> None:
    t = _truth(small_world_factory(), "homelessness")
    day = t["index_date"].astype("datetime64[D]")
    assert set(np.unique(day.astype("datetime64[M]").astype(int) % 12).tolist()) == {3}
    assert (day == day.astype("datetime64[M]")).all()
    key = t["household_id"].astype(np.int64) * 10_000 + t["year"]
    assert len(np.unique(key)) == len(key)
    assert not t["outcome_known"][t["year"] == 2025].any()
    assert t["outcome_known"][t["year"] == 2024].all()


def _one_state(**values: Any) -> dict[str, np.ndarray]:
    state = {
        "household": 0,
        "disadvantage": 0.5,
        "tenure": PRIVATE,
        "since_incident": 3,
        "lone": False,
        "at_risk_of_abuse": True,
        "claiming": False,
        "children": True,
        "since_approach": 40,
    }
    state.update(values)
    return {name: np.array([value]) for name, value in state.items()}


@pytest.mark.parametrize(
    "values",
    [
        {},
        {"since_incident": 13, "claiming": True, "lone": True},
        {"at_risk_of_abuse": False, "since_incident": 8, "since_approach": 18},
        {"since_approach": 20, "claiming": True},
        {"disadvantage": 2.0, "tenure": 0, "since_incident": 12},
    ],
)
def test_chance_of_an_approach_in_the_year_is_that_of_the_monthly_hazards(
    values: dict[str, Any],
) -> None:
    """The year's probability against the monthly steps played out for many households."""
    state = _one_state(**values)
    p = homelessness.approach_probability(state)[0]
    assert p == pytest.approx(_played_out(state, np.random.default_rng(3), 400_000), abs=0.002)


def _played_out(state: dict[str, np.ndarray], rng: np.random.Generator, n: int) -> float:
    d = float(state["disadvantage"][0])
    at_risk = bool(state["at_risk_of_abuse"][0])
    since = np.full(n, int(state["since_incident"][0]))
    since_approach = int(state["since_approach"][0])
    lone = np.full(n, bool(state["lone"][0]))
    claim = np.full(n, bool(state["claiming"][0]))
    here = np.ones(n, bool)
    approached = np.zeros(n, bool)
    c, da, h = risk.CLAIM_START, risk.DA_HAZARD, risk.HOUSING_HAZARD
    private = state["tenure"][0] == PRIVATE
    leave = LEAVE_AREA_SHARE * expit(MOVE_BY_TENURE[state["tenure"][0]] + MOVE_DISADVANTAGE * d)
    for _ in range(homelessness.WINDOW):
        live = here & ~approached
        ending = claim & (rng.random(n) < risk.CLAIM_END)
        start_p = expit(
            c["intercept"] + c["disadvantage"] * d + c["lone"] * lone + c["children"] * 1.0
        )
        starting = ~claim & (rng.random(n) < start_p)
        claim = (claim & ~ending) | starting
        recent = since <= risk.RECENT
        p_incident = expit(
            da["intercept"] + da["disadvantage"] * d + da["recent"] * recent + da["lone"] * lone
        )
        incident = at_risk & (rng.random(n) < p_incident)
        since = np.where(incident, 0, since)
        lone = lone | (incident & (rng.random(n) < risk.SEPARATION))
        hazard = expit(
            h["intercept"]
            + h["disadvantage"] * d
            + h["private_rent"] * private
            + h["benefit_claim"] * claim
            + h["single_adult"] * lone
            + h["recent_approach"] * (since_approach <= risk.APPROACH_MEMORY)
            + h["incident_this_month"] * incident
            + h["recent_incident"] * (since <= risk.RECENT)
        )
        approached |= live & (rng.random(n) < hazard)
        here &= approached | (rng.random(n) >= leave)
        since = since + 1
        since_approach += 1
    return float(approached.mean())


# --- the MARAC extract and the existing ones ----------------------------------------------------


def test_marac_referrals_ingest_cleanly_under_their_agreement(
    small_world_factory: Any, tmp_path: Path
) -> None:
    world = small_world_factory(noise=NoiseLevel.NONE)
    key = init_key(tmp_path / "custodian.key")
    result = ingest(
        IngestOptions(
            sources=world.out,
            workspace=tmp_path / "ws",
            purpose="domestic-abuse",
            key_file=key,
            only=("marac",),
        )
    )
    (count,) = result.files
    assert count.rows_in == world.manifest["counts"]["marac_referrals"] > 0
    assert count.quarantined == 0 and count.accepted == count.rows_in


def test_the_new_outcomes_leave_every_other_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = WorldConfig.model_validate({"area": "basildon", "seed": 4, "scale": 0.03})
    generate.generate(config, tmp_path / "with")
    monkeypatch.setattr(homelessness.IndexStates, "__call__", lambda self, sim: None)
    monkeypatch.setattr(generate, "_with_outcomes", lambda world, *args: world)
    generate.generate(config, tmp_path / "without")
    for name in EXISTING_EXTRACTS:
        assert _sha(tmp_path / "with" / "extracts" / name) == _sha(
            tmp_path / "without" / "extracts" / name
        ), name
    for name in ("people", "households", "residence", "children", "area_need"):
        path = Path("truth") / f"{name}.parquet"
        assert _sha(tmp_path / "with" / path) == _sha(tmp_path / "without" / path), name


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
