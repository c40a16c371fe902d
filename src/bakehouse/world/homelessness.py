"""The homelessness truth: each household's chance of approaching the council within a year.

Every 1 April (the index date) each household living in the area, with an adult, and not in
temporary accommodation is an index row. Its outcome is whether the monthly simulation draws a
housing approach in the twelve months that follow (April to March). The world draws approaches
from a monthly hazard (:func:`bakehouse.world.risk.housing`) whose inputs change inside the
year: a benefit claim starts or ends; a domestic abuse incident raises the hazard that month and
for twelve months after, and can end a partnership, which raises the chance of a claim, of the
next incident and of an approach; an approach more than two years back stops counting; the
household may leave the area. The true probability is computed exactly from the same hazards by
following, month by month, the distribution over what can change. What the year cannot change
is read at the index date: disadvantage, tenure (a tenancy changes only through an approach or a
move out of the area), whether a woman heads the household with a partner or ex-partner. Two
things are left out: deaths (a few households in a thousand a year, most of them older owners
whose chance is small) and a first child born inside the year (it raises the chance of a claim).
The world's tests measure the result against the outcomes drawn.

The probability is the truth's ``p_true``; it is also ``p_from_records``, the best a model could
do: it treats disadvantage and tenure as known, which no record holds, so it is an upper bound.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from scipy.special import expit

from bakehouse.world import risk, tables
from bakehouse.world.simulate import LEAVE_AREA_SHARE, MOVE_BY_TENURE, MOVE_DISADVANTAGE, Simulation
from bakehouse.world.state import PRIVATE

INDEX_MONTH = 4  # April: councils plan by financial year
WINDOW = 12  # months
NOT_RECENT = risk.RECENT + 1  # months since the last incident at which it no longer counts

# What each index row holds about its household at the index date.
STATE_COLUMNS = (
    "household",
    "month",
    "lsoa",
    "disadvantage",
    "tenure",
    "since_incident",
    "lone",
    "at_risk_of_abuse",
    "claim",
    "claiming",
    "children",
    "since_approach",
)
EPOCH = np.datetime64("2000-01-01")  # before any event: days from it order a household's cases
CHUNK = 200_000  # households at a time: keeps the month-by-month arrays to tens of MB


class IndexStates:
    """Watches the simulation: at the start of each April, before the month's steps, keeps the
    state of every index household. Reads the state only, so the world's draws are unchanged."""

    def __init__(self) -> None:
        self.snapshots: list[dict[str, np.ndarray]] = []

    def __call__(self, sim: Simulation) -> None:
        if int(sim.today.astype("datetime64[M]").astype(int) % 12) + 1 == INDEX_MONTH:
            self.snapshots.append(_snapshot(sim))


def _snapshot(sim: Simulation) -> dict[str, np.ndarray]:
    hh = sim.households
    homes = np.flatnonzero(hh.active & (hh.adult1 >= 0) & (hh.ta_until < sim.month))
    suspect = (hh.adult2[homes] >= 0) | (hh.ex_partner[homes] >= 0)
    woman = sim.people.sex[hh.adult1[homes]] == 0
    return {
        "household": homes.astype(np.int64),
        "month": np.full(len(homes), sim.month, np.int32),
        "lsoa": hh.lsoa[homes].copy(),
        "disadvantage": hh.disadvantage[homes].copy(),
        "tenure": hh.tenure[homes].copy(),
        "since_incident": np.minimum(sim.month - hh.last_da[homes], NOT_RECENT).astype(np.int32),
        "lone": hh.adult2[homes] < 0,
        "at_risk_of_abuse": suspect & woman,
        "claim": hh.claim[homes].copy(),
        "claiming": hh.claim[homes] >= 0,
        "children": hh.children[homes] > 0,
        "since_approach": np.minimum(
            sim.month - hh.last_approach[homes], risk.APPROACH_MEMORY + WINDOW
        ).astype(np.int32),
    }


def approach_probability(state: dict[str, np.ndarray]) -> np.ndarray:
    """P(a housing approach in the twelve months from the index | the state at the index).

    What can change inside the year is carried month by month, in the simulation's order of
    steps (claims, incident, approach, move out of the area), as a distribution over: whether
    the household has had an incident since the index (after one, every later month of the
    window is within twelve months of it; before one, the months since the last incident
    before the index are known), whether the partner has left, whether a benefit claim is open;
    among households that have neither approached nor left. Households where no incident can
    happen (no woman at their head with a partner or ex-partner) need only the claim.
    """
    out = np.empty(len(state["household"]))
    at_risk = state["at_risk_of_abuse"]
    for rows, step in (
        (np.flatnonzero(at_risk), _approach_probability),
        (np.flatnonzero(~at_risk), _without_incidents),
    ):
        for start in range(0, len(rows), CHUNK):
            part = rows[start : start + CHUNK]
            out[part] = step({name: values[part] for name, values in state.items()})
    return out


def _without_incidents(state: dict[str, np.ndarray]) -> np.ndarray:
    """:func:`_approach_probability` for households where no incident can happen."""
    d = state["disadvantage"]
    lone = state["lone"]
    c = risk.CLAIM_START
    claim_start = expit(
        c["intercept"]
        + c["disadvantage"] * d
        + c["lone"] * lone
        + c["children"] * state["children"]
    )
    h = risk.HOUSING_HAZARD
    base = (
        h["intercept"]
        + h["disadvantage"] * d
        + h["private_rent"] * (state["tenure"] == PRIVATE)
        + h["single_adult"] * lone
    )[:, None] + h["benefit_claim"] * np.array([0.0, 1.0])[None, :]
    # Each hazard without and with an approach in the last two years: (2, households, claim).
    base = np.stack([base, base + h["recent_approach"]])
    approach_recent = expit(base + h["recent_incident"])
    approach_not_recent = expit(base)
    stay = 1 - LEAVE_AREA_SHARE * expit(MOVE_BY_TENURE[state["tenure"]] + MOVE_DISADVANTAGE * d)
    mass = np.zeros((len(d), 2))
    mass[np.arange(len(d)), state["claiming"].astype(int)] = 1.0
    approached = np.zeros(len(d))
    for month in range(WINDOW):
        mass = _claims_change(mass, claim_start)
        recent = ((state["since_incident"] + month) <= risk.RECENT)[:, None]
        memory = _approached_lately(state, month)
        hazard = np.where(recent, approach_recent[memory], approach_not_recent[memory])
        approached += (mass * hazard).sum(1)
        mass *= (1 - hazard) * stay[:, None]
    return approached


def _approach_probability(state: dict[str, np.ndarray]) -> np.ndarray:
    n = len(state["household"])
    d = state["disadvantage"][:, None, None]
    lone = np.array([0.0, 1.0])[None, :, None]  # axis 1: partner left or never there
    claim = np.array([0.0, 1.0])[None, None, :]  # axis 2: a claim open
    c = risk.CLAIM_START
    claim_start = expit(
        c["intercept"]
        + c["disadvantage"] * d[..., 0]
        + c["lone"] * lone[..., 0]
        + c["children"] * state["children"][:, None]
    )  # (households, lone)
    da = risk.DA_HAZARD
    at_risk = state["at_risk_of_abuse"][:, None, None]
    incident_base = da["intercept"] + da["disadvantage"] * d + da["lone"] * lone
    incident_recent = expit(incident_base + da["recent"]) * at_risk
    incident_not_recent = expit(incident_base) * at_risk
    h = risk.HOUSING_HAZARD
    base = (
        h["intercept"]
        + h["disadvantage"] * d
        + h["private_rent"] * (state["tenure"] == PRIVATE)[:, None, None]
        + h["single_adult"] * lone
        + h["benefit_claim"] * claim
    )
    # Each hazard without and with an approach in the last two years: (2, households, lone, claim).
    base = np.stack([base, base + h["recent_approach"]])
    approach_incident = expit(base + h["incident_this_month"] + h["recent_incident"])
    approach_recent = expit(base + h["recent_incident"])
    approach_not_recent = expit(base)
    stay = 1 - LEAVE_AREA_SHARE * expit(
        MOVE_BY_TENURE[state["tenure"]] + MOVE_DISADVANTAGE * state["disadvantage"]
    )
    stay = stay[:, None, None]
    # Households with no incident since the index, and those with one.
    before = np.zeros((n, 2, 2))
    before[np.arange(n), state["lone"].astype(int), state["claiming"].astype(int)] = 1.0
    since = np.zeros((n, 2, 2))
    approached = np.zeros(n)
    for month in range(WINDOW):
        memory = _approached_lately(state, month)
        incident_approach = approach_incident[memory]
        recent_approach = approach_recent[memory]
        before = _claims_change(before, claim_start)
        since = _claims_change(since, claim_start)
        recent = ((state["since_incident"] + month) <= risk.RECENT)[:, None, None]
        hit_before = before * np.where(recent, incident_recent, incident_not_recent)
        hit_since = since * incident_recent
        hit = hit_before + hit_since
        # An incident may end the partnership: the partner leaves.
        split = hit[:, 0] * risk.SEPARATION
        hit[:, 0] -= split
        hit[:, 1] += split
        before = before - hit_before
        since = since - hit_since
        quiet_before = np.where(recent, recent_approach, approach_not_recent[memory])
        approached += (hit * incident_approach).sum((1, 2))
        approached += (before * quiet_before).sum((1, 2)) + (since * recent_approach).sum((1, 2))
        before = before * (1 - quiet_before) * stay
        since = (since * (1 - recent_approach) + hit * (1 - incident_approach)) * stay
    return approached


def _approached_lately(state: dict[str, np.ndarray], month: int) -> tuple[np.ndarray, np.ndarray]:
    """An index into the (without, with) stack of hazards: whether each household's last
    approach is within ``APPROACH_MEMORY`` months in this month of the window."""
    lately = (state["since_approach"] + month) <= risk.APPROACH_MEMORY
    return lately.astype(int), np.arange(len(lately))


def _claims_change(mass: np.ndarray, claim_start: np.ndarray) -> np.ndarray:
    """A month's claims: an open claim ends, or one starts (not both in one month)."""
    starting = mass[..., 0] * claim_start
    ending = mass[..., 1] * risk.CLAIM_END
    return np.stack([mass[..., 0] - starting + ending, mass[..., 1] - ending + starting], -1)


def index_table(sim: Simulation, states: IndexStates, lsoa_codes: np.ndarray) -> pa.Table:
    """One row per household and index date: its probabilities and what happened. The outcome
    is null where the year had not ended by the as-at date."""
    state = {name: np.concatenate([s[name] for s in states.snapshots]) for name in STATE_COLUMNS}
    p = approach_probability(state)
    index_date = sim.months[state["month"]]
    window_end = (index_date.astype("datetime64[M]") + WINDOW).astype("datetime64[D]")
    known = window_end <= np.datetime64(sim.as_at, "D") + 1
    cases = sim.log.arrays("housing")
    approached = _approached(state["household"], index_date, cases)
    claim = state["claim"]
    started = sim.log.arrays("claim_start")
    renting_claim = started["housing_benefit"] if started else np.zeros(0, bool)
    housing_benefit = (claim >= 0) & renting_claim[np.maximum(claim, 0)] if len(claim) else claim
    return pa.table(
        {
            "household_id": pa.array(state["household"], pa.int64()),
            "index_date": pa.array(index_date, pa.date32()),
            "year": pa.array(index_date.astype("datetime64[Y]").astype(int) + 1970, pa.int32()),
            "lsoa11cd": pa.array(lsoa_codes[state["lsoa"]], pa.string()),
            "tenure": pa.array(np.array(["owner", "social_rent", "private_rent"])[state["tenure"]]),
            "single_adult": pa.array(state["lone"], pa.bool_()),
            "benefit_claim": pa.array(claim >= 0, pa.bool_()),
            "housing_benefit": pa.array(housing_benefit, pa.bool_()),
            "months_since_incident": pa.array(
                state["since_incident"], pa.int32(), mask=state["since_incident"] > risk.RECENT
            ),
            "months_since_approach": pa.array(
                state["since_approach"],
                pa.int32(),
                mask=state["since_approach"] > risk.APPROACH_MEMORY,
            ),
            "earlier_approaches": pa.array(
                _earlier(state["household"], index_date, cases), pa.int32()
            ),
            "p_true": pa.array(p, pa.float64()),
            "p_from_records": pa.array(p, pa.float64()),
            "approached": pa.array(approached, pa.bool_(), mask=~known),
            "outcome_known": pa.array(known, pa.bool_()),
            "window_end": pa.array(window_end, pa.date32()),
        },
        schema=tables.HOMELESSNESS,
    )


def _earlier(
    household: np.ndarray, index_date: np.ndarray, cases: dict[str, np.ndarray]
) -> np.ndarray:
    """How many approaches each household made before its index date."""
    if not cases:
        return np.zeros(len(household), np.int32)
    case_key = np.sort(_key(cases["household"], cases["approach"].astype("datetime64[D]")))
    before = np.searchsorted(case_key, _key(household, index_date))
    first = np.searchsorted(case_key, _key(household, np.full(len(household), EPOCH)))
    return (before - first).astype(np.int32)


def _key(household: np.ndarray, day: np.ndarray) -> np.ndarray:
    """A sortable key of household then day."""
    days = (day.astype("datetime64[D]") - EPOCH).astype(np.int64)
    return household.astype(np.int64) * 100_000 + days


def _approached(
    household: np.ndarray, index_date: np.ndarray, cases: dict[str, np.ndarray]
) -> np.ndarray:
    """Whether each household has an approach dated in the year from its index date."""
    if not cases:
        return np.zeros(len(household), bool)
    end = (index_date.astype("datetime64[M]") + WINDOW).astype("datetime64[D]")
    order = np.lexsort((cases["approach"], cases["household"]))
    who, when = cases["household"][order], cases["approach"][order].astype("datetime64[D]")
    # The first approach on or after the index date, for the same household.
    key = _key(household, index_date)
    case_key = _key(who, when)
    at = np.searchsorted(case_key, key)
    found = at < len(case_key)
    at = np.minimum(at, len(case_key) - 1)
    same = found & (who[at] == household)
    return same & (when[at] < end)
