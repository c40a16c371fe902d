"""Pseudonymous ids for the analysis zone: keyed hashes (HMAC-SHA-256 under the custodian key, via
the custody macros) of a stable representative, so the same inputs always give the same ids and
nothing in an id can be turned back into an identifier without the key.

- **Person**: the person's lowest NHS number, else UPN, else NINO, else the lowest hash of their
  standardised identity. A person with an NHS number keeps their id when new records arrive.
  Where two persons would share a representative (the same number on records the model kept
  apart), both fall back to their identity hash, so ids never merge what linkage kept apart.
- **Household**: the address and start of the household's first episode and its first member.
- **Address**: the standardised street line and postcode.
"""

from __future__ import annotations

import duckdb


def assign_pseudonyms(con: duckdb.DuckDBPyConnection) -> None:
    """Build ``lk_person_ids`` (person, person_id), ``lk_household_ids`` (household,
    household_id) and ``lk_address_ids`` (address, address_id). Needs the custody macros with the
    key installed on ``con``."""
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_person_ids AS
        WITH numbers AS (
          SELECT p.person, min(r.nhs_number) AS nhs, min(r.upn) AS upn, min(r.nino) AS nino,
                 min(r.identity_key) AS identity
          FROM lk_record_person p JOIN lk_records r USING (rid) GROUP BY 1),
        chosen AS (
          SELECT person, identity,
            CASE WHEN nhs IS NOT NULL THEN ['nhs', nhs] WHEN upn IS NOT NULL THEN ['upn', upn]
                 WHEN nino IS NOT NULL THEN ['nino', nino] ELSE ['identity', identity] END AS rep
          FROM numbers),
        unique_rep AS (
          SELECT person, CASE WHEN count(*) OVER (PARTITION BY rep) > 1
                              THEN ['identity', identity] ELSE rep END AS rep
          FROM chosen)
        SELECT person, bh_token(list_concat(['person'], rep)) AS person_id FROM unique_rep"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_address_ids AS
        SELECT address, bh_token(['address', street, coalesce(postcode, '')]) AS address_id
        FROM lk_addresses"""
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_household_ids AS
        WITH first_episode AS (
          SELECT e.household, arg_min(e.episode, (e.s, e.episode)) AS episode
          FROM lk_episode_households e GROUP BY 1),
        founders AS (
          SELECT f.household, min(a.street) AS street, min(a.postcode) AS postcode,
                 min(e.s) AS start, min(i.person_id) AS first_member
          FROM first_episode f JOIN lk_episode_households e ON e.episode = f.episode
          JOIN lk_addresses a ON a.address = e.address
          JOIN lk_person_ids i ON i.person = e.person
          GROUP BY 1)
        SELECT household, bh_token(['household', street, coalesce(postcode, ''),
                                    CAST(start AS VARCHAR), first_member]) AS household_id
        FROM founders
        UNION ALL
        SELECT DISTINCT h.household, bh_token(['household', 'person', i.person_id])
        FROM lk_record_household h JOIN lk_record_person p USING (rid)
        JOIN lk_person_ids i ON i.person = p.person
        WHERE h.household LIKE 'person:%'"""
    )
