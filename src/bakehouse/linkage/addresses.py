"""Addresses: standardised street line and postcode into one id per dwelling.

An address as recorded is the street line (standardised by :mod:`bakehouse.linkage.standardise`)
and the postcode. Two recorded forms are one address when:

- they are the same after standardisation;
- the street lines are the same and the postcodes differ by one character or one is missing (a
  postcode keyed wrongly), and the other form is seen more often;
- the postcodes and house numbers are the same and the street lines are at least
  ``fuzzy_street_similarity`` alike (Jaro-Winkler; a street name keyed wrongly), and the other form
  is seen more often.

Each form moves at most one step, to the most frequent form it resembles, so chains of small
differences cannot join two real addresses.
"""

from __future__ import annotations

import duckdb

from bakehouse.linkage.config import LinkageSettings


def assign_addresses(con: duckdb.DuckDBPyConnection, settings: LinkageSettings) -> dict[str, int]:
    """Build ``lk_addresses`` (address, street, postcode) and ``lk_record_address`` (rid,
    address) from ``lk_records``. Returns counts for the report."""
    households_off = [name for name, o in settings.sources.items() if not o.households]
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_forms AS
        SELECT address_key, postcode,
          nullif(regexp_extract(address_key, '^([0-9]+[A-Z]?) ', 1), '') AS house_number,
          count(*) AS n
        FROM lk_records WHERE address_key IS NOT NULL AND NOT list_contains($off, source)
        GROUP BY ALL""",
        {"off": households_off},
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_form_map AS
        WITH candidates AS (
          SELECT a.address_key, a.postcode, b.address_key AS to_key, b.postcode AS to_postcode,
                 b.n AS to_n
          FROM lk_forms a JOIN lk_forms b ON a.address_key = b.address_key
           AND b.postcode IS NOT NULL AND b.n > a.n
           AND (a.postcode IS NULL OR levenshtein(a.postcode, b.postcode) <= 1)
          UNION ALL
          SELECT a.address_key, a.postcode, b.address_key, b.postcode, b.n
          FROM lk_forms a JOIN lk_forms b ON a.postcode = b.postcode AND a.house_number =
           b.house_number AND a.address_key <> b.address_key AND b.n > a.n
           AND jaro_winkler_similarity(a.address_key, b.address_key) >= $similar)
        SELECT address_key, postcode,
          arg_max(to_key, (to_n, to_key, to_postcode)) AS to_key,
          arg_max(to_postcode, (to_n, to_key, to_postcode)) AS to_postcode
        FROM candidates GROUP BY ALL""",
        {"similar": settings.addresses.fuzzy_street_similarity},
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_form_address AS
        SELECT f.address_key, f.postcode, coalesce(m.to_key, f.address_key) AS street,
          CASE WHEN m.address_key IS NULL THEN f.postcode ELSE m.to_postcode END AS address_postcode
        FROM lk_forms f LEFT JOIN lk_form_map m ON m.address_key = f.address_key
          AND m.postcode IS NOT DISTINCT FROM f.postcode"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_addresses AS
        SELECT dense_rank() OVER (ORDER BY street, address_postcode) AS address, street,
          address_postcode AS postcode
        FROM (SELECT DISTINCT street, address_postcode FROM lk_form_address)"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_record_address AS
        SELECT r.rid, a.address, a.postcode AS address_postcode
        FROM lk_records r
        JOIN lk_form_address f ON f.address_key = r.address_key
          AND f.postcode IS NOT DISTINCT FROM r.postcode
        JOIN lk_addresses a ON a.street = f.street
          AND a.postcode IS NOT DISTINCT FROM f.address_postcode
        WHERE NOT list_contains($off, r.source)""",
        {"off": households_off},
    )
    row = con.execute(
        "SELECT (SELECT count(*) FROM lk_forms), (SELECT count(*) FROM lk_addresses), "
        "(SELECT count(*) FROM lk_form_map)"
    ).fetchall()[0]
    return {"address_forms": int(row[0]), "addresses": int(row[1]), "forms_repaired": int(row[2])}
