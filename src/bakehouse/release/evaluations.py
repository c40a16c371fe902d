"""Evaluations a release carries: each kept in the workspace for publication by `bakehouse
evaluate --publish`, copied into the release as flat files and listed in the manifest's
``evaluations`` section (docs/release.md).

Kept in the workspace, one folder per plan (a plan evaluated again replaces its folder)::

    <workspace>/evaluations/<recipe id>/<first 12 hex of the plan hash>/
        result.json  event_study.svg  event_study.csv  trajectories.svg  trajectories.csv

In the release (flat, as every release file): ``evaluation-<h12>.json``,
``evaluation-<h12>-event_study.svg`` and so on.

The disclosure rule: a result holds estimates and group means, never counts, but a group mean
over one or two areas is an area's rate, or a sum two published areas' counts undo, next to
counts the release withholds. So a result is published only when both the treated and the
comparison group hold at least :data:`MIN_AREAS` areas. `bakehouse evaluate --publish` refuses
to keep a result that breaks it, the writer refuses to carry one, and the output checker
(``evaluations_publishable``) checks the written files again on its own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bakehouse.custody.workspace import EVALUATIONS
from bakehouse.errors import ConfigError

MIN_AREAS = 3
# Each file of an evaluation: its name in the workspace's folder, and its suffix in the release
# after ``evaluation-<h12>``. The keys are the manifest's.
FILES = {
    "result": ("result.json", ".json"),
    "event_study_svg": ("event_study.svg", "-event_study.svg"),
    "event_study_csv": ("event_study.csv", "-event_study.csv"),
    "trajectories_svg": ("trajectories.svg", "-trajectories.svg"),
    "trajectories_csv": ("trajectories.csv", "-trajectories.csv"),
}
PLAN_HASH = re.compile(r"[0-9a-f]{64}")
SHORT = 12  # hex digits of the plan hash that name an evaluation's folder and files


def evaluations_folder(workspace: Path, recipe_id: str) -> Path:
    return workspace / EVALUATIONS / recipe_id


def evaluation_folder(workspace: Path, recipe_id: str, plan_hash: str) -> Path:
    return evaluations_folder(workspace, recipe_id) / plan_hash[:SHORT]


def disclosure_problems(result: Mapping[str, Any]) -> list[str]:
    """Why a result may not be published (empty when it may): each group mean must be over at
    least :data:`MIN_AREAS` areas."""
    problems = []
    for group in ("n_treated", "n_comparison"):
        count = result.get(group)
        if not isinstance(count, int) or count < MIN_AREAS:
            problems.append(
                f"{group.removeprefix('n_')} group of {count} area(s): a mean over fewer than "
                f"{MIN_AREAS} areas is close to an area's rate, whose counts a release may withhold"
            )
    return problems


@dataclass(frozen=True)
class KeptEvaluation:
    """An evaluation kept for publication: its plan hash, registration and folder."""

    plan_hash: str
    registration: str
    folder: Path

    def path(self, kind: str) -> Path:
        return self.folder / FILES[kind][0]

    def release_names(self) -> dict[str, str]:
        """The manifest's ``files`` of this evaluation: kind -> file name in the release."""
        return {
            kind: f"evaluation-{self.plan_hash[:SHORT]}{suffix}"
            for kind, (_, suffix) in FILES.items()
        }

    def as_manifest(self) -> dict[str, Any]:
        return {
            "plan_hash": self.plan_hash,
            "registration": self.registration,
            "files": self.release_names(),
        }


def read_kept(folder: Path) -> KeptEvaluation:
    """The evaluation kept in ``folder``, checked: every file present, the folder named by its
    plan hash, and the disclosure rule met."""
    missing = [name for name, _ in FILES.values() if not (folder / name).is_file()]
    if missing:
        raise ConfigError(
            f"The kept evaluation lacks {', '.join(missing)}",
            file=folder,
            fix="Evaluate the plan again with `bakehouse evaluate --publish`, or remove the folder",
        )
    path = folder / FILES["result"][0]
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        raise ConfigError(
            "The kept result is not valid JSON", file=path, fix="Evaluate the plan again"
        ) from None
    plan_hash = result.get("plan_hash") if isinstance(result, dict) else None
    if not isinstance(plan_hash, str) or not PLAN_HASH.fullmatch(plan_hash):
        raise ConfigError("The kept result has no plan hash", file=path, field="plan_hash")
    if folder.name != plan_hash[:SHORT]:
        raise ConfigError(
            f"The kept evaluation of plan {plan_hash[:SHORT]} is in a folder named {folder.name}",
            file=folder,
            fix="Evaluate the plan again with `bakehouse evaluate --publish`",
        )
    problems = disclosure_problems(result)
    if problems:
        raise ConfigError(
            f"The kept evaluation of plan {plan_hash[:SHORT]} cannot be published: "
            + "; ".join(problems),
            file=folder,
            fix="Remove the folder: a plan over so few areas is evaluated, not published",
        )
    return KeptEvaluation(plan_hash, str(result.get("registration", "")), folder)


def kept_evaluations(workspace: Path, recipe_id: str) -> list[KeptEvaluation]:
    """Every evaluation of ``recipe_id`` kept in ``workspace``, by plan hash."""
    folder = evaluations_folder(workspace, recipe_id)
    if not folder.is_dir():
        return []
    # A folder being written (``.<h12>.partial``) is not yet kept.
    return [
        read_kept(path)
        for path in sorted(folder.iterdir())
        if path.is_dir() and not path.name.startswith(".")
    ]
