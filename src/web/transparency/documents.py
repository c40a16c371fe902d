"""Turns a release's JSON documents (model card, transparency record, summaries) into headed
sections, summary lists and tables a template can draw without knowing the document's fields.

Fields a person must still complete (``{"to_complete": ...}``) are shown as such, and a
document the run did not produce (``{"status": "not produced by this run"}``) says so.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from web.releases.cache import per_release
from web.releases.contract import TO_COMPLETE, is_not_produced
from web.releases.models import Document, DocumentName, Release

# Words written in capitals, or spelled out, when a field name is turned into a label.
WORDS = {
    "auc": "AUC",
    "atrs": "ATRS",
    "dpia": "DPIA",
    "dpo": "DPO",
    "ecda": "ECDA",
    "fnr": "false negative rate",
    "fpr": "false positive rate",
    "id": "ID",
    "lsoa": "LSOA",
    "nhs": "NHS",
    "psi": "PSI",
    "sha256": "SHA-256",
    "uk": "UK",
    "gdpr": "GDPR",
    "95": "95%",
}
SECTION_DEPTH = 2  # levels of headings below the title; deeper objects become nested lists


def label(key: str) -> str:
    """``"test_auc"`` -> ``"Test AUC"``, ``"tier_1"`` -> ``"Tier 1"``."""
    words = [WORDS.get(word.lower(), word) for word in re.split(r"[_\s]+", key.strip()) if word]
    text = " ".join(words)
    return text[:1].upper() + text[1:]


def written(value: Any) -> str:
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        # Small rates (a link error of 0.0083) keep two significant figures.
        digits = 4 if 0 < abs(value) < 0.01 else 3
        return f"{value:,.{digits}f}".rstrip("0").rstrip(".")
    if value is None:
        return "Not given"
    return str(value)


@dataclass(frozen=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Entry:
    """One row of a summary list: a value, a field to complete, a list, a table or, for
    objects nested deep, entries of its own."""

    label: str
    value: str = ""
    to_complete: bool = False
    items: tuple[str, ...] = ()
    table: Table | None = None
    entries: tuple[Entry, ...] = ()


@dataclass(frozen=True)
class Section:
    heading: str
    level: int
    entries: tuple[Entry, ...] = ()
    sections: tuple[Section, ...] = ()


@dataclass(frozen=True)
class RenderedDocument:
    name: str
    title: str
    produced: bool
    section: Section = field(default_factory=lambda: Section("", 1))
    has_markdown: bool = False
    to_complete: int = 0


def _is_to_complete(value: Any) -> bool:
    return isinstance(value, Mapping) and set(value) == {TO_COMPLETE}


def _entry(key: str, value: Any) -> Entry:
    if _is_to_complete(value):
        return Entry(label(key), written(value[TO_COMPLETE]), to_complete=True)
    if isinstance(value, Mapping):
        return Entry(label(key), entries=tuple(_entry(k, v) for k, v in value.items()))
    if isinstance(value, list):
        if value and all(isinstance(item, Mapping) for item in value):
            return Entry(label(key), table=_table(value))
        return Entry(label(key), items=tuple(written(item) for item in value))
    return Entry(label(key), written(value))


def _table(items: list[Mapping[str, Any]]) -> Table:
    keys: list[str] = []
    for item in items:
        keys.extend(key for key in item if key not in keys)
    return Table(
        tuple(label(key) for key in keys),
        tuple(tuple(written(item.get(key)) for key in keys) for item in items),
    )


def _section(heading: str, content: Mapping[str, Any], level: int, deepest: int) -> Section:
    entries = []
    sections = []
    for key, value in content.items():
        nested = isinstance(value, Mapping) and not _is_to_complete(value)
        if nested and level < deepest:
            sections.append(_section(label(key), value, level + 1, deepest))
        else:
            entries.append(_entry(key, value))
    return Section(heading, level, tuple(entries), tuple(sections))


def _count_to_complete(value: Any) -> int:
    if _is_to_complete(value):
        return 1
    if isinstance(value, Mapping):
        return sum(_count_to_complete(item) for item in value.values())
    if isinstance(value, list):
        return sum(_count_to_complete(item) for item in value)
    return 0


def render(document: Document, level: int = 1) -> RenderedDocument:
    """The document as sections; ``level`` is the heading level of its title, so its parts
    are headed one level below."""
    title = DocumentName(document.name).label
    content = document.content
    if is_not_produced(content):
        return RenderedDocument(document.name, title, False)
    return RenderedDocument(
        document.name,
        title,
        True,
        section=_section(title, content, level, level + SECTION_DEPTH),
        has_markdown=bool(document.markdown.strip()),
        to_complete=_count_to_complete(content),
    )


def release_documents(release: Release) -> dict[str, Document]:
    return per_release(
        release,
        "documents",
        lambda: {document.name: document for document in release.documents.all()},
    )


def rendered(release: Release, name: str, level: int = 1) -> RenderedDocument | None:
    document = release_documents(release).get(name)
    return render(document, level) if document is not None else None
