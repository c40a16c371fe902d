"""The SQL that types, checks, standardises and splits one source, built from its specification.

Names in this SQL are either internal (``c_3``, ``v_3``) or output names the specification has
already checked against ``[a-z][a-z0-9_]*``; every value from a specification (field names,
formats, category values, limits) is a named parameter. Column names from a file never reach SQL.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bakehouse.ingest.spec import OUTPUT_NAME, ColumnSpec, SourceSpec

_STANDARD_MACROS = {
    "forename": "bh_name",
    "surname": "bh_name",
    "nhs_number": "bh_nhs",
    "upn": "bh_upn",
    "nino": "bh_nino",
    "address": "bh_address",
    "postcode": "bh_postcode",
    "address_with_postcode": "bh_postcode_in",
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


class SourcePlan:
    """SQL fragments for one source specification."""

    def __init__(
        self, spec: SourceSpec, today: date, period_start: date, period_end: date | None
    ) -> None:
        self.spec = spec
        self.today = today
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
            f"SELECT _file, _fileidx, _row, _problem, _raw, {raw}, {', '.join(values)}, "  # noqa: S608
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
            return p(self.today)
        if column.type in ("integer", "number"):
            return p(float(bound))  # type: ignore[arg-type]
        return p(bound)

    def column_reasons(self, name: str, p: Params) -> list[str]:
        column = self.spec.columns[name]
        i = self.index[name]
        text, value = trimmed(i), f"v_{i}"
        found = []
        if column.required:
            found.append(self._reason(f"{text} IS NULL", "missing_required", name, None, p))
        _, invalid = self.typed(name, Params())
        if invalid is not None:
            detail = None
            if column.type in ("date", "datetime"):
                detail = "expected " + " or ".join(column.format)
            elif column.type == "category":
                detail = "not one of the agreed values"
            found.append(
                self._reason(f"{text} IS NOT NULL AND {value} IS NULL", invalid, name, detail, p)
            )
        if column.min is not None:
            found.append(
                self._reason(
                    f"{value} < {self._limit(column, column.min, p)}",
                    "impossible_value",
                    name,
                    f"below {column.min}",
                    p,
                )
            )
        if column.max is not None:
            found.append(
                self._reason(
                    f"{value} > {self._limit(column, column.max, p)}",
                    "impossible_value",
                    name,
                    f"above {column.max}",
                    p,
                )
            )
        if column.not_before is not None:
            other = f"v_{self.index[column.not_before]}"
            found.append(
                self._reason(
                    f"{value} < {other}", "impossible_value", name, f"before {column.not_before}", p
                )
            )
        return found

    def checked_select(self, p: Params) -> str:
        """Adds ``reasons`` (a list of code, field, detail) to every parsed row."""
        reasons = [
            "CASE WHEN _problem IS NOT NULL THEN {'code': 'malformed_row', "
            "'field': NULL::VARCHAR, 'detail': _problem} END"
        ]
        for name in self.names:
            reasons += self.column_reasons(name, p)
        event = f"CAST(v_{self.index[self.spec.event_date]} AS DATE)"
        end = p(self.period_end) if self.period_end is not None else p(self.today)
        reasons.append(
            self._reason(
                f"{event} < {p(self.period_start)} OR {event} > {end}",
                "out_of_period",
                self.spec.event_date,
                "outside the agreement's data period or in the future",
                p,
            )
        )
        reasons.append(
            "CASE WHEN _first IS NOT NULL AND _first <> _ord THEN {'code': 'duplicate', "
            "'field': NULL::VARCHAR, 'detail': 'same as row ' || CAST(_first % "
            f"{FILE_STRIDE} AS VARCHAR) || CASE WHEN _first // {FILE_STRIDE} <> _fileidx "
            "THEN ' of an earlier file' ELSE '' END} END"
        )
        partition = ", ".join(f"c_{i}" for i in range(len(self.names)))
        return (
            f"SELECT *, list_filter([{', '.join(reasons)}], lambda r: r IS NOT NULL) AS reasons "  # noqa: S608
            f"FROM (SELECT *, _fileidx * {FILE_STRIDE} + _row AS _ord, "
            f"CASE WHEN _problem IS NULL THEN min(_fileidx * {FILE_STRIDE} + _row) OVER "
            f"(PARTITION BY _problem IS NULL, {partition}) END AS _first FROM parsed)"
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
        standard = {
            kind: [f"s_{self.index[c]}" for c in self._kind(person, kind)]
            for kind in ("forename", "surname", "nhs_number", "upn", "nino", "address", "postcode")
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
        dob = [f"v_{self.index[c]}" for c in self._kind(person, "dob")]
        sex = [f"v_{self.index[c]}" for c in self._kind(person, "sex")]
        personal = (
            standard["forename"]
            + standard["surname"]
            + dob
            + standard["nhs_number"]
            + standard["upn"]
            + standard["nino"]
        )
        if not personal:
            return None
        raw_columns = [c for c in self.names if c in self._all_identifier_columns(person)]
        raw = ", ".join(f"{p(c)}, c_{self.index[c]}" for c in raw_columns)
        event = f"CAST(v_{self.index[self.spec.event_date]} AS DATE)"
        fields = ", ".join(
            f"{self._coalesce(standard[kind])} AS {kind}"
            for kind in ("nhs_number", "upn", "nino", "address", "postcode")
        )
        return (
            f"SELECT token, _ord, {p(person)} AS person_role, "  # noqa: S608
            f"{self._coalesce(standard['forename'])} AS forename, "
            f"{self._coalesce(standard['surname'])} AS surname, "
            f"{self._coalesce(dob)} AS dob, {self._coalesce(sex)} AS sex, {fields}, "
            f"{event} AS event_date, json_object({raw}) AS raw FROM checked"
        )

    def _all_identifier_columns(self, person: str) -> set[str]:
        kinds = (
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
        )
        return {c for kind in kinds for c in self._kind(person, kind)}

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
        if self.spec.recorded_date is None:
            return None
        recorded = f"CAST(v_{self.index[self.spec.recorded_date]} AS DATE)"
        event = f"CAST(v_{self.index[self.spec.event_date]} AS DATE)"
        return f"{recorded} - {event} > {int(self.spec.late_after_days)}"
