"""The safety scan every pack passes, at export and again at import: the output checker's own
rules (``bakehouse.release.checker``), applied to each file of the pack.

- Only text travels: settings (YAML), documents (Markdown, JSON) and the licence. A table, an
  extract, a model file or anything else that could hold rows about people is refused.
- No file holds text like an NHS number, National Insurance number, UPN or full postcode.
- No JSON document has a field named like a personal identifier, and every whole number in one
  is a count the disclosure rule allows: 0, or a multiple of the rounding base above the
  threshold. (The Markdown documents are written from the same mappings as their JSON.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from bakehouse.release.checker import IDENTIFIER_NAME, identifier_kinds, publishable_count

TEXT_SUFFIXES = frozenset({".yaml", ".yml", ".md", ".json", ".txt"})
# The documents whose numbers are counts from the data (not settings a person wrote).
COUNTED = ("model/", "evidence/")


@dataclass(frozen=True)
class Finding:
    file: str
    what: str

    def __str__(self) -> str:
        return f"{self.file}: {self.what}"


def scan(files: Mapping[str, bytes], threshold: int, rounding: int) -> list[Finding]:
    """Every finding in every file, in file order; none means the pack is safe to share."""
    findings: list[Finding] = []
    for name in sorted(files):
        findings += _scan_file(name, files[name], threshold, rounding)
    return findings


def _scan_file(name: str, data: bytes, threshold: int, rounding: int) -> list[Finding]:
    if PurePosixPath(name).suffix not in TEXT_SUFFIXES:
        return [Finding(name, "not a text document: a pack carries no tables, extracts or models")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return [Finding(name, "not UTF-8 text")]
    found = [
        Finding(name, f"holds text that looks like a {kind}") for kind in identifier_kinds(text)
    ]
    if name.endswith(".json"):
        try:
            document = json.loads(text)
        except ValueError:
            return [*found, Finding(name, "not valid JSON")]
        for where, key in _keys(document, ""):
            if IDENTIFIER_NAME.search(key):
                found.append(Finding(name, f"a field named like a personal identifier ({where})"))
        if name.startswith(COUNTED):
            for where, value in _whole_numbers(document, ""):
                if not publishable_count(value, threshold, rounding):
                    found.append(
                        Finding(
                            name,
                            f"{where}: a count that is not 0 or a multiple of {rounding} above "
                            f"{threshold}",
                        )
                    )
    return found


def _keys(data: Any, where: str) -> Iterator[tuple[str, str]]:
    if isinstance(data, dict):
        for key, value in data.items():
            path = f"{where}.{key}" if where else str(key)
            yield path, str(key)
            yield from _keys(value, path)
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _keys(item, f"{where}[{index}]")


def _whole_numbers(data: Any, where: str) -> Iterator[tuple[str, int]]:
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _whole_numbers(value, f"{where}.{key}" if where else str(key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _whole_numbers(item, f"{where}[{index}]")
    elif isinstance(data, int) and not isinstance(data, bool):
        yield where, data
