"""The examples published with the ORUK standard, read from the shared data folder (they are
not copied into the repository)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

# ../shared/data/oruk/examples, relative to the repository root.
EXAMPLES = Path(__file__).resolve().parents[4].parent / "shared" / "data" / "oruk" / "examples"


def examples_folder() -> Path:
    if not EXAMPLES.is_dir():
        pytest.skip(f"The ORUK examples are not at {EXAMPLES}: fetch the uk-profile examples there")
    return EXAMPLES


def canonical(document: Any) -> Any:
    """``document`` with lists of records ordered by id and empty lists left out: the same
    records, whatever order a publisher lists them in."""
    if isinstance(document, dict):
        return {
            key: canonical(value)
            for key, value in document.items()
            if not (isinstance(value, list) and not value)
        }
    if isinstance(document, list):
        items = [canonical(item) for item in document]
        if all(isinstance(item, dict) and "id" in item for item in items):
            return sorted(items, key=lambda item: str(item["id"]))
        return items
    return document
