"""What changed between two releases: areas newly flagged or no longer flagged, and how ranks
moved, telling a move beyond the rank intervals from one within them (which may be chance)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q

from web.releases import figures
from web.releases.cache import per_release
from web.releases.models import Area, Release


@dataclass(frozen=True)
class AreaChange:
    code: str
    name: str
    earlier_rank: str
    later_rank: str
    # Positive: the area moved up the ranking (towards 1, more need).
    places: int | None
    beyond_intervals: bool
    earlier_flagged: bool
    later_flagged: bool

    @property
    def distance(self) -> int:
        return abs(self.places or 0)


@dataclass(frozen=True)
class ReleaseComparison:
    earlier: Release
    later: Release
    newly_flagged: tuple[AreaChange, ...]
    no_longer_flagged: tuple[AreaChange, ...]
    still_flagged: tuple[AreaChange, ...]
    rank_changes: tuple[AreaChange, ...]  # every area in both, biggest move first
    only_earlier: tuple[str, ...]  # names of areas in one release only
    only_later: tuple[str, ...]

    @property
    def clear_moves(self) -> int:
        return sum(change.beyond_intervals for change in self.rank_changes)


@dataclass(frozen=True)
class _Ranked:
    code: str
    name: str
    rank: int | None
    low: int | None
    high: int | None
    flagged: bool


def _ranked(release: Release) -> dict[str, _Ranked]:
    def compute() -> dict[str, _Ranked]:
        rows = release.areas.values_list(
            "lsoa11cd", "lsoa11nm", "rank", "rank_low", "rank_high", "flagged"
        )
        return {row[0]: _Ranked(*row) for row in rows}

    return per_release(release, "ranks", compute)


def _disjoint(earlier: _Ranked, later: _Ranked) -> bool:
    if None in (earlier.low, earlier.high, later.low, later.high):
        return False
    return bool(earlier.high < later.low or later.high < earlier.low)  # type: ignore[operator]


def compare_releases(earlier: Release, later: Release) -> ReleaseComparison:
    before, after = _ranked(earlier), _ranked(later)
    earlier_count, later_count = len(before), len(after)
    changes = []
    for code in sorted(set(before) & set(after)):
        old, new = before[code], after[code]
        places = None if old.rank is None or new.rank is None else old.rank - new.rank
        changes.append(
            AreaChange(
                code=code,
                name=new.name,
                earlier_rank=figures.rank_figure(old.rank, old.low, old.high, earlier_count).text,
                later_rank=figures.rank_figure(new.rank, new.low, new.high, later_count).text,
                places=places,
                beyond_intervals=_disjoint(old, new),
                earlier_flagged=old.flagged,
                later_flagged=new.flagged,
            )
        )
    by_move = sorted(changes, key=lambda change: (-abs(change.places or 0), change.name))
    return ReleaseComparison(
        earlier=earlier,
        later=later,
        newly_flagged=tuple(c for c in by_move if c.later_flagged and not c.earlier_flagged),
        no_longer_flagged=tuple(c for c in by_move if c.earlier_flagged and not c.later_flagged),
        still_flagged=tuple(c for c in by_move if c.earlier_flagged and c.later_flagged),
        rank_changes=tuple(by_move),
        only_earlier=tuple(sorted(before[code].name for code in set(before) - set(after))),
        only_later=tuple(sorted(after[code].name for code in set(after) - set(before))),
    )


def release_before(release: Release) -> Release | None:
    """The release this one names as its previous, if published here; else the published one
    of the same recipe created before."""
    same_recipe = Release.objects.public().filter(recipe=release.recipe)
    named = release.manifest.get("previous_release")
    if named:
        found = same_recipe.filter(pk=named).first()
        if found is not None:
            return found
    return (
        same_recipe.filter(created_at__lt=release.created_at)
        .exclude(pk=release.pk)
        .order_by("-created_at")
        .first()
    )


def area_counts(releases: list[Release]) -> dict[str, tuple[int, int]]:
    """(areas, flagged areas) for each release id."""
    rows = (
        Area.objects.filter(release__in=releases)
        .values("release")
        .annotate(areas=Count("id"), flagged=Count("id", filter=Q(flagged=True)))
    )
    return {row["release"]: (row["areas"], row["flagged"]) for row in rows}
