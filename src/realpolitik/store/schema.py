"""Schema migrations: numbered SQL files applied in order, each in its own transaction.

``migrations/NNNN_name.sql`` is migration ``NNNN``. The ``schema_meta`` table has one row per
applied migration; the schema version of a database is the highest applied version. Opening an
older database migrates it; a database newer than this code is refused (old code must not write
into a schema it does not know).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from typing import Any, Protocol

from realpolitik.errors import StoreError

_FILE = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_COMMENT = re.compile(r"--[^\n]*")


class Backend(Protocol):
    """What migrations and the Store need from a connection adapter (duckdb_store.DuckDBBackend,
    postgres_store.PostgresBackend)."""

    name: str
    location: str
    read_only: bool
    errors: tuple[type[BaseException], ...]

    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]: ...
    def table_exists(self, table: str) -> bool: ...
    def lock_schema(self) -> None: ...
    def begin(self) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    def close(self) -> None: ...


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


def split_statements(sql: str) -> tuple[str, ...]:
    """Split a migration file on ``;`` after dropping ``--`` comments (our files hold no string literals
    with ``;`` or ``--``, which keeps this simple and portable)."""
    body = _COMMENT.sub("", sql)
    return tuple(s.strip() for s in body.split(";") if s.strip())


def load_migrations() -> list[Migration]:
    """The migrations shipped in ``migrations/``, by version; versions must be 1, 2, 3, ..."""
    found: list[Migration] = []
    for entry in resources.files(__package__).joinpath("migrations").iterdir():
        m = _FILE.match(entry.name)
        if m:
            text = entry.read_text(encoding="utf-8")
            found.append(Migration(int(m.group(1)), m.group(2), split_statements(text)))
    found.sort(key=lambda mig: mig.version)
    if [mig.version for mig in found] != list(range(1, len(found) + 1)):
        raise StoreError(f"store migrations are not numbered 1..n: {[mig.version for mig in found]}")
    return found


#: The migration list, read at call time by :func:`migrate` (tests monkeypatch it).
MIGRATIONS: list[Migration] = load_migrations()

META_DDL = (
    "CREATE TABLE IF NOT EXISTS schema_meta ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMP NOT NULL)"
)


def current_version(db: Backend) -> int:
    if not db.table_exists("schema_meta"):
        return 0
    rows = db.execute("SELECT MAX(version) FROM schema_meta")
    return int(rows[0][0] or 0)


def migrate(db: Backend) -> int:
    """Bring ``db`` to the latest schema; return its version. Raises StoreError with the reason."""
    migrations = sorted(MIGRATIONS, key=lambda mig: mig.version)
    latest = migrations[-1].version if migrations else 0
    try:
        version = current_version(db)
    except db.errors as e:
        raise StoreError(f"{db.location}: cannot read the schema version: {e}") from e
    if version > latest:
        raise StoreError(
            f"{db.location}: schema version {version} is newer than this realpolitik supports "
            f"({latest}); upgrade realpolitik to use this store"
        )
    pending = [mig for mig in migrations if mig.version > version]
    if not pending:
        return version
    if db.read_only:
        what = "is not a realpolitik store yet" if version == 0 else f"has schema version {version}"
        raise StoreError(
            f"{db.location}: {what}; this realpolitik needs version {latest}. "
            "Open it once without read-only to create/migrate it"
        )
    for mig in pending:
        try:
            db.begin()
            try:
                # Another process may be migrating the same database (PostgreSQL): wait for it,
                # then skip what it applied.
                db.lock_schema()
                if current_version(db) >= mig.version:
                    db.commit()
                    version = mig.version
                    continue
                db.execute(META_DDL)
                for statement in mig.statements:
                    db.execute(statement)
                db.execute(
                    "INSERT INTO schema_meta (version, name, applied_at) VALUES (?, ?, ?)",
                    [mig.version, mig.name, datetime.now(UTC).replace(tzinfo=None)],
                )
                db.commit()
            except BaseException:
                db.rollback()
                raise
        except db.errors as e:
            raise StoreError(f"{db.location}: migration {mig.version} ({mig.name}) failed: {e}") from e
        version = mig.version
    return version
