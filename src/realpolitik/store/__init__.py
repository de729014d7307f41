"""STORE stage: the database of articles, actors, mentions and events.

A DuckDB file (embedded, the default) or a PostgreSQL database (``postgresql://...`` URL): the
same schema, migrations and :class:`Store` code for both; each backend adapter
(:mod:`~realpolitik.store.duckdb_store`, :mod:`~realpolitik.store.postgres_store`) only runs
statements and translates the placeholder style.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import TYPE_CHECKING

from realpolitik.errors import StoreError
from realpolitik.store.duckdb_store import MEMORY, DuckDBBackend
from realpolitik.store.schema import Backend, migrate
from realpolitik.store.store import Store

if TYPE_CHECKING:
    from realpolitik.store.postgres_store import PostgresBackend

__all__ = ["Store", "default_db_path", "is_postgres_url", "open_store"]

DEFAULT_DB = "./realpolitik.duckdb"
_PG_URL = re.compile(r"^postgres(ql)?(\+[a-z0-9]+)?://", re.IGNORECASE)
_URL = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)


def default_db_path() -> str:
    """``$REALPOLITIK_DB`` if set (and not empty), else ``./realpolitik.duckdb``."""
    return os.environ.get("REALPOLITIK_DB") or DEFAULT_DB


def is_postgres_url(location: str | os.PathLike[str]) -> bool:
    """``postgresql://``, ``postgres://`` or ``postgresql+driver://``: a PostgreSQL store."""
    return bool(_PG_URL.match(os.fspath(location)))


def open_store(db: str | os.PathLike[str] | None = None, *, read_only: bool = False) -> Store:
    """Open the store at ``db`` (default :func:`default_db_path`), creating and migrating it when
    writable. Raises StoreError saying why when it cannot be used.

    ``db`` is a DuckDB file path or a PostgreSQL URL (``postgresql://user:pw@host:5432/dbname``;
    the database must exist, its tables are created here). Read-only on PostgreSQL makes the
    session read-only on the server."""
    location = os.fspath(db) if db is not None else default_db_path()
    backend: Backend
    if is_postgres_url(location):
        backend = _postgres_backend().open(location, read_only=read_only)
    elif _URL.match(location):
        raise StoreError(f"{location}: unsupported store URL; use a DuckDB file path or a postgresql:// URL")
    else:
        if not read_only and location != MEMORY and not os.path.exists(location):
            _create_duckdb_atomically(location)
        backend = DuckDBBackend.open(location, read_only=read_only)
    try:
        version = migrate(backend)
    except BaseException:
        backend.close()
        raise
    return Store(backend, version)


def _create_duckdb_atomically(location: str) -> None:
    """Create a new DuckDB store under a temporary name, migrate it, then rename it into place.

    A process killed while DuckDB creates a file leaves a few unreadable bytes; had that been the
    store's own name, every later command would fail on it (found by the SIGKILL trials)."""
    path = Path(location)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise StoreError(f"{location}: cannot create its directory: {e}") from e
    tmp = path.with_name(f".{path.name}.creating-{os.getpid()}")
    for leftover in (tmp, tmp.with_name(tmp.name + ".wal"), *_abandoned_creations(path)):
        leftover.unlink(missing_ok=True)
    backend = DuckDBBackend.open(str(tmp))
    try:
        migrate(backend)
    finally:
        backend.close()
    try:
        os.link(tmp, path)  # fails if another process created the store meanwhile: keep theirs
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)


def _abandoned_creations(path: Path) -> list[Path]:
    """Temporary files of creations whose process is gone (killed before it could remove them)."""
    abandoned = []
    for candidate in path.parent.glob(f".{path.name}.creating-*"):
        pid = candidate.name.rsplit("-", 1)[-1].removesuffix(".wal")
        if not pid.isdigit() or int(pid) == os.getpid():
            continue
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            abandoned.append(candidate)
        except OSError:  # alive but another user's: not ours to remove
            continue
    return abandoned


def _postgres_backend() -> type[PostgresBackend]:
    """Imported on first use: DuckDB users need not have psycopg installed."""
    try:
        from realpolitik.store.postgres_store import PostgresBackend
    except ImportError as e:
        raise StoreError(f"PostgreSQL stores need psycopg 3 (pip install 'psycopg[binary]'): {e}") from e
    return PostgresBackend
