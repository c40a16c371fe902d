"""The Spark backend, where pyspark is installed (`make test-all` installs it, with Java): the
same model, the same quality."""

from __future__ import annotations

import importlib.util
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from bakehouse.linkage import LinkOptions, link
from bakehouse.world.noise import NoiseLevel

from .conftest import LinkedWorld

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("pyspark") is None, reason="needs pyspark"),
    pytest.mark.skipif(shutil.which("java") is None, reason="needs Java"),
]


def test_spark_backend_links_a_small_world_as_well_as_duckdb(
    linked_world: Callable[[NoiseLevel], LinkedWorld], tmp_path: Path
) -> None:
    linked = linked_world(NoiseLevel.DEFAULT)
    workspace = tmp_path / "ws"
    shutil.copytree(linked.workspace, workspace)
    result = link(
        LinkOptions(
            workspace=workspace, backend="spark", truth=linked.truth, key_file=linked.key_file
        )
    )
    assert result.measured is not None and linked.result.measured is not None
    spark = result.measured["scores"]["persons, pairwise"]["f1"]
    duckdb = linked.result.measured["scores"]["persons, pairwise"]["f1"]
    assert spark >= 0.99
    assert abs(spark - duckdb) <= 0.002
