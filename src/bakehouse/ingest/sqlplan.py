"""The SQL that types, checks, standardises and splits one source, built from its specification.

Names in this SQL are either internal (``c_3``, ``v_3``) or output names the specification has
already checked against ``[a-z][a-z0-9_]*``; every value from a specification (field names,
formats, category values, limits) is a named parameter. Column names from a file never reach SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, get_args

from bakehouse.ingest.spec import DATE_KINDS as DATE_TYPES
from bakehouse.ingest.spec import OUTPUT_NAME, ColumnSpec, IdentifierKind, SourceSpec

REASON_LIST = "STRUCT(code VARCHAR, field VARCHAR, detail VARCHAR)[]"

_STANDARD_MACROS = {
    "forename": "bh_name",
    "surname": "bh_name",
    "nhs_number": "bh_nhs",
    "upn": "bh_upn",
    "nino": "bh_nino",
    "address": "bh_address",
    "postcode": "bh_postcode",
    "address_with_postcode": "bh_postcode_in",
    "reference": "bh_reference",
    "house_number": "bh_house_number",
}
# Identifier kinds whose standard form is null when a value is present but not of the right shape
# (the value is then nulled for linkage and counted, never silently dropped).
_CHECKED_KINDS = {
    "nhs_number": "not a valid NHS number (shape or check digit)",
    "upn": "not a valid UPN (shape or check letter)",
    "nino": "not the shape of a National Insurance number",
    "postcode": "not the shape of a UK postcode",
    "address_with_postcode": "no UK postcode at the end of the address",
}
# Excel cells that hold no value a person would see (see ``bakehouse.ingest.xlsx``).
CELL_CODES = {
    "formula_no_value": "a formula cell with no saved value",
    "cell_error": "an Excel error value (#N/A, #DIV/0! ...)",
}
ISO_FORMATS = ["%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
FILE_STRIDE = 4_294_967_296  # orders rows across the files of a source: file index, then row


@dataclass
class Params:
    """Named parameters for one statement."""

    values: dict[str, Any] = field(default_factory=dict)

    def __call__(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


def quoted(name: str) -> str:
    """Quote an output name, which must already match the specification's rule."""
    if not OUTPUT_NAME.match(name):
        raise ValueError(f"unsafe SQL name {name!r}")
    return f'"{name}"'


def trimmed(index: int) -> str:
    return f"NULLIF(trim(c_{index}), '')"


@dataclass(frozen=True)
class Check:
    """One check on a row: the SQL reason it gives, and whether it quarantines the row (else the
    value is nulled, the row kept, and the reason counted)."""

    sql: str
    field: str | None
    quarantines: bool


class SourcePlan:
    """SQL fragments for one source specification. ``as_at`` is the date the extracts were taken:
    a date after it is in the future."""

    def __init__(
        self, spec: SourceSpec, as_at: date, period_start: date, period_end: date | None
    ) -> None:
        self.spec = spec
        self.as_at = as_at
        self.period_start = period_start
        self.period_end = period_end
        self.names = list(spec.columns)
        self.index = {name: i for i, name in enumerate(self.names)}

    # --- typing ---------------------------------------------------------------------------

    def _date_expr(self, column: ColumnSpec, text: str, p: Params, target: str) -> str:
        parts = []
        for fmt in column.format:
            formats = ISO_FORMATS if fmt in ("iso", "excel") else [fmt]
            parts += [f"CAST(try_strptime({text}, {p(f)}) AS {target})" for f in formats]
            if fmt == "excel":  # a date cell stored as a serial number (days since 1899-12-30)
                parts.append(
                    f"CAST(CASE WHEN regexp_full_match({text}, '[0-9]{{4,6}}(\\.[0-9]+)?') "
                    f"THEN DATE '1899-12-30' + CAST(floor(TRY_CAST({text} AS DOUBLE)) AS INTEGER)"
                    f" END AS {target})"
                )
        return f"COALESCE({', '.join(parts)})"

    def typed(self, name: str, p: Params) -> tuple[str, str | None]:
        """(SQL for the typed value, the reason code when a present value does not type)."""
        column = self.spec.columns[name]
        text = trimmed(self.index[name])
        kind = column.type
        if kind == "string":
            return text, None
        if kind == "integer":  # DuckDB would round '2.5' to 3: whole numbers only
            return (
                f"CASE WHEN regexp_full_match({text}, '[+-]?[0-9]{{1,18}}') "
                f"THEN CAST({text} AS BIGINT) END"
            ), "wrong_type"
        if kind == "number":
            return (
                f"CASE WHEN isfinite(TRY_CAST({text} AS DOUBLE)) "
                f"THEN TRY_CAST({text} AS DOUBLE) END"
            ), "wrong_type"
        if kind == "date":
            return self._date_expr(column, text, p, "DATE"), "bad_date"
        if kind == "datetime":
            return self._date_expr(column, text, p, "TIMESTAMP"), "bad_date"
        if kind == "category":
            assert column.values is not None
            cases = " ".join(f"WHEN {p(k)} THEN {p(v)}" for k, v in column.values.items())
            return f"(CASE {text} {cases} END)", "unknown_value"
        true = p(column.true_values)
        false = p(column.false_values)
        return (
            f"(CASE WHEN list_contains({true}, {text}) THEN TRUE "
            f"WHEN list_contains({false}, {text}) THEN FALSE END)",
            "wrong_type",
        )

    def standard_expr(self, name: str) -> str | None:
        """The standard form of an identifier column (for a full name, the surname; for an
        address with a postcode, the postcode): what linkage uses and validity measures."""
        column = self.spec.columns[name]
        text = trimmed(self.index[name])
        kind = column.identifier
        if kind == "full_name":
            return f"bh_full_{column.name_order}_surname({text})"
        if kind is None or kind in ("dob", "sex"):
            return None
        return f"{_STANDARD_MACROS[kind]}({text})"

    def parsed_select(self, p: Params) -> str:
        """Raw text, typed values (``v_i``), standard identifiers (``s_i``) and the record
        token, per row."""
        values = []
        for name in self.names:
            expression, _ = self.typed(name, p)
            values.append(f"{expression} AS v_{self.index[name]}")
            standard = self.standard_expr(name)
            if standard is not None:
                values.append(f"{standard} AS s_{self.index[name]}")
        raw = ", ".join(f"c_{i}" for i in range(len(self.names)))
        return (
            f"SELECT _file, _fileidx, _row, _problem, _raw, _cells, {raw}, {', '.join(values)}, "  # noqa: S608
            f"bh_token(['record', {p(self.spec.source)}, _file, CAST(_row AS VARCHAR)]) AS token "
            f"FROM raw_rows"
        )

    # --- checks ------------------------------------------------------------------------------

    def _reason(
        self, condition: str, code: str, field_name: str | None, detail: str | None, p: Params
    ) -> str:
        field_sql = p(field_name) if field_name is not None else "NULL::VARCHAR"
        detail_sql = p(detail) if detail is not None else "NULL::VARCHAR"
        return (
            f"CASE WHEN {condition} THEN {{'code': {p(code)}, 'field': {field_sql}, "
            f"'detail': {detail_sql}}} END"
        )

    def _limit(self, column: ColumnSpec, bound: object, p: Params) -> str:
        if bound == "today":
            return p(self.as_at)
        if column.type in ("integer", "number"):
            return p(float(bound))  # type: ignore[arg-type]
        return p(bound)

    def column_checks(self, name: str, p: Params) -> list[Check]:
        """Every check on one column. A problem with a value quarantines the row when the field
        is ``required``; otherwise the value is nulled and counted."""
        column = self.spec.columns[name]
        i = self.index[name]
        text, value = trimmed(i), f"v_{i}"
        fatal = column.required
        found: list[tuple[str, str, str | None, bool]] = []
        noted = self._cell_noted(i)
        if column.required:
            found.append((f"{text} IS NULL AND NOT {noted}", "missing_required", None, True))
        for code, meaning in CELL_CODES.items():
            if self.spec.format == "excel":
                found.append((f"list_contains(_cells, '{i}:{code}')", code, meaning, fatal))
        _, invalid = self.typed(name, Params())
        if invalid is not None:
            expected = None
            if column.type in ("date", "datetime"):
                expected = "expected " + " or ".join(column.format)
            elif column.type == "category":
                expected = "not one of the agreed values"
            found.append((f"{text} IS NOT NULL AND {value} IS NULL", invalid, expected, fatal))
        if column.min is not None:
            bound = self._limit(column, column.min, p)
            found.append((f"{value} < {bound}", "impossible_value", f"below {column.min}", fatal))
        if column.max is not None and column.max != "today":  # the future check covers today
            bound = self._limit(column, column.max, p)
            found.append((f"{value} > {bound}", "impossible_value", f"above {column.max}", fatal))
        if column.type in DATE_TYPES and name != self.spec.event_date:
            found.append(
                (
                    f"CAST({value} AS DATE) > {p(self.as_at)}",
                    "future_date",
                    "after the date the extract was taken",
                    fatal,
                )
            )
        if column.not_before is not None:
            other = f"v_{self.index[column.not_before]}"
            detail = f"before {column.not_before}"
            found.append((f"{value} < {other}", "impossible_value", detail, fatal))
        if column.identifier in _CHECKED_KINDS:
            # A standard form that fails its check is nulled for linkage, never the row refused:
            # the record's other identifiers can still link it.
            condition = f"{text} IS NOT NULL AND s_{i} IS NULL"
            found.append(
                (condition, "invalid_identifier", _CHECKED_KINDS[column.identifier], False)
            )
        return [
            Check(self._reason(condition, code, name, detail, p), name, quarantines)
            for condition, code, detail, quarantines in found
        ]

    def _cell_noted(self, index: int) -> str:
        if self.spec.format != "excel":
            return "false"
        return f"len(list_filter(_cells, lambda c: starts_with(c, '{index}:'))) > 0"

    def checked_select(self, p: Params) -> str:
        """Adds ``reasons`` (code, field, detail: the row is quarantined) and ``nulled`` (the
        same, for values nulled in a row that is kept) to every parsed row, and nulls those
        values."""
        fatal = [
            "CASE WHEN _problem IS NOT NULL THEN {'code': 'malformed_row', "
            "'field': NULL::VARCHAR, 'detail': _problem} END"
        ]
        kept: list[str] = []
        checks = [check for name in self.names for check in self.column_checks(name, p)]
        for check in checks:
            (fatal if check.quarantines else kept).append(check.sql)
        if self.spec.event_date is not None:
            event = f"CAST(v_{self.index[self.spec.event_date]} AS DATE)"
            end = self.as_at if self.period_end is None else min(self.period_end, self.as_at)
            fatal.append(
                self._reason(
                    f"{event} < {p(self.period_start)} OR {event} > {p(end)}",
                    "out_of_period",
                    self.spec.event_date,
                    "outside the agreement's data period or after the extract was taken",
                    p,
                )
            )
        fatal.append(
            "CASE WHEN _first IS NOT NULL AND _first <> _ord THEN {'code': 'duplicate', "
            "'field': NULL::VARCHAR, 'detail': 'same as row ' || CAST(_first % "
            f"{FILE_STRIDE} AS VARCHAR) || CASE WHEN _first // {FILE_STRIDE} <> _fileidx "
            "THEN ' of an earlier file' ELSE '' END} END"
        )
        nulled_list = (
            f"list_filter([{', '.join(kept)}], lambda r: r IS NOT NULL)"
            if kept
            else (f"[]::{REASON_LIST}")
        )
        replaced = []
        for name in sorted({c.field for c in checks if not c.quarantines and c.field}):
            i = self.index[name]
            gone = f"list_contains(_nulled_fields, {p(name)})"
            replaced.append(f"CASE WHEN {gone} THEN NULL ELSE v_{i} END AS v_{i}")
            if self.standard_expr(name) is not None:
                replaced.append(f"CASE WHEN {gone} THEN NULL ELSE s_{i} END AS s_{i}")
        replace = f" REPLACE ({', '.join(sorted(replaced))})" if replaced else ""
        partition = ", ".join(f"c_{i}" for i in range(len(self.names)))
        return (
            f"SELECT * EXCLUDE (_nulled_fields){replace} FROM (SELECT *, "  # noqa: S608
            f"list_transform(nulled, lambda r: r.field) AS _nulled_fields FROM ("
            f"SELECT *, list_filter([{', '.join(fatal)}], "
            f"lambda r: r IS NOT NULL) AS reasons, {nulled_list} AS nulled "
            f"FROM (SELECT *, _fileidx * {FILE_STRIDE} + _row AS _ord, "
            f"CASE WHEN _problem IS NULL THEN min(_fileidx * {FILE_STRIDE} + _row) OVER "
            f"(PARTITION BY _problem IS NULL, {partition}) END AS _first FROM parsed)))"
        )

    # --- identifiers ---------------------------------------------------------------------------

    def _coalesce(self, parts: list[str]) -> str:
        if not parts:
            return "NULL"
        return parts[0] if len(parts) == 1 else f"COALESCE({', '.join(parts)})"

    def _kind(self, person: str, kind: str) -> list[str]:
        return self.spec.identifier_columns(person, kind)

    def person_select(self, person: str, p: Params) -> str | None:
        """Standardised identifiers of one person in each row (None if the spec names none)."""
        kinds = ("forename", "surname", "nhs_number", "upn", "nino", "address", "postcode")
        standard = {
            kind: [f"s_{self.index[c]}" for c in self._kind(person, kind)]
            for kind in (*kinds, "house_number")
        }
        for column_name in self._kind(person, "full_name"):
            order = self.spec.columns[column_name].name_order
            text = trimmed(self.index[column_name])
            standard["forename"].append(f"bh_full_{order}_forename({text})")
            standard["surname"].append(f"s_{self.index[column_name]}")
        for column_name in self._kind(person, "address_with_postcode"):
            text = trimmed(self.index[column_name])
            standard["address"].append(f"bh_address_without_postcode({text})")
            standard["postcode"].append(f"s_{self.index[column_name]}")
        references = self._kind(person, "reference")
        dob = [f"v_{self.index[c]}" for c in self._kind(person, "dob")]
        sex = [f"v_{self.index[c]}" for c in self._kind(person, "sex")]
        personal = (
            standard["forename"]
            + standard["surname"]
            + dob
            + standard["nhs_number"]
            + standard["upn"]
            + standard["nino"]
            + references
        )
        if not personal:
            return None
        raw_columns = [c for c in self.names if c in self._all_identifier_columns(person)]
        raw = ", ".join(f"{p(c)}, c_{self.index[c]}" for c in raw_columns)
        event = (
            "NULL::DATE"
            if self.spec.event_date is None
            else f"CAST(v_{self.index[self.spec.event_date]} AS DATE)"
        )
        number = self._coalesce([f"s_{self.index[c]}" for c in references])
        scope = (
            "CASE "
            + " ".join(
                f"WHEN s_{self.index[c]} IS NOT NULL THEN {p(self.spec.reference_scope(c))}"
                for c in references
            )
            + " END"
            if references
            else "NULL::VARCHAR"
        )
        fields = ", ".join(
            f"{self._coalesce(standard[kind])} AS {kind}" for kind in ("nhs_number", "upn", "nino")
        )
        places = ", ".join(
            f"{self._coalesce(standard[kind])} AS {kind}"
            for kind in ("address", "house_number", "postcode")
        )
        return (
            f"SELECT token, _ord, {p(person)} AS person_role, "  # noqa: S608
            f"{self._coalesce(standard['forename'])} AS forename, "
            f"{self._coalesce(standard['surname'])} AS surname, "
            f"{self._coalesce(dob)} AS dob, {self._coalesce(sex)} AS sex, {fields}, "
            f"{number} AS reference_number, {scope} AS reference_scope, {places}, "
            f"{event} AS event_date, json_object({raw}) AS raw FROM checked"
        )

    def _all_identifier_columns(self, person: str) -> set[str]:
        kinds = get_args(IdentifierKind)
        return {c for kind in kinds for c in self._kind(person, kind)}

    def lsoa_given(self) -> str:
        """Whether the row holds any text where its postcode should be."""
        column = self.spec.lsoa_column()
        return "false" if column is None else f"{trimmed(self.index[column])} IS NOT NULL"

    def lsoa_postcode(self) -> str:
        column = self.spec.lsoa_column()
        return "NULL::VARCHAR" if column is None else f"s_{self.index[column]}"

    # --- outputs ------------------------------------------------------------------------------

    def analysis_select(self, p: Params) -> str:
        """The analysis zone's row: token, pseudonyms, attributes, released birth month."""
        outputs = ["token"]
        for name, column in self.spec.columns.items():
            i = self.index[name]
            if column.role == "pseudonym":
                outputs.append(
                    f"CASE WHEN {trimmed(i)} IS NOT NULL THEN bh_token(['pseudonym', "
                    f"{p(self.spec.source)}, {p(name)}, {trimmed(i)}]) END "
                    f"AS {quoted(self.spec.output_name(name))}"
                )
            elif column.role == "attribute":
                outputs.append(f"v_{i} AS {quoted(self.spec.output_name(name))}")
            if column.release == "year_month":
                prefix = self.spec.release_prefix(name)
                outputs.append(f"CAST(year(v_{i}) AS SMALLINT) AS {quoted(prefix + '_year')}")
                outputs.append(f"CAST(month(v_{i}) AS SMALLINT) AS {quoted(prefix + '_month')}")
        outputs.append("lsoa11cd")
        return ", ".join(outputs)

    def quarantine_record(self, p: Params) -> str:
        pairs = ", ".join(f"{p(name)}, c_{self.index[name]}" for name in self.names)
        return f"CASE WHEN _problem IS NULL THEN json_object({pairs}) END"

    def late_condition(self) -> str | None:
        if self.spec.recorded_date is None or self.spec.event_date is None:
            return None
        recorded = f"CAST(v_{self.index[self.spec.recorded_date]} AS DATE)"
        event = f"CAST(v_{self.index[self.spec.event_date]} AS DATE)"
        return f"{recorded} - {event} > {int(self.spec.late_after_days)}"
