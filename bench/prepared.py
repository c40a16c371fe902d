"""Shared by the benchmarks: a synthetic world and its ingested workspace, built once in a data
folder outside the repository and kept while they are current.

A world is kept only when `bakehouse world --reuse` would keep it (same options, same world
format); when it is built again, the workspace made from the older world is removed with it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bakehouse.world.config import WorldConfig
from bakehouse.world.generate import is_current


def cli(command: list[str]) -> None:
    """Run a `bakehouse` command in its own process."""
    subprocess.run([sys.executable, "-m", "bakehouse.cli", *command], check=True)


def ingested_world(
    data: Path, config: WorldConfig, purpose: str = "school-readiness"
) -> tuple[Path, Path, Path]:
    """The world, workspace and custodian key under ``data``; built or ingested where needed.
    Each purpose other than school readiness has a workspace of its own (``ws-<purpose>``)."""
    name = "ws" if purpose == "school-readiness" else f"ws-{purpose}"
    world, workspace, key = data / "world", data / name, data / "custodian.key"
    data.mkdir(parents=True, exist_ok=True)
    if not is_current(config, world):
        print(f"building the {config.area} world ...", flush=True)
        for stale in data.glob("ws*"):
            shutil.rmtree(stale, ignore_errors=True)
        cli(
            [
                "world",
                *("--area", config.area, "--seed", str(config.seed)),
                *("--scale", str(config.scale), "--noise", config.noise.value),
                "--out",
                str(world),
            ]
        )
    if not key.exists():
        cli(["custodian", "init", "--key-file", str(key), "--workspace", str(workspace)])
    if not (workspace / "manifest.json").exists():
        print("ingesting ...", flush=True)
        cli(
            [
                "ingest",
                "--sources",
                str(world),
                "--workspace",
                str(workspace),
                "--key-file",
                str(key),
                "--purpose",
                purpose,
                *_only(purpose),
            ]
        )
    return world, workspace, key


def _only(purpose: str) -> list[str]:
    """The recipe's own sources, as `bakehouse run` takes in (others may not list its purpose)."""
    from bakehouse.recipes import load_recipe

    return [
        argument
        for source in load_recipe(purpose).recipe.sources
        for argument in ("--only", source)
    ]
