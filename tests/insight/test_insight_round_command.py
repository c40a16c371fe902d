"""`bakehouse insight-round` writes the round's files and prints agreement and the review."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.insight.synthetic import area_truth
from bakehouse.world.generate import WorldSummary

runner = CliRunner()


def test_round_for_given_flags_is_written_and_its_review_printed(
    small_world_factory: Callable[..., WorldSummary], tmp_path: Path
) -> None:
    world = small_world_factory(seed=1).out
    rate = area_truth(world).rate
    lowest = sorted(rate, key=rate.__getitem__)[:2]
    result = runner.invoke(
        app,
        [
            "insight-round",
            "--world",
            str(world),
            "--flagged",
            ",".join(lowest),
            "--out",
            str(tmp_path),
            "--seed",
            "2",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "round.json").read_text("utf-8"))
    assert data["flagged"] == sorted(lowest)
    assert (tmp_path / "round_truth.json").is_file()
    assert "Marked for review (flagged, most with a view disagree): " in result.stdout
    assert "areas with at least 5 views" in result.stdout


def test_flags_given_both_ways_or_neither_are_refused(
    small_world_factory: Callable[..., WorldSummary], tmp_path: Path
) -> None:
    world = str(small_world_factory(seed=1).out)
    result = runner.invoke(app, ["insight-round", "--world", world, "--out", str(tmp_path)])
    assert result.exit_code != 0
    assert "Give the flagged areas one way" in result.output
    assert not (tmp_path / "round.json").exists()
