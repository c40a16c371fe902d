"""Hotspots: Getis-Ord Gi* on queen contiguity, corrected for multiple testing.

Neighbours are LSOAs whose boundaries share at least one vertex (queen contiguity). The committed
boundaries were simplified with shared edges kept, so neighbouring polygons carry identical
vertices; coordinates are snapped to a small grid to absorb rounding.

Gi* compares the sum of a measure over an area and its neighbours with what the whole area's
mean would give. The z-score is the analytical one (Getis and Ord 1992, 1995), or a pseudo
z-score from conditional randomisation (the area's own value kept, its neighbours drawn at random
from the other areas). Two-sided p-values are adjusted with Benjamini-Hochberg, and an area is a
``hot`` (``cold``) spot when its adjusted p-value is below the false discovery rate and its
z-score is positive (negative).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from statistics import NormalDist
from typing import Any

import numpy as np

from bakehouse.recipes.areas_section import Hotspots


@dataclass(frozen=True)
class HotspotResult:
    """Per area: ``hot``, ``cold``, ``none``, or None where the area had no value."""

    label: list[str | None]
    z: np.ndarray
    p: np.ndarray  # two-sided, before correction
    q: np.ndarray  # Benjamini-Hochberg adjusted


def queen_neighbours(
    boundaries: dict[str, Any], codes: list[str], snap: float = 1e-6
) -> list[list[int]]:
    """For each code (in ``codes`` order), the indices of the areas sharing a vertex with it."""
    position = {code: i for i, code in enumerate(codes)}
    owners: dict[tuple[int, int], set[int]] = defaultdict(set)
    for feature in boundaries["features"]:
        index = position.get(feature["properties"]["lsoa11cd"])
        if index is None:
            continue
        for ring in _rings(feature["geometry"]):
            for x, y in ring:
                owners[(round(x / snap), round(y / snap))].add(index)
    neighbours: list[set[int]] = [set() for _ in codes]
    for shared in owners.values():
        if len(shared) > 1:
            for index in shared:
                neighbours[index] |= shared - {index}
    return [sorted(found) for found in neighbours]


def _rings(geometry: dict[str, Any]) -> Iterator[list[list[float]]]:
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for polygon in geometry["coordinates"]:
            yield from polygon


def find_hotspots(
    values: np.ndarray, neighbours: list[list[int]], settings: Hotspots, seed: int
) -> HotspotResult:
    """Gi* for every area with a value; areas without one (nan) drop out, links included."""
    values = np.asarray(values, dtype=np.float64)
    present = np.flatnonzero(~np.isnan(values))
    renumber = {int(old): new for new, old in enumerate(present)}
    links = [[renumber[j] for j in neighbours[int(i)] if j in renumber] for i in present]
    z = np.full(len(values), np.nan)
    p = np.full(len(values), np.nan)
    if len(present) >= 3 and np.ptp(values[present]) > 0:
        x = values[present]
        if settings.method == "analytic":
            z_sub = gi_star(x, links)
            p_sub = np.array([2 * (1 - NormalDist().cdf(abs(v))) for v in z_sub])
        else:
            z_sub, p_sub = gi_star_permutation(x, links, settings.permutations, seed)
        z[present], p[present] = z_sub, p_sub
    q = np.full(len(values), np.nan)
    tested = ~np.isnan(p)
    q[tested] = benjamini_hochberg(p[tested])
    label: list[str | None] = []
    for i in range(len(values)):
        if np.isnan(values[i]):
            label.append(None)
        elif tested[i] and q[i] < settings.false_discovery_rate:
            label.append("hot" if z[i] > 0 else "cold")
        else:
            label.append("none")
    return HotspotResult(label=label, z=z, p=p, q=q)


def gi_star(x: np.ndarray, links: list[list[int]]) -> np.ndarray:
    """Analytical Gi* z-scores with binary weights, each area its own neighbour."""
    n = len(x)
    mean = x.mean()
    spread = np.sqrt((x**2).mean() - mean**2)
    z = np.empty(n)
    for i in range(n):
        members = [i, *links[i]]
        weight = len(members)
        local = x[members].sum()
        denominator = spread * np.sqrt((n * weight - weight**2) / (n - 1))
        z[i] = (local - mean * weight) / denominator if denominator > 0 else 0.0
    return z


def gi_star_permutation(
    x: np.ndarray, links: list[list[int]], permutations: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pseudo z-scores and two-sided pseudo p-values by conditional randomisation."""
    n = len(x)
    rng = np.random.default_rng(seed)
    most = max((len(found) for found in links), default=0)
    draws = np.array(
        [rng.choice(n - 1, size=most, replace=False) for _ in range(permutations)]
    ).reshape(permutations, most)
    z = np.zeros(n)
    p = np.ones(n)
    for i in range(n):
        k = len(links[i])
        if k == 0:
            continue
        observed = x[i] + x[links[i]].sum()
        others = draws[:, :k] + (draws[:, :k] >= i)
        simulated = x[i] + x[others].sum(axis=1)
        centre, spread = simulated.mean(), simulated.std()
        z[i] = (observed - centre) / spread if spread > 0 else 0.0
        extreme = np.abs(simulated - centre) >= abs(observed - centre)
        p[i] = (1 + extreme.sum()) / (permutations + 1)
    return z, p


def benjamini_hochberg(p: np.ndarray) -> np.ndarray:
    """Adjusted p-values controlling the false discovery rate (Benjamini and Hochberg 1995)."""
    p = np.asarray(p, dtype=np.float64)
    m = len(p)
    if m == 0:
        return p.copy()
    order = np.argsort(p)
    scaled = p[order] * m / np.arange(1, m + 1)
    adjusted = np.minimum.accumulate(scaled[::-1])[::-1]
    result = np.empty(m)
    result[order] = np.minimum(adjusted, 1.0)
    return result
