"""Export a recipe as a pack another partnership can bake: one signed, deterministic zip file.

The pack holds the recipe folder, the specification and an agreement template for each source
it reads, the model card and transparency record of the workspace's last model run of this
recipe, the intervention files given (TIDieR descriptions and plans) and the evaluation results
the workspace keeps for publication for this recipe (each linked to the intervention of the
same plan hash), an evidence summary and the licence. Every file passes the safety scan
(``scan.py``, the output checker's rules) before anything is written; the manifest lists each
file's SHA-256 and is signed with the partnership's release signing key. Entries are sorted and
carry a fixed time, and Ed25519 signatures are deterministic, so the same inputs and key give
the same bytes.
"""

from __future__ import annotations

import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bakehouse import __version__
from bakehouse.errors import PackError
from bakehouse.evaluation.intervention import InterventionFile, load_intervention
from bakehouse.evaluation.plan import plan_hash
from bakehouse.ingest.agreement import Agreement, load_agreements
from bakehouse.ingest.spec import SourceSpec, load_specs
from bakehouse.modelling.store import ArtefactStore
from bakehouse.packs import documents, manifest
from bakehouse.packs.insight import InsightSummary, read_summary, summary_problems
from bakehouse.packs.manifest import ABSENT, Manifest, Section
from bakehouse.packs.scan import scan
from bakehouse.packs.templates import agreement_template, spec_template
from bakehouse.recipes.loader import LoadedRecipe
from bakehouse.release.evaluations import SHORT, kept_evaluations
from bakehouse.release.publish import strictest_rules
from bakehouse.release.signing import SigningKey
from bakehouse.yamlfiles import read_yaml

MODEL_DOCUMENTS = (
    "model_card.json",
    "model_card.md",
    "transparency_record.json",
    "transparency_record.md",
)
FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip entry can say: no time in the pack


@dataclass(frozen=True)
class ExportOptions:
    recipe: LoadedRecipe
    workspace: Path
    out: Path
    signing_key: SigningKey
    specs: Path | None = None  # default: the shipped source specifications
    agreements: Path | None = None  # default: the shipped agreements
    interventions: tuple[Path, ...] = ()  # intervention files of this recipe to carry
    # The web app's community insight summary (``manage.py export_insight_summary``).
    insight: Path | None = None


@dataclass(frozen=True)
class ExportResult:
    path: Path
    manifest: Manifest
    sha256: str
    key_id: str
    public_key: str


def export_pack(options: ExportOptions) -> ExportResult:
    """Build, scan, sign and write the pack; raise :class:`PackError` before writing anything if
    a part is missing or a file fails the scan."""
    loaded = options.recipe
    recipe = loaded.recipe
    run_id, run_folder = _model_run(options.workspace, loaded)
    rules = strictest_rules(options.workspace, recipe)
    files: dict[str, bytes] = {}
    sections: dict[Section, list[str]] = {}

    def add(section: Section, name: str, data: bytes) -> None:
        path = f"{section}/{name}"
        if not manifest.ENTRY_NAME.fullmatch(path):
            raise PackError(
                f"'{name}' cannot travel in a pack under that name",
                file=name,
                fix="Name files with letters, digits, '.', '_' and '-' only",
            )
        files[path] = data
        sections.setdefault(section, []).append(path)

    for relative, data in _recipe_files(loaded.folder):
        add(Section.RECIPE, relative, data)
    needs = []
    specs = load_specs(options.specs)
    agreements = load_agreements(options.agreements)
    for source, use in recipe.sources.items():
        spec, spec_file = _spec(specs, source, options.specs)
        agreement, agreement_file = _agreement(
            agreements, source, use.agreement, options.agreements
        )
        spec_name, agreement_name = f"{source}.yaml", f"{agreement.id}.yaml"
        add(Section.SOURCES, spec_name, spec_template(spec, _raw(spec_file)).text.encode())
        if f"{Section.AGREEMENTS}/{agreement_name}" not in files:
            template = agreement_template(
                agreement, _raw(agreement_file), recipe.id, list(recipe.sources)
            )
            add(Section.AGREEMENTS, agreement_name, template.text.encode())
        needs.append(
            manifest.SourceNeed(
                source=source,
                why=" ".join(use.why.split()),
                specification=f"{Section.SOURCES}/{spec_name}",
                agreement=agreement.id,
                agreement_template=f"{Section.AGREEMENTS}/{agreement_name}",
            )
        )
    for name in MODEL_DOCUMENTS:
        add(Section.MODEL, name, (run_folder / name).read_bytes())
    interventions = _interventions(options.interventions, recipe.id)
    for entry, (data, _) in interventions.items():
        add(Section.INTERVENTIONS, entry.file.removeprefix(f"{Section.INTERVENTIONS}/"), data)
    evaluations, results = _evaluations(options.workspace, recipe.id, list(interventions))
    for evaluation, result in zip(evaluations, results, strict=True):
        add(Section.EVALUATIONS, evaluation.file.removeprefix(f"{Section.EVALUATIONS}/"), result)
    insight = _insight(options.insight, recipe.id, rules.threshold)
    if insight is not None:
        add(Section.INSIGHT, "summary.json", insight[0])
    card = json.loads(files[f"{Section.MODEL}/model_card.json"])
    evaluated = documents.evaluated(
        [json.loads(result) for result in results],
        {entry.plan_hash: described for entry, (_, described) in interventions.items()},
    )
    add(
        Section.EVIDENCE,
        "summary.md",
        documents.evidence_summary(
            recipe,
            card,
            evaluated,
            [described for _, described in interventions.values()],
            insight[1] if insight is not None else None,
        ).encode(),
    )
    add(Section.LICENCE, "LICENCE.md", documents.licence(recipe).encode())

    findings = scan(files, rules.threshold, rules.rounding)
    if findings:
        listing = "\n  - ".join(str(finding) for finding in findings[:20])
        raise PackError(
            f"The pack was not written: {len(findings)} problem(s) the output checker's rules "
            f"found:\n  - {listing}\n",
            file=findings[0].file,
            fix="Nothing personal, no table and no count below the threshold may leave in a "
            "pack: correct the files named (or train again if a model document is named)",
        )
    document = Manifest(
        format=manifest.FORMAT,
        format_version=manifest.FORMAT_VERSION,
        recipe=manifest.PackRecipe(
            id=recipe.id, version=recipe.version, title=recipe.title, sha256=loaded.sha256
        ),
        code_version=__version__,
        model_run=run_id,
        disclosure=manifest.Rule(threshold=rules.threshold, rounding=rules.rounding),
        sections={section: sorted(names) for section, names in sorted(sections.items())},
        not_included={section: why for section, why in ABSENT.items() if section not in sections},
        sources=needs,
        checks=[
            manifest.CheckResult(
                name="pack_scan",
                passed=True,
                detail=f"{len(files)} files: text only, nothing like an identifier, every "
                "count in a document 0 or rounded above the threshold",
            )
        ],
        files={
            name: manifest.FileEntry(sha256=manifest.sha256(data), bytes=len(data))
            for name, data in sorted(files.items())
        },
        interventions=sorted(interventions, key=lambda entry: entry.file),
        evaluations=evaluations,
    )
    signed = manifest.manifest_bytes(document)
    files[manifest.MANIFEST] = signed
    files[manifest.SIGNATURE] = options.signing_key.signature_for(signed)
    _write_zip(options.out, files)
    return ExportResult(
        path=options.out,
        manifest=document,
        sha256=manifest.sha256(options.out.read_bytes()),
        key_id=options.signing_key.key_id,
        public_key=options.signing_key.public.text,
    )


def _model_run(workspace: Path, loaded: LoadedRecipe) -> tuple[str, Path]:
    """The last complete model run of this recipe in the workspace, trained on this version."""
    store = ArtefactStore(workspace, loaded.id)
    run_id = store.latest()
    record = store.complete(run_id) if run_id is not None else None
    train = f"bakehouse train --recipe {loaded.id} --workspace {workspace}"
    if run_id is None or record is None:
        raise PackError(
            "No complete model run of this recipe in the workspace: a pack carries the model "
            "card and transparency record of its last run",
            file=workspace,
            fix=f"Run the recipe first (`{train}`, or `bakehouse run`)",
        )
    trained_on = record.get("recipe", {}).get("sha256")
    if trained_on != loaded.sha256:
        raise PackError(
            "The last model run in the workspace was trained on another version of the recipe: "
            "its model card would not describe the recipe packed",
            file=store.folder(run_id),
            fix=f"Train this version first (`{train}`)",
        )
    return run_id, store.folder(run_id)


def _interventions(
    paths: tuple[Path, ...], recipe_id: str
) -> dict[manifest.PackIntervention, tuple[bytes, InterventionFile]]:
    """Each intervention file given, validated with the library's loader and for this recipe:
    its manifest entry, its bytes as written and what it describes."""
    found: dict[manifest.PackIntervention, tuple[bytes, InterventionFile]] = {}
    names: dict[str, Path] = {}
    for path in paths:
        described = load_intervention(path)
        if described.recipe != recipe_id:
            raise PackError(
                f"The intervention is of recipe '{described.recipe}', not '{recipe_id}'",
                file=path,
                field="recipe",
                fix="Give only the intervention files of the recipe packed",
            )
        name = f"{Section.INTERVENTIONS}/{path.stem}.yaml"
        if name in names:
            raise PackError(
                f"Two intervention files would travel as {name}: {names[name]} and this one",
                file=path,
                fix="Rename one of them",
            )
        names[name] = path
        entry = manifest.PackIntervention(
            file=name, title=described.title, plan_hash=plan_hash(described.plan)
        )
        found[entry] = (path.read_bytes(), described)
    return found


def _insight(
    path: Path | None, recipe_id: str, threshold: int
) -> tuple[bytes, InsightSummary] | None:
    """The community insight summary's bytes as the web app wrote them, and what it holds;
    refused, naming the first field at fault, unless it holds only published figures of this
    recipe under a threshold at least the pack's."""
    if path is None:
        return None
    try:
        data = path.read_bytes()
    except OSError as error:
        raise PackError(f"Cannot read the insight summary ({error.strerror})", file=path) from None
    problems = summary_problems(data, threshold)
    if problems:
        raise PackError(
            f"The community insight summary cannot travel: {len(problems)} problem(s): "
            + "; ".join(problems[:10]),
            file=path,
            field=problems[0].split(":", 1)[0],
            fix="Only published figures may leave: export it again with `manage.py "
            "export_insight_summary` and give that file unchanged",
        )
    summary = read_summary(data, threshold)
    if summary.recipe != recipe_id:
        raise PackError(
            f"The insight summary is of recipe '{summary.recipe}', not '{recipe_id}'",
            file=path,
            field="recipe",
            fix="Give the summary exported for the recipe packed",
        )
    return data, summary


def _evaluations(
    workspace: Path, recipe_id: str, interventions: list[manifest.PackIntervention]
) -> tuple[list[manifest.PackEvaluation], list[bytes]]:
    """Every evaluation of the recipe kept for publication in the workspace, read and checked
    as a release reads it (the disclosure rule included): its manifest entry and its result
    JSON, linked to the intervention file of the same plan."""
    plans = {entry.plan_hash: entry.file for entry in interventions}
    entries, results = [], []
    for kept in kept_evaluations(workspace, recipe_id):
        result = kept.path("result").read_bytes()
        verdict = json.loads(result).get("verdict")
        if not isinstance(verdict, str) or not verdict.strip():
            raise PackError(
                "The kept evaluation gives no verdict",
                file=kept.path("result"),
                field="verdict",
                fix="Evaluate the plan again with `bakehouse evaluate --publish`",
            )
        entries.append(
            manifest.PackEvaluation(
                file=f"{Section.EVALUATIONS}/{kept.plan_hash[:SHORT]}.json",
                plan_hash=kept.plan_hash,
                verdict=verdict,
                registration=kept.registration,
                intervention=plans.get(kept.plan_hash),
            )
        )
        results.append(result)
    return entries, results


def _recipe_files(folder: Path) -> list[tuple[str, bytes]]:
    """Every file of the recipe folder, by relative path; hidden files and caches left out."""
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if any(part.startswith(".") or part == "__pycache__" for part in relative.parts):
            continue
        if path.is_symlink():
            raise PackError(
                "A recipe folder holding a link cannot be packed",
                file=path,
                fix="Replace the link with the file itself",
            )
        if path.is_file():
            found.append((relative.as_posix(), path.read_bytes()))
    return found


def _spec(
    specs: dict[str, SourceSpec], source: str, folder: Path | None
) -> tuple[SourceSpec, Path]:
    """The source's specification and the file it was read from."""
    spec = specs.get(source)
    if spec is None or spec.path is None:
        raise PackError(
            f"No source specification for '{source}', which the recipe reads",
            file=folder or "the shipped specifications",
            fix="Give the folder of your source specifications with --specs",
        )
    return spec, spec.path


def _agreement(
    agreements: dict[str, Agreement], source: str, expected: str | None, folder: Path | None
) -> tuple[Agreement, Path]:
    """The agreement covering the source, the one the recipe expects, and its file."""
    agreement = agreements.get(source)
    if agreement is None or agreement.path is None:
        raise PackError(
            f"No data sharing agreement covers '{source}', which the recipe reads",
            file=folder or "the shipped agreements",
            fix="Give the folder of your agreements with --agreements",
        )
    if expected is not None and agreement.id != expected:
        raise PackError(
            f"Source '{source}' is covered by agreement {agreement.id}; the recipe expects "
            f"{expected}",
            file=agreement.path,
            fix="Give the agreements the recipe was run under with --agreements",
        )
    return agreement, agreement.path


def _raw(path: Path) -> dict[str, Any]:
    data = read_yaml(path, "settings")
    return dict(data) if isinstance(data, dict) else {}


def _write_zip(out: Path, files: dict[str, bytes]) -> None:
    """The zip, written beside ``out`` and renamed into place: never a half-written pack."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    with zipfile.ZipFile(partial, "w") as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever system writes it
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name], compresslevel=9)
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    partial.replace(out)
