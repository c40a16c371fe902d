"""Governed ingestion: agency extracts into the custodian and analysis zones. See README.md."""

from __future__ import annotations

from bakehouse.ingest.agreement import Agreement, load_agreements
from bakehouse.ingest.pipeline import FileCount, IngestOptions, IngestResult, ingest
from bakehouse.ingest.progress import Reporter, RichReporter, SilentReporter
from bakehouse.ingest.spec import SourceSpec, load_specs

__all__ = [
    "Agreement",
    "FileCount",
    "IngestOptions",
    "IngestResult",
    "Reporter",
    "RichReporter",
    "SilentReporter",
    "SourceSpec",
    "ingest",
    "load_agreements",
    "load_specs",
]
