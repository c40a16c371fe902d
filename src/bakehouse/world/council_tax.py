"""The truth of council tax accounts and single person discounts, derived after the simulation.

An **account** is a household living at an address with one lead liable person. It starts when
the household starts living there and ends when it leaves (a move, leaving the area, the
household ending) or when the lead changes: the lead leaves or dies and another of the
household's adults stays, who then holds a new account. The lead is the household's adult
resident there longest, the older on a tie; the joint liable person is the lead's partner when
living there at the account's start. A household's adults are the people who head it; children
born to it or brought into it, grown up or not, are never liable.

**Eligibility** for the single person discount (Local Government Finance Act 1992 s.11) is
exactly one resident of the account's household at the address aged 18 or over: a grown child
at home counts, as the law says, so eligibility is not the homelessness truth's
``single_adult`` (no partner). Eligible periods are worked out exactly from the residence spells
and 18th birthdays.

**What the council records** is drawn from a random stream of its own: most eligible households
apply, some late; when a second adult arrives most discounts are ended, late, and the rest run
on until the account ends (undetected, the main council tax fraud the National Fraud Initiative
looks for). Dates are when the council changed the record: nothing is backdated, and a change
not yet made by the as-at date is not in the record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import duckdb
import numpy as np
import pyarrow as pa

from bakehouse.world import tables

# Assumptions of the world, not published figures: the share of eligible households that apply,
# the mean delay before a discount is awarded, the share of ended eligibility the council
# detects and the mean delay before it ends the discount. Delays are exponential, in days.
TAKE_UP = 0.95
START_LAG_DAYS = 30.0
END_DETECTED = 0.85
END_LAG_DAYS = 60.0


@dataclass(frozen=True)
class Accounts:
    """Accounts and the periods in which exactly one adult lived at each (``end`` exclusive;
    open at the as-at date where ``end`` is ``open_day``)."""

    accounts: pa.Table  # account_id, household_id, address_id, liable_id, joint_id, start, end,
    #                     adults_at_start
    eligible: pa.Table  # account_id, start, end
    open_day: date  # the day after the as-at date: an interval ending here is still running


def derive(residence: pa.Table, people: pa.Table, as_at: date) -> Accounts:
    """Accounts and eligible periods from residence spells and ``people`` (``person_id``,
    ``dob``, ``mother_id``, ``partner_id``: the partner whose couple the simulation made, in
    either direction)."""
    open_day = as_at + timedelta(days=1)
    con = duckdb.connect()
    spells = residence.select(["person_id", "household_id", "address_id", "start", "end"])
    con.register("residence", spells)
    con.register("people", people.select(["person_id", "dob", "mother_id", "partner_id"]))
    con.execute("create temp table bounds as select $open::date as open_day", {"open": open_day})
    for script in (_STAYS, _ACCOUNTS, _ADULT_COUNTS):
        con.execute(script)
    accounts = con.sql(
        """select account_id, household_id, address_id, liable_id, joint_id, start, "end",
                  adults_at_start from accounts order by account_id"""
    ).to_arrow_table()
    eligible = con.sql(_ELIGIBLE).to_arrow_table()
    return Accounts(accounts=accounts, eligible=eligible, open_day=open_day)


# Each person's unbroken time in one household at one address (consecutive spells joined).
_STAYS = """
create temp table stays as
with spells as (
    select person_id, household_id, address_id, start,
           coalesce("end", (select open_day from bounds)) as stop
    from residence
),
marked as (
    select *, (start is distinct from lag(stop) over w)::int as fresh from spells
    window w as (partition by person_id, household_id, address_id order by start)
),
runs as (
    select *, sum(fresh) over (partition by person_id, household_id, address_id order by start
                               rows unbounded preceding) as run
    from marked
)
select person_id, household_id, address_id, min(start) as start, max(stop) as stop
from runs group by person_id, household_id, address_id, run;

-- A household's adults: everyone in it whose mother never lived in it.
create temp table adults as
select s.*, p.dob, p.partner_id from stays s join people p using (person_id)
where not exists (
    select 1 from residence m where m.person_id = p.mother_id and m.household_id = s.household_id
);
"""

# Pieces of time between any adult's arrival or departure, each with its lead (there longest,
# then older, then the lower id so that the choice is always made); accounts are runs of pieces
# with one lead and no gap.
_ACCOUNTS = """
create temp table pieces as
with points as (
    select household_id, address_id, start as day from adults
    union select household_id, address_id, stop from adults
),
spans as (
    select household_id, address_id, day as start,
           lead(day) over (partition by household_id, address_id order by day) as stop
    from points
)
select p.household_id, p.address_id, p.start, p.stop,
       first(a.person_id order by a.start, a.dob, a.person_id) as lead
from spans p join adults a
  on a.household_id = p.household_id and a.address_id = p.address_id
 and a.start <= p.start and a.stop >= p.stop
where p.stop is not null
group by all;

create temp table runs as
with marked as (
    select *, (lead is distinct from lag(lead) over w
               or start is distinct from lag(stop) over w)::int as fresh
    from pieces window w as (partition by household_id, address_id order by start)
),
numbered as (
    select *, sum(fresh) over (partition by household_id, address_id order by start
                               rows unbounded preceding) as run
    from marked
)
select household_id, address_id, lead as liable_id, min(start) as start, max(stop) as stop
from numbered group by household_id, address_id, lead, run;

create temp table accounts as
with joint as (
    select r.household_id, r.address_id, r.liable_id, r.start, r.stop,
           min(j.person_id) as joint_id
    from runs r
    left join people l on l.person_id = r.liable_id
    left join adults j
      on j.household_id = r.household_id and j.address_id = r.address_id
     and j.start <= r.start and j.stop > r.start and j.person_id <> r.liable_id
     and (j.partner_id = r.liable_id or l.partner_id = j.person_id)
    group by r.household_id, r.address_id, r.liable_id, r.start, r.stop
)
select (row_number() over (order by start, household_id, address_id) - 1)::bigint
           as account_id,
       household_id, address_id, liable_id, joint_id, start, stop
from joint;
"""

# Residents aged 18 or over of each account's household at its address, piece by piece.
_ADULT_COUNTS = """
create temp table counts as
with grown as (
    select a.account_id,
           greatest(s.start, (p.dob + interval 18 year)::date, a.start) as start,
           least(s.stop, a.stop) as stop
    from accounts a
    join stays s on s.household_id = a.household_id and s.address_id = a.address_id
     and s.start < a.stop and s.stop > a.start
    join people p on p.person_id = s.person_id
),
changes as (
    select account_id, start as day, 1 as step from grown where start < stop
    union all select account_id, stop, -1 from grown where start < stop
    union all select account_id, start, 0 from accounts
    union all select account_id, stop, 0 from accounts
),
net as (select account_id, day, sum(step) as step from changes group by all),
running as (
    select account_id, day as start,
           lead(day) over (partition by account_id order by day) as stop,
           sum(step) over (partition by account_id order by day rows unbounded preceding)
               as adults
    from net
)
select * from running where stop is not null;

alter table accounts add column adults_at_start integer;
update accounts set adults_at_start = c.adults from counts c
where c.account_id = accounts.account_id and c.start = accounts.start;
alter table accounts rename column stop to "end";
"""

# Runs of pieces with exactly one adult.
_ELIGIBLE = """
with marked as (
    select *, ((lag(adults) over w) is distinct from 1)::int as fresh
    from counts window w as (partition by account_id order by start)
),
numbered as (
    select *, sum(fresh) over (partition by account_id order by start rows unbounded preceding)
               as run
    from marked where adults = 1
)
select account_id, min(start) as start, max(stop) as "end"
from numbered group by account_id, run order by account_id, start
"""


def record(found: Accounts, rng: np.random.Generator) -> pa.Table:
    """The council's record: one row per account and discount award (an account with none has
    one row, its discount columns null), in :data:`tables.COUNCIL_TAX`."""
    accounts = found.accounts
    open_day = np.datetime64(found.open_day, "D")
    account_end = _days(accounts, "end")
    periods = found.eligible
    owner = periods.column("account_id").to_numpy()
    start = _days(periods, "start")
    end = _days(periods, "end")
    n = len(owner)
    applies = rng.random(n) < TAKE_UP
    awarded = start + _lags(rng, START_LAG_DAYS, n)
    detected = rng.random(n) < END_DETECTED
    ended = end + _lags(rng, END_LAG_DAYS, n)
    closes = account_end[owner]
    # Within the account, a second adult ends eligibility; at its end, the account closes.
    stops = np.where(end < closes, np.where(detected, np.minimum(ended, closes), closes), closes)
    # A change the council would make after the as-at date is not in the record yet.
    stops = np.where(stops > open_day - 1, open_day, stops)
    keep = applies & (awarded < end)
    owner, awarded, stops = _merged(owner[keep], awarded[keep], stops[keep])
    return _rows(accounts, owner, awarded, stops, open_day)


def _days(table: pa.Table, name: str) -> np.ndarray:
    values: np.ndarray = table.column(name).to_numpy(zero_copy_only=False)
    return values.astype("datetime64[D]")


def _lags(rng: np.random.Generator, mean: float, n: int) -> np.ndarray:
    return np.round(rng.exponential(mean, n)).astype("timedelta64[D]")


def _merged(
    owner: np.ndarray, start: np.ndarray, stop: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Awards of one account that overlap or touch (a discount not yet ended when the next
    eligibility began) are one award."""
    order = np.lexsort((start, owner))
    owner, start, stop = owner[order], start[order], stop[order]
    if not len(owner):
        return owner, start, stop
    # The latest stop so far within each account, as integers so that a running max works.
    days = stop.astype(np.int64)
    first = np.r_[True, owner[1:] != owner[:-1]]
    offset = np.cumsum(first) * (days.max() - days.min() + 1)
    reach = np.maximum.accumulate(days + offset) - offset
    fresh = first.copy()
    fresh[1:] |= start[1:].astype(np.int64) > reach[:-1]
    group = np.cumsum(fresh) - 1
    ends = np.full(group[-1] + 1, np.iinfo(np.int64).min)
    np.maximum.at(ends, group, days)
    return owner[fresh], start[fresh], ends.astype("datetime64[D]")


def _rows(
    accounts: pa.Table,
    owner: np.ndarray,
    awarded: np.ndarray,
    stops: np.ndarray,
    open_day: np.datetime64,
) -> pa.Table:
    account_ids = accounts.column("account_id").to_numpy()
    without = np.setdiff1d(account_ids, owner)
    row_account = np.r_[owner, without]
    nat = np.full(len(without), np.datetime64("NaT"), dtype="datetime64[D]")
    row_start = np.r_[awarded, nat]
    row_end = np.r_[stops, nat]
    order = np.lexsort((row_start, row_account))
    row_account, row_start, row_end = row_account[order], row_start[order], row_end[order]
    taken = accounts.take(pa.array(row_account))  # account ids are their row numbers
    account_end = _days(taken, "end")
    return pa.table(
        {
            "account_id": taken.column("account_id"),
            "household_id": taken.column("household_id"),
            "address_id": taken.column("address_id"),
            "liable_id": taken.column("liable_id"),
            "joint_id": taken.column("joint_id"),
            "account_start": taken.column("start"),
            "account_end": _open_as_null(account_end, open_day),
            "adults_at_start": taken.column("adults_at_start"),
            "discount_start": pa.array(row_start, pa.date32(), from_pandas=True),
            "discount_end": _open_as_null(row_end, open_day),
        },
        schema=tables.COUNCIL_TAX,
    )


def _open_as_null(days: np.ndarray, open_day: np.datetime64) -> pa.Array:
    known = np.where(days >= open_day, np.datetime64("NaT"), days)
    return pa.array(known, pa.date32(), from_pandas=True)
