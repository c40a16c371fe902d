"""Council tax accounts and single person discounts: who is liable, when exactly one adult lived
in the home, what the council recorded of it, and the extract written from that record.

Hand-built households pin the rules down to the day; the small world shows they hold across a
simulated borough, counting adults from the residence truth independently of the module.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bakehouse.world import council_tax, tables
from bakehouse.world.extracts import write_extracts
from bakehouse.world.generate import WorldSummary
from bakehouse.world.noise import NoiseLevel
from bakehouse.world.tables import SimulatedWorld

AS_AT = date(2025, 9, 30)
OPEN = AS_AT + timedelta(days=1)


def _residence(*spells: tuple[int, int, int, date, date | None]) -> pa.Table:
    keys = ("person_id", "household_id", "address_id", "start", "end")
    return pa.Table.from_pylist([dict(zip(keys, s, strict=True)) for s in spells],
                                schema=tables.RESIDENCE)  # fmt: skip


def _people(*people: tuple[int, date, int | None, int | None]) -> pa.Table:
    ids, dobs, mothers, partners = zip(*people, strict=True)
    return pa.table(
        {
            "person_id": pa.array(ids, pa.int64()),
            "dob": pa.array(dobs, pa.date32()),
            "mother_id": pa.array(mothers, pa.int64()),
            "partner_id": pa.array(partners, pa.int64()),
        }
    )


def _accounts(found: council_tax.Accounts) -> list[tuple[Any, ...]]:
    return [
        (a["household_id"], a["address_id"], a["liable_id"], a["joint_id"], a["start"], a["end"],
         a["adults_at_start"])
        for a in found.accounts.to_pylist()
    ]  # fmt: skip


def _eligible(found: council_tax.Accounts) -> list[tuple[int, date, date]]:
    return [(e["account_id"], e["start"], e["end"]) for e in found.eligible.to_pylist()]


# --- the rules, household by household -----------------------------------------------------------


def test_a_partner_leaving_makes_one_adult_until_a_child_turns_18_and_again_once_they_go() -> None:
    found = council_tax.derive(
        _residence(
            (1, 1, 10, date(2015, 1, 1), None),
            (2, 1, 10, date(2015, 1, 1), date(2018, 3, 10)),
            (3, 1, 10, date(2015, 1, 1), date(2020, 1, 15)),
        ),
        _people(
            (1, date(1980, 1, 1), None, None),
            (2, date(1982, 1, 1), None, 1),
            (3, date(2000, 6, 1), 1, None),
        ),
        AS_AT,
    )
    # One account throughout: the partner leaving does not change the lead.
    assert _accounts(found) == [(1, 10, 1, 2, date(2015, 1, 1), OPEN, 2)]
    assert _eligible(found) == [
        (0, date(2018, 3, 10), date(2018, 6, 1)),  # until the daughter's 18th birthday
        (0, date(2020, 1, 15), OPEN),  # from the day she left
    ]


def test_when_the_lead_dies_the_partner_who_stays_holds_a_new_account_alone() -> None:
    found = council_tax.derive(
        _residence(
            (5, 2, 20, date(2012, 1, 1), None),
            (4, 2, 20, date(2012, 1, 1), date(2016, 5, 5)),
        ),
        _people((4, date(1948, 1, 1), None, None), (5, date(1950, 1, 1), None, 4)),
        AS_AT,
    )
    assert _accounts(found) == [
        (2, 20, 4, 5, date(2012, 1, 1), date(2016, 5, 5), 2),  # the older is liable
        (2, 20, 5, None, date(2016, 5, 5), OPEN, 1),
    ]
    assert _eligible(found) == [(1, date(2016, 5, 5), OPEN)]


def test_a_move_ends_the_account_and_one_opens_at_the_new_address() -> None:
    moved = date(2019, 9, 1)
    found = council_tax.derive(
        _residence((7, 3, 30, date(2010, 1, 1), moved), (7, 3, 31, moved, date(2023, 2, 1))),
        _people((7, date(1990, 2, 2), None, None)),
        AS_AT,
    )
    assert _accounts(found) == [
        (3, 30, 7, None, date(2010, 1, 1), moved, 1),
        (3, 31, 7, None, moved, date(2023, 2, 1), 1),
    ]
    assert _eligible(found) == [(0, date(2010, 1, 1), moved), (1, moved, date(2023, 2, 1))]


def test_a_grown_child_at_home_counts_as_an_adult_but_is_never_liable() -> None:
    found = council_tax.derive(
        _residence(
            (8, 4, 40, date(2010, 1, 1), date(2021, 3, 3)),  # the mother dies
            (9, 4, 40, date(2010, 1, 1), date(2021, 3, 20)),  # her son, 20, leaves later
        ),
        _people((8, date(1975, 5, 5), None, None), (9, date(2001, 1, 10), 8, None)),
        AS_AT,
    )
    # The account ends with the last liable adult; the son's days alone open none.
    assert _accounts(found) == [(4, 40, 8, None, date(2010, 1, 1), date(2021, 3, 3), 1)]
    assert _eligible(found) == [(0, date(2010, 1, 1), date(2019, 1, 10))]


# --- what the council records --------------------------------------------------------------------


def _many(n: int, *, child_turns_18: date | None, alone_from: date) -> council_tax.Accounts:
    """``n`` parents alone with a child from ``alone_from``; the child turns 18 on the date
    (``None``: a child too young to be 18 by the as-at date)."""
    dob = child_turns_18.replace(year=child_turns_18.year - 18) if child_turns_18 else alone_from
    parents = np.arange(n) * 2
    spells = [(int(p), int(p), int(p), alone_from, None) for p in parents]
    spells += [(int(p) + 1, int(p), int(p), alone_from, None) for p in parents]
    people: list[tuple[int, date, int | None, int | None]]
    people = [(int(p), date(1980, 1, 1), None, None) for p in parents]
    people += [(int(p) + 1, dob, int(p), None) for p in parents]
    return council_tax.derive(_residence(*spells), _people(*people), AS_AT)


def test_most_households_alone_get_the_discount_about_a_month_after_it_is_due() -> None:
    found = _many(20_000, child_turns_18=None, alone_from=date(2015, 1, 1))
    record = council_tax.record(found, np.random.default_rng(1)).to_pylist()
    awarded = [r for r in record if r["discount_start"] is not None]
    assert len(awarded) / len(record) == pytest.approx(council_tax.TAKE_UP, abs=0.01)
    lags = np.array([(r["discount_start"] - date(2015, 1, 1)).days for r in awarded])
    assert lags.min() >= 0
    assert lags.mean() == pytest.approx(council_tax.START_LAG_DAYS, rel=0.05)
    assert all(r["discount_end"] is None for r in awarded)


def test_a_discount_that_would_start_after_the_eligibility_ended_is_never_awarded() -> None:
    turns_18 = date(2015, 1, 11)  # ten days of one adult, then two
    found = _many(20_000, child_turns_18=turns_18, alone_from=date(2015, 1, 1))
    record = council_tax.record(found, np.random.default_rng(2)).to_pylist()
    awarded = [r for r in record if r["discount_start"] is not None]
    assert all(r["discount_start"] < turns_18 for r in awarded)
    expected = council_tax.TAKE_UP * (1 - np.exp(-9.5 / council_tax.START_LAG_DAYS))
    assert len(awarded) / len(record) == pytest.approx(expected, abs=0.015)


def test_when_a_second_adult_arrives_most_discounts_end_late_and_the_rest_run_on() -> None:
    turns_18 = date(2020, 6, 1)
    found = _many(20_000, child_turns_18=turns_18, alone_from=date(2015, 1, 1))
    record = council_tax.record(found, np.random.default_rng(3)).to_pylist()
    awarded = [r for r in record if r["discount_start"] is not None]
    running = [r for r in awarded if r["discount_end"] is None]
    ended = [r for r in awarded if r["discount_end"] is not None]
    # Undetected: still in force at the as-at date, five years on.
    assert running and all(r["discount_start"] < turns_18 for r in running)
    assert len(running) / len(awarded) == pytest.approx(1 - council_tax.END_DETECTED, abs=0.01)
    lags = np.array([(r["discount_end"] - turns_18).days for r in ended])
    assert lags.min() >= 0
    assert lags.mean() == pytest.approx(council_tax.END_LAG_DAYS, rel=0.05)


def test_an_account_that_closes_ends_its_discount_on_the_same_day() -> None:
    found = council_tax.derive(
        _residence(*[(p, p, p, date(2016, 1, 1), date(2019, 1, 1)) for p in range(2_000)]),
        _people(*[(p, date(1970, 1, 1), None, None) for p in range(2_000)]),
        AS_AT,
    )
    record = council_tax.record(found, np.random.default_rng(4)).to_pylist()
    awarded = [r for r in record if r["discount_start"] is not None]
    assert awarded and all(r["discount_end"] == date(2019, 1, 1) for r in awarded)


def test_records_are_drawn_from_their_own_stream_and_repeat_with_it() -> None:
    found = _many(500, child_turns_18=date(2021, 1, 1), alone_from=date(2016, 1, 1))
    first = council_tax.record(found, np.random.default_rng(9))
    assert first.equals(council_tax.record(found, np.random.default_rng(9)))
    assert not first.equals(council_tax.record(found, np.random.default_rng(10)))
    assert first.schema == tables.COUNCIL_TAX


# --- a simulated borough -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def borough(small_world_factory: Callable[..., WorldSummary]) -> Path:
    return Path(small_world_factory().out)


@pytest.fixture(scope="module")
def con(borough: Path) -> duckdb.DuckDBPyConnection:
    """The truth, with each (household, address, day) range's residents aged 18 or over
    counted from the residence table alone."""
    db = duckdb.connect()
    for name in ("council_tax", "residence", "people", "records", "homelessness"):
        db.execute(f"create view {name} as select * from '{borough / 'truth' / name}.parquet'")
    return db


# Residents aged 18 or over of row c's household at its address on the day {day}.
_ADULTS_ON = """(select count(*) from residence r join people p using (person_id)
    where r.household_id = c.household_id and r.address_id = c.address_id
      and r.start <= {day} and (r."end" is null or r."end" > {day})
      and (p.dob + interval 18 year)::date <= {day})"""


def test_every_discount_lies_inside_its_account_in_order(con: duckdb.DuckDBPyConnection) -> None:
    outside = con.execute(
        """
        select count(*) from council_tax
        where discount_start < account_start
           or discount_end > account_end
           or (discount_end is null and discount_start is not null and account_end is not null)
           or discount_end < discount_start
           or account_end < account_start
        """
    ).fetchone()
    assert outside == (0,)
    # Awards of one account follow one another with a gap (touching ones are one award).
    overlapping = con.execute(
        """
        select count(*) from (
            select discount_start,
                   lag(coalesce(discount_end, date '9999-12-31')) over w as previous_end
            from council_tax where discount_start is not null
            window w as (partition by account_id order by discount_start))
        where previous_end >= discount_start
        """
    ).fetchone()
    several = con.execute(
        "select count(*) - count(distinct account_id) from council_tax"
    ).fetchone()
    assert overlapping == (0,) and several is not None and several[0] > 10


def test_accounts_of_a_household_overlap_only_where_its_adults_lived_apart(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """A household is at one address at a time, except where the residence truth dates a
    partner's leaving (or a death) later in the month than the household's move: the one
    left behind holds the old home from then."""
    overlaps = con.execute(
        """
        with accounts as (select distinct account_id, household_id, address_id, account_start,
                                 coalesce(account_end, date '9999-12-31') as account_end
                          from council_tax),
        pairs as (
            select a.household_id, a.address_id as first_address, b.address_id as second_address,
                   greatest(a.account_start, b.account_start) as day
            from accounts a join accounts b
              on a.household_id = b.household_id and a.account_id < b.account_id
             and a.account_start < b.account_end and b.account_start < a.account_end
        )
        select p.first_address = p.second_address,
               (select count(distinct r.address_id) from residence r
                where r.household_id = p.household_id
                  and r.address_id in (p.first_address, p.second_address)
                  and r.start <= p.day and (r."end" is null or r."end" > p.day))
        from pairs p
        """
    ).fetchall()
    accounts = con.execute("select count(distinct account_id) from council_tax").fetchone()
    assert accounts is not None and accounts[0] > 5_000
    assert len(overlaps) < 0.002 * accounts[0]
    assert all(not same and lived_in == 2 for same, lived_in in overlaps)


def test_every_discount_starts_on_a_day_when_one_adult_lived_there(
    con: duckdb.DuckDBPyConnection,
) -> None:
    adults = con.execute(
        f"""select {_ADULTS_ON.format(day="c.discount_start")} from council_tax c
            where discount_start is not null"""
    ).fetchall()
    assert len(adults) > 2_000
    assert {row[0] for row in adults} == {1}


def test_the_account_records_how_many_adults_lived_there_on_its_first_day(
    con: duckdb.DuckDBPyConnection,
) -> None:
    pairs = con.execute(
        f"select adults_at_start, {_ADULTS_ON.format(day='c.account_start')} from council_tax c"
    ).fetchall()
    assert all(recorded == counted for recorded, counted in pairs)
    assert {1, 2, 3} <= {recorded for recorded, _ in pairs}


def test_discounts_in_force_with_two_adults_are_the_undetected_few(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """On each 1 April, homes with a discount in force where two or more adults live: those the
    council missed or has not caught up with yet."""
    in_force = con.execute(
        f"""
        select {_ADULTS_ON.format(day="d.day")} as adults
        from council_tax c
        join (select distinct index_date as day from homelessness) d
          on c.discount_start <= d.day and (c.discount_end is null or c.discount_end > d.day)
        """
    ).fetchall()
    adults = np.array([row[0] for row in in_force])
    assert len(adults) > 10_000
    assert (adults >= 1).all()
    # Few: a second adult arrives only as a child turning 18 (nobody moves in with a partner).
    assert 0.001 < (adults >= 2).mean() < 0.05


def test_the_share_of_one_adult_time_with_a_discount_is_near_the_take_up(
    borough: Path,
) -> None:
    truth = borough / "truth"
    people = pq.read_table(truth / "people.parquet").select(["person_id", "dob", "mother_id"])
    people = people.append_column("partner_id", pa.nulls(people.num_rows, pa.int64()))
    found = council_tax.derive(pq.read_table(truth / "residence.parquet"), people, AS_AT)
    db = duckdb.connect()
    db.register("eligible", found.eligible)
    db.execute(f"create view awards as select * from '{truth / 'council_tax.parquet'}'")
    shares = db.execute(
        """
        with e as (select *, least("end", $as_at) - start as days from eligible)
        select
          (select sum(greatest(0, least(e."end", coalesce(a.discount_end, $as_at), $as_at)
                                   - greatest(e.start, a.discount_start)))
           from e join awards a on a.account_id = e.account_id
            and a.discount_start < e."end" and coalesce(a.discount_end, $as_at) > e.start),
          sum(days),
          -- each period loses, on average, the delay before its award: L - m(1 - exp(-L/m))
          $take_up * sum(days - $lag * (1 - exp(-days / $lag)))
        from e
        """,
        {"as_at": AS_AT, "take_up": council_tax.TAKE_UP, "lag": council_tax.START_LAG_DAYS},
    ).fetchone()
    assert shares is not None
    covered, eligible, expected = shares
    assert covered / eligible == pytest.approx(expected / eligible, abs=0.02)
    assert 0.85 < covered / eligible < council_tax.TAKE_UP


def test_a_household_whose_partner_left_gets_a_discount_after_the_leaving_date(
    con: duckdb.DuckDBPyConnection,
) -> None:
    left = con.execute(
        """
        with accounts as (select distinct account_id, household_id, address_id, joint_id,
                                 account_end from council_tax where joint_id is not null),
        leaving as (  -- the joint liable partner left, a year or more before the as-at date
            select a.account_id, a.household_id, a.address_id, r."end" as left_on
            from accounts a join residence r
              on r.person_id = a.joint_id and r.household_id = a.household_id
             and r.address_id = a.address_id
            where r."end" < coalesce(a.account_end, date '9999-12-31') and r."end" < $cutoff
        ),
        adults as (  -- who was 18 or over and still there that day
            select l.account_id, l.left_on, count(*) as adults
            from leaving l
            join residence r on r.household_id = l.household_id and r.address_id = l.address_id
             and r.start <= l.left_on and (r."end" is null or r."end" > l.left_on)
            join people p on p.person_id = r.person_id
             and (p.dob + interval 18 year)::date <= l.left_on
            group by all
        )
        select a.account_id,
               count(c.discount_start) filter (where c.discount_start >= a.left_on),
               count(c.discount_start) filter (where c.discount_start < a.left_on)
        from adults a join council_tax c using (account_id) where a.adults = 1
        group by a.account_id
        """,
        {"cutoff": AS_AT - timedelta(days=365)},
    ).fetchall()
    assert len(left) > 50
    after = np.array([row[1] > 0 for row in left])
    before = np.array([row[2] > 0 for row in left])
    assert not before.any()
    assert after.mean() > 0.8


# --- the extract ---------------------------------------------------------------------------------


def _rows(borough: Path) -> list[dict[str, str]]:
    path = borough / "extracts" / "council_tax_accounts.csv"
    raw = path.read_bytes()
    assert b"\r\n" in raw and not raw.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(raw.decode("utf-8").splitlines(), delimiter="|"))


def test_the_extract_holds_a_row_per_account_and_award_plus_its_duplicates(
    borough: Path, con: duckdb.DuckDBPyConnection
) -> None:
    rows = _rows(borough)
    truth_rows, accounts, awards = con.execute(
        "select count(*), count(distinct account_id), count(discount_start) from council_tax"
    ).fetchone() or (0, 0, 0)
    assert truth_rows <= len(rows) <= 1.03 * truth_rows
    refs = {r["AccountRef"] for r in rows if r["AccountRef"]}
    assert 0.99 * accounts <= len(refs) <= accounts
    spd = sum(r["Discount"] == "SPD" for r in rows)
    assert awards <= spd <= 1.03 * awards
    assert {r["Discount"] for r in rows} == {"SPD", ""}
    # Only a planted invalid value puts a discount date on a row without a discount.
    assert sum(bool(r["DiscountStart"]) for r in rows if not r["Discount"]) < 0.005 * len(rows)


def test_records_name_the_liable_and_joint_people_of_each_row(
    borough: Path, con: duckdb.DuckDBPyConnection
) -> None:
    rows = _rows(borough)
    roles = con.execute(
        """select person_role, count(*), count(distinct row_number) from records
           where source = 'council_tax' group by 1"""
    ).fetchall()
    by_role = {role: (named, distinct) for role, named, distinct in roles}
    assert set(by_role) == {"liable", "joint"}
    assert by_role["liable"] == (len(rows), len(rows))
    joint_truth = con.execute("select count(joint_id) from council_tax").fetchone()
    assert joint_truth is not None
    assert joint_truth[0] <= by_role["joint"][0] <= 1.03 * joint_truth[0]
    with_joint = sum(bool(r["JointSurname"]) for r in rows)
    assert abs(with_joint - by_role["joint"][0]) <= 0.01 * len(rows)


def test_the_extract_is_the_same_without_national_identifiers(
    tiny_world: SimulatedWorld, tmp_path: Path
) -> None:
    with_ids, without = tmp_path / "with", tmp_path / "without"
    write_extracts(tiny_world, with_ids, NoiseLevel.NONE, np.random.default_rng(1))
    write_extracts(
        tiny_world, without, NoiseLevel.NONE, np.random.default_rng(1), national_ids=False
    )
    name = "council_tax_accounts.csv"
    assert (with_ids / name).read_bytes() == (without / name).read_bytes()
    rows = list(csv.DictReader((with_ids / name).read_text().splitlines(), delimiter="|"))
    written = [
        (r["LiableSurname"], r["JointForename"], r["Discount"], r["DiscountStart"]) for r in rows
    ]
    assert written == [
        ("Smith", "Elizabeth", "", ""),
        ("Wiśniewska", "", "SPD", "12/02/2018"),
        ("Smith", "Elizabeth", "", ""),
    ]
