"""The Arrow schemas of the release tables, as docs/release.md states them (the writer's copy;
the output checker keeps its own, so that a change here cannot silently pass the checker)."""

from __future__ import annotations

import pyarrow as pa

GEOGRAPHY = ("lsoa11cd", "lsoa11nm", "msoa11cd", "msoa11nm", "lad_code", "lad_name")

AREAS = pa.schema(
    [
        *(pa.field(name, pa.string()) for name in GEOGRAPHY),
        pa.field("imd_decile", pa.int8()),
        pa.field("observed_population", pa.int32()),
        pa.field("observed_events", pa.int32()),
        pa.field("observed_rate", pa.float64()),
        pa.field("observed_low", pa.float64()),
        pa.field("observed_high", pa.float64()),
        pa.field("observed_suppressed", pa.bool_()),
        pa.field("future_population", pa.int32()),
        pa.field("future_suppressed", pa.bool_()),
        pa.field("expected_events", pa.float64()),
        pa.field("expected_low", pa.float64()),
        pa.field("expected_high", pa.float64()),
        pa.field("expected_rate", pa.float64()),
        pa.field("expected_rate_low", pa.float64()),
        pa.field("expected_rate_high", pa.float64()),
        pa.field("shrunken_rate", pa.float64()),
        pa.field("shrunken_low", pa.float64()),
        pa.field("shrunken_high", pa.float64()),
        pa.field("rank", pa.int32()),
        pa.field("rank_low", pa.int32()),
        pa.field("rank_high", pa.int32()),
        pa.field("vs_district", pa.string()),
        pa.field("vs_county", pa.string()),
        pa.field("hotspot", pa.string()),
        pa.field("hotspot_p", pa.float64()),
        pa.field("flagged", pa.bool_()),
        pa.field("flag_reasons", pa.string()),
        pa.field("summary", pa.string()),
    ]
)

TREND = pa.schema(
    [
        pa.field("lsoa11cd", pa.string()),
        pa.field("cohort", pa.int16()),
        pa.field("population", pa.int32()),
        pa.field("events", pa.int32()),
        pa.field("rate", pa.float64()),
        pa.field("low", pa.float64()),
        pa.field("high", pa.float64()),
        pa.field("suppressed", pa.bool_()),
        pa.field("kind", pa.string()),
    ]
)

BENCHMARKS = pa.schema(
    [
        pa.field("level", pa.string()),
        pa.field("code", pa.string()),
        pa.field("name", pa.string()),
        pa.field("measure", pa.string()),
        pa.field("value", pa.float64()),
        pa.field("low", pa.float64()),
        pa.field("high", pa.float64()),
        pa.field("denominator", pa.int32()),
    ]
)

DRIVERS = pa.schema(
    [
        pa.field("lsoa11cd", pa.string()),
        pa.field("position", pa.int32()),
        pa.field("feature", pa.string()),
        pa.field("label", pa.string()),
        pa.field("contribution", pa.float64()),
        pa.field("text", pa.string()),
    ]
)

# The model against what services already knew (docs/adr/0023-added-value.md): one row per
# figure. ``section`` is ``ranking`` (a ranking's AUC, precision and recall at the capacity line,
# and the model minus it), ``test`` or ``coming`` (the units above the model's line and those
# known to no service: counts, shares, expected events) or ``areas`` (flagged areas a ranking
# by deprivation would not have picked: counts of areas, not of people).
ADDED_VALUE = pa.schema(
    [
        pa.field("section", pa.string()),
        pa.field("ranking", pa.string()),
        pa.field("measure", pa.string()),
        pa.field("count", pa.int32()),
        pa.field("value", pa.float64()),
        pa.field("low", pa.float64()),
        pa.field("high", pa.float64()),
        pa.field("suppressed", pa.bool_()),
    ]
)
