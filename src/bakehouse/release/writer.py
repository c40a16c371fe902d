"""Write a release folder exactly as docs/release.md lays it out, atomically.

Everything is written to ``<out>/<release_id>.partial``; the output checker then reads the files
back and checks every cell; only if it passes is the manifest (with the SHA-256 of every file and
the checks that passed) written and the folder renamed into place. If the checker refuses, or
anything fails on the way, the partial folder is removed and nothing is published; an earlier
release of the same id is left as it was.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bakehouse import __version__
from bakehouse.errors import ConfigError, ReleaseRefused
from bakehouse.recipes.schema import Recipe
from bakehouse.release import checker
from bakehouse.release.disclosure import DisclosureRules
from bakehouse.release.evaluations import KeptEvaluation, disclosure_problems
from bakehouse.release.signing import SigningKey

# 2: outcome-neutral column names, and the recipe's title, question, unit and words in the
# manifest (docs/adr/0020-outcome-neutral-release-format.md).
FORMAT_VERSION = 2
# <recipe id>-<yyyymmdd>-<first 8 hex of the run id>, whole: used with fullmatch, so that no
# trailing newline or other character slips into a folder name or a web address.
RELEASE_ID = re.compile(
    r"(?P<recipe>[a-z][a-z0-9\-]{0,62}[a-z0-9])-(?P<date>\d{8})-(?P<run>[0-9a-f]{8})"
)
NOT_PRODUCED = {"status": "not produced by this run"}
DOCUMENT_TITLES = {"model_card": "Model card", "transparency_record": "Transparency record"}


@dataclass(frozen=True)
class Documents:
    """The documents a release carries, as the stages that made them supplied them. Any left as
    None is written as an explicit ``{"status": "not produced by this run"}``: never invented."""

    model_card_md: str | None = None
    model_card: dict[str, Any] | None = None
    transparency_record_md: str | None = None
    transparency_record: dict[str, Any] | None = None
    fairness: dict[str, Any] | None = None
    linkage_summary: dict[str, Any] | None = None
    quality_summary: dict[str, Any] | None = None
    # The model against what services already knew, in the release's shape (the training
    # run's ``added_value.json``): its figures become ``added_value.parquet``, its sentence the
    # manifest's.
    added_value: dict[str, Any] | None = None

    @classmethod
    def from_folder(cls, folder: Path) -> Documents:
        """Read whichever of the contract's document files ``folder`` holds."""

        def text(name: str) -> str | None:
            path = folder / name
            return path.read_text(encoding="utf-8") if path.is_file() else None

        def data(name: str) -> dict[str, Any] | None:
            raw = text(name)
            if raw is None:
                return None
            try:
                loaded = json.loads(raw)
            except ValueError:
                raise ConfigError(
                    "Document is not valid JSON", file=folder / name, fix="Fix or remove it"
                ) from None
            if not isinstance(loaded, dict):
                raise ConfigError("Document must be a JSON object", file=folder / name)
            return loaded

        return cls(
            model_card_md=text("model_card.md"),
            model_card=data("model_card.json"),
            transparency_record_md=text("transparency_record.md"),
            transparency_record=data("transparency_record.json"),
            fairness=data("fairness.json"),
            linkage_summary=data("linkage_summary.json"),
            quality_summary=data("quality_summary.json"),
            added_value=data("added_value.json"),
        )


@dataclass(frozen=True)
class RecipeText:
    """What the recipe says in words, for the pages to show beside the neutral figures: its
    title, question, unit (child, person or household) and words (unit, units, outcome,
    events, event_rate, population, coming)."""

    title: str
    question: str
    unit: str
    words: dict[str, str]

    @classmethod
    def of(cls, recipe: Recipe) -> RecipeText:
        return cls(
            title=recipe.title,
            question=" ".join(recipe.question.split()),
            unit=str(recipe.unit),
            words=recipe.words.model_dump(),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "question": self.question,
            "unit": self.unit,
            "words": dict(self.words),
        }


@dataclass(frozen=True)
class ReleaseInfo:
    """Where a release came from: the manifest's descriptive fields."""

    recipe_id: str
    recipe_version: str
    recipe_sha256: str
    recipe_text: RecipeText
    run_id: str
    title: str
    area_name: str
    district_codes: list[str]
    as_at: date
    created_at: datetime
    observed_cohorts: list[int]
    predicted_cohorts: list[int]
    methods: dict[str, Any] = field(default_factory=dict)
    previous_release: str | None = None
    # Whether the model was compared with what services already knew, and the sentence that
    # says what it found (docs/adr/0023-added-value.md); None for a run that predates it.
    added_value: dict[str, Any] | None = None

    @property
    def release_id(self) -> str:
        return f"{self.recipe_id}-{self.created_at:%Y%m%d}-{self.run_id[:8]}"


@dataclass(frozen=True)
class ReleaseContent:
    """The four tables, the geometry, the table of added value when the run made one, and the
    evaluations kept for publication."""

    areas: pa.Table
    trend: pa.Table
    benchmarks: pa.Table
    drivers: pa.Table
    geometry: dict[str, Any]
    added_value: pa.Table | None = None
    evaluations: tuple[KeptEvaluation, ...] = ()


def release_geometry(boundaries: dict[str, Any], codes: list[str]) -> dict[str, Any]:
    """The boundaries of ``codes`` with only ``lsoa11cd`` and ``lsoa11nm`` kept."""
    wanted = set(codes)
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "lsoa11cd": f["properties"]["lsoa11cd"],
                    "lsoa11nm": f["properties"]["lsoa11nm"],
                },
                "geometry": f["geometry"],
            }
            for f in boundaries["features"]
            if f["properties"]["lsoa11cd"] in wanted
        ],
    }


def write_release(
    out: Path,
    content: ReleaseContent,
    documents: Documents,
    info: ReleaseInfo,
    rules: DisclosureRules,
    confidence: float,
    replace: bool = False,
    signer: SigningKey | None = None,
) -> Path:
    """Write, check and move into place ``out/<release_id>``; return its path. With ``signer``
    the manifest is signed (``manifest.sig``) before the folder moves into place."""
    if not RELEASE_ID.fullmatch(info.release_id):
        raise ConfigError(
            f"The release id {info.release_id!r} is not <recipe id>-<yyyymmdd>-<8 hex>",
            field="recipe id",
            fix="Give a recipe id of lower-case letters, digits and hyphens",
        )
    target = out / info.release_id
    if target.exists() and not replace:
        raise ConfigError(
            f"Release {info.release_id} already exists",
            file=target,
            fix="Releases are not overwritten: remove it, or publish with --replace",
        )
    staging = out / f"{info.release_id}.partial"
    if staging.exists():
        shutil.rmtree(staging)  # left by an interrupted run
    staging.mkdir(parents=True)
    try:
        _write_files(staging, content, documents)
        verdict = checker.check_release(
            staging,
            checker.Rules(rules.threshold, rules.rounding, rules.protection, confidence),
        )
        if not verdict.passed:
            raise ReleaseRefused(
                "The output checker refused the release: " + " | ".join(verdict.failures()),
                file=target,
                fix="Nothing was published. Fix the disclosure control and publish again",
            )
        manifest = _manifest(staging, info, rules, verdict, content.evaluations)
        (staging / "manifest.json").write_text(
            json.dumps(manifest, indent=2, sort_keys=False) + "\n", encoding="utf-8"
        )
        if signer is not None:
            signer.sign_manifest(staging)
        _move_into_place(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _write_files(folder: Path, content: ReleaseContent, documents: Documents) -> None:
    for name, table in (
        ("areas", content.areas),
        ("trend", content.trend),
        ("benchmarks", content.benchmarks),
        ("drivers", content.drivers),
    ):
        pq.write_table(table, folder / f"{name}.parquet")
    if content.added_value is not None:
        pq.write_table(content.added_value, folder / "added_value.parquet")
    (folder / "geometry.geojson").write_text(
        json.dumps(content.geometry, separators=(",", ":")), encoding="utf-8"
    )
    for stem, markdown, data in (
        ("model_card", documents.model_card_md, documents.model_card),
        ("transparency_record", documents.transparency_record_md, documents.transparency_record),
    ):
        (folder / f"{stem}.md").write_text(
            markdown
            if markdown is not None
            else f"# {DOCUMENT_TITLES[stem]}\n\nNot produced by this run.\n",
            encoding="utf-8",
        )
        _write_json(folder / f"{stem}.json", data)
    _write_json(folder / "fairness.json", documents.fairness)
    _write_json(folder / "linkage_summary.json", documents.linkage_summary)
    _write_json(folder / "quality_summary.json", documents.quality_summary)
    for evaluation in content.evaluations:
        _copy_evaluation(folder, evaluation)


def _copy_evaluation(folder: Path, evaluation: KeptEvaluation) -> None:
    """The evaluation's files under their release names; the disclosure rule is applied to the
    very bytes copied (the kept folder may have been evaluated again since it was read)."""
    names = evaluation.release_names()
    data = {kind: evaluation.path(kind).read_bytes() for kind in names}
    result = json.loads(data["result"])
    problems = disclosure_problems(result)
    if problems or result.get("plan_hash") != evaluation.plan_hash:
        raise ReleaseRefused(
            f"The evaluation of plan {evaluation.plan_hash[:12]} cannot be published: "
            + ("; ".join(problems) or "its result is of another plan"),
            file=evaluation.folder,
            fix="Nothing was published. Remove the kept evaluation, or evaluate the plan again",
        )
    for kind, name in names.items():
        (folder / name).write_bytes(data[kind])


def _write_json(path: Path, data: dict[str, Any] | None) -> None:
    path.write_text(
        json.dumps(data if data is not None else NOT_PRODUCED, indent=2) + "\n", encoding="utf-8"
    )


def _manifest(
    folder: Path,
    info: ReleaseInfo,
    rules: DisclosureRules,
    verdict: checker.Verdict,
    evaluations: tuple[KeptEvaluation, ...] = (),
) -> dict[str, Any]:
    files = {
        path.name: hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.iterdir())
        if path.is_file() and path.name != "manifest.json"
    }
    return {
        "format_version": FORMAT_VERSION,
        "release_id": info.release_id,
        "title": info.title,
        "created_at": info.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "recipe": {
            "id": info.recipe_id,
            "version": info.recipe_version,
            "sha256": info.recipe_sha256,
            **info.recipe_text.as_dict(),
        },
        "run_id": info.run_id,
        "code_version": __version__,
        "area": {"name": info.area_name, "district_codes": info.district_codes},
        "as_at": info.as_at.isoformat(),
        "cohorts": {"observed": info.observed_cohorts, "predicted": info.predicted_cohorts},
        "disclosure": {
            "threshold": rules.threshold,
            "rounding": rules.rounding,
            "rule": rules.rule,
        },
        "methods": info.methods,
        "files": files,
        "checks": verdict.as_list(),
        "checker": {"name": checker.NAME, "version": checker.VERSION, "passed": verdict.passed},
        "previous_release": info.previous_release,
        **({"added_value": info.added_value} if info.added_value is not None else {}),
        **({"evaluations": [e.as_manifest() for e in evaluations]} if evaluations else {}),
    }


def _move_into_place(staging: Path, target: Path) -> None:
    """Rename ``staging`` to ``target``; an existing ``target`` is swapped out, then removed."""
    if not target.exists():
        staging.rename(target)
        return
    retired = target.with_name(target.name + ".replaced")
    if retired.exists():
        shutil.rmtree(retired)
    target.rename(retired)
    staging.rename(target)
    shutil.rmtree(retired)


def latest_release(out: Path, recipe_id: str, area_name: str) -> str | None:
    """The id of the newest complete release of ``recipe_id`` for ``area_name`` in ``out``."""
    found: list[tuple[str, str]] = []
    if not out.is_dir():
        return None
    for manifest_path in out.glob(f"{recipe_id}-*/manifest.json"):
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if manifest.get("area", {}).get("name") == area_name:
            found.append((str(manifest.get("created_at", "")), str(manifest.get("release_id"))))
    return max(found)[1] if found else None
