"""Excel extracts: a cell showing nothing a person could check is counted, never silently empty;
a workbook past Excel's limits or expanding past the size cap is refused with one clear error."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import pytest

from bakehouse.errors import ExtractError
from bakehouse.ingest.xlsx import Limits, Workbook, XlsxError

SHEET = "xl/worksheets/sheet1.xml"


def _count(result: Any, source: str) -> Any:
    return next(count for count in result.files if count.source == source)


def _report(result: Any, source: str) -> dict[str, Any]:
    report = json.loads(result.report_json.read_text(encoding="utf-8"))
    found: dict[str, Any] = next(s for s in report["sources"] if s["source"] == source)
    return found


def _rewrite(path: Path, part: str, old: str, new: str) -> None:
    """Change one part of a workbook as a damaged or hostile file would have it."""
    with zipfile.ZipFile(path) as book:
        parts = {info.filename: book.read(info) for info in book.infolist()}
    text = parts[part].decode("utf-8")
    assert old in text, old
    parts[part] = text.replace(old, new, 1).encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        for name, data in parts.items():
            book.writestr(name, data)


def test_formulas_without_saved_values_and_error_cells_are_counted_per_field(
    setup: Any,
) -> None:
    rows = setup.extracts.rows["early_education"]
    rows[0]["Hours per Week"] = "=10+5"  # openpyxl saves the formula with no cached value
    rows[1]["Provider URN"] = "#N/A"  # an Excel error value
    rows[2]["Funding Type"] = '="3-4 "&"Extended"'  # required: the row cannot be kept
    setup.write()
    result = setup.ingest()
    early = _count(result, "early_education")
    assert (early.rows_in, early.accepted, early.quarantined) == (3, 2, 1)
    report = _report(result, "early_education")
    assert {(n["code"], n["field"], n["rows"]) for n in report["nulled_values"]} == {
        ("formula_no_value", "Hours per Week", 1),
        ("cell_error", "Provider URN", 1),
    }
    assert {(r["code"], r["field"]) for r in report["quarantine_reasons"]} == {
        ("formula_no_value", "Funding Type")
    }


def test_a_row_number_beyond_excel_s_limit_is_refused_naming_the_file(setup: Any) -> None:
    setup.write()
    path = setup.sources / "early_education.xlsx"
    _rewrite(path, SHEET, '<row r="4"', '<row r="1048577"')
    with pytest.raises(ExtractError, match="row 1,048,577 is out of order or beyond the limit"):
        setup.ingest()


def test_a_cell_beyond_excel_s_last_column_is_refused(setup: Any) -> None:
    setup.write()
    path = setup.sources / "early_education.xlsx"
    _rewrite(path, SHEET, 'r="K2"', 'r="XFE2"')
    with pytest.raises(ExtractError, match="beyond the limit of 16,384 columns") as caught:
        setup.ingest()
    assert caught.value.file is not None and caught.value.file.endswith("early_education.xlsx")


def test_a_part_that_would_expand_past_the_cap_is_refused_before_it_is_read(
    setup: Any,
) -> None:
    setup.write()
    path = setup.sources / "early_education.xlsx"
    book = Workbook(path, Limits(part_bytes=1 << 20))
    rows = list(book.rows("Headcount"))
    book.close()
    assert len(rows) == 4
    with pytest.raises(XlsxError, match="would expand to [0-9,]+ bytes, more than the limit"):
        Workbook(path, Limits(part_bytes=200))
