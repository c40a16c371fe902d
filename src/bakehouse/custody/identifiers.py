"""Identifier standardisation and keyed hashing, as DuckDB macros.

The same macros standardise identifiers at ingestion, the searches of a subject access request,
and the opt-out and erasure registers, so a value is always standardised the same way. They are
installed as TEMPORARY macros on one connection, with the key in a temporary table: nothing of
the key is ever written to a database file.

Standard forms (what linkage receives):
- names: upper case, accents removed, apostrophes dropped, other non-letters to one space;
- postcode: upper case, ``SS14 1AA`` form, null unless it has the shape of a UK postcode;
- NHS number: 10 digits with a valid modulus 11 check digit, else null;
- UPN: 13 characters with a valid DfE check letter, else null;
- NINO: two letters, six digits and an optional suffix A-D, spaces removed, else null;
- address: upper case, accents removed, punctuation to one space;
- reference number: trimmed, upper case, inner spaces to one, leading zeros kept;
- house number: trimmed, upper case, inner spaces to one (``12A``, ``FLAT 3``).
"""

from __future__ import annotations

import duckdb

from bakehouse.custody.keys import CustodianKey

TOKEN_CHARS = 32

# The custodian zone's identifier table, one row per person named in a record. Linkage reads it.
IDENTIFIER_COLUMNS: tuple[tuple[str, str], ...] = (
    ("token", "VARCHAR"),
    ("source", "VARCHAR"),
    ("person_role", "VARCHAR"),
    ("forename", "VARCHAR"),
    ("surname", "VARCHAR"),
    ("dob", "DATE"),
    ("sex", "VARCHAR"),
    ("nhs_number", "VARCHAR"),
    ("upn", "VARCHAR"),
    ("nino", "VARCHAR"),
    # A local or other reference number: trimmed, upper case, leading zeros kept. Its scope is
    # the source id, or the scope name the sources sharing the same numbers declare.
    ("reference_number", "VARCHAR"),
    ("reference_scope", "VARCHAR"),
    ("address", "VARCHAR"),
    ("house_number", "VARCHAR"),
    ("postcode", "VARCHAR"),
    ("lsoa11cd", "VARCHAR"),
    ("event_date", "DATE"),
    ("raw", "JSON"),
)

_POSTCODE_SHAPE = r"[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}"
_UPN_LETTERS = "ABCDEFGHJKLMNPQRTUVWXYZ"
_NHS_SUM = " + ".join(
    f"coalesce(TRY_CAST(substr(d, {i}, 1) AS BIGINT), 0) * {11 - i}" for i in range(1, 10)
)
# UPN characters 2-13 weighted 2-13; character 13 may be a letter, valued by its place in the
# check letters (A = 0), as temporary UPNs have.
_UPN_SUM = " + ".join(
    f"coalesce(TRY_CAST(substr(u, {i}, 1) AS BIGINT), "
    f"strpos('{_UPN_LETTERS}', substr(u, {i}, 1)) - 1) * {i}"
    for i in range(2, 14)
)

_MACROS = [
    # names
    r"""bh_name(x) AS nullif(trim(regexp_replace(regexp_replace(upper(strip_accents(x)),
        '[''`’‘]', '', 'g'), '[^A-Z]+', ' ', 'g')), '')""",
    r"""bh_first_name(x) AS nullif(split_part(bh_name(x), ' ', 1), '')""",
    r"""bh_full_surname_first_surname(x) AS
        CASE WHEN contains(x, ',') THEN bh_name(split_part(x, ',', 1)) ELSE bh_name(x) END""",
    r"""bh_full_surname_first_forename(x) AS
        CASE WHEN contains(x, ',') THEN bh_name(substr(x, strpos(x, ',') + 1)) END""",
    r"""bh_full_forename_first_surname(x) AS
        nullif(regexp_extract(bh_name(x), '([A-Z]+)$', 1), '')""",
    r"""bh_full_forename_first_forename(x) AS
        nullif(trim(regexp_replace(bh_name(x), '[A-Z]+$', '')), '')""",
    # postcodes and addresses
    r"""bh_postcode_compact(x) AS
        upper(regexp_replace(coalesce(x, ''), '[^A-Za-z0-9]', '', 'g'))""",
    rf"""bh_postcode(x) AS CASE WHEN regexp_full_match(bh_postcode_compact(x), '{_POSTCODE_SHAPE}')
        THEN left(bh_postcode_compact(x), length(bh_postcode_compact(x)) - 3) || ' '
             || right(bh_postcode_compact(x), 3) END""",
    r"""bh_address(x) AS
        nullif(trim(regexp_replace(upper(strip_accents(x)), '[^A-Z0-9]+', ' ', 'g')), '')""",
    r"""bh_reference(x) AS nullif(upper(trim(regexp_replace(x, '\s+', ' ', 'g'))), '')""",
    r"""bh_house_number(x) AS nullif(upper(trim(regexp_replace(x, '\s+', ' ', 'g'))), '')""",
    r"""bh_postcode_in(x) AS bh_postcode(regexp_extract(upper(x),
        '([A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})[^A-Z0-9]*$', 1))""",
    r"""bh_address_without_postcode(x) AS bh_address(regexp_replace(upper(x),
        '[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}[^A-Z0-9]*$', ''))""",
    # NHS number: modulus 11; a remainder giving 10 is never valid
    r"""bh_nhs_digits(x) AS regexp_replace(coalesce(x, ''), '[\s-]', '', 'g')""",
    # (written out term by term: list lambdas are several times slower in DuckDB)
    rf"""bh_nhs_valid(d) AS coalesce(regexp_full_match(d, '[0-9]{{10}}')
        AND length(replace(d, left(d, 1), '')) > 0
        AND (11 - ({_NHS_SUM}) % 11) % 11 = TRY_CAST(substr(d, 10, 1) AS INTEGER), false)""",
    r"""bh_nhs(x) AS CASE WHEN bh_nhs_valid(bh_nhs_digits(x)) THEN bh_nhs_digits(x) END""",
    # UPN: check letter = letters[(sum of value x position for positions 2-13) mod 23]
    r"""bh_upn_compact(x) AS upper(regexp_replace(coalesce(x, ''), '[^A-Za-z0-9]', '', 'g'))""",
    rf"""bh_upn_check(u) AS substr('{_UPN_LETTERS}', (({_UPN_SUM}) % 23) + 1, 1)""",
    r"""bh_upn(x) AS CASE WHEN regexp_full_match(bh_upn_compact(x), '[A-Z][0-9]{11}[0-9A-Z]')
        AND left(bh_upn_compact(x), 1) = bh_upn_check(bh_upn_compact(x))
        THEN bh_upn_compact(x) END""",
    # National Insurance number: shape only (test and administrative prefixes are kept)
    r"""bh_nino_compact(x) AS upper(regexp_replace(coalesce(x, ''), '\s', '', 'g'))""",
    r"""bh_nino(x) AS CASE WHEN regexp_full_match(bh_nino_compact(x), '[A-Z]{2}[0-9]{6}[A-D]?')
        THEN bh_nino_compact(x) END""",
    # keyed hashes (HMAC-SHA-256, RFC 2104): tokens and pseudonymous ids under the purpose's
    # sub-key (bh_key), register match keys under the custodian key (bh_match_key), or under
    # any version of it given its padded keys (bh_match_versions)
    r"""bh_hmac(m) AS sha256((SELECT ok FROM temp.main.bh_key)
        || unhex(sha256((SELECT ik FROM temp.main.bh_key) || encode(m))))""",
    rf"""bh_token(parts) AS left(bh_hmac(array_to_string(parts, chr(31))), {TOKEN_CHARS})""",
    r"""bh_keyed_hmac(ik, ok, m) AS sha256(ok || unhex(sha256(ik || encode(m))))""",
    rf"""bh_match_token(ik, ok, parts) AS
        left(bh_keyed_hmac(ik, ok, array_to_string(parts, chr(31))), {TOKEN_CHARS})""",
    # keys for matching a person against the opt-out and erasure registers, under one version
    r"""bh_match_keys_under(ik, ok, forename, surname, dob, nhs, upn, nino) AS list_filter([
        CASE WHEN nhs IS NOT NULL THEN 'nhs:' || bh_match_token(ik, ok, ['match', 'nhs', nhs]) END,
        CASE WHEN upn IS NOT NULL THEN 'upn:' || bh_match_token(ik, ok, ['match', 'upn', upn]) END,
        CASE WHEN nino IS NOT NULL
             THEN 'nino:' || bh_match_token(ik, ok, ['match', 'nino', left(nino, 8)]) END,
        CASE WHEN surname IS NOT NULL AND split_part(forename, ' ', 1) <> '' AND dob IS NOT NULL
             THEN 'nsd:' || bh_match_token(ik, ok, ['match', 'nsd', surname,
                split_part(forename, ' ', 1), strftime(dob, '%Y-%m-%d')]) END
        ], lambda k: k IS NOT NULL)""",
    # ... and under the active version
    r"""bh_match_keys(forename, surname, dob, nhs, upn, nino) AS bh_match_keys_under(
        (SELECT ik FROM temp.main.bh_match_key), (SELECT ok FROM temp.main.bh_match_key),
        forename, surname, dob, nhs, upn, nino)""",
]


def install(con: duckdb.DuckDBPyConnection, key: CustodianKey | None) -> None:
    """Install the standardisation macros and, given a key, the keyed-hash macros (TEMPORARY:
    they and the key vanish with the connection). Tokens are made under ``key.token_key`` (the
    sub-key of the purpose ``key`` is bound to) and register match keys under ``key``: both
    the active version. ``bh_match_versions`` holds every version the key file holds, by
    ``key_id``, to match register entries made before a rotation."""
    for table, used in (("bh_key", key and key.token_key), ("bh_match_key", key)):
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} (ik BLOB, ok BLOB)")
        if used is not None:
            inner, outer = used.pads()
            con.execute(
                f"INSERT INTO temp.main.{table} VALUES ($ik, $ok)",  # noqa: S608 (fixed names)
                {"ik": inner, "ok": outer},
            )
    con.execute("CREATE OR REPLACE TEMP TABLE bh_match_versions (key_id VARCHAR, ik BLOB, ok BLOB)")
    for version in key.versions if key is not None else ():
        inner, outer = version.pads()
        con.execute(
            "INSERT INTO temp.main.bh_match_versions VALUES ($id, $ik, $ok)",
            {"id": version.key_id, "ik": inner, "ok": outer},
        )
    for macro in _MACROS:
        con.execute(f"CREATE OR REPLACE TEMP MACRO {macro}")


def identifier_table_ddl(schema_table: str) -> str:
    """DDL for an identifier table; ``schema_table`` is a fixed internal name, never user input."""
    columns = ", ".join(f"{name} {sql_type}" for name, sql_type in IDENTIFIER_COLUMNS)
    return f"CREATE TABLE IF NOT EXISTS {schema_table} ({columns})"
