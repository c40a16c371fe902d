"""Find, read and validate a recipe before any work starts; report every problem at once.

A recipe is a folder: ``recipe.yaml`` (every section), and optionally ``features.yaml`` (features
of its own, beside the shared catalogue's). ``load_recipe("school-readiness")`` reads a built-in
recipe's folder; a path reads that folder (or a ``recipe.yaml`` given directly), so a partnership
can keep its own recipes outside the package. Each problem names the file, the field (dotted
path) and, where the YAML shows it, the line.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import ValidationError

from bakehouse.features.catalogue import CATALOGUE, Feature
from bakehouse.recipes.features import read_features
from bakehouse.recipes.schema import Recipe, RecipeError, cross_problems
from bakehouse.yamlfiles import compose_yaml, describe, parse_yaml

if TYPE_CHECKING:
    from bakehouse.linkage.config import LinkageSettings

BUILTIN_DIR = Path(__file__).resolve().parent
RECIPE_FILE = "recipe.yaml"
FEATURES_FILE = "features.yaml"
# A recipe id, as opposed to a path: only an id is looked up among a workspace's installed recipes.
ID_LIKE = re.compile(r"[a-z0-9][a-z0-9-]*")


@dataclass(frozen=True)
class LoadedRecipe:
    """A validated recipe, loaded once and handed to every stage: its sections (``recipe``), the
    features it reads (the catalogue's and its own, resolved), its linkage settings if it sets
    any, where it came from and the hash of what it says."""

    recipe: Recipe
    path: Path
    text: str
    features: tuple[Feature, ...]
    own_features_text: str = ""
    linkage: LinkageSettings | None = None

    @property
    def id(self) -> str:
        return self.recipe.id

    @property
    def folder(self) -> Path:
        return self.path.parent

    @property
    def sha256(self) -> str:
        digest = hashlib.sha256(self.text.encode("utf-8"))
        digest.update(self.own_features_text.encode("utf-8"))
        return digest.hexdigest()

    @property
    def canonical(self) -> str:
        """The validated content, features included, as canonical JSON (comments and layout do
        not change it): what a training run's id hashes."""
        return json.dumps(
            {
                **self.recipe.model_dump(mode="json", by_alias=True),
                "feature_definitions": [
                    feature.definition() for feature in self.features if feature.own
                ],
            },
            sort_keys=True,
            separators=(",", ":"),
        )


def builtin_recipes() -> list[str]:
    return sorted(path.parent.name for path in BUILTIN_DIR.glob(f"*/{RECIPE_FILE}"))


def _by_id(recipe_id: str, workspace: Path | None) -> Path | None:
    """The ``recipe.yaml`` of the recipe installed in ``workspace`` under this id, else of the
    built-in one; None when neither exists."""
    if workspace is not None and ID_LIKE.fullmatch(recipe_id):
        # Imported lazily: the workspace's package loads stages that load recipes.
        from bakehouse.custody.workspace import RECIPES

        installed = Path(workspace) / RECIPES / recipe_id / RECIPE_FILE
        if installed.is_file():
            return installed
    if recipe_id in builtin_recipes():
        return BUILTIN_DIR / recipe_id / RECIPE_FILE
    return None


def is_recipe_id(recipe_id: str, workspace: Path | None = None) -> bool:
    """Whether ``recipe_id`` names a recipe installed in ``workspace`` or a built-in one (never
    a folder of that name)."""
    return _by_id(recipe_id, workspace) is not None


def recipe_path(name_or_path: str | Path, workspace: Path | None = None) -> Path:
    """A recipe's ``recipe.yaml``: one installed in ``workspace`` from a pack, else a built-in
    recipe's by id, else the folder (or file) given."""
    text = str(name_or_path)
    by_id = _by_id(text, workspace)
    if by_id is not None:
        return by_id
    path = Path(text).expanduser()
    if path.is_dir():
        path = path / RECIPE_FILE
    if not path.is_file():
        raise RecipeError(
            "No recipe here: a recipe is a folder holding recipe.yaml",
            file=path,
            fix=f"Give a recipe folder, or a built-in recipe: {', '.join(builtin_recipes())} "
            "(`bakehouse recipes list`)",
        )
    return path


def _lines(node: yaml.Node, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], int]:
    """The line of every key and list item, by its path."""
    found: dict[tuple[str, ...], int] = {prefix: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = (*prefix, str(key.value))
            found[path] = key.start_mark.line + 1
            found.update({k: v for k, v in _lines(value, path).items() if k != path})
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            found.update(_lines(item, (*prefix, str(index))))
    return found


def _line(lines: dict[tuple[str, ...], int], where: str) -> int | None:
    parts = tuple(part for part in where.split(".") if part)
    while parts:
        if parts in lines:
            return lines[parts]
        parts = parts[:-1]
    return None


def _read(path: Path) -> tuple[str, Any, dict[tuple[str, ...], int]]:
    try:
        text = path.read_text(encoding="utf-8")
        node = compose_yaml(text)
        data = parse_yaml(text)
    except UnicodeDecodeError:
        raise RecipeError("The recipe is not UTF-8 text", file=path) from None
    except yaml.YAMLError as error:
        raise RecipeError(f"The recipe is {describe(error)}", file=path) from None
    lines = _lines(node) if node is not None else {}
    return text, data, lines


def _linkage(section: Any, folder: Path) -> tuple[LinkageSettings | None, list[tuple[str, str]]]:
    """The optional ``linkage:`` section, checked by linkage's own settings model."""
    if section is None:
        return None, []
    if not isinstance(section, dict):
        return None, [("linkage", "expected a mapping of linkage settings")]
    from bakehouse.linkage.config import LinkageSettings

    try:
        return LinkageSettings.model_validate({**section, "folder": folder}), []
    except ValidationError as error:
        return None, [
            ("linkage." + ".".join(str(part) for part in item["loc"]), item["msg"])
            for item in error.errors()
        ]


def _report(problems: list[tuple[str, str]], lines: dict[tuple[str, ...], int]) -> str:
    listing = "\n  - ".join(
        f"{where}{f' (line {line})' if (line := _line(lines, where)) else ''}: {what}"
        for where, what in problems
    )
    return f"{len(problems)} problem(s) in the recipe:\n  - {listing}\n"


def load_recipe(name_or_path: str | Path, workspace: Path | None = None) -> LoadedRecipe:
    """Read and validate a recipe folder; raise :class:`RecipeError` listing every problem.
    With ``workspace``, an id names the recipe installed there from a pack, if there is one."""
    path = recipe_path(name_or_path, workspace)
    text, data, lines = _read(path)
    if not isinstance(data, dict):
        raise RecipeError("Expected a mapping of recipe sections at the top level", file=path)
    own, own_text = read_features(path.parent / FEATURES_FILE)
    shadowed = sorted(set(own) & set(CATALOGUE))
    if shadowed:
        raise RecipeError(
            f"The recipe's own features reuse catalogue names: {', '.join(shadowed)}",
            file=path.parent / FEATURES_FILE,
            fix="Give the recipe's features names of their own",
        )
    known: Mapping[str, Feature] = {**CATALOGUE, **own}
    problems: list[tuple[str, str]] = []
    recipe: Recipe | None = None
    try:
        recipe = Recipe.model_validate(data)
    except ValidationError as error:
        for item in error.errors():
            where = ".".join(str(part) for part in item["loc"])
            message = str(item["msg"]).removeprefix("Value error, ")
            if not where:  # the cross-section checks, reported below on their own
                continue
            problems.append((where, message))
    problems += cross_problems(data, known)
    linkage, found = _linkage(data.get("linkage"), path.parent)
    problems += found
    if problems or recipe is None:
        raise RecipeError(
            _report(problems, lines),
            file=path,
            fix="Correct the fields named above (the built-in school-readiness recipe explains "
            "each one)",
        )
    return LoadedRecipe(
        recipe=recipe,
        path=path,
        text=text,
        features=tuple(known[name] for name in recipe.features),
        own_features_text=own_text,
        linkage=linkage,
    )
