"""Record linkage in the custodian zone: persons and households. See README.md.

Public API (everything else is internal)::

    link(LinkOptions, reporter) -> LinkResult     the whole run, all or nothing
    load_settings(path, threshold=...)            the YAML settings, validated
    LinkageSettings                               their model
"""

from __future__ import annotations

from bakehouse.linkage.config import DEFAULT_SETTINGS, LinkageSettings, load_settings
from bakehouse.linkage.pipeline import LinkOptions, LinkResult, link

__all__ = [
    "DEFAULT_SETTINGS",
    "LinkOptions",
    "LinkResult",
    "LinkageSettings",
    "link",
    "load_settings",
]
