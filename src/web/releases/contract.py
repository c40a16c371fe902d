"""The release format of docs/release.md, as data: the files a release holds and the columns of
each table. The verifier checks a release against it; nothing else in the web app spells the
format out again."""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

FORMAT_VERSION = 2
MANIFEST = "manifest.json"
GEOMETRY = "geometry.geojson"

# <recipe id>-<yyyymmdd>-<first 8 hex of the run id>. Use it with ``fullmatch`` (or ``\Z``): a
# ``$`` lets a trailing newline through, and such an id breaks every page that links to it.
RELEASE_ID = re.compile(
    r"(?P<recipe>[a-z][a-z0-9\-]{0,62}[a-z0-9])-(?P<date>\d{8})-(?P<run>[0-9a-f]{8})"
)
# For validators that search rather than match (Django's RegexValidator): anchored at both ends.
RELEASE_ID_WHOLE = re.compile(r"\A(?:" + RELEASE_ID.pattern + r")\Z")


class Kind(Enum):
    """What a Parquet column must hold; any width of integer or float is accepted."""

    STRING = "text"
    INTEGER = "a whole number"
    FLOAT = "a number"
    BOOLEAN = "true or false"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    nullable: bool = True
    allowed: frozenset[str] | None = None


def _strings(*names: str, nullable: bool = False) -> tuple[Column, ...]:
    return tuple(Column(name, Kind.STRING, nullable=nullable) for name in names)


def _floats(*names: str) -> tuple[Column, ...]:
    return tuple(Column(name, Kind.FLOAT) for name in names)


def _integers(*names: str) -> tuple[Column, ...]:
    return tuple(Column(name, Kind.INTEGER) for name in names)


COMPARISONS = frozenset({"higher", "similar", "lower"})
HOTSPOTS = frozenset({"hot", "cold", "none"})
TREND_KINDS = frozenset({"observed", "expected"})
LEVELS = frozenset({"district", "county"})
BENCHMARK_MEASURES = frozenset({"observed_rate", "expected_rate"})

AREAS = "areas.parquet"
TREND = "trend.parquet"
BENCHMARKS = "benchmarks.parquet"
DRIVERS = "drivers.parquet"

TABLES: dict[str, tuple[Column, ...]] = {
    AREAS: (
        *_strings("lsoa11cd", "lsoa11nm", "msoa11cd", "msoa11nm", "lad_code", "lad_name"),
        Column("imd_decile", Kind.INTEGER),
        *_integers("observed_population", "observed_events"),
        *_floats("observed_rate", "observed_low", "observed_high"),
        Column("observed_suppressed", Kind.BOOLEAN, nullable=False),
        Column("future_population", Kind.INTEGER),
        Column("future_suppressed", Kind.BOOLEAN, nullable=False),
        *_floats("expected_events", "expected_low", "expected_high"),
        *_floats("expected_rate", "expected_rate_low", "expected_rate_high"),
        *_floats("shrunken_rate", "shrunken_low", "shrunken_high"),
        *_integers("rank", "rank_low", "rank_high"),
        # Null where the expected figures are withheld, or (vs_county) where the release does
        # not cover the whole county.
        Column("vs_district", Kind.STRING, allowed=COMPARISONS),
        Column("vs_county", Kind.STRING, allowed=COMPARISONS),
        Column("hotspot", Kind.STRING, allowed=HOTSPOTS),
        Column("hotspot_p", Kind.FLOAT),
        Column("flagged", Kind.BOOLEAN, nullable=False),
        *_strings("flag_reasons", "summary"),
    ),
    TREND: (
        Column("lsoa11cd", Kind.STRING, nullable=False),
        Column("cohort", Kind.INTEGER, nullable=False),
        *_integers("population", "events"),
        *_floats("rate", "low", "high"),
        Column("suppressed", Kind.BOOLEAN, nullable=False),
        Column("kind", Kind.STRING, nullable=False, allowed=TREND_KINDS),
    ),
    BENCHMARKS: (
        Column("level", Kind.STRING, nullable=False, allowed=LEVELS),
        *_strings("code", "name"),
        Column("measure", Kind.STRING, nullable=False, allowed=BENCHMARK_MEASURES),
        *_floats("value", "low", "high"),
        Column("denominator", Kind.INTEGER),
    ),
    DRIVERS: (
        Column("lsoa11cd", Kind.STRING, nullable=False),
        Column("position", Kind.INTEGER, nullable=False),
        *_strings("feature", "label", "text"),
        Column("contribution", Kind.FLOAT, nullable=False),
    ),
}

# Counts published after disclosure control: null (suppressed), or rounded to the base and
# never between 1 and the threshold.
COUNTS: dict[str, tuple[str, ...]] = {
    AREAS: ("observed_population", "observed_events", "future_population"),
    TREND: ("population", "events"),
    BENCHMARKS: ("denominator",),
}

# Each table's key: no two rows may share it.
KEYS: dict[str, tuple[str, ...]] = {
    AREAS: ("lsoa11cd",),
    TREND: ("lsoa11cd", "cohort", "kind"),
    BENCHMARKS: ("level", "code", "measure"),
    DRIVERS: ("lsoa11cd", "position"),
}


@dataclass(frozen=True)
class DocumentFiles:
    """A document of the release: its JSON file and, for some, a Markdown twin."""

    name: str
    json_file: str
    markdown_file: str | None = None


DOCUMENTS = (
    DocumentFiles("model_card", "model_card.json", "model_card.md"),
    DocumentFiles("transparency_record", "transparency_record.json", "transparency_record.md"),
    DocumentFiles("fairness", "fairness.json"),
    DocumentFiles("linkage_summary", "linkage_summary.json"),
    DocumentFiles("quality_summary", "quality_summary.json"),
)

# A document the run did not produce is still shipped, as {"status": "not produced by this run"}.
STATUS = "status"
NOT_PRODUCED = "not produced by this run"
# A field a person must complete: {"to_complete": "what is needed"}.
TO_COMPLETE = "to_complete"


# Evaluations of interventions (optional): five flat files each, named by the first 12 hex of
# the plan's hash, and listed in the manifest's ``evaluations`` section under these keys.
EVALUATION_SUFFIXES = {
    "result": ".json",
    "event_study_svg": "-event_study.svg",
    "event_study_csv": "-event_study.csv",
    "trajectories_svg": "-trajectories.svg",
    "trajectories_csv": "-trajectories.csv",
}
EVALUATION_FILE = re.compile(
    r"evaluation-[0-9a-f]{12}(?:\.json|-(?:event_study|trajectories)\.(?:svg|csv))"
)


def evaluation_files(plan_hash: str) -> dict[str, str]:
    """The file names the contract gives each part of the evaluation of ``plan_hash``."""
    return {
        kind: f"evaluation-{plan_hash[:12]}{suffix}" for kind, suffix in EVALUATION_SUFFIXES.items()
    }


def is_not_produced(content: object) -> bool:
    """True for a document the run says it did not produce."""
    if not isinstance(content, dict):
        return False
    return str(content.get(STATUS, "")).strip().lower() == NOT_PRODUCED


def required_files() -> frozenset[str]:
    """Every file a release must hold besides its manifest."""
    names = {*TABLES, GEOMETRY}
    for document in DOCUMENTS:
        names.add(document.json_file)
        if document.markdown_file:
            names.add(document.markdown_file)
    return frozenset(names)
