"""Build a world: simulate, derive children's services and outcomes, write extracts and truth."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from bakehouse import __version__
from bakehouse.errors import ConfigError
from bakehouse.geography import load_area, load_deprivation
from bakehouse.world import (
    childhood,
    council_tax,
    escalation,
    homelessness,
    identifiers,
    knowable,
    names,
    services,
    tables,
    timeline,
)
from bakehouse.world.assets import write_register
from bakehouse.world.census import write_census
from bakehouse.world.config import WorldConfig
from bakehouse.world.extracts import write_extracts
from bakehouse.world.extracts.specs import SPECS_FOLDER, write_local_specs
from bakehouse.world.extracts.xlsx import SheetLimits
from bakehouse.world.simulate import Simulation
from bakehouse.world.state import ETHNICITIES

Progress = Callable[[str, int, int], None]
LANGUAGES = {  # languages other than English spoken at home, by ethnic group
    "WBRI": ["cym", "gle"],
    "WOTH": ["pol", "ron", "lit", "por", "bul"],
    "MIXD": ["fra", "spa"],
    "ASIA": ["urd", "ben", "pan", "guj", "tam"],
    "BLAC": ["yor", "som", "twi", "ibo"],
    "OTHE": ["ara", "tur", "kur", "cmn"],
}


@dataclass(frozen=True)
class WorldSummary:
    out: Path
    manifest: dict[str, Any]


# What a world holds. Raised whenever a world's files change in content or meaning, so that an
# older world on disk is built again rather than reused. Format 9 adds the council tax extract
# and its truth.
WORLD_FORMAT = 9


def is_current(config: WorldConfig, out: Path) -> bool:
    """Whether ``out`` holds a complete world of this format built with ``config``."""
    try:
        manifest = json.loads((out / "world.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return (
        isinstance(manifest, dict)
        and manifest.get("world_format") == WORLD_FORMAT
        and manifest.get("config") == config.as_dict()
    )


def generate(config: WorldConfig, out: Path, progress: Progress | None = None) -> WorldSummary:
    """Write the world for ``config`` to ``out`` (extracts/, truth/, world.json), atomically."""
    report = progress or (lambda step, done, total: None)
    # Spawned children do not depend on how many are spawned: a stream added last changes none
    # of the others.
    streams = np.random.SeedSequence(config.seed).spawn(7)
    rng_sim, rng_child, rng_people, rng_extract, rng_area, rng_outcomes, rng_council = (
        np.random.default_rng(s) for s in streams
    )
    area = load_area(config.area)
    _check_interventions(config, set(area.lsoa_codes))
    deprivation = load_deprivation(area.lsoa_codes, config.iod_dir, rng_area, area.centroids)
    sim = Simulation(rng_sim, area, deprivation, config.scale, config.as_at)
    index_states = homelessness.IndexStates()
    sim.run(
        lambda done, total: report("Simulating households month by month", done, total),
        observers=[index_states],
    )
    report("Deriving children's services and outcomes", 0, 1)
    world = _assemble(sim, config, rng_child, rng_people)
    report("Deriving children's services and outcomes", 1, 1)
    report("Drawing domestic abuse escalation and homelessness outcomes", 0, 1)
    world = _with_outcomes(world, sim, rng_outcomes, index_states)
    report("Drawing domestic abuse escalation and homelessness outcomes", 1, 1)
    report("Deriving council tax accounts and discounts", 0, 1)
    world = _with_council_tax(world, sim, rng_council)
    report("Deriving council tax accounts and discounts", 1, 1)
    staging = out.with_name(out.name + ".partial")
    if staging.exists():
        shutil.rmtree(staging)
    (staging / "truth").mkdir(parents=True)
    records = write_extracts(
        world,
        staging / "extracts",
        config.noise,
        rng_extract,
        progress=lambda name: report(f"Writing extract {name}", 0, 1),
        national_ids=config.national_ids,
        sheet_limits=SheetLimits(rows=config.sheet_rows),
    )
    if not config.national_ids:
        write_local_specs(staging / SPECS_FOLDER)
    _write_truth(world, records, deprivation, staging / "truth")
    # The register comes after the people: its gaps fall where the truth's need is highest.
    write_register(area, deprivation, config.seed, staging, need=_need_to_come(world, config.as_at))
    write_census(world.people, world.residence, world.addresses, config.as_at, config.seed, staging)
    manifest = _manifest(config, world, records, staging)
    (staging / "world.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    if out.exists():
        shutil.rmtree(out)
    staging.rename(out)
    return WorldSummary(out=out, manifest=manifest)


def _check_interventions(config: WorldConfig, codes: set[str]) -> None:
    for plan in config.interventions:
        unknown = sorted(set(plan.areas) - codes)
        if unknown:
            raise ConfigError(
                f"Intervention '{plan.name}' names LSOAs outside {config.area}: "
                f"{', '.join(unknown[:3])}",
                field="areas",
                fix="Use LSOA 2011 codes of the chosen area",
            )


def _assemble(
    sim: Simulation,
    config: WorldConfig,
    rng_child: np.random.Generator,
    rng_people: np.random.Generator,
) -> tables.SimulatedWorld:
    as_at = np.datetime64(config.as_at, "D")
    people = _people(sim, rng_people)
    lsoa_codes = np.array(sim.area.lsoa_codes)
    addresses = sim.addresses.table(lsoa_codes)
    spells = timeline.residence_spells(sim)
    claims = timeline.claims(sim)
    mh = timeline.mental_health(sim)
    csc = timeline.csc(sim)
    housing = timeline.housing(sim)
    da = sim.log.arrays("da")
    con = duckdb.connect()
    hh = sim.households
    inputs = childhood.ChildInputs(
        people=pa.table(
            {
                "person_id": people.column("person_id"),
                "dob": people.column("dob"),
                "sex": people.column("sex"),
                "born_in_world": pa.array(sim.people.born_in_world),
                "other_language": pa.array(sim.people.other_language),
            }
        ),
        households=pa.table({"household_id": np.arange(hh.n), "disadvantage": hh.disadvantage}),
        addresses=addresses.append_column("lsoa", pa.array(sim.addresses.lsoa)),
        spells=spells,
        claims=pa.table(
            {
                "household_id": claims["household"],
                "start": pa.array(claims["date"], pa.date32()),
                "end": pa.array(claims["end"], pa.date32(), from_pandas=True),
            }
        ),
        mental_health=pa.table(
            {
                "household_id": mh["household"],
                "start": pa.array(mh["start"], pa.date32()),
                "end": pa.array(mh["end"], pa.date32()),
            }
        ),
        incidents=pa.table(
            {"household_id": da["household"], "time": pa.array(da["time"], pa.timestamp("s"))}
        ),
        csc=pa.table(
            {
                "person_id": csc["person"],
                "start": pa.array(csc["start"], pa.date32(), from_pandas=True),
            }
        ),
        ta=pa.table(
            {
                "household_id": housing["household"],
                "ta_start": pa.array(housing["ta_start"], pa.date32(), from_pandas=True),
            }
        ),
        area_score=sim.area_score,
        lsoa_codes=lsoa_codes,
    )
    history = childhood.child_histories(con, inputs)
    children, hv, early, census = _childhood(con, rng_child, history, inputs, sim, config)
    return tables.SimulatedWorld(
        area=config.area,
        seed=config.seed,
        as_at=config.as_at,
        people=people,
        addresses=addresses,
        households=pa.table(
            {
                "household_id": pa.array(np.arange(hh.n), pa.int64()),
                "lsoa11cd": pa.array(lsoa_codes[hh.lsoa], pa.string()),
                "tenure": pa.array(np.array(["owner", "social_rent", "private_rent"])[hh.tenure]),
                "disadvantage": pa.array(hh.disadvantage, pa.float64()),
            },
            schema=tables.HOUSEHOLDS,
        ),
        residence=spells.cast(tables.RESIDENCE),
        children=children,
        csc_episodes=_csc_table(csc, as_at),
        school_census=census,
        early_education=early,
        hv_contacts=hv,
        da_incidents=_da_table(da),
        housing_cases=_housing_table(housing, as_at),
        benefit_claims=_claims_table(claims, as_at),
        interventions=[p.model_dump(by_alias=True) for p in config.interventions],
    )


def _with_outcomes(
    world: tables.SimulatedWorld,
    sim: Simulation,
    rng: np.random.Generator,
    index_states: homelessness.IndexStates,
) -> tables.SimulatedWorld:
    """The world with the domestic abuse escalation and homelessness truth, and the MARAC
    referrals. Drawn from their own stream after everything else: no other value changes."""
    lsoa_codes = np.array(sim.area.lsoa_codes)
    claims = world.benefit_claims
    escalations = escalation.draw(
        sim,
        rng,
        claims={
            "household": claims.column("household_id").to_numpy(),
            "date": claims.column("claim_start").to_numpy().astype("datetime64[D]"),
            "end": claims.column("claim_end").to_numpy(zero_copy_only=False),
        },
        csc={
            "household": world.csc_episodes.column("household_id").to_numpy(),
            "referral": world.csc_episodes.column("referral_date").to_numpy(),
        },
        spells=world.residence,
        lsoa_codes=lsoa_codes,
    )
    return dataclasses.replace(
        world,
        marac_referrals=escalations.referrals,
        da_escalation=escalations.index,
        homelessness=homelessness.index_table(sim, index_states, lsoa_codes),
    )


def _with_council_tax(
    world: tables.SimulatedWorld, sim: Simulation, rng: np.random.Generator
) -> tables.SimulatedWorld:
    """The world with its council tax accounts, recorded from a stream of their own after
    everything else: no other value changes."""
    people = world.people.select(["person_id", "dob", "mother_id"]).append_column(
        "partner_id", timeline.ids_or_null(sim.people.partner)
    )
    found = council_tax.derive(world.residence, people, world.as_at)
    return dataclasses.replace(world, council_tax=council_tax.record(found, rng))


def _childhood(
    con: duckdb.DuckDBPyConnection,
    rng: np.random.Generator,
    history: pa.Table,
    inputs: childhood.ChildInputs,
    sim: Simulation,
    config: WorldConfig,
) -> tuple[pa.Table, pa.Table, pa.Table, pa.Table]:
    disadvantage = np.nan_to_num(history.column("disadvantage").to_numpy(zero_copy_only=False))
    births = childhood.draw_births(rng, disadvantage)
    dob = history.column("dob").to_numpy().astype("datetime64[D]")
    cohort = childhood.cohort_of(dob)
    kids = history.select(["person_id", "dob", "sex"])
    early, took_2yo = services.early_education(con, rng, kids, cohort, config.as_at)
    p_gld, logit_without_development = childhood.gld_probability(
        rng, history, births, took_2yo, sim.area_score
    )
    sen_latent = (
        -3.6
        - 2.0 * births["development"]
        + 0.5 * births["preterm"]
        + 0.4 * (history.column("sex").to_numpy(zero_copy_only=False) == "M")
    )
    sen = rng.random(len(dob)) < 1 / (1 + np.exp(-sen_latent))
    hv = services.health_visiting(con, rng, kids, births, disadvantage, config.as_at)
    boy = history.column("sex").to_numpy(zero_copy_only=False) == "M"
    first_year, review = knowable.recorded_scores(
        hv, history.column("person_id").to_numpy(), history.column("prediction_date").to_numpy()
    )
    p_from_records = knowable.probability_from_records(
        logit_without_development, disadvantage, births["preterm"], boy, first_year, review
    )
    # Pupils: world-born children and the older children who lived in the area in 2010.
    older = (~sim.people.born_in_world) & (sim.people.mother >= 0)
    older_ids = np.flatnonzero(older)
    older_cohort = childhood.cohort_of(sim.people.dob[older_ids])
    older_sen = rng.random(len(older_ids)) < 0.13
    pupils = pa.table(
        {
            "person_id": np.r_[history.column("person_id").to_numpy(), older_ids],
            "cohort": np.r_[cohort, older_cohort],
        }
    )
    reception = _lsoa_at_reception(con, pupils)
    lsoa_at_reception = reception[: len(dob)]
    effect = childhood.apply_interventions(p_gld, cohort, lsoa_at_reception, config.interventions)
    gld = rng.random(len(dob)) < p_gld + effect
    known = childhood.results_known(cohort, config.as_at) & (lsoa_at_reception != "")
    sen_all = np.r_[
        np.where(sen, np.where(rng.random(len(sen)) < 0.15, "E", "K"), "N"),
        np.where(older_sen, "K", "N"),
    ]
    census = services.school_census(
        con,
        rng,
        pupils,
        np.r_[gld, np.zeros(len(older_ids), bool)],
        np.r_[known, np.zeros(len(older_ids), bool)],
        sen_all,
        config.as_at,
    )
    fsm = _fsm_at_reception(census, len(dob), history.column("person_id").to_numpy())
    month = childhood.month_younger(dob)
    children = pa.table(
        {
            "person_id": history.column("person_id"),
            "cohort": pa.array(cohort, pa.int32()),
            "prediction_date": history.column("prediction_date"),
            "lsoa_at_prediction": history.column("lsoa_at_prediction"),
            "lsoa_at_reception": pa.array(
                lsoa_at_reception, pa.string(), mask=lsoa_at_reception == ""
            ),
            "p_gld": pa.array(p_gld + effect),
            "p_gld_from_records": pa.array(p_from_records + effect),
            "gld": pa.array(gld),
            "assessed": pa.array(known),
            "intervention_effect": pa.array(effect),
            "free_school_meals": pa.array(fsm),
            "summer_born": pa.array(month >= 7),  # born April to August
            "sen": pa.array(sen),
            "eal": history.column("other_language"),
        },
        schema=tables.CHILDREN,
    )
    return children, hv, early, census


def _lsoa_at_reception(con: duckdb.DuckDBPyConnection, pupils: pa.Table) -> np.ndarray:
    """Each pupil's LSOA at the January census of their Reception year ('' if away)."""
    con.register(
        "pupils", pupils.append_column("i", pa.array(np.arange(pupils.num_rows), pa.int64()))
    )
    rows = con.sql(
        """
        select coalesce(max(a.lsoa11cd), '') as lsoa
        from pupils p
        left join spells s on s.person_id = p.person_id
          and s.start <= make_date(p.cohort, 1, 18)
          and (s."end" is null or s."end" > make_date(p.cohort, 1, 18))
        left join addresses a using (address_id)
        group by p.i order by p.i
        """
    ).fetchnumpy()
    return np.asarray(rows["lsoa"], dtype=object).astype(str)


def _fsm_at_reception(census: pa.Table, n: int, person_ids: np.ndarray) -> np.ndarray:
    reception = census.filter(pa.compute.equal(census.column("nc_year"), "R"))
    eligible = set(
        reception.filter(reception.column("fsm_eligible")).column("person_id").to_pylist()
    )
    return np.array([pid in eligible for pid in person_ids.tolist()], dtype=bool)


def _people(sim: Simulation, rng: np.random.Generator) -> pa.Table:
    p = sim.people
    n = p.n
    sex = np.where(p.sex == 1, "M", "F")
    ethnicity = ETHNICITIES[p.ethnicity]
    birth_years = p.dob.astype("datetime64[Y]").astype(int) + 1970
    forename = names.draw_forenames(rng, sex, ethnicity, birth_years=birth_years)
    surname = names.draw_surnames(rng, ethnicity)
    married = (p.partner >= 0) & (rng.random(n) < 0.6)
    surname[married] = surname[p.partner[married]]
    order = np.argsort(p.dob, kind="stable")  # mothers before their children
    child = order[p.mother[order] >= 0]
    takes_mothers = rng.random(len(child)) < 0.85
    for index in (child[takes_mothers],):
        surname[index] = surname[p.mother[index]]
    # Pupils in any census from 2017 have UPNs; NINOs are issued at 16.
    pupil = p.dob >= np.datetime64("2001-09-01")
    adult = (np.datetime64(sim.as_at, "D") - p.dob).astype(int) / 365.25 >= 16
    language = np.full(n, "ENG", dtype=object)
    for group, spoken in LANGUAGES.items():
        speakers = np.flatnonzero((ethnicity == group) & p.other_language)
        language[speakers] = rng.choice(spoken, size=len(speakers))
    nhs = identifiers.nhs_numbers(rng, n)
    # A UPN is allocated in the year a child starts school.
    pupils = np.flatnonzero(pupil)
    upn = np.full(n, None, dtype=object)
    upn[pupils] = identifiers.upns(
        rng, len(pupils), years=p.dob[pupils].astype("datetime64[Y]").astype(int) + 1975
    )
    nino = identifiers.ninos(rng, n)
    return pa.table(
        {
            "person_id": pa.array(np.arange(n), pa.int64()),
            "sex": pa.array(sex),
            "dob": pa.array(p.dob, pa.date32()),
            "forename": pa.array(forename, pa.string()),
            "surname": pa.array(surname, pa.string()),
            "ethnicity": pa.array(ethnicity),
            "first_language": pa.array(language),
            "nhs_number": pa.array(nhs, pa.string()),
            "upn": pa.array(upn, pa.string(), mask=~pupil),
            "nino": pa.array(nino, pa.string(), mask=~adult),
            "mother_id": timeline.ids_or_null(p.mother),
        },
        schema=tables.PEOPLE,
    )


def _dates(values: np.ndarray) -> pa.Array:
    return pa.array(values.astype("datetime64[D]"), pa.date32(), from_pandas=True)


def _csc_table(csc: dict[str, np.ndarray], as_at: np.datetime64) -> pa.Table:
    return pa.table(
        {
            "episode_id": csc["episode"],
            "person_id": csc["person"],
            "household_id": csc["household"],
            "address_id": csc["address"],
            "referral_date": _dates(csc["referral"]),
            "referral_source": csc["source"],
            "primary_need": csc["need"],
            "outcome": csc["outcome"],
            "episode_start": _dates(timeline.capped(csc["start"], as_at)),
            "episode_end": _dates(timeline.capped(csc["end"], as_at)),
        },
        schema=tables.CSC_EPISODES,
    )


def _da_table(da: dict[str, np.ndarray]) -> pa.Table:
    order = np.lexsort((da["person"], da["incident"]))
    return pa.table(
        {
            "incident_id": da["incident"][order],
            "incident_time": pa.array(da["time"][order], pa.timestamp("s")),
            "household_id": da["household"][order],
            "address_id": da["address"][order],
            "person_id": da["person"][order],
            "role": da["role"][order],
            "dash_risk": da["risk"][order],
        },
        schema=tables.DA_INCIDENTS,
    )


def _housing_table(h: dict[str, np.ndarray], as_at: np.datetime64) -> pa.Table:
    return pa.table(
        {
            "case_id": h["case"],
            "applicant_id": h["applicant"],
            "household_id": h["household"],
            "previous_address_id": h["previous_address"],
            "household_size": h["size"],
            "children_in_household": h["children"],
            "approach_date": _dates(h["approach"]),
            "reason": h["reason"],
            "duty": h["duty"],
            "ta_start": _dates(timeline.capped(h["ta_start"], as_at)),
            "ta_end": _dates(timeline.capped(h["ta_end"], as_at)),
        },
        schema=tables.HOUSING_CASES,
    )


def _claims_table(c: dict[str, np.ndarray], as_at: np.datetime64) -> pa.Table:
    n = len(c["claim"])
    # A renter's claim is recorded twice: housing benefit and council tax reduction.
    hb = c["housing_benefit"]
    rows = np.r_[np.arange(n), np.flatnonzero(hb)]
    kind = np.r_[np.full(n, "CTR"), np.full(hb.sum(), "HB")]
    return pa.table(
        {
            "claim_id": pa.array(np.arange(len(rows)), pa.int64()),
            "claimant_id": c["claimant"][rows],
            "partner_id": timeline.ids_or_null(c["partner"][rows]),
            "household_id": c["household"][rows],
            "address_id": c["address"][rows],
            "claim_type": kind,
            "claim_start": _dates(c["date"][rows]),
            "claim_end": _dates(timeline.capped(c["end"][rows], as_at)),
            "dependants": pa.array(c["dependants"][rows], pa.int32()),
            "passported": c["passported"][rows],
        },
        schema=tables.BENEFIT_CLAIMS,
    )


def _area_need(world: tables.SimulatedWorld) -> pa.Table:
    con = duckdb.connect()
    con.register("children", world.children)
    return con.sql(
        """
        select lsoa_at_prediction as lsoa11cd, cohort, count(*)::integer as children,
               sum(1 - p_gld) as expected_not_gld, avg(1 - p_gld) as true_rate_not_gld
        from children where lsoa_at_prediction is not null
        group by all order by lsoa11cd, cohort
        """
    ).to_arrow_table()


def _need_to_come(world: tables.SimulatedWorld, as_at: date) -> dict[str, float]:
    """Each area's true share of children expected not to be ready for school, among the
    children still to start it at ``as_at`` (Reception starts in the September a year before a
    cohort's summer)."""
    first = as_at.year + 2 if as_at >= date(as_at.year, 9, 1) else as_at.year + 1
    con = duckdb.connect()
    con.register("area_need", _area_need(world))
    rows = con.execute(
        """
        select lsoa11cd, sum(expected_not_gld) / sum(children) from area_need
        where cohort >= ? group by lsoa11cd
        """,
        [first],
    ).fetchall()
    return {str(code): float(share) for code, share in rows}


def _expected_events(world: tables.SimulatedWorld) -> dict[str, pa.Table]:
    """Per LSOA and year: index rows, expected events (sum of p_true) and events seen."""
    con = duckdb.connect()
    con.register("da", world.da_escalation)
    con.register("homes", world.homelessness)
    query = """
        select lsoa11cd, year, count(*)::integer as {rows}, sum(p_true) as {expected},
               sum({outcome}::integer)::integer as {seen}, bool_and(outcome_known) as outcome_known
        from {table} group by all order by lsoa11cd, year
    """
    return {
        "da_escalation_area": con.sql(
            query.format(
                rows="index_incidents",
                expected="expected_escalations",
                outcome="escalated",
                seen="escalations",
                table="da",
            )
        ).to_arrow_table(),
        "homelessness_area": con.sql(
            query.format(
                rows="households",
                expected="expected_approaches",
                outcome="approached",
                seen="approaches",
                table="homes",
            )
        ).to_arrow_table(),
    }


def _write_truth(
    world: tables.SimulatedWorld, records: pa.Table, deprivation: Any, folder: Path
) -> None:
    for name in ("people", "addresses", "households", "residence", "children"):
        pq.write_table(getattr(world, name), folder / f"{name}.parquet")
    pq.write_table(_area_need(world), folder / "area_need.parquet")
    pq.write_table(world.da_escalation, folder / "da_escalation.parquet")
    pq.write_table(world.homelessness, folder / "homelessness.parquet")
    pq.write_table(world.council_tax, folder / "council_tax.parquet")
    for name, table in _expected_events(world).items():
        pq.write_table(table, folder / f"{name}.parquet")
    pq.write_table(records, folder / "records.parquet")
    pq.write_table(
        pa.table(
            {
                "lsoa11cd": deprivation.lsoa11cd,
                "imd_rank": deprivation.imd_rank,
                "imd_decile": deprivation.imd_decile,
                "income_rank": deprivation.income_rank,
                "population": deprivation.population,
                "children": deprivation.children,
            }
        ),
        folder / "deprivation.parquet",
    )
    (folder / "interventions.json").write_text(
        json.dumps(world.interventions, indent=2, sort_keys=True) + "\n"
    )


def _count(flags: pa.ChunkedArray) -> int:
    """True values among those known."""
    return int(pa.compute.sum(flags).as_py() or 0)


def _manifest(
    config: WorldConfig, world: tables.SimulatedWorld, records: pa.Table, folder: Path
) -> dict[str, Any]:
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    in_area = world.residence.filter(pa.compute.is_null(world.residence.column("end")))
    children = world.children
    return {
        "bakehouse_version": __version__,
        "world_format": WORLD_FORMAT,
        "config": config.as_dict(),
        "counts": {
            "lsoas": len(set(world.addresses.column("lsoa11cd").to_pylist())),
            "people_ever": world.people.num_rows,
            "residents_at_as_at": len(set(in_area.column("person_id").to_pylist())),
            "households_ever": world.households.num_rows,
            "children_born": children.num_rows,
            "children_assessed": int(pa.compute.sum(children.column("assessed")).as_py() or 0),
            "da_index_incidents": world.da_escalation.num_rows,
            "da_escalations": _count(world.da_escalation.column("escalated")),
            "marac_referrals": world.marac_referrals.num_rows,
            "homelessness_index_rows": world.homelessness.num_rows,
            "homelessness_approaches": _count(world.homelessness.column("approached")),
            "council_tax_accounts": pa.compute.count_distinct(
                world.council_tax.column("account_id")
            ).as_py(),
            "single_person_discounts": _count(
                pa.compute.is_valid(world.council_tax.column("discount_start"))
            ),
            "extract_rows": {
                source: int(count)
                for source, count in zip(
                    *np.unique(
                        records.column("source").to_numpy(zero_copy_only=False), return_counts=True
                    ),
                    strict=True,
                )
            },
        },
        "files": {
            str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
        },
    }
