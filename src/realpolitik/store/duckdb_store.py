"""The DuckDB backend: a thin connection adapter, the only module that imports duckdb.

All SQL lives in :mod:`realpolitik.store.store` and :mod:`realpolitik.store.schema` and is written
with ``?`` placeholders. Every statement passes through :meth:`DuckDBBackend.execute`; the
PostgreSQL backend (:mod:`realpolitik.store.postgres_store`) provides the same small interface
and turns ``?`` into ``%s`` in its ``sql()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb

from realpolitik.errors import StoreError

MEMORY = ":memory:"


class DuckDBBackend:
    """One DuckDB connection plus explicit transaction control."""

    name = "duckdb"
    #: What a failing statement raises; the Store turns these into StoreError.
    errors: tuple[type[BaseException], ...] = (duckdb.Error,)

    def __init__(self, con: duckdb.DuckDBPyConnection, location: str, read_only: bool) -> None:
        self._con: duckdb.DuckDBPyConnection | None = con
        self.location = location
        self.read_only = read_only

    @classmethod
    def open(cls, location: str, *, read_only: bool = False) -> DuckDBBackend:
        """Open (creating when writable) the database file at ``location``."""
        if location == MEMORY:
            if read_only:
                raise StoreError("an in-memory store cannot be opened read-only")
        else:
            path = Path(location)
            if path.is_dir():
                raise StoreError(f"{location}: is a directory, not a DuckDB database file")
            if read_only and not path.exists():
                raise StoreError(f"{location}: no such store (it is created by a command that writes)")
            if not read_only:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                except OSError as e:
                    raise StoreError(f"{location}: cannot create its directory: {e}") from e
        try:
            con = duckdb.connect(location, read_only=read_only)
        except duckdb.Error as e:
            raise StoreError(f"{location}: cannot open the store: {_explain(e)}") from e
        return cls(con, location, read_only)

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise StoreError(f"{self.location}: the store is closed")
        return self._con

    def sql(self, statement: str) -> str:
        """Translate the portable ``?``-placeholder SQL to this driver's paramstyle (DuckDB: as is)."""
        return statement

    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement and return all its rows (empty for statements without a result)."""
        cur = self.con.execute(self.sql(statement), list(params))
        return cur.fetchall() if cur.description else []

    def insert_rows(
        self, table: str, cols: Sequence[str], rows: list[tuple[Any, ...]], suffix: str = ""
    ) -> None:
        """``INSERT INTO table (cols) SELECT ... ON ...`` from an Arrow table of ``rows``: binding
        thousands of parameters of a multi-row VALUES costs DuckDB several times more (a batch
        of 32 articles: 0.3 s against 0.06 s). Table and column names are the Store's constants."""
        import pyarrow as pa

        try:
            data = pa.table({col: pa.array([row[i] for row in rows]) for i, col in enumerate(cols)})
        except (pa.ArrowException, UnicodeError, ValueError, TypeError):
            # Arrow refuses what a bound parameter may carry (mixed types, lone surrogates):
            # the caller's portable path reports it as such.
            raise NotImplementedError from None
        view = "_realpolitik_rows"
        names = ", ".join(cols)
        self.con.register(view, data)
        try:
            self.con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM {view}{suffix}")
        finally:
            self.con.unregister(view)

    def table_exists(self, table: str) -> bool:
        rows = self.execute("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = ?", [table])
        return bool(rows[0][0])

    def lock_schema(self) -> None:
        """Nothing to do: DuckDB lets one process write a file, so no other can migrate it meanwhile."""

    def begin(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def commit(self) -> None:
        self.con.execute("COMMIT")

    def rollback(self) -> None:
        self.con.execute("ROLLBACK")

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


def _explain(e: BaseException) -> str:
    """DuckDB's message plus a hint for the errors users actually meet."""
    msg = str(e)
    low = msg.lower()
    if "lock" in low:
        msg += " (another process is using it; DuckDB allows one writer: use a read-only command or wait)"
    elif "different configuration" in low:
        msg += " (this process already has it open with another read_only setting)"
    return msg
