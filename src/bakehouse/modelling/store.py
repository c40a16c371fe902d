"""The artefact store: each training run in its own folder, named by the hash of its inputs.

A run's id is the SHA-256 of the recipe's validated content, the data it read (the ingestion
fingerprint, the per-file reconciliation with the records withheld by objection or erasure, and
the linkage run's settings and counts, all content-based), the code version (the
package version and a hash of the recipe, feature and modelling code) and the options that change
results (an extract date given by hand; the truth folder measured against). A rerun with the same
inputs finds a complete folder with that id, checks every file against its hash, and reuses it.

Layout, inside the workspace (the analysis environment)::

    models/<recipe id>/<run id (16 hex)>/   run.json and the artefacts it lists with their hashes
    models/<recipe id>/latest.json          the run the next stage (areas) should read

An erasure or objection that takes records out of the analysis zone purges every run and the
area tables built from it (:func:`bakehouse.custody.withdraw.purge_model_runs`): its predictions
and models were fitted on the person's records, and no file says which row was theirs. The
reconciliation in the run id makes the next ``train`` fit again rather than look for the old
run.

Models are saved as text (LightGBM's model format and JSON; the logistic regression and the
calibration as JSON); nothing is pickled.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import duckdb

from bakehouse import fingerprint
from bakehouse.custody import workspace as layout

PACKAGES = ("features", "modelling", "recipes")
RUN_FILE = "run.json"
LATEST = layout.LATEST


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def code_version() -> str:
    """The package version and the hash of the code and built-in recipes a run depends on."""
    return fingerprint.code_version(*PACKAGES)


def data_fingerprint(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, Any]:
    """What the analysis zone was built from, content only (no run times or timestamped ids)."""
    ingest = con.execute(
        f"SELECT fingerprint, purpose, key_id, code_version FROM {schema}.runs ORDER BY 1"  # noqa: S608
    ).fetchall()
    linkage = con.execute(
        f"SELECT settings_fingerprint, backend, threshold, key_id, code_version, records, "  # noqa: S608
        f"persons, households FROM {schema}.linkage_runs ORDER BY 1"
    ).fetchall()
    reconciliation = con.execute(
        f"SELECT source, file, sha256, rows_in, accepted, quarantined, withheld_optout, "  # noqa: S608
        f"withheld_erasure FROM {schema}.reconciliation ORDER BY ALL"
    ).fetchall()
    body = {
        "ingest": [list(map(str, row)) for row in ingest],
        "reconciliation": [list(map(str, row)) for row in reconciliation],
        "linkage": [list(map(str, row)) for row in linkage],
    }
    return {**body, "sha256": _sha256(json.dumps(body, sort_keys=True).encode())}


def run_id(recipe_canonical: str, data_sha256: str, code: str, options: dict[str, str]) -> str:
    body = json.dumps(
        {"recipe": recipe_canonical, "data": data_sha256, "code": code, "options": options},
        sort_keys=True,
    )
    return _sha256(body.encode())


class ArtefactStore:
    def __init__(self, workspace: Path, recipe_id: str) -> None:
        self.workspace = workspace
        self.recipe_id = recipe_id

    @property
    def relative_root(self) -> str:
        return f"{layout.MODELS}/{self.recipe_id}"

    def relative(self, run: str, name: str = "") -> str:
        folder = f"{self.relative_root}/{run[:16]}"
        return f"{folder}/{name}" if name else folder

    def folder(self, run: str) -> Path:
        return self.workspace / self.relative(run)

    def complete(self, run: str) -> dict[str, Any] | None:
        """The run's record if its folder is complete and every file matches its hash."""
        record_path = self.folder(run) / RUN_FILE
        if not record_path.exists():
            return None
        record: dict[str, Any] = json.loads(record_path.read_text(encoding="utf-8"))
        if record.get("run_id") != run or record.get("status") != "complete":
            return None
        for name, digest in record.get("files", {}).items():
            path = self.folder(run) / name
            if not path.exists() or _sha256(path.read_bytes()) != digest:
                return None
        return record

    def latest(self) -> str | None:
        path = self.workspace / self.relative_root / LATEST
        if not path.exists():
            return None
        return str(json.loads(path.read_text(encoding="utf-8"))["run_id"])


def file_hashes(folder: Path, names: list[str]) -> dict[str, str]:
    return {name: _sha256((folder / name).read_bytes()) for name in sorted(names)}
