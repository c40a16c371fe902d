"""Typed errors. Each says what went wrong, where (file, row, field) and what to do.

The command line prints these without a traceback (``--debug`` shows it). Messages never
carry a person's identifiers or attribute values: they name files, rows and fields only.
"""

from __future__ import annotations

from pathlib import Path


class BakehouseError(Exception):
    """Base for every error the command line reports as a plain message."""

    def __init__(
        self,
        what: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        field: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.what = what
        self.file = str(file) if file is not None else None
        self.row = row
        self.field = field
        self.fix = fix
        super().__init__(self.message)

    @property
    def where(self) -> str:
        parts = []
        if self.file is not None:
            parts.append(f"file {self.file}")
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.field is not None:
            parts.append(f"field '{self.field}'")
        return ", ".join(parts)

    @property
    def message(self) -> str:
        text = self.what
        if self.where:
            text = f"{text} ({self.where})"
        if self.fix:
            text = f"{text}. {self.fix}"
        return text


class ConfigError(BakehouseError):
    """A configuration file or command-line option is invalid."""


class GeographyError(BakehouseError):
    """Geography data is missing or does not contain what was asked for."""


class SchemaError(BakehouseError):
    """An input file does not have the columns or types its specification requires."""


class AgreementViolation(BakehouseError):
    """A data sharing agreement does not permit what was asked."""


class CustodyError(BakehouseError):
    """The custodian's key or zone is missing, or would be breached."""


class AuditChainBroken(BakehouseError):
    """The append-only audit log has been altered."""


class ExtractError(BakehouseError):
    """An input file cannot be read at all: empty, corrupt, or not in its declared encoding."""


class WorkspaceError(BakehouseError):
    """The workspace is locked by another run, or not in a state the command can work on."""


class DisclosureError(BakehouseError):
    """Counts cannot be protected as the disclosure rules require (or are inconsistent)."""


class ReleaseRefused(BakehouseError):
    """The output checker found a cell that breaks a disclosure rule: nothing was published."""


class SigningError(BakehouseError):
    """A release signing key is missing or unsafe, or a manifest's signature does not verify."""


class PackError(BakehouseError):
    """A recipe pack cannot be exported (something unsafe or missing) or is refused on import
    (a changed byte, an unknown signer, a part that does not validate)."""
