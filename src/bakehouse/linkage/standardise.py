"""From the custodian zone's identifiers to the two tables linkage works on, in SQL on DuckDB.

- ``lk_records``: one row per person named in an accepted record (a benefit claim names the
  claimant and a partner), with the street address standardised and the identity it carries.
- ``lk_identities``: one row per distinct identity (the same standardised names, date of birth,
  sex, numbers, address and postcode). A child's school census rows repeat one identity year after
  year, so Splink compares a few hundred thousand identities instead of a million records.

Ingestion has already standardised names, postcodes and numbers (``bakehouse.custody.
identifiers``). What is added here is what linkage alone needs: the street line cut to house
number and street with descriptors written out in full, the first forename, the forename's
nickname groups, the date of birth as text, with day and month swapped, and in either order.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow as pa
import yaml

from bakehouse.errors import ConfigError
from bakehouse.linkage.config import LinkageSettings

IDENTITY_COLUMNS = (
    "forename",
    "surname",
    "dob",
    "sex",
    "nhs_number",
    "upn",
    "nino",
    "address_key",
    "postcode",
)
# Columns ingestion may add to the custodian zone's identifiers: a reference number with the
# scope within which it is comparable, and the house number it parsed from the address. Linkage
# uses them when the table has them; without them the prepared tables hold NULL.
OPTIONAL_COLUMNS = ("reference", "house_number")
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _load_yaml(path: Path, key: str) -> object:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, yaml.YAMLError, UnicodeDecodeError):
        raise ConfigError("Cannot read this linkage list as YAML", file=path) from None
    if not isinstance(data, dict) or key not in data:
        raise ConfigError(f"Expected a top-level `{key}:`", file=path, field=key)
    return data[key]


def _word(value: object, path: Path, field: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("Expected a word", file=path, field=field)
    return " ".join(value.upper().split())


def nickname_groups(path: Path) -> pa.Table:
    """(name, formal) pairs: every name of a group maps to the group's first (formal) name."""
    groups = _load_yaml(path, "groups")
    if not isinstance(groups, list):
        raise ConfigError("`groups` must be a list of lists of names", file=path, field="groups")
    names: list[str] = []
    formals: list[str] = []
    for index, group in enumerate(groups):
        if not isinstance(group, list) or len(group) < 2:
            raise ConfigError(
                "Each group lists a formal name and at least one variant",
                file=path,
                field=f"groups.{index}",
            )
        words = [_word(name, path, f"groups.{index}") for name in group]
        for name in words:
            names.append(name)
            formals.append(words[0])
    return pa.table({"name": names, "formal": formals})


def street_words(path: Path) -> pa.Table:
    """(written, descriptor) pairs: each descriptor maps to itself and its abbreviations to it."""
    descriptors = _load_yaml(path, "descriptors")
    if not isinstance(descriptors, dict):
        raise ConfigError("`descriptors` must map words to abbreviations", file=path)
    written: list[str] = []
    words: list[str] = []
    for word, abbreviations in descriptors.items():
        full = _word(word, path, f"descriptors.{word}")
        if abbreviations is None:
            abbreviations = []
        if not isinstance(abbreviations, list):
            raise ConfigError("Expected a list of abbreviations", file=path, field=str(word))
        for form in [full, *abbreviations]:
            written.append(_word(form, path, f"descriptors.{word}"))
            words.append(full)
    return pa.table({"written": written, "word": words})


def prepare(
    con: duckdb.DuckDBPyConnection, settings: LinkageSettings, identifiers: str
) -> dict[str, int]:
    """Build ``lk_records`` and ``lk_identities`` (TEMP tables) from ``identifiers`` (a fixed
    internal name such as ``c.identifiers``). Returns counts for the report."""
    con.register("lk_words_arrow", street_words(settings.resolve(settings.addresses.street_words)))
    con.register("lk_nick_arrow", nickname_groups(settings.resolve(settings.persons.nicknames)))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE lk_words AS SELECT map(list(written), list(word)) AS m, "
        "list(DISTINCT word) AS words FROM (SELECT DISTINCT written, word FROM lk_words_arrow)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE lk_nick AS SELECT name, list(DISTINCT formal ORDER BY "
        "formal) AS formals FROM lk_nick_arrow GROUP BY name"
    )
    excluded = [name for name, options in settings.sources.items() if not options.persons]
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE lk_source_rows AS
        SELECT * FROM {identifiers} WHERE NOT list_contains($excluded, source)""",  # noqa: S608
        {"excluded": excluded},
    )
    # Street lines: descriptors written out in full, then cut after the last descriptor (what
    # follows it is a town or locality that some agencies add and others do not).
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_address AS
        WITH a AS (SELECT DISTINCT address FROM lk_source_rows WHERE address IS NOT NULL),
        t AS (SELECT address, words,
                list_transform(string_split(address, ' '), lambda x: coalesce(m[x], x)) AS toks
              FROM a CROSS JOIN lk_words),
        u AS (SELECT address, toks,
                list_position(list_reverse(list_transform(toks, lambda x: list_contains(words, x))),
                              true) AS from_end
              FROM t)
        SELECT address,
          nullif(CASE WHEN from_end IS NULL OR from_end = len(toks) THEN array_to_string(toks, ' ')
               ELSE array_to_string(toks[1:len(toks) - from_end + 1], ' ') END, '') AS address_key
        FROM u"""
    )
    present = _optional_columns(con, identifiers)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE lk_records AS
        SELECT row_number() OVER (ORDER BY i.token, i.person_role) AS rid, i.token, i.source,
          i.person_role, i.forename, i.surname, i.dob, i.sex, i.nhs_number, i.upn, i.nino,
          a.address_key, i.postcode, i.lsoa11cd, i.event_date,
          {_optional_select(present)},
          {_identity_key_of_row(present)} AS identity_key
        FROM lk_source_rows i LEFT JOIN lk_address a USING (address)"""  # noqa: S608
    )
    columns = (*IDENTITY_COLUMNS, *OPTIONAL_COLUMNS)
    con.execute(
        f"""CREATE OR REPLACE TEMP TABLE lk_identities AS
        SELECT dense_rank() OVER (ORDER BY identity_key) AS unique_id, identity_key,
          {", ".join(columns[:2])}, CAST(dob AS VARCHAR) AS dob,
          {", ".join(columns[3:])}, n_records
        FROM (SELECT identity_key, {", ".join(columns)}, count(*) AS n_records
              FROM lk_records GROUP BY ALL)"""  # noqa: S608
    )
    con.execute(
        """CREATE OR REPLACE TEMP TABLE lk_link_input AS
        SELECT i.unique_id, i.forename,
          nullif(split_part(i.forename, ' ', 1), '') AS forename_first,
          list_distinct(list_concat([split_part(i.forename, ' ', 1)], coalesce(n.formals, [])))
            AS forename_names,
          i.surname, i.dob,
          CASE WHEN day(CAST(i.dob AS DATE)) <= 12
                AND day(CAST(i.dob AS DATE)) <> month(CAST(i.dob AS DATE))
               THEN strftime(make_date(year(CAST(i.dob AS DATE)), day(CAST(i.dob AS DATE)),
                                       month(CAST(i.dob AS DATE))), '%Y-%m-%d') END
            AS dob_swapped,
          CASE WHEN i.dob IS NOT NULL THEN left(i.dob, 5)
               || lpad(CAST(least(month(CAST(i.dob AS DATE)), day(CAST(i.dob AS DATE)))
                            AS VARCHAR), 2, '0') || '-'
               || lpad(CAST(greatest(month(CAST(i.dob AS DATE)), day(CAST(i.dob AS DATE)))
                            AS VARCHAR), 2, '0') END AS dob_any_order,
          least(left(i.forename, 1), left(i.surname, 1))
            || greatest(left(i.forename, 1), left(i.surname, 1)) AS initials,
          nullif(split_part(i.forename, ' ', 1), '') || ' ' || i.surname AS full_name,
          left(i.dob, 4) AS birth_year,
          i.sex, i.nhs_number, i.upn, i.nino, i.reference, i.address_key AS address,
          coalesce(i.house_number,
                   nullif(regexp_extract(i.address_key, '^([0-9]+[A-Z]?) ', 1), ''))
            AS house_number,
          i.postcode,
          CASE WHEN i.postcode IS NOT NULL THEN left(i.postcode, length(i.postcode) - 2) END
            AS postcode_sector
        FROM lk_identities i LEFT JOIN lk_nick n ON n.name = split_part(i.forename, ' ', 1)
        ORDER BY i.unique_id"""
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE lk_record_identity AS SELECT r.rid, i.unique_id "
        "FROM lk_records r JOIN lk_identities i USING (identity_key)"
    )
    for name in ("lk_words_arrow", "lk_nick_arrow"):
        con.unregister(name)
    counts = con.execute(
        "SELECT (SELECT count(*) FROM lk_records), (SELECT count(*) FROM lk_identities), "
        "(SELECT count(DISTINCT address) FROM lk_source_rows), "
        "(SELECT count(DISTINCT address_key) FROM lk_address)"
    ).fetchall()[0]
    return {
        "records": int(counts[0]),
        "identities": int(counts[1]),
        "address_lines": int(counts[2]),
        "street_addresses": int(counts[3]),
    }


def _optional_columns(con: duckdb.DuckDBPyConnection, identifiers: str) -> set[str]:
    """Which of the optional identifier columns the custodian zone's table has."""
    names = {column[0] for column in con.sql(f"SELECT * FROM {identifiers} LIMIT 0").description}  # noqa: S608
    present = set()
    if "reference_number" in names:
        present.add("reference")
    if "house_number" in names:
        present.add("house_number")
    return present


def _optional_select(present: set[str]) -> str:
    # Numbers are comparable only within one scope, so the scope is part of the value compared.
    reference = (
        "CASE WHEN nullif(trim(i.reference_number), '') IS NOT NULL THEN coalesce("
        "i.reference_scope, '') || ':' || upper(trim(i.reference_number)) END"
        if "reference" in present
        else "NULL::VARCHAR"
    )
    house = (
        "nullif(upper(trim(CAST(i.house_number AS VARCHAR))), '')"
        if "house_number" in present
        else "NULL::VARCHAR"
    )
    return f"{reference} AS reference, {house} AS house_number"


def _identity_key_of_row(present: set[str]) -> str:
    """A hash of the identity a row carries. Optional columns count only when the table has
    them, so that identities (and the person ids derived from them) do not change when it has
    not."""
    parts = []
    for name in IDENTITY_COLUMNS:
        column = "a.address_key" if name == "address_key" else f"i.{name}"
        parts.append(f"coalesce(CAST({column} AS VARCHAR), chr(0))")
    parts += [f"coalesce({name}, chr(0))" for name in OPTIONAL_COLUMNS if name in present]
    return f"md5(concat_ws(chr(31), {', '.join(parts)}))"
