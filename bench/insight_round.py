"""A synthetic community round end to end: what the themes, the agreement and the review rule
recover of what the round planted, and how much of its personal data the screener masks.

    uv run python bench/insight_round.py [--seed 1] [--world DIR] [--release DIR]

Without --world a small Basildon world (a tenth of the population, this seed) is built in a
temporary folder. The flagged areas are a release's (--release: its areas.parquet), else the
tenth of the world's LSOAs most deprived by the IoD 2019 ranks it was built on: public data
and no outcome, so, like a model, it flags some areas the truth says are not high need.

Every text is screened first (the web app's screener, full name lists); themes are suggested
from the masked reasons and every count is made from masked texts.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from sklearn.metrics import adjusted_rand_score  # noqa: E402

from bakehouse.insight.agreement import agreement, review_against_truth  # noqa: E402
from bakehouse.insight.planted import covered  # noqa: E402
from bakehouse.insight.screening import Screener, default_names  # noqa: E402
from bakehouse.insight.synthetic import flagged_in_release, synthetic_round  # noqa: E402
from bakehouse.insight.themes import (  # noqa: E402
    Codebook,
    accept,
    code,
    counts_by_theme_and_area,
    suggest_themes,
)
from bakehouse.release.disclosure import DisclosureRules  # noqa: E402
from bakehouse.world.config import WorldConfig  # noqa: E402
from bakehouse.world.generate import generate  # noqa: E402

DEPRIVED_SHARE = 0.1


def most_deprived(world: Path) -> frozenset[str]:
    table = pq.read_table(world / "truth" / "deprivation.parquet", columns=["lsoa11cd", "imd_rank"])
    ranked = sorted(
        zip(table.column("imd_rank").to_pylist(), table.column("lsoa11cd").to_pylist(), strict=True)
    )
    return frozenset(code for _, code in ranked[: max(1, round(len(ranked) * DEPRIVED_SHARE))])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--world", type=Path)
    parser.add_argument("--release", type=Path)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        world = args.world
        if world is None:
            started = time.perf_counter()
            world = Path(scratch) / "world"
            generate(WorldConfig(area="basildon", seed=args.seed, scale=0.1), world)
            print(f"small world built, seed {args.seed}: {time.perf_counter() - started:.1f} s")
        flagged = flagged_in_release(args.release) if args.release else most_deprived(world)
        source = f"release {args.release.name}" if args.release else "most deprived tenth"
        report(world, flagged, source, args.seed)
    return 0


def report(world: Path, flagged: frozenset[str], source: str, seed: int) -> None:
    started = time.perf_counter()
    found = synthetic_round(world, flagged, seed)
    truth = found.truth
    contributions = found.contributions
    verdict_counts = Counter(c.verdict.value for c in contributions)
    print(
        f"round: {len(contributions)} contributions, {len(flagged)} flagged areas ({source}), "
        f"{len(truth.high_need)} truly high need; verdicts {dict(sorted(verdict_counts.items()))}"
        f" ({time.perf_counter() - started:.1f} s)"
    )

    started = time.perf_counter()
    screener = Screener(default_names())
    planted = recalled = 0
    masked: dict[str, list[str]] = {"reasons": [], "local_knowledge": []}
    for contribution in contributions:
        for name in masked:
            text = getattr(contribution, name)
            findings = screener.screen(text)
            masked[name].append(findings.masked)
            spans = [(f.start, f.end) for f in findings.findings]
            for item in found.planted[contribution.id].personal_data:
                if item.field == name:
                    planted += 1
                    recalled += covered(item.span, spans)
    print(
        f"screener: {recalled}/{planted} planted items masked (recall {recalled / planted:.3f})"
        f" ({time.perf_counter() - started:.1f} s)"
    )

    started = time.perf_counter()
    suggestions = suggest_themes(masked["reasons"], seed=seed)
    label = {m: number for number, s in enumerate(suggestions) for m in s.members}
    themes = [found.planted[c.id].theme for c in contributions]
    suggested = [label[i] for i in range(len(contributions))]
    purity = sum(
        Counter(themes[m] for m in s.members).most_common(1)[0][1] for s in suggestions
    ) / len(themes)
    print(
        f"themes: {len(suggestions)} suggested for {len(set(themes))} planted; adjusted Rand "
        f"{adjusted_rand_score(themes, suggested):.3f}, purity {purity:.3f}"
        f" ({time.perf_counter() - started:.1f} s)"
    )
    for s in suggestions:
        print(f"  {s.count:>4}  {s.label:<45} e.g. {s.quotes[0][:60]!r}")

    codebook = Codebook()
    for s in suggestions:
        codebook = accept(codebook, s, s.id)
    coded = code(masked["reasons"], codebook)
    counts = counts_by_theme_and_area(
        [(c.lsoa11cd, themes) for c, themes in zip(contributions, coded, strict=True)],
        DisclosureRules(),
    )
    withheld = sum(count.count is None for count in counts)
    print(
        f"counts by theme and area: {len(counts)} cells, {withheld} withheld "
        f"({DisclosureRules().rule})"
    )

    result = agreement([(c.lsoa11cd, c.verdict) for c in contributions], flagged)
    low, high = result.rate_interval
    print(
        f"agreement of community verdicts with flags: {result.rate:.3f} (95% {low:.3f}-{high:.3f})"
        f" over {result.compared} areas with a community verdict; kappa {result.kappa:.3f}; "
        f"both {result.both}, model only {result.model_only}, "
        f"community only {result.community_only}, neither {result.neither}"
    )
    for group, codes in (
        ("truly high need", truth.high_need),
        ("other", set(truth.rate) - truth.high_need),
    ):
        areas = [a for a in result.areas if a.lsoa11cd in codes]
        agrees, views = sum(a.agrees for a in areas), sum(a.with_view for a in areas)
        print(f"  share agreeing in {group} areas: {agrees}/{views} = {agrees / views:.3f}")
    score = review_against_truth(result, flagged, truth.high_need)
    low, high = score.precision_interval
    print(
        f"marked for review: {sorted(score.marked)}; flagged but not truly high need: "
        f"{sorted(score.mistaken)}; precision {score.precision:.3f} (95% {low:.3f}-{high:.3f}), "
        f"recall {score.recall:.3f}"
    )


if __name__ == "__main__":
    sys.exit(main())
