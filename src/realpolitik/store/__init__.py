"""STORE stage: the embedded database of articles, actors, mentions and events.

DuckDB today; the SQL is portable and funnelled through one backend adapter so PostgreSQL can
be added with the same schema and the same :class:`Store` code.
"""

from __future__ import annotations

import os
import re

from realpolitik.errors import StoreError
from realpolitik.store.duckdb_store import DuckDBBackend
from realpolitik.store.schema import migrate
from realpolitik.store.store import Store

__all__ = ["Store", "default_db_path", "open_store"]

DEFAULT_DB = "./realpolitik.duckdb"
_PG_URL = re.compile(r"^postgres(ql)?(\+[a-z0-9]+)?://", re.IGNORECASE)
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def default_db_path() -> str:
    """``$REALPOLITIK_DB`` if set (and not empty), else ``./realpolitik.duckdb``."""
    return os.environ.get("REALPOLITIK_DB") or DEFAULT_DB


def open_store(db: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Store:
    """Open the store at ``db`` (default :func:`default_db_path`), creating and migrating it when
    writable. Raises StoreError saying why when it cannot be used."""
    location = os.fspath(db) if db is not None else default_db_path()
    if _PG_URL.match(location):
        raise StoreError(f"{location}: PostgreSQL support is not available yet; use a DuckDB file path")
    if _URL.match(location):
        raise StoreError(f"{location}: unsupported store URL; use a DuckDB file path")
    backend = DuckDBBackend.open(location, read_only=read_only)
    try:
        version = migrate(backend)
    except BaseException:
        backend.close()
        raise
    return Store(backend, version)
