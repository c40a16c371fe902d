"""The safety scan every pack passes, at export and again at import: the output checker's own
rules (``bakehouse.release.checker``), applied to each file of the pack.

- Only text travels: settings (YAML), documents (Markdown, JSON) and the licence. A table, an
  extract, a model file or anything else that could hold rows about people is refused.
- No file holds text like an NHS number, National Insurance number, UPN or full postcode.
- No JSON document has a field named like a personal identifier, and every whole number in one
  is a count the disclosure rule allows: 0, or a multiple of the rounding base above the
  threshold. (The Markdown documents are written from the same mappings as their JSON.)
- An evaluation result (``evaluations/*.json``) holds estimates and group means over areas, never
  a count of people: its only whole numbers are the sizes of its groups of areas, periods
  (years) and event times, and the number of placebo runs. A whole number anywhere else is
  refused, and each group must hold at least ``MIN_AREAS`` areas, the rule a release applies
  (``bakehouse.release.evaluations.disclosure_problems``).
- The community insight summary (``insight/summary.json``) holds only the fields of its format
  (``bakehouse.packs.insight``), and each of its counts is 0, at or above the threshold, or a
  marker of a hidden count. It is the only file the insight section may hold.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from bakehouse.packs.insight import ENTRY as INSIGHT_SUMMARY
from bakehouse.packs.insight import summary_problems
from bakehouse.release.checker import IDENTIFIER_NAME, identifier_kinds, publishable_count
from bakehouse.release.evaluations import disclosure_problems

TEXT_SUFFIXES = frozenset({".yaml", ".yml", ".md", ".json", ".txt"})
# The documents whose numbers are counts from the data (not settings a person wrote).
COUNTED = ("model/", "evidence/")
RESULTS = "evaluations/"
INSIGHT = "insight/"
# The fields of an evaluation result that hold whole numbers: areas, years, event times, runs.
RESULT_WHOLE_NUMBERS = frozenset(
    {"n_treated", "n_comparison", "periods", "start", "placebos", "period", "event_time"}
)


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
        if name.startswith(RESULTS):
            found += _result_findings(name, document)
    if name == INSIGHT_SUMMARY:
        found += [Finding(name, problem) for problem in summary_problems(data, threshold)]
    elif name.startswith(INSIGHT):
        found.append(Finding(name, f"the insight section holds {INSIGHT_SUMMARY} only"))
    return found


def _result_findings(name: str, document: Any) -> list[Finding]:
    if not isinstance(document, dict):
        return [Finding(name, "not an evaluation result (a JSON object)")]
    found = [
        Finding(name, f"{where}: a whole number where a result holds none (estimates only)")
        for where, _ in _whole_numbers(document, "")
        if _field(where) not in RESULT_WHOLE_NUMBERS
    ]
    return found + [Finding(name, problem) for problem in disclosure_problems(document)]


def _field(where: str) -> str:
    """The field a path names, without list positions: ``event_study[3].event_time``."""
    return where.rsplit(".", 1)[-1].split("[", 1)[0]


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
