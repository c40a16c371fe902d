"""Modelling fixtures: a small Basildon world ingested and linked once per session, and a quick
variant of the built-in recipe (fewer resamples and refits) for tests that train.

Only the measurement code (``--truth``) and these tests read a world's truth.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from bakehouse.custody import init_key
from bakehouse.ingest import IngestOptions, ingest
from bakehouse.ingest.agreement import sources_for
from bakehouse.linkage import LinkOptions, link
from bakehouse.recipes import recipe_path
from bakehouse.world.config import WorldConfig
from bakehouse.world.generate import generate


@dataclass(frozen=True)
class LinkedWorld:
    world: Path
    workspace: Path

    @property
    def truth(self) -> Path:
        return self.world / "truth"


def build_linked_world(root: Path, scale: float, seed: int) -> LinkedWorld:
    world, workspace = root / "world", root / "ws"
    key = init_key(root / "custodian.key")
    generate(WorldConfig(area="basildon", seed=seed, scale=scale), world)
    ingest(
        IngestOptions(
            sources=world,
            workspace=workspace,
            purpose="school-readiness",
            only=sources_for("school-readiness"),
            key_file=key,
        )
    )
    link(LinkOptions(workspace=workspace, key_file=key))
    return LinkedWorld(world, workspace)


@pytest.fixture(scope="session")
def small_linked_world(tmp_path_factory: pytest.TempPathFactory) -> LinkedWorld:
    """Basildon at a tenth of its population, default noise, ingested and linked."""
    return build_linked_world(tmp_path_factory.mktemp("modelling-world"), scale=0.1, seed=2)


def quick_recipe_text(**replacements: str) -> str:
    """The built-in recipe with fewer bootstrap resamples and refits, plus any replacements."""
    text = recipe_path("school-readiness").read_text(encoding="utf-8")
    text = text.replace("  bootstrap: 500", "  bootstrap: 100")
    text = text.replace("  uncertainty_refits: 20", "  uncertainty_refits: 4")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


@pytest.fixture
def quick_recipe(tmp_path: Path) -> Callable[..., Path]:
    def write(name: str = "quick.yaml", **replacements: str) -> Path:
        path = tmp_path / name
        path.write_text(quick_recipe_text(**replacements), encoding="utf-8")
        return path

    return write
