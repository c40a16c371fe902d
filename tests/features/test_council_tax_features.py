"""The homelessness recipe's council tax features on 1 April, on a hand-made analysis zone.

Each household lives at its own address from 2012 and claimed a benefit in June 2019, so the
annual rule sees it on 1 April 2020 and 2021. Their council tax records differ in one thing each:
a discount in force, ended the day before, begun after the date or on it, an account ended
before the date or begun after it, two awards, none at all.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from bakehouse.features import build_features, connect
from bakehouse.recipes import load_recipe

from .conftest import Zone

AS_AT = date(2025, 9, 30)
APRIL = date(2021, 4, 1)
ACCOUNT_START = date(2015, 1, 1)

# household -> (account start, account end, [(discount start, discount end)])
ACCOUNTS: dict[str, tuple[date, date | None, list[tuple[date, date | None]]]] = {
    "in_force": (ACCOUNT_START, None, [(date(2018, 1, 1), None)]),
    "ends_after": (ACCOUNT_START, None, [(date(2018, 1, 1), date(2021, 9, 30))]),
    "ended_day_before": (ACCOUNT_START, None, [(date(2018, 1, 1), APRIL - timedelta(days=1))]),
    "starts_on_the_date": (ACCOUNT_START, None, [(APRIL, None)]),
    "starts_after": (ACCOUNT_START, None, [(date(2021, 6, 1), None)]),
    "account_ended": (ACCOUNT_START, date(2021, 3, 1), [(date(2018, 1, 1), None)]),
    "account_starts_after": (date(2021, 5, 1), None, [(date(2021, 5, 1), None)]),
    "two_awards": (ACCOUNT_START, None, [(ACCOUNT_START, date(2016, 6, 30)),
                                         (date(2021, 1, 1), None)]),
    "no_discount": (ACCOUNT_START, None, []),
}  # fmt: skip
EXPECTED = {  # (single_person_discount_now, council_tax_account_now) on 1 April 2021
    "in_force": (1, 1),
    "ends_after": (1, 1),
    "ended_day_before": (0, 1),
    "starts_on_the_date": (0, 1),
    "starts_after": (0, 1),
    "account_ended": (0, 0),
    "account_starts_after": (0, 0),
    "two_awards": (1, 1),
    "no_discount": (0, 1),
    "no_council_tax": (0, 0),
}


def council_tax(zone: Zone, person: str, household: str) -> None:
    start, end, awards = ACCOUNTS[household]
    rows: list[tuple[date | None, date | None]] = list(awards) or [(None, None)]
    for discount_start, discount_end in rows:
        zone.record(
            "council_tax",
            person,
            household,
            role="liable",
            account_key=f"CT-{household}",
            account_start=start,
            account_end=end,
            discount="SPD" if discount_start else None,
            discount_start=discount_start,
            discount_end=discount_end,
        )


@pytest.fixture(scope="module")
def rows(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    zone = Zone()
    for number, household in enumerate(EXPECTED):
        person = f"adult-{household}"
        zone.stay(person, household, date(2012, 1, 1), date(2026, 1, 1), address=f"A{number}")
        zone.record(
            "benefits",
            person,
            household,
            role="claimant",
            claim_key=f"C-{household}",
            claim_type="CTR",
            claim_start=date(2019, 6, 1),
            processed_date=date(2019, 6, 8),
        )
        if household in ACCOUNTS:
            council_tax(zone, person, household)
    con = connect(zone.build(tmp_path_factory.mktemp("council-tax") / "ws"))
    table = build_features(con, load_recipe("homelessness"), as_at=AS_AT).table
    return {row["unit_id"]: row for row in table.to_pylist()}


@pytest.mark.parametrize("household", list(EXPECTED))
def test_a_discount_and_an_account_count_only_when_in_force_on_1_april(
    rows: dict[str, dict[str, Any]], household: str
) -> None:
    row = rows[f"{household}@{APRIL.isoformat()}"]
    found = (row["single_person_discount_now"], row["council_tax_account_now"])
    assert found == EXPECTED[household]


def test_a_household_s_earlier_award_counts_in_its_own_years_and_not_after_it_ended(
    rows: dict[str, dict[str, Any]],
) -> None:
    """The first award ended in June 2016 and the second began in January 2021: on 1 April
    2020 the household had none in force."""
    assert rows["two_awards@2020-04-01"]["single_person_discount_now"] == 0
    assert rows["two_awards@2020-04-01"]["council_tax_account_now"] == 1
    assert rows["starts_on_the_date@2020-04-01"]["single_person_discount_now"] == 0


def test_an_account_begun_after_the_date_is_not_in_the_view_at_all(
    rows: dict[str, dict[str, Any]],
) -> None:
    """Its row is dated by the account's start, after 1 April 2021: the as-of view leaves it
    out, and the household gets the fill value, as one with no council tax record does."""
    begun_after = rows["account_starts_after@2021-04-01"]
    none = rows["no_council_tax@2021-04-01"]
    for feature in ("single_person_discount_now", "council_tax_account_now"):
        assert begun_after[feature] == none[feature] == 0
