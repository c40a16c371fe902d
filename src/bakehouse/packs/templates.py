"""Source specifications and data sharing agreements as templates another partnership completes.

A specification travels whole (its columns are what the recipe's features read) with its
supplier left blank. An agreement keeps what the recipe relies on (its id, the sources and
fields, the purpose, lawful basis, retention, disclosure rule, individual rights) and leaves blank
what only the receiving partnership can say: who shares, when, under which assessment and whose
approval. A blank is ``null`` with a comment saying what to write, so a template cannot be
ingested until it is completed: validation names each blank field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from bakehouse.ingest.agreement import Agreement
from bakehouse.ingest.spec import SourceSpec

SPEC_BLANKS = {"supplier": "the organisation and team that sends this extract"}
AGREEMENT_BLANKS = {
    "version": "your agreement's version",
    "parties": "each organisation sharing or receiving, its role (controller, joint controller, "
    "processor, recipient) and its responsibilities",
    "controllership": "joint or separate",
    "data_period": "the dates of the records shared (start, and end if there is one)",
    "start_date": "when sharing starts (YYYY-MM-DD)",
    "review_date": "when the agreement is next reviewed (YYYY-MM-DD)",
    "end_date": "when it ends, if it does (YYYY-MM-DD)",
    "dpia": "your data protection impact assessment's reference, outcome and date",
    "dpo_view": "your data protection officer's view",
    "security": "how the data is kept secure in transit and at rest",
    "contacts": "who to contact: role, name, email",
    "approved_by": "who approved the agreement: name, role, date",
}
# Nested fields only the receiving partnership can give; optional, so blanking them leaves the
# template's other fields valid.
AGREEMENT_NESTED_BLANKS: set[tuple[str, ...]] = {
    ("lawful_basis", "special_category", "appropriate_policy_document"),
    ("lawful_basis", "criminal_offence", "appropriate_policy_document"),
}


@dataclass(frozen=True)
class Template:
    """A template's text and the fields left for the partnership to fill in."""

    text: str
    fill_in: tuple[str, ...]


def _render(header: str, data: Mapping[str, Any], blanks: Mapping[str, str]) -> str:
    lines = [f"# {line}" if line else "#" for line in header.splitlines()]
    for key, value in data.items():
        if key in blanks:
            lines.append(f"# To fill in: {blanks[key]}")
            lines.append(f"{key}:")
        else:
            dumped = yaml.safe_dump({key: value}, sort_keys=False, allow_unicode=True, width=96)
            lines.extend(dumped.rstrip("\n").splitlines())
    return "\n".join(lines) + "\n"


def spec_template(spec: SourceSpec, raw: Mapping[str, Any]) -> Template:
    """The specification ``raw`` (as its file reads) with the supplier left blank."""
    blanks = {key: note for key, note in SPEC_BLANKS.items() if key in raw}
    header = (
        f"Source specification for '{spec.source}' ({spec.title}), from a recipe pack.\n"
        "The columns are what the recipe reads: map your extract's columns to them (`as:` gives\n"
        "the name the recipe uses). Check the file pattern, format, encoding and delimiter\n"
        "against your own extract, and fill in the fields marked below."
    )
    return Template(_render(header, raw, blanks), tuple(blanks))


def agreement_template(
    agreement: Agreement, raw: Mapping[str, Any], recipe_id: str, sources: list[str]
) -> Template:
    """The agreement ``raw`` cut to the recipe's purpose and sources, partner-specific fields
    blank."""
    data = dict(raw)
    data["sources"] = [source for source in agreement.sources if source in sources]
    data["permitted_fields"] = {
        source: fields
        for source, fields in dict(raw.get("permitted_fields") or {}).items()
        if source in data["sources"]
    }
    data["purposes"] = [
        purpose
        for purpose in raw.get("purposes") or []
        if isinstance(purpose, dict) and purpose.get("id") == recipe_id
    ]
    data["lawful_basis"] = _without(raw.get("lawful_basis"), AGREEMENT_NESTED_BLANKS)
    blanks = {key: note for key, note in AGREEMENT_BLANKS.items() if key in data}
    header = (
        f"Data sharing agreement template '{agreement.id}' for the recipe '{recipe_id}', from a\n"
        "recipe pack. What the recipe relies on is kept: the sources and fields, the purpose,\n"
        "the lawful basis, retention, the disclosure rule and individual rights. Check each with\n"
        "your data protection officer, fill in the fields marked below, and give your own\n"
        "appropriate policy document's reference where the lawful basis names one. The recipe\n"
        f"expects the agreement id '{agreement.id}': if yours differs, change the recipe's\n"
        "sources.<source>.agreement to match."
    )
    return Template(_render(header, data, blanks), tuple(blanks))


def _without(section: Any, paths: set[tuple[str, ...]]) -> Any:
    if not isinstance(section, dict):
        return section
    kept = {
        key: dict(value) if isinstance(value, dict) else value for key, value in section.items()
    }
    for path in paths:
        holder = kept.get(path[1])
        if isinstance(holder, dict) and path[2] in holder:
            holder[path[2]] = None
    return kept


def blank_fields(text: str, model: type[BaseModel]) -> tuple[list[str], list[str]]:
    """The fields a template leaves to fill in, and every other problem it has, by validating it
    as ``model`` (a blank is a missing value; anything else wrong is the template's fault)."""
    data = yaml.safe_load(text)
    if not isinstance(data, dict):
        return [], ["not a mapping of fields"]
    blanks = sorted(key for key, value in data.items() if value is None)
    try:
        model.model_validate(data)
    except ValidationError as error:
        other = [
            f"{'.'.join(str(part) for part in item['loc'])}: {item['msg']}"
            for item in error.errors()
            if not item["loc"] or item["loc"][0] not in blanks
        ]
        return blanks, other
    return blanks, []
