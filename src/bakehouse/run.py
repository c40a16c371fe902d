"""A recipe from agency extracts to a release in one call: ingest, link, train, publish.

Each stage is the same library function its own command calls, in this one process, reporting
to one progress display. A stage that fails stops the run with the workspace as the last stage
left it (each stage commits atomically), so the run can be repeated once the cause is fixed:
ingest skips extracts it has already taken in, and training reuses an identical earlier run.

Each stage's wall time and peak memory are kept in ``reports/run-<recipe>.json`` (see
:class:`StageMeter`), so a partnership sees where the time and memory of its own extracts go.
"""

from __future__ import annotations

import json
import resource
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import psutil

from bakehouse.areas.config import area_settings
from bakehouse.custody.workspace import REPORTS, write_atomic
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
    peak_bytes: dict[str, int] = field(default_factory=dict)  # each stage's peak resident memory
    report: Path | None = None  # reports/run-<recipe>.json


class StageMeter:
    """Measures one stage's wall time, processor time and peak resident memory (this process and
    its children, such as Spark's Java). Processor time is what the stage cost whatever else the
    machine was doing; wall time is what a user waited.

    The kernel's high-water mark (``ru_maxrss``) is exact but only ever rises: when it rose during
    the stage, the stage reached it. When it did not, the stage stayed below an earlier stage's
    peak, and the largest of the samples taken every ``interval`` seconds is its peak (to within
    what one interval can hide). Children are sampled only.
    """

    def __init__(self, interval: float = 0.2) -> None:
        self.interval = interval
        self._process = psutil.Process()
        self._sampled = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self.seconds = 0.0
        self.cpu_seconds = 0.0
        self.peak_bytes = 0

    def _resident(self) -> int:
        total = self._process.memory_info().rss
        for child in self._process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:  # a child that ended between listing and reading
                continue
        return total

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self._sampled = max(self._sampled, self._resident())

    def __enter__(self) -> StageMeter:
        self._high_water = _high_water_bytes()
        self._sampled = self._resident()
        self._cpu = _processor_seconds()
        self._started = time.perf_counter()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.seconds = time.perf_counter() - self._started
        self.cpu_seconds = _processor_seconds() - self._cpu
        high_water = _high_water_bytes()
        self._sampled = max(self._sampled, self._resident())
        rose = high_water > self._high_water
        self.peak_bytes = max(high_water, self._sampled) if rose else self._sampled


def _processor_seconds() -> float:
    """User and system time of this process and of its children that have ended."""
    return sum(
        usage.ru_utime + usage.ru_stime
        for usage in (
            resource.getrusage(resource.RUSAGE_SELF),
            resource.getrusage(resource.RUSAGE_CHILDREN),
        )
    )


def _high_water_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports kB


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
    meters: dict[str, StageMeter] = {}
    started_at = datetime.now(UTC)

    stage = _Stage(reporter, 1, "ingest")
    with meters.setdefault("ingest", StageMeter()):
        ingested = run_ingest(
            IngestOptions(
                sources=options.sources,
                workspace=options.workspace,
                purpose=loaded.recipe.id,
                specs=options.specs,
                agreements=options.agreements,
                key_file=options.key_file,
                postcodes=options.postcodes,
                accept=options.accept,
            ).for_recipe(loaded.recipe),
            stage,
        )
    if not ingested.unchanged:
        stage.note(f"{ingested.rows_in:,} rows taken in")
    if ingested.not_taken:
        stage.note(f"not taken in (the recipe does not read them): {', '.join(ingested.not_taken)}")

    stage = _Stage(reporter, 2, "link")
    with meters.setdefault("link", StageMeter()):
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

    stage = _Stage(reporter, 3, "train")
    with meters.setdefault("train", StageMeter()):
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

    stage = _Stage(reporter, 4, "publish")
    stage.start("area estimates, disclosure control and the output checker", 1)
    folder = trained.folder
    with meters.setdefault("publish", StageMeter()):
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
    seconds = {name: meter.seconds for name, meter in meters.items()}
    seconds["total"] = sum(seconds.values())
    cpu_seconds = {name: meter.cpu_seconds for name, meter in meters.items()}
    cpu_seconds["total"] = sum(cpu_seconds.values())
    peak_bytes = {name: meter.peak_bytes for name, meter in meters.items()}
    peak_bytes["total"] = max(peak_bytes.values())
    report = options.workspace / REPORTS / f"run-{loaded.recipe.id}.json"
    write_atomic(
        report,
        json.dumps(
            {
                "recipe": loaded.recipe.id,
                "area": options.area,
                "started_at": started_at.isoformat(timespec="seconds"),
                "release": released.release_id,
                "reused": {
                    "ingest": ingested.unchanged,
                    "link": linked.reused,
                    "train": trained.reused,
                    "publish": released.reused,
                },
                "rows_in": ingested.rows_in,
                "persons": counts.get("persons"),
                "households": counts.get("households"),
                "seconds": {name: round(value, 2) for name, value in seconds.items()},
                "cpu_seconds": {name: round(value, 2) for name, value in cpu_seconds.items()},
                "peak_bytes": peak_bytes,
            },
            indent=2,
        )
        + "\n",
    )
    return RunResult(
        release=released,
        ingest_run_id=ingested.run_id,
        link_run_id=linked.run_id,
        train_run_id=trained.run_id,
        model_reused=trained.reused,
        headline=headline,
        seconds=seconds,
        peak_bytes=peak_bytes,
        report=report,
    )
