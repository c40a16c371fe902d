"""Import a verified recipe pack into a workspace, and say what the partnership must supply.

Every part is validated before anything is installed: the pack is scanned again with the output
checker's rules (a signature proves who sent it, not that it is safe); the recipe with the same
loader as ``bakehouse recipes check`` (its own features' SQL against the leakage guard too), and
its hash against the manifest's; each specification and agreement template against the
ingestion models, where the only problems allowed are the blanks left to fill in; each
intervention file with the library's loader (``load_intervention``), for this recipe and the
plan hash its manifest entry names; each evaluation result as JSON of the plan its entry names
(the scan has already applied the release's disclosure rule to it); the community insight
summary for this recipe (the scan has already held it to its format and the threshold).

Installed, the recipe folder is ``<workspace>/recipes/<id>/``, which ``--recipe ID --workspace
WS`` finds before a built-in recipe of the same id; the pack as received (templates, documents,
manifest, signature) is kept in ``<workspace>/packs/<id>/`` with ``installed.json``: which key
signed it, its fingerprint and the pack's SHA-256. The interventions and evaluations stay there
(``interventions/<slug>.yaml``, ``evaluations/<h12>.json``): not in the recipe folder, whose
every file a later export of the recipe would carry, and not in the workspace's own
``evaluations/``, whose results the partnership's next release would publish as its own. The
community insight summary stays there too (``insight/summary.json``): what the publisher's
communities said, not the receiver's.

The install is one workspace change: staged, then moved in at once under the workspace's lock,
with a ``recipe.imported`` event in the audit log (recipe, version, the pack's SHA-256, the
signer's key id).
"""

from __future__ import annotations

import json
import shutil
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import yaml
from pydantic import BaseModel

from bakehouse.custody.audit import AuditEvent
from bakehouse.custody.workspace import PACKS, RECIPES, Staging, Workspace
from bakehouse.errors import ConfigError, PackError
from bakehouse.evaluation.intervention import load_intervention
from bakehouse.evaluation.plan import plan_hash
from bakehouse.features.asof import LeakageError, check_query
from bakehouse.features.build import feature_queries
from bakehouse.ingest.agreement import Agreement, load_agreements
from bakehouse.ingest.spec import SourceSpec, load_specs
from bakehouse.packs.insight import InsightSummary
from bakehouse.packs.manifest import (
    INSIGHT_SUMMARY,
    MANIFEST,
    SIGNATURE,
    PackEvaluation,
    PackIntervention,
    Section,
    SourceNeed,
)
from bakehouse.packs.scan import scan
from bakehouse.packs.templates import blank_fields
from bakehouse.packs.verify import VerifiedPack
from bakehouse.recipes.loader import LoadedRecipe, load_recipe
from bakehouse.recipes.schema import RecipeError
from bakehouse.release.evaluations import SHORT
from bakehouse.release.signing import PublicKey

INSTALLED = "installed.json"


@dataclass(frozen=True)
class SourceStatus:
    """A source the recipe reads: its templates, what they leave to fill in, and whether the
    partnership's own specification, agreement and extract are in place (None: not looked at)."""

    need: SourceNeed
    specification: Path
    specification_fill_in: tuple[str, ...]
    agreement_template: Path
    agreement_fill_in: tuple[str, ...]
    specification_in_place: bool | None
    agreement_in_place: bool | None
    extract_found: bool | None


@dataclass(frozen=True)
class InstalledIntervention:
    title: str
    path: Path


@dataclass(frozen=True)
class InstalledEvaluation:
    """An evaluation result installed: its verdict and registration as the result says them,
    and the title of the intervention whose plan it evaluated (None: not in the pack)."""

    path: Path
    verdict: str
    registration: str
    intervention: str | None


@dataclass(frozen=True)
class InstalledInsight:
    """The community insight summary installed: how many rounds and surveys it reports."""

    path: Path
    rounds: int
    surveys: int


@dataclass(frozen=True)
class Installed:
    recipe: LoadedRecipe
    pack_folder: Path
    key_id: str
    replaced: bool
    sources: list[SourceStatus]
    interventions: list[InstalledIntervention]
    evaluations: list[InstalledEvaluation]
    insight: InstalledInsight | None = None

    @property
    def ready(self) -> bool:
        """Whether every source's specification, agreement and extract were found in place."""
        return all(
            status.specification_in_place and status.agreement_in_place and status.extract_found
            for status in self.sources
        )


@dataclass(frozen=True)
class Supplied:
    """The partnership's own folders, looked at to say what is in place (each optional)."""

    specs: Path | None = None
    agreements: Path | None = None
    sources: Path | None = None


def install_pack(
    verified: VerifiedPack,
    workspace: Path,
    trusted: list[PublicKey],
    supplied: Supplied,
    replace: bool = False,
) -> Installed:
    """Validate every part of ``verified`` and install it; :class:`PackError` names the part
    that failed, and nothing is installed then."""
    document = verified.manifest
    recipe_id = document.recipe.id
    findings = scan(verified.files, document.disclosure.threshold, document.disclosure.rounding)
    if findings:
        raise PackError(
            f"The pack holds what no pack may: {'; '.join(str(f) for f in findings[:10])}",
            file=f"{verified.path}:{findings[0].file}",
            fix="Do not use it: tell the publishing partnership",
        )
    root = Path(workspace)
    target, kept = root / RECIPES / recipe_id, root / PACKS / recipe_id
    workspace_ = Workspace(root)
    with workspace_.locked():
        replaced = target.exists() or kept.exists()
        if replaced and not replace:
            raise PackError(
                f"The recipe '{recipe_id}' is already installed in this workspace",
                file=target,
                fix="Give --replace to install this pack in its place",
            )
        with workspace_.change(f"pack-{uuid.uuid4().hex[:12]}") as staging:
            statuses = _stage(verified, staging, supplied, kept)
            interventions = [
                _check_intervention(verified, entry, staging.folder / PACKS / recipe_id, kept)
                for entry in document.interventions
            ]
            titles = {entry.file: entry.title for entry in document.interventions}
            evaluations = [
                _check_evaluation(verified, entry, titles, kept) for entry in document.evaluations
            ]
            insight = _check_insight(verified, kept)
            signer = next(key for key in trusted if key.key_id == verified.key_id)
            record = {
                "pack": verified.path.name,
                "sha256": verified.sha256,
                "signed_by": {"key_id": verified.key_id, "public_key": signer.text},
                "recipe": document.recipe.model_dump(mode="json"),
                "installed_at": datetime.now(UTC).isoformat(timespec="seconds"),
            }
            staging.path(f"{PACKS}/{recipe_id}/{INSTALLED}").write_text(
                json.dumps(record, indent=2) + "\n", encoding="utf-8"
            )
            staging.record(
                AuditEvent(
                    action="recipe.imported",
                    details={
                        "recipe": recipe_id,
                        "version": document.recipe.version,
                        "pack_sha256": verified.sha256,
                        "signed_by": verified.key_id,
                        "replaced": replaced,
                    },
                )
            )
            # The new files are moved in as the change commits; an older installation's files
            # go first, so none of them lingers beside the new ones.
            for old in (target, kept):
                shutil.rmtree(old, ignore_errors=True)
    return Installed(
        load_recipe(recipe_id, root),
        kept,
        verified.key_id,
        replaced,
        statuses,
        interventions,
        evaluations,
        insight,
    )


def _stage(
    verified: VerifiedPack, staging: Staging, supplied: Supplied, kept: Path
) -> list[SourceStatus]:
    """Stage the recipe folder and the pack, and validate every part; the statuses name the
    templates where they will be kept."""
    recipe_id = verified.manifest.recipe.id
    for name, data in verified.files.items():
        staging.path(f"{PACKS}/{recipe_id}/{name}").write_bytes(data)
        inside = _in_recipe(name)
        if inside is not None:
            staging.path(f"{RECIPES}/{recipe_id}/{inside}").write_bytes(data)
    staging.path(f"{PACKS}/{recipe_id}/{MANIFEST}").write_bytes(verified.manifest_bytes)
    staging.path(f"{PACKS}/{recipe_id}/{SIGNATURE}").write_bytes(verified.signature)
    loaded = _check_recipe(verified, staging.folder / RECIPES / recipe_id)
    own = _Own(
        specs=load_specs(supplied.specs) if supplied.specs is not None else None,
        agreements=load_agreements(supplied.agreements)
        if supplied.agreements is not None
        else None,
        extracts=_extracts(supplied.sources),
    )
    return [
        _check_source(verified, need, loaded.id, own, kept) for need in verified.manifest.sources
    ]


@dataclass(frozen=True)
class _Own:
    specs: dict[str, SourceSpec] | None
    agreements: dict[str, Agreement] | None
    extracts: Path | None


def _extracts(sources: Path | None) -> Path | None:
    """The folder of extracts: a world folder's ``extracts/``, else the folder given."""
    if sources is None:
        return None
    return sources / "extracts" if (sources / "extracts").is_dir() else sources


def _in_recipe(name: str) -> str | None:
    prefix = f"{Section.RECIPE}/"
    return name.removeprefix(prefix) if name.startswith(prefix) else None


def _check_recipe(verified: VerifiedPack, folder: Path) -> LoadedRecipe:
    where = f"{verified.path}:{Section.RECIPE}/recipe.yaml"
    try:
        loaded = load_recipe(folder)
    except RecipeError as error:
        raise PackError(
            f"The pack's recipe does not validate: {error.what}",
            file=where,
            fix="Do not use it: tell the publishing partnership",
        ) from None
    expected = verified.manifest.recipe
    if loaded.id != expected.id or loaded.sha256 != expected.sha256:
        raise PackError(
            "The pack's recipe is not the one its manifest names (id or content differ)",
            file=where,
            fix="Do not use it: tell the publishing partnership",
        )
    problems = []
    con = duckdb.connect()
    for feature in loaded.features:
        if feature.own:
            try:
                for view, sql in feature_queries([feature]).items():
                    check_query(con, sql, view, feature=feature.name)
            except LeakageError as error:
                problems.append(error.message)
    if problems:
        raise PackError(
            f"The pack's recipe has features the leakage guard refuses: {'; '.join(problems)}",
            file=f"{verified.path}:{Section.RECIPE}/features.yaml",
            fix="Do not use it: tell the publishing partnership",
        )
    return loaded


def _check_intervention(
    verified: VerifiedPack, entry: PackIntervention, staged: Path, kept: Path
) -> InstalledIntervention:
    """The intervention file, read by the library's loader from where it is staged, for this
    recipe and of the plan its manifest entry names."""
    where = f"{verified.path}:{entry.file}"
    fix = "Do not use it: tell the publishing partnership"
    try:
        described = load_intervention(staged / entry.file)
    except ConfigError as error:
        raise PackError(
            f"The intervention {entry.file} does not validate: {error.what}",
            file=where,
            field=error.field,
            fix=fix,
        ) from None
    problems = []
    if described.recipe != verified.manifest.recipe.id:
        problems.append(f"it is of recipe '{described.recipe}'")
    if described.title != entry.title:
        problems.append("its title is not the manifest's")
    if plan_hash(described.plan) != entry.plan_hash:
        problems.append("its plan is not the one the manifest names")
    if problems:
        raise PackError(
            f"The intervention {entry.file} is not what the manifest says: {'; '.join(problems)}",
            file=where,
            fix=fix,
        )
    return InstalledIntervention(title=described.title, path=kept / entry.file)


def _check_evaluation(
    verified: VerifiedPack, entry: PackEvaluation, titles: dict[str, str], kept: Path
) -> InstalledEvaluation:
    """The evaluation result: a result of the plan its manifest entry names, with a verdict."""
    where = f"{verified.path}:{entry.file}"
    result = json.loads(verified.files[entry.file])  # the scan has parsed it already
    problems = []
    if result.get("plan_hash") != entry.plan_hash:
        problems.append("its plan hash is not the manifest's")
    if entry.file != f"{Section.EVALUATIONS}/{entry.plan_hash[:SHORT]}.json":
        problems.append("it is not named by its plan hash")
    if result.get("registration") != entry.registration:
        problems.append("its registration is not the manifest's")
    if result.get("verdict") != entry.verdict:
        problems.append("its verdict is not the manifest's")
    if problems:
        raise PackError(
            f"The evaluation {entry.file} is not what the manifest says: {'; '.join(problems)}",
            file=where,
            fix="Do not use it: tell the publishing partnership",
        )
    return InstalledEvaluation(
        path=kept / entry.file,
        verdict=" ".join(entry.verdict.split()),
        registration=entry.registration,
        intervention=titles.get(entry.intervention) if entry.intervention else None,
    )


def _check_insight(verified: VerifiedPack, kept: Path) -> InstalledInsight | None:
    """The community insight summary, of this recipe; None when the pack carries none."""
    data = verified.files.get(INSIGHT_SUMMARY)
    if data is None:
        return None
    where = f"{verified.path}:{INSIGHT_SUMMARY}"
    # The scan has held it to its format and the threshold already.
    summary = InsightSummary.model_validate_json(data)
    if summary.recipe != verified.manifest.recipe.id:
        raise PackError(
            f"The insight summary is of recipe '{summary.recipe}', not the pack's",
            file=where,
            field="recipe",
            fix="Do not use it: tell the publishing partnership",
        )
    return InstalledInsight(kept / INSIGHT_SUMMARY, len(summary.rounds), len(summary.surveys))


def _template(
    verified: VerifiedPack, name: str, model: type[BaseModel], expect: dict[str, Any]
) -> tuple[str, ...]:
    """The blanks of template ``name``, after checking it is otherwise valid and says what the
    manifest says it is for."""
    text = verified.files[name].decode("utf-8")
    blanks, problems = blank_fields(text, model)
    data = yaml.safe_load(text)
    for key, wanted in expect.items():
        value = data.get(key) if isinstance(data, dict) else None
        listed = value if isinstance(value, list) else [value]
        ids = [item.get("id") if isinstance(item, dict) else item for item in listed]
        if wanted not in ids:
            problems.append(f"{key}: not for {wanted}")
    if problems:
        raise PackError(
            f"The template {name} does not validate: {'; '.join(problems[:10])}",
            file=f"{verified.path}:{name}",
            fix="Do not use it: tell the publishing partnership",
        )
    return tuple(blanks)


def _check_source(
    verified: VerifiedPack, need: SourceNeed, recipe_id: str, own: _Own, kept: Path
) -> SourceStatus:
    spec_blanks = _template(verified, need.specification, SourceSpec, {"source": need.source})
    agreement_blanks = _template(
        verified,
        need.agreement_template,
        Agreement,
        {"id": need.agreement, "sources": need.source, "purposes": recipe_id},
    )
    spec_in_place = agreement_in_place = extract_found = None
    pattern = str(yaml.safe_load(verified.files[need.specification]).get("file") or "")
    if own.specs is not None:
        spec = own.specs.get(need.source)
        spec_in_place = spec is not None
        pattern = spec.file if spec is not None else pattern
    if own.agreements is not None:
        agreement = own.agreements.get(need.source)
        agreement_in_place = (
            agreement is not None
            and agreement.id == need.agreement
            and recipe_id in agreement.purpose_ids()
        )
    if own.extracts is not None:
        extract_found = bool(pattern) and any(own.extracts.glob(pattern))
    return SourceStatus(
        need=need,
        specification=kept / need.specification,
        specification_fill_in=spec_blanks,
        agreement_template=kept / need.agreement_template,
        agreement_fill_in=agreement_blanks,
        specification_in_place=spec_in_place,
        agreement_in_place=agreement_in_place,
        extract_found=extract_found,
    )
