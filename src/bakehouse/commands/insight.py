"""`bakehouse insight-round`: write a synthetic community round for a world and a release."""

from __future__ import annotations

from pathlib import Path

import typer

from bakehouse.errors import ConfigError


def insight_round(
    world: Path = typer.Option(
        Path("data/world"), exists=True, file_okay=False, help="The world `bakehouse world` wrote."
    ),
    release: Path | None = typer.Option(
        None,
        exists=True,
        file_okay=False,
        help="A release of that world: the round asks about its flagged areas.",
    ),
    flagged: str | None = typer.Option(
        None, help="Instead of --release: the flagged LSOA codes, comma-separated."
    ),
    seed: int = typer.Option(1, min=0, help="The same world, flags and seed give the same files."),
    out: Path = typer.Option(
        Path("data/insight"), help="Folder for round.json and round_truth.json."
    ),
) -> None:
    """Write a synthetic round (round.json for the web app, round_truth.json for measurement)
    whose verdicts and themes follow the world's truth, and print how far the community's
    verdicts agree with the flags and which areas are marked for review."""
    from bakehouse.insight.agreement import agreement, review_against_truth
    from bakehouse.insight.synthetic import flagged_in_release, synthetic_round, write_round

    if (release is None) == (flagged is None):
        raise ConfigError(
            "Give the flagged areas one way",
            field="--release/--flagged",
            fix="Pass --release DIR or --flagged CODE,CODE",
        )
    areas = (
        flagged_in_release(release)
        if release is not None
        else frozenset(code.strip() for code in str(flagged).split(",") if code.strip())
    )
    found = synthetic_round(world, areas, seed)
    public, truth = write_round(found, out)
    result = agreement([(c.lsoa11cd, c.verdict) for c in found.contributions], areas)
    score = review_against_truth(result, areas, found.truth.high_need)
    low, high = result.rate_interval
    print(f"{len(found.contributions)} contributions on {len(areas)} flagged areas: {public}")
    print(
        f"Community verdicts agree with the flags in {result.rate:.0%} of the {result.compared} "
        f"areas with at least 5 views (95% {low:.0%}-{high:.0%}; kappa {result.kappa:.2f})."
    )
    marked = ", ".join(result.marked) or "none"
    print(f"Marked for review (flagged, most with a view disagree): {marked}.")
    print(
        f"Against the world's truth ({truth.name}): {score.correct} of {len(score.marked)} marked "
        f"areas are flagged areas that are not truly high need, of {len(score.mistaken)} such."
    )
