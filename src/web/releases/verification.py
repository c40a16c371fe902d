"""Checks a release folder against its manifest and docs/release.md before anything is
imported. Every problem found is reported together, each naming the file (and column or row)
and what is wrong; a release with any problem is refused whole.

Order matters. The folder is read once, under the size limits (``trust``); the manifest's
signature is checked against the partnership's keys before anything in it is believed; then the
manifest, its disclosure rule against the floor, the file hashes and the checks it claims; only
then are the tables parsed, from the very bytes that were hashed, and the output checker run
again on them.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq
from django.db import models
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bakehouse.release.signing import SIGNATURE
from web.core.storable import NUL, nul_path
from web.jobs.progress import Progress, no_progress
from web.releases.contract import (
    AREAS,
    BENCHMARKS,
    COUNTS,
    DOCUMENTS,
    DRIVERS,
    EVALUATION_FILE,
    FORMAT_VERSION,
    GEOMETRY,
    KEYS,
    MANIFEST,
    RELEASE_ID,
    TABLES,
    TREND,
    Column,
    Kind,
    evaluation_files,
    is_not_produced,
    required_files,
)
from web.releases.models import Area, Benchmark, Driver, TrendPoint
from web.releases.trust import (
    Trust,
    check_floor,
    check_signature,
    claimed_rule,
    read_files,
    rerun_checker,
)

# The model each table's rows are stored in, whose columns bound their text.
STORED_IN: dict[str, type[models.Model]] = {
    AREAS: Area,
    TREND: TrendPoint,
    BENCHMARKS: Benchmark,
    DRIVERS: Driver,
}

# Estimates and their 95% intervals: (value, low, high) columns per table.
INTERVALS: dict[str, tuple[tuple[str, str, str], ...]] = {
    AREAS: (
        ("observed_rate", "observed_low", "observed_high"),
        ("expected_events", "expected_low", "expected_high"),
        ("expected_rate", "expected_rate_low", "expected_rate_high"),
        ("shrunken_rate", "shrunken_low", "shrunken_high"),
        ("rank", "rank_low", "rank_high"),
    ),
    TREND: (("rate", "low", "high"),),
    "benchmarks.parquet": (("value", "low", "high"),),
}
PROPORTIONS: dict[str, tuple[str, ...]] = {
    AREAS: (
        "observed_rate",
        "observed_low",
        "observed_high",
        "expected_rate",
        "expected_rate_low",
        "expected_rate_high",
        "shrunken_rate",
        "shrunken_low",
        "shrunken_high",
        "hotspot_p",
    ),
    TREND: ("rate", "low", "high"),
    "benchmarks.parquet": ("value", "low", "high"),
}
ROWS_NAMED = 5  # rows named in one problem before "and N more"
TOLERANCE = 1e-9


# The steps of an import, as whoever watches it reads them; the importer stores the tables last.
STEP_READ = "Reading the release's files"
STEP_SIGNATURE = "Checking the signature"
STEP_MANIFEST = "Checking the manifest, the disclosure rule and every file's hash"
STEP_TABLES = "Checking the tables and boundaries"
STEP_CHECKER = "Running the output checker again"
STEP_STORE = "Storing the release's tables"
STEPS = (STEP_READ, STEP_SIGNATURE, STEP_MANIFEST, STEP_TABLES, STEP_CHECKER, STEP_STORE)


class ReleaseRefused(Exception):
    """The release cannot be imported; ``problems`` says every reason found."""

    def __init__(self, folder: Path, problems: list[str]) -> None:
        self.folder = folder
        self.problems = problems
        listed = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"Release {folder} refused ({len(problems)} problem(s)):\n{listed}")


class _Open(BaseModel):
    # Fields the contract may add later are kept, not refused.
    model_config = ConfigDict(extra="allow", frozen=True)


class Words(BaseModel):
    # Exactly the keys of web.releases.recipes.RecipeWords: a page shows each in its place.
    model_config = ConfigDict(extra="forbid", frozen=True)

    unit: str = Field(min_length=1)
    units: str = Field(min_length=1)
    outcome: str = Field(min_length=1)
    events: str = Field(min_length=1)
    event_rate: str = Field(min_length=1)
    population: str = Field(min_length=1)
    coming: str = Field(min_length=1)


class RecipeRef(_Open):
    id: str
    version: str = Field(max_length=32)
    sha256: str
    title: str = Field(min_length=1, max_length=200)
    question: str = Field(min_length=1)
    unit: Literal["child", "person", "household"]
    words: Words


class AreaRef(_Open):
    name: str = Field(max_length=64)
    district_codes: list[str] = Field(min_length=1)


class Disclosure(_Open):
    threshold: int = Field(ge=0)
    rounding: int = Field(ge=1)
    rule: str


class Check(_Open):
    name: str
    passed: bool | None
    detail: str = ""


class Checker(_Open):
    name: str
    version: str
    passed: bool | None


class AddedValue(_Open):
    """What the model found that deprivation and service contact alone would have missed, in
    one sentence (docs/adr/0023-added-value.md); absent from releases written before it."""

    made: bool
    model_better: bool | None = None
    sentence: str = Field(min_length=1, max_length=2000)


class EvaluationFiles(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    result: str
    event_study_svg: str
    event_study_csv: str
    trajectories_svg: str
    trajectories_csv: str


class EvaluationRef(_Open):
    """An intervention's evaluation the release carries (docs/release.md, "Evaluations")."""

    plan_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    registration: str = Field(min_length=1, max_length=500)
    files: EvaluationFiles


class Manifest(_Open):
    format_version: int
    release_id: str
    title: str = Field(min_length=1, max_length=200)
    created_at: datetime
    recipe: RecipeRef
    run_id: str = Field(min_length=8, max_length=128)
    code_version: str
    area: AreaRef
    as_at: date
    cohorts: dict[str, list[int]]
    disclosure: Disclosure
    files: dict[str, str]
    checks: list[Check]
    checker: Checker
    previous_release: str | None = None
    added_value: AddedValue | None = None
    # Absent from releases that carry no evaluation.
    evaluations: list[EvaluationRef] = Field(default_factory=list)


@dataclass(frozen=True)
class VerifiedEvaluation:
    """An evaluation read from the release: the result and the texts of its plots and tables."""

    plan_hash: str
    registration: str
    result: dict[str, Any]
    event_study_svg: str
    event_study_csv: str
    trajectories_svg: str
    trajectories_csv: str


@dataclass(frozen=True)
class VerifiedRelease:
    """A release that passed every check, read into memory and ready to import."""

    folder: Path
    manifest: Manifest
    raw_manifest: dict[str, Any]
    signed_by: str  # the id of the trusted key that signed the manifest
    tables: Mapping[str, list[dict[str, Any]]]
    geometry: Mapping[str, dict[str, Any]]  # lsoa11cd -> GeoJSON geometry
    documents: Mapping[str, tuple[dict[str, Any], str]]  # name -> (content, Markdown)
    evaluations: tuple[VerifiedEvaluation, ...] = ()


def verify_release(
    folder: Path, trust: Trust | None = None, progress: Progress = no_progress
) -> VerifiedRelease:
    """The release in ``folder``, verified; raises ``ReleaseRefused`` with every problem.
    ``trust`` defaults to the web app's settings; ``progress`` hears each of ``STEPS``."""
    folder = Path(folder)
    trust = trust or Trust.from_settings()
    if not folder.is_dir():
        raise ReleaseRefused(folder, [f"{folder} is not a folder"])
    _report(progress, STEP_READ)
    files, problems = read_files(folder, trust)
    if problems:
        raise ReleaseRefused(folder, problems)
    if MANIFEST not in files:
        raise ReleaseRefused(folder, [f"{MANIFEST}: missing; a release without one is refused"])
    _report(progress, STEP_SIGNATURE)
    signed_by, problems = check_signature(files, trust)
    if signed_by is None:
        raise ReleaseRefused(folder, problems)
    _report(progress, STEP_MANIFEST)
    raw, manifest = _read_manifest(folder, files[MANIFEST])
    rule, problems = claimed_rule(manifest.disclosure.threshold, manifest.disclosure.rounding, raw)
    problems += _check_manifest(manifest)
    problems += check_floor(rule, trust) if rule is not None else []
    problems += _check_files(files, manifest)
    problems += _check_checks(manifest)
    if problems or rule is None:
        raise ReleaseRefused(folder, problems)

    _report(progress, STEP_TABLES)
    tables: dict[str, list[dict[str, Any]]] = {}
    for name, columns in TABLES.items():
        rows, table_problems = _read_table(name, files[name], columns)
        problems += table_problems
        if rows is None:
            continue
        if name == AREAS and not rows:
            problems.append(f"{AREAS}: holds no area")
        problems += _check_rows(name, rows, manifest.disclosure)
        problems += _check_text(name, rows, columns)
        tables[name] = rows
    geometry, geometry_problems = _read_geometry(files[GEOMETRY])
    problems += geometry_problems
    documents, document_problems = _read_documents(files)
    problems += document_problems
    evaluations, evaluation_problems = _read_evaluations(files, manifest)
    problems += evaluation_problems
    if AREAS in tables:
        problems += _check_references(tables, geometry if not geometry_problems else None)
    if not problems:
        _report(progress, STEP_CHECKER)
        problems += rerun_checker({name: files[name] for name in manifest.files}, rule)
    if problems:
        raise ReleaseRefused(folder, problems)
    return VerifiedRelease(
        folder, manifest, raw, signed_by, tables, geometry, documents, tuple(evaluations)
    )


def _report(progress: Progress, step: str) -> None:
    progress(STEPS.index(step), len(STEPS), step)


# The manifest and the files it lists.


def _read_manifest(folder: Path, data: bytes) -> tuple[dict[str, Any], Manifest]:
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReleaseRefused(folder, [f"{MANIFEST}: not valid JSON ({error})"]) from None
    if not isinstance(raw, dict):
        raise ReleaseRefused(folder, [f"{MANIFEST}: must be a JSON object"])
    if raw.get("format_version") != FORMAT_VERSION:
        raise ReleaseRefused(folder, [_older_format(raw)])
    problems = _nul_problems(MANIFEST, raw)
    try:
        manifest = Manifest.model_validate(raw)
    except ValidationError as error:
        problems += [
            f"{MANIFEST}, field {'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
            for item in error.errors()
        ]
    if problems:
        raise ReleaseRefused(folder, problems)
    return raw, manifest


def _older_format(raw: Mapping[str, Any]) -> str:
    """Why a release of another format is refused, and what to do. Nothing of it is read
    further: its tables name their columns differently and it carries no recipe words."""
    found = raw.get("format_version")
    recipe = raw.get("recipe")
    recipe_id = recipe.get("id") if isinstance(recipe, dict) else None
    named = recipe_id if isinstance(recipe_id, str) and recipe_id else "<recipe id>"
    return (
        f"{MANIFEST}, field format_version: this release is format {found!r}; this web app "
        f"imports format {FORMAT_VERSION} only and stored nothing of it. Publish it again with "
        f"this version of Bakehouse: `bakehouse publish --recipe {named} --workspace ... "
        "--out ...`, then import the new release"
    )


def _check_manifest(manifest: Manifest) -> list[str]:
    problems = []
    match = RELEASE_ID.fullmatch(manifest.release_id)
    if match is None:
        problems.append(
            f"{MANIFEST}, field release_id: {manifest.release_id!r} is not "
            "<recipe id>-<yyyymmdd>-<first 8 hex of the run id>"
        )
    else:
        if match["recipe"] != manifest.recipe.id:
            problems.append(
                f"{MANIFEST}, field release_id: names recipe {match['recipe']!r} but "
                f"recipe.id is {manifest.recipe.id!r}"
            )
        if not manifest.run_id.startswith(match["run"]):
            problems.append(
                f"{MANIFEST}, field release_id: ends {match['run']!r}, which does not begin "
                f"run_id {manifest.run_id!r}"
            )
    return problems


def _check_files(files: Mapping[str, bytes], manifest: Manifest) -> list[str]:
    problems = []
    listed = set(manifest.files)
    present = set(files) - {MANIFEST, SIGNATURE}
    for name in sorted(required_files() - listed):
        problems.append(f"{MANIFEST}, field files: does not list {name}, which every release has")
    for name in sorted(present - listed):
        problems.append(f"{name}: in the folder but not listed in the manifest")
    for name in sorted(listed):
        if "/" in name or "\\" in name or name.startswith("."):
            problems.append(f"{MANIFEST}, field files: {name!r} is not a plain file name")
        elif name not in present:
            problems.append(f"{name}: listed in the manifest but not in the folder")
        elif hashlib.sha256(files[name]).hexdigest() != manifest.files[name].lower():
            problems.append(
                f"{name}: its SHA-256 does not match the manifest; the file changed after "
                "publishing"
            )
    return problems


def _check_checks(manifest: Manifest) -> list[str]:
    problems = []
    if manifest.checker.passed is not True:
        problems.append(
            f"{MANIFEST}, field checker.passed: the output checker ({manifest.checker.name}) "
            "did not pass this release"
        )
    if not manifest.checks:
        problems.append(f"{MANIFEST}, field checks: lists no disclosure check")
    for check in manifest.checks:
        if check.passed is not True:
            detail = f": {check.detail}" if check.detail else ""
            problems.append(f"{MANIFEST}, check {check.name!r} did not pass{detail}")
    return problems


# Tables.


def _kind_of(arrow_type: pa.DataType) -> Kind | None:
    if pa.types.is_dictionary(arrow_type):
        arrow_type = arrow_type.value_type
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return Kind.STRING
    if pa.types.is_integer(arrow_type):
        return Kind.INTEGER
    if pa.types.is_floating(arrow_type):
        return Kind.FLOAT
    if pa.types.is_boolean(arrow_type):
        return Kind.BOOLEAN
    return None


def _read_table(
    name: str, content: bytes, columns: Iterable[Column]
) -> tuple[list[dict[str, Any]] | None, list[str]]:
    """The table's rows (None when a column is missing or of the wrong kind), and problems."""
    try:
        table = pq.read_table(io.BytesIO(content))
    except (pa.ArrowException, OSError) as error:
        return None, [f"{name}: not a Parquet file pyarrow can read ({error})"]
    problems = []
    structural = False  # a column missing or of the wrong kind: the rows cannot be read
    for column in columns:
        if column.name not in table.column_names:
            problems.append(f"{name}, column {column.name}: missing")
            structural = True
            continue
        data = table.column(column.name)
        kind = _kind_of(data.type)
        all_null = pa.types.is_null(data.type)
        if kind is not column.kind and not (all_null and column.nullable):
            problems.append(
                f"{name}, column {column.name}: must hold {column.kind.value}, found {data.type}"
            )
            structural = True
            continue
        if not column.nullable and data.null_count:
            problems.append(
                f"{name}, column {column.name}: {data.null_count} empty value(s); "
                "every row needs one"
            )
        if column.allowed is not None:
            found = {value for value in data.to_pylist() if value is not None}
            unknown = sorted(found - column.allowed)
            if unknown:
                problems.append(
                    f"{name}, column {column.name}: unknown value(s) {unknown}; "
                    f"allowed: {sorted(column.allowed)}"
                )
    if structural:
        return None, problems
    wanted = [column.name for column in columns]
    return table.select(wanted).to_pylist(), problems


def _rows_text(rows: list[int]) -> str:
    named = ", ".join(str(row + 1) for row in rows[:ROWS_NAMED])
    more = f" and {len(rows) - ROWS_NAMED} more" if len(rows) > ROWS_NAMED else ""
    return f"row(s) {named}{more}"


def _check_text(name: str, rows: list[dict[str, Any]], columns: Iterable[Column]) -> list[str]:
    """Text the database can store: no NUL character, and no longer than the model's column
    (SQLite would keep either; PostgreSQL refuses them in the middle of the import)."""
    model = STORED_IN[name]
    problems = []
    for column in columns:
        if column.kind is not Kind.STRING:
            continue
        field = next((f for f in model._meta.get_fields() if f.name == column.name), None)
        limit = getattr(field, "max_length", None)
        values = [(index, row[column.name]) for index, row in enumerate(rows)]
        texts = [(index, value) for index, value in values if isinstance(value, str)]
        too_long = [index for index, value in texts if limit is not None and len(value) > limit]
        with_nul = [index for index, value in texts if NUL in value]
        if too_long:
            problems.append(
                f"{name}, column {column.name}: longer than {limit} characters in "
                f"{_rows_text(too_long)}"
            )
        if with_nul:
            problems.append(
                f"{name}, column {column.name}: a NUL character in {_rows_text(with_nul)}"
            )
    return problems


def _nul_problems(file_name: str, content: Any) -> list[str]:
    found = nul_path(content, "")
    if found is None:
        return []
    where = f", field {found.lstrip('.')}" if found else ""
    return [f"{file_name}{where}: holds a NUL character, which the web app cannot store"]


def _check_rows(name: str, rows: list[dict[str, Any]], disclosure: Disclosure) -> list[str]:
    problems = []
    key = KEYS[name]
    seen: set[tuple[Any, ...]] = set()
    duplicates = []
    for index, row in enumerate(rows):
        value = tuple(row[column] for column in key)
        if value in seen:
            duplicates.append(index)
        seen.add(value)
    if duplicates:
        problems.append(
            f"{name}: {_rows_text(duplicates)} repeat a {' + '.join(key)} already given"
        )

    for column in COUNTS.get(name, ()):
        bad = [
            index
            for index, row in enumerate(rows)
            if row[column] is not None
            and (
                row[column] < 0
                or row[column] % disclosure.rounding
                or 0 < row[column] <= disclosure.threshold
            )
        ]
        if bad:
            problems.append(
                f"{name}, column {column}: {_rows_text(bad)} hold counts that break the "
                f"disclosure rule ({disclosure.rule}); the release cannot be published"
            )
    for column in PROPORTIONS.get(name, ()):
        bad = [
            index
            for index, row in enumerate(rows)
            if row[column] is not None and not 0 <= row[column] <= 1
        ]
        if bad:
            problems.append(f"{name}, column {column}: {_rows_text(bad)} are not between 0 and 1")
    for middle, low, high in INTERVALS.get(name, ()):
        bad = [
            index
            for index, row in enumerate(rows)
            if None not in (row[middle], row[low], row[high])
            and not row[low] - TOLERANCE <= row[middle] <= row[high] + TOLERANCE
        ]
        if bad:
            problems.append(
                f"{name}, columns {low} <= {middle} <= {high}: {_rows_text(bad)} have the value "
                "outside its interval"
            )
    problems += _check_suppression(name, rows)
    return problems


def _check_suppression(name: str, rows: list[dict[str, Any]]) -> list[str]:
    pairs = {AREAS: ("observed_suppressed", "observed_events"), TREND: ("suppressed", "events")}
    if name not in pairs:
        return []
    flag, count = pairs[name]
    bad = [index for index, row in enumerate(rows) if row[flag] and row[count] is not None]
    if not bad:
        return []
    return [f"{name}, column {count}: {_rows_text(bad)} are marked {flag} but give the count"]


def _check_references(
    tables: Mapping[str, list[dict[str, Any]]], geometry: Mapping[str, Any] | None
) -> list[str]:
    problems = []
    codes = {row["lsoa11cd"] for row in tables[AREAS]}
    for name in (TREND, DRIVERS):
        if name not in tables:
            continue
        unknown = sorted({row["lsoa11cd"] for row in tables[name]} - codes)
        if unknown:
            problems.append(f"{name}, column lsoa11cd: {unknown[:ROWS_NAMED]} not in {AREAS}")
    if geometry is not None:
        missing = sorted(codes - set(geometry))
        extra = sorted(set(geometry) - codes)
        if missing:
            problems.append(f"{GEOMETRY}: no boundary for {missing[:ROWS_NAMED]}")
        if extra:
            problems.append(f"{GEOMETRY}: boundaries for areas not in {AREAS}: {extra[:5]}")
    return problems


# Geometry and documents.


def _read_geometry(data: bytes) -> tuple[dict[str, dict[str, Any]], list[str]]:
    try:
        collection = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        return {}, [f"{GEOMETRY}: not valid JSON ({error})"]
    features = collection.get("features") if isinstance(collection, dict) else None
    if not isinstance(features, list):
        return {}, [f"{GEOMETRY}: not a GeoJSON FeatureCollection"]
    geometry: dict[str, dict[str, Any]] = {}
    problems = []
    for index, feature in enumerate(features):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        code = properties.get("lsoa11cd") if isinstance(properties, dict) else None
        shape = feature.get("geometry") if isinstance(feature, dict) else None
        if not isinstance(code, str):
            problems.append(f"{GEOMETRY}, feature {index + 1}: no lsoa11cd property")
        elif not isinstance(shape, dict) or shape.get("type") not in {"Polygon", "MultiPolygon"}:
            problems.append(f"{GEOMETRY}, feature {index + 1} ({code}): not a polygon")
        elif code in geometry:
            problems.append(f"{GEOMETRY}, feature {index + 1}: {code} has a boundary already")
        else:
            geometry[code] = shape
    return geometry, problems


def _read_documents(
    files: Mapping[str, bytes],
) -> tuple[dict[str, tuple[dict[str, Any], str]], list[str]]:
    documents: dict[str, tuple[dict[str, Any], str]] = {}
    problems = []
    for document in DOCUMENTS:
        try:
            content = json.loads(files[document.json_file].decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            problems.append(f"{document.json_file}: not valid JSON ({error})")
            continue
        if not isinstance(content, dict):
            problems.append(f"{document.json_file}: must be a JSON object")
            continue
        fairness = document.name == "fairness" and not is_not_produced(content)
        if fairness and not isinstance(content.get("groups"), list):
            problems.append(f"{document.json_file}, field groups: must be a list")
        markdown = ""
        if document.markdown_file:
            try:
                markdown = files[document.markdown_file].decode("utf-8")
            except UnicodeDecodeError:
                problems.append(f"{document.markdown_file}: not UTF-8 text")
            problems += _nul_problems(document.markdown_file, markdown)
        problems += _nul_problems(document.json_file, content)
        documents[document.name] = (content, markdown)
    return documents, problems


# Evaluations of interventions.


def _read_evaluations(
    files: Mapping[str, bytes], manifest: Manifest
) -> tuple[list[VerifiedEvaluation], list[str]]:
    """Each evaluation the manifest lists, read from its hashed files: named as the contract
    names them, its result of the plan and registration the manifest says; and no evaluation
    file in the release that the section does not list."""
    evaluations: list[VerifiedEvaluation] = []
    problems = []
    named: set[str] = set()
    for index, entry in enumerate(manifest.evaluations):
        where = f"{MANIFEST}, evaluations item {index + 1} (plan {entry.plan_hash[:12]})"
        wanted = evaluation_files(entry.plan_hash)
        given = entry.files.model_dump()
        if given != wanted:
            problems.append(f"{where}: files must be {sorted(wanted.values())}")
            continue
        if named & set(wanted.values()):
            problems.append(f"{where}: the plan's evaluation is listed twice")
            continue
        named.update(wanted.values())
        texts: dict[str, str] = {}
        for kind, name in wanted.items():
            if name not in files:
                problems.append(f"{where}: {name} is not in the release")
                continue
            try:
                texts[kind] = files[name].decode("utf-8")
            except UnicodeDecodeError:
                problems.append(f"{name}: not UTF-8 text")
                continue
            problems += _nul_problems(name, texts[kind])
        if len(texts) < len(wanted):
            continue
        try:
            result = json.loads(texts["result"])
        except json.JSONDecodeError as error:
            problems.append(f"{wanted['result']}: not valid JSON ({error})")
            continue
        if not isinstance(result, dict):
            problems.append(f"{wanted['result']}: must be a JSON object")
            continue
        if result.get("plan_hash") != entry.plan_hash:
            problems.append(f"{wanted['result']}, field plan_hash: not the plan the manifest lists")
        if result.get("registration") != entry.registration:
            problems.append(
                f"{wanted['result']}, field registration: not the registration the manifest gives"
            )
        evaluations.append(
            VerifiedEvaluation(
                plan_hash=entry.plan_hash,
                registration=entry.registration,
                result=result,
                event_study_svg=texts["event_study_svg"],
                event_study_csv=texts["event_study_csv"],
                trajectories_svg=texts["trajectories_svg"],
                trajectories_csv=texts["trajectories_csv"],
            )
        )
    for name in sorted(set(files) - named):
        if EVALUATION_FILE.fullmatch(name):
            problems.append(f"{name}: an evaluation file the manifest's evaluations do not list")
    return evaluations, problems
