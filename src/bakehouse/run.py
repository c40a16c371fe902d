"""A recipe from agency extracts to a release in one call: ingest, link, train, publish.

Each stage is the same library function its own command calls, in this one process, reporting
to one progress display. A stage that fails stops the run with the workspace as the last stage
left it (each stage commits atomically), so the run can be repeated once the cause is fixed:
ingest skips extracts it has already taken in, and training reuses an identical earlier run.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from bakehouse.areas.config import area_settings
from bakehouse.ingest import IngestOptions
from bakehouse.ingest import ingest as run_ingest
from bakehouse.ingest.progress import Reporter, SilentReporter
from bakehouse.insight.review import read_review
from bakehouse.linkage import LinkOptions
from bakehouse.linkage import link as run_link
from bakehouse.modelling import TrainOptions
from bakehouse.modelling import train as run_train
from bakehouse.recipes.loader import LoadedRecipe
from bakehouse.release.publish import PublishOptions, PublishResult, strictest_rules
from bakehouse.release.publish import publish as run_publish
from bakehouse.release.signing import SigningKey

STAGES = ("ingest", "link", "train", "publish")


@dataclass(frozen=True)
class RunOptions:
    sources: Path
    workspace: Path
    out: Path
    recipe: LoadedRecipe
    area: str = "basildon"
    key_file: Path | None = None
    truth: Path | None = None
    iod_dir: Path | None = None
    postcodes: Path | None = None
    replace: bool = False
    signing_key: SigningKey | None = None
    accept: tuple[str, ...] = ()  # sources ingest may take in missing, empty or short
    # A partnership's own source specifications and agreements (default: the shipped ones).
    specs: Path | None = None
    agreements: Path | None = None
    # The areas validation rounds marked for review (``manage.py export_review``), for the
    # model card and transparency record.
    review: Path | None = None


@dataclass
class RunResult:
    release: PublishResult
    ingest_run_id: str
    link_run_id: str
    train_run_id: str
    model_reused: bool
    headline: dict[str, Any]
    seconds: dict[str, float] = field(default_factory=dict)


class _Stage:
    """Prefixes a stage's progress labels with its place in the run."""

    def __init__(self, reporter: Reporter, number: int, name: str) -> None:
        self.reporter = reporter
        self.prefix = f"[{number}/{len(STAGES)} {name}]"

    def start(self, label: str, total: int | None) -> None:
        self.reporter.start(f"{self.prefix} {label}", total)

    def advance(self, amount: int) -> None:
        self.reporter.advance(amount)

    def finish(self) -> None:
        self.reporter.finish()

    def note(self, message: str) -> None:
        self.reporter.note(f"{self.prefix} {message}")


def run(options: RunOptions, reporter: Reporter | None = None) -> RunResult:
    """Ingest, link, train and publish the recipe; return the release written."""
    reporter = reporter or SilentReporter()
    # Everything that can be checked before any work is checked first.
    loaded = options.recipe
    areas = area_settings(loaded, options.area, options.iod_dir, reporter)
    review = read_review(options.review, loaded.recipe.id) if options.review else None
    seconds: dict[str, float] = {}

    started = time.perf_counter()
    stage = _Stage(reporter, 1, "ingest")
    ingested = run_ingest(
        IngestOptions(
            sources=options.sources,
            workspace=options.workspace,
            purpose=loaded.recipe.id,
            specs=options.specs,
            agreements=options.agreements,
            key_file=options.key_file,
            # A recipe takes in the sources it reads, whatever else the folder holds.
            only=tuple(loaded.recipe.sources),
            postcodes=options.postcodes,
            accept=options.accept,
        ),
        stage,
    )
    if not ingested.unchanged:
        stage.note(f"{ingested.rows_in:,} rows taken in")
    seconds["ingest"] = time.perf_counter() - started

    mark = time.perf_counter()
    stage = _Stage(reporter, 2, "link")
    linked = run_link(
        LinkOptions(
            workspace=options.workspace,
            settings=loaded.linkage,
            truth=options.truth,
            key_file=options.key_file,
            reuse=ingested.unchanged,
        ),
        stage,
    )
    counts = linked.counts
    if not linked.reused:
        stage.note(f"{counts['persons']:,} people in {counts['households']:,} households")
    seconds["link"] = time.perf_counter() - mark

    mark = time.perf_counter()
    stage = _Stage(reporter, 3, "train")
    trained = run_train(
        TrainOptions(
            workspace=options.workspace,
            recipe=loaded,
            truth=options.truth,
            iod_dir=options.iod_dir,
            review=review,
        ),
        stage,
    )
    headline = trained.headline
    stage.note(
        f"{headline.get('chosen')} chosen, test AUC {headline.get('test_auc', float('nan')):.3f}"
        + (" (reused)" if trained.reused else "")
    )
    seconds["train"] = time.perf_counter() - mark

    mark = time.perf_counter()
    stage = _Stage(reporter, 4, "publish")
    stage.start("area estimates, disclosure control and the output checker", 1)
    folder = trained.folder
    released = run_publish(
        PublishOptions(
            predictions=folder / "predictions.parquet",
            area=options.area,
            out=options.out,
            recipe=loaded.recipe,
            as_at=date.fromisoformat(trained.record["as_at"]),
            config=areas,
            rules=strictest_rules(options.workspace, loaded.recipe),
            iod_dir=options.iod_dir,
            drivers=folder / "area_contributions.parquet",
            documents=folder,
            workspace=options.workspace,
            replace=options.replace,
            reuse=True,
            signing_key=options.signing_key,
        )
    )
    stage.finish()
    seconds["publish"] = time.perf_counter() - mark
    seconds["total"] = time.perf_counter() - started
    return RunResult(
        release=released,
        ingest_run_id=ingested.run_id,
        link_run_id=linked.run_id,
        train_run_id=trained.run_id,
        model_reused=trained.reused,
        headline=headline,
        seconds=seconds,
    )
