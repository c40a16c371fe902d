"""Shared fixtures: small synthetic worlds built once per test session."""

from __future__ import annotations

from pathlib import Path

import pytest

from bakehouse.world.config import WorldConfig
from bakehouse.world.generate import WorldSummary, generate
from bakehouse.world.noise import NoiseLevel


def build_world(out: Path, **options: object) -> WorldSummary:
    return generate(WorldConfig.model_validate(options), out)


@pytest.fixture(scope="session")
def basildon_world(tmp_path_factory: pytest.TempPathFactory) -> WorldSummary:
    """The default Basildon world (real IoD 2019, from the shipped Essex extract)."""
    out = tmp_path_factory.mktemp("worlds") / "basildon"
    return build_world(out, area="basildon", seed=1)


@pytest.fixture(scope="session")
def small_world_factory(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """Build small Basildon worlds (a tenth of the population) with given options, cached."""
    cache: dict[tuple[object, ...], WorldSummary] = {}

    def make(
        seed: int = 1, noise: NoiseLevel = NoiseLevel.DEFAULT, **options: object
    ) -> WorldSummary:
        key = (seed, noise, repr(sorted(options.items())))
        if key not in cache:
            out = tmp_path_factory.mktemp("small") / f"world-{len(cache)}"
            cache[key] = build_world(
                out, area="basildon", seed=seed, noise=noise, scale=0.1, **options
            )
        return cache[key]

    return make
