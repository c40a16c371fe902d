"""Sources that arrive missing, empty or far smaller than before: refused unless a run accepts.

A model trained without a source, or on a fraction of it, ranks areas differently while its
documents still list that source's features. So each run compares every source with the rows it had
at the last ingest that took it in full (the workspace manifest's ``baseline``) and refuses, naming
the source and the counts, when one that was there is missing, when one arrives with no data rows
(first run included), or when one has fewer rows than ``min_share_of_last`` (a setting of its
specification, default one half) of last time. A run for a recipe also refuses a source the recipe
declares that has no extract, first run included. ``--accept SOURCE`` lets the run go on; the
manifest then lists the source under ``sources_missing`` or ``sources_short`` with its counts, for
the model's documents to say what the model lacked. The baseline of an accepted source is carried
forward, so every later run that still lacks it says so again; a source whose specification is
removed is no longer expected.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any, Literal

from bakehouse.errors import ExtractError

Kind = Literal["missing", "empty", "short"]


class SourceShortfall(ExtractError):
    """A source is missing, empty or far smaller than last time, and the run did not accept it."""


@dataclass(frozen=True)
class Shortfall:
    source: str
    kind: Kind
    rows: int  # data rows received by this run (0 when missing)
    rows_last: int | None  # data rows at the last ingest that took the source in full
    last_run_id: str | None
    file: str | None = None  # the file received, when one was

    def describe(self) -> str:
        before = (
            f"{self.rows_last:,} rows in run {self.last_run_id}"
            if self.rows_last is not None
            else "no earlier run"
        )
        if self.kind == "missing":
            if self.rows_last is None:
                return f"'{self.source}' is missing (no extract of it, and no earlier run had it)"
            return f"'{self.source}' is missing (it had {before})"
        if self.kind == "empty":
            return f"'{self.source}' has no data rows ({before})"
        return f"'{self.source}' has {self.rows:,} rows, down from {before}"


Baseline = dict[str, dict[str, Any]]


def baseline(manifest: dict[str, Any] | None) -> Baseline:
    """Rows per source at the last ingest that took each in full (run id with it)."""
    if manifest is None:
        return {}
    if "baseline" in manifest:
        return dict(manifest["baseline"])
    rows: Baseline = {}
    for item in manifest.get("files", []):  # a manifest written before baselines were kept
        entry = rows.setdefault(item["source"], {"rows": 0, "run_id": manifest.get("run_id")})
        entry["rows"] += int(item["rows_in"])
    return rows


def missing(
    expected: Baseline, received: Iterable[str], declared: Iterable[str] = ()
) -> list[Shortfall]:
    """Sources the baseline holds, or the run declares it reads (a recipe's), that no file of
    this run matches."""
    here = set(received)
    found = [
        Shortfall(source, "missing", 0, int(entry["rows"]), entry.get("run_id"))
        for source, entry in expected.items()
        if source not in here
    ]
    found += [
        Shortfall(source, "missing", 0, None, None)
        for source in set(declared) - set(expected) - here
    ]
    return sorted(found, key=lambda item: item.source)


def shrunk(
    rows: dict[str, int], expected: Baseline, min_share: dict[str, float], files: dict[str, str]
) -> list[Shortfall]:
    """Sources received with no data rows, or with fewer than their share of last time
    (``files``: a file of each source, to name in the error)."""
    found = []
    for source, count in sorted(rows.items()):
        entry = expected.get(source)
        last = None if entry is None else int(entry["rows"])
        run_id = None if entry is None else entry.get("run_id")
        if count == 0:
            found.append(Shortfall(source, "empty", 0, last, run_id, files.get(source)))
        elif last is not None and count < min_share[source] * last:
            found.append(Shortfall(source, "short", count, last, run_id, files.get(source)))
    return found


def refuse_unaccepted(found: list[Shortfall], accepted: Iterable[str]) -> None:
    """Raise, naming every shortfall the run did not accept."""
    allowed = set(accepted)
    refused = [item for item in found if item.source not in allowed]
    if refused:
        names = " ".join(f"--accept {item.source}" for item in refused)
        raise SourceShortfall(
            "Refused: " + "; ".join(item.describe() for item in refused),
            file=refused[0].file,
            field=refused[0].source,
            fix=f"Ask the supplier for the full extract, or pass {names} to go on without it "
            "(the model's documents will say what it lacked)",
        )


def next_baseline(
    expected: Baseline, rows: dict[str, int], found: list[Shortfall], run_id: str
) -> Baseline:
    """The baseline the next run compares with: this run's rows for each source taken in full;
    the earlier entry, carried forward, for each source accepted short, empty or missing, and
    for each this run did not take in (``--only``)."""
    lacking = {item.source for item in found}
    updated = dict(expected)
    for source, count in rows.items():
        if source not in lacking:
            updated[source] = {"rows": count, "run_id": run_id}
    return dict(sorted(updated.items()))


def manifest_entries(found: list[Shortfall], updated: Baseline) -> dict[str, Any]:
    """What the workspace manifest records: the baseline, and the shortfalls the run accepted."""
    return {
        "baseline": updated,
        "sources_missing": [
            {k: v for k, v in asdict(item).items() if k not in ("kind", "file")}
            for item in found
            if item.kind == "missing"
        ],
        "sources_short": [asdict(item) for item in found if item.kind != "missing"],
    }


def accepted_shortfalls(manifest: dict[str, Any] | None) -> list[dict[str, Any]]:
    """The shortfalls recorded in a workspace manifest, each with ``kind`` (for the documents)."""
    if manifest is None:
        return []
    found = [{**item, "kind": "missing"} for item in manifest.get("sources_missing", [])]
    return found + [dict(item) for item in manifest.get("sources_short", [])]
