"""Proof by a second area: bake the Basildon school readiness pack in Harlow, end to end.

    uv run python bench/pack_second_area.py                      # full scale, both worlds built
    uv run python bench/pack_second_area.py --scale 0.1          # a tenth of the population
    uv run python bench/pack_second_area.py --basildon-workspace data/ws   # an existing run

Basildon's world is built and the shipped school readiness recipe run on it (unless a workspace
that has run it is given); the recipe is exported as a signed pack, imported into a fresh
workspace for Harlow's world (seed 2), its specification and agreement templates completed with
synthetic answers (as a partnership's analyst and data protection officer would), and run there
to a release with Harlow's truth. Printed: the seconds of each step, the pack's size, and the
Harlow run's test AUC with its interval, the gap to the best achievable AUC from records, the
expected calibration error against the range chance gives, the flagged areas and the output
checker's result. Keys and workspaces live in a temporary folder outside the repository.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import yaml

from bakehouse.custody import init_key
from bakehouse.packs import ExportOptions, Supplied, export_pack, install_pack, read_pack
from bakehouse.recipes import load_recipe
from bakehouse.release.signing import SigningKey, generate_key
from bakehouse.run import RunOptions, RunResult, run
from bakehouse.world.config import WorldConfig
from bakehouse.world.generate import generate


def answers(district: str) -> dict[str, Any]:
    """Synthetic answers to the templates' blanks."""
    today = date.today()
    return {
        "supplier": f"{district} partnership member (synthetic)",
        "version": "1.0",
        "parties": [
            {"organisation": f"{district} Council (synthetic)", "role": "joint controller",
             "responsibilities": "Supplies the extract; answers rights requests"},
            {"organisation": f"{district} data partnership (synthetic)",
             "role": "joint controller", "responsibilities": "Analyses; publishes areas only"},
        ],
        "controllership": "joint",
        "data_period": {"start": date(2010, 1, 1)},
        "start_date": today - timedelta(days=365),
        "review_date": today + timedelta(days=365),
        "dpia": {"reference": f"DPIA-{district.upper()}-01", "outcome": "Approved", "date": today},
        "dpo_view": "Supported",
        "security": "Encrypted in transit and at rest; access by named analysts only",
        "contacts": [{"role": "Data protection officer", "name": f"DPO, {district}",
                      "email": "dpo@example.invalid"}],
        "approved_by": {"name": "Senior Information Risk Owner", "role": "SIRO", "date": today},
    }  # fmt: skip


def complete(templates: Path, out: Path, district: str) -> Path:
    given = answers(district)
    out.mkdir(parents=True)
    for path in sorted(templates.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data = {k: given[k] if v is None and k in given else v for k, v in data.items()}
        (out / path.name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return out


def run_area(
    world: Path, workspace: Path, area: str, key: Path, signing: SigningKey, **extra: Any
) -> RunResult:
    return run(
        RunOptions(
            sources=world,
            workspace=workspace,
            out=workspace.parent / f"{area}-releases",
            recipe=load_recipe("school-readiness", workspace),
            area=area,
            key_file=key,
            truth=world / "truth",
            signing_key=signing,
            **extra,
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--basildon-workspace", type=Path, default=None)
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bakehouse-pack-"))
    key = init_key(scratch / "keys" / "custodian.key")
    signing = generate_key(scratch / "keys" / "signing.key")
    seconds: dict[str, float] = {}

    basildon = options.basildon_workspace
    if basildon is None:
        world = generate(WorldConfig(area="basildon", seed=1, scale=options.scale), scratch / "b")
        basildon = scratch / "basildon-ws"
        mark = time.perf_counter()
        run_area(world.out, basildon, "basildon", key, signing)
        seconds["Basildon run"] = time.perf_counter() - mark

    mark = time.perf_counter()
    pack = export_pack(
        ExportOptions(
            recipe=load_recipe("school-readiness", basildon),
            workspace=basildon,
            out=scratch / "school-readiness.zip",
            signing_key=signing,
        )
    )
    seconds["export"] = time.perf_counter() - mark

    harlow = generate(WorldConfig(area="harlow", seed=2, scale=options.scale), scratch / "h").out
    workspace = scratch / "harlow-ws"
    mark = time.perf_counter()
    trusted = [signing.public]
    installed = install_pack(read_pack(pack.path, trusted), workspace, trusted, Supplied())
    seconds["import"] = time.perf_counter() - mark
    specs = complete(installed.pack_folder / "sources", scratch / "specs", "Harlow")
    agreements = complete(installed.pack_folder / "agreements", scratch / "agreements", "Harlow")

    mark = time.perf_counter()
    result = run_area(harlow, workspace, "harlow", key, signing, specs=specs, agreements=agreements)
    seconds["Harlow run"] = time.perf_counter() - mark

    head, release = result.headline, result.release
    manifest = json.loads((release.path / "manifest.json").read_text(encoding="utf-8"))
    low, high = head["test_auc_interval"]
    chance_low, chance_high = head["test_ece_by_chance_interval"]
    print(f"scale {options.scale}; pack {pack.path.stat().st_size:,} bytes, "
          f"{len(pack.manifest.files)} files, signed by {pack.key_id}")  # fmt: skip
    for step, value in seconds.items():
        print(f"seconds, {step}: {value:.1f}")
    print(f"Harlow test AUC: {head['test_auc']:.3f} ({low:.3f} to {high:.3f})")
    if "gap_to_best" in head:
        print(f"Harlow gap to the best achievable AUC: {head['gap_to_best']:.3f}")
    print(f"Harlow ECE: {head['test_ece']:.3f} (chance alone: {chance_low:.3f} to "
          f"{chance_high:.3f})")  # fmt: skip
    print(f"Harlow areas: {release.areas}, flagged: {release.flagged}, "
          f"counts withheld: {release.withheld_counts}")  # fmt: skip
    print(f"output checker: {'passed' if manifest['checker']['passed'] else 'FAILED'} "
          f"({release.checks_passed} checks)")  # fmt: skip
    print(f"release: {release.path}")


if __name__ == "__main__":
    main()
