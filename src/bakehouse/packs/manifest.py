"""A recipe pack's manifest: what the pack holds, section by section, the SHA-256 of every file,
what the recipe needs from the partnership that bakes it, and the checks its export passed.

``manifest.json`` is canonical JSON (sorted keys, two-space indent), so the same contents give the
same bytes; ``manifest.sig`` beside it is an Ed25519 signature over those bytes, made and checked
as a release's is (``bakehouse.release.signing``). One signature covers every file through its
hash.
"""

from __future__ import annotations

import hashlib
import json
import re
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

FORMAT: Literal["bakehouse-recipe-pack"] = "bakehouse-recipe-pack"
# 2 added the interventions and evaluations sections and their entries; a format 1 pack (which
# holds neither) still reads. The insight section needs no entry in the manifest: a reader that
# predates it refuses a pack holding it, asking for an upgrade.
FORMAT_VERSION = 2
READABLE_VERSIONS = (1, 2)
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
# Safe relative paths only: no folder above the pack, no hidden file, no odd character.
ENTRY_NAME = re.compile(r"[a-z]+(/[A-Za-z0-9][A-Za-z0-9_.\-]*)+")


class Section(StrEnum):
    """A part of a pack; its files live under ``<section>/``."""

    RECIPE = "recipe"
    SOURCES = "sources"
    AGREEMENTS = "agreements"
    MODEL = "model"
    EVIDENCE = "evidence"
    LICENCE = "licence"
    INTERVENTIONS = "interventions"
    EVALUATIONS = "evaluations"
    INSIGHT = "insight"


# Every pack of this format holds these.
REQUIRED = (
    Section.RECIPE,
    Section.SOURCES,
    Section.AGREEMENTS,
    Section.MODEL,
    Section.EVIDENCE,
    Section.LICENCE,
)
# Optional sections, and why one is absent from a pack (listed in ``not_included``).
ABSENT = {
    Section.INTERVENTIONS: "the intervention descriptions (TIDieR): no intervention file given",
    Section.EVALUATIONS: "the evaluation plans and results: no evaluation kept for publication",
    Section.INSIGHT: "the community insight summary: no published community insight given",
}
INSIGHT_SUMMARY = f"{Section.INSIGHT}/summary.json"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FileEntry(_Strict):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    bytes: int = Field(ge=0)


class PackRecipe(_Strict):
    id: str
    version: str
    title: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")


class SourceNeed(_Strict):
    """A source the recipe reads, with the files the partnership completes to take it in."""

    source: str
    why: str
    specification: str
    agreement: str
    agreement_template: str


class Rule(_Strict):
    threshold: int = Field(ge=0)
    rounding: int = Field(ge=1)


class CheckResult(_Strict):
    name: str
    passed: bool
    detail: str


class PackIntervention(_Strict):
    """An intervention file carried, and the hash of its evaluation plan."""

    file: str
    title: str
    plan_hash: str = Field(pattern=r"^[0-9a-f]{64}$")


class PackEvaluation(_Strict):
    """An evaluation result carried: its verdict and registration as the result words them (so
    a reader of the manifest alone, the web app's recipes page, can say what was found), and the
    intervention file whose plan it evaluated (None when the pack carries no file with that
    plan)."""

    file: str
    plan_hash: str = Field(pattern=r"^[0-9a-f]{64}$")
    verdict: str = Field(min_length=1)
    registration: str
    intervention: str | None


class Manifest(_Strict):
    format: Literal["bakehouse-recipe-pack"]
    format_version: int
    recipe: PackRecipe
    code_version: str
    model_run: str
    disclosure: Rule
    sections: dict[Section, list[str]]
    not_included: dict[Section, str]
    sources: list[SourceNeed]
    checks: list[CheckResult]
    files: dict[str, FileEntry]
    interventions: list[PackIntervention] = Field(default_factory=list)
    evaluations: list[PackEvaluation] = Field(default_factory=list)

    @model_validator(mode="after")
    def _consistent(self) -> Manifest:
        problems = []
        listed = [name for names in self.sections.values() for name in names]
        if sorted(listed) != sorted(self.files):
            problems.append("the sections do not list exactly the files")
        for section, names in self.sections.items():
            for name in names:
                if not ENTRY_NAME.fullmatch(name) or not name.startswith(f"{section}/"):
                    problems.append(f"{name!r} is not a file of section {section}")
        for need in self.sources:
            for name in (need.specification, need.agreement_template):
                if name not in self.files:
                    problems.append(f"{name!r} is named by source {need.source} but not packed")
        insight = self.sections.get(Section.INSIGHT)
        if insight is not None and insight != [INSIGHT_SUMMARY]:
            problems.append(f"the {Section.INSIGHT} section holds {INSIGHT_SUMMARY} alone")
        problems += self._entries_listed()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _entries_listed(self) -> list[str]:
        """Each intervention and evaluation file has its entry, and each entry its file."""
        problems = []
        for section, entries in (
            (Section.INTERVENTIONS, [item.file for item in self.interventions]),
            (Section.EVALUATIONS, [item.file for item in self.evaluations]),
        ):
            if sorted(entries) != sorted(self.sections.get(section, [])):
                problems.append(f"the {section} entries do not list exactly the {section} files")
        plans = {item.file: item.plan_hash for item in self.interventions}
        for evaluation in self.evaluations:
            linked = evaluation.intervention
            if linked is not None and plans.get(linked) != evaluation.plan_hash:
                problems.append(f"{evaluation.file} is linked to {linked}, of another plan")
        return problems


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_bytes(manifest: Manifest) -> bytes:
    """The canonical bytes the signature covers."""
    document = manifest.model_dump(mode="json")
    return (json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()
