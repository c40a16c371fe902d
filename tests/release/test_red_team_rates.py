"""Red team, second round: counts worked back from complements, from a document's rates, and
from two releases side by side.

Each attack is a function written here, apart from the suppressor and the checker. Each is first
run on figures published the old way, built by hand (exact rates, no complement rule, no memory
of earlier releases), and must recover the small count there; then on what the release machinery
publishes, where it must recover nothing.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bakehouse.areas.counts import geography_of
from bakehouse.areas.predictions import predictions_from_table
from bakehouse.errors import ReleaseRefused
from bakehouse.geography import load_area
from bakehouse.modelling.fairness import audit, publishable
from bakehouse.recipes import load_recipe
from bakehouse.recipes.areas_section import AreasConfig
from bakehouse.release.checker import FORMAT_1_NAMES
from bakehouse.release.differencing import earlier_releases
from bakehouse.release.disclosure import DisclosureRules
from bakehouse.release.tables import build_area_tables

from .conftest import RECIPE, RULES, Built, publish_built, synthetic_predictions

SPEC = load_recipe("school-readiness").recipe.fairness


def interval(shown: int, rules: DisclosureRules) -> tuple[int, int]:
    """The counts a published value can stand for."""
    if shown == 0:
        return 0, 0
    smallest = rules.rounding * (rules.threshold // rules.rounding + 1)
    low = rules.threshold + 1 if shown == smallest else shown - rules.rounding // 2
    return low, shown + (rules.rounding - 1) // 2


# --- complements -------------------------------------------------------------------------------


def complement_attack(
    pairs: list[tuple[str, int | None, int | None]], rules: DisclosureRules
) -> list[str]:
    """Groups in which every child, or all but at most T, has the outcome: the published pair
    (events, children) leaves room for no more than T without it."""
    found = []
    for where, events, children in pairs:
        if events is None or not children:
            continue
        most_children = interval(children, rules)[1]
        fewest_events = interval(events, rules)[0]
        if most_children - fewest_events <= rules.threshold:
            found.append(where)
    return found


def _with_cell(code: str, cohort: int, children: int, events: int, seed: int) -> pa.Table:
    table = synthetic_predictions(geography_of(load_area("maldon")).codes, 8.0, seed)
    rows = [r for r in table.to_pylist() if not (r["lsoa11cd"] == code and r["cohort"] == cohort)]
    rows += [
        {"lsoa11cd": code, "cohort": cohort, "p_outcome": 0.6, "observed_outcome": i < events}
        for i in range(children)
    ]
    return pa.Table.from_pylist(rows, schema=table.schema)


def _built(table: pa.Table) -> Built:
    place = load_area("maldon")
    geography = geography_of(place)
    boundaries = place.boundaries()
    tables = build_area_tables(
        predictions_from_table(table),
        geography,
        boundaries,
        AreasConfig(simulations=200),
        RULES,
        RECIPE.words,
    )
    return Built(tables, geography, boundaries)


def test_a_cell_where_all_nine_children_have_the_outcome_cannot_be_read_off(
    tmp_path: Path,
) -> None:
    code = geography_of(load_area("maldon")).codes[0]
    built = _built(_with_cell(code, 2023, children=9, events=9, seed=11))
    # The old way: counts above the threshold rounded, nothing else withheld: 10 of 10.
    old = [
        ("cell", RULES.round(9), RULES.round(9)),
    ]
    assert complement_attack(old, RULES) == ["cell"]
    folder = publish_built(tmp_path, built)
    trend = pq.read_table(folder / "trend.parquet").to_pylist()
    cell = next(r for r in trend if r["lsoa11cd"] == code and r["cohort"] == 2023)
    assert cell["events"] is None and cell["rate"] is None
    pairs = [
        (f"{r['lsoa11cd']} {r['cohort']}", r["events"], r["population"])
        for r in trend
        if r["kind"] == "observed"
    ]
    areas = pq.read_table(folder / "areas.parquet").to_pylist()
    pairs += [(r["lsoa11cd"], r["observed_events"], r["observed_population"]) for r in areas]
    assert complement_attack(pairs, RULES) == []


# --- a document's rates ------------------------------------------------------------------------


def rate_attack(
    rate: float, denominator_shown: int, rules: DisclosureRules, decimals: int = 4
) -> set[int]:
    """Every numerator that, over a denominator the published one could stand for, gives the
    published rate to its decimals: the candidates for the count behind the rate."""
    low, high = interval(denominator_shown, rules)
    return {
        events
        for total in range(max(low, 1), high + 1)
        for events in range(total + 1)
        if round(events / total, decimals) == round(rate, decimals)
    }


def _children_with_a_small_missed_group(seed: int) -> dict[str, Any]:
    """A test set in which one ethnic group of 30 children has 4 children not reaching GLD that
    the model did not flag: the false negative rate of that group is a small count in disguise."""
    rng = np.random.default_rng(seed)
    n = 1500
    p = rng.beta(2, 4, n)
    y = rng.random(n) < p
    ethnicity = np.array(["WBRI"] * n, dtype=object)
    ethnicity[:30] = "BLAC"
    y[:30] = False
    p[:30] = 0.05
    y[:4] = True  # four of them do not reach GLD, with a low predicted risk: all missed
    groups = {
        "sex": rng.choice(["F", "M"], n),
        "ethnicity": ethnicity.astype(str),
        "eal": rng.choice(["yes", "no"], n),
        "fsm": rng.choice(["yes", "no"], n),
        "sen": rng.choice(["yes", "no"], n),
        "deprivation_quintile": rng.choice(["1", "2", "3", "4", "5"], n),
        "linkage_completeness": rng.choice(["1", "2"], n),
    }
    return audit(
        y, p, {k: v for k, v in groups.items() if k in SPEC.groups}, SPEC, resamples=20, seed=1
    )


def test_a_fairness_rate_cannot_be_turned_back_into_a_small_count() -> None:
    result = _children_with_a_small_missed_group(seed=12)
    row = next(g for a in result["attributes"] for g in a["groups"] if g["group"] == "BLAC")
    assert row["events"] == 4 and row["size"] == 30
    # The old way: the size rounded, the rates exact to four decimals. The observed rate (4 of
    # 30) gives the count of children not reaching GLD back: nothing but 4 fits.
    candidates = rate_attack(row["observed_rate"], RULES.round(row["size"]), RULES)
    assert candidates and max(candidates) <= RULES.threshold
    assert len(candidates) < RULES.protection
    # Now: every rate is a published count over a published count; a small one is withheld.
    published = publishable(result, RULES)
    group = next(g for g in published["groups"] if g["group"] == "BLAC")
    assert group["with_outcome"] is None and group["observed_rate"] is None
    for name, (events, total) in {
        "observed_rate": ("with_outcome", "size"),
        "fnr": ("missed", "with_outcome"),
        "fpr": ("false_flags", "without_outcome"),
        "precision": ("true_flags", "flagged_units"),
    }.items():
        for g in published["groups"]:
            if g[name] is None:
                continue
            found = rate_attack(g[name], g[total], RULES)
            small = {c for c in found if 1 <= c <= RULES.threshold}
            assert not small or len(small) >= RULES.protection, (g["group"], name)
            assert g[events] in found and math.isclose(g[name], g[events] / g[total])


# --- two releases side by side -----------------------------------------------------------------


def _bounds(folder: Path, rules: DisclosureRules) -> dict[tuple[str, ...], tuple[int, int]]:
    """Every observed count of a release (cells and LSOA totals, children and not reaching
    GLD), bounded by its published value and by each LSOA's total over its cohorts."""
    unbounded = 10**9
    box: dict[tuple[str, ...], list[int]] = {}
    sums: list[tuple[tuple[str, ...], list[tuple[str, ...]]]] = []

    def known(key: tuple[str, ...], value: int | None) -> None:
        box[key] = [0, unbounded] if value is None else list(interval(value, rules))

    members: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    for row in pq.read_table(folder / "trend.parquet").to_pylist():
        if row["kind"] == "observed":
            for measure, column in (("children", "population"), ("events", "events")):
                key = (measure, row["lsoa11cd"], str(row["cohort"]))
                known(key, row[column])
                members.setdefault((measure, row["lsoa11cd"]), []).append(key)
    for row in pq.read_table(folder / "areas.parquet").to_pylist():
        for measure, column in (("children", "observed_population"), ("events", "observed_events")):
            total: tuple[str, ...] = (measure, row["lsoa11cd"])
            known(total, row[column])
            sums.append((total, members.get((measure, row["lsoa11cd"]), [])))
    for _ in range(100):
        for total, parts in sums:
            low, high = sum(box[p][0] for p in parts), sum(box[p][1] for p in parts)
            t = box[total]
            t[0], t[1] = max(t[0], low), min(t[1], high)
            for p in parts:
                b = box[p]
                b[0] = max(b[0], t[0] - (high - b[1]))
                b[1] = min(b[1], t[1] - (low - b[0]))
    return {key: (b[0], b[1]) for key, b in box.items()}


def erasure_attack(
    before: dict[tuple[str, ...], tuple[int, int]], after: dict[tuple[str, ...], tuple[int, int]]
) -> list[tuple[str, ...]]:
    """The attacker knows that one child's records were erased between two releases. Every
    count that certainly fell (its highest value after is below its lowest before) holds that
    child: their LSOA and cohort, and, if the count of children not reaching GLD fell too,
    their outcome."""
    return sorted(key for key in before.keys() & after.keys() if after[key][1] < before[key][0])


def _erase_one(table: pa.Table, code: str, cohort: int) -> pa.Table:
    rows = table.to_pylist()
    index = next(
        i
        for i, r in enumerate(rows)
        if r["lsoa11cd"] == code and r["cohort"] == cohort and r["observed_outcome"]
    )
    return pa.Table.from_pylist(rows[:index] + rows[index + 1 :], schema=table.schema)


def test_two_releases_one_erased_child_apart_do_not_tell_where_the_child_was(
    tmp_path: Path,
) -> None:
    code = geography_of(load_area("maldon")).codes[3]
    # 18 children, 12 not reaching GLD: after the erasure 17 and 11, so that rounding alone
    # shows 20 then 15, and the cell's LSOA totals may cross a boundary as well.
    before_table = _with_cell(code, 2022, children=18, events=12, seed=13)
    after_table = _erase_one(before_table, code, 2022)
    before_built, after_built = _built(before_table), _built(after_table)

    # The old way, by hand: each release rounded on its own.
    def naive(built: Built) -> dict[tuple[str, ...], tuple[int, int]]:
        counts = built.tables.counts
        shown: dict[tuple[str, ...], tuple[int, int]] = {}
        for i, lsoa in enumerate(built.geography.codes):
            for j, cohort in enumerate(counts.observed_cohorts):
                for measure, values in (
                    ("children", counts.observed_population),
                    ("events", counts.observed_events),
                ):
                    value = int(values[i, j])
                    if not 1 <= value <= RULES.threshold:
                        shown[(measure, lsoa, str(cohort))] = interval(RULES.round(value), RULES)
        return shown

    found = erasure_attack(naive(before_built), naive(after_built))
    assert ("children", code, "2022") in found
    # And the release machinery without the earlier release beside it (each in a folder of
    # its own: side by side, the output checker would refuse the second).
    found = erasure_attack(
        _bounds(publish_built(tmp_path / "one", before_built), RULES),
        _bounds(publish_built(tmp_path / "two", after_built, run_id="9" * 64), RULES),
    )
    assert ("children", code, "2022") in found

    out = tmp_path / "releases"
    first = publish_built(out, before_built)
    earlier = earlier_releases(out, "school-readiness", before_built.geography.area_name)
    assert [release.release_id for release in earlier] == [first.name]
    place = load_area("maldon")
    tables = build_area_tables(
        predictions_from_table(after_table),
        after_built.geography,
        place.boundaries(),
        AreasConfig(simulations=200),
        RULES,
        RECIPE.words,
        earlier=earlier,
    )
    second = publish_built(
        out, Built(tables, after_built.geography, place.boundaries()), run_id="9" * 64
    )
    assert tables.methods["differencing"]["earlier_releases"] == [first.name]
    assert tables.methods["differencing"]["withheld_for_differencing"] >= 1
    assert erasure_attack(_bounds(first, RULES), _bounds(second, RULES)) == []


def test_the_output_checker_refuses_a_release_that_moved_by_one_child_beside_an_earlier_one(
    tmp_path: Path,
) -> None:
    code = geography_of(load_area("maldon")).codes[3]
    before_table = _with_cell(code, 2022, children=18, events=12, seed=13)
    out = tmp_path / "releases"
    publish_built(out, _built(before_table))
    with pytest.raises(ReleaseRefused, match="no_recovery_across_releases"):
        publish_built(out, _built(_erase_one(before_table, code, 2022)), run_id="9" * 64)
    assert sorted(p.name for p in out.iterdir()) == ["school-readiness-20251001-3f2a9c1d"]


def test_a_release_of_changed_data_beside_an_earlier_one_is_published_with_moved_cells_withheld(
    tmp_path: Path,
) -> None:
    """Records changed throughout the area (here: other children altogether): the cells that
    moved by the threshold or less are withheld, and the checker passes the new release."""
    out = tmp_path / "releases"
    publish_built(out, _built(synthetic_predictions_for("maldon", seed=21)))
    earlier = earlier_releases(out, "school-readiness", "maldon")
    place = load_area("maldon")
    geography = geography_of(place)
    tables = build_area_tables(
        predictions_from_table(synthetic_predictions_for("maldon", seed=22)),
        geography,
        place.boundaries(),
        AreasConfig(simulations=200),
        RULES,
        RECIPE.words,
        earlier=earlier,
    )
    assert tables.methods["differencing"]["withheld_for_differencing"] > 0
    second = publish_built(out, Built(tables, geography, place.boundaries()), run_id="8" * 64)
    assert (second / "manifest.json").is_file()


def synthetic_predictions_for(area: str, seed: int) -> pa.Table:
    return synthetic_predictions(geography_of(load_area(area)).codes, 8.0, seed)


# The names a format 1 release gave the counts, from the output checker's own reading of them.
FORMAT_1 = {new: old for old, new in FORMAT_1_NAMES.items()}


def as_format_1(release: Path) -> None:
    """Rewrite a release as one written before the outcome-neutral names (format 1)."""
    for name in ("areas.parquet", "trend.parquet"):
        table = pq.read_table(release / name)
        names = [FORMAT_1.get(column, column) for column in table.column_names]
        pq.write_table(table.rename_columns(names), release / name)
    manifest = json.loads((release / "manifest.json").read_text())
    manifest["format_version"] = 1
    (release / "manifest.json").write_text(json.dumps(manifest))


def test_an_earlier_release_of_format_1_still_protects_the_next_one(tmp_path: Path) -> None:
    """A partnership upgrading keeps its published releases: the suppressor and the output
    checker read the old names, so a new release is still protected against differencing."""
    code = geography_of(load_area("maldon")).codes[3]
    before_table = _with_cell(code, 2022, children=18, events=12, seed=13)
    out = tmp_path / "releases"
    first = publish_built(out, _built(before_table))
    as_read = earlier_releases(out, "school-readiness", "maldon")
    as_format_1(first)
    assert earlier_releases(out, "school-readiness", "maldon") == as_read
    with pytest.raises(ReleaseRefused, match="no_recovery_across_releases"):
        publish_built(out, _built(_erase_one(before_table, code, 2022)), run_id="9" * 64)
