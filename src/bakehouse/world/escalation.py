"""The domestic abuse escalation truth: index incidents, the stated model, MARAC referrals.

An **index incident** is a household's police-recorded domestic abuse incident with no index
incident of that household in the twelve months before it: a household's first incident is one,
and the next is its first incident more than twelve months after the last index. Every incident
is an index or falls in an index's window, and a window has closed before the next index starts.

**Escalation** is a referral to the MARAC (the multi-agency risk assessment conference for
high-risk victims) in the twelve months after the index incident (365 days, the day of the
incident excluded). It is drawn at each index incident from a stated logistic model
(``ESCALATION``) of what was true then: the incident's DASH grade, the household's earlier
incidents, children present, an open benefit claim, a child referred to social care in the year
before, the partner leaving at the incident, the household's disadvantage, its area's
deprivation, and a household term ``u`` ~ N(0, ``HOUSEHOLD_SD``) drawn once per household (some
households' abuse escalates whatever their circumstances). The draw uses the world's outcome
stream, not the simulation's, so nothing else in the world changes.

``p_true`` is the model's probability with ``u``. ``p_from_records`` is the best a model could
do from records at the index date: ``u`` is integrated out (Gauss-Hermite) given whether each of
the household's earlier index incidents escalated (which its MARAC referrals show), and
disadvantage is treated as known, which no record holds, so it is an upper bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pyarrow as pa
from scipy.special import expit

from bakehouse.world import tables
from bakehouse.world.simulate import Simulation

WINDOW_DAYS = 365
# Log-odds of escalation within the year. DASH grades and repeat incidents are the strongest
# signals in practice: a high-risk grade is the MARAC threshold itself, and three or more police
# call-outs in a year are its "potential escalation" criterion.
# Separation is the most dangerous time for many victims. Disadvantage and the household term
# weigh little beside them: the model's ceiling stays within reach of what records hold.
ESCALATION = {
    "intercept": -2.55,
    "dash_medium": 0.6,
    "dash_high": 1.5,
    "earlier_incident": 0.35,  # each earlier incident of the household, up to three
    "children_present": 0.3,
    "benefit_claim": 0.35,
    "social_care": 0.45,
    "separated": 0.3,
    "disadvantage": 0.1,
    "area_deprivation": 0.15,
}
EARLIER_CAP = 3
HOUSEHOLD_SD = 0.5
HERMITE_POINTS = 40
REFERRAL_MEAN_DAYS = 120  # escalations come sooner rather than later: truncated exponential
REFERRING_AGENCIES = np.array(
    [
        "Police",
        "IDVA service",
        "Children's social care",
        "Health",
        "Housing",
        "Other",
    ]
)
AGENCY_SHARES = np.array([0.62, 0.12, 0.08, 0.08, 0.05, 0.05])


@dataclass(frozen=True)
class Escalations:
    """The index incidents with their truth, and the MARAC referrals the escalations made."""

    index: pa.Table
    referrals: pa.Table


def index_incidents(incidents: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each incident once (its victim, household, time, grade, children present), with whether
    it is an index incident and how many incidents its household had before it."""
    victim = incidents["role"] == "Victim"
    order = np.argsort(incidents["incident"][victim], kind="stable")
    row = {name: values[victim][order] for name, values in incidents.items()}
    child_incidents = incidents["incident"][incidents["role"] == "Child Present"]
    children = np.isin(row["incident"], child_incidents)
    by_home = np.lexsort((row["incident"], row["time"], row["household"]))
    household = row["household"][by_home]
    day = row["time"][by_home].astype("datetime64[D]")
    is_index = np.zeros(len(by_home), bool)
    earlier = np.zeros(len(by_home), np.int32)
    last_home, last_index, count = -1, np.datetime64("NaT"), 0
    for i in range(len(by_home)):
        if household[i] != last_home:
            last_home, count = household[i], 0
            last_index = np.datetime64("NaT")
        if np.isnat(last_index) or (day[i] - last_index).astype(int) > WINDOW_DAYS:
            is_index[i] = True
            last_index = day[i]
        earlier[i] = count
        count += 1
    return {
        "incident": row["incident"][by_home],
        "time": row["time"][by_home],
        "household": household,
        "address": row["address"][by_home],
        "victim": row["person"][by_home],
        "dash": row["risk"][by_home],
        "children_present": children[by_home],
        "earlier": earlier,
        "is_index": is_index,
    }


def draw(
    sim: Simulation,
    rng: np.random.Generator,
    claims: dict[str, np.ndarray],
    csc: dict[str, np.ndarray],
    spells: pa.Table,
    lsoa_codes: np.ndarray,
) -> Escalations:
    """Draw escalation at every index incident; return the truth and the referrals."""
    household_term = HOUSEHOLD_SD * rng.standard_normal(sim.households.n)
    every = index_incidents(sim.log.arrays("da"))
    index = {name: values[every["is_index"]] for name, values in every.items()}
    day = index["time"].astype("datetime64[D]")
    lsoa = sim.addresses.lsoa[index["address"]]
    context = _circumstances(sim, index, claims, csc)
    logit = linear_predictor(
        dash=index["dash"],
        earlier=index["earlier"],
        children_present=index["children_present"],
        benefit_claim=context["benefit_claim"],
        social_care=context["social_care"],
        separated=context["separated"],
        disadvantage=sim.households.disadvantage[index["household"]],
        area_deprivation=sim.area_score[lsoa],
    )
    p_true = expit(logit + household_term[index["household"]])
    escalated = rng.random(len(p_true)) < p_true
    p_records = probability_from_records(logit, index["household"], escalated)
    delay = _referral_delay(rng, len(p_true))
    agency = REFERRING_AGENCIES[rng.choice(len(AGENCY_SHARES), len(p_true), p=AGENCY_SHARES)]
    as_at = np.datetime64(sim.as_at, "D")
    window_end = day + WINDOW_DAYS + 1  # exclusive: the window is days 1 to 365 after the index
    known = window_end <= as_at + 1
    referral_date = day + delay
    referred = escalated & (referral_date <= as_at)
    truth = pa.table(
        {
            "household_id": pa.array(index["household"], pa.int64()),
            "incident_id": pa.array(index["incident"], pa.int64()),
            "index_date": pa.array(day, pa.date32()),
            "year": pa.array(day.astype("datetime64[Y]").astype(int) + 1970, pa.int32()),
            "lsoa11cd": pa.array(lsoa_codes[lsoa], pa.string()),
            "victim_id": pa.array(index["victim"], pa.int64()),
            "dash_risk": pa.array(index["dash"], pa.string()),
            "earlier_incidents": pa.array(index["earlier"], pa.int32()),
            "children_present": pa.array(index["children_present"], pa.bool_()),
            "benefit_claim": pa.array(context["benefit_claim"], pa.bool_()),
            "social_care": pa.array(context["social_care"], pa.bool_()),
            "separated": pa.array(context["separated"], pa.bool_()),
            "household_term": pa.array(household_term[index["household"]], pa.float64()),
            "p_true": pa.array(p_true, pa.float64()),
            "p_from_records": pa.array(p_records, pa.float64()),
            "escalated": pa.array(escalated, pa.bool_(), mask=~known),
            "outcome_known": pa.array(known, pa.bool_()),
            "referral_date": pa.array(referral_date, pa.date32(), mask=~referred),
            "window_end": pa.array(window_end, pa.date32()),
        },
        schema=tables.DA_ESCALATION,
    )
    referrals = _referrals(index, referred, referral_date, agency, spells)
    return Escalations(index=truth, referrals=referrals)


def linear_predictor(
    *,
    dash: np.ndarray,
    earlier: np.ndarray,
    children_present: np.ndarray,
    benefit_claim: np.ndarray,
    social_care: np.ndarray,
    separated: np.ndarray,
    disadvantage: np.ndarray,
    area_deprivation: np.ndarray,
) -> np.ndarray:
    """The model's log-odds of escalation without the household term."""
    e = ESCALATION
    return (
        e["intercept"]
        + e["dash_medium"] * (dash == "Medium")
        + e["dash_high"] * (dash == "High")
        + e["earlier_incident"] * np.minimum(earlier, EARLIER_CAP)
        + e["children_present"] * children_present
        + e["benefit_claim"] * benefit_claim
        + e["social_care"] * social_care
        + e["separated"] * separated
        + e["disadvantage"] * disadvantage
        + e["area_deprivation"] * area_deprivation
    )


def probability_from_records(
    logit: np.ndarray, household: np.ndarray, escalated: np.ndarray
) -> np.ndarray:
    """E[expit(logit + u) | the household's earlier index outcomes], u ~ N(0, HOUSEHOLD_SD).

    Rows must be in time order within each household (as :func:`index_incidents` gives them).
    The posterior of u is carried on Gauss-Hermite nodes from one index incident to the next.
    """
    nodes, weights = np.polynomial.hermite.hermgauss(HERMITE_POINTS)
    u = np.sqrt(2) * HOUSEHOLD_SD * nodes
    log_prior = np.log(weights / np.sqrt(np.pi))
    rank = _rank_in_household(household)
    homes, slot = np.unique(household, return_inverse=True)
    log_weight = np.tile(log_prior, (len(homes), 1))
    out = np.empty(len(logit))
    for r in range(int(rank.max(initial=-1)) + 1):
        rows = np.flatnonzero(rank == r)
        w = log_weight[slot[rows]]
        w = np.exp(w - w.max(1, keepdims=True))
        w /= w.sum(1, keepdims=True)
        p = expit(logit[rows, None] + u[None, :])
        out[rows] = (w * p).sum(1)
        seen = np.where(escalated[rows, None], p, 1 - p)
        log_weight[slot[rows]] += np.log(np.maximum(seen, 1e-300))
    return out


def _rank_in_household(household: np.ndarray) -> np.ndarray:
    """0 for a household's first row, 1 for its second... (rows grouped by household)."""
    start = np.r_[True, household[1:] != household[:-1]]
    first = np.maximum.accumulate(np.where(start, np.arange(len(household)), 0))
    rank: np.ndarray = np.arange(len(household)) - first
    return rank


def _circumstances(
    sim: Simulation,
    index: dict[str, np.ndarray],
    claims: dict[str, np.ndarray],
    csc: dict[str, np.ndarray],
) -> dict[str, np.ndarray]:
    """At each index incident: an open benefit claim, a child referred to social care in the
    year before, and whether the partner left at the incident."""
    con = duckdb.connect()
    day = index["time"].astype("datetime64[D]")
    con.register(
        "idx",
        pa.table(
            {
                "i": np.arange(len(day)),
                "household": index["household"],
                "day": pa.array(day, pa.date32()),
            }
        ),
    )
    con.register(
        "claims",
        pa.table(
            {
                "household": claims.get("household", np.array([], np.int64)),
                "start": pa.array(claims.get("date", np.array([], "datetime64[D]")), pa.date32()),
                "end": pa.array(
                    claims.get("end", np.array([], "datetime64[D]")), pa.date32(), from_pandas=True
                ),
            }
        ),
    )
    con.register(
        "csc",
        pa.table(
            {
                "household": csc.get("household", np.array([], np.int64)),
                "referral": pa.array(
                    csc.get("referral", np.array([], "datetime64[D]")), pa.date32()
                ),
            }
        ),
    )
    found = con.sql(
        """
        select i,
          exists(select 1 from claims c where c.household = idx.household
                 and c.start <= idx.day and (c."end" is null or c."end" > idx.day)) as claim,
          exists(select 1 from csc s where s.household = idx.household
                 and s.referral < idx.day and s.referral >= idx.day - interval 365 day) as csc
        from idx order by i
        """
    ).fetchnumpy()
    separations = sim.log.arrays("separation")
    month = np.searchsorted(sim.months, day, side="right") - 1
    if separations:
        key = separations["household"].astype(np.int64) * 1000 + separations["month"]
        separated = np.isin(index["household"].astype(np.int64) * 1000 + month, key)
    else:
        separated = np.zeros(len(day), bool)
    return {
        "benefit_claim": np.asarray(found["claim"], bool),
        "social_care": np.asarray(found["csc"], bool),
        "separated": separated,
    }


def _referral_delay(rng: np.random.Generator, n: int) -> np.ndarray:
    """Days from the index incident to the referral: 1 to 365, sooner more likely."""
    tail = np.exp(-WINDOW_DAYS / REFERRAL_MEAN_DAYS)
    days = -REFERRAL_MEAN_DAYS * np.log(1 - rng.random(n) * (1 - tail))
    return (1 + np.minimum(np.floor(days), WINDOW_DAYS - 1)).astype("timedelta64[D]")


def _referrals(
    index: dict[str, np.ndarray],
    referred: np.ndarray,
    referral_date: np.ndarray,
    agency: np.ndarray,
    spells: pa.Table,
) -> pa.Table:
    """A MARAC referral per escalation up to the as-at date, at the victim's address then (the
    last one they had in the area if they have left it)."""
    rows = np.flatnonzero(referred)
    con = duckdb.connect()
    con.register("spells", spells)
    con.register(
        "wanted",
        pa.table(
            {
                "i": np.arange(len(rows)),
                "person_id": index["victim"][rows],
                "day": pa.array(referral_date[rows], pa.date32()),
            }
        ),
    )
    address = con.sql(
        """
        select w.i, arg_max(s.address_id, s.start) as address_id
        from wanted w join spells s on s.person_id = w.person_id and s.start <= w.day
        group by w.i order by w.i
        """
    ).fetchnumpy()
    if len(address["i"]) != len(rows):
        raise ValueError("a referred victim has no residence spell before the referral")
    return pa.table(
        {
            "referral_id": pa.array(np.arange(len(rows)), pa.int64()),
            "incident_id": pa.array(index["incident"][rows], pa.int64()),
            "person_id": pa.array(index["victim"][rows], pa.int64()),
            "household_id": pa.array(index["household"][rows], pa.int64()),
            "address_id": pa.array(address["address_id"], pa.int64()),
            "referral_date": pa.array(referral_date[rows], pa.date32()),
            "referring_agency": pa.array(agency[rows], pa.string()),
        },
        schema=tables.MARAC_REFERRALS,
    )
