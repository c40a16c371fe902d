"""The simulated world's tables: the contract between the simulation and the extract writers.

The simulation (``population``, ``risk``, ``outcome``) fills a :class:`SimulatedWorld`; the
extract writers (``extracts``) turn its event tables into agency files; ``truth`` writes the
person-level tables that only measurement code may read. Every table is a ``pyarrow.Table`` with
exactly the schema below. Dates are ``date32``; missing values are nulls.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pyarrow as pa

PEOPLE = pa.schema(
    [
        ("person_id", pa.int64()),
        ("sex", pa.string()),  # "F" / "M"
        ("dob", pa.date32()),
        ("forename", pa.string()),
        ("surname", pa.string()),
        ("ethnicity", pa.string()),  # DfE major group code: WBRI, WOTH, MIXD, ASIA, BLAC, OTHE
        ("first_language", pa.string()),  # "ENG" or an ISO 639-3 code such as "pol"
        ("nhs_number", pa.string()),  # 10 digits, valid modulus 11 check digit
        ("upn", pa.string()),  # children only: 13 characters with DfE check letter
        ("nino", pa.string()),  # adults only: e.g. "QQ123456C"
        ("mother_id", pa.int64()),  # null for people not born in the world
    ]
)

ADDRESSES = pa.schema(
    [
        ("address_id", pa.int64()),
        ("lsoa11cd", pa.string()),
        ("postcode", pa.string()),  # real postcode, "SS14 1AA" form
        ("house_number", pa.int32()),
        ("street", pa.string()),
        ("town", pa.string()),
    ]
)

HOUSEHOLDS = pa.schema(
    [
        ("household_id", pa.int64()),
        ("lsoa11cd", pa.string()),  # LSOA of its first address
        ("tenure", pa.string()),  # owner, social_rent, private_rent
        ("disadvantage", pa.float64()),  # latent, standard normal scale
    ]
)

# One row per spell of a person living in a household at an address. ``end`` is exclusive and
# null while the spell runs at the as-at date. A person who leaves the area has no later spell.
RESIDENCE = pa.schema(
    [
        ("person_id", pa.int64()),
        ("household_id", pa.int64()),
        ("address_id", pa.int64()),
        ("start", pa.date32()),
        ("end", pa.date32()),
    ]
)

CHILDREN = pa.schema(
    [
        ("person_id", pa.int64()),
        ("cohort", pa.int32()),  # summer in which Reception ends
        ("prediction_date", pa.date32()),  # age 2 years 6 months
        ("lsoa_at_prediction", pa.string()),  # null if not living in the area then
        ("lsoa_at_reception", pa.string()),  # null if not living in the area in the Spring census
        ("p_gld", pa.float64()),  # true probability of a Good Level of Development
        # the same given only what the world's records hold at the prediction date
        ("p_gld_from_records", pa.float64()),
        ("gld", pa.bool_()),  # drawn outcome (drawn for every child, known or not)
        ("assessed", pa.bool_()),  # result collected and reported in the school census
        ("intervention_effect", pa.float64()),  # added to p_gld by an intervention, else 0
        ("free_school_meals", pa.bool_()),
        ("summer_born", pa.bool_()),
        ("sen", pa.bool_()),
        ("eal", pa.bool_()),
    ]
)

# --- event tables: what agencies record; the extract writers read these --------------------

CSC_EPISODES = pa.schema(
    [
        ("episode_id", pa.int64()),
        ("person_id", pa.int64()),  # the child
        ("household_id", pa.int64()),
        ("address_id", pa.int64()),  # address at referral
        ("referral_date", pa.date32()),
        ("referral_source", pa.string()),  # Police, School, Health, Self/family, Other
        ("primary_need", pa.string()),  # Abuse or neglect, Family dysfunction, ...
        ("outcome", pa.string()),  # NFA, CIN, CP
        ("episode_start", pa.date32()),
        ("episode_end", pa.date32()),  # null while open
    ]
)

SCHOOL_CENSUS = pa.schema(
    [
        ("person_id", pa.int64()),
        ("household_id", pa.int64()),
        ("address_id", pa.int64()),
        ("census_date", pa.date32()),  # January census of Reception and later years
        ("nc_year", pa.string()),  # "R", "1", "2", ...
        ("fsm_eligible", pa.bool_()),
        ("sen_provision", pa.string()),  # N, K (SEN support), E (EHC plan)
        ("eyfsp_gld", pa.bool_()),  # on the Reception row when assessed, else null
        ("eyfsp_year", pa.int32()),  # the summer of the result, else null
    ]
)

EARLY_EDUCATION = pa.schema(
    [
        ("person_id", pa.int64()),
        ("household_id", pa.int64()),
        ("address_id", pa.int64()),
        ("term_start", pa.date32()),
        ("funding_type", pa.string()),  # 2YO, 3-4 Universal, 3-4 Extended
        ("hours_per_week", pa.float64()),
        ("provider_urn", pa.string()),
        ("eypp", pa.bool_()),
    ]
)

HV_CONTACTS = pa.schema(
    [
        ("person_id", pa.int64()),  # the child
        ("household_id", pa.int64()),
        ("address_id", pa.int64()),
        ("contact_type", pa.string()),  # NBV, 6-8W, 1Y, 2-2.5Y
        ("contact_date", pa.date32()),
        ("birth_weight_grams", pa.int32()),
        ("gestation_weeks", pa.int32()),
        ("asq_communication", pa.int32()),  # 1Y and 2-2.5Y reviews only, 0-60 in steps of 5
        ("asq_gross_motor", pa.int32()),
        ("asq_fine_motor", pa.int32()),
        ("asq_problem_solving", pa.int32()),
        ("asq_personal_social", pa.int32()),
        ("maternal_mood_concern", pa.bool_()),
    ]
)

# One row per person involved in an incident.
DA_INCIDENTS = pa.schema(
    [
        ("incident_id", pa.int64()),
        ("incident_time", pa.timestamp("s")),
        ("household_id", pa.int64()),
        ("address_id", pa.int64()),
        ("person_id", pa.int64()),
        ("role", pa.string()),  # Victim, Suspect, Child Present
        ("dash_risk", pa.string()),  # Standard, Medium, High
    ]
)

HOUSING_CASES = pa.schema(
    [
        ("case_id", pa.int64()),
        ("applicant_id", pa.int64()),
        ("household_id", pa.int64()),
        ("previous_address_id", pa.int64()),
        ("household_size", pa.int32()),
        ("children_in_household", pa.int32()),
        ("approach_date", pa.date32()),
        ("reason", pa.string()),
        ("duty", pa.string()),  # Prevention, Relief, Main
        ("ta_start", pa.date32()),  # temporary accommodation, null if none
        ("ta_end", pa.date32()),
    ]
)

BENEFIT_CLAIMS = pa.schema(
    [
        ("claim_id", pa.int64()),
        ("claimant_id", pa.int64()),
        ("partner_id", pa.int64()),  # null for a single claimant
        ("household_id", pa.int64()),
        ("address_id", pa.int64()),
        ("claim_type", pa.string()),  # HB, CTR
        ("claim_start", pa.date32()),
        ("claim_end", pa.date32()),  # null while open
        ("dependants", pa.int32()),
        ("passported", pa.bool_()),
    ]
)

# One row per referral to the MARAC: the escalations of domestic abuse up to the as-at date.
MARAC_REFERRALS = pa.schema(
    [
        ("referral_id", pa.int64()),
        ("incident_id", pa.int64()),  # the index incident whose escalation it is
        ("person_id", pa.int64()),  # the victim
        ("household_id", pa.int64()),
        ("address_id", pa.int64()),  # the victim's address at the referral
        ("referral_date", pa.date32()),
        ("referring_agency", pa.string()),
    ]
)

# One row per council tax account and single person discount award (docs/world.md, "Council
# tax"): an account without an award has one row with its discount columns null.
COUNCIL_TAX = pa.schema(
    [
        ("account_id", pa.int64()),
        ("household_id", pa.int64()),
        ("address_id", pa.int64()),
        ("liable_id", pa.int64()),  # the lead liable person
        ("joint_id", pa.int64()),  # the lead's partner living there at the start, else null
        ("account_start", pa.date32()),
        ("account_end", pa.date32()),  # exclusive; null while open at the as-at date
        ("adults_at_start", pa.int32()),  # residents aged 18 or over on the first day
        ("discount_start", pa.date32()),  # when the council awarded the discount, else null
        ("discount_end", pa.date32()),  # when it ended it; null while in force or if none
    ]
)

# --- outcome truth: read only by measurement code --------------------------------------------

# One row per index incident (docs/world.md, "Domestic abuse escalation").
DA_ESCALATION = pa.schema(
    [
        ("household_id", pa.int64()),
        ("incident_id", pa.int64()),
        ("index_date", pa.date32()),
        ("year", pa.int32()),
        ("lsoa11cd", pa.string()),  # LSOA of the incident's address
        ("victim_id", pa.int64()),
        ("dash_risk", pa.string()),
        ("earlier_incidents", pa.int32()),
        ("children_present", pa.bool_()),
        ("benefit_claim", pa.bool_()),
        ("social_care", pa.bool_()),
        ("separated", pa.bool_()),
        ("household_term", pa.float64()),  # u: the household's own log-odds, no record shows it
        ("p_true", pa.float64()),
        ("p_from_records", pa.float64()),
        ("escalated", pa.bool_()),  # null while the window is open at the as-at date
        ("outcome_known", pa.bool_()),
        ("referral_date", pa.date32()),  # the MARAC referral, null if none by the as-at date
        ("window_end", pa.date32()),  # exclusive
    ]
)

# One row per household living in the area on an index date (1 April) and not in temporary
# accommodation (docs/world.md, "Homelessness").
HOMELESSNESS = pa.schema(
    [
        ("household_id", pa.int64()),
        ("index_date", pa.date32()),
        ("year", pa.int32()),
        ("lsoa11cd", pa.string()),
        ("tenure", pa.string()),  # known to the truth, not to any record
        ("single_adult", pa.bool_()),
        ("benefit_claim", pa.bool_()),  # an open housing benefit or council tax reduction claim
        ("housing_benefit", pa.bool_()),  # the claim includes housing benefit (renting)
        ("months_since_incident", pa.int32()),  # since the last domestic abuse incident, to 12
        ("months_since_approach", pa.int32()),  # since the last approach, to 24
        ("earlier_approaches", pa.int32()),
        ("p_true", pa.float64()),
        ("p_from_records", pa.float64()),
        ("approached", pa.bool_()),  # null while the window is open at the as-at date
        ("outcome_known", pa.bool_()),
        ("window_end", pa.date32()),  # exclusive
    ]
)


@dataclass
class SimulatedWorld:
    """Everything the simulation knows. Person-level: never leaves the world's truth folder."""

    area: str
    seed: int
    as_at: date
    people: pa.Table
    addresses: pa.Table
    households: pa.Table
    residence: pa.Table
    children: pa.Table
    csc_episodes: pa.Table
    school_census: pa.Table
    early_education: pa.Table
    hv_contacts: pa.Table
    da_incidents: pa.Table
    housing_cases: pa.Table
    benefit_claims: pa.Table
    marac_referrals: pa.Table = field(default_factory=MARAC_REFERRALS.empty_table)
    da_escalation: pa.Table = field(default_factory=DA_ESCALATION.empty_table)
    homelessness: pa.Table = field(default_factory=HOMELESSNESS.empty_table)
    council_tax: pa.Table = field(default_factory=COUNCIL_TAX.empty_table)
    interventions: list[dict[str, object]] = field(default_factory=list)


EVENT_TABLES: dict[str, pa.Schema] = {
    "csc_episodes": CSC_EPISODES,
    "school_census": SCHOOL_CENSUS,
    "early_education": EARLY_EDUCATION,
    "hv_contacts": HV_CONTACTS,
    "da_incidents": DA_INCIDENTS,
    "housing_cases": HOUSING_CASES,
    "benefit_claims": BENEFIT_CLAIMS,
    "marac_referrals": MARAC_REFERRALS,
    "council_tax": COUNCIL_TAX,
}
