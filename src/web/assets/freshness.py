"""Caching what the public sees of the register, never past a write.

Every register table carries database triggers that move ``RegisterVersion.version`` on in the
same transaction as the write: an insert, update or delete by a feed import, an approved
change, a check, ``QuerySet.update()`` (which sends no Django signal) or plain SQL. A cached
page's key holds the version read at the start of the request, so once a write is committed
every later request asks for a new key and the old pages are never read again (they age out).
A request that reads the version and then its records can only see records as new as that
version or newer, so nothing older than the version is stored under its key.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

from web.assets.models import RegisterVersion
from web.assets.records import KINDS

T = TypeVar("T")

# Pages of old versions are never asked for again; they only wait to be culled.
CACHED_SECONDS = 60 * 60
TRIGGER = "assets_register_moved"


class UnsupportedDatabase(Exception):
    """The register's triggers are written for SQLite and PostgreSQL only."""


def register_tables() -> list[str]:
    return sorted(kind.model._meta.db_table for kind in KINDS.values())


def install_triggers(connection: BaseDatabaseWrapper) -> None:
    """Create (or re-create) the triggers on every register table. Idempotent: run after every
    migration, since SQLite drops a table's triggers when a migration rebuilds the table."""
    # Every name below is a model's own table name, quoted by the database's rules.
    version_table = connection.ops.quote_name(RegisterVersion._meta.db_table)
    bump = f"UPDATE {version_table} SET version = version + 1"  # noqa: S608
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for table in register_tables():
                for operation in ("INSERT", "UPDATE", "DELETE"):
                    name = connection.ops.quote_name(f"{TRIGGER}_{table}_{operation.lower()}")
                    cursor.execute(
                        f"CREATE TRIGGER IF NOT EXISTS {name} AFTER {operation} ON "
                        f"{connection.ops.quote_name(table)} BEGIN {bump}; END"
                    )
        elif connection.vendor == "postgresql":
            cursor.execute(
                f"CREATE OR REPLACE FUNCTION {TRIGGER}() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN {bump}; RETURN NULL; END $$"
            )
            for table in register_tables():
                # Once per statement: an import of thousands of rows moves the version a few
                # times, not once per row.
                cursor.execute(
                    f"CREATE OR REPLACE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE OR "
                    f"TRUNCATE ON {connection.ops.quote_name(table)} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {TRIGGER}()"
                )
        else:
            raise UnsupportedDatabase(
                f"The asset register keeps its cache right with triggers written for SQLite and "
                f"PostgreSQL; {connection.vendor} is neither: use one of them."
            )


def current_version() -> int:
    """The register's version now (one query). A missing row (a flushed database) is made
    again, starting from the clock so that no earlier version's key is ever reused."""
    found = RegisterVersion.objects.values_list("version", flat=True).filter(pk=1).first()
    if found is not None:
        return int(found)
    start = time.time_ns() // 1000
    try:
        with transaction.atomic():
            RegisterVersion.objects.create(pk=1, version=start)
    except IntegrityError:
        # Another request made it first.
        return int(RegisterVersion.objects.values_list("version", flat=True).get(pk=1))
    return start


def cached(namespace: str, version: int, parts: Iterable[Any], compute: Callable[[], T]) -> T:
    """``compute()``'s value for ``parts`` at ``version``, computed once and kept in the
    shared cache."""
    digest = hashlib.sha256(repr(tuple(parts)).encode()).hexdigest()
    key = f"assets:{namespace}:{version}:{digest}"
    found = cache.get(key)
    if found is not None:
        value: T = found
        return value
    value = compute()
    cache.set(key, value, CACHED_SECONDS)
    return value
