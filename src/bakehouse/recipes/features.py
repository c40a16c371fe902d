"""A recipe's own features: ``features.yaml`` in its folder, beside the shared catalogue.

Each feature is an aggregate expression over one as-of view, exactly as the catalogue's are (see
:mod:`bakehouse.features.catalogue`). The expression is SQL from a file, so it is held to more
than the catalogue's code is: one expression, no statement separator or comment, and at build
time the leakage guard parses the query it makes and refuses one that reads anything but its
view, or uses a subquery or a table function.

```yaml
features:
  marac_referrals:
    label: MARAC referrals of the household before the date
    source: marac
    scope: home
    sql: count(*)
    fill: 0
    kind: count
    phrase: more households referred to a MARAC before
    direction: 1
```
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from bakehouse.features.catalogue import Feature
from bakehouse.recipes.schema import RecipeError
from bakehouse.yamlfiles import describe, parse_yaml

_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")
_FORBIDDEN = (";", "--", "/*", "*/")


class FeatureSpec(BaseModel):
    """One feature of a recipe's ``features.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str = Field(min_length=1, description="plain words, for tables and charts")
    source: str | None = Field(
        default=None, description="the source it reads (none for the stays and cohort scopes)"
    )
    scope: Literal["child", "household", "home", "stays", "cohort"]
    sql: str = Field(min_length=1, max_length=2000, description="an aggregate over the view")
    fill: float | None = Field(default=None, description="value when the view has no rows")
    kind: Literal["count", "flag", "number"]
    phrase: str = Field(min_length=1, description="completes 'Need is higher here because of'")
    direction: Literal[-1, 0, 1] = 0

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        if value is not None and not _NAME.fullmatch(value):
            raise ValueError("use lower-case letters, digits and underscores")
        return value

    @field_validator("sql")
    @classmethod
    def _one_expression(cls, value: str) -> str:
        found = [token for token in _FORBIDDEN if token in value]
        if found:
            raise ValueError(
                f"an expression may not hold {' or '.join(repr(t) for t in found)}: write one "
                "aggregate expression, without comments"
            )
        return value


def read_features(path: Path) -> tuple[dict[str, Feature], str]:
    """The features a recipe folder defines, by name, and the file's text ("" if none)."""
    if not path.is_file():
        return {}, ""
    try:
        text = path.read_text(encoding="utf-8")
        data = parse_yaml(text)
    except UnicodeDecodeError:
        raise RecipeError("The features file is not UTF-8 text", file=path) from None
    except yaml.YAMLError as error:
        raise RecipeError(f"The features file is {describe(error)}", file=path) from None
    section = data.get("features") if isinstance(data, dict) else None
    if not isinstance(section, dict) or set(data) != {"features"}:
        raise RecipeError(
            "Expected one section, features:, mapping each feature's name to its definition",
            file=path,
        )
    problems: list[str] = []
    found: dict[str, Feature] = {}
    for name, body in section.items():
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            problems.append(f"features.{name}: a name of lower-case letters, digits and _")
            continue
        try:
            spec = FeatureSpec.model_validate(body)
        except ValidationError as error:
            problems += [
                f"features.{name}.{'.'.join(str(p) for p in item['loc'])}: "
                + str(item["msg"]).removeprefix("Value error, ")
                for item in error.errors()
            ]
            continue
        if (spec.scope in ("stays", "cohort")) != (spec.source is None):
            problems.append(
                f"features.{name}.source: the stays and cohort scopes read no source; every "
                "other scope reads one"
            )
            continue
        found[name] = Feature(
            name,
            spec.label,
            spec.source,
            spec.scope,
            spec.sql,
            spec.fill,
            spec.kind,
            spec.phrase,
            spec.direction,
            own=True,
        )
    if problems:
        listing = "\n  - ".join(problems)
        raise RecipeError(
            f"{len(problems)} problem(s) in the recipe's features:\n  - {listing}\n",
            file=path,
            fix="Correct the features named above (see docs/guides/new-recipe.md)",
        )
    return found, text
