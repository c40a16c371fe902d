"""The output checker: reads a written release back from disk and checks every cell.

It is written apart from the suppressor and imports nothing from it (nor from the estimation
code): it knows only the contract (docs/release.md) and the disclosure rules, so a fault in the
suppressor cannot hide itself here. A release passes only if every check passes.

With threshold T, rounding base B and protection P, the checks are:

- ``files_as_contract``: exactly the contract's files, nothing else (``manifest.json`` aside).
- ``tables_match_contract``: each table has exactly the contract's columns and types.
- ``counts_rounded_or_withheld``: every count cell (areas ``observed_population``,
  ``observed_events``, ``future_population``; trend ``population``, ``events``; benchmarks
  ``denominator``; fairness group ``size``) is null, 0, or a multiple of B greater than T.
- ``withheld_cells_flagged``: a null count has its ``*_suppressed`` flag set, and a set flag has
  a null count beside it.
- ``rates_from_published_counts``: every rate is the published numerator over the published
  denominator (expected rates: the published expected number over the published population, at most
  1), every Wilson interval recomputes from those, and every value lies in its interval and in
  [0, 1]. A benchmark's implied numerator (rate x denominator) must itself be a publishable count.
- ``document_rates_from_published_counts``: every rate in ``fairness.json`` (observed rate, false
  negative and false positive rates, precision) is its published numerator over its published
  denominator, within the rounding of four decimals, with the Wilson interval of those two;
  every ratio is the ratio of the published rates, with the log-scale (Katz) interval of the
  four counts; the predicted rate is the expected number over the published size, calibration
  the observed rate minus it, and its interval the observed rate's Wilson interval moved by it;
  a figure whose counts are withheld is withheld; under each of a group's sums (size = with +
  without the outcome; with the outcome = true flags + missed; flagged = true + false flags) no
  single part is withheld beside a published one. In the linkage and quality summaries every
  share is an object ``{"share", "count", "of"}`` checked the same way, and any other fraction
  is refused, except the linkage model's estimates and pairwise scores (measures over pairs of
  records).
- ``nothing_from_withheld_counts``: where a denominator is withheld (or zero), nothing derived from
  it is published: rates, intervals, shrunken rates, ranks, comparisons, hotspots, flags, drivers.
- ``no_recovery_by_subtraction``: in every group of cells under a published total (cohorts under an
  LSOA, LSOAs under a district, districts under the county), withheld cells are none or at least
  two; and bounding every withheld cell by interval arithmetic over all published totals (a
  published v stands for [v - B//2, v + (B-1)//2], 0 for exactly 0), including population =
  events + complement in every cell and total, leaves it at least P values.
- ``no_disclosure_by_complement``: for every published (events, population) pair (areas, trend
  and benchmark observed counts; fairness group counts; linkage and quality summary counts), the
  complement the pair implies (population minus events, bounded from the two published intervals)
  can exceed T: a complement that can only be 0..T says that every member of the group, or all
  but a few, has the outcome (9 of 9 shown as 10 of 10).
- ``no_recovery_across_releases``: every other release of the same recipe and area in the same
  output folder (found by its manifest's recipe id and the same LSOAs) is read beside this one.
  A count describing the same units in both (an LSOA's cohort; LSOA, district and county
  totals when both observe the same cohorts) shows the same value in both, or values that differ
  by more than T at the ends of their rounding intervals. And the interval attack above runs
  over both releases together, a cohort cell being one unknown in both when their published
  values agree: no withheld cell of either may be narrowed below P values further than the
  other release alone narrows it.
- ``no_identifiers``: no column or property named like a personal identifier, and no text that
  looks like an NHS number, National Insurance number, UPN or full postcode, in any table,
  document or the geometry.
- ``geometry_matches_areas``: one feature per published LSOA, with only ``lsoa11cd``, ``lsoa11nm``.
- ``evaluations_publishable`` (when the release holds evaluations, ``evaluation-<h12>.json``
  and its four plot files): each evaluation has all five files, named by the first 12 hex of
  its result's plan hash; the result holds only the fields of an evaluation result (estimates,
  intervals, p-values, group means, words), no count; each group mean is over at least
  ``EVALUATION_MIN_AREAS`` (3) treated and comparison areas (a mean over one or two areas is
  close to an area's rate, whose counts the release may withhold); every table row holds only
  its columns, as finite numbers; each CSV holds exactly its result's table; each SVG is an SVG
  drawing with no script, no event handler and no reference outside itself.
- ``added_value_from_published_counts`` (when the release holds ``added_value.parquet``, which
  releases written before the comparison with what services already knew do not): only the
  contract's figures, never a list; every count of units above the capacity line and of those
  known to no service is null, 0 or a multiple of B above T, withheld exactly where flagged; a
  pair (part, whole) whose rest can only be 1..T is refused; every share is the published part
  over the published whole with their Wilson interval, and is withheld when either is; an
  expected number is withheld when the count it sums is; a ranking's figures carry no count and
  lie in their intervals; the flagged areas counted are those ``areas.parquet`` flags.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from statistics import NormalDist
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

NAME = "bakehouse.release.checker"
VERSION = "1"
TOLERANCE = 1e-9
SHOWN = 20  # findings listed per check
UNSAFE_COUNT = "not 0, withheld, or a rounded count above the threshold"
FLAG_MISMATCH = "does not match the withheld counts beside it"
# A count no file shows but every pair implies (the complement of published events): unknown to
# the attacker, but not a withheld cell to protect.
DERIVED = object()

DISPLAYED = 0.5e-4 + 1e-9  # documents show rates to four decimals
FAIRNESS_RATES = {
    "observed_rate": ("with_outcome", "size"),
    "fnr": ("missed", "with_outcome"),
    "fpr": ("false_flags", "without_outcome"),
    "precision": ("true_flags", "flagged_units"),
}
FAIRNESS_COUNTS = (
    "size", "with_outcome", "without_outcome", "flagged_units", "true_flags", "missed",
    "false_flags",
)  # fmt: skip
FAIRNESS_SUMS = (
    ("size", ("with_outcome", "without_outcome")),
    ("with_outcome", ("true_flags", "missed")),
    ("flagged_units", ("true_flags", "false_flags")),
)
SUMMARY_FILES = ("linkage_summary.json", "quality_summary.json")
# Model measures over pairs of records (and the linkage threshold), not shares of people.
MODEL_MEASURES = frozenset(
    {"estimated_by_the_linkage_model", "measured_against_the_synthetic_truth",
     "match_probability_needed"}
)  # fmt: skip

TABLE_FILES = ("areas.parquet", "trend.parquet", "benchmarks.parquet", "drivers.parquet")
DOCUMENT_FILES = (
    "model_card.md",
    "model_card.json",
    "transparency_record.md",
    "transparency_record.json",
    "fairness.json",
    "linkage_summary.json",
    "quality_summary.json",
)
CONTRACT_FILES = frozenset((*TABLE_FILES, "geometry.geojson", *DOCUMENT_FILES))
ADDED_VALUE = "added_value.parquet"
# A release may hold these besides the contract's files; one written before them does not.
OPTIONAL_FILES = frozenset({ADDED_VALUE})
# Evaluations: five files each, flat in the folder, named by the plan hash's first 12 hex.
EVALUATION_FILE = re.compile(
    r"evaluation-(?P<short>[0-9a-f]{12})"
    r"(?P<part>\.json|-event_study\.svg|-event_study\.csv|-trajectories\.svg|-trajectories\.csv)"
)
EVALUATION_PARTS = (
    ".json",
    "-event_study.svg",
    "-event_study.csv",
    "-trajectories.svg",
    "-trajectories.csv",
)
EVALUATION_MIN_AREAS = 3
EVALUATION_FIELDS = frozenset(
    {"design", "estimator", "outcome", "plan_hash", "effect", "low", "high", "p_value", "alpha",
     "mde", "icc", "n_treated", "n_comparison", "periods", "start", "pretrend_p",
     "pretrend_test", "balance", "pre_rmspe", "rmspe_ratio_p", "placebos", "verdict",
     "caveats", "event_study", "trajectories", "registration"}
)  # fmt: skip
EVALUATION_BALANCE = frozenset(
    {"treated_pre_mean", "comparison_pre_mean", "difference", "standardised_difference"}
)
EVALUATION_TABLES = {
    "event_study": (("event_time", "estimate", "low", "high"),),
    "trajectories": (("period", "treated", "comparison"), ("period", "treated", "synthetic")),
}
SVG = "{http://www.w3.org/2000/svg}"
# A drawing may refer only to its own parts (``url(#clip1)``, ``href="#glyph"``).
OUTSIDE_URL = re.compile(r"url\(\s*['\"]?(?!#)")
ADDED_RANKINGS = frozenset({"model", "deprivation", "known_to_services", "deprivation_and_known"})
ADDED_RANKING_MEASURES = frozenset({"auc", "precision", "recall"})
ADDED_COUNTS = {
    "test": frozenset(
        {"units", "above_line", "above_line_with_outcome", "unknown", "unknown_with_outcome"}
    ),
    "coming": frozenset({"units", "above_line", "unknown"}),
}
# share -> (part, whole), per section; the same pairs must not leave a rest of 1..T.
ADDED_SHARES = {
    "test": {
        "unknown_share": ("unknown", "above_line"),
        "outcome_share_of_unknown": ("unknown_with_outcome", "unknown"),
    },
    "coming": {"unknown_share": ("unknown", "above_line")},
}
ADDED_PAIRS = {
    "test": (
        ("unknown", "above_line"),
        ("unknown_with_outcome", "unknown"),
        ("above_line_with_outcome", "above_line"),
    ),
    "coming": (("unknown", "above_line"),),
}
ADDED_AREAS = frozenset({"flagged", "flagged_not_most_deprived"})

_S, _F, _B = "string", "double", "bool"
CONTRACT_COLUMNS: dict[str, list[tuple[str, str]]] = {
    "areas.parquet": [
        ("lsoa11cd", _S), ("lsoa11nm", _S), ("msoa11cd", _S), ("msoa11nm", _S),
        ("lad_code", _S), ("lad_name", _S), ("imd_decile", "int8"),
        ("observed_population", "int32"), ("observed_events", "int32"),
        ("observed_rate", _F), ("observed_low", _F), ("observed_high", _F),
        ("observed_suppressed", _B), ("future_population", "int32"), ("future_suppressed", _B),
        ("expected_events", _F), ("expected_low", _F), ("expected_high", _F),
        ("expected_rate", _F), ("expected_rate_low", _F), ("expected_rate_high", _F),
        ("shrunken_rate", _F), ("shrunken_low", _F), ("shrunken_high", _F),
        ("rank", "int32"), ("rank_low", "int32"), ("rank_high", "int32"),
        ("vs_district", _S), ("vs_county", _S), ("hotspot", _S), ("hotspot_p", _F),
        ("flagged", _B), ("flag_reasons", _S), ("summary", _S),
    ],
    "trend.parquet": [
        ("lsoa11cd", _S), ("cohort", "int16"), ("population", "int32"), ("events", "int32"),
        ("rate", _F), ("low", _F), ("high", _F), ("suppressed", _B), ("kind", _S),
    ],
    "benchmarks.parquet": [
        ("level", _S), ("code", _S), ("name", _S), ("measure", _S),
        ("value", _F), ("low", _F), ("high", _F), ("denominator", "int32"),
    ],
    ADDED_VALUE: [
        ("section", _S), ("ranking", _S), ("measure", _S), ("count", "int32"), ("value", _F),
        ("low", _F), ("high", _F), ("suppressed", _B),
    ],
    "drivers.parquet": [
        ("lsoa11cd", _S), ("position", "int32"), ("feature", _S), ("label", _S),
        ("contribution", _F), ("text", _S),
    ],
}  # fmt: skip

IDENTIFIER_NAME = re.compile(
    r"person|household|nhs|upn|nino|insurance|dob|birth|forename|surname|first_?name|"
    r"last_?name|full_?name|postcode|address|token|pseudonym|child_id|claim|case_?ref|incident",
    re.IGNORECASE,
)
IDENTIFIER_TEXT = {
    # Ten digits, optionally 3-3-4, standing alone: not part of a longer number, a decimal, or a
    # word such as a hexadecimal hash ("a5503592751d").
    "NHS number": re.compile(r"(?<![\w.])\d{3}[ -]?\d{3}[ -]?\d{4}(?!\w)(?!\.\d)"),
    "National Insurance number": re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\d{6}[A-D]\b"),
    "UPN": re.compile(r"\b[A-Z]\d{11}[0-9A-Z]\b"),
    "postcode": re.compile(r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b"),
}


@dataclass(frozen=True)
class Rules:
    threshold: int
    rounding: int
    protection: int
    confidence: float = 0.95


@dataclass
class Check:
    name: str
    findings: list[str] = field(default_factory=list)
    looked_at: int = 0

    @property
    def passed(self) -> bool:
        return not self.findings

    def fail(self, text: str) -> None:
        self.findings.append(text)

    def as_dict(self) -> dict[str, Any]:
        if self.passed:
            detail = f"{self.looked_at} cells or items checked"
        else:
            shown = "; ".join(self.findings[:SHOWN])
            more = len(self.findings) - SHOWN
            detail = f"{len(self.findings)} problems: {shown}" + (
                f"; and {more} more" if more > 0 else ""
            )
        return {"name": self.name, "passed": self.passed, "detail": detail}


@dataclass(frozen=True)
class Verdict:
    passed: bool
    checks: list[Check]

    def as_list(self) -> list[dict[str, Any]]:
        return [check.as_dict() for check in self.checks]

    def failures(self) -> list[str]:
        return [f"{c.name}: {c.as_dict()['detail']}" for c in self.checks if not c.passed]


def check_release(folder: Path, rules: Rules | None = None) -> Verdict:
    """Check the release in ``folder``; rules default to the manifest's ``disclosure``."""
    if rules is None:
        rules = _rules_from_manifest(folder)
    release = _Release(folder, rules)
    checks = [
        release.files(),
        release.schemas(),
    ]
    if all(c.passed for c in checks):
        checks += [
            release.counts(),
            release.flags(),
            release.rates(),
            release.document_rates(),
            release.derived(),
            release.subtraction(),
            release.complements(),
            release.across_releases(),
            release.identifiers(),
            release.geometry(),
            release.added_value(),
            release.evaluations(),
        ]
    return Verdict(all(c.passed for c in checks), checks)


def _rules_from_manifest(folder: Path) -> Rules:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    disclosure = manifest["disclosure"]
    methods = manifest.get("methods", {})
    return Rules(
        threshold=int(disclosure["threshold"]),
        rounding=int(disclosure["rounding"]),
        protection=int(methods.get("disclosure_protection", 2)),
        confidence=float(methods.get("confidence", 0.95)),
    )


Row = dict[str, Any]


# Format 1's names of the counts this checker compares across releases (docs/release.md).
FORMAT_1_NAMES = {
    "observed_children": "observed_population",
    "observed_not_gld": "observed_events",
    "future_children": "future_population",
    "expected_not_ready": "expected_events",
    "children": "population",
    "not_gld": "events",
}


class _Release:
    def __init__(self, folder: Path, rules: Rules) -> None:
        self.folder = folder
        self.rules = rules
        self._tables: dict[str, list[Row]] = {}

    def rows(self, name: str) -> list[Row]:
        if name not in self._tables:
            rows = pq.read_table(self.folder / name).to_pylist()
            manifest = _read_json(self.folder / "manifest.json")
            if isinstance(manifest, dict) and manifest.get("format_version") == 1:
                # An earlier release beside this one, published before the outcome-neutral names.
                rows = [{FORMAT_1_NAMES.get(k, k): v for k, v in row.items()} for row in rows]
            self._tables[name] = rows
        return self._tables[name]

    # --- files and schemas
    def files(self) -> Check:
        check = Check("files_as_contract")
        present = {p.name for p in self.folder.iterdir()} - {"manifest.json"}
        check.looked_at = len(present)
        for name in sorted(CONTRACT_FILES - present):
            check.fail(f"{name} is missing")
        for name in sorted(present - CONTRACT_FILES - OPTIONAL_FILES):
            if not EVALUATION_FILE.fullmatch(name):
                check.fail(f"{name} is not part of a release")
        return check

    def has(self, name: str) -> bool:
        return (self.folder / name).is_file()

    def schemas(self) -> Check:
        check = Check("tables_match_contract")
        for name, columns in CONTRACT_COLUMNS.items():
            if name in OPTIONAL_FILES and not self.has(name):
                continue
            try:
                found = pq.read_schema(self.folder / name)
            except (OSError, pa.ArrowException):
                check.fail(f"{name} cannot be read as Parquet")
                continue
            actual = [(f.name, str(f.type)) for f in found]
            check.looked_at += len(actual)
            if actual != columns:
                wanted = {c for c, _ in columns}
                extra = [c for c, _ in actual if c not in wanted]
                missing = [c for c, _ in columns if c not in {a for a, _ in actual}]
                check.fail(
                    f"{name} columns differ from the contract"
                    + (f" (unexpected: {', '.join(extra)})" if extra else "")
                    + (f" (missing: {', '.join(missing)})" if missing else "")
                )
        return check

    # --- counts
    def count_ok(self, value: Any) -> bool:
        return publishable_count(value, self.rules.threshold, self.rules.rounding)

    def _cells(self) -> Iterator[tuple[str, int, Row, str]]:
        for column in ("observed_population", "observed_events", "future_population"):
            for i, row in enumerate(self.rows("areas.parquet")):
                yield "areas.parquet", i, row, column
        for column in ("population", "events"):
            for i, row in enumerate(self.rows("trend.parquet")):
                yield "trend.parquet", i, row, column
        for i, row in enumerate(self.rows("benchmarks.parquet")):
            yield "benchmarks.parquet", i, row, "denominator"

    def counts(self) -> Check:
        check = Check("counts_rounded_or_withheld")
        for table, i, row, column in self._cells():
            check.looked_at += 1
            if not self.count_ok(row[column]):
                check.fail(f"{_where(table, i, row)} {column}: {UNSAFE_COUNT}")
        for i, group in enumerate(self._fairness_groups()):
            for name in FAIRNESS_COUNTS:
                if name in group:
                    check.looked_at += 1
                    if not self.count_ok(group[name]):
                        check.fail(f"fairness.json group {i + 1} {name}: {UNSAFE_COUNT}")
        for where, item in self._summary_shares():
            for name in ("count", "of"):
                check.looked_at += 1
                if not self.count_ok(item.get(name)):
                    check.fail(f"{where} {name}: {UNSAFE_COUNT}")
        return check

    def _fairness_groups(self) -> list[Row]:
        data = _read_json(self.folder / "fairness.json")
        groups = data.get("groups", []) if isinstance(data, dict) else []
        return [g for g in groups if isinstance(g, dict)]

    def _summary_shares(self) -> Iterator[tuple[str, Row]]:
        for name in SUMMARY_FILES:
            for path, item in _objects(_read_json(self.folder / name), name):
                if {"share", "count", "of"} <= set(item):
                    yield path, item

    def flags(self) -> Check:
        check = Check("withheld_cells_flagged")
        for i, row in enumerate(self.rows("areas.parquet")):
            check.looked_at += 2
            hidden = row["observed_population"] is None or row["observed_events"] is None
            if row["observed_suppressed"] is not hidden:
                check.fail(
                    f"{_where('areas.parquet', i, row)} observed_suppressed: {FLAG_MISMATCH}"
                )
            if row["future_suppressed"] is not (row["future_population"] is None):
                check.fail(f"{_where('areas.parquet', i, row)} future_suppressed: {FLAG_MISMATCH}")
        for i, row in enumerate(self.rows("trend.parquet")):
            check.looked_at += 1
            observed = row["kind"] == "observed"
            hidden = row["population"] is None or (observed and row["events"] is None)
            if row["kind"] not in ("observed", "expected"):
                check.fail(
                    f"{_where('trend.parquet', i, row)} kind is neither observed nor expected"
                )
            if row["suppressed"] is not hidden:
                check.fail(f"{_where('trend.parquet', i, row)} suppressed: {FLAG_MISMATCH}")
            if not observed and row["events"] is not None:
                check.fail(f"{_where('trend.parquet', i, row)} an expected row publishes events")
        return check

    # --- rates
    def wilson(self, events: int, total: int) -> tuple[float, float]:
        z = NormalDist().inv_cdf(0.5 + self.rules.confidence / 2)
        p = events / total
        middle = (p + z * z / (2 * total)) / (1 + z * z / total)
        spread = z / (1 + z * z / total) * math.sqrt(p * (1 - p) / total + z * z / (4 * total**2))
        low = 0.0 if events == 0 else max(0.0, middle - spread)
        high = 1.0 if events == total else min(1.0, middle + spread)
        return low, high

    def _proportion(
        self, check: Check, where: str, events: Any, total: Any, value: Any, low: Any, high: Any
    ) -> None:
        if events is None or total is None or total == 0:
            if any(v is not None for v in (value, low, high)):
                check.fail(f"{where} a rate is published without its numerator and denominator")
            return
        check.looked_at += 1
        if events > total:
            check.fail(f"{where} the numerator exceeds the denominator")
            return
        expected = events / total
        w_low, w_high = self.wilson(events, total)
        if not (_close(value, expected) and _close(low, w_low) and _close(high, w_high)):
            check.fail(
                f"{where} the rate or its Wilson interval does not follow from the published counts"
            )

    def rates(self) -> Check:
        check = Check("rates_from_published_counts")
        for i, row in enumerate(self.rows("areas.parquet")):
            where = _where("areas.parquet", i, row)
            self._proportion(
                check,
                where,
                row["observed_events"],
                row["observed_population"],
                row["observed_rate"],
                row["observed_low"],
                row["observed_high"],
            )
            self._expected(
                check,
                where,
                row["future_population"],
                (row["expected_events"], row["expected_low"], row["expected_high"]),
                (row["expected_rate"], row["expected_rate_low"], row["expected_rate_high"]),
            )
            self._ordered(
                check, where, row["shrunken_low"], row["shrunken_rate"], row["shrunken_high"]
            )
            self._ordered(check, where, row["rank_low"], row["rank"], row["rank_high"], unit=False)
        for i, row in enumerate(self.rows("trend.parquet")):
            where = _where("trend.parquet", i, row)
            if row["kind"] == "observed":
                self._proportion(
                    check,
                    where,
                    row["events"],
                    row["population"],
                    row["rate"],
                    row["low"],
                    row["high"],
                )
            else:
                self._ordered(check, where, row["low"], row["rate"], row["high"])
                if row["rate"] is not None and not row["population"]:
                    check.fail(f"{where} an expected rate is published without its population")
        for i, row in enumerate(self.rows("benchmarks.parquet")):
            where = _where("benchmarks.parquet", i, row)
            if (
                row["measure"] == "observed_rate"
                and row["value"] is not None
                and row["denominator"]
            ):
                implied = row["value"] * row["denominator"]
                events = round(implied)
                if abs(implied - events) > 1e-6 or not self.count_ok(events):
                    check.fail(
                        f"{where} the rate implies a numerator that is not a publishable count"
                    )
                    continue
                self._proportion(
                    check, where, events, row["denominator"], row["value"], row["low"], row["high"]
                )
            else:
                if row["value"] is not None and not row["denominator"]:
                    check.fail(f"{where} a benchmark is published without its denominator")
                self._ordered(check, where, row["low"], row["value"], row["high"])
        return check

    def _expected(
        self,
        check: Check,
        where: str,
        population: Any,
        numbers: tuple[Any, ...],
        rates: tuple[Any, ...],
    ) -> None:
        if not population:
            if any(v is not None for v in (*numbers, *rates)):
                check.fail(f"{where} expected need is published without its population")
            return
        check.looked_at += 1
        if any(v is None for v in (*numbers, *rates)):
            check.fail(f"{where} expected need is incomplete")
            return
        for number, rate in zip(numbers, rates, strict=True):
            if round(number, 1) != number or not _close(rate, min(1.0, number / population)):
                check.fail(f"{where} the expected rate does not follow from the published figures")
                return
        self._ordered(check, where, numbers[1], numbers[0], numbers[2], unit=False)
        self._ordered(check, where, rates[1], rates[0], rates[2])

    def _ordered(
        self, check: Check, where: str, low: Any, value: Any, high: Any, unit: bool = True
    ) -> None:
        present = [v is not None for v in (low, value, high)]
        if not any(present):
            return
        if not all(present):
            check.fail(f"{where} an estimate is published without its interval")
            return
        if not low - TOLERANCE <= value <= high + TOLERANCE:
            check.fail(f"{where} a value lies outside its interval")
        if unit and not (low >= -TOLERANCE and high <= 1 + TOLERANCE):
            check.fail(f"{where} a rate lies outside 0..1")

    # --- rates in the documents
    def _document_rate(
        self, check: Check, where: str, value: Any, events: Any, total: Any, interval: Any
    ) -> None:
        """``value`` is ``events`` / ``total`` as published (four decimals), or withheld with
        them; ``interval`` (when given, [low, high]) is their Wilson interval."""
        bounds = interval if isinstance(interval, list) else [interval]
        if not isinstance(events, int) or not isinstance(total, int) or total == 0:
            if value is not None or any(b is not None for b in bounds):
                check.fail(f"{where}: a rate is published without its published counts")
            return
        check.looked_at += 1
        if not _near(value, events / total):
            check.fail(f"{where}: {value} is not {events} / {total}")
        if interval is not None and isinstance(interval, list):
            low, high = self.wilson(events, total)
            if not (_near(interval[0], low) and _near(interval[1], high)):
                check.fail(f"{where}: the interval is not the Wilson interval of {events}/{total}")

    def document_rates(self) -> Check:
        check = Check("document_rates_from_published_counts")
        groups = self._fairness_groups()
        data = _read_json(self.folder / "fairness.json")
        references = data.get("reference", {}) if isinstance(data, dict) else {}
        by_name = {(g.get("attribute"), g.get("group")): g for g in groups}
        for i, group in enumerate(groups):
            where = f"fairness.json group {i + 1}"
            if "with_outcome" not in group:
                for name in (*FAIRNESS_RATES, "calibration"):
                    if group.get(name) is not None:
                        check.fail(f"{where} {name}: a rate is published without its counts")
                continue
            for name, (events, total) in FAIRNESS_RATES.items():
                self._document_rate(
                    check,
                    f"{where} {name}",
                    group.get(name),
                    group.get(events),
                    group.get(total),
                    group.get(f"{name}_interval"),
                )
            reference = by_name.get(
                (group.get("attribute"), references.get(group.get("attribute")))
            )
            for name in ("fnr", "fpr", "precision"):
                self._ratio(check, f"{where} {name}_ratio", group, reference, name)
            self._calibration(check, where, group)
            self._lone_parts(check, where, group)
        for where, item in self._summary_shares():
            self._document_rate(
                check, where, item["share"], item["count"], item["of"], item.get("interval_95")
            )
        for name in SUMMARY_FILES:
            for where, value in _fractions(_read_json(self.folder / name), name):
                check.fail(f"{where}: {value} is a fraction without the counts it comes from")
        return check

    def _ratio(
        self, check: Check, where: str, group: Row, reference: Row | None, name: str
    ) -> None:
        value = group.get(f"{name}_ratio")
        if value is None:
            return
        check.looked_at += 1
        events, total = FAIRNESS_RATES[name]
        parts = [group.get(events), group.get(total)]
        if reference is not None:
            parts += [reference.get(events), reference.get(total)]
        counts = [v for v in parts if isinstance(v, int)]
        if len(counts) < 4 or not all(v > 0 for v in counts[1::2]):
            check.fail(f"{where}: a ratio is published without the published counts of both")
            return
        if not counts[2] or not _near(value, (counts[0] / counts[1]) / (counts[2] / counts[3])):
            check.fail(f"{where}: {value} is not the ratio of the published rates")
            return
        bounds = group.get(f"{name}_ratio_interval") or [None, None]
        if group is reference or counts[0] == 0:
            if any(b is not None for b in bounds):
                check.fail(f"{where}: an interval is given where the counts allow none")
            return
        z = NormalDist().inv_cdf(0.5 + self.rules.confidence / 2)
        spread = z * math.sqrt(1 / counts[0] - 1 / counts[1] + 1 / counts[2] - 1 / counts[3])
        ratio = (counts[0] / counts[1]) / (counts[2] / counts[3])
        low, high = ratio * math.exp(-spread), ratio * math.exp(spread)
        if not (_near(bounds[0], low) and _near(bounds[1], high)):
            check.fail(f"{where}: the interval is not the log-scale interval of the counts")

    def _calibration(self, check: Check, where: str, group: Row) -> None:
        size, expected = group.get("size"), group.get("expected")
        predicted, calibration = group.get("predicted_rate"), group.get("calibration")
        if not isinstance(size, int) or not size or expected is None:
            if predicted is not None or calibration is not None:
                check.fail(f"{where}: a predicted rate is published without its size")
            return
        check.looked_at += 1
        if not _near(predicted, expected / size):
            check.fail(f"{where}: the predicted rate is not the expected number over the size")
        observed = group.get("observed_rate")
        if calibration is not None and (
            observed is None or abs(calibration - (observed - predicted)) > 2 * DISPLAYED
        ):
            check.fail(f"{where}: calibration is not the observed rate minus the predicted")
        bounds = group.get("calibration_interval") or [None, None]
        events = group.get("with_outcome")
        if calibration is None or not isinstance(events, int):
            if any(b is not None for b in bounds):
                check.fail(f"{where}: a calibration interval is given without its counts")
            return
        low, high = self.wilson(events, size)
        if not (
            _near(bounds[0], low - expected / size) and _near(bounds[1], high - expected / size)
        ):
            check.fail(f"{where}: the calibration interval does not follow from the counts")

    def _lone_parts(self, check: Check, where: str, group: Row) -> None:
        for total, parts in FAIRNESS_SUMS:
            check.looked_at += 1
            hidden = [p for p in parts if group.get(p) is None]
            if group.get(total) is not None and len(hidden) == 1:
                check.fail(
                    f"{where}: {hidden[0]} is withheld but follows from {total} minus the rest"
                )

    # --- nothing derived from withheld or empty denominators
    def derived(self) -> Check:
        check = Check("nothing_from_withheld_counts")
        published = set()
        observed_columns = (
            "observed_rate",
            "observed_low",
            "observed_high",
            "shrunken_rate",
            "shrunken_low",
            "shrunken_high",
        )
        future_columns = (
            "expected_events", "expected_low", "expected_high", "expected_rate",
            "expected_rate_low", "expected_rate_high", "rank", "rank_low", "rank_high",
            "vs_district", "vs_county", "hotspot", "hotspot_p",
        )  # fmt: skip
        for i, row in enumerate(self.rows("areas.parquet")):
            where = _where("areas.parquet", i, row)
            check.looked_at += 1
            if not row["observed_population"] or row["observed_events"] is None:
                for column in observed_columns:
                    if row[column] is not None:
                        check.fail(f"{where} {column} is published though its counts are withheld")
            if not row["future_population"]:
                for column in future_columns:
                    if row[column] is not None:
                        check.fail(
                            f"{where} {column} is published though its population is withheld"
                        )
                if row["flagged"] or row["flag_reasons"]:
                    check.fail(f"{where} an area without published figures is flagged")
            else:
                published.add(row["lsoa11cd"])
            if row["flag_reasons"] and not row["flagged"]:
                check.fail(f"{where} reasons are given for an area that is not flagged")
        for i, row in enumerate(self.rows("drivers.parquet")):
            check.looked_at += 1
            if row["lsoa11cd"] not in published:
                check.fail(
                    f"{_where('drivers.parquet', i, row)} drivers for an area without figures"
                )
        return check

    # --- subtraction
    def subtraction(self) -> Check:
        check = Check("no_recovery_by_subtraction")
        groups = list(self._groups())
        for total_id, total, members in groups:
            check.looked_at += 1
            if total is not None and sum(1 for _, value in members if value is None) == 1:
                check.fail(f"{total_id}: one withheld cell under a published total")
        for name, width in _attack(groups, self.rules.rounding, self.rules.threshold):
            if width < self.rules.protection:
                check.fail(f"{name}: a withheld cell can be narrowed to {width} value(s)")
        return check

    def _groups(self) -> Iterator[tuple[str, Any, list[tuple[str, Any]]]]:
        """(total's id, published total, [(member's id, published value)]) for every additive
        relation. Ids are shared: an LSOA's total is also a member of its district's."""
        areas = self.rows("areas.parquet")
        totals = {
            "observed:population": "observed_population",
            "observed:events": "observed_events",
            "expected:population": "future_population",
        }
        cells: dict[tuple[str, str], list[tuple[str, Any]]] = {}
        for row in self.rows("trend.parquet"):
            kind, code, cohort = row["kind"], row["lsoa11cd"], row["cohort"]
            columns = ("population", "events") if kind == "observed" else ("population",)
            for column in columns:
                key = f"{kind}:{column}"
                cell_id = f"trend {code} cohort {cohort} {key}"
                cells.setdefault((code, key), []).append((cell_id, row[column]))
        for row in areas:
            for key, column in totals.items():
                members = cells.get((row["lsoa11cd"], key))
                if members:
                    yield _area_id(row["lsoa11cd"], key), row[column], members
        district: dict[tuple[str, str], Any] = {}
        county: dict[tuple[str, str], Any] = {}
        for row in self.rows("benchmarks.parquet"):
            for key, value in _benchmark_counts(row).items():
                if row["level"] == "district":
                    district[(row["code"], key)] = value
                elif row["level"] == "county":
                    county[(row["code"], key)] = value
        for (code, key), total in sorted(district.items()):
            members = [
                (_area_id(row["lsoa11cd"], key), row[totals[key]])
                for row in areas
                if row["lad_code"] == code
            ]
            yield f"district {code} {key}", total, members
        for (code, key), total in sorted(county.items()):
            members = [
                (f"district {d} {k}", value)
                for (d, k), value in sorted(district.items())
                if k == key
            ]
            yield f"county {code} {key}", total, members
        yield from self._complement_groups(cells, areas, district, county)

    def _complement_groups(
        self,
        cells: dict[tuple[str, str], list[tuple[str, Any]]],
        areas: list[Row],
        district: dict[tuple[str, str], Any],
        county: dict[tuple[str, str], Any],
    ) -> Iterator[tuple[str, Any, list[tuple[str, Any]]]]:
        """population = events + the others, for every observed cell and total: the
        others are withheld whenever the events are."""
        pairs: list[tuple[str, Any, Any]] = []
        for code, key in cells:
            if key == "observed:population":
                population = cells[(code, key)]
                events = cells.get((code, "observed:events"), [])
                for (cell_id, total), (_, count) in zip(population, events, strict=True):
                    pairs.append((cell_id.removesuffix("observed:population"), total, count))
        for row in areas:
            pairs.append(
                (
                    _area_id(row["lsoa11cd"], ""),
                    row["observed_population"],
                    row["observed_events"],
                )
            )
        for level, values in (("district", district), ("county", county)):
            for (code, key), total in sorted(values.items()):
                if key == "observed:population":
                    pairs.append((f"{level} {code} ", total, values.get((code, "observed:events"))))
        for prefix, total, count in pairs:
            others = None if count is None else DERIVED
            yield (
                f"{prefix}observed:population",
                total,
                [(f"{prefix}observed:events", count), (f"{prefix}observed:others", others)],
            )

    # --- other releases of the same area
    def others(self) -> list[_Release]:
        """The other releases of this recipe and area beside this one in its folder."""
        own_id = self.folder.name.removesuffix(".partial")
        recipe = own_id.rsplit("-", 2)[0]
        codes = sorted(row["lsoa11cd"] for row in self.rows("areas.parquet"))
        found = []
        for path in sorted(self.folder.parent.iterdir()):
            manifest = _read_json(path / "manifest.json")
            if path == self.folder or path.name == own_id or not isinstance(manifest, dict):
                continue
            if (manifest.get("recipe") or {}).get("id") != recipe:
                continue
            other = _Release(path, self.rules)
            try:
                same_area = sorted(r["lsoa11cd"] for r in other.rows("areas.parquet")) == codes
            except (OSError, pa.ArrowException):
                continue
            if same_area:
                found.append(other)
        return found

    def _same_units(self) -> dict[str, Any]:
        """Every count keyed by the units it describes (cohort cells always; totals with the
        observed cohorts they cover)."""
        cohorts = sorted(
            {r["cohort"] for r in self.rows("trend.parquet") if r["kind"] == "observed"}
        )
        span = ",".join(map(str, cohorts))
        counts: dict[str, Any] = {}
        for row in self.rows("trend.parquet"):
            if row["kind"] == "observed":
                for column in ("population", "events"):
                    counts[f"{row['lsoa11cd']} cohort {row['cohort']} {column}"] = row[column]
        for row in self.rows("areas.parquet"):
            for column in ("observed_population", "observed_events"):
                counts[f"{row['lsoa11cd']} cohorts {span} {column}"] = row[column]
        for row in self.rows("benchmarks.parquet"):
            for key, value in _benchmark_counts(row).items():
                if key.startswith("observed"):
                    counts[f"{row['level']} {row['code']} cohorts {span} {key}"] = value
        return counts

    def across_releases(self) -> Check:
        check = Check("no_recovery_across_releases")
        own = self._same_units()
        own_groups = list(self._groups())
        for other in self.others():
            theirs = other._same_units()
            for key in sorted(own.keys() & theirs.keys()):
                check.looked_at += 1
                a, b = own[key], theirs[key]
                if a is None or b is None or a == b:
                    continue
                (a_low, a_high), (b_low, b_high) = self.interval(a), self.interval(b)
                if max(a_low - b_high, b_low - a_high) <= self.rules.threshold:
                    check.fail(
                        f"{key}: {a} here and {b} in {other.folder.name} differ by "
                        f"{self.rules.threshold} or fewer units"
                    )
            theirs_groups = list(other._groups())
            joint = own_groups + _renamed(theirs_groups, other.folder.name, own, theirs)
            alone = dict(
                _attack(
                    _renamed(theirs_groups, other.folder.name, own, theirs),
                    self.rules.rounding,
                    self.rules.threshold,
                )
            )
            widths = _attack(joint, self.rules.rounding, self.rules.threshold)
            if any(width <= 0 for _, width in widths):
                # The two contradict each other if nothing changed: an attacker learns that
                # records changed between them, and cannot combine their sums.
                continue
            for name, width in widths:
                if width < min(self.rules.protection, alone.get(name, width + 1)):
                    check.fail(
                        f"{name}: narrowed to {width} value(s) with {other.folder.name} beside it"
                    )
        return check

    # --- complements
    def interval(self, value: Any) -> tuple[int, int]:
        """The counts a published value stands for."""
        down, up = self.rules.rounding // 2, (self.rules.rounding - 1) // 2
        smallest = self.rules.rounding * (self.rules.threshold // self.rules.rounding + 1)
        if value == 0:
            return 0, 0
        return (self.rules.threshold + 1 if value == smallest else value - down), value + up

    def _telling_pair(self, events: Any, population: Any) -> bool:
        """A published pair whose complement can only be 0..T (with someone in the group)."""
        if not isinstance(events, int) or not isinstance(population, int) or population <= 0:
            return False
        _, most = self.interval(population)
        least, _ = self.interval(events)
        return most - least <= self.rules.threshold

    def complements(self) -> Check:
        check = Check("no_disclosure_by_complement")
        for where, events, population in self._published_pairs():
            check.looked_at += 1
            if self._telling_pair(events, population):
                check.fail(
                    f"{where}: {events} of {population} leaves a complement of "
                    f"{self.rules.threshold} or fewer (every member, or all but a few, "
                    "has the outcome)"
                )
        return check

    def _published_pairs(self) -> Iterator[tuple[str, Any, Any]]:
        for i, group in enumerate(self._fairness_groups()):
            for name, (events, total) in FAIRNESS_RATES.items():
                yield f"fairness.json group {i + 1} {name}", group.get(events), group.get(total)
        for where, item in self._summary_shares():
            yield where, item["count"], item["of"]
        for i, row in enumerate(self.rows("areas.parquet")):
            where = _where("areas.parquet", i, row)
            yield where, row["observed_events"], row["observed_population"]
        for i, row in enumerate(self.rows("trend.parquet")):
            if row["kind"] == "observed":
                yield _where("trend.parquet", i, row), row["events"], row["population"]
        for i, row in enumerate(self.rows("benchmarks.parquet")):
            counts = _benchmark_counts(row)
            if "observed:events" in counts:
                yield (
                    _where("benchmarks.parquet", i, row),
                    counts["observed:events"],
                    counts["observed:population"],
                )

    # --- identifiers
    def identifiers(self) -> Check:
        check = Check("no_identifiers")
        for name in (*TABLE_FILES, *sorted(n for n in OPTIONAL_FILES if self.has(n))):
            schema = pq.read_schema(self.folder / name)
            for column in schema.names:
                check.looked_at += 1
                if IDENTIFIER_NAME.search(column):
                    check.fail(f"{name} column {column} is named like a personal identifier")
            for i, row in enumerate(self.rows(name)):
                for column, value in row.items():
                    if isinstance(value, str):
                        check.looked_at += 1
                        for kind in identifier_kinds(value):
                            check.fail(f"{_where(name, i, row)} {column}: text like a {kind}")
        for name in DOCUMENT_FILES:
            text = (self.folder / name).read_text(encoding="utf-8")
            check.looked_at += 1
            for kind in identifier_kinds(text):
                check.fail(f"{name} holds text that looks like a {kind}")
            if name.endswith(".json"):
                for key in _keys(_read_json(self.folder / name)):
                    if IDENTIFIER_NAME.search(key) and key not in ("size",):
                        check.fail(f"{name} has a field named like a personal identifier ({key})")
        text = (self.folder / "geometry.geojson").read_text(encoding="utf-8")
        for kind in identifier_kinds(text):
            check.fail(f"geometry.geojson holds text that looks like a {kind}")
        for name in self.evaluation_files():
            check.looked_at += 1
            data = (self.folder / name).read_bytes()
            # A drawing's words are its text and comments (matplotlib draws letters as paths and
            # names each in a comment); its coordinates are long numbers, not identifiers.
            text = _drawing_words(data) if name.endswith(".svg") else data.decode(errors="replace")
            for kind in identifier_kinds(text):
                check.fail(f"{name} holds text that looks like a {kind}")
        return check

    # --- evaluations of interventions
    def evaluation_files(self) -> list[str]:
        return sorted(p.name for p in self.folder.iterdir() if EVALUATION_FILE.fullmatch(p.name))

    def evaluations(self) -> Check:
        check = Check("evaluations_publishable")
        shorts = sorted({name[len("evaluation-") :][:12] for name in self.evaluation_files()})
        for short in shorts:
            check.looked_at += 1
            stem = f"evaluation-{short}"
            missing = [stem + part for part in EVALUATION_PARTS if not self.has(stem + part)]
            if missing:
                check.fail(f"{stem}: {', '.join(missing)} missing")
                continue
            result = _read_json(self.folder / f"{stem}.json")
            if not isinstance(result, dict):
                check.fail(f"{stem}.json is not a JSON object")
                continue
            self._evaluation_result(check, stem, short, result)
            for table, csv_part in (("event_study", "-event_study.csv"),
                                    ("trajectories", "-trajectories.csv")):  # fmt: skip
                self._evaluation_csv(check, stem + csv_part, result.get(table))
            for svg_part in ("-event_study.svg", "-trajectories.svg"):
                self._evaluation_svg(check, stem + svg_part)
        return check

    def _evaluation_result(self, check: Check, stem: str, short: str, result: Row) -> None:
        where = f"{stem}.json"
        unknown = sorted(set(result) - EVALUATION_FIELDS)
        if unknown:
            check.fail(f"{where}: fields not of an evaluation result ({', '.join(unknown)})")
        plan_hash = result.get("plan_hash")
        if not isinstance(plan_hash, str) or not re.fullmatch(r"[0-9a-f]{64}", plan_hash):
            check.fail(f"{where}: plan_hash is not 64 hex digits")
        elif not plan_hash.startswith(short):
            check.fail(f"{where}: named {short} but of plan {plan_hash[:12]}")
        for group in ("n_treated", "n_comparison"):
            value = result.get(group)
            if not isinstance(value, int) or value < EVALUATION_MIN_AREAS:
                check.fail(
                    f"{where}: {group} {value!r}; a group mean over fewer than "
                    f"{EVALUATION_MIN_AREAS} areas is close to an area's rate"
                )
        balance = result.get("balance")
        if not isinstance(balance, dict) or set(balance) != EVALUATION_BALANCE:
            check.fail(f"{where}: balance holds other than the groups' pre-period means")
        for table, shapes in EVALUATION_TABLES.items():
            rows = result.get(table)
            if not isinstance(rows, list):
                check.fail(f"{where}: {table} is not a list of rows")
                continue
            for i, row in enumerate(rows):
                if not isinstance(row, dict) or tuple(row) not in shapes:
                    check.fail(f"{where}: {table} row {i + 1} holds other than {shapes[0]}")
                elif not all(_finite(value) for value in row.values()):
                    check.fail(f"{where}: {table} row {i + 1} holds other than numbers")

    def _evaluation_csv(self, check: Check, name: str, rows: Any) -> None:
        try:
            text = (self.folder / name).read_text(encoding="utf-8")
            table = list(csv.reader(io.StringIO(text)))
        except (UnicodeDecodeError, csv.Error):
            check.fail(f"{name} is not a CSV table")
            return
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            return  # the result's own check says why
        header = list(rows[0]) if rows else []
        expected = [header, *([str(row[c]) for c in header] for row in rows)]
        found = [line for line in table if line]
        if (
            len(found) != len(expected)
            or found[0] != header
            or any(not _same_numbers(a, b) for a, b in zip(found[1:], expected[1:], strict=True))
        ):
            check.fail(f"{name} does not hold exactly its result's table")

    def _evaluation_svg(self, check: Check, name: str) -> None:
        try:
            root = ElementTree.fromstring((self.folder / name).read_bytes())
        except ElementTree.ParseError:
            check.fail(f"{name} is not an SVG drawing")
            return
        if root.tag != f"{SVG}svg":
            check.fail(f"{name} is not an SVG drawing")
        for element in root.iter():
            tag = str(element.tag).removeprefix(SVG)
            if tag in ("script", "foreignObject"):
                check.fail(f"{name} holds a {tag} element")
            if element.text and OUTSIDE_URL.search(element.text):
                check.fail(f"{name} refers outside itself (in a {tag}'s text)")
            for attribute, value in element.attrib.items():
                local = attribute.rsplit("}", 1)[-1]
                if local.lower().startswith("on"):
                    check.fail(f"{name} holds an event handler ({local})")
                outside = local == "href" and not value.startswith("#")
                if outside or OUTSIDE_URL.search(value):
                    check.fail(f"{name} refers outside itself ({local}: {value[:40]})")

    # --- the model against what services already knew
    def added_value(self) -> Check:
        check = Check("added_value_from_published_counts")
        if not self.has(ADDED_VALUE):
            return check
        rows = self.rows(ADDED_VALUE)
        counts: dict[tuple[str, str], Any] = {}
        seen: set[tuple[str, str | None, str]] = set()
        for i, row in enumerate(rows):
            check.looked_at += 1
            section, ranking, measure = row["section"], row["ranking"], row["measure"]
            where = f"{ADDED_VALUE} row {i + 1} ({section} {ranking or ''} {measure})"
            if (section, ranking, measure) in seen:
                check.fail(f"{where}: a figure given twice")
            seen.add((section, ranking, measure))
            if section == "ranking":
                self._added_ranking(check, where, row)
            elif section in ADDED_COUNTS and measure in ADDED_COUNTS[section]:
                counts[(section, measure)] = row["count"]
                if not self.count_ok(row["count"]):
                    check.fail(f"{where}: {UNSAFE_COUNT}")
                if row["suppressed"] != (row["count"] is None):
                    check.fail(f"{where}: the suppressed flag {FLAG_MISMATCH}")
                if any(row[name] is not None for name in ("value", "low", "high")):
                    check.fail(f"{where}: a count carries a figure")
            elif section in ADDED_SHARES and (
                measure in ADDED_SHARES[section] or measure == "expected_events_unknown"
            ):
                continue  # checked below, against the counts of its section
            elif section == "areas" and measure in ADDED_AREAS and ranking is None:
                continue
            else:
                check.fail(f"{where}: not a figure of the contract (never a list)")
        for i, row in enumerate(rows):
            section, measure = row["section"], row["measure"]
            where = f"{ADDED_VALUE} row {i + 1} ({section} {measure})"
            if section in ADDED_SHARES and measure in ADDED_SHARES[section]:
                part, whole = ADDED_SHARES[section][measure]
                self._added_share(
                    check, where, row, counts.get((section, part)), counts.get((section, whole))
                )
            elif measure == "expected_events_unknown" and section == "coming":
                withheld = counts.get(("coming", "unknown")) is None
                if withheld != (row["value"] is None) or row["suppressed"] != withheld:
                    check.fail(f"{where}: shown only when the count it sums is published")
                if row["value"] is not None and not row["low"] <= row["value"] <= row["high"]:
                    check.fail(f"{where}: the value lies outside its interval")
        for section, pairs in ADDED_PAIRS.items():
            for part, whole in pairs:
                if self._telling_pair(counts.get((section, part)), counts.get((section, whole))):
                    check.fail(
                        f"{ADDED_VALUE} {section} {part} of {whole}: the rest can only be "
                        f"{self.rules.threshold} or fewer"
                    )
        self._added_areas(check, rows)
        return check

    def _added_ranking(self, check: Check, where: str, row: Row) -> None:
        measure = str(row["measure"])
        base = measure.removeprefix("model_minus_")
        known = row["ranking"] in ADDED_RANKINGS and base in ADDED_RANKING_MEASURES
        if not known or (measure != base and row["ranking"] == "model"):
            check.fail(f"{where}: not a figure of the contract (never a list)")
            return
        if row["count"] is not None:
            check.fail(f"{where}: a ranking's figure carries a count")
        value, low, high = row["value"], row["low"], row["high"]
        bound = (-1.0, 1.0) if measure != base else (0.0, 1.0)
        for figure in (value, low, high):
            if figure is not None and not bound[0] <= figure <= bound[1]:
                check.fail(f"{where}: outside [{bound[0]}, {bound[1]}]")
        if None not in (value, low, high) and not low - DISPLAYED <= value <= high + DISPLAYED:
            check.fail(f"{where}: the value lies outside its interval")

    def _added_share(
        self, check: Check, where: str, row: Row, part: int | None, whole: int | None
    ) -> None:
        if row["count"] is not None:
            check.fail(f"{where}: a share carries a count")
        if part is None or whole is None or whole == 0:
            if row["value"] is not None or row["low"] is not None or row["high"] is not None:
                check.fail(f"{where}: a share is published without its published counts")
            if not row["suppressed"]:
                check.fail(f"{where}: the suppressed flag {FLAG_MISMATCH}")
            return
        low, high = self.wilson(part, whole)
        if not (
            _near(row["value"], part / whole)
            and _near(row["low"], low)
            and _near(row["high"], high)
        ):
            check.fail(
                f"{where}: the share or its Wilson interval does not follow from the published "
                "counts"
            )

    def _added_areas(self, check: Check, rows: list[Row]) -> None:
        areas = {row["measure"]: row["count"] for row in rows if row["section"] == "areas"}
        if not areas:
            return
        flagged = sum(1 for row in self.rows("areas.parquet") if row["flagged"])
        if areas.get("flagged") != flagged:
            check.fail(f"{ADDED_VALUE} areas flagged: not the {flagged} areas.parquet flags")
        missed = areas.get("flagged_not_most_deprived")
        if not isinstance(missed, int) or not 0 <= missed <= flagged:
            check.fail(f"{ADDED_VALUE} areas flagged_not_most_deprived: not 0 to {flagged}")

    def geometry(self) -> Check:
        check = Check("geometry_matches_areas")
        data = _read_json(self.folder / "geometry.geojson")
        features = data.get("features", []) if isinstance(data, dict) else []
        codes = []
        for i, feature in enumerate(features):
            check.looked_at += 1
            properties = feature.get("properties") or {}
            if set(properties) != {"lsoa11cd", "lsoa11nm"}:
                check.fail(
                    f"geometry.geojson feature {i + 1} has properties other than lsoa11cd, lsoa11nm"
                )
            codes.append(properties.get("lsoa11cd"))
        wanted = [row["lsoa11cd"] for row in self.rows("areas.parquet")]
        if sorted(codes, key=str) != sorted(wanted):
            check.fail(
                "geometry.geojson does not hold exactly one feature per LSOA of areas.parquet"
            )
        return check


def _benchmark_counts(row: Row) -> dict[str, Any]:
    """The counts a benchmark row publishes: its denominator and, for an observed rate, the
    numerator it implies."""
    if row["measure"] == "observed_rate":
        events = None
        if row["value"] is not None and row["denominator"] is not None:
            events = round(row["value"] * row["denominator"])
        return {"observed:population": row["denominator"], "observed:events": events}
    if row["measure"] == "expected_rate":
        return {"expected:population": row["denominator"]}
    return {}


def _attack(
    groups: list[tuple[str, Any, list[tuple[str, Any]]]], rounding: int, threshold: int
) -> list[tuple[str, int]]:
    """Bound every withheld count by interval arithmetic over all groups, to a fixed point, and
    give each one's number of possible values."""
    unbounded = 10**12
    down, up = rounding // 2, (rounding - 1) // 2
    # The smallest published count stands for every count from just above the threshold.
    smallest = rounding * (threshold // rounding + 1)

    def box(value: Any) -> list[int]:
        if value is None or value is DERIVED:
            return [0, unbounded]
        if value == 0:
            return [0, 0]
        return [threshold + 1 if value == smallest else value - down, value + up]

    boxes: dict[str, list[int]] = {}
    hidden: set[str] = set()
    relations: list[tuple[str, list[str]]] = []
    for total_id, total, members in groups:
        for name, value in [(total_id, total), *members]:
            new = box(value)
            old = boxes.setdefault(name, new)
            old[0], old[1] = max(old[0], new[0]), min(old[1], new[1])
            if value is None:
                hidden.add(name)
            elif value is DERIVED:
                hidden.discard(name)
        relations.append((total_id, [name for name, _ in members]))
    for _ in range(200):
        moved = False
        for total_id, ids in relations:
            low_sum = sum(boxes[i][0] for i in ids)
            high_sum = sum(boxes[i][1] for i in ids)
            t = boxes[total_id]
            if low_sum > t[0] or high_sum < t[1]:
                t[0], t[1] = max(t[0], low_sum), min(t[1], high_sum)
                moved = True
            for i in ids:
                b = boxes[i]
                low = t[0] - (high_sum - b[1])
                high = t[1] - (low_sum - b[0])
                if low > b[0] or high < b[1]:
                    b[0], b[1] = max(b[0], low), min(b[1], high)
                    moved = True
        if not moved:
            break
    return [(name, boxes[name][1] - boxes[name][0] + 1) for name in sorted(hidden)]


def _renamed(
    groups: list[tuple[str, Any, list[tuple[str, Any]]]],
    release: str,
    own: dict[str, Any],
    theirs: dict[str, Any],
) -> list[tuple[str, Any, list[tuple[str, Any]]]]:
    """Another release's groups under names of their own, but for the cohort cells whose
    published values agree with this release's (or one of which is withheld): those stay one
    unknown, as an attacker would take the same units to have the same count."""
    shared = {
        key
        for key in own.keys() & theirs.keys()
        if " cohort " in key
        and (own[key] is None or theirs[key] is None or own[key] == theirs[key])
    }

    def name(ident: str) -> str:
        # Cell ids read "trend <lsoa> cohort <c> observed:<column>".
        parts = ident.split(" ")
        if parts[0] == "trend" and len(parts) == 5 and parts[4].startswith("observed:"):
            column = parts[4].removeprefix("observed:")
            if f"{parts[1]} cohort {parts[3]} {column}" in shared:
                return ident
        return f"{release}: {ident}"

    return [
        (name(total_id), total, [(name(m), value) for m, value in members])
        for total_id, total, members in groups
    ]


def _area_id(code: str, key: str) -> str:
    return f"areas {code} {key}"


def identifier_kinds(text: str) -> list[str]:
    """The kinds of personal identifier (NHS number, NINO, UPN, full postcode) ``text`` holds
    something like; recipe packs are scanned with it too."""
    return [kind for kind, pattern in IDENTIFIER_TEXT.items() if pattern.search(text)]


def publishable_count(value: Any, threshold: int, rounding: int) -> bool:
    """Whether a published count obeys the rule: withheld (None), 0, or a multiple of the
    rounding base above the threshold."""
    if value is None:
        return True
    if not isinstance(value, int) or value < 0:
        return False
    return value == 0 or (value % rounding == 0 and value > threshold)


def _keys(data: Any) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield str(key)
            yield from _keys(value)
    elif isinstance(data, list):
        for item in data:
            yield from _keys(item)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _objects(data: Any, where: str) -> Iterator[tuple[str, Row]]:
    """Every JSON object in ``data`` with where it is."""
    if isinstance(data, dict):
        yield where, data
        for key, value in data.items():
            yield from _objects(value, f"{where} {key}")
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _objects(item, f"{where} [{i + 1}]")


def _fractions(data: Any, where: str) -> Iterator[tuple[str, float]]:
    """Numbers that are not whole, outside share objects and the model's own measures."""
    if isinstance(data, dict):
        if {"share", "count", "of"} <= set(data):
            return
        for key, value in data.items():
            if key not in MODEL_MEASURES:
                yield from _fractions(value, f"{where} {key}")
    elif isinstance(data, list):
        for i, item in enumerate(data):
            yield from _fractions(item, f"{where} [{i + 1}]")
    elif isinstance(data, float) and not data.is_integer():
        yield where, data


def _drawing_words(data: bytes) -> str:
    parser = ElementTree.XMLParser(target=ElementTree.TreeBuilder(insert_comments=True))
    try:
        root = ElementTree.fromstring(data, parser=parser)
    except ElementTree.ParseError:
        return data.decode(errors="replace")  # not a drawing: every character is read
    return "\n".join(
        part for node in root.iter() for part in (node.text, node.tail) if part and part.strip()
    )


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _same_numbers(found: list[str], expected: list[str]) -> bool:
    if len(found) != len(expected):
        return False
    try:
        return all(
            abs(float(a) - float(b)) <= TOLERANCE for a, b in zip(found, expected, strict=True)
        )
    except ValueError:
        return False


def _near(a: Any, b: float) -> bool:
    return isinstance(a, int | float) and abs(a - b) <= DISPLAYED


def _close(a: Any, b: float) -> bool:
    return a is not None and abs(a - b) <= TOLERANCE


def _where(table: str, index: int, row: Row) -> str:
    code = row.get("lsoa11cd") or row.get("code")
    return f"{table} row {index + 1}" + (f" ({code})" if code else "")
