"""Monthly risk steps: benefits, parental mental health, domestic abuse, housing, social care.

Hazards are logistic in the household's latent disadvantage and its recent history, so risk
clusters in households and areas and one adversity raises the chance of the next.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bakehouse.world.state import NONE, PRIVATE, SOCIAL

if TYPE_CHECKING:
    from bakehouse.world.simulate import Simulation

RECENT = 12  # months during which an incident counts as recent
APPROACH_MEMORY = 24  # months during which an earlier homelessness approach raises the next
# Monthly hazards of a benefit claim starting and ending, of a police-reported domestic abuse
# incident (for a woman with a partner or ex-partner) and of a homelessness approach. Named
# because the homelessness truth (``homelessness``) computes the chance of an approach within a
# year from exactly these.
CLAIM_START = {"intercept": -6.0, "disadvantage": 1.1, "lone": 0.6, "children": 0.5}
CLAIM_END = 0.026
DA_HAZARD = {"intercept": -6.1, "disadvantage": 0.7, "recent": 2.0, "lone": 0.4}
SEPARATION = 0.25  # chance that a partner leaves after an incident
# What brings a household to the council is mostly what some agency records: a benefit claim
# (low income, arrears), domestic abuse, living alone with or without children, an approach in
# the last two years. Disadvantage and private renting, which no record shows directly, weigh
# little (docs/adr/0019-outcomes-with-known-truth.md measures why).
HOUSING_HAZARD = {
    "intercept": -7.25,
    "disadvantage": 0.1,
    "private_rent": 0.2,
    "benefit_claim": 1.0,
    "single_adult": 0.7,
    "recent_approach": 1.8,
    "incident_this_month": 2.6,
    "recent_incident": 1.2,
}

HOUSING_REASONS = np.array(
    [
        "End of private tenancy",
        "Family or friends no longer willing to accommodate",
        "Relationship breakdown",
        "Mortgage or rent arrears",
        "Eviction from social housing",
    ]
)
CSC_SOURCES = np.array(["School", "Health", "Self/family", "Other", "Anonymous"])
CSC_NEEDS = np.array(
    [
        "Family in acute stress",
        "Family dysfunction",
        "Low income",
        "Socially unacceptable behaviour",
        "Absent parenting",
    ]
)


def _expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


def _ids(sim: Simulation, table: str, n: int) -> np.ndarray:
    start = sim.counters.get(table, 0)
    sim.counters[table] = start + n
    return np.arange(start, start + n, dtype=np.int64)


def benefits(sim: Simulation) -> None:
    """Housing benefit / council tax reduction claims start and end."""
    hh = sim.households
    active = np.flatnonzero(hh.active)
    claiming = hh.claim[active] >= 0
    ending = active[claiming & (sim.rng.random(len(active)) < CLAIM_END)]
    if len(ending):
        sim.log.add("claim_end", claim=hh.claim[ending], date=sim.days_in_month(len(ending)))
        hh.claim[ending] = NONE
    open_ = active[~claiming]
    lone = hh.adult2[open_] == NONE
    hazard = _expit(
        CLAIM_START["intercept"]
        + CLAIM_START["disadvantage"] * hh.disadvantage[open_]
        + CLAIM_START["lone"] * lone
        + CLAIM_START["children"] * (hh.children[open_] > 0)
    )
    starting = open_[sim.rng.random(len(open_)) < hazard]
    if not len(starting):
        return
    claims = _ids(sim, "claim", len(starting))
    hh.claim[starting] = claims
    renting = hh.tenure[starting] != 0
    sim.log.add(
        "claim_start",
        claim=claims,
        household=starting,
        claimant=hh.adult1[starting],
        partner=hh.adult2[starting],
        address=hh.address[starting],
        date=sim.days_in_month(len(starting)),
        dependants=hh.children[starting].astype(np.int32),
        housing_benefit=renting,
        passported=sim.rng.random(len(starting)) < 0.6,
    )


def mental_health(sim: Simulation) -> None:
    """Episodes of the main carer's poor mental health; more likely after a birth or abuse."""
    hh = sim.households
    well = np.flatnonzero(hh.active & (hh.mh_until < sim.month))
    postnatal = (sim.month - hh.last_birth[well]) <= 6
    recent_da = (sim.month - hh.last_da[well]) <= RECENT
    hazard = _expit(-6.4 + 0.45 * hh.disadvantage[well] + 1.9 * postnatal + 1.0 * recent_da)
    onset = well[sim.rng.random(len(well)) < hazard]
    if len(onset):
        length = 1 + sim.rng.geometric(1 / 10, len(onset))
        hh.mh_until[onset] = sim.month + length
        sim.log.add(
            "mh_episode",
            household=onset,
            start=sim.days_in_month(len(onset)),
            months=length.astype(np.int32),
        )


def domestic_abuse(sim: Simulation) -> np.ndarray:
    """Incidents reported to the police; returns the households with an incident this month."""
    hh = sim.households
    people = sim.people
    active = np.flatnonzero(hh.active & (hh.adult1 >= 0))
    suspect = np.where(hh.adult2[active] >= 0, hh.adult2[active], hh.ex_partner[active])
    eligible = (suspect >= 0) & (people.sex[hh.adult1[active]] == 0)
    active, suspect = active[eligible], suspect[eligible]
    recent = (sim.month - hh.last_da[active]) <= RECENT
    hazard = _expit(
        DA_HAZARD["intercept"]
        + DA_HAZARD["disadvantage"] * hh.disadvantage[active]
        + DA_HAZARD["recent"] * recent
        + DA_HAZARD["lone"] * (hh.adult2[active] < 0)
    )
    hit = sim.rng.random(len(active)) < hazard
    homes, suspect = active[hit], suspect[hit]
    if not len(homes):
        return homes
    incidents = _ids(sim, "incident", len(homes))
    when = sim.days_in_month(len(homes)).astype("datetime64[s]") + sim.rng.integers(
        0, 86400, len(homes)
    ).astype("timedelta64[s]")
    repeat = hh.da_count[homes] > 0
    risk = np.where(
        sim.rng.random(len(homes)) < np.where(repeat, 0.2, 0.08),
        "High",
        np.where(sim.rng.random(len(homes)) < 0.35, "Medium", "Standard"),
    )
    _involve(sim, incidents, when, homes, hh.adult1[homes], "Victim", risk)
    _involve(sim, incidents, when, homes, suspect, "Suspect", risk)
    children = sim.members(sim.household_mask(homes))
    children = children[(sim.ages(children) < 16) & (sim.rng.random(len(children)) < 0.65)]
    index = np.searchsorted(homes, people.household[children])
    _involve(
        sim, incidents[index], when[index], homes[index], children, "Child Present", risk[index]
    )
    hh.last_da[homes] = sim.month
    hh.da_count[homes] += 1
    _separate(sim, homes[(hh.adult2[homes] >= 0) & (sim.rng.random(len(homes)) < SEPARATION)])
    return homes


def _involve(
    sim: Simulation,
    incidents: np.ndarray,
    when: np.ndarray,
    homes: np.ndarray,
    persons: np.ndarray,
    role: str,
    risk: np.ndarray,
) -> None:
    sim.log.add(
        "da",
        incident=incidents,
        time=when,
        household=homes,
        address=sim.households.address[homes],
        person=persons,
        role=np.full(len(persons), role),
        risk=risk,
    )


def _separate(sim: Simulation, homes: np.ndarray) -> None:
    """The partner leaves: to a new home in the area or away from it."""
    if not len(homes):
        return
    hh = sim.households
    # The escalation truth reads who separated at an incident; logging draws nothing.
    sim.log.add("separation", household=homes, month=np.full(len(homes), sim.month, np.int32))
    partners = hh.adult2[homes]
    hh.ex_partner[homes] = partners
    hh.adult2[homes] = NONE
    away = sim.rng.random(len(partners)) < 0.4
    sim.leave_area(partners[away], sim.days_in_month(int(away.sum())))
    stay = partners[~away]
    lsoa = sim.rng.integers(0, len(sim.area_score), len(stay)).astype(np.int32)
    sim.new_homes(stay, lsoa, hh.disadvantage[homes[~away]])


def housing(sim: Simulation, incidents: np.ndarray) -> None:
    """Homelessness approaches; some lead to temporary accommodation and then a move."""
    hh = sim.households
    ending = np.flatnonzero(hh.active & (hh.ta_until == sim.month))
    if len(ending):
        hh.tenure[ending] = SOCIAL
        sim.relocate(ending, similar_area=False)
    candidates = np.flatnonzero(hh.active & (hh.ta_until < sim.month) & (hh.adult1 >= 0))
    da_now = np.isin(candidates, incidents)
    recent = (sim.month - hh.last_da[candidates]) <= RECENT
    h = HOUSING_HAZARD
    hazard = _expit(
        h["intercept"]
        + h["disadvantage"] * hh.disadvantage[candidates]
        + h["private_rent"] * (hh.tenure[candidates] == PRIVATE)
        + h["benefit_claim"] * (hh.claim[candidates] >= 0)
        + h["single_adult"] * (hh.adult2[candidates] < 0)
        + h["recent_approach"] * ((sim.month - hh.last_approach[candidates]) <= APPROACH_MEMORY)
        + h["incident_this_month"] * da_now
        + h["recent_incident"] * recent
    )
    homes = candidates[sim.rng.random(len(candidates)) < hazard]
    if not len(homes):
        return
    hh.last_approach[homes] = sim.month
    n = len(homes)
    duty = sim.rng.choice(np.array(["Prevention", "Relief", "Main"]), n, p=[0.55, 0.3, 0.15])
    ta = np.where(
        duty == "Main",
        sim.rng.random(n) < 0.8,
        np.where(duty == "Relief", sim.rng.random(n) < 0.3, False),
    )
    reason = np.where(
        np.isin(homes, incidents),
        "Domestic abuse",
        HOUSING_REASONS[sim.rng.integers(0, len(HOUSING_REASONS), n)],
    )
    approach = sim.days_in_month(n)
    ta_months = np.where(ta, 2 + sim.rng.geometric(1 / 8, n), 0)
    cases = _ids(sim, "housing", n)
    sim.log.add(
        "housing",
        case=cases,
        applicant=hh.adult1[homes],
        household=homes,
        previous_address=hh.address[homes],
        size=(1 + (hh.adult2[homes] >= 0) + hh.children[homes]).astype(np.int32),
        children=hh.children[homes].astype(np.int32),
        approach=approach,
        reason=reason,
        duty=duty,
        ta=ta,
        ta_months=ta_months.astype(np.int32),
    )
    in_ta = homes[ta]
    hh.ta_until[in_ta] = sim.month + ta_months[ta]
    sim.relocate(in_ta, similar_area=False)


def social_care(sim: Simulation, incidents: np.ndarray) -> None:
    """Referrals to children's social care and the episodes that follow."""
    people, hh = sim.people, sim.households
    living = np.flatnonzero((people.household >= 0) & (people.csc_open_until < sim.month))
    living = living[sim.ages(living) < 18]
    home = people.household[living]
    da_now = np.isin(home, incidents)
    recent = (sim.month - hh.last_da[home]) <= RECENT
    parent_mh = hh.mh_until[home] >= sim.month
    hazard = _expit(
        -6.4
        + 0.6 * hh.disadvantage[home]
        + 2.4 * da_now
        + 1.0 * recent
        + 0.9 * parent_mh
        + 0.5 * (hh.ta_until[home] >= sim.month)
    )
    referred = sim.rng.random(len(living)) < hazard
    children, home, da_now = living[referred], home[referred], da_now[referred]
    parent_mh = parent_mh[referred]
    n = len(children)
    if not n:
        return
    outcome = sim.rng.choice(np.array(["NFA", "CIN", "CP"]), n, p=[0.5, 0.38, 0.12])
    outcome = np.where(da_now & (outcome == "CIN") & (sim.rng.random(n) < 0.3), "CP", outcome)
    length = np.where(
        outcome == "NFA",
        0,
        np.where(
            outcome == "CIN", 1 + sim.rng.geometric(1 / 7, n), 2 + sim.rng.geometric(1 / 9, n)
        ),
    )
    people.csc_open_until[children] = sim.month + length
    source = np.where(da_now, "Police", CSC_SOURCES[sim.rng.integers(0, len(CSC_SOURCES), n)])
    need = np.where(
        da_now | (sim.rng.random(n) < 0.25),
        "Abuse or neglect",
        np.where(
            parent_mh,
            "Parental illness or disability",
            CSC_NEEDS[sim.rng.integers(0, len(CSC_NEEDS), n)],
        ),
    )
    sim.log.add(
        "csc",
        episode=_ids(sim, "csc", n),
        person=children,
        household=home,
        address=hh.address[home],
        referral=sim.days_in_month(n),
        source=source,
        need=need,
        outcome=outcome,
        months=length.astype(np.int32),
    )
