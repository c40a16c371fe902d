"""Red team: try to recover withheld counts from every published total, and fail.

The attacker reads the published Parquet files and knows the rules. To make the test hard, the
attacker is also told which withheld counts are the small ones (1..T), which a real attacker can
only guess. Every published total is used: cohorts add up to an LSOA's totals (areas.parquet),
LSOAs to their district and districts to the county (benchmarks.parquet, whose rate times
denominator gives the numerator too), and in every cell the population = its events + the rest
of it. Intervals are narrowed through all of these until nothing moves.

Side knowledge alone can narrow a count (seven small cells under a small total hold at most one
or two each) with nothing published at all; that is not a leak from the release. So the attack
also runs with every count hidden, and a count counts as recovered when the release narrows it
below the protection level (3 values) and further than side knowledge alone does.

The attack is written here, apart from both the suppressor's audit and the output checker.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from bakehouse.release.disclosure import DisclosureRules

from .conftest import RULES, Built, publish_built

Key = tuple[str, ...]  # (measure, level, code[, cohort])
UNBOUNDED = 10**12


class Attack:
    def __init__(
        self, published: dict[Key, int | None], truth: dict[Key, int], rules: DisclosureRules
    ):
        self.truth = truth
        threshold, rounding = rules.threshold, rules.rounding
        # A count shows as its nearest multiple of the base, or, just above the threshold, as
        # the first multiple above it.
        smallest = rounding * (threshold // rounding + 1)
        self.box: dict[Key, list[int]] = {}
        self.secret: set[Key] = set()
        for key, true in truth.items():
            shown = published.get(key) if key[0] != "others" else None
            withheld = key[0] != "others" and shown is None
            if key[0] == "others":
                events = published.get(("events", *key[1:]))
                withheld = events is None
            if shown is not None:
                low = threshold + 1 if shown == smallest else shown - rounding // 2
                self.box[key] = [0, 0] if shown == 0 else [low, shown + (rounding - 1) // 2]
            elif withheld and 1 <= true <= threshold:
                self.box[key] = [1, threshold]
                self.secret.add(key)
            else:
                self.box[key] = [0, UNBOUNDED]
        self.relations: list[tuple[Key, list[Key]]] = []

    def add(self, total: Key, parts: list[Key]) -> None:
        if total in self.box and all(p in self.box for p in parts):
            self.relations.append((total, parts))

    def run(self) -> dict[Key, tuple[int, int]]:
        for _ in range(1000):
            moved = False
            for total, parts in self.relations:
                lo_sum = sum(self.box[p][0] for p in parts)
                hi_sum = sum(self.box[p][1] for p in parts)
                t = self.box[total]
                new = [max(t[0], lo_sum), min(t[1], hi_sum)]
                moved |= new != t
                self.box[total] = t = new
                for p in parts:
                    b = self.box[p]
                    new = [max(b[0], t[0] - (hi_sum - b[1])), min(b[1], t[1] - (lo_sum - b[0]))]
                    moved |= new != b
                    self.box[p] = new
            if not moved:
                break
        return {key: (self.box[key][0], self.box[key][1]) for key in self.secret}


def published_counts(folder: Path) -> dict[Key, int | None]:
    """Every count the release shows, keyed like the truth."""
    shown: dict[Key, int | None] = {}
    for row in pq.read_table(folder / "trend.parquet").to_pylist():
        cell = ("cell", row["lsoa11cd"], str(row["cohort"]))
        prefix = "obs" if row["kind"] == "observed" else "fut"
        shown[(f"{prefix}_population", *cell)] = row["population"]
        if prefix == "obs":
            shown[("events", *cell)] = row["events"]
    for row in pq.read_table(folder / "areas.parquet").to_pylist():
        node = ("lsoa", row["lsoa11cd"])
        shown[("obs_population", *node)] = row["observed_population"]
        shown[("events", *node)] = row["observed_events"]
        shown[("fut_population", *node)] = row["future_population"]
    for row in pq.read_table(folder / "benchmarks.parquet").to_pylist():
        node = (row["level"], row["code"])
        if row["measure"] == "observed_rate":
            shown[("obs_population", *node)] = row["denominator"]
            implied = None
            if row["value"] is not None and row["denominator"] is not None:
                implied = round(row["value"] * row["denominator"])
            shown[("events", *node)] = implied
        else:
            shown[("fut_population", *node)] = row["denominator"]
    return shown


def truth_and_relations(built: Built) -> tuple[dict[Key, int], list[tuple[Key, list[Key]]]]:
    counts, geo = built.tables.counts, built.geography
    truth: dict[Key, int] = {}
    relations: list[tuple[Key, list[Key]]] = []
    districts: dict[str, list[str]] = {}
    for i, code in enumerate(geo.codes):
        districts.setdefault(geo.district_codes[int(geo.district_of[i])], []).append(code)
        for measure, cohorts, values in (
            ("obs_population", counts.observed_cohorts, counts.observed_population[i]),
            ("events", counts.observed_cohorts, counts.observed_events[i]),
            (
                "others",
                counts.observed_cohorts,
                counts.observed_population[i] - counts.observed_events[i],
            ),
            ("fut_population", counts.predicted_cohorts, counts.future_population[i]),
        ):
            cells: list[Key] = [(measure, "cell", code, str(c)) for c in cohorts]
            for key, value in zip(cells, values, strict=True):
                truth[key] = int(value)
            truth[(measure, "lsoa", code)] = int(values.sum())
            relations.append(((measure, "lsoa", code), cells))
    measures = ("obs_population", "events", "others", "fut_population")
    for district, codes in districts.items():
        for measure in measures:
            parts: list[Key] = [(measure, "lsoa", code) for code in codes]
            truth[(measure, "district", district)] = sum(truth[p] for p in parts)
            relations.append(((measure, "district", district), parts))
    if geo.county is not None:
        for measure in measures:
            county_parts: list[Key] = [(measure, "district", d) for d in districts]
            truth[(measure, "county", geo.county[0])] = sum(truth[p] for p in county_parts)
            relations.append(((measure, "county", geo.county[0]), county_parts))
    for node in list(truth):
        if node[0] == "obs_population":
            relations.append((node, [("events", *node[1:]), ("others", *node[1:])]))
    return truth, relations


def attack(
    shown: dict[Key, int | None], built: Built, rules: DisclosureRules = RULES
) -> tuple[dict[Key, tuple[int, int]], dict[Key, int]]:
    truth, relations = truth_and_relations(built)
    attacker = Attack(shown, truth, rules)
    for total, parts in relations:
        attacker.add(total, parts)
    return attacker.run(), truth


def side_knowledge(built: Built, rules: DisclosureRules = RULES) -> dict[Key, tuple[int, int]]:
    """What the attacker knows with nothing published."""
    truth, _ = truth_and_relations(built)
    return attack(dict.fromkeys(truth), built, rules)[0]


def recovered(
    found: dict[Key, tuple[int, int]], built: Built, rules: DisclosureRules = RULES
) -> list[Key]:
    baseline = side_knowledge(built, rules)
    return [
        key
        for key, (low, high) in found.items()
        if high - low + 1 < rules.protection and high - low < baseline[key][1] - baseline[key][0]
    ]


SCENARIOS = [
    ("basildon", 3.0, 1),
    ("basildon", 6.0, 2),
    ("basildon", 6.0, 3),
    ("basildon", 15.0, 4),
    ("maldon", 8.0, 5),
]


@pytest.mark.parametrize(("area", "per_cell", "seed"), SCENARIOS)
def test_no_withheld_count_can_be_recovered_from_the_published_totals(
    tmp_path: Path, builder: Callable[..., Built], area: str, per_cell: float, seed: int
) -> None:
    built = builder(area, per_cell, seed)
    folder = publish_built(tmp_path, built)
    found, truth = attack(published_counts(folder), built)
    assert found, "the scenario must withhold small counts"
    for key, (low, high) in found.items():
        assert low <= truth[key] <= high, f"the attack is unsound at {key}"
    assert recovered(found, built) == []


@pytest.mark.parametrize("seed", [7, 8])
def test_no_withheld_count_can_be_recovered_when_counts_1_to_10_are_suppressed(
    tmp_path: Path, builder: Callable[..., Built], seed: int
) -> None:
    """The ONS threshold of 10 with rounding to 5: a count of 11 to 14 would round to 10, at the
    threshold; it is published as 15, and the release is still checked and still safe."""
    rules = DisclosureRules(threshold=10, rounding=5)
    built = builder("basildon", 6.0, seed, rules)
    folder = publish_built(tmp_path, built, rules=rules)
    shown = published_counts(folder)
    assert 10 not in {value for key, value in shown.items() if key[0] != "events"}
    found, truth = attack(shown, built, rules)
    assert found, "the scenario must withhold small counts"
    for key, (low, high) in found.items():
        assert low <= truth[key] <= high, f"the attack is unsound at {key}"
    assert recovered(found, built, rules) == []


@pytest.mark.slow
def test_no_withheld_count_can_be_recovered_across_the_county(
    tmp_path: Path, builder: Callable[..., Built]
) -> None:
    built = builder("essex", 5.0, 6)
    folder = publish_built(tmp_path, built)
    found, truth = attack(published_counts(folder), built)
    assert all(low <= truth[key] <= high for key, (low, high) in found.items())
    assert recovered(found, built) == []


def test_the_attack_recovers_cells_when_only_primary_suppression_is_applied(
    basildon_built: Built,
) -> None:
    """The red team has teeth: publish naively (1..7 withheld, others rounded, no secondary
    suppression) and it narrows dozens of withheld counts to one or two possible values."""
    truth, _ = truth_and_relations(basildon_built)
    naive: dict[Key, int | None] = {}
    for key, value in truth.items():
        if key[0] != "others":
            naive[key] = None if 1 <= value <= RULES.threshold else RULES.round(value)
    found, _ = attack(naive, basildon_built)
    assert len(recovered(found, basildon_built)) >= 10
