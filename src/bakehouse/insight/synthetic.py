"""A synthetic community round on a synthetic world: contributions whose verdicts and themes
follow the world's truth, with personal data planted in a stated share of texts.

The truth of an area is its true rate of the outcome, ``sum(expected_not_gld) /
sum(children)`` over every cohort in ``truth/area_need.parquet``. An area is **truly high need**
when that rate is in the top fifth of the area's LSOAs (at or above the 80th percentile).

The rule each contribution follows, in order (one seeded generator, so a seed gives the same
round):

1. **How many.** Each flagged area draws Poisson(``PER_FLAGGED``) contributions and every other
   area Poisson(``PER_OTHER``): a round asks about the flagged areas, and hears from the rest.
2. **Who.** resident 70%, practitioner 20%, community leader 10%.
3. **Verdict** on "this area needs more support". 10% don't know; the rest agree with
   probability ``logistic(SLOPE * (rate - cut) / sd)``, where ``cut`` is the high-need cut-off
   and ``sd`` the spread of the rates across areas: even odds at the cut-off, so residents of
   truly high-need areas agree more often and a flagged area far below it hears mostly
   "disagrees". Those who do not agree say "partly" one time in four and "disagrees" otherwise.
4. **Theme** of the reasons, from the verdict and the truth: agreeing (or partly) in an area
   whose early years services the truth removed (``truth/asset_gaps.json``) talks about the
   closed services half the time; otherwise agreeing picks among cost of living, housing, speech
   and language and closed services; disagreeing praises the support there is (or talks about
   transport, a quarter of the time); don't know talks about transport. The reasons are one or
   two sentences from that theme's templates.
5. **Personal data.** The local knowledge text is an item of :mod:`bakehouse.insight.planted`
   with personal data in ``PLANTED_SHARE`` of contributions (the rest are its clean look-alikes),
   and ``PLANTED_IN_REASONS`` of reasons end with one more planted sentence. Names come from the
   part of the world's name lists held out of the measured screener.
6. **Point.** ``POINT_SHARE`` of contributions carry a point, uniform inside the LSOA's shipped
   boundary, rounded to 3 decimal places (about 100 metres), so it places a street, not a home.
7. **About you**, from a generator of its own (so the rest of the round is as before). Each
   question is answered with its probability in ``ANSWERED``, else skipped (blank). The age band,
   ethnic group and children under five are drawn from the area's own population (the world's
   ``census.csv``) weighted by how readily each group takes part (``ENGAGEMENT``): as real
   engagement finds, adults under 25 and Asian and Black residents answer less, and parents of
   young children more. A resident's postcode is one of the area's; a practitioner's or
   community leader's is in the area half the time, else anywhere in the world's area.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Iterator
from dataclasses import asdict, dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq

from bakehouse.errors import ConfigError, SchemaError
from bakehouse.geography import load_area
from bakehouse.insight.agreement import Verdict
from bakehouse.insight.planted import PlantedItem, PlantedSpan, planted_items, split_names
from bakehouse.insight.screening import default_names
from bakehouse.world.census import CENSUS_FILE, read_census

FORMAT_VERSION = 1
PER_FLAGGED = 12.0
PER_OTHER = 3.0
DONT_KNOW = 0.1
SLOPE = 4.0
PARTLY = 0.25
HIGH_NEED_QUANTILE = 0.8
PLANTED_SHARE = 0.3
PLANTED_IN_REASONS = 0.1
POINT_SHARE = 0.6
POINT_DECIMALS = 3
# How often each optional question is answered, and how readily each group takes part relative
# to its share of the population (1 is in proportion).
ANSWERED = {"age_band": 0.75, "ethnic_group": 0.7, "children_under_five": 0.75, "postcode": 0.6}
ENGAGEMENT: dict[str, dict[str, float]] = {
    "age_band": {"16-24": 0.3, "25-34": 1.0, "35-49": 1.2, "50-64": 1.0, "65+": 0.8},
    "ethnic_group": {"asian": 0.35, "black": 0.3, "mixed": 0.8, "white": 1.0, "other": 0.6},
    "children_under_five": {"yes": 1.6, "no": 1.0},
}
ABOUT_STREAM = 7  # the about-you generator's seed is (seed, ABOUT_STREAM)


class Role(StrEnum):
    RESIDENT = "resident"
    PRACTITIONER = "practitioner"
    COMMUNITY_LEADER = "community_leader"


# Each planted theme's sentences: distinct words, as people in one situation would use.
TEMPLATES: dict[str, tuple[str, ...]] = {
    "services-closed": (
        "The children's centre closed and there is nowhere for toddlers to go.",
        "Since the children's centre shut the stay and play sessions stopped.",
        "The nursery closed last year and the playgroup went with it.",
        "There is no children's centre or playgroup left round here.",
        "Parents have to travel because every toddler group closed down.",
    ),
    "cost-of-living": (
        "Families cannot afford food and the food bank is busier every week.",
        "Rent and energy bills take everything, parents skip meals so children eat.",
        "Money is so tight that families rely on the food bank and vouchers.",
        "Prices went up and wages did not, many parents are in debt.",
    ),
    "housing": (
        "Families live in overcrowded flats with damp and mould.",
        "Too many children share a bedroom in temporary accommodation.",
        "The flats have damp walls and mould, children are always ill.",
        "Housing is overcrowded and families wait years for a transfer.",
    ),
    "speech-language": (
        "Children start school barely talking and wait a year for speech therapy.",
        "The speech and language waiting list is far too long.",
        "Toddlers here are late talking and nobody checks their speech.",
        "Speech therapy appointments are cancelled and language delays go unnoticed.",
    ),
    "good-support": (
        "The health visitors are brilliant and the family hub helps everyone.",
        "Most families here are doing well with good support from the school.",
        "Parents are well supported, the library rhyme time is always full.",
        "This is a settled area with plenty of help for young families.",
    ),
    "transport": (
        "The bus only runs every hour so getting to appointments is hard.",
        "Without a car you cannot reach the clinic, the buses are unreliable.",
        "Bus fares are expensive and routes were cut to the hospital.",
    ),
}
_NEED_THEMES = ("cost-of-living", "housing", "speech-language", "services-closed")
_ROLES = (Role.RESIDENT, Role.PRACTITIONER, Role.COMMUNITY_LEADER)
_ROLE_SHARES = (0.7, 0.2, 0.1)


@dataclass(frozen=True)
class Contribution:
    """One contribution as the web app loads it (see the README for the file's schema)."""

    id: str
    lsoa11cd: str
    role: Role
    verdict: Verdict
    reasons: str
    local_knowledge: str
    latitude: float | None
    longitude: float | None
    # "About you": blank where skipped.
    age_band: str = ""
    ethnic_group: str = ""
    children_under_five: str = ""
    postcode: str = ""


@dataclass(frozen=True)
class PlantedField:
    """Personal data planted in a contribution's field: ``text[start:end]`` of that field."""

    field: str
    span: PlantedSpan


@dataclass(frozen=True)
class Planted:
    """What the round planted in one contribution: its theme and its personal data."""

    theme: str
    personal_data: tuple[PlantedField, ...]


@dataclass(frozen=True)
class AreaTruth:
    rate: dict[str, float]
    cut: float  # the high-need cut-off: rates at or above it are high need
    high_need: frozenset[str]
    asset_gaps: frozenset[str]


@dataclass(frozen=True)
class Round:
    area: str
    seed: int
    flagged: frozenset[str]
    contributions: tuple[Contribution, ...]
    planted: dict[str, Planted]  # by contribution id; truth, never loaded by the web app
    truth: AreaTruth


def area_truth(world_dir: Path) -> AreaTruth:
    """The truth's need by area and the high-need areas (see the module's rule)."""
    path = world_dir / "truth" / "area_need.parquet"
    if not path.is_file():
        raise SchemaError(
            "No truth table of area need in the world",
            file=path,
            fix="Pass the folder `bakehouse world` wrote",
        )
    table = pq.read_table(path)
    needed = {"lsoa11cd", "children", "expected_not_gld"}
    if not needed <= set(table.column_names):
        missing = sorted(needed - set(table.column_names))
        raise SchemaError(
            "The truth table of area need lacks a column",
            file=path,
            field=missing[0],
            fix="Rebuild the world with this version of Bakehouse",
        )
    children: dict[str, float] = {}
    expected: dict[str, float] = {}
    for code, count, events in zip(
        table.column("lsoa11cd").to_pylist(),
        table.column("children").to_pylist(),
        table.column("expected_not_gld").to_pylist(),
        strict=True,
    ):
        children[code] = children.get(code, 0.0) + count
        expected[code] = expected.get(code, 0.0) + events
    rate = {code: expected[code] / children[code] for code in sorted(children) if children[code]}
    cut = float(np.quantile(list(rate.values()), HIGH_NEED_QUANTILE))
    gaps_path = world_dir / "truth" / "asset_gaps.json"
    gaps = json.loads(gaps_path.read_text("utf-8"))["gap_areas"] if gaps_path.is_file() else []
    return AreaTruth(
        rate=rate,
        cut=cut,
        high_need=frozenset(code for code, value in rate.items() if value >= cut),
        asset_gaps=frozenset(gaps),
    )


def flagged_in_release(release_dir: Path) -> frozenset[str]:
    """The areas a release flagged (``areas.parquet``'s ``flagged`` column)."""
    path = release_dir / "areas.parquet"
    if not path.is_file():
        raise SchemaError("No areas table in the release", file=path, fix="Pass a release folder")
    table = pq.read_table(path, columns=["lsoa11cd", "flagged"])
    return frozenset(
        code
        for code, flagged in zip(
            table.column("lsoa11cd").to_pylist(), table.column("flagged").to_pylist(), strict=True
        )
        if flagged
    )


def _area_name(world_dir: Path) -> str:
    path = world_dir / "world.json"
    try:
        return str(json.loads(path.read_text("utf-8"))["config"]["area"])
    except (FileNotFoundError, KeyError, json.JSONDecodeError):
        raise SchemaError(
            "The world's manifest does not name its area",
            file=path,
            field="config.area",
            fix="Pass the folder `bakehouse world` wrote",
        ) from None


def synthetic_round(world_dir: Path, flagged: Path | Collection[str], seed: int) -> Round:
    """The round for the world in ``world_dir``, asking about the ``flagged`` areas (or the
    areas a release folder flagged)."""
    if isinstance(flagged, Path):
        flagged = flagged_in_release(flagged)
    truth = area_truth(world_dir)
    unknown = sorted(set(flagged) - set(truth.rate))
    if unknown:
        raise ConfigError(
            f"{len(unknown)} flagged area(s) are not in the world, the first {unknown[0]}",
            field="flagged",
            fix="Flag areas of the world the round is for",
        )
    area = _area_name(world_dir)
    census = _census(world_dir)
    rng = np.random.default_rng(seed)
    about_rng = np.random.default_rng([seed, ABOUT_STREAM])
    postcodes = _postcodes(area)
    spread = float(np.std(list(truth.rate.values()))) or 1.0
    boundaries = _polygons(area)

    drafts: list[tuple[str, Role, Verdict, str]] = []
    for code in truth.rate:
        mean = PER_FLAGGED if code in flagged else PER_OTHER
        for _ in range(int(rng.poisson(mean))):
            role = _ROLES[int(rng.choice(3, p=_ROLE_SHARES))]
            verdict = _verdict(rng, (truth.rate[code] - truth.cut) / spread)
            theme = _theme(rng, verdict, code in truth.asset_gaps)
            drafts.append((code, role, verdict, theme))

    held_out = split_names(default_names())[1]
    knowledge = planted_items(len(drafts), seed, held_out, clean_share=1 - PLANTED_SHARE)
    extras = iter(planted_items(len(drafts), seed + 1, held_out, clean_share=0.0))
    contributions, planted = [], {}
    for number, ((code, role, verdict, theme), local) in enumerate(
        zip(drafts, knowledge, strict=True), start=1
    ):
        ident = f"r{seed}-{number:04d}"
        reasons, in_reasons = _reasons(rng, theme, extras)
        point = _point(rng, boundaries[code]) if rng.random() < POINT_SHARE else None
        contributions.append(
            Contribution(
                ident,
                code,
                role,
                verdict,
                reasons,
                local.text,
                point[1] if point else None,
                point[0] if point else None,
                **_about(about_rng, census, postcodes, code, role),
            )
        )
        fields = [PlantedField("reasons", s) for s in in_reasons]
        fields += [PlantedField("local_knowledge", s) for s in local.spans]
        planted[ident] = Planted(theme, tuple(fields))
    return Round(area, seed, frozenset(flagged), tuple(contributions), planted, truth)


def _census(world_dir: Path) -> dict[tuple[str, str], dict[str, int]]:
    path = world_dir / CENSUS_FILE
    if not path.is_file():
        raise SchemaError(
            "No census of the world's residents",
            file=path,
            fix="Rebuild the world with this version of Bakehouse (`bakehouse world`)",
        )
    return read_census(path)


def _postcodes(area: str) -> dict[str, list[str]]:
    """The area's live postcodes by LSOA, sorted."""
    table = load_area(area).postcodes
    found: dict[str, list[str]] = {}
    for postcode, code in zip(
        table.column("postcode").to_pylist(), table.column("lsoa11cd").to_pylist(), strict=True
    ):
        found.setdefault(code, []).append(postcode)
    return {code: sorted(values) for code, values in found.items()}


def _about(
    rng: np.random.Generator,
    census: dict[tuple[str, str], dict[str, int]],
    postcodes: dict[str, list[str]],
    code: str,
    role: Role,
) -> dict[str, str]:
    """One participant's answers about themselves (rule 7 of the module)."""
    answers = {}
    for measure, weights in ENGAGEMENT.items():
        counts = census.get((code, measure), {})
        groups = list(weights)
        mass = np.array([counts.get(group, 0) * weights[group] for group in groups], float)
        drawn = str(groups[int(rng.choice(len(groups), p=mass / mass.sum()))]) if mass.sum() else ""
        answers[measure] = drawn if rng.random() < ANSWERED[measure] else ""
    home = code
    if role is not Role.RESIDENT and rng.random() < 0.5:
        home = str(rng.choice(sorted(postcodes)))
    postcode = str(rng.choice(postcodes[home])) if postcodes.get(home) else ""
    answers["postcode"] = postcode if rng.random() < ANSWERED["postcode"] else ""
    return answers


def _verdict(rng: np.random.Generator, distance: float) -> Verdict:
    if rng.random() < DONT_KNOW:
        return Verdict.DONT_KNOW
    if rng.random() < 1 / (1 + math.exp(-SLOPE * distance)):
        return Verdict.AGREES
    return Verdict.PARTLY if rng.random() < PARTLY else Verdict.DISAGREES


def _theme(rng: np.random.Generator, verdict: Verdict, gap: bool) -> str:
    if verdict is Verdict.DONT_KNOW:
        return "transport"
    if verdict is Verdict.DISAGREES:
        return "transport" if rng.random() < 0.25 else "good-support"
    if gap and rng.random() < 0.5:
        return "services-closed"
    return str(rng.choice(_NEED_THEMES))


def _reasons(
    rng: np.random.Generator, theme: str, extras: Iterator[PlantedItem]
) -> tuple[str, tuple[PlantedSpan, ...]]:
    templates = TEMPLATES[theme]
    count = 1 if rng.random() < 0.5 else 2
    picked = rng.choice(len(templates), size=count, replace=False)
    text = " ".join(templates[int(i)] for i in picked)
    extra = next(extras)
    if rng.random() >= PLANTED_IN_REASONS:
        return text, ()
    offset = len(text) + 1
    spans = tuple(PlantedSpan(s.kind, s.start + offset, s.end + offset) for s in extra.spans)
    return f"{text} {extra.text}", spans


Ring = list[tuple[float, float]]


def _polygons(area: str) -> dict[str, list[Ring]]:
    """Each LSOA's outer rings (longitude, latitude) from the shipped boundaries."""
    found: dict[str, list[Ring]] = {}
    for feature in load_area(area).boundaries()["features"]:
        geometry = feature["geometry"]
        polygons = (
            geometry["coordinates"]
            if geometry["type"] == "MultiPolygon"
            else [geometry["coordinates"]]
        )
        found[feature["properties"]["lsoa11cd"]] = [
            [(float(x), float(y)) for x, y, *_ in polygon[0]] for polygon in polygons
        ]
    return found


def _inside(x: float, y: float, ring: Ring) -> bool:
    """Even-odd rule: a ray to the east crosses the ring an odd number of times."""
    inside = False
    for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _point(rng: np.random.Generator, rings: list[Ring]) -> tuple[float, float]:
    """A uniform point inside the rings (by rejection from their bounding box), rounded; a
    rounded point that falls outside is drawn again."""
    xs = [x for ring in rings for x, _ in ring]
    ys = [y for ring in rings for _, y in ring]
    while True:
        x = round(float(rng.uniform(min(xs), max(xs))), POINT_DECIMALS)
        y = round(float(rng.uniform(min(ys), max(ys))), POINT_DECIMALS)
        if any(_inside(x, y, ring) for ring in rings):
            return x, y


def write_round(found: Round, out: Path) -> tuple[Path, Path]:
    """``round.json`` (what the web app loads) and ``round_truth.json`` (what was planted, for
    measurement only) in ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    public = {
        "format_version": FORMAT_VERSION,
        "area": found.area,
        "seed": found.seed,
        "flagged": sorted(found.flagged),
        "contributions": [_public(c) for c in found.contributions],
    }
    truth = {
        "format_version": FORMAT_VERSION,
        "seed": found.seed,
        "high_need_cut": round(found.truth.cut, 4),
        "high_need": sorted(found.truth.high_need),
        "asset_gaps": sorted(found.truth.asset_gaps),
        "need_rate": {code: round(rate, 4) for code, rate in found.truth.rate.items()},
        "contributions": {
            ident: {
                "theme": planted.theme,
                "personal_data": [
                    {
                        "field": p.field,
                        "kind": p.span.kind.value,
                        "start": p.span.start,
                        "end": p.span.end,
                    }
                    for p in planted.personal_data
                ],
            }
            for ident, planted in found.planted.items()
        },
    }
    paths = out / "round.json", out / "round_truth.json"
    for path, data in zip(paths, (public, truth), strict=True):
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return paths


def _public(contribution: Contribution) -> dict[str, Any]:
    data = asdict(contribution)
    data["role"] = contribution.role.value
    data["verdict"] = contribution.verdict.value
    return data
