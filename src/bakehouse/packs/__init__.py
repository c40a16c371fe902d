"""Recipe packs: a recipe exported as one signed file another partnership can verify, install
and bake on its own data (see README.md)."""

from __future__ import annotations

from bakehouse.packs.export import ExportOptions, ExportResult, export_pack
from bakehouse.packs.install import (
    Installed,
    InstalledEvaluation,
    InstalledInsight,
    InstalledIntervention,
    SourceStatus,
    Supplied,
    install_pack,
)
from bakehouse.packs.verify import VerifiedPack, read_pack

__all__ = [
    "ExportOptions",
    "ExportResult",
    "Installed",
    "InstalledEvaluation",
    "InstalledInsight",
    "InstalledIntervention",
    "SourceStatus",
    "Supplied",
    "VerifiedPack",
    "export_pack",
    "install_pack",
    "read_pack",
]
