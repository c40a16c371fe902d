"""The vendored Open Referral UK schemas (``oruk/``) and validation against them.

Each kind of top-level record has one schema: the compiled ones for organisations, services
and services at locations (every nested table inlined), the table schemas for taxonomies and
taxonomy terms. A record's problems come back as ``path: reason`` lines, every one of them.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft7Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

ORUK = Path(__file__).parent / "oruk"
SCHEMA = ORUK / "schema"
OPENAPI = SCHEMA / "openapi.json"

# The schema every top-level record of a kind is checked against, as a path under ``SCHEMA``.
RECORD_SCHEMAS = {
    "organization": "compiled/organization.json",
    "service": "compiled/service.json",
    "service_at_location": "compiled/service_at_location.json",
    "taxonomy": "taxonomy.json",
    "taxonomy_term": "taxonomy_term.json",
}


def load_schema(relative: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SCHEMA / relative).read_text(encoding="utf-8"))
    return loaded


@cache
def _registry() -> Registry[Any]:
    # The table schemas refer to each other by file name ("taxonomy_term.json").
    resources = [
        (path.name, Resource.from_contents(load_schema(path.name), default_specification=DRAFT7))
        for path in SCHEMA.glob("*.json")
    ]
    return Registry().with_resources(resources)


@cache
def validator_for(relative: str) -> Draft7Validator:
    return Draft7Validator(
        load_schema(relative), registry=_registry(), format_checker=FormatChecker()
    )


@cache
def _page_validator() -> Draft7Validator:
    openapi = json.loads(OPENAPI.read_text(encoding="utf-8"))
    return Draft7Validator(openapi["components"]["schemas"]["Page"])


def page_problems(envelope: Any) -> list[str]:
    """How a page's envelope (``total_items``, ``page_number``, ...) breaks the ORUK API."""
    return _messages(_page_validator(), envelope, "page")


def _location(prefix: str, parts: Any) -> str:
    text = prefix
    for part in parts:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def problems(kind: str, record: Any, where: str) -> list[str]:
    """Every way ``record`` breaks the ORUK schema of ``kind``, as ``path: reason``; where is
    the record's own path, e.g. ``services[12]``."""
    return problems_against(RECORD_SCHEMAS[kind], record, where)


def problems_against(relative: str, document: Any, where: str) -> list[str]:
    return _messages(validator_for(relative), document, where)


def _messages(validator: Draft7Validator, document: Any, where: str) -> list[str]:
    errors = sorted(
        validator.iter_errors(document), key=lambda error: [str(p) for p in error.absolute_path]
    )
    return [
        f"{_location(where, error.absolute_path)}: {_reason(error.message)}" for error in errors
    ]


def _reason(message: str) -> str:
    # jsonschema quotes the offending value; a long one (a description) makes the line unreadable.
    return message if len(message) <= 300 else f"{message[:297]}..."
