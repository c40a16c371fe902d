"""The errors real agency systems make, at the rates of docs/world.md.

Each error function takes the values as recorded correctly and returns the values as the agency
recorded them, with a mask (a numpy bool array) of the rows it changed. Text goes in and comes
out as an Arrow string array (numpy object arrays and lists are accepted too): only the few rows
an error picks pass through Python, which keeps county-scale extracts fast. Dates are numpy
``datetime64[D]`` arrays.

A rate is the chance of the error on a row that *could* carry it (the denominator is said on
each function): a day and month can only be swapped when the day is 12 or less, a nickname only
exists for some names. Measuring the rates against the truth uses the same denominators.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bakehouse.world.names import NICKNAMES


class NoiseLevel(StrEnum):
    NONE = "none"
    DEFAULT = "default"
    HIGH = "high"


@dataclass(frozen=True)
class NoiseRates:
    """Rates of each error (probabilities, 0 to 1)."""

    name_typo: float
    nickname: float
    day_month_swap: float
    nhs_missing: float
    stale_address: float
    postcode_error: float
    duplicate: float
    late_record: float
    invalid_value: float

    @classmethod
    def at(cls, level: NoiseLevel) -> NoiseRates:
        return _RATES[NoiseLevel(level)]


_RATES = {
    NoiseLevel.NONE: NoiseRates(0, 0, 0, 0, 0, 0, 0, 0, 0),
    NoiseLevel.DEFAULT: NoiseRates(0.03, 0.05, 0.01, 0.10, 0.05, 0.02, 0.01, 0.02, 0.002),
    NoiseLevel.HIGH: NoiseRates(0.10, 0.12, 0.03, 0.25, 0.15, 0.06, 0.03, 0.05, 0.01),
}

# Recording delays: most records are keyed within a fortnight; a late one is keyed after 90 days.
ON_TIME_DAYS = 14
LATE_AFTER_DAYS = 90


def pick(rng: np.random.Generator, eligible: np.ndarray, rate: float) -> np.ndarray:
    """Rows that get an error: each eligible row independently with probability ``rate``.

    The uniform draw is made for every row, eligible or not, so that which rows are picked does
    not depend on how many are eligible (this keeps worlds stable when one table changes).
    """
    draws = rng.random(len(eligible))
    chosen: np.ndarray = np.asarray(eligible, dtype=bool) & (draws < rate)
    return chosen


Text: TypeAlias = pa.Array | pa.ChunkedArray | np.ndarray | list[str | None]


def as_text(values: Text) -> pa.Array:
    """Values as one Arrow string array."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(values, pa.string(), from_pandas=True)
    return values.cast(pa.string())


def _present(values: pa.Array) -> np.ndarray:
    """Rows holding a value (not null, not empty)."""
    present: np.ndarray = (
        pc.not_equal(values, "").fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
    )
    return present


def _rewrite(
    values: pa.Array,
    changed: np.ndarray,
    rng: np.random.Generator,
    how: Callable[[str, float, float, float], str | None],
) -> pa.Array:
    """``values`` with each changed row rewritten by ``how`` from three uniform draws."""
    rows = np.flatnonzero(changed)
    if not len(rows):
        return values
    draws = rng.random((len(rows), 3)).tolist()
    originals = values.take(pa.array(rows)).to_pylist()
    rewritten = [how(v, *u) for v, u in zip(originals, draws, strict=True)]
    return pc.replace_with_mask(values, pa.array(changed), pa.array(rewritten, pa.string()))


# --- names ----------------------------------------------------------------------------------------

# Each row of a UK QWERTY keyboard and how far it is shifted right of the row above, in keys.
_KEYBOARD_ROWS = (("qwertyuiop", 0.0), ("asdfghjkl", 0.25), ("zxcvbnm", 0.75))


def _keyboard_neighbours() -> dict[str, str]:
    """Letters whose keys touch each letter's key: either side, and the rows above and below."""
    keys = {
        ch: (r, c + shift)
        for r, (row, shift) in enumerate(_KEYBOARD_ROWS)
        for c, ch in enumerate(row)
    }
    neighbours: dict[str, str] = {}
    for ch, (r, x) in keys.items():
        touching = [
            other
            for other, (r2, x2) in keys.items()
            if other != ch and abs(r2 - r) <= 1 and abs(x2 - x) < (1.5 if r2 == r else 1.0)
        ]
        neighbours[ch] = "".join(sorted(touching))
    return neighbours


KEYBOARD_NEIGHBOURS = _keyboard_neighbours()
_EDITS = ("substitute", "delete", "insert", "transpose")
_EDIT_CUMULATIVE = (0.35, 0.6, 0.8)  # substitute, delete, insert; transpose above
_FIRST_LETTER_WEIGHT = 0.2  # keying errors rarely hit the first letter


def _like(ch: str, model: str) -> str:
    """``ch`` in the case of ``model``."""
    return ch.upper() if model.isupper() else ch.lower() if model.islower() else ch


def _near(ch: str, u: float) -> str:
    """The key next to ``ch`` chosen by ``u`` in [0, 1), in ``ch``'s case (``ch`` itself when it
    is not a letter)."""
    near = KEYBOARD_NEIGHBOURS.get(ch.lower(), "")
    return _like(near[int(u * len(near))], ch) if near else ch


def _position(length: int, u: float) -> int:
    first = _FIRST_LETTER_WEIGHT / (_FIRST_LETTER_WEIGHT + length - 1)
    if u < first:
        return 0
    return 1 + min(int((u - first) / (1 - first) * (length - 1)), length - 2)


def _edit(name: str, u_position: float, u_kind: float, u_key: float) -> str:
    """``name`` with one typing error, chosen by three uniform numbers (so that callers can
    draw them for many names at once)."""
    if len(name) < 2:
        return name + _near(name, u_key).lower() if name else name
    i = _position(len(name), u_position)
    edit = _EDITS[bisect.bisect_right(_EDIT_CUMULATIVE, u_kind)]
    typed = name
    if edit == "substitute":
        typed = name[:i] + _near(name[i], u_key) + name[i + 1 :]
    elif edit == "insert":
        typed = name[: i + 1] + _near(name[i], u_key) + name[i + 1 :]
    elif edit == "transpose":
        j = min(i, len(name) - 2)
        typed = name[:j] + _like(name[j + 1], name[j]) + _like(name[j], name[j + 1]) + name[j + 2 :]
    if edit == "delete" or typed.lower() == name.lower():
        # A swap of two equal letters or a "neighbour" of a hyphen changes nothing: drop instead.
        typed = name[:i] + name[i + 1 :]
    # Whoever keys a name capitalises its first letter, whatever else goes wrong.
    typed = _like(typed[:1], name[0]) + typed[1:]
    return typed if typed != name else name[:-1]


def one_edit(name: str, rng: np.random.Generator) -> str:
    """``name`` with one typing error: a neighbouring key, a dropped, an extra or a swapped letter.

    The first letter is hit less often than the others, as in real keying errors.
    """
    u = rng.random(3)
    return _edit(name, u[0], u[1], u[2])


def name_typos(rng: np.random.Generator, names: Text, rate: float) -> tuple[pa.Array, np.ndarray]:
    """One typing error in each picked name. Denominator: rows with a name."""
    names = as_text(names)
    changed = pick(rng, _present(names), rate)
    return _rewrite(names, changed, rng, _edit), changed


def _nickname(forename: str, u: float, _: float, __: float) -> str:
    options = NICKNAMES[forename]
    return options[int(u * len(options))]


def nicknames(
    rng: np.random.Generator, forenames: Text, rate: float
) -> tuple[pa.Array, np.ndarray]:
    """A nickname or variant spelling for picked forenames. Denominator: names that have one."""
    forenames = as_text(forenames)
    known = pc.is_in(forenames, value_set=_NICKNAMED)
    changed = pick(rng, known.fill_null(False).to_numpy(zero_copy_only=False), rate)
    return _rewrite(forenames, changed, rng, _nickname), changed


_NICKNAMED = pa.array(list(NICKNAMES), pa.string())


# --- dates ----------------------------------------------------------------------------------------


def _day_month(dates: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Year, month (1-12) and day (1-31) of datetime64[D] values (garbage for NaT)."""
    months = dates.astype("datetime64[M]")
    years = months.astype("datetime64[Y]").astype(np.int64) + 1970
    month = (months - months.astype("datetime64[Y]")).astype(np.int64) + 1
    day = (dates - months).astype(np.int64) + 1
    return years, month, day


def swap_day_month(
    rng: np.random.Generator, dates: np.ndarray, rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Day and month swapped in picked dates. Denominator: dates with day <= 12 and day != month,
    the only ones a swap leaves valid (an entry system would refuse the others)."""
    dates = np.asarray(dates, dtype="datetime64[D]")
    year, month, day = _day_month(dates)
    eligible = ~np.isnat(dates) & (day <= 12) & (day != month)
    changed = pick(rng, eligible, rate)
    out = dates.copy()
    swapped = [
        np.datetime64(f"{y:04d}-{d:02d}-{m:02d}", "D")
        for y, m, d in zip(year[changed], month[changed], day[changed], strict=True)
    ]
    out[changed] = np.array(swapped, dtype="datetime64[D]")
    return out, changed


def recorded_dates(
    rng: np.random.Generator, event_dates: np.ndarray, rate: float, as_at: date
) -> tuple[np.ndarray, np.ndarray]:
    """When each event was keyed: 0-14 days after it, or for late records 91 days to 18 months
    after. Denominator: events at least 91 days before the as-at date (a later one recorded
    late would not be in the extract yet). No record is dated after the as-at date."""
    event_dates = np.asarray(event_dates, dtype="datetime64[D]")
    limit = np.datetime64(as_at, "D")
    eligible = ~np.isnat(event_dates) & (event_dates + LATE_AFTER_DAYS + 1 <= limit)
    late = pick(rng, eligible, rate)
    delay = rng.integers(0, ON_TIME_DAYS + 1, size=len(event_dates))
    late_delay = LATE_AFTER_DAYS + 1 + np.minimum(rng.exponential(90.0, size=len(delay)), 450)
    delay = np.where(late, late_delay.astype(np.int64), delay)
    recorded = np.minimum(event_dates + delay.astype("timedelta64[D]"), limit)
    return recorded, late


# --- identifiers and addresses --------------------------------------------------------------------


def blanks(rng: np.random.Generator, values: Text, rate: float) -> tuple[pa.Array, np.ndarray]:
    """Picked values left out (an NHS number not traced). Denominator: rows with a value."""
    values = as_text(values)
    changed = pick(rng, _present(values), rate)
    blanked = pc.if_else(pa.array(changed), pa.scalar(None, pa.string()), values)
    return blanked, changed


_LETTERS = "ABCDEFGHJKLMNPRSTUWXYZ"
_POSTCODE_ERROR_CUMULATIVE = (0.6, 0.85)  # a character changed, the space dropped; else blank


def _mistype_postcode(postcode: str, u_kind: float, u_where: float, u_what: float) -> str | None:
    """``postcode`` keyed wrongly, chosen by three uniform numbers; None when left blank."""
    kind = bisect.bisect_right(_POSTCODE_ERROR_CUMULATIVE, u_kind)
    if kind == 2:
        return None
    if kind == 1 and " " in postcode:
        return postcode.replace(" ", "")
    positions = [i for i, ch in enumerate(postcode) if ch.isalnum()]
    i = positions[int(u_where * len(positions))]
    pool = "0123456789" if postcode[i].isdigit() else _LETTERS
    choices = pool.replace(postcode[i], "")
    return postcode[:i] + choices[int(u_what * len(choices))] + postcode[i + 1 :]


def postcode_errors(
    rng: np.random.Generator, postcodes: Text, rate: float
) -> tuple[pa.Array, np.ndarray]:
    """A character changed, the space dropped, or the postcode left blank. Denominator: rows with
    a postcode. A blank postcode is written as an empty field (null)."""
    postcodes = as_text(postcodes)
    changed = pick(rng, _present(postcodes), rate)
    return _rewrite(postcodes, changed, rng, _mistype_postcode), changed


# --- rows -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Duplicates:
    """Which source row each output row copies, and whether it is a duplicate."""

    rows: np.ndarray  # index into the original rows, duplicates after the originals
    duplicate: np.ndarray  # bool per output row
    varied: np.ndarray  # bool per output row: a duplicate re-keyed with one field different


def duplicate_rows(rng: np.random.Generator, n: int, rate: float) -> Duplicates:
    """Rows entered twice: half exact copies, half re-keyed with one field varied by the caller.
    Denominator: original rows."""
    copied = np.flatnonzero(pick(rng, np.ones(n, dtype=bool), rate))
    varied = rng.random(len(copied)) < 0.5
    return Duplicates(
        rows=np.concatenate([np.arange(n), copied]),
        duplicate=np.concatenate([np.zeros(n, dtype=bool), np.ones(len(copied), dtype=bool)]),
        varied=np.concatenate([np.zeros(n, dtype=bool), varied]),
    )


INVALID_KINDS = ("impossible_date", "blank_required", "future_date")


def invalid_kinds(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    """For each row, the kind of invalid value it carries, or None. Denominator: all rows."""
    chosen = pick(rng, np.ones(n, dtype=bool), rate)
    kinds = np.full(n, None, dtype=object)
    kinds[chosen] = np.array(INVALID_KINDS, dtype=object)[
        rng.integers(len(INVALID_KINDS), size=int(chosen.sum()))
    ]
    return kinds


# (month, day) pairs that no calendar has: what a free-text date field lets through.
_IMPOSSIBLE_DAYS = ((2, 30), (2, 31), (4, 31), (6, 31), (9, 31), (11, 31))


def impossible_dates(rng: np.random.Generator, years: np.ndarray) -> list[tuple[int, int, int]]:
    """(year, month, day) triples that are not dates, one per given year, such as 31/02."""
    picks = rng.integers(len(_IMPOSSIBLE_DAYS), size=len(years))
    return [(int(y), *_IMPOSSIBLE_DAYS[int(p)]) for y, p in zip(years, picks, strict=True)]


def future_dates(rng: np.random.Generator, as_at: date, n: int) -> np.ndarray:
    """Dates after the as-at date (a year keyed wrongly, or a date of birth in the future)."""
    days = rng.integers(1, 3 * 365, size=n).astype("timedelta64[D]")
    future: np.ndarray = np.datetime64(as_at, "D") + days
    return future
