"""Households over time: who lived with whom, at which address, when, following moves.

From each person's records, in date order, with the address ids of :mod:`.addresses`:

1. **Stays.** Consecutive records at one address are a stay. A short return to an address the
   person had already left is a stale address (an agency that had not caught up with a move) and
   is dropped, unless it is the return from a detour (one record at another address between two
   runs at one address): then the person is back home. Records with a postcode and no street
   line (health visiting) count at the person's address with that postcode nearest in time.
2. **Episodes.** At each address, stays that overlap in time (each widened by
   ``coresidence_grace_days``) form an episode: people living there together. The next episode
   at the address joins it when it begins at most ``family_gap_days`` after it ended and shares
   a surname with it: family members seen rarely have stays that do not overlap.
3. **Households.** An episode continues an earlier one when most of the people who moved out of
   the earlier episode went there, and they outnumber those who stayed behind (a family moving
   together; someone seen at the old address again after a detour went, and did not stay);
   otherwise it starts a new household (a young adult leaving home). So a household keeps its
   id, and its history, when it moves.
4. **Membership.** A person belongs to a household from half way between their last record at the
   previous address and their first at the next. The first membership reaches back to when the
   household was first seen (not before the person's date of birth): a child is born into it.
   The last reaches forward ``forward_days`` past the person's last record.
5. **People seen only by postcode** (a baby known to health visiting) join the household seen at
   that postcode at that time with someone of their surname, if exactly one such household exists.

A person with no address at all is a household of their own.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from bakehouse.linkage.config import LinkageSettings


def _observations(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_obs AS
        SELECT r.rid, p.person, r.source, r.postcode, r.event_date, a.address,
               a.address_postcode
        FROM lk_records r JOIN lk_record_person p USING (rid)
        LEFT JOIN lk_record_address a USING (rid)"""
    )
    # A postcode without a street line: the person's address with that postcode nearest in time.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_obs_postcode AS
        WITH only_postcode AS (SELECT rid, person, postcode, event_date FROM lk_obs
                               WHERE address IS NULL AND postcode IS NOT NULL
                               AND event_date IS NOT NULL),
             known AS (SELECT DISTINCT person, address, address_postcode, event_date FROM lk_obs
                       WHERE address IS NOT NULL AND event_date IS NOT NULL)
        SELECT o.rid, arg_min(k.address, (abs(date_diff('day', k.event_date, o.event_date)),
                                          k.address)) AS address
        FROM only_postcode o JOIN known k ON k.person = o.person
          AND k.address_postcode = o.postcode
        GROUP BY o.rid"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_placed AS
        SELECT o.rid, o.person, o.event_date, coalesce(o.address, q.address) AS address
        FROM lk_obs o LEFT JOIN lk_obs_postcode q USING (rid)
        WHERE coalesce(o.address, q.address) IS NOT NULL AND o.event_date IS NOT NULL"""
    )


def _detours(con: duckdb.DuckDBPyConnection, settings: LinkageSettings) -> None:
    """``lk_detours`` (person, run): runs of at most ``detour_max_records`` records at another
    address between two runs at one address. In an alternation (home, other, home, other) each
    run is flanked by another that could be the detour, and there is no home to come back to:
    none of them is one, and the stale address rule reads it as before."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_detours AS
        WITH around AS (SELECT *, n <= $detour AND lag(address) OVER w = lead(address) OVER w
                                  AS candidate
                        FROM lk_runs WINDOW w AS (PARTITION BY person ORDER BY run)),
             flanked AS (SELECT *, lag(candidate) OVER w AS before, lead(candidate) OVER w AS after
                         FROM around WINDOW w AS (PARTITION BY person ORDER BY run))
        SELECT person, run FROM flanked
        WHERE candidate AND NOT coalesce(before, FALSE) AND NOT coalesce(after, FALSE)""",
        {"detour": settings.households.detour_max_records},
    )


def _stays(con: duckdb.DuckDBPyConnection, settings: LinkageSettings) -> None:
    h = settings.households
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_runs AS
        SELECT person, run, address, min(event_date) AS first_seen, max(event_date) AS last_seen,
               count(*) AS n
        FROM (SELECT *, sum(CASE WHEN address IS DISTINCT FROM previous THEN 1 ELSE 0 END)
                        OVER (PARTITION BY person ORDER BY event_date, address, rid
                              ROWS UNBOUNDED PRECEDING) AS run
              FROM (SELECT *, lag(address) OVER (PARTITION BY person
                                                 ORDER BY event_date, address, rid) AS previous
                    FROM lk_placed))
        GROUP BY ALL"""
    )
    _detours(con, settings)
    # The return from a detour is the person back home, not a stale address: dropped, it would
    # leave them at the detour's address from then on. The detour itself is left as recorded:
    # moved to the home around it, its household would rest on the return, a later record.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_runs_kept AS
        SELECT r.* FROM lk_runs r
        WHERE NOT (r.n <= $stale AND EXISTS (SELECT 1 FROM lk_runs e WHERE e.person = r.person
                   AND e.address = r.address AND e.run < r.run)
                   AND NOT EXISTS (SELECT 1 FROM lk_detours d WHERE d.person = r.person
                                   AND d.run = r.run - 1))""",
        {"stale": h.stale_run_max_records},
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_stays AS
        SELECT person, address, min(run) AS stay, min(first_seen) AS first_seen,
               max(last_seen) AS last_seen, sum(n) AS n
        FROM (SELECT *, sum(CASE WHEN address IS DISTINCT FROM previous THEN 1 ELSE 0 END)
                        OVER (PARTITION BY person ORDER BY run ROWS UNBOUNDED PRECEDING) AS g
              FROM (SELECT *, lag(address) OVER (PARTITION BY person ORDER BY run) AS previous
                    FROM lk_runs_kept))
        GROUP BY person, address, g"""
    )
    # Widened for co-residence (s, e) and covering the person's time there (cs, ce).
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_spans AS
        SELECT person, address, stay, first_seen, last_seen, n,
          CAST(greatest(first_seen - to_days($grace),
                        coalesce(lag(last_seen) OVER w + 1, DATE '0001-01-01')) AS DATE) AS s,
          CAST(least(last_seen + to_days($grace),
                     coalesce(lead(first_seen) OVER w - 1, DATE '9999-12-31')) AS DATE) AS e,
          CAST(coalesce(lag(last_seen) OVER w
                        + CAST(date_diff('day', lag(last_seen) OVER w, first_seen) // 2 AS INTEGER),
                        first_seen - to_days($cover)) AS DATE) AS cs,
          CAST(coalesce(last_seen
                        + CAST(date_diff('day', last_seen, lead(first_seen) OVER w) // 2 - 1
                               AS INTEGER),
                        last_seen + to_days($cover)) AS DATE) AS ce
        FROM lk_stays WINDOW w AS (PARTITION BY person ORDER BY stay)""",
        {"grace": h.coresidence_grace_days, "cover": h.coverage_days},
    )


def _episodes(con: duckdb.DuckDBPyConnection, settings: LinkageSettings) -> None:
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_overlapping_stays AS
        SELECT *, CAST(address AS VARCHAR) || ':' || CAST(sum(new_episode)
                  OVER (PARTITION BY address ORDER BY s, person, stay ROWS UNBOUNDED PRECEDING)
                  AS VARCHAR) AS episode
        FROM (SELECT *, CASE WHEN s > max(e) OVER (PARTITION BY address ORDER BY s, person, stay
                                 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING)
                        THEN 1 ELSE 0 END AS new_episode
              FROM lk_spans)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_episode_family AS
        WITH episodes AS (
          SELECT o.address, o.episode, min(o.s) AS s, max(o.e) AS e,
                 list(DISTINCT f.surname) FILTER (WHERE f.surname IS NOT NULL) AS surnames
          FROM lk_overlapping_stays o LEFT JOIN lk_person_facts f USING (person) GROUP BY 1, 2),
        ordered AS (
          SELECT *, lag(e) OVER w AS previous_end, lag(surnames) OVER w AS previous_surnames
          FROM episodes WINDOW w AS (PARTITION BY address ORDER BY s, episode))
        SELECT episode, CAST(address AS VARCHAR) || ':' || CAST(sum(
                 CASE WHEN date_diff('day', previous_end, s) <= $gap
                       AND list_has_any(surnames, previous_surnames) THEN 0 ELSE 1 END)
               OVER (PARTITION BY address ORDER BY s, episode ROWS UNBOUNDED PRECEDING)
               AS VARCHAR) AS family_episode
        FROM ordered""",
        {"gap": settings.households.family_gap_days},
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_episode_stays AS
        SELECT o.* REPLACE (f.family_episode AS episode)
        FROM lk_overlapping_stays o JOIN lk_episode_family f USING (episode)"""
    )


def _chain(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Each episode's household: the household it continues, or itself when it starts one."""
    episodes = con.execute(
        "SELECT episode, min(s) AS start FROM lk_episode_stays GROUP BY 1 ORDER BY start, episode"
    ).fetchall()
    # Moves between episodes: how many people went, and how many stayed behind (seen at the old
    # address after the first of them had moved). Someone who made the move and came back (the
    # return from a detour) did not stay behind: counted so, a person alone at home would never
    # take their household with them on a detour, and its record would leave the household.
    moves = con.execute(
        """WITH steps AS (
             SELECT person, episode, first_seen,
                    lag(episode) OVER (PARTITION BY person ORDER BY stay) AS previous
             FROM lk_episode_stays),
           moved AS (
             SELECT previous, episode, count(*) AS n, min(first_seen) AS moved_at FROM steps
             WHERE previous IS NOT NULL AND previous <> episode GROUP BY ALL)
           SELECT m.previous, m.episode, m.n,
                  (SELECT count(DISTINCT s.person) FROM lk_episode_stays s
                   WHERE s.episode = m.previous AND s.last_seen >= m.moved_at
                     AND NOT EXISTS (SELECT 1 FROM steps t WHERE t.person = s.person
                                     AND t.previous = m.previous AND t.episode = m.episode))
                  AS stayed
           FROM moved m ORDER BY m.previous, m.episode"""
    ).fetchall()
    order = {episode: index for index, (episode, _) in enumerate(episodes)}
    stayed: dict[tuple[str, str], int] = {}
    successors: dict[str, list[tuple[int, str]]] = {}
    predecessors: dict[str, list[tuple[int, str]]] = {}
    for previous, episode, n, behind in moves:
        successors.setdefault(previous, []).append((int(n), episode))
        predecessors.setdefault(episode, []).append((int(n), previous))
        stayed[(previous, episode)] = int(behind)
    # Where most of an episode's movers went; ties go to the earlier episode.
    main = {
        previous: min(found, key=lambda t: (-t[0], order[t[1]]))[1]
        for previous, found in successors.items()
    }
    household: dict[str, str] = {}
    continued: set[str] = set()
    for episode, _ in episodes:
        chosen = None
        for n, previous in sorted(predecessors.get(episode, []), key=lambda t: (-t[0], t[1])):
            if (
                previous in household
                and previous not in continued
                and main.get(previous) == episode
                and n > stayed[(previous, episode)]
            ):
                chosen = previous
                break
        if chosen is None:
            household[episode] = episode
        else:
            household[episode] = household[chosen]
            continued.add(chosen)
    return pa.table({"episode": list(household), "household": list(household.values())})


def _attach_postcode_only(con: duckdb.DuckDBPyConnection, settings: LinkageSettings) -> None:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE lk_attached (person BIGINT, household VARCHAR, "
        "address BIGINT, first_seen DATE, last_seen DATE, n BIGINT)"
    )
    if not settings.households.attach_postcode_only_by_surname:
        return
    con.execute(
        """INSERT INTO lk_attached
        WITH lone AS (
          SELECT o.person, o.postcode, min(o.event_date) AS first_seen,
                 max(o.event_date) AS last_seen, count(*) AS n
          FROM lk_obs o
          WHERE o.person NOT IN (SELECT person FROM lk_episode_households)
            AND o.postcode IS NOT NULL AND o.event_date IS NOT NULL
          GROUP BY ALL),
        found AS (
          SELECT DISTINCT l.person, l.first_seen, l.last_seen, l.n, e.household, e.address
          FROM lone l
          JOIN lk_person_facts d ON d.person = l.person
          JOIN lk_addresses a ON a.postcode = l.postcode
          JOIN lk_episode_households e ON e.address = a.address AND e.s <= l.last_seen
            AND e.e >= l.first_seen
          JOIN lk_person_facts m ON m.person = e.person AND m.surname = d.surname)
        SELECT person, household, address, first_seen, last_seen, n FROM found
        WHERE person IN (SELECT person FROM found GROUP BY person
                         HAVING count(DISTINCT household) = 1)"""
    )


def _memberships(con: duckdb.DuckDBPyConnection, settings: LinkageSettings) -> None:
    h = settings.households
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_member_stays AS
        SELECT person, household, address, stay, first_seen, last_seen, n, cs, ce
        FROM lk_episode_households
        UNION ALL
        SELECT person, household, address, 1, first_seen, last_seen, n,
               CAST(first_seen - to_days($cover) AS DATE), CAST(last_seen + to_days($cover) AS DATE)
        FROM lk_attached""",
        {"cover": h.coverage_days},
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE lk_household_span AS SELECT household, min(cs) AS hs, "
        "max(ce) AS he FROM lk_member_stays GROUP BY 1"
    )
    # First stay of a person in the household reaches back to when the household was first seen
    # (not before birth); the last reaches forward at most forward_days past their last record.
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_memberships AS
        SELECT m.person, m.household, m.address, m.n, m.first_seen, m.last_seen,
          greatest(CASE WHEN m.stay = min(m.stay) OVER (PARTITION BY m.person)
                        THEN least(m.cs, sp.hs) ELSE m.cs END,
                   coalesce(f.dob, DATE '0001-01-01')) AS start_date,
          CASE WHEN m.stay = max(m.stay) OVER (PARTITION BY m.person)
               THEN greatest(m.ce, least(sp.he, CAST(m.last_seen + to_days($forward) AS DATE)))
               ELSE m.ce END AS end_date
        FROM lk_member_stays m JOIN lk_household_span sp USING (household)
        LEFT JOIN lk_person_facts f USING (person)""",
        {"forward": h.forward_days},
    )


def _record_households(con: duckdb.DuckDBPyConnection) -> None:
    """Each record's household: the person's membership on the record's date, else the nearest
    one in time, else (no address at all) the person's own."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_record_household AS
        WITH nearest AS (
          SELECT p.rid, arg_min(m.household, (
                   CASE WHEN r.event_date BETWEEN m.start_date AND m.end_date THEN 0
                        ELSE least(abs(date_diff('day', r.event_date, m.start_date)),
                                   abs(date_diff('day', r.event_date, m.end_date))) END,
                   m.start_date, m.household)) AS household
          FROM lk_record_person p JOIN lk_records r USING (rid)
          JOIN lk_memberships m ON m.person = p.person
          GROUP BY p.rid)
        SELECT p.rid, coalesce(n.household, 'person:' || CAST(p.person AS VARCHAR)) AS household
        FROM lk_record_person p LEFT JOIN nearest n USING (rid)"""
    )


def link_households(con: duckdb.DuckDBPyConnection, settings: LinkageSettings) -> dict[str, int]:
    """From ``lk_records``, ``lk_record_person`` (rid, person) and ``lk_record_address``, build
    ``lk_memberships`` and ``lk_record_household``. Returns counts for the report."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_person_facts AS
        WITH dobs AS (SELECT p.person, r.dob, count(*) AS n FROM lk_record_person p
                      JOIN lk_records r USING (rid) WHERE r.dob IS NOT NULL GROUP BY ALL),
             surnames AS (SELECT p.person, r.surname, count(*) AS n FROM lk_record_person p
                          JOIN lk_records r USING (rid) WHERE r.surname IS NOT NULL
                          GROUP BY ALL),
             people AS (SELECT DISTINCT person FROM lk_record_person)
        -- the most frequent value; ties go to the lowest, so reruns agree
        SELECT people.person,
          (SELECT arg_max(dob, (n, -epoch(dob))) FROM dobs d WHERE d.person = people.person)
            AS dob,
          (SELECT arg_max(surname, (n, surname)) FROM surnames s
           WHERE s.person = people.person) AS surname
        FROM people"""
    )
    _observations(con)
    _stays(con, settings)
    _episodes(con, settings)
    con.register("lk_chain_arrow", _chain(con))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE lk_episode_households AS SELECT s.*, c.household "
        "FROM lk_episode_stays s JOIN lk_chain_arrow c USING (episode)"
    )
    con.unregister("lk_chain_arrow")
    _attach_postcode_only(con, settings)
    _memberships(con, settings)
    _record_households(con)
    row = con.execute(
        """SELECT (SELECT count(*) FROM lk_stays), (SELECT count(DISTINCT episode)
                  FROM lk_episode_stays), (SELECT count(DISTINCT household) FROM lk_memberships),
                  (SELECT count(DISTINCT person) FROM lk_attached),
                  (SELECT count(DISTINCT household) FROM lk_record_household
                   WHERE household LIKE 'person:%')"""
    ).fetchall()[0]
    return {
        "stays": int(row[0]),
        "episodes": int(row[1]),
        "households_with_address": int(row[2]),
        "attached_by_postcode": int(row[3]),
        "people_without_address": int(row[4]),
    }
