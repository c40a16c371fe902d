"""The starting population: addresses on real postcodes, households and the people in them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from bakehouse.geography import Area
from bakehouse.world import names
from bakehouse.world.state import NONE, OWNER, PRIVATE, SOCIAL, Columns

# Share of each ethnic group among adults (England and Wales 2021 Census, East of England,
# rounded): WBRI, WOTH, MIXD, ASIA, BLAC, OTHE.
ETHNICITY_SHARE = np.array([0.80, 0.07, 0.03, 0.05, 0.03, 0.02])
# Chance that a person of each group speaks a language other than English at home.
OTHER_LANGUAGE = np.array([0.01, 0.65, 0.08, 0.50, 0.35, 0.55])
RESIDENTS_PER_HOUSEHOLD = 2.07  # what the household mix below yields
CHILDREN_PER_FAMILY = 1.8
VACANT_SHARE = 0.12


@dataclass
class Addresses:
    """The address pool: ``lsoa`` index, postcode, number and street per address id."""

    lsoa: np.ndarray
    postcode: np.ndarray
    house_number: np.ndarray
    street: np.ndarray
    town: np.ndarray
    occupied: np.ndarray
    offsets: np.ndarray  # addresses of LSOA i are ids offsets[i] to offsets[i + 1] - 1

    def table(self, lsoa_codes: np.ndarray) -> pa.Table:
        return pa.table(
            {
                "address_id": pa.array(np.arange(len(self.lsoa)), pa.int64()),
                "lsoa11cd": pa.array(lsoa_codes[self.lsoa], pa.string()),
                "postcode": pa.array(self.postcode, pa.string()),
                "house_number": pa.array(self.house_number, pa.int32()),
                "street": pa.array(self.street, pa.string()),
                "town": pa.array(self.town, pa.string()),
            }
        )


def build_addresses(rng: np.random.Generator, area: Area, households: np.ndarray) -> Addresses:
    """Addresses per LSOA on its real postcodes: enough for its households plus vacancies."""
    codes = np.array(area.lsoa_codes)
    towns = dict(
        zip(
            area.lsoas.column("lsoa11cd").to_pylist(),
            area.lsoas.column("lad_name").to_pylist(),
            strict=True,
        )
    )
    postcode_lsoa = np.array(area.postcodes.column("lsoa11cd").to_pylist())
    postcodes = np.array(area.postcodes.column("postcode").to_pylist())
    street_of = names.street_names(rng, len(postcodes))
    lsoa_of_address, postcode_index = [], []
    for i, code in enumerate(codes):
        own = np.flatnonzero(postcode_lsoa == code)
        count = int(np.ceil(households[i] * (1 + VACANT_SHARE))) + 5
        lsoa_of_address.append(np.full(count, i, dtype=np.int32))
        postcode_index.append(np.sort(rng.choice(own, size=count, replace=True)))
    lsoa = np.concatenate(lsoa_of_address)
    which = np.concatenate(postcode_index)
    # House numbers run 1, 2, 3... within each postcode, starting at a random point in the street.
    order = np.argsort(which, kind="stable")
    first = np.r_[0, np.flatnonzero(np.diff(which[order])) + 1]
    rank = np.arange(len(which)) - np.repeat(first, np.diff(np.r_[first, len(which)]))
    start = rng.integers(1, 120, size=len(postcodes))
    number = np.empty(len(which), dtype=np.int32)
    number[order] = start[which[order]] + 2 * rank
    return Addresses(
        lsoa=lsoa,
        postcode=postcodes[which],
        house_number=number,
        street=street_of[which],
        town=np.array([towns[c] for c in codes])[lsoa],
        occupied=np.zeros(len(lsoa), dtype=bool),
        offsets=np.r_[0, np.cumsum([len(a) for a in lsoa_of_address])],
    )


def area_households(population: np.ndarray, scale: float) -> np.ndarray:
    return np.maximum(1, np.round(population * scale / RESIDENTS_PER_HOUSEHOLD)).astype(int)


def draw_ethnicity(rng: np.random.Generator, n: int) -> np.ndarray:
    return rng.choice(len(ETHNICITY_SHARE), size=n, p=ETHNICITY_SHARE).astype(np.int8)


def settle(
    rng: np.random.Generator,
    people: Columns,
    households: Columns,
    addresses: Addresses,
    lsoa: np.ndarray,
    disadvantage: np.ndarray,
    family: np.ndarray,
    on: np.datetime64,
    arriving: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """Create households (one per entry) with adults and, for families, children, at ``on``.

    Arriving households are younger than the settled population, as movers are.

    Returns the new household ids and the ids of every person created.
    """
    n = len(lsoa)
    tenure = _tenure(rng, disadvantage)
    address = take_vacant(rng, addresses, lsoa)
    hh = households.add(
        n, lsoa=lsoa, address=address, tenure=tenure, disadvantage=disadvantage, active=True
    )
    lone = rng.random(n) < np.clip(0.18 + 0.10 * disadvantage, 0.05, 0.6)
    couple = np.where(family, ~lone, rng.random(n) < 0.55)
    if arriving:
        age1 = np.where(family, np.clip(rng.normal(29, 5, n), 19, 45), 19 + 16 * rng.random(n))
    else:
        age1 = np.where(family, np.clip(rng.normal(34, 7, n), 19, 55), _adult_age(rng, n))
    # The woman of a couple comes first, so that births follow her age.
    sex1 = np.where(family | couple, 0, rng.integers(0, 2, n)).astype(np.int8)
    eth1 = draw_ethnicity(rng, n)
    adult1 = _add_people(rng, people, hh, sex1, _dob(rng, on, age1), eth1)
    households.adult1[hh] = adult1
    partnered = hh[couple]
    k = len(partnered)
    age2 = np.clip(age1[couple] + rng.normal(2, 3, k), 18, 95)
    same = rng.random(k) < 0.85
    eth2 = np.where(same, eth1[couple], draw_ethnicity(rng, k))
    adult2 = _add_people(
        rng, people, partnered, (1 - sex1[couple]).astype(np.int8), _dob(rng, on, age2), eth2
    )
    households.adult2[partnered] = adult2
    people.partner[adult2] = adult1[couple]
    created = [adult1, adult2]
    families = np.flatnonzero(family)
    kids = np.clip(1 + rng.poisson(CHILDREN_PER_FAMILY - 1, len(families)), 1, 5)
    parent = np.repeat(families, kids)
    max_age = np.clip(age1[parent] - 17, 0.1, 17.9)
    child_age = rng.random(len(parent)) * max_age
    children = _add_people(
        rng,
        people,
        hh[parent],
        rng.integers(0, 2, len(parent)).astype(np.int8),
        _dob(rng, on, child_age),
        eth1[parent],
        mother=adult1[parent],
    )
    np.add.at(households.children, hh[parent], 1)
    created.append(children)
    return hh, np.concatenate(created)


def _add_people(
    rng: np.random.Generator,
    people: Columns,
    hh: np.ndarray,
    sex: np.ndarray,
    dob: np.ndarray,
    ethnicity: np.ndarray,
    mother: np.ndarray | None = None,
) -> np.ndarray:
    other = rng.random(len(hh)) < OTHER_LANGUAGE[ethnicity]
    return people.add(
        len(hh),
        sex=sex,
        dob=dob,
        ethnicity=ethnicity,
        other_language=other,
        household=hh,
        mother=NONE if mother is None else mother,
    )


def _adult_age(rng: np.random.Generator, n: int) -> np.ndarray:
    """Ages of adults not in families with children: a mix of young, middle and older adults."""
    group = rng.choice(3, size=n, p=[0.28, 0.38, 0.34])
    low = np.array([18, 35, 65])[group]
    high = np.array([35, 65, 92])[group]
    return low + rng.random(n) * (high - low)


def _dob(rng: np.random.Generator, on: np.datetime64, age_years: np.ndarray) -> np.ndarray:
    days = np.round(np.asarray(age_years) * 365.25).astype("timedelta64[D]")
    jitter = rng.integers(0, 30, len(days)).astype("timedelta64[D]")
    return on - days - jitter


def _tenure(rng: np.random.Generator, disadvantage: np.ndarray) -> np.ndarray:
    social = rng.random(len(disadvantage)) < 1 / (1 + np.exp(2.1 - 1.1 * disadvantage))
    private = ~social & (rng.random(len(disadvantage)) < 0.22)
    return np.where(social, SOCIAL, np.where(private, PRIVATE, OWNER)).astype(np.int8)


def take_vacant(rng: np.random.Generator, addresses: Addresses, lsoa: np.ndarray) -> np.ndarray:
    """Occupy one vacant address in each asked LSOA (anywhere in the area if it stays full).

    Draws random addresses of the LSOA and keeps the vacant ones, redrawing the rest: with about
    one address in ten vacant, a few rounds settle nearly every request without a loop over LSOAs.
    """
    chosen = np.full(len(lsoa), NONE, dtype=np.int64)
    low = addresses.offsets[lsoa]
    size = addresses.offsets[lsoa + 1] - low
    waiting = np.arange(len(lsoa))
    for _ in range(40):
        if not len(waiting):
            break
        candidate = low[waiting] + (rng.random(len(waiting)) * size[waiting]).astype(np.int64)
        free = ~addresses.occupied[candidate]
        # Two requests drawing the same address: the first keeps it.
        _, first = np.unique(candidate, return_index=True)
        unique = np.zeros(len(candidate), dtype=bool)
        unique[first] = True
        won = free & unique
        chosen[waiting[won]] = candidate[won]
        addresses.occupied[candidate[won]] = True
        waiting = waiting[~won]
    if len(waiting):
        vacant = np.flatnonzero(~addresses.occupied)
        picked = rng.choice(vacant, size=len(waiting), replace=False)
        chosen[waiting] = picked
        addresses.occupied[picked] = True
    return chosen
