"""The code a stage's results depend on, as a version: a stage reuses earlier work only when
the code that made it is the same."""

from __future__ import annotations

import hashlib
from pathlib import Path

from bakehouse import __version__

ROOT = Path(__file__).resolve().parent


def code_version(*packages: str) -> str:
    """The package version and the hash of the Python and YAML files of ``packages``
    (folders under ``src/bakehouse``)."""
    digest = hashlib.sha256()
    for package in packages:
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix in (".py", ".yaml") and path.is_file():
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return f"{__version__}+{digest.hexdigest()[:12]}"
