"""Find, read and validate a recipe before any work starts; report every problem at once.

``load_recipe("school-readiness")`` reads the built-in recipe; a path reads that file. Each
problem names the file, the field (dotted path) and, where the YAML shows it, the line.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from bakehouse.recipes.schema import Recipe, RecipeError, cross_problems
from bakehouse.yamlfiles import compose_yaml, describe, parse_yaml

BUILTIN_DIR = Path(__file__).resolve().parent


@dataclass(frozen=True)
class LoadedRecipe:
    """A validated recipe with where it came from and the hash of its text."""

    recipe: Recipe
    path: Path
    text: str

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()

    def has_section(self, name: str) -> bool:
        """Whether the recipe file has a top-level section ``name`` (``areas``, ``linkage``)."""
        data = parse_yaml(self.text)
        return isinstance(data, dict) and name in data

    @property
    def canonical(self) -> str:
        """The validated content as canonical JSON (comments and layout do not change it)."""
        return json.dumps(
            self.recipe.model_dump(mode="json", by_alias=True),
            sort_keys=True,
            separators=(",", ":"),
        )


def builtin_recipes() -> list[str]:
    return sorted(path.stem for path in BUILTIN_DIR.glob("*.yaml"))


def recipe_path(name_or_path: str | Path) -> Path:
    """A built-in recipe's file by id, else the path as given."""
    text = str(name_or_path)
    if text in builtin_recipes():
        return BUILTIN_DIR / f"{text}.yaml"
    path = Path(text).expanduser()
    if not path.is_file():
        raise RecipeError(
            "No recipe file",
            file=path,
            fix=f"Give a recipe file, or a built-in recipe: {', '.join(builtin_recipes())}",
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


def _linkage_problems(section: Any, folder: Path) -> list[tuple[str, str]]:
    """The optional ``linkage:`` section, checked by linkage's own settings model."""
    from bakehouse.linkage.config import LinkageSettings

    if section is None:
        return []
    if not isinstance(section, dict):
        return [("linkage", "expected a mapping of linkage settings")]
    try:
        LinkageSettings.model_validate({**section, "folder": folder})
    except ValidationError as error:
        return [
            ("linkage." + ".".join(str(part) for part in item["loc"]), item["msg"])
            for item in error.errors()
        ]
    return []


def _areas_problems(section: Any) -> list[tuple[str, str]]:
    """The optional ``areas:`` section, checked by the areas stage's own settings model."""
    from bakehouse.areas.config import AreasConfig

    if section is None:
        return []
    if not isinstance(section, dict):
        return [("areas", "expected a mapping of area settings")]
    try:
        AreasConfig.model_validate(section)
    except ValidationError as error:
        return [
            ("areas." + ".".join(str(part) for part in item["loc"]), item["msg"])
            for item in error.errors()
        ]
    return []


def load_recipe(name_or_path: str | Path) -> LoadedRecipe:
    """Read and validate a recipe; raise :class:`RecipeError` listing every problem."""
    path = recipe_path(name_or_path)
    text, data, lines = _read(path)
    if not isinstance(data, dict):
        raise RecipeError("Expected a mapping of recipe sections at the top level", file=path)
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
    problems += cross_problems(data)
    problems += _linkage_problems(data.get("linkage"), path.parent)
    problems += _areas_problems(data.get("areas"))
    if problems or recipe is None:
        listing = "\n  - ".join(
            f"{where}{f' (line {line})' if (line := _line(lines, where)) else ''}: {what}"
            for where, what in problems
        )
        raise RecipeError(
            f"{len(problems)} problem(s) in the recipe:\n  - {listing}\n",
            file=path,
            fix="Correct the fields named above (the built-in school-readiness.yaml explains "
            "each one)",
        )
    return LoadedRecipe(recipe=recipe, path=path, text=text)
