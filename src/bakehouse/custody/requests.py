"""A rights request read from a file, so that a person's identifiers never appear on a command
line (shell history, the process list).

The file (YAML or JSON) holds the case reference, the basis (erasure and objection) and the
person::

    reference: ER-2026-014
    basis: Art. 17(1)(c) after objection
    person:
      nhs_number: "9434765919"      # quoted: a number would lose its leading zeros
      forename: Amelia
      surname: O'Connor
      dob: 2019-04-12

Every problem is reported at once, by field; values are never echoed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from bakehouse.custody.registers import PersonQuery
from bakehouse.errors import CustodyError

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class RightsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    reference: str
    basis: str | None = None
    person: PersonQuery


def _parse(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CustodyError(
            f"The request file cannot be read ({error.strerror})",
            file=path,
            fix="Give the path of the request file",
        ) from None
    try:
        if path.suffix == ".json":
            return json.loads(text)
        if path.suffix in (".yaml", ".yml"):
            return yaml.load(text, Loader=_Loader)
    except (ValueError, yaml.YAMLError):
        raise CustodyError(
            f"The request file is not valid {path.suffix[1:].upper()}",
            file=path,
            fix="Check the file's syntax",
        ) from None
    raise CustodyError(
        "A request file must be YAML (.yaml, .yml) or JSON (.json)",
        file=path,
        fix="Rename the file with the extension of its format",
    )


def load_request(path: Path, *, basis_required: bool = False) -> RightsRequest:
    """Read and check a request file; every problem is reported at once, by field."""
    data = _parse(path)
    problems: list[tuple[str, str]] = []
    request: RightsRequest | None = None
    try:
        request = RightsRequest.model_validate(data)
    except ValidationError as error:
        for item in error.errors(include_input=False, include_url=False):
            field = ".".join(str(part) for part in item["loc"]) or "(top level)"
            problems.append((field, item["msg"]))
    if request is not None:
        if basis_required and not request.basis:
            problems.append(("basis", "Field required for an erasure"))
        try:
            request.person.check()
        except CustodyError as error:
            problems.append(("person", error.what))
    if problems:
        raise CustodyError(
            f"{len(problems)} problem(s) in the request file: "
            + "; ".join(f"{field}: {message}" for field, message in problems),
            file=path,
            field=", ".join(field for field, _ in problems),
            fix="Correct the request file (identifiers in quotes, dates as YYYY-MM-DD)",
        )
    assert request is not None
    return request
