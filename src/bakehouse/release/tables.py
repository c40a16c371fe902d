"""The release's tables from a predictions table: aggregate, protect, then estimate.

The order matters. Exact counts are aggregated per LSOA and cohort and rolled up to the districts
and the county; disclosure control withholds and rounds them; and every published rate, interval,
shrunken rate, comparison, rank, hotspot and flag is then computed from the protected figures, so
that each number a reader sees can be reproduced from the numbers beside it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pyarrow as pa

from bakehouse.areas import benchmarks as bench
from bakehouse.areas import summaries
from bakehouse.areas.counts import CohortCounts, Geography, count_population
from bakehouse.areas.drivers import top_drivers
from bakehouse.areas.estimates import expected_need, observed_rate
from bakehouse.areas.flagging import AreaNeed, flag_areas
from bakehouse.areas.hotspots import find_hotspots, queen_neighbours
from bakehouse.areas.need import simulate_need
from bakehouse.areas.predictions import Predictions
from bakehouse.areas.ranks import rank_intervals
from bakehouse.areas.shrinkage import shrink
from bakehouse.errors import ConfigError
from bakehouse.geography.areas import area_holding
from bakehouse.recipes.areas_section import AreasConfig, Prior
from bakehouse.recipes.schema import Words
from bakehouse.release import schema
from bakehouse.release.differencing import Earlier
from bakehouse.release.disclosure import CountTree, DisclosureRules, Node, Protected, protect

OBSERVED, EXPECTED = "observed", "expected"


@dataclass(frozen=True)
class AreaTables:
    """The four release tables, and (for measurement code only, never written) what they were
    built from."""

    areas: pa.Table
    trend: pa.Table
    benchmarks: pa.Table
    drivers: pa.Table
    methods: dict[str, Any]
    counts: CohortCounts
    observed: Protected
    future: Protected


def build_area_tables(
    predictions: Predictions,
    geography: Geography,
    boundaries: dict[str, Any],
    config: AreasConfig,
    rules: DisclosureRules,
    words: Words,
    drivers: pa.Table | None = None,
    earlier: Sequence[Earlier] = (),
) -> AreaTables:
    """``words``: the recipe's, for the sentences. ``earlier``: the releases of the same recipe
    and area already published, which the observed counts are protected against as well."""
    everyone = predictions.lsoa11cd
    predictions, outside = predictions.within(geography.codes)
    _check_area(len(everyone) - outside, outside, everyone, geography, words)
    counts = count_population(predictions, geography)
    observed = protect(_observed_tree(geography, counts), rules, earlier)
    future = protect(_future_tree(geography, counts), rules)
    simulated = simulate_need(predictions, geography, counts, config.simulations, config.seed)
    built = _Builder(
        geography, boundaries, config, words, counts, observed, future, simulated
    ).build(drivers, predictions, rules)
    differencing = {
        "earlier_releases": [release.release_id for release in earlier],
        "withheld_for_differencing": sum(
            1 for why in observed.reasons.values() if why == "differencing"
        ),
    }
    outside_area = _outside_area(outside, geography, rules, words)
    methods = {**built.methods, "differencing": differencing, "units_outside_area": outside_area}
    return replace(built, methods=methods)


def _check_area(
    inside: int, outside: int, lsoas: np.ndarray, geography: Geography, words: Words
) -> None:
    """Refuses figures for an area where fewer units live than outside it: a few households
    across the border are normal, most of them means the release names the wrong area."""
    if outside <= inside:
        return
    holding = area_holding(lsoas.astype(str).tolist())  # weighed by units: an error path only
    elsewhere = f"; most live in {holding}" if holding else ""
    raise ConfigError(
        f"{outside:,} of the {inside + outside:,} {words.units} the model predicts for live "
        f"outside {geography.title}{elsewhere}",
        field="area",
        fix=f"Give the area the data is for (--area {holding})"
        if holding
        else "Give the area the data is for (--area), with its IoD files if outside Essex",
    )


def _outside_area(
    outside: int, geography: Geography, rules: DisclosureRules, words: Words
) -> dict[str, Any]:
    """How many units the figures leave out because they lived outside the area at the
    prediction point, rounded as any count (withheld at or below the threshold)."""
    return {
        "count": rules.round(outside) if outside > rules.threshold or outside == 0 else None,
        "suppressed": 0 < outside <= rules.threshold,
        "note": f"{words.units.capitalize()} who lived outside {geography.title} at the "
        "prediction point are left out of every figure of this release.",
    }


def _cell(code: str, cohort: int) -> Node:
    return ("cell", code, str(cohort))


def _tree_nodes(geography: Geography, cohorts: list[int]) -> dict[Node, Node | None]:
    top: Node | None = ("county", geography.county[0]) if geography.county else None
    parent: dict[Node, Node | None] = {}
    if top is not None:
        parent[top] = None
    for code in geography.district_codes:
        parent[("district", code)] = top
    for i, code in enumerate(geography.codes):
        district = geography.district_codes[int(geography.district_of[i])]
        parent[("lsoa", code)] = ("district", district)
        for cohort in cohorts:
            parent[_cell(code, cohort)] = ("lsoa", code)
    return parent


def _roll_up(parent: dict[Node, Node | None], cells: dict[Node, int]) -> dict[Node, int]:
    totals = dict.fromkeys(parent, 0)
    for node, value in cells.items():
        current: Node | None = node
        while current is not None:
            totals[current] += value
            current = parent[current]
    return totals


def _observed_tree(geography: Geography, counts: CohortCounts) -> CountTree:
    parent = _tree_nodes(geography, counts.observed_cohorts)
    den, num = {}, {}
    for i, code in enumerate(geography.codes):
        for j, cohort in enumerate(counts.observed_cohorts):
            den[_cell(code, cohort)] = int(counts.observed_population[i, j])
            num[_cell(code, cohort)] = int(counts.observed_events[i, j])
    if not counts.observed_cohorts:  # LSOAs are then the leaves, with nothing in them
        den = {("lsoa", code): 0 for code in geography.codes}
        num = dict(den)
    return CountTree(parent, _roll_up(parent, den), _roll_up(parent, num))


def _future_tree(geography: Geography, counts: CohortCounts) -> CountTree:
    parent = _tree_nodes(geography, counts.predicted_cohorts)
    den = {
        _cell(code, cohort): int(counts.future_population[i, j])
        for i, code in enumerate(geography.codes)
        for j, cohort in enumerate(counts.predicted_cohorts)
    }
    if not counts.predicted_cohorts:
        den = {("lsoa", code): 0 for code in geography.codes}
    return CountTree(parent, _roll_up(parent, den))


def _value(published: dict[Node, int | None] | None, node: Node) -> float:
    if published is None:
        return math.nan
    value = published.get(node)
    return math.nan if value is None else float(value)


def _nullable(values: Any) -> list[Any]:
    return [None if isinstance(v, float) and math.isnan(v) else v for v in values]


class _Builder:
    def __init__(
        self,
        geography: Geography,
        boundaries: dict[str, Any],
        config: AreasConfig,
        words: Words,
        counts: CohortCounts,
        observed: Protected,
        future: Protected,
        simulated: np.ndarray,
    ) -> None:
        self.geo = geography
        self.boundaries = boundaries
        self.config = config
        self.words = words
        self.counts = counts
        self.observed = observed
        self.future = future
        self.simulated = simulated  # simulations x LSOAs x coming cohorts
        self.codes = geography.codes
        self.lsoa_nodes: list[Node] = [("lsoa", code) for code in self.codes]

    def build(
        self, drivers: pa.Table | None, predictions: Predictions, rules: DisclosureRules
    ) -> AreaTables:
        conf = self.config.confidence
        obs_den = np.array([_value(self.observed.denominator, n) for n in self.lsoa_nodes])
        obs_num = np.array([_value(self.observed.numerator, n) for n in self.lsoa_nodes])
        obs = observed_rate(obs_num, obs_den, conf)
        fut_den = np.array([_value(self.future.denominator, n) for n in self.lsoa_nodes])
        per_lsoa = self.simulated.sum(axis=2)
        need = expected_need(self.counts.expected_events.sum(axis=1), per_lsoa, fut_den, conf)
        with np.errstate(divide="ignore", invalid="ignore"):
            unit_variance = self.counts.observed_model_variance.sum(
                axis=1
            ) / self.counts.observed_population.sum(axis=1)
        shrunk = shrink(obs_num, obs_den, self._prior_design(), conf, unit_variance, rules.rounding)
        bench_rows, district_bench, county_bench = self._benchmarks()
        vs_district = bench.compare(need.rate.low, need.rate.high, district_bench[EXPECTED])
        vs_county = (
            bench.compare(need.rate.low, need.rate.high, county_bench[EXPECTED])
            if county_bench is not None
            else [None] * len(self.codes)
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            simulated_rates = per_lsoa / fut_den[None, :]
        ranks = rank_intervals(need.rate.value, simulated_rates, conf, self.config.seed)
        neighbours = queen_neighbours(self.boundaries, self.codes)
        hot = find_hotspots(need.rate.value, neighbours, self.config.hotspots, self.config.seed)
        published = {
            code for code, n in zip(self.codes, need.number, strict=True) if not np.isnan(n)
        }
        driver_list = [
            d
            for d in top_drivers(drivers, self.config.drivers_per_area, self.words)
            if d.lsoa11cd in published
        ]
        labels: dict[str, list[str]] = {}
        for d in driver_list:
            labels.setdefault(d.lsoa11cd, []).append(d.label)
        rule = self.config.flag
        if rule.benchmark == "county" and county_bench is None:
            raise ConfigError(
                "The flag rule compares with the county, but this release does not cover it",
                field="areas.flag.benchmark",
                fix="Use benchmark: district, or publish the whole county",
            )
        rule_bench = county_bench if rule.benchmark == "county" else district_bench
        assert rule_bench is not None
        names = self._benchmark_names(rule.benchmark)
        flags = flag_areas(
            AreaNeed(
                expected=need.number,
                population=fut_den,
                rate=need.rate.value,
                rate_low=need.rate.low,
                benchmark_rate=rule_bench[EXPECTED],
                benchmark_name=names,
                hotspot=hot.label,
                observed_rate=obs.value,
                observed_benchmark=rule_bench[OBSERVED],
                drivers=[labels.get(code, []) for code in self.codes],
            ),
            rule,
            self.words,
        )
        district_names = self._benchmark_names("district")
        summary = [
            summaries.area_summary(
                row["lsoa11nm"],
                fut_den[i],
                need.number[i],
                need.rate.value[i],
                need.rate.low[i],
                need.rate.high[i],
                vs_district[i],
                district_names[i],
                self.words,
            )
            for i, row in enumerate(self.geo.lsoas)
        ]
        columns: dict[str, Any] = {
            name: [row[name] for row in self.geo.lsoas] for name in schema.GEOGRAPHY
        }
        decile = self.geo.imd_decile
        columns |= {
            "imd_decile": [None] * len(self.codes) if decile is None else decile.tolist(),
            "observed_population": _nullable(obs_den),
            "observed_events": _nullable(obs_num),
            "observed_rate": _nullable(obs.value),
            "observed_low": _nullable(obs.low),
            "observed_high": _nullable(obs.high),
            "observed_suppressed": (np.isnan(obs_den) | np.isnan(obs_num)).tolist(),
            "future_population": _nullable(fut_den),
            "future_suppressed": np.isnan(fut_den).tolist(),
            "expected_events": _nullable(need.number),
            "expected_low": _nullable(need.low),
            "expected_high": _nullable(need.high),
            "expected_rate": _nullable(need.rate.value),
            "expected_rate_low": _nullable(need.rate.low),
            "expected_rate_high": _nullable(need.rate.high),
            "shrunken_rate": _nullable(shrunk.rate),
            "shrunken_low": _nullable(shrunk.low),
            "shrunken_high": _nullable(shrunk.high),
            "rank": [None if r < 0 else int(r) for r in ranks.rank],
            "rank_low": [None if r < 0 else int(r) for r in ranks.low],
            "rank_high": [None if r < 0 else int(r) for r in ranks.high],
            "vs_district": vs_district,
            "vs_county": vs_county,
            "hotspot": hot.label,
            "hotspot_p": _nullable(hot.q),
            "flagged": flags.flagged.tolist(),
            "flag_reasons": flags.reasons,
            "summary": summary,
        }
        areas = pa.Table.from_pydict(columns, schema=schema.AREAS)
        drivers_table = pa.Table.from_pylist(
            [
                {
                    "lsoa11cd": d.lsoa11cd,
                    "position": d.position,
                    "feature": d.feature,
                    "label": d.label,
                    "contribution": d.contribution,
                    "text": d.text,
                }
                for d in driver_list
            ],
            schema=schema.DRIVERS,
        )
        methods = self._methods(predictions, shrunk.between_area_sd, rules)
        return AreaTables(
            areas=areas,
            trend=self._trend(),
            benchmarks=pa.Table.from_pylist(bench_rows, schema=schema.BENCHMARKS),
            drivers=drivers_table,
            methods=methods,
            counts=self.counts,
            observed=self.observed,
            future=self.future,
        )

    def _prior_design(self) -> np.ndarray:
        """The covariates small-area rates are shrunk towards (intercept first)."""
        n = len(self.codes)
        ones = np.ones((n, 1))
        score = self.geo.imd_score
        prior = self.config.prior
        if prior is Prior.DISTRICT:
            return np.eye(len(self.geo.district_codes))[self.geo.district_of]
        if prior is Prior.DEPRIVATION:
            if score is None:
                raise ConfigError(
                    "Shrinking towards deprivation needs the IoD 2019 files",
                    field="areas.prior",
                    fix="Give --iod, or use prior: model or prior: district",
                )
            return np.column_stack([ones, score])
        population = self.counts.observed_population.sum(axis=1).astype(np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            model_rate = self.counts.observed_model.sum(axis=1) / population
        model_rate = np.clip(model_rate, 1e-4, 1 - 1e-4)
        design = [ones, np.log(model_rate / (1 - model_rate))[:, None]]
        if score is not None:
            design.append(score[:, None])
        return np.column_stack(design)

    def _benchmark_names(self, level: str) -> list[str]:
        if level == "county" and self.geo.county is not None:
            return [self.geo.county[1]] * len(self.codes)
        return [self.geo.district_names[int(d)] for d in self.geo.district_of]

    def _benchmarks(
        self,
    ) -> tuple[list[dict[str, Any]], dict[str, np.ndarray], dict[str, np.ndarray] | None]:
        """Rows of benchmarks.parquet, and each LSOA's district (and county) values by measure."""
        conf = self.config.confidence
        rows: list[dict[str, Any]] = []
        groups: list[tuple[str, str, str, np.ndarray]] = [
            ("district", code, name, self.geo.district_of == d)
            for d, (code, name) in enumerate(
                zip(self.geo.district_codes, self.geo.district_names, strict=True)
            )
        ]
        if self.geo.county is not None:
            code, name = self.geo.county
            groups.append(("county", code, name, np.ones(len(self.codes), dtype=bool)))
        values: dict[tuple[str, str], dict[str, float]] = {}
        for level, code, name, members in groups:
            node: Node = (level, code)
            den = _value(self.observed.denominator, node)
            num = _value(self.observed.numerator, node)
            obs = observed_rate(np.array([num]), np.array([den]), conf)
            fut = _value(self.future.denominator, node)
            simulated = self.simulated[:, members, :].sum(axis=(1, 2))[:, None]
            expected = np.array([self.counts.expected_events[members].sum()])
            need = expected_need(expected, simulated, np.array([fut]), conf)
            for measure, rate, denominator in (
                (OBSERVED, obs, den),
                (EXPECTED, need.rate, fut),
            ):
                rows.append(
                    {
                        "level": level,
                        "code": code,
                        "name": name,
                        "measure": f"{measure}_rate",
                        "value": _nullable(rate.value)[0],
                        "low": _nullable(rate.low)[0],
                        "high": _nullable(rate.high)[0],
                        "denominator": None if math.isnan(denominator) else int(denominator),
                    }
                )
            values[(level, code)] = {
                OBSERVED: float(obs.value[0]),
                EXPECTED: float(need.rate.value[0]),
            }
        district = {
            measure: np.array(
                [
                    values[("district", self.geo.district_codes[int(d)])][measure]
                    for d in self.geo.district_of
                ]
            )
            for measure in (OBSERVED, EXPECTED)
        }
        county = None
        if self.geo.county is not None:
            key = ("county", self.geo.county[0])
            county = {
                measure: np.full(len(self.codes), values[key][measure])
                for measure in (OBSERVED, EXPECTED)
            }
        return rows, district, county

    def _trend(self) -> pa.Table:
        conf = self.config.confidence
        rows: list[dict[str, Any]] = []
        obs_cells = [
            (code, cohort) for code in self.codes for cohort in self.counts.observed_cohorts
        ]
        if obs_cells:
            den = np.array([_value(self.observed.denominator, _cell(*c)) for c in obs_cells])
            num = np.array([_value(self.observed.numerator, _cell(*c)) for c in obs_cells])
            rate = observed_rate(num, den, conf)
            for k, (code, cohort) in enumerate(obs_cells):
                rows.append(
                    _trend_row(
                        code,
                        cohort,
                        den[k],
                        num[k],
                        rate.value[k],
                        rate.low[k],
                        rate.high[k],
                        OBSERVED,
                    )
                )
        cohorts = self.counts.predicted_cohorts
        if cohorts:
            n_cohorts = len(cohorts)
            den = np.array(
                [
                    _value(self.future.denominator, _cell(code, c))
                    for code in self.codes
                    for c in cohorts
                ]
            )
            simulated = self.simulated.reshape(self.simulated.shape[0], -1)
            need = expected_need(self.counts.expected_events.reshape(-1), simulated, den, conf)
            for k in range(len(den)):
                code, cohort = self.codes[k // n_cohorts], cohorts[k % n_cohorts]
                rows.append(
                    _trend_row(
                        code,
                        cohort,
                        den[k],
                        math.nan,
                        need.rate.value[k],
                        need.rate.low[k],
                        need.rate.high[k],
                        EXPECTED,
                    )
                )
        return pa.Table.from_pylist(rows, schema=schema.TREND)

    def _methods(
        self, predictions: Predictions, between_area_sd: float, rules: DisclosureRules
    ) -> dict[str, Any]:
        return {
            "confidence": self.config.confidence,
            "model_uncertainty": predictions.uncertainty.value,
            "simulations": self.config.simulations,
            "shrinkage": {
                "method": "normal-normal (Fay-Herriot) on the published rates, sampling "
                "variance from the model's probabilities, between-area spread integrated",
                "prior": self.config.prior.value,
                "between_area_sd": None
                if math.isnan(between_area_sd)
                else round(between_area_sd, 4),
            },
            "hotspots": {
                "method": f"Getis-Ord Gi* ({self.config.hotspots.method}), queen contiguity, "
                "Benjamini-Hochberg",
                "false_discovery_rate": self.config.hotspots.false_discovery_rate,
                "measure": "expected_rate",
            },
            "flag_rule": self.config.flag.describe(self.words),
            "disclosure_protection": rules.protection,
        }


def _trend_row(
    code: str,
    cohort: int,
    population: float,
    events: float,
    rate: float,
    low: float,
    high: float,
    kind: str,
) -> dict[str, Any]:
    suppressed = math.isnan(population) or (kind == OBSERVED and math.isnan(events))
    return {
        "lsoa11cd": code,
        "cohort": cohort,
        "population": None if math.isnan(population) else int(population),
        "events": None if math.isnan(events) else int(events),
        "rate": None if math.isnan(rate) else rate,
        "low": None if math.isnan(low) else low,
        "high": None if math.isnan(high) else high,
        "suppressed": suppressed,
        "kind": kind,
    }
