"""Source specifications: one YAML file per agency extract, no code.

A specification says where the extract is (a file pattern), how to read it (format, encoding,
delimiter, sheet), and what each column is: its type, its meaning, whether it identifies a person
(kept only in the custodian zone, standardised for linkage) or is an attribute (sent to the
analysis zone under a token), and how to check it. See ``sources/*.yaml`` for the shipped ones
and ``README.md`` for the fields.
"""

from __future__ import annotations

import codecs
import re
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationInfo, model_validator

from bakehouse.ingest.config import load_folder

ColumnType = Literal["string", "integer", "number", "date", "datetime", "category", "boolean"]
Role = Literal["identifier", "attribute", "pseudonym", "drop"]
IdentifierKind = Literal[
    "forename",
    "surname",
    "full_name",
    "dob",
    "sex",
    "nhs_number",
    "upn",
    "nino",
    "address",
    "postcode",
    "address_with_postcode",
    "reference",
    "house_number",
]
Sensitivity = Literal["personal", "special", "criminal"]

SOURCE_ID = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
OUTPUT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
# Column names are quoted into SQL only after matching this: no quotes, no control characters.
COLUMN_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9 _\-\.\/()%#&+]{0,99}$")
RESERVED_OUTPUTS = {"token", "lsoa11cd", "source", "file", "row_number"}
SHARED_KINDS = {"address", "postcode", "address_with_postcode", "house_number", "sex"}
DATE_KINDS = {"date", "datetime"}
DEFAULT_PERSON = "subject"


def snake_case(name: str) -> str:
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "column"


class ColumnSpec(BaseModel):
    """One column of an extract."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)

    meaning: str = Field(min_length=3)
    role: Role
    type: ColumnType = "string"
    identifier: IdentifierKind | None = None
    person: str | None = None
    required: bool = False
    shared: bool = False
    scope: str | None = None
    format: list[str] = Field(default_factory=list)
    values: dict[str, str] | None = None
    true_values: list[str] = Field(default_factory=lambda: ["Y"])
    false_values: list[str] = Field(default_factory=lambda: ["N"])
    min: float | date | None = None
    max: float | date | Literal["today"] | None = None
    not_before: str | None = None
    output: str | None = Field(default=None, alias="as")
    release: Literal["year_month"] | None = None
    name_order: Literal["surname_first", "forename_first"] = "surname_first"
    sensitivity: Sensitivity = "personal"

    @model_validator(mode="before")
    @classmethod
    def _lists(cls, data: object) -> object:
        if isinstance(data, dict):
            if isinstance(data.get("format"), str):
                data = {**data, "format": [data["format"]]}
            if isinstance(data.get("values"), list):
                data = {**data, "values": {str(v): str(v) for v in data["values"]}}
            elif isinstance(data.get("values"), dict):
                data = {**data, "values": {str(k): str(v) for k, v in data["values"].items()}}
        return data

    @model_validator(mode="after")
    def _consistent(self) -> ColumnSpec:
        problems = []
        if self.role == "identifier" and self.identifier is None:
            problems.append("an identifier column needs `identifier:` (which kind)")
        if self.role == "attribute" and self.identifier not in (None, "sex"):
            problems.append("an attribute may only double as the `sex` identifier")
        if self.role in ("pseudonym", "drop") and self.identifier is not None:
            problems.append(f"a {self.role} column cannot also be an identifier")
        if self.type in DATE_KINDS and not self.format:
            problems.append("date and datetime columns need `format:` (strptime, iso or excel)")
        if self.type == "category" and not self.values:
            problems.append("category columns need `values:`")
        if self.identifier == "dob" and self.type != "date":
            problems.append("a date of birth must have type date")
        if self.identifier == "sex" and self.type != "category":
            problems.append("sex must be a category mapping values to M and F")
        if self.release is not None and self.identifier != "dob":
            problems.append("`release: year_month` applies to a date of birth only")
        if self.output is not None and not OUTPUT_NAME.match(self.output):
            problems.append("`as:` must be lower case letters, digits and underscores")
        if self.person is not None and not OUTPUT_NAME.match(self.person):
            problems.append("`person:` must be lower case letters, digits and underscores")
        problems.extend(self._reference_number_problems())
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _reference_number_problems(self) -> list[str]:
        if self.identifier != "reference":
            if self.shared or self.scope is not None:
                return ["`shared:` and `scope:` apply to a `reference` identifier only"]
            return []
        if self.type != "string":
            return ["a reference number must have type string (leading zeros are kept)"]
        if self.shared and (self.scope is None or not OUTPUT_NAME.match(self.scope)):
            return [
                "a shared reference needs `scope:`, a name (lower case letters, digits and "
                "underscores) that every source sharing the number gives alike"
            ]
        if not self.shared and self.scope is not None:
            return ["`scope:` applies to a shared reference (`shared: true`) only"]
        return []


class SourceSpec(BaseModel):
    """One agency extract."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    source: str
    title: str
    supplier: str
    file: str
    format: Literal["csv", "excel", "parquet"]
    encoding: str = "utf-8"
    delimiter: str = ","
    quote: str = '"'
    # Whether a quoted value may hold a line break. Off by default: a row running over several
    # lines is far more often a stray quote that swallowed the next row than a real value.
    multiline_values: bool = False
    sheet: str | None = None
    event_date: str | None = None
    recorded_date: str | None = None
    late_after_days: int = Field(default=90, ge=1)
    # Fewer rows than this share of the last full ingest refuses the run (see shortfall.py).
    min_share_of_last: float = Field(default=0.5, gt=0, le=1)
    lsoa_from: str | None = None
    columns: dict[str, ColumnSpec]
    _path: Path | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _consistent(self, info: ValidationInfo) -> SourceSpec:
        problems: list[str] = []
        if not SOURCE_ID.match(self.source):
            problems.append("source: lower case letters, digits and underscores, at most 40")
        if "/" in self.file or self.file.startswith("."):
            problems.append("file: a file name pattern within the sources folder, no folders")
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            problems.append(f"encoding: '{self.encoding}' is not an encoding Python knows")
        if len(self.delimiter) != 1 or len(self.quote) != 1:
            problems.append("delimiter and quote must be single characters")
        if self.format == "excel" and not self.sheet:
            problems.append("sheet: an Excel source must name its sheet")
        for name in self.columns:
            if not COLUMN_NAME.match(name):
                problems.append(f"columns.{name}: column names may not hold quotes or controls")
        problems.extend(self._reference_problems())
        problems.extend(self._output_problems())
        if problems:
            raise ValueError("; ".join(problems))
        context = info.context or {}
        if isinstance(context.get("file"), Path):
            self._path = context["file"]
        return self

    def _reference_problems(self) -> list[str]:
        problems = []
        for field, name in (("event_date", self.event_date), ("recorded_date", self.recorded_date)):
            if name is None:
                continue
            column = self.columns.get(name)
            if column is None or column.type not in DATE_KINDS:
                problems.append(f"{field}: '{name}' is not a date column of this source")
        for name, column in self.columns.items():
            if column.not_before is not None:
                other = self.columns.get(column.not_before)
                if other is None or other.type not in DATE_KINDS or column.type not in DATE_KINDS:
                    problems.append(f"columns.{name}.not_before: must name another date column")
        if self.recorded_date is not None and self.event_date is None:
            problems.append("recorded_date: needs an event_date to measure lateness against")
        for person in self.persons():
            if len(self.identifier_columns(person, "reference")) > 1:
                problems.append(
                    f"columns: more than one reference number for '{person}' (the custodian "
                    "zone holds one per person: keep the one linkage should use as `reference`)"
                )
        if self.lsoa_from is not None:
            column = self.columns.get(self.lsoa_from)
            if column is None or column.identifier not in ("postcode", "address_with_postcode"):
                problems.append("lsoa_from: must name a postcode or address_with_postcode column")
        return problems

    def _output_problems(self) -> list[str]:
        seen: dict[str, str] = {}
        problems = []
        for name, output in self.analysis_columns().items():
            if output in RESERVED_OUTPUTS or output in seen:
                problems.append(f"columns.{name}: output name '{output}' is reserved or repeated")
            seen[output] = name
        for name, column in self.columns.items():
            if column.release is not None:
                for suffix in ("_year", "_month"):
                    output = self.release_prefix(name) + suffix
                    if output in seen or output in RESERVED_OUTPUTS:
                        problems.append(f"columns.{name}: released '{output}' clashes")
                    seen[output] = name
        return problems

    # --- derived views of the specification -------------------------------------------------

    @property
    def path(self) -> Path | None:
        return self._path

    def output_name(self, name: str) -> str:
        column = self.columns[name]
        return column.output or snake_case(name)

    def analysis_columns(self) -> dict[str, str]:
        """Column name -> analysis zone name, for attributes and pseudonyms."""
        return {
            name: self.output_name(name)
            for name, column in self.columns.items()
            if column.role in ("attribute", "pseudonym")
        }

    def release_prefix(self, name: str) -> str:
        column = self.columns[name]
        return column.output or "birth"

    def persons(self) -> list[str]:
        """The people a row names (most sources: one, ``subject``)."""
        found: list[str] = []
        for column in self.columns.values():
            if column.identifier is None or column.identifier in SHARED_KINDS:
                continue
            person = column.person or DEFAULT_PERSON
            if person not in found:
                found.append(person)
        return found or [DEFAULT_PERSON]

    def identifier_columns(self, person: str, kind: str) -> list[str]:
        """Columns giving ``kind`` for ``person``; shared kinds (address, postcode, sex) without
        a ``person`` apply to everyone in the row."""
        chosen = []
        for name, column in self.columns.items():
            if column.identifier != kind:
                continue
            owner = column.person
            if owner == person or (owner is None and (kind in SHARED_KINDS or person == "subject")):
                chosen.append(name)
        return chosen

    def lsoa_column(self) -> str | None:
        if self.lsoa_from is not None:
            return self.lsoa_from
        for name, column in self.columns.items():
            if column.identifier in ("postcode", "address_with_postcode") and column.person is None:
                return name
        return None

    def reference_scope(self, name: str) -> str:
        """Where a reference number identifies a person: the scope shared by the sources that
        use the same numbers, else this source alone."""
        column = self.columns[name]
        return column.scope if column.shared and column.scope else self.source

    def sensitivities(self) -> set[str]:
        return {column.sensitivity for column in self.columns.values()}


def _unique_sources(specs: list[SourceSpec]) -> list[str]:
    seen: set[str] = set()
    problems = []
    for spec in specs:
        if spec.source in seen:
            problems.append(f"source '{spec.source}' is specified more than once")
        seen.add(spec.source)
    return problems


def shipped_specs_dir() -> Path:
    return Path(__file__).parent / "sources"


def load_specs(folder: Path | None = None) -> dict[str, SourceSpec]:
    """All source specifications in a folder (default: the shipped ones), by source id."""
    specs = load_folder(
        folder or shipped_specs_dir(), SourceSpec, "source specification", _unique_sources
    )
    return {spec.source: spec for spec in specs}
