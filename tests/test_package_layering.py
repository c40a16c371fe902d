"""The packages after the model import in one direction only: the recipe below them all, the
estimates (``areas``) below the release, both below the model stage's documents. Read from the
source's import statements (lazy and type-checking imports included), so a cycle cannot come
back unnoticed."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import bakehouse

SOURCE = Path(bakehouse.__file__).parent


def imported_packages(package: str) -> dict[str, set[str]]:
    """Each other ``bakehouse`` package that ``package`` imports, with the modules that do."""
    found: dict[str, set[str]] = {}
    for path in sorted((SOURCE / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
                if node.module == "bakehouse":
                    names = [f"bakehouse.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "bakehouse" and len(parts) > 1 and parts[1] != package:
                    found.setdefault(parts[1], set()).add(str(path.relative_to(SOURCE)))
    return found


@pytest.mark.parametrize(
    ("lower", "upper"),
    [
        ("areas", "release"),
        ("areas", "modelling"),
        ("release", "modelling"),
        # A recipe is read before any stage runs: its sections' types are its own.
        ("recipes", "areas"),
        ("recipes", "release"),
        ("recipes", "modelling"),
    ],
)
def test_a_lower_package_never_imports_the_one_above_it(lower: str, upper: str) -> None:
    assert imported_packages(lower).get(upper, set()) == set()


def test_the_release_builds_on_the_estimates() -> None:
    """The scan sees real imports: the release's tables are made from the areas' estimates."""
    assert "release/tables.py" in imported_packages("release")["areas"]


IMPORT_EACH_ALONE = """
import importlib, pkgutil, sys
import bakehouse
names = sorted(m.name for m in pkgutil.walk_packages(bakehouse.__path__, "bakehouse."))
failed = []
for name in names:
    for loaded in [m for m in sys.modules if m == "bakehouse" or m.startswith("bakehouse.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except ImportError as error:
        failed.append(f"{name}: {error}")
print("\\n".join(failed) or "ok")
"""


def test_every_module_imports_first_whatever_was_imported_before() -> None:
    """A cycle between packages shows only when the wrong module is imported first: each module
    is imported into an interpreter holding no other Bakehouse module."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH_ALONE], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "ok", done.stdout
