"""Property: whatever CSV arrives, ingestion either refuses it with a clear, typed error naming the
file, or accounts for every row (rows in = accepted + quarantined), and never crashes."""

from __future__ import annotations

import csv
import io
import shutil
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bakehouse.errors import BakehouseError
from bakehouse.ingest.spec import load_specs

COLUMNS = list(load_specs()["csc"].columns)
GOOD = {
    "CHILD_ID": "C1",
    "FORENAME": "Amelia",
    "SURNAME": "O'Connor",
    "DOB": "12/04/2019",
    "GENDER": "Female",
    "ETHNICITY": "WBRI",
    "NHS_NUMBER": "9434765919",
    "ADDRESS": "12 Elm Road, Basildon",
    "POSTCODE": "SS14 3AS",
    "REFERRAL_DATE": "02/03/2021",
    "REFERRAL_SOURCE": "Police",
    "PRIMARY_NEED": "Abuse or neglect",
    "OUTCOME": "CIN",
    "EPISODE_START": "02/03/2021",
    "EPISODE_END": "",
    "RECORDED_DATE": "02/03/2021",
}
NASTY = st.text(alphabet=st.sampled_from([*'ab1/,;"\n\r\t \\éë€', "\x00", "\u2028"]), max_size=12)
VALUE = st.one_of(
    NASTY,
    st.sampled_from(
        ["", "31/02/2019", "2019-04-12", "NFA", "CP", "Male", "99/99/9999", "-1", "nan", "  ", "Ａ"]
    ),
)


@st.composite
def rows(draw: Any) -> list[str] | None:
    kind = draw(st.sampled_from(["good", "mutated", "ragged", "blank"]))
    if kind == "blank":
        return None
    values = [GOOD[name] for name in COLUMNS]
    if kind == "mutated":
        for index in draw(st.lists(st.integers(0, len(COLUMNS) - 1), max_size=4)):
            values[index] = draw(VALUE)
    if kind == "ragged":
        values = draw(st.lists(VALUE, min_size=0, max_size=len(COLUMNS) + 3))
    return values


@st.composite
def csv_files(draw: Any) -> bytes:
    header = list(COLUMNS)
    change = draw(st.sampled_from(["none", "none", "none", "shuffle", "drop", "extra"]))
    if change == "shuffle":
        header = draw(st.permutations(header))
    elif change == "drop":
        header.pop(draw(st.integers(0, len(header) - 1)))
    elif change == "extra":
        header.append(draw(st.sampled_from(["Extra", "", "CHILD_ID"])))
    newline = draw(st.sampled_from(["\r\n", "\n"]))
    lines = []
    for row in [header, *draw(st.lists(rows(), max_size=12))]:
        if row is None:
            lines.append(newline.encode())
            continue
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator=newline).writerow(row)
        encoding = draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "cp1252"]))
        lines.append(buffer.getvalue().encode(encoding, errors="replace"))
    data = b"".join(lines)
    if draw(st.booleans()):
        data = data[: draw(st.integers(0, len(data)))]
    return data


def _records_in(data: bytes) -> int:
    """An independent count of the data records a CSV reader sees after the header."""
    text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="surrogateescape")
    return max(0, len(list(csv.reader(io.StringIO(text, newline="")))) - 1)


def _check(setup: Any, data: bytes) -> None:
    shutil.rmtree(setup.workspace, ignore_errors=True)
    setup.sources.mkdir(parents=True, exist_ok=True)
    (setup.sources / "csc_referrals.csv").write_bytes(data)
    try:
        result = setup.ingest(only=("csc",))
    except BakehouseError as error:
        assert error.file is not None and "csc_referrals.csv" in error.file
        assert error.message.strip()
        return
    (count,) = result.files
    assert count.rows_in == count.accepted + count.quarantined
    assert count.rows_in == _records_in(data)
    with setup.analysis() as con:
        assert con.execute("SELECT count(*) FROM csc").fetchone() == (count.accepted,)
    with setup.custodian() as con:
        held = con.execute("SELECT count(*) FROM quarantine").fetchone()
        assert held == (count.quarantined,)


SETTINGS = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}


@settings(max_examples=25, **SETTINGS)  # type: ignore[arg-type]
@given(data=csv_files())
def test_malformed_csv_is_refused_clearly_or_reconciled_exactly(setup: Any, data: bytes) -> None:
    _check(setup, data)


@pytest.mark.slow
@settings(max_examples=300, **SETTINGS)  # type: ignore[arg-type]
@given(data=csv_files())
def test_many_malformed_csvs_are_refused_clearly_or_reconciled_exactly(
    setup: Any, data: bytes
) -> None:
    _check(setup, data)
