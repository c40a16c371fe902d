"""A partnership that has baked school readiness on a small Basildon world and exports it (with
and without evaluations of interventions, with and without its community insight summary), and
the answers another partnership writes into the pack's templates."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from bakehouse.cli import app
from bakehouse.custody import init_key
from bakehouse.evaluation import evaluate
from bakehouse.evaluation.plan import Design, EvaluationPlan
from bakehouse.evaluation.result import Result
from bakehouse.evaluation.simulate import Scenario, simulate_panel
from bakehouse.evaluation.workspace import keep_result
from bakehouse.packs import ExportOptions, ExportResult, export_pack
from bakehouse.recipes import load_recipe
from bakehouse.recipes.loader import BUILTIN_DIR
from bakehouse.release.signing import SigningKey, generate_key
from bakehouse.world.generate import WorldSummary

runner = CliRunner()
RECIPE = "school-readiness"
OUTCOME = "not reaching a Good Level of Development at the end of Reception"
PRE_REGISTERED = "pre-registered: frozen 2023-06-01T09:00:00+00:00 (plan 000000000000)"


@dataclass(frozen=True)
class Publisher:
    """The exporting partnership: its world, workspace, keys and the recipe folder it ran."""

    world: Path
    workspace: Path
    recipe: Path
    custodian_key: Path
    signing_key: SigningKey
    releases: Path


def quick_recipe(folder: Path) -> Path:
    """School readiness as shipped, with fewer resamples and refits and one thread (quicker to
    validate on a busy machine); the same id, sources and features."""
    text = (BUILTIN_DIR / "school-readiness" / "recipe.yaml").read_text(encoding="utf-8")
    for old, new in (
        ("  bootstrap: 500", "  bootstrap: 100"),
        ("  uncertainty_refits: 20", "  uncertainty_refits: 4"),
        ("  threads: 2", "  threads: 1"),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    folder.mkdir(parents=True)
    (folder / "recipe.yaml").write_text(text, encoding="utf-8")
    return folder


def run_recipe(arguments: list[str]) -> None:
    outcome = runner.invoke(app, ["run", *arguments])
    assert outcome.exit_code == 0, outcome.output


@pytest.fixture(scope="session")
def publisher(
    tmp_path_factory: pytest.TempPathFactory, small_world_factory: Callable[..., WorldSummary]
) -> Publisher:
    root = tmp_path_factory.mktemp("basildon-partnership")
    found = Publisher(
        world=small_world_factory().out,
        workspace=root / "ws",
        recipe=quick_recipe(root / "recipes" / "school-readiness"),
        custodian_key=init_key(root / "keys" / "custodian.key"),
        signing_key=generate_key(root / "keys" / "signing.key"),
        releases=root / "releases",
    )
    run_recipe(
        [
            "--recipe", str(found.recipe),
            "--sources", str(found.world),
            "--workspace", str(found.workspace),
            "--out", str(found.releases),
            "--key-file", str(found.custodian_key),
            "--signing-key", found.signing_key.origin,
        ]
    )  # fmt: skip
    return found


def export(
    publisher: Publisher,
    out: Path,
    workspace: Path | None = None,
    interventions: tuple[Path, ...] = (),
    insight: Path | None = None,
) -> ExportResult:
    return export_pack(
        ExportOptions(
            recipe=load_recipe(publisher.recipe),
            workspace=workspace or publisher.workspace,
            out=out,
            signing_key=publisher.signing_key,
            interventions=interventions,
            insight=insight,
        )
    )


@pytest.fixture(scope="session")
def pack(publisher: Publisher, tmp_path_factory: pytest.TempPathFactory) -> ExportResult:
    return export(publisher, tmp_path_factory.mktemp("pack") / "school-readiness.zip")


def intervention_file(folder: Path, slug: str, title: str, plan: EvaluationPlan) -> Path:
    """An intervention file describing ``title``, with ``plan`` as its evaluation plan."""
    document = {
        "recipe": RECIPE,
        "title": title,
        "tidier": {
            "why": "Children who hear more language at home are readier for school.",
            "materials": "A book and play materials at each visit.",
            "procedures": "Home visits showing one way to talk and play in everyday routines.",
            "provider": "Family support workers from the family hubs.",
            "how": "Face to face at home.",
            "where": "Families' homes in the areas the release showed.",
            "when_and_how_much": f"{title}: six sessions of an hour over twelve months.",
            "tailoring": "Activities in the family's home language.",
            "modifications": "None so far.",
            "fidelity": "The team lead joins one session in ten.",
        },
        "post_periods": 2,
        "plan": plan.model_dump(mode="json"),
    }
    path = folder / f"{slug}.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return path


def evaluated_plan(
    title: str, panel_seed: int, effect: float, treated: int = 6
) -> tuple[Result, EvaluationPlan]:
    panel = simulate_panel(Scenario(units=30, treated=treated, effect=effect), panel_seed)
    plan = EvaluationPlan(
        outcome=OUTCOME,
        treated_units=sorted(panel.adoption),
        start=min(panel.adoption.values()),
        design=Design.DID,
        hypotheses=f"{title} lowers the share of children not ready for school.",
    )
    return evaluate(panel, plan), plan


@dataclass(frozen=True)
class Evaluated:
    workspace: Path
    interventions: list[Path]
    results: list[Result]


@pytest.fixture(scope="session")
def evaluated(publisher: Publisher, tmp_path_factory: pytest.TempPathFactory) -> Evaluated:
    """A copy of the publisher's workspace keeping two evaluations for publication (one
    pre-registered that found an effect, one exploratory that did not), and the intervention
    files of their plans."""
    root = tmp_path_factory.mktemp("evaluated")
    workspace = root / "ws"
    shutil.copytree(publisher.workspace, workspace)
    files, results = [], []
    for slug, title, effect, seed, registration in (
        ("talk-and-play", "Talk and play at home", -0.15, 1, PRE_REGISTERED),
        ("story-sessions", "Library story sessions", 0.0, 2, None),
    ):
        result, plan = evaluated_plan(title, seed, effect)
        if registration is not None:
            result = replace(result, registration=registration)
        keep_result(workspace, RECIPE, result)
        files.append(intervention_file(root, slug, title, plan))
        results.append(result)
    return Evaluated(workspace, files, results)


@pytest.fixture(scope="session")
def fuller(
    publisher: Publisher, evaluated: Evaluated, tmp_path_factory: pytest.TempPathFactory
) -> ExportResult:
    out = tmp_path_factory.mktemp("fuller") / "school-readiness.zip"
    return export(publisher, out, evaluated.workspace, tuple(evaluated.interventions))


@pytest.fixture
def workspace_copy(publisher: Publisher, tmp_path: Path) -> Path:
    """A copy of the publisher's workspace a test may change."""
    copy = tmp_path / "ws"
    shutil.copytree(publisher.workspace, copy)
    return copy


def answers(district: str) -> dict[str, Any]:
    """What a partnership writes into the blanks of the templates (synthetic)."""
    today = date.today()
    return {
        "supplier": f"{district} partnership member (synthetic)",
        "version": "1.0",
        "parties": [
            {
                "organisation": f"{district} Council (synthetic)",
                "role": "joint controller",
                "responsibilities": "Supplies the extract; answers rights requests",
            },
            {
                "organisation": f"{district} data partnership (synthetic)",
                "role": "joint controller",
                "responsibilities": "Pseudonymises, links and analyses; publishes area-level "
                "results only",
            },
        ],
        "controllership": "joint",
        "data_period": {"start": date(2010, 1, 1)},
        "start_date": today - timedelta(days=365),
        "review_date": today + timedelta(days=365),
        "dpia": {"reference": f"DPIA-{district.upper()}-01", "outcome": "Approved", "date": today},
        "dpo_view": "Supported",
        "security": "Encrypted in transit and at rest; access by named analysts only",
        "contacts": [
            {
                "role": "Data protection officer",
                "name": f"Data Protection Officer, {district} (synthetic)",
                "email": "dpo@example.invalid",
            }
        ],
        "approved_by": {"name": "Senior Information Risk Owner", "role": "SIRO", "date": today},
    }


def complete_templates(templates: Path, out: Path, district: str) -> Path:
    """Each template in ``templates`` with its blanks answered, written into ``out``."""
    given = answers(district)
    out.mkdir(parents=True)
    for path in sorted(templates.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, value in data.items():
            if value is None and key in given:
                data[key] = given[key]
        (out / path.name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return out


def insight_summary(threshold: int) -> dict[str, Any]:
    """A community insight summary as ``manage.py export_insight_summary`` writes one: a closed
    round over two areas (one marked for review), with themes and who was heard, and a survey."""
    few, more = f"fewer than {threshold}", f"{threshold} or more"
    return {
        "format": "bakehouse-insight-summary",
        "format_version": 1,
        "recipe": RECIPE,
        "exported_at": "2026-12-05T09:00:00+00:00",
        "threshold": threshold,
        "rounds": [
            {
                "question": "Do the areas flagged match what you know locally?",
                "release": "school-readiness-20261201-a1b2c3d4",
                "opened": "2026-11-01",
                "closed": "2026-11-28",
                "threshold": threshold,
                "areas": [
                    {
                        "lsoa11cd": "E01021270",
                        "name": "Basildon 012C",
                        "flagged": True,
                        "answers": 3 * threshold,
                        "verdicts": {
                            "agrees": few,
                            "partly": more,
                            "disagrees": 2 * threshold,
                            "dont_know": few,
                        },
                        "marked_for_review": True,
                    },
                    {
                        "lsoa11cd": "E01021271",
                        "name": "Basildon 012D",
                        "flagged": False,
                        "answers": few,
                        "verdicts": {
                            "agrees": few,
                            "partly": few,
                            "disagrees": few,
                            "dont_know": few,
                        },
                        "marked_for_review": False,
                    },
                ],
                "themes": {
                    "contributions": 5 * threshold,
                    "rounding": 5,
                    "themes": [
                        {"label": "Family hub closed", "count": 2 * threshold},
                        {"label": "Buses", "count": "withheld"},
                    ],
                },
                "heard": [
                    {
                        "question": "Age",
                        "answered": 4 * threshold,
                        "population": 12_000,
                        "population_of": "residents aged 16 or over",
                        "elsewhere": None,
                        "groups": [
                            {
                                "group": "16 to 24",
                                "answered": few,
                                "share": None,
                                "interval": None,
                                "population_share": 0.15,
                                "under_heard": True,
                            },
                            {
                                "group": "25 to 34",
                                "answered": 3 * threshold,
                                "share": 0.75,
                                "interval": [0.6, 0.86],
                                "population_share": 0.2,
                                "under_heard": False,
                            },
                        ],
                    }
                ],
            }
        ],
        "surveys": [
            {
                "title": "Getting to the family hub",
                "opened": "2026-11-01",
                "closed": "2026-11-21",
                "threshold": threshold,
                "questions": [
                    {
                        "question": "How do you usually get there?",
                        "kind": "single",
                        "answered": 2 * threshold,
                        "rows": [
                            {"label": "On foot", "count": 2 * threshold},
                            {"label": "By bus", "count": 0},
                        ],
                    },
                    {"question": "Anything else?", "kind": "text", "answered": few, "rows": []},
                ],
            }
        ],
    }


def write_insight(folder: Path, document: dict[str, Any]) -> Path:
    path = folder / "insight-summary.json"
    path.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def with_insight(
    publisher: Publisher, pack: ExportResult, tmp_path_factory: pytest.TempPathFactory
) -> ExportResult:
    """The pack exported with the community insight summary the web app published."""
    folder = tmp_path_factory.mktemp("with-insight")
    summary = write_insight(folder, insight_summary(pack.manifest.disclosure.threshold))
    return export(publisher, folder / "school-readiness.zip", insight=summary)
