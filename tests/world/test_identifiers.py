"""Identifiers: valid by their issuers' rules, unique within a world, reproducible."""

from __future__ import annotations

import numpy as np
import pytest

from bakehouse.world.identifiers import (
    NINO_PREFIXES,
    nhs_numbers,
    ninos,
    upns,
    valid_nhs_number,
    valid_nino,
    valid_upn,
)


def _nhs_check_digit_by_hand(number: str) -> int:
    """The modulus 11 check digit as the NHS Data Dictionary describes it."""
    total = sum(int(d) * w for d, w in zip(number[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return 0 if check == 11 else check


def test_nhs_numbers_carry_valid_check_digits_and_are_all_different() -> None:
    numbers = nhs_numbers(np.random.default_rng(1), 200_000)
    assert len(set(numbers)) == len(numbers)
    assert all(len(n) == 10 and n.isdigit() for n in numbers)
    sample = numbers[:5_000]
    assert all(int(n[9]) == _nhs_check_digit_by_hand(n) for n in sample)
    assert all(valid_nhs_number(n) for n in sample)


def test_nhs_numbers_come_from_the_english_and_welsh_ranges() -> None:
    numbers = nhs_numbers(np.random.default_rng(2), 20_000)
    first = {n[0] for n in numbers}
    assert first <= {"4", "6", "7"}
    assert {"4", "6"} <= first


def test_a_published_valid_nhs_number_passes_and_mistyped_ones_fail() -> None:
    assert valid_nhs_number("9434765919")
    assert not valid_nhs_number("9434765918")  # last digit changed
    assert not valid_nhs_number("943 476 5919")  # written with spaces
    assert not valid_nhs_number("943476591")  # a digit short
    assert not valid_nhs_number(None)


def test_a_number_whose_check_digit_would_be_ten_is_never_issued() -> None:
    # 1000000010: weights give a remainder of 1, so the check would be 10.
    assert not any(valid_nhs_number(f"100000001{d}") for d in range(10))


def test_upns_carry_the_dfe_check_letter_la_number_and_year_of_allocation() -> None:
    years = np.repeat([2016, 2019, 2024], 10_000)
    pupils = upns(np.random.default_rng(3), len(years), la_code="881", years=years)
    assert len(set(pupils)) == len(pupils)
    assert all(valid_upn(u) for u in pupils)
    assert all(u[1:4] == "881" for u in pupils)
    assert [u[8:10] for u in pupils[::10_000]] == ["16", "19", "24"]


def test_upn_check_letter_matches_a_worked_example_and_catches_a_wrong_letter() -> None:
    # Digits 801200005001 weighted 2..13 sum to 93; 93 mod 23 = 1, which is B.
    assert valid_upn("B801200005001")
    assert not valid_upn("A801200005001")
    assert not valid_upn("I801200005001")  # I, O and S are never check letters
    assert not valid_upn("B80120000500")


def test_upns_refuse_an_la_code_that_is_not_three_digits() -> None:
    with pytest.raises(ValueError, match="three digits"):
        upns(np.random.default_rng(1), 3, la_code="88", years=np.array([2020, 2020, 2020]))


def test_ninos_use_only_issued_prefixes_and_suffixes_and_differ_in_their_first_eight() -> None:
    numbers = ninos(np.random.default_rng(4), 100_000)
    assert all(valid_nino(n) for n in numbers[:5_000])
    assert len({n[:8] for n in numbers}) == len(numbers)
    prefixes = set(NINO_PREFIXES)
    assert not prefixes & {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ"}
    assert not any(p[0] in "DFIQUV" or p[1] in "DFIOQUV" for p in prefixes)
    assert {n[8] for n in numbers} == set("ABCD")


def test_identifiers_already_issued_are_never_issued_again() -> None:
    rng = np.random.default_rng(5)
    first_nhs, first_upn, first_nino = (
        nhs_numbers(rng, 50_000),
        upns(rng, 50_000, years=np.full(50_000, 2020)),
        ninos(rng, 50_000),
    )
    assert not set(nhs_numbers(rng, 50_000, exclude=first_nhs)) & set(first_nhs)
    later_upns = upns(rng, 50_000, years=np.full(50_000, 2020), exclude=first_upn)
    assert not set(later_upns) & set(first_upn)
    assert not {n[:8] for n in ninos(rng, 50_000, exclude=first_nino)} & {n[:8] for n in first_nino}


def test_the_same_seed_issues_the_same_identifiers() -> None:
    def issue(seed: int) -> list[str]:
        rng = np.random.default_rng(seed)
        years = np.full(100, 2021)
        return [*nhs_numbers(rng, 100), *upns(rng, 100, years=years), *ninos(rng, 100)]

    assert issue(9) == issue(9)
    assert issue(9) != issue(10)
