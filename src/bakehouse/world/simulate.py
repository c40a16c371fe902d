"""The monthly simulation: births, moves, household change and migration, with risk steps.

Each month every household may change; the risk steps in :mod:`bakehouse.world.risk` run in the
same month so that, for example, domestic abuse can lead to a housing approach and a move.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from bakehouse.geography import Area, Deprivation
from bakehouse.world import risk
from bakehouse.world.population import (
    Addresses,
    area_households,
    build_addresses,
    settle,
    take_vacant,
)
from bakehouse.world.state import NONE, PRIVATE, EventLog, new_households, new_people

START = np.datetime64("2010-01-01")
# Age-specific fertility per woman per year (England and Wales, about 2015).
FERTILITY_AGES = np.array([16, 20, 25, 30, 35, 40, 46])
FERTILITY_RATES = np.array([0.016, 0.058, 0.098, 0.112, 0.064, 0.014])
# Live births a year per 1,000 residents at the start. Basildon had about 2,500-2,700 births a
# year through the 2010s (ONS, live births by local authority of usual residence of the mother),
# roughly flat while its population grew, among about 180,000 residents in 2010.
BIRTHS_PER_1000 = 14.2
# Monthly log-odds of a move by tenure (owner, social, private) and per unit of disadvantage;
# a share of moves leave the area. The homelessness truth reads them: leaving ends the window.
MOVE_BY_TENURE = np.array([-5.5, -5.1, -4.1])
MOVE_DISADVANTAGE = 0.25
LEAVE_AREA_SHARE = 0.22


def expit(x: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-x))


@dataclass
class Simulation:
    rng: np.random.Generator
    area: Area
    deprivation: Deprivation
    scale: float
    as_at: date

    def __post_init__(self) -> None:
        self.months = _month_starts(START, np.datetime64(self.as_at, "D"))
        self.people = new_people(int(self.deprivation.population.sum() * self.scale * 1.4))
        self.households = new_households(int(self.deprivation.population.sum() * self.scale / 2))
        self.log = EventLog()
        self.area_score = self.deprivation.imd_score
        counts = area_households(self.deprivation.population, self.scale)
        self.addresses: Addresses = build_addresses(self.rng, self.area, counts)
        self.month = 0
        self.counters: dict[str, int] = {}

    # --- the calendar ---------------------------------------------------------------------

    @property
    def today(self) -> np.datetime64:
        return self.months[self.month]

    def days_in_month(self, n: int) -> np.ndarray:
        """A random day in the current month for each of ``n`` events."""
        last = min(self.months[self.month + 1], np.datetime64(self.as_at, "D") + 1)
        length = max(1, (last - self.today).astype(int))
        return self.today + self.rng.integers(0, length, n).astype("timedelta64[D]")

    # --- residence --------------------------------------------------------------------------

    def join(self, persons: np.ndarray, hh: np.ndarray, on: np.ndarray) -> None:
        """Persons start living in households (at the household's current address) on dates."""
        self.people.household[persons] = hh
        self.log.add(
            "residence",
            person=persons,
            household=hh,
            address=self.households.address[hh],
            date=on,
            kind=np.ones(len(persons), np.int8),
        )

    def leave_area(self, persons: np.ndarray, on: np.ndarray) -> None:
        self.people.household[persons] = NONE
        self.log.add(
            "residence",
            person=persons,
            household=np.full(len(persons), NONE),
            address=np.full(len(persons), NONE),
            date=on,
            kind=np.zeros(len(persons), np.int8),
        )

    def members(self, hh_mask: np.ndarray) -> np.ndarray:
        """People living in the households where ``hh_mask`` is true."""
        # Out-of-area people have household NONE (-1), which indexes the appended False.
        return np.flatnonzero(np.append(hh_mask, False)[self.people.household])

    def household_mask(self, homes: np.ndarray) -> np.ndarray:
        mask = np.zeros(self.households.n, dtype=bool)
        mask[homes] = True
        return mask

    def relocate(self, homes: np.ndarray, similar_area: bool) -> None:
        relocate(self, homes, similar_area)

    def new_homes(self, persons: np.ndarray, lsoa: np.ndarray, disadvantage: np.ndarray) -> None:
        """Each person starts a household of their own, renting privately, in an LSOA."""
        if not len(persons):
            return
        hh = self.households
        homes = hh.add(
            len(persons),
            lsoa=lsoa,
            tenure=PRIVATE,
            active=True,
            adult1=persons,
            disadvantage=disadvantage,
        )
        hh.address[homes] = take_vacant(self.rng, self.addresses, lsoa)
        hh.lsoa[homes] = self.addresses.lsoa[hh.address[homes]]
        self.join(persons, homes, self.days_in_month(len(persons)))

    def ages(self, persons: np.ndarray) -> np.ndarray:
        return (self.today - self.people.dob[persons]).astype(float) / 365.25

    # --- the run ----------------------------------------------------------------------------

    def populate(self) -> None:
        counts = area_households(self.deprivation.population, self.scale)
        lsoa = np.repeat(np.arange(len(counts)), counts).astype(np.int32)
        child_share = self.deprivation.children / self.deprivation.population
        family = self.rng.random(len(lsoa)) < np.clip(
            child_share[lsoa] * 2.35 / 1.8 * 0.95, 0.05, 0.9
        )
        disadvantage = self._draw_disadvantage(lsoa)
        _, persons = settle(
            self.rng,
            self.people,
            self.households,
            self.addresses,
            lsoa,
            disadvantage,
            family,
            START,
        )
        self.join(persons, self.people.household[persons], np.full(len(persons), START))
        self.residents = len(persons)

    def _draw_disadvantage(self, lsoa: np.ndarray) -> np.ndarray:
        return 0.65 * self.area_score[lsoa] + 0.75 * self.rng.standard_normal(len(lsoa))

    def run(
        self,
        progress: Callable[[int, int], None] | None = None,
        observers: Sequence[Callable[[Simulation], None]] = (),
    ) -> None:
        """Simulate month by month; each observer sees the state at the start of every month."""
        self.populate()
        total = len(self.months) - 1
        for self.month in range(total):
            for observe in observers:
                observe(self)
            births(self)
            risk.benefits(self)
            risk.mental_health(self)
            incidents = risk.domestic_abuse(self)
            risk.housing(self, incidents)
            risk.social_care(self, incidents)
            moves(self)
            leaving_home(self)
            deaths(self)
            if progress:
                progress(self.month + 1, total)


def _month_starts(start: np.datetime64, end: np.datetime64) -> np.ndarray:
    months = np.arange(start.astype("datetime64[M]"), end.astype("datetime64[M]") + 2)
    return months.astype("datetime64[D]")


# --- monthly steps -----------------------------------------------------------------------------


def births(sim: Simulation) -> None:
    """Women who head a household give birth at their age's rate, aligned to the area's rate.

    Left alone, the starting women age while the daughters who replace them mostly live at home
    or alone, so births would fall by a third over fifteen years, which the area's did not. The
    alignment (usual in microsimulation) scales every woman's rate by the same monthly factor so
    that expected births are ``BIRTHS_PER_1000`` per 1,000 of the starting residents a year; who
    gives birth still follows age, partner, disadvantage and family size.
    """
    hh = sim.households
    candidates = np.flatnonzero(hh.active & (sim.month - hh.last_birth >= 10))
    mothers = hh.adult1[candidates]
    female = sim.people.sex[mothers] == 0
    candidates, mothers = candidates[female], mothers[female]
    age = sim.ages(mothers)
    band = np.searchsorted(FERTILITY_AGES, age, side="right") - 1
    fertile = (band >= 0) & (band < len(FERTILITY_RATES))
    candidates, mothers, band = candidates[fertile], mothers[fertile], band[fertile]
    rate = FERTILITY_RATES[band] / 12 * np.exp(0.12 * hh.disadvantage[candidates])
    rate *= np.where(hh.adult2[candidates] >= 0, 1.1, 0.75)
    rate *= np.where(hh.children[candidates] >= 3, 0.45, 1.0)
    if rate.sum() > 0:
        rate *= BIRTHS_PER_1000 / 1000 / 12 * sim.residents / rate.sum()
    born = sim.rng.random(len(candidates)) < rate
    homes, mothers = candidates[born], mothers[born]
    if not len(homes):
        return
    people = sim.people
    dob = sim.days_in_month(len(homes))
    fathers = hh.adult2[homes]
    mixed = (fathers >= 0) & (people.ethnicity[np.maximum(fathers, 0)] != people.ethnicity[mothers])
    ethnicity = np.where(mixed, 2, people.ethnicity[mothers]).astype(np.int8)
    other = np.where(
        sim.rng.random(len(homes)) < 0.85,
        people.other_language[mothers],
        sim.rng.random(len(homes)) < 0.1,
    )
    babies = people.add(
        len(homes),
        sex=(sim.rng.random(len(homes)) < 0.512).astype(np.int8),
        dob=dob,
        ethnicity=ethnicity,
        other_language=other,
        mother=mothers,
        born_in_world=True,
    )
    hh.children[homes] += 1
    hh.last_birth[homes] = sim.month
    sim.join(babies, homes, dob)


def moves(sim: Simulation) -> None:
    """Households move within the area, leave it, and are replaced by arrivals."""
    hh = sim.households
    active = np.flatnonzero(hh.active & (hh.ta_until < sim.month))
    base = MOVE_BY_TENURE[hh.tenure[active]]
    hazard = expit(base + MOVE_DISADVANTAGE * hh.disadvantage[active])
    moving = active[sim.rng.random(len(active)) < hazard]
    leaving = moving[sim.rng.random(len(moving)) < LEAVE_AREA_SHARE]
    staying = np.setdiff1d(moving, leaving)
    relocate(sim, staying, similar_area=True)
    depart(sim, leaving)
    # Arrivals keep the population near its starting size, as net migration roughly does.
    shortfall = sim.residents - int((sim.people.household >= 0).sum())
    arrive(sim, len(leaving) + max(0, shortfall) // 8)


def relocate(sim: Simulation, homes: np.ndarray, similar_area: bool) -> None:
    """Move whole households to vacant addresses, in an LSOA of similar deprivation or any."""
    if not len(homes):
        return
    hh = sim.households
    sim.addresses.occupied[hh.address[homes]] = False
    n_lsoa = len(sim.area_score)
    if similar_area:
        # Most moves are to somewhere like the last place: pick an LSOA of similar deprivation.
        target = np.clip(
            np.argsort(np.argsort(sim.area_score))[hh.lsoa[homes]]
            + np.round(sim.rng.normal(0, n_lsoa / 8, len(homes))).astype(int),
            0,
            n_lsoa - 1,
        )
        by_rank = np.argsort(sim.area_score)
        lsoa = by_rank[target].astype(np.int32)
    else:
        lsoa = sim.rng.integers(0, n_lsoa, len(homes)).astype(np.int32)
    hh.address[homes] = take_vacant(sim.rng, sim.addresses, lsoa)
    hh.lsoa[homes] = sim.addresses.lsoa[hh.address[homes]]
    persons = sim.members(sim.household_mask(homes))
    day = dict(zip(homes.tolist(), sim.days_in_month(len(homes)).tolist(), strict=True))
    on = np.array([day[h] for h in sim.people.household[persons].tolist()], dtype="datetime64[D]")
    sim.join(persons, sim.people.household[persons], on)


def depart(sim: Simulation, homes: np.ndarray) -> None:
    if not len(homes):
        return
    hh = sim.households
    persons = sim.members(sim.household_mask(homes))
    sim.leave_area(persons, np.full(len(persons), sim.days_in_month(1)[0]))
    sim.addresses.occupied[hh.address[homes]] = False
    hh.active[homes] = False


def arrive(sim: Simulation, count: int) -> None:
    """New households arrive: younger than average and, more often, families."""
    if count <= 0:
        return
    pop = sim.deprivation.population.astype(float)
    lsoa = sim.rng.choice(len(pop), size=count, p=pop / pop.sum()).astype(np.int32)
    family = sim.rng.random(count) < 0.5
    on = sim.days_in_month(1)[0]
    disadvantage = sim._draw_disadvantage(lsoa) + 0.15
    _, persons = settle(
        sim.rng,
        sim.people,
        sim.households,
        sim.addresses,
        lsoa,
        disadvantage,
        family,
        on,
        arriving=True,
    )
    sim.join(persons, sim.people.household[persons], np.full(len(persons), on))


def leaving_home(sim: Simulation) -> None:
    """Young adults leave their parents' home: into the area on their own, or away."""
    people = sim.people
    grown = np.flatnonzero((people.household >= 0) & (people.mother >= 0))
    age = sim.ages(grown)
    grown = grown[(age >= 18) & (sim.rng.random(len(grown)) < 0.012)]
    if not len(grown):
        return
    old_home = people.household[grown]
    np.subtract.at(sim.households.children, old_home, 1)
    np.maximum(sim.households.children, 0, out=sim.households.children)
    away = sim.rng.random(len(grown)) < 0.3
    sim.leave_area(grown[away], sim.days_in_month(int(away.sum())))
    stay = grown[~away]
    parents = people.household[stay]
    sim.new_homes(
        stay,
        sim.households.lsoa[parents],
        0.6 * sim.households.disadvantage[parents] + 0.5 * sim.rng.standard_normal(len(stay)),
    )


def deaths(sim: Simulation) -> None:
    """Older people die or move into care; a household with nobody left ends."""
    people = sim.people
    living = np.flatnonzero(people.household >= 0)
    age = sim.ages(living)
    rate = np.where(age > 75, 0.006, np.where(age > 60, 0.0012, 0.0001))
    gone = living[sim.rng.random(len(living)) < rate]
    if not len(gone):
        return
    homes = people.household[gone]
    sim.leave_area(gone, sim.days_in_month(len(gone)))
    hh = sim.households
    for column in (hh.adult1, hh.adult2):
        column[homes[column[homes] == gone]] = NONE
    homes = np.unique(homes)
    empty = homes[(hh.adult1[homes] == NONE) & (hh.adult2[homes] == NONE)]
    # Children left without an adult go to live elsewhere (outside the simulated area).
    orphans = sim.members(sim.household_mask(empty))
    sim.leave_area(orphans, sim.days_in_month(len(orphans)))
    sim.addresses.occupied[hh.address[empty]] = False
    hh.active[empty] = False
    promote = homes[hh.active[homes] & (hh.adult1[homes] == NONE) & (hh.adult2[homes] != NONE)]
    hh.adult1[promote] = hh.adult2[promote]
    hh.adult2[promote] = NONE
