"""The error functions: each makes the error it names, at its rate, on rows that can carry it."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa
import pytest

from bakehouse.world import noise
from bakehouse.world.names import NICKNAMES
from bakehouse.world.noise import NoiseLevel, NoiseRates

N = 40_000


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance: substitutions, insertions, deletions, adjacent swaps."""
    d = [[max(i, j) if min(i, j) == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def as_list(values: pa.Array) -> list[str | None]:
    return values.to_pylist()  # type: ignore[no-any-return]


def assert_rate(measured: int, eligible: int, rate: float) -> None:
    """Within five binomial standard errors of the declared rate."""
    tolerance = 5 * (rate * (1 - rate) / eligible) ** 0.5
    assert abs(measured / eligible - rate) <= tolerance, (measured / eligible, rate)


def test_noise_levels_carry_the_rates_of_the_world_specification() -> None:
    assert NoiseRates.at(NoiseLevel.DEFAULT) == NoiseRates(
        0.03, 0.05, 0.01, 0.10, 0.05, 0.02, 0.01, 0.02, 0.002
    )
    assert NoiseRates.at(NoiseLevel.HIGH) == NoiseRates(
        0.10, 0.12, 0.03, 0.25, 0.15, 0.06, 0.03, 0.05, 0.01
    )
    assert NoiseRates.at(NoiseLevel("none")) == NoiseRates(0, 0, 0, 0, 0, 0, 0, 0, 0)


def test_a_typo_is_one_edit_away_keeps_the_capital_and_happens_at_the_rate() -> None:
    names = np.array(["Elizabeth", "Mohammed", "O'Brien", "Li", "Smith"] * (N // 5), dtype=object)
    out, changed = noise.name_typos(np.random.default_rng(1), names, 0.1)
    typed = np.array(as_list(out), dtype=object)
    assert_rate(int(changed.sum()), N, 0.1)
    assert all(typed[i] != names[i] for i in np.flatnonzero(changed))
    # Letter case follows position (a swap at the start gives "Msith"), so compare without it.
    assert all(
        edit_distance(typed[i].lower(), names[i].lower()) == 1 for i in np.flatnonzero(changed)
    )
    assert all(typed[i][0].isupper() for i in np.flatnonzero(changed) if typed[i][0].isalpha())
    assert (typed[~changed] == names[~changed]).all()


def test_substituted_letters_come_from_neighbouring_keys() -> None:
    assert set(noise.KEYBOARD_NEIGHBOURS["a"]) == set("qwsz")
    assert set(noise.KEYBOARD_NEIGHBOURS["g"]) == set("ftyhbv")
    rng = np.random.default_rng(2)
    for _ in range(500):
        typed = noise.one_edit("Gggg", rng)
        extra = set(typed.lower()) - {"g"}
        assert extra <= set(noise.KEYBOARD_NEIGHBOURS["g"])


def test_nicknames_come_from_the_map_and_only_for_names_that_have_one() -> None:
    forenames = np.array(["William", "Elizabeth", "Zebedee", None] * (N // 4), dtype=object)
    out, changed = noise.nicknames(np.random.default_rng(3), forenames, 0.12)
    called = as_list(out)
    assert_rate(int(changed.sum()), N // 2, 0.12)
    assert not changed[forenames == "Zebedee"].any()
    assert all(called[i] in NICKNAMES[forenames[i]] for i in np.flatnonzero(changed))


def test_day_and_month_swap_only_where_the_day_is_twelve_or_less_and_not_the_month() -> None:
    days = np.datetime64("1990-01-01") + np.arange(N) % 10_000
    swapped, changed = noise.swap_day_month(np.random.default_rng(4), days, 0.03)
    day = (days - days.astype("datetime64[M]")).astype(int) + 1
    month = days.astype("datetime64[M]").astype(int) % 12 + 1
    eligible = (day <= 12) & (day != month)
    assert not changed[~eligible].any()
    assert_rate(int(changed.sum()), int(eligible.sum()), 0.03)
    for i in np.flatnonzero(changed)[:200]:
        before, after = days[i].item(), swapped[i].item()
        assert (after.year, after.month, after.day) == (before.year, before.day, before.month)


def test_missing_values_are_blanked_at_the_rate_among_rows_that_had_one() -> None:
    values = np.array(["4857773457", None] * (N // 2), dtype=object)
    out, changed = noise.blanks(np.random.default_rng(5), values, 0.25)
    assert_rate(int(changed.sum()), N // 2, 0.25)
    blanked = as_list(out)
    assert all(blanked[i] is None for i in np.flatnonzero(changed))
    assert all(blanked[i] == values[i] for i in np.flatnonzero(~changed))
    assert not changed[1::2].any()


def test_a_postcode_error_changes_one_character_drops_the_space_or_blanks_it() -> None:
    postcodes = np.array(["SS14 1AA", "CM12 9EF"] * (N // 2), dtype=object)
    out, changed = noise.postcode_errors(np.random.default_rng(6), postcodes, 0.06)
    typed = as_list(out)
    assert_rate(int(changed.sum()), N, 0.06)
    kinds = {"blank": 0, "space": 0, "character": 0}
    for i in np.flatnonzero(changed):
        was, now = postcodes[i], typed[i]
        if now is None:
            kinds["blank"] += 1
        elif now == was.replace(" ", ""):
            kinds["space"] += 1
        else:
            assert len(now) == len(was)
            assert sum(a != b for a, b in zip(now, was, strict=True)) == 1
            kinds["character"] += 1
    assert all(count > 0 for count in kinds.values())


def test_late_records_are_keyed_after_ninety_days_and_the_rest_within_a_fortnight() -> None:
    as_at = date(2025, 9, 30)
    events = np.datetime64("2012-01-01") + np.arange(N) % 5_000
    recorded, late = noise.recorded_dates(np.random.default_rng(7), events, 0.05, as_at)
    delay = (recorded - events).astype(int)
    eligible = events + 91 <= np.datetime64(as_at)
    assert_rate(int(late.sum()), int(eligible.sum()), 0.05)
    assert (delay[late] > 90).all()
    assert ((delay[~late] >= 0) & (delay[~late] <= 14)).all()
    assert (recorded <= np.datetime64(as_at)).all()


def test_duplicates_copy_rows_at_the_rate_and_half_are_marked_to_be_rekeyed() -> None:
    copies = noise.duplicate_rows(np.random.default_rng(8), N, 0.03)
    duplicated = int(copies.duplicate.sum())
    assert_rate(duplicated, N, 0.03)
    assert len(copies.rows) == N + duplicated
    assert (copies.rows[:N] == np.arange(N)).all()
    assert not copies.varied[:N].any()
    assert 0.4 < copies.varied.sum() / duplicated < 0.6


def test_invalid_values_are_of_the_three_kinds_at_the_rate() -> None:
    kinds = noise.invalid_kinds(np.random.default_rng(9), N, 0.01)
    picked = kinds[kinds != None]  # noqa: E711
    assert_rate(len(picked), N, 0.01)
    assert set(picked) == set(noise.INVALID_KINDS)


def test_impossible_dates_are_not_dates_and_future_dates_are_after_the_as_at_date() -> None:
    rng = np.random.default_rng(10)
    for year, month, day in noise.impossible_dates(rng, np.arange(2000, 2100)):
        with pytest.raises(ValueError):
            date(year, month, day)
    assert (noise.future_dates(rng, date(2025, 9, 30), 1_000) > np.datetime64("2025-09-30")).all()


@pytest.mark.parametrize(
    "make_error",
    [
        lambda rng, v: noise.name_typos(rng, v, 0.0),
        lambda rng, v: noise.nicknames(rng, v, 0.0),
        lambda rng, v: noise.blanks(rng, v, 0.0),
        lambda rng, v: noise.postcode_errors(rng, v, 0.0),
    ],
)
def test_a_zero_rate_changes_nothing(make_error) -> None:  # type: ignore[no-untyped-def]
    values = ["William", "SS14 1AA", None] * 1_000
    out, changed = make_error(np.random.default_rng(11), values)
    assert not changed.any()
    assert as_list(out) == values
