"""Where a person's own Bakehouse files live: keys and their audit anchors, outside any
repository and workspace."""

from __future__ import annotations

import os
from pathlib import Path


def config_file(name: str) -> Path:
    """``$XDG_CONFIG_HOME/bakehouse/<name>``, by default under ``~/.config``."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "bakehouse" / name
