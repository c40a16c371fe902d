"""Loading YAML files into pydantic models, with every problem reported at once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from bakehouse.errors import ConfigError
from bakehouse.yamlfiles import describe, parse_yaml

M = TypeVar("M", bound=BaseModel)


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(top level)"


def _problems(error: ValidationError) -> list[str]:
    # Only the location and the reason: pydantic's own text would repeat the offending input.
    return [f"{_location(item['loc'])}: {item['msg']}" for item in error.errors()]


def _read(path: Path, model: type[M]) -> tuple[M | None, list[str]]:
    try:
        data = parse_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        return None, [describe(error)]
    except UnicodeDecodeError:
        return None, ["not UTF-8 text"]
    if not isinstance(data, dict):
        return None, ["expected a mapping of fields at the top level"]
    try:
        return model.model_validate(data, context={"file": path}), []
    except ValidationError as error:
        return None, _problems(error)


def load_folder(
    folder: Path, model: type[M], what: str, check: Callable[[list[M]], list[str]] | None = None
) -> list[M]:
    """Load every ``*.yaml``/``*.yml`` in a folder; raise one ConfigError listing every problem
    in every file (file, field, reason)."""
    if not folder.is_dir():
        raise ConfigError(f"No {what} folder", file=folder, fix="Point the option at a folder")
    paths = sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")])
    models: list[M] = []
    problems: list[str] = []
    for path in paths:
        loaded, found = _read(path, model)
        problems.extend(f"{path.name}: {item}" for item in found)
        if loaded is not None:
            models.append(loaded)
    if not problems and check is not None:
        problems.extend(check(models))
    if problems:
        listing = "\n  - ".join(problems)
        raise ConfigError(
            f"{len(problems)} problem(s) in the {what} files:\n  - {listing}\n",
            file=folder,
            fix=f"Correct the {what} files named above",
        )
    return models
