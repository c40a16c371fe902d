"""Imports a verified release in one transaction, with its governance event. It arrives as a
draft, which the public does not see until a custodian publishes it (``lifecycle``). Earlier
releases stay: pages show the current one, the history compares any two published ones."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction

from web.accounts.models import User
from web.governance.models import Action
from web.governance.services import record_event
from web.jobs.progress import Progress, no_progress
from web.releases import contract
from web.releases.models import (
    Area,
    Benchmark,
    Document,
    Driver,
    Release,
    ReleaseEvaluation,
    ReleaseStatus,
    TrendPoint,
)
from web.releases.verification import (
    STEP_STORE,
    STEPS,
    ReleaseRefused,
    VerifiedRelease,
    verify_release,
)

AREA_FIELDS = [column.name for column in contract.TABLES[contract.AREAS]]
# Columns of words rather than codes or categories.
FREE_TEXT = frozenset({"flag_reasons", "summary", "code", "name", "feature", "label", "text"})


def import_release(
    folder: Path, *, actor: User | None = None, progress: Progress = no_progress
) -> Release:
    """Verify the release in ``folder`` and import it as a draft. A refused release is logged as
    such and raises ``ReleaseRefused``. ``progress`` hears each step (``verification.STEPS``)."""
    try:
        verified = verify_release(folder, progress=progress)
        _refuse_if_imported(folder, verified.manifest.release_id)
        progress(STEPS.index(STEP_STORE), len(STEPS), STEP_STORE)
        try:
            with transaction.atomic():
                release = _write(verified, actor)
                record_event(
                    Action.RELEASE_IMPORTED,
                    actor=actor,
                    subject=release,
                    detail={
                        "title": release.title,
                        "folder": str(folder),
                        "areas": len(verified.tables[contract.AREAS]),
                        "flagged": sum(row["flagged"] for row in verified.tables[contract.AREAS]),
                        "evaluations": [e.plan_hash for e in verified.evaluations],
                        "signed_by": verified.signed_by,
                        "status": release.status,
                    },
                )
        except IntegrityError:
            # The same release imported at the same moment was written first: PostgreSQL made
            # this import wait for it, then refused the second copy of its id.
            _refuse_if_imported(folder, verified.manifest.release_id)
            raise
    except ReleaseRefused as refusal:
        record_event(
            Action.RELEASE_REFUSED,
            actor=actor,
            detail={"folder": str(folder), "problems": refusal.problems[:20]},
        )
        raise
    progress(len(STEPS), len(STEPS), STEP_STORE)
    return release


def _refuse_if_imported(folder: Path, release_id: str) -> None:
    already = Release.objects.filter(pk=release_id).first()
    if already is not None:
        raise ReleaseRefused(
            Path(folder),
            [
                f"release {already.id} was imported on {already.imported_at:%d %B %Y}; "
                "a release is never imported twice (publish a new one)"
            ],
        )


def imported_as(folder: Path) -> Release | None:
    """The release already imported from this folder's manifest (same id and the same file
    hashes), if any. A folder whose manifest cannot be read answers None: importing it will
    say why."""
    try:
        manifest = json.loads((Path(folder) / contract.MANIFEST).read_text(encoding="utf-8"))
        release_id, files = manifest["release_id"], manifest["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    found = Release.objects.filter(pk=str(release_id)).first()
    if found is None or found.manifest.get("files") != files:
        return None
    return found


def _write(verified: VerifiedRelease, actor: User | None) -> Release:
    manifest = verified.manifest
    release = Release.objects.create(
        id=manifest.release_id,
        title=manifest.title,
        created_at=manifest.created_at,
        recipe=manifest.recipe.id,
        recipe_version=manifest.recipe.version,
        run_id=manifest.run_id,
        area_name=manifest.area.name,
        as_at=manifest.as_at,
        manifest=verified.raw_manifest,
        imported_by=actor,
        status=ReleaseStatus.DRAFT,
        signed_by=verified.signed_by,
    )
    areas = Area.objects.bulk_create(
        Area(
            release=release,
            geometry=verified.geometry[row["lsoa11cd"]],
            **{name: _value(name, row[name]) for name in AREA_FIELDS},
        )
        for row in verified.tables[contract.AREAS]
    )
    by_code = {area.lsoa11cd: area for area in areas}
    TrendPoint.objects.bulk_create(
        TrendPoint(
            area=by_code[row["lsoa11cd"]],
            **{name: value for name, value in row.items() if name != "lsoa11cd"},
        )
        for row in verified.tables[contract.TREND]
    )
    Driver.objects.bulk_create(
        Driver(
            area=by_code[row["lsoa11cd"]],
            **{name: _value(name, value) for name, value in row.items() if name != "lsoa11cd"},
        )
        for row in verified.tables[contract.DRIVERS]
    )
    Benchmark.objects.bulk_create(
        Benchmark(release=release, **{name: _value(name, value) for name, value in row.items()})
        for row in verified.tables[contract.BENCHMARKS]
    )
    Document.objects.bulk_create(
        Document(release=release, name=name, content=content, markdown=markdown)
        for name, (content, markdown) in verified.documents.items()
    )
    ReleaseEvaluation.objects.bulk_create(
        ReleaseEvaluation(
            release=release,
            plan_hash=evaluation.plan_hash,
            registration=evaluation.registration,
            result=evaluation.result,
            event_study_svg=evaluation.event_study_svg,
            event_study_csv=evaluation.event_study_csv,
            trajectories_svg=evaluation.trajectories_svg,
            trajectories_csv=evaluation.trajectories_csv,
        )
        for evaluation in verified.evaluations
    )
    return release


def _value(name: str, value: Any) -> Any:
    """Free text may be empty (null) in the release; the database keeps it as ''."""
    return "" if value is None and name in FREE_TEXT else value
