"""Identifiers the world's people carry: NHS numbers, Unique Pupil Numbers and National Insurance
numbers, each valid by its issuer's rules and unique within a world.

Every generator takes ``exclude`` (identifiers already issued in this world), so that a simulation
issuing numbers in batches (births, arrivals) never repeats one. Internally each identifier is an
integer key (its digits, with the NINO prefix as an index), which keeps uniqueness checks fast at
county scale.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# A drawer returns integer keys for the given positions; -1 marks a key that cannot be issued.
Drawer = Callable[[np.random.Generator, np.ndarray], np.ndarray]


def _draw_unique(draw: Drawer, n: int, barred: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``n`` distinct keys, redrawing only the positions that collided or could not be issued.

    Positions are redrawn rather than the whole batch so that a drawer may depend on the position
    (a UPN carries its own pupil's year of allocation).
    """
    keys = np.full(n, -1, dtype=np.int64)
    todo = np.arange(n)
    while len(todo):
        keys[todo] = draw(rng, todo)
        redo = (keys < 0) | np.isin(keys, barred)
        redo[_later_repeats(keys)] = True
        todo = np.flatnonzero(redo)
    return keys


def _later_repeats(keys: np.ndarray) -> np.ndarray:
    """Positions holding a key already held at an earlier position."""
    ordered = np.sort(keys)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    # Collisions are rare, so the order-preserving (slow) step runs on a handful of positions.
    candidates = np.flatnonzero(np.isin(keys, repeated))
    _, first = np.unique(keys[candidates], return_index=True)
    later: np.ndarray = np.delete(candidates, first)
    return later


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """The decimal digits of non-negative integers, most significant first, shape (n, width)."""
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    digits: np.ndarray = (values[:, None] // powers) % 10
    return digits


def _as_text(keys: np.ndarray, width: int) -> np.ndarray:
    """Keys as zero-padded decimal strings (object array); pyarrow formats far faster than numpy."""
    text = pc.utf8_lpad(pa.array(keys).cast(pa.string()), width=width, padding="0")
    return np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)


# --- NHS number ----------------------------------------------------------------------------------
# Ten digits: nine, then a modulus 11 check digit. England and Wales issue from 400 000 000 to
# 499 999 999 (older numbers) and 600 000 000 to 799 999 999 (newer); Scotland and Northern
# Ireland use other ranges, so a resident of Essex almost always has one of these.

_NHS_RANGES = ((400_000_000, 500_000_000), (600_000_000, 800_000_000))
_NHS_WEIGHTS = np.arange(10, 1, -1)  # 10 for the first digit down to 2 for the ninth


def _nhs_check_digits(bases: np.ndarray) -> np.ndarray:
    """Check digits of nine-digit bases; 10 marks a base that can never be issued."""
    remainder = (_digits(bases, 9) * _NHS_WEIGHTS).sum(axis=1) % 11
    check: np.ndarray = (11 - remainder) % 11
    return check


def _draw_nhs(rng: np.random.Generator, positions: np.ndarray) -> np.ndarray:
    older = rng.random(len(positions)) < 0.5
    low = np.where(older, _NHS_RANGES[0][0], _NHS_RANGES[1][0])
    high = np.where(older, _NHS_RANGES[0][1], _NHS_RANGES[1][1])
    bases = rng.integers(low, high, dtype=np.int64)
    check = _nhs_check_digits(bases)
    keys: np.ndarray = np.where(check == 10, -1, bases * 10 + check)
    return keys


def nhs_numbers(rng: np.random.Generator, n: int, exclude: np.ndarray | None = None) -> np.ndarray:
    """``n`` distinct NHS numbers (strings of ten digits) with valid check digits."""
    barred = np.empty(0, dtype=np.int64)
    if exclude is not None and len(exclude):
        barred = np.asarray(exclude, dtype=str).astype(np.int64)
    return _as_text(_draw_unique(_draw_nhs, n, barred, rng), 10)


def valid_nhs_number(s: str | None) -> bool:
    """Whether ``s`` is ten digits with a correct modulus 11 check digit (no spaces)."""
    if s is None or len(s) != 10 or not s.isascii() or not s.isdigit():
        return False
    check = _nhs_check_digits(np.array([int(s[:9])], dtype=np.int64))[0]
    return bool(check != 10 and check == int(s[9]))


# --- Unique Pupil Number -------------------------------------------------------------------------
# 13 characters: a check letter, the allocating school's LA number (3 digits) and DfE
# establishment number (4 digits), the last two digits of the year of allocation and a 3-digit
# serial. The check letter is the sum of each digit times its position (2 to 13), modulo 23,
# written in the alphabet without I, O and S.

UPN_CHECK_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_UPN_LETTERS = np.array(list(UPN_CHECK_LETTERS), dtype=object)
_UPN_WEIGHTS = np.arange(2, 14)
# Establishment numbers of the kinds that allocate UPNs at entry: community (2xxx), voluntary
# (3xxx) and academy (5xxx) primary schools.
_ESTABLISHMENTS = np.concatenate(
    [np.arange(2000, 2400), np.arange(3000, 3400), np.arange(5200, 5300)]
)


def _upn_check_letters(bodies: np.ndarray) -> np.ndarray:
    """Check letters of 12-digit UPN bodies."""
    remainder = (_digits(bodies, 12) * _UPN_WEIGHTS).sum(axis=1) % 23
    letters: np.ndarray = _UPN_LETTERS[remainder]
    return letters


def _upn_drawer(la_code: str, years: np.ndarray) -> Drawer:
    def draw(rng: np.random.Generator, positions: np.ndarray) -> np.ndarray:
        school = rng.choice(_ESTABLISHMENTS, size=len(positions))
        serial = rng.integers(1, 1000, size=len(positions))
        year = years[positions] % 100
        body: np.ndarray = int(la_code) * 10**9 + school * 10**5 + year * 10**3 + serial
        return body

    return draw


def upns(
    rng: np.random.Generator,
    n: int,
    la_code: str = "881",
    years: np.ndarray | None = None,
    exclude: np.ndarray | None = None,
) -> np.ndarray:
    """``n`` distinct permanent UPNs allocated by schools of ``la_code`` (881 is Essex).

    ``years[i]`` is pupil ``i``'s year of allocation (normally the calendar year they start
    school); when None, years are drawn from 2012 to 2025.
    """
    if len(la_code) != 3 or not la_code.isdigit():
        raise ValueError(f"la_code must be three digits, not {la_code!r}")
    if years is None:
        years = rng.integers(2012, 2026, size=n)
    years = np.asarray(years, dtype=np.int64)
    if len(years) != n:
        raise ValueError(f"years has {len(years)} values for {n} pupils")
    barred = np.empty(0, dtype=np.int64)
    if exclude is not None and len(exclude):
        barred = np.char.lstrip(np.asarray(exclude, dtype=str), UPN_CHECK_LETTERS).astype(np.int64)
    bodies = _draw_unique(_upn_drawer(la_code, years), n, barred, rng)
    return np.asarray(_upn_check_letters(bodies) + _as_text(bodies, 12))


def valid_upn(s: str | None) -> bool:
    """Whether ``s`` is a permanent UPN with the right check letter."""
    if s is None or len(s) != 13 or not s[1:].isascii() or not s[1:].isdigit():
        return False
    return bool(_upn_check_letters(np.array([int(s[1:])], dtype=np.int64))[0] == s[0])


# --- National Insurance number -------------------------------------------------------------------
# Two prefix letters, six digits, a suffix A-D. HMRC never issues D, F, I, Q, U or V in either
# prefix letter, nor O as the second, nor the prefixes BG, GB, KN, NK, NT, TN and ZZ.

_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_NINO_BARRED = frozenset({"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"})
NINO_PREFIXES = np.array(
    [a + b for a in _NINO_FIRST for b in _NINO_SECOND if a + b not in _NINO_BARRED], dtype=object
)
_PREFIX_INDEX = {prefix: i for i, prefix in enumerate(NINO_PREFIXES)}


def _draw_nino(rng: np.random.Generator, positions: np.ndarray) -> np.ndarray:
    prefix = rng.integers(len(NINO_PREFIXES), size=len(positions))
    keys: np.ndarray = prefix * 10**6 + rng.integers(0, 10**6, size=len(positions))
    return keys


def ninos(rng: np.random.Generator, n: int, exclude: np.ndarray | None = None) -> np.ndarray:
    """``n`` National Insurance numbers such as "JK123456C", distinct in their first eight.

    The suffix does not tell two people apart (HMRC treats AB123456A and AB123456B as one
    number), so uniqueness and ``exclude`` are judged on the first eight characters.
    """
    barred = np.array(
        [
            _PREFIX_INDEX.get(s[:2], -2) * 10**6 + int(s[2:8])
            for s in (() if exclude is None else exclude)
        ],
        dtype=np.int64,
    )
    keys = _draw_unique(_draw_nino, n, barred, rng)
    suffixes = np.array(list("ABCD"), dtype=object)[rng.integers(4, size=n)]
    return np.asarray(NINO_PREFIXES[keys // 10**6] + _as_text(keys % 10**6, 6) + suffixes)


def valid_nino(s: str | None) -> bool:
    """Whether ``s`` is a NINO in the issued format (no spaces)."""
    return (
        s is not None
        and len(s) == 9
        and s[:2] in _PREFIX_INDEX
        and s[2:8].isascii()
        and s[2:8].isdigit()
        and s[8] in "ABCD"
    )
