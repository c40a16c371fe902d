"""Reading YAML, the one way every configuration file is read: source specifications, agreements,
recipes, linkage and area settings, interventions.

Always the safe loader (libyaml's when present: the same results, several times faster), and a
file that does not parse is reported with the parser's own reason, line and column, never just
"not valid YAML".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bakehouse.errors import BakehouseError, ConfigError

Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def describe(error: yaml.YAMLError) -> str:
    """The parser's reason and where: ``not valid YAML at line 55, column 3: mapping values are
    not allowed here``."""
    if isinstance(error, yaml.MarkedYAMLError):
        reason = "; ".join(part for part in (error.problem, error.context) if part)
        mark = error.problem_mark or error.context_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        return f"not valid YAML{where}: {reason or 'the parser gave no reason'}"
    return f"not valid YAML: {error}"


def parse_yaml(text: str) -> Any:
    """The data in a YAML text; raises :class:`yaml.YAMLError` (see :func:`describe`)."""
    return yaml.load(text, Loader=Loader)


def compose_yaml(text: str) -> yaml.Node | None:
    """The node tree of a YAML text, with the line of every key (for messages)."""
    return yaml.compose(text, Loader=Loader)


def read_yaml(path: Path, what: str, error: type[BakehouseError] = ConfigError) -> Any:
    """The data in a YAML file, or ``error`` naming the file and the parser's reason."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise error(f"No {what} file", file=path) from None
    except IsADirectoryError:
        raise error(f"The {what} file is a folder", file=path) from None
    except UnicodeDecodeError:
        raise error(f"The {what} file is not UTF-8 text", file=path) from None
    try:
        return parse_yaml(text)
    except yaml.YAMLError as problem:
        raise error(f"The {what} file is {describe(problem)}", file=path) from None
