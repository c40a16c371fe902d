"""Names: weighted by frequency, by sex, heritage and generation; nicknames; invented streets."""

from __future__ import annotations

import time
from collections import Counter

import numpy as np

from bakehouse.world import names

ETHNICITIES = np.array(["WBRI", "WOTH", "MIXD", "ASIA", "BLAC", "OTHE"], dtype=object)


def _crowd(n: int, seed: int = 1) -> tuple[np.random.Generator, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    sex = np.where(rng.random(n) < 0.5, "F", "M").astype(object)
    ethnicity = rng.choice(ETHNICITIES, size=n, p=[0.8, 0.06, 0.04, 0.05, 0.03, 0.02])
    return rng, sex, ethnicity


def test_a_county_of_names_is_drawn_in_seconds() -> None:
    rng, sex, ethnicity = _crowd(1_500_000)
    started = time.perf_counter()
    forenames = names.draw_forenames(rng, sex, ethnicity)
    surnames = names.draw_surnames(rng, ethnicity)
    assert time.perf_counter() - started < 10  # about 1 s on an idle machine
    assert all(isinstance(n, str) and n for n in forenames[:10_000])
    assert all(isinstance(n, str) and n for n in surnames[:10_000])


def test_common_names_are_common_and_rare_ones_rare() -> None:
    rng = np.random.default_rng(1)
    counts = Counter(names.draw_surnames(rng, np.full(200_000, "WBRI", dtype=object)))
    assert counts.most_common(1)[0][0] == "Smith"
    assert 0.01 < counts["Smith"] / 200_000 < 0.04
    assert len(counts) > 1_000  # a long tail of rarer surnames


def test_forenames_follow_sex_and_heritage() -> None:
    rng, sex, _ = _crowd(100_000)
    asian = names.draw_forenames(rng, sex, np.full(100_000, "ASIA", dtype=object))
    girls = Counter(asian[sex == "F"])
    boys = Counter(asian[sex == "M"])
    assert "Fatima" in girls and "Fatima" not in boys
    assert "Muhammad" in boys and "Muhammad" not in girls
    polish = Counter(names.draw_surnames(rng, np.full(10_000, "WOTH", dtype=object)))
    assert polish["Nowak"] > polish["Smith"]


def test_birth_years_give_each_generation_its_own_names() -> None:
    rng, sex, _ = _crowd(50_000)
    white = np.full(50_000, "WBRI", dtype=object)
    parents = Counter(names.draw_forenames(rng, sex, white, birth_years=np.full(50_000, 1965)))
    children = Counter(names.draw_forenames(rng, sex, white, birth_years=np.full(50_000, 2019)))
    assert parents["Susan"] > 100 and children["Susan"] == 0
    assert children["Olivia"] > 100 and parents["Olivia"] == 0


def test_nicknames_come_from_the_map_and_unknown_names_have_none() -> None:
    rng = np.random.default_rng(2)
    assert {names.nickname_for("William", rng) for _ in range(200)} == set(
        names.NICKNAMES["William"]
    )
    assert names.nickname_for("elizabeth", rng) in names.NICKNAMES["Elizabeth"]
    assert names.nickname_for("Zebedee", rng) is None
    assert len(names.NICKNAMES) >= 100
    assert "Muhammad" in names.NICKNAMES["Mohammed"]


def test_street_names_join_a_stem_and_a_suffix_that_police_can_abbreviate() -> None:
    streets = names.street_names(np.random.default_rng(3), 5_000)
    suffixes = {s.rsplit(" ", 1)[1] for s in streets}
    assert suffixes <= set(names.SUFFIX_ABBREVIATIONS)
    assert "Road" in suffixes and "Close" in suffixes
    assert len(set(streets)) > 500
