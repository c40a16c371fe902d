"""Small signed recipe packs for the web app's tests, in the library's format
(``bakehouse.packs.manifest``) and signed with the key the test settings trust; the real export
needs a workspace that ran the recipe, which the web app's tests do not build."""

from __future__ import annotations

import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from bakehouse.packs.manifest import Manifest, Section, manifest_bytes, sha256
from bakehouse.release.signing import SigningKey
from web.releases.tests.builder import SCHOOL_READINESS, trusted_signing_key

HEADLINE = {
    "test_auc": "0.749 (0.733 to 0.763)",
    "test_precision_top_10": "0.740 (0.690 to 0.780)",
    "test_brier_score": "0.181 (0.176 to 0.186)",
}
ADDED_VALUE = "The model ranked children better than ranking by deprivation alone."


@dataclass(frozen=True)
class PackSpec:
    recipe: str = SCHOOL_READINESS.id
    title: str = SCHOOL_READINESS.title
    question: str = SCHOOL_READINESS.question
    version: str = "8"
    # Changes the recipe file, and so the pack's bytes, without changing what it says.
    revision: str = ""
    # Carry one intervention and its evaluation (a pack of format 2).
    evaluated: bool = False
    # Carry a community insight summary (a pack of format 2), its quiet area's "agrees" count
    # as given.
    insight: bool = False
    quiet_agrees: int | str = "fewer than 7"


PLAN_HASH = "ab12cd34ef56" + "0" * 52
INTERVENTION = "Talk and play at home"
VERDICT = (
    "an effect of -7.5 percentage points on not reaching a Good Level of Development at the end "
    "of Reception (95% interval -13.0 to -2.0 percentage points, p = 0.009)"
)
REGISTRATION = "exploratory: not pre-registered"
ROUND_QUESTION = "Do the areas flagged match what you know locally?"
THEME = "Family hub closed"
SURVEY_QUESTION = "How do you usually get to the family hub?"


def insight_summary(spec: PackSpec) -> dict[str, object]:
    """A community insight summary under the pack's threshold of 7: one closed round over two
    areas, one marked for review, with a theme and an under-heard group, and one survey."""
    few = "fewer than 7"
    return {
        "format": "bakehouse-insight-summary",
        "format_version": 1,
        "recipe": spec.recipe,
        "exported_at": "2026-12-05T09:00:00+00:00",
        "threshold": 7,
        "rounds": [
            {
                "question": ROUND_QUESTION,
                "release": "school-readiness-20261201",
                "opened": "2026-11-01",
                "closed": "2026-11-28",
                "threshold": 7,
                "areas": [
                    {
                        "lsoa11cd": "E01015760",
                        "name": "Basildon 001A",
                        "flagged": True,
                        "answers": 21,
                        "verdicts": {"agrees": few, "partly": few, "disagrees": 14, "dont_know": 0},
                        "marked_for_review": True,
                    },
                    {
                        "lsoa11cd": "E01015761",
                        "name": "Basildon 001B",
                        "flagged": False,
                        "answers": few,
                        "verdicts": {
                            "agrees": spec.quiet_agrees,
                            "partly": few,
                            "disagrees": few,
                            "dont_know": few,
                        },
                        "marked_for_review": False,
                    },
                ],
                "themes": {
                    "contributions": 25,
                    "rounding": 5,
                    "themes": [{"label": THEME, "count": 15}],
                },
                "heard": [
                    {
                        "question": "Age",
                        "answered": 20,
                        "population": 3_000,
                        "population_of": "residents aged 16 or over",
                        "elsewhere": None,
                        "groups": [
                            {
                                "group": "16 to 24",
                                "answered": few,
                                "share": None,
                                "interval": None,
                                "population_share": 0.3,
                                "under_heard": True,
                            }
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
                "threshold": 7,
                "questions": [
                    {
                        "question": SURVEY_QUESTION,
                        "kind": "single",
                        "answered": 12,
                        "rows": [
                            {"label": "On foot", "count": 12},
                            {"label": "By bus", "count": 0},
                        ],
                    }
                ],
            }
        ],
    }


def pack_files(spec: PackSpec) -> dict[str, bytes]:
    """The entries of a pack of ``spec``'s recipe: one source under one agreement."""
    card = {
        "question": spec.question,
        "evaluation": {
            "method": "Temporal validation on the latest cohorts.",
            "headline": HEADLINE,
        },
        "added_value": {"said_plainly": ADDED_VALUE},
    }
    evaluation = {
        "interventions/talk-and-play.yaml": (
            f"recipe: {spec.recipe}\ntitle: {INTERVENTION}\n".encode()
        ),
        f"evaluations/{PLAN_HASH[:12]}.json": json.dumps(
            {
                "plan_hash": PLAN_HASH,
                "verdict": VERDICT,
                "registration": REGISTRATION,
                "n_treated": 6,
                "n_comparison": 24,
            }
        ).encode(),
    }
    insight = {"insight/summary.json": json.dumps(insight_summary(spec)).encode()}
    return {
        **(evaluation if spec.evaluated else {}),
        **(insight if spec.insight else {}),
        "recipe/recipe.yaml": (
            f'id: {spec.recipe}\nversion: "{spec.version}"\ntitle: {spec.title}\n'
            f"question: >-\n  {spec.question}\n# {spec.revision}\n"
        ).encode(),
        "sources/health_visiting.yaml": (
            b"source: health_visiting\ntitle: Health visiting contacts\nsupplier:\n"
        ),
        "agreements/DSA-NHS-HV-2026.yaml": (
            b"id: DSA-NHS-HV-2026\ntitle: Health visiting for school readiness\nparties:\n"
        ),
        "model/model_card.json": json.dumps(card, indent=2).encode(),
        "evidence/summary.md": b"# Evidence summary\n\nNot yet evaluated: no evidence of effect.\n",
        "licence/LICENCE.md": b"# Licence\n\nMIT; Open Government Licence v3.0.\n",
    }


def pack_manifest(spec: PackSpec, files: dict[str, bytes]) -> Manifest:
    sections: dict[Section, list[str]] = {}
    for name in sorted(files):
        sections.setdefault(Section(name.partition("/")[0]), []).append(name)
    return Manifest.model_validate(
        {
            "format": "bakehouse-recipe-pack",
            "format_version": 2 if spec.evaluated or spec.insight else 1,
            "recipe": {
                "id": spec.recipe,
                "version": spec.version,
                "title": spec.title,
                "sha256": sha256(files["recipe/recipe.yaml"]),
            },
            "code_version": "0.1.0",
            "model_run": "3f2a9c1d" + "7e" * 28,
            "disclosure": {"threshold": 7, "rounding": 5},
            "sections": sections,
            "not_included": {"evaluations": "none is recorded yet"},
            "sources": [
                {
                    "source": "health_visiting",
                    "why": "The ASQ-3 scores of the 2-2.5 year review",
                    "specification": "sources/health_visiting.yaml",
                    "agreement": "DSA-NHS-HV-2026",
                    "agreement_template": "agreements/DSA-NHS-HV-2026.yaml",
                }
            ],
            "checks": [{"name": "pack_scan", "passed": True, "detail": "6 files"}],
            "files": {
                name: {"sha256": sha256(data), "bytes": len(data)} for name, data in files.items()
            },
            **(_evaluated() if spec.evaluated else {}),
        }
    )


def _evaluated() -> dict[str, object]:
    """The manifest's entries of the intervention and evaluation ``pack_files`` carries."""
    intervention = "interventions/talk-and-play.yaml"
    return {
        "interventions": [{"file": intervention, "title": INTERVENTION, "plan_hash": PLAN_HASH}],
        "evaluations": [
            {
                "file": f"evaluations/{PLAN_HASH[:12]}.json",
                "plan_hash": PLAN_HASH,
                "verdict": VERDICT,
                "registration": REGISTRATION,
                "intervention": intervention,
            }
        ],
    }


def write_pack(
    path: Path,
    spec: PackSpec | None = None,
    *,
    key: SigningKey | None = None,
    files: dict[str, bytes] | None = None,
) -> Path:
    """Write a signed pack to ``path``: by default ``spec``'s files, signed by the trusted test
    key; ``files`` puts other bytes in the zip under the same signed manifest (a tamperer's)."""
    spec = spec or PackSpec()
    honest = pack_files(spec)
    signed = manifest_bytes(pack_manifest(spec, honest))
    entries = {
        **(files if files is not None else honest),
        "manifest.json": signed,
        "manifest.sig": (key or trusted_signing_key()).signature_for(signed),
    }
    with zipfile.ZipFile(path, "w") as archive:
        for name in sorted(entries):
            archive.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), entries[name])
    return path
