"""Hotspots: Gi* finds a cluster put there on purpose, and nothing in random noise."""

from __future__ import annotations

import numpy as np
import pytest

from bakehouse.areas.hotspots import benjamini_hochberg, find_hotspots, queen_neighbours
from bakehouse.geography import load_area
from bakehouse.recipes.areas_section import Hotspots


@pytest.fixture(scope="module")
def basildon() -> tuple[list[str], list[list[int]]]:
    area = load_area("basildon")
    return area.lsoa_codes, queen_neighbours(area.boundaries(), area.lsoa_codes)


def test_queen_neighbours_are_symmetric_and_every_lsoa_has_some(
    basildon: tuple[list[str], list[list[int]]],
) -> None:
    codes, neighbours = basildon
    assert len(neighbours) == len(codes) == 110
    for i, found in enumerate(neighbours):
        assert found, f"{codes[i]} has no neighbour"
        assert i not in found
        assert all(i in neighbours[j] for j in found)
    assert 4 <= np.mean([len(found) for found in neighbours]) <= 7


def _cluster(neighbours: list[list[int]]) -> tuple[int, set[int], set[int]]:
    centre = max(range(len(neighbours)), key=lambda i: len(neighbours[i]))
    cluster = {centre, *neighbours[centre]}
    ring = {j for i in cluster for j in neighbours[i]} - cluster
    return centre, cluster, ring


# Conditional randomisation has less power than the analytical z on normal noise: it must find
# the cluster's centre, the analytical test most of the cluster.
@pytest.mark.parametrize(("method", "share"), [("analytic", 0.5), ("permutation", 0.15)])
def test_an_injected_cluster_is_found_hot(
    basildon: tuple[list[str], list[list[int]]], method: str, share: float
) -> None:
    _, neighbours = basildon
    centre, cluster, ring = _cluster(neighbours)
    rng = np.random.default_rng(11)
    values = rng.normal(0.30, 0.04, len(neighbours))
    values[sorted(cluster)] += 0.12
    result = find_hotspots(values, neighbours, Hotspots(method=method), seed=1)
    hot = {i for i, label in enumerate(result.label) if label == "hot"}
    assert centre in hot
    assert len(hot & cluster) >= share * len(cluster)
    assert not {i for i, label in enumerate(result.label) if label == "cold"} & cluster
    assert len(hot - cluster - ring) <= 1


def test_random_noise_gives_no_hotspots(basildon: tuple[list[str], list[list[int]]]) -> None:
    _, neighbours = basildon
    with_findings = 0
    for seed in range(100):
        values = np.random.default_rng(seed).normal(0.3, 0.05, len(neighbours))
        result = find_hotspots(values, neighbours, Hotspots(), seed=seed)
        with_findings += any(label in ("hot", "cold") for label in result.label)
    # With no signal, a false discovery rate of 5% means about 5 maps in 100 show anything (4 in
    # 400 runs measured here).
    assert with_findings <= 10


def test_areas_without_a_value_are_left_out(basildon: tuple[list[str], list[list[int]]]) -> None:
    _, neighbours = basildon
    values = np.random.default_rng(1).normal(0.3, 0.05, len(neighbours))
    values[[0, 5]] = np.nan
    result = find_hotspots(values, neighbours, Hotspots(), seed=1)
    assert result.label[0] is None and result.label[5] is None
    assert np.isnan(result.q[0]) and not np.isnan(result.q[1])


def test_benjamini_hochberg_matches_a_worked_example() -> None:
    p = np.array([0.01, 0.04, 0.03, 0.005])
    assert benjamini_hochberg(p) == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_contiguity_and_gi_star_agree_with_pysal(
    basildon: tuple[list[str], list[list[int]]],
) -> None:
    """Our own Gi* and queen contiguity against esda and libpysal, where they are installed."""
    esda = pytest.importorskip("esda.getisord")
    weights = pytest.importorskip("libpysal.weights")
    geometry = pytest.importorskip("shapely.geometry")
    codes, neighbours = basildon
    features = {
        f["properties"]["lsoa11cd"]: f for f in load_area("basildon").boundaries()["features"]
    }
    queen = weights.Queen.from_iterable([geometry.shape(features[c]["geometry"]) for c in codes])
    assert all(set(queen.neighbors[i]) == set(neighbours[i]) for i in range(len(codes)))
    values = np.random.default_rng(3).normal(0.3, 0.05, len(codes))
    theirs = esda.G_Local(values, queen, transform="B", star=True, permutations=0)
    ours = find_hotspots(values, neighbours, Hotspots(), seed=1)
    assert np.allclose(theirs.Zs, ours.z, atol=1e-9)
