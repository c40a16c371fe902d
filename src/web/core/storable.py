"""Text the database can store. PostgreSQL refuses the NUL character (``\\x00``) in text and in
JSON, where SQLite keeps it: what arrives from outside (feeds, releases, query parameters) is
checked for it, so that it is refused with a reason on either database rather than failing half
way through a write on one of them."""

from __future__ import annotations

from typing import Any

NUL = "\x00"


def nul_path(value: Any, path: str) -> str | None:
    """Where in ``value`` the first NUL character is, in a key or a string; None if nowhere."""
    if isinstance(value, str):
        return path if NUL in value else None
    if isinstance(value, dict):
        inside = [(f"{path}.{key}", str(key), item) for key, item in value.items()]
    elif isinstance(value, list):
        inside = [(f"{path}[{index}]", "", item) for index, item in enumerate(value)]
    else:
        return None
    for where, key, item in inside:
        found = where if NUL in key else nul_path(item, where)
        if found is not None:
            return found
    return None


def without_nul(value: Any) -> Any:
    """``value`` with every NUL character, in keys and strings, written as the six characters
    ``\\u0000``, so that it can be kept, and a reviewer can read where the NUL was."""
    if isinstance(value, str):
        return value.replace(NUL, "\\u0000")
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value
