"""The PostgreSQL backend: the same small interface as :class:`DuckDBBackend`, over psycopg 3.

The Store's SQL is shared with DuckDB; the dialect differences are handled here and only here:

* placeholders: the portable ``?`` becomes psycopg's ``%s`` and a literal ``%`` becomes ``%%``
  (:func:`to_pyformat`, which leaves quoted literals and identifiers alone);
* tables are looked up in the connection's current schema (``search_path``), so one database can
  hold several stores, e.g. ``postgresql://u@h/db?options=-csearch_path%3Dnews``;
* transactions are explicit (``BEGIN``/``COMMIT``) on an autocommit connection, so a reader never
  sits "idle in transaction" between requests and every save is one transaction;
* read-only opens set ``default_transaction_read_only`` for the session (the server refuses writes,
  not just this code);
* migrations take a transaction-scoped advisory lock, so two processes opening a new database
  at once do not both create the schema.

Unlike DuckDB (one writer process per file), any number of processes may use the same database:
an API server keeps reading while ``realpolitik ingest`` writes, and each reader sees every
article either whole or not at all.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import conninfo as pg_conninfo

from realpolitik.errors import StoreError

_DRIVER = re.compile(r"^(postgres(?:ql)?)\+[a-z0-9]+://", re.IGNORECASE)
_SECRET_KEYS = {"password", "sslpassword"}
_CONNECT_TIMEOUT = 10  # seconds; a URL's own connect_timeout wins


def normalise_url(url: str) -> str:
    """``postgresql+psycopg://...`` (SQLAlchemy style) -> ``postgresql://...`` for libpq."""
    return _DRIVER.sub(lambda m: m.group(1) + "://", url.strip())


def redact(url: str) -> str:
    """The URL without its password, for messages and ``Store.location`` (it is shown and logged)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", url)
    netloc = parts.netloc
    if "@" in netloc:
        creds, host = netloc.rsplit("@", 1)
        if ":" in creds:
            creds = creds.split(":", 1)[0] + ":***"
        netloc = f"{creds}@{host}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(k.lower() in _SECRET_KEYS for k, _ in pairs):
            query = urlencode([(k, "***" if k.lower() in _SECRET_KEYS else v) for k, v in pairs], safe="*")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


@lru_cache(maxsize=1024)
def to_pyformat(statement: str) -> str:
    """Portable ``?`` placeholders -> psycopg's ``%s``; ``%`` -> ``%%``.

    ``?`` and ``%`` inside '...' literals and "..." identifiers are left as they are (a ``%`` in
    a literal is still doubled: psycopg reads the whole string). Our SQL uses no E'' strings,
    dollar quoting or ``?`` operators, which keeps this a one-pass scan. Cached: the Store sends
    the same few dozen statements over and over.
    """
    out: list[str] = []
    quote: str | None = None
    for ch in statement:
        if quote is not None:
            if ch == quote:
                quote = None
            out.append("%%" if ch == "%" else ch)
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    if quote is not None:
        raise StoreError(f"unterminated {quote} in SQL: {statement[:80]!r}")
    return "".join(out)


class PostgresBackend:
    """One psycopg connection (autocommit, explicit transactions) plus the dialect translation."""

    name = "postgresql"
    #: What a failing statement raises; the Store turns these into StoreError.
    errors: tuple[type[BaseException], ...] = (psycopg.Error,)

    def __init__(self, url: str, location: str, read_only: bool) -> None:
        self._url = url
        self.location = location
        self.read_only = read_only
        self._in_transaction = False
        self._con: psycopg.Connection[Any] | None = self._connect()

    @classmethod
    def open(cls, url: str, *, read_only: bool = False) -> PostgresBackend:
        """Connect to the database of ``url`` (a libpq URL: ``postgresql://user:pw@host:port/db``).

        The database itself must exist (creating databases needs rights a store should not
        have); the schema inside it is created and migrated by :func:`realpolitik.store.open_store`.
        """
        url = normalise_url(url)
        return cls(url, redact(url), read_only)

    def _connect(self) -> psycopg.Connection[Any]:
        try:
            params = pg_conninfo.conninfo_to_dict(self._url)
        except psycopg.Error as e:
            raise StoreError(f"{self.location}: not a valid PostgreSQL URL: {e}") from e
        extra: dict[str, Any] = {}
        if "connect_timeout" not in params:
            extra["connect_timeout"] = _CONNECT_TIMEOUT
        if "application_name" not in params:
            extra["application_name"] = "realpolitik"
        try:
            con = psycopg.connect(self._url, autocommit=True, **extra)
        except psycopg.Error as e:
            raise StoreError(f"{self.location}: cannot connect to PostgreSQL: {_explain(e)}") from e
        try:
            if self.read_only:
                con.execute("SET default_transaction_read_only = on")
        except psycopg.Error as e:
            con.close()
            raise StoreError(f"{self.location}: cannot set up the session: {e}") from e
        return con

    @property
    def con(self) -> psycopg.Connection[Any]:
        if self._con is None:
            raise StoreError(f"{self.location}: the store is closed")
        if self._con.broken and not self._in_transaction:
            # The server restarted or the network dropped since the last statement: a long-running
            # reader (the API) reconnects instead of failing every request from now on. Never
            # inside a transaction, whose earlier statements are lost with the old connection.
            self._con.close()
            self._con = self._connect()
        return self._con

    def sql(self, statement: str) -> str:
        """Translate the portable ``?``-placeholder SQL to psycopg's ``%s`` paramstyle."""
        return to_pyformat(statement)

    def execute(self, statement: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement and return all its rows (empty for statements without a result).

        A SELECT outside a transaction that fails because the connection was lost (server
        restart, idle connection dropped) is retried once on a new connection: a read is safe to
        repeat, and a long-running API server should not fail a request for it. Writes are
        never retried (the first attempt may have been applied)."""
        query = self.sql(statement)
        try:
            return self._run(query, params)
        except psycopg.OperationalError:
            con = self._con
            if self._in_transaction or con is None or not con.broken:
                raise
            if statement.lstrip()[:6].upper() != "SELECT":
                raise
        return self._run(query, params)  # self.con reconnects

    def _run(self, query: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        with self.con.cursor() as cur:
            cur.execute(query, list(params))  # type: ignore[arg-type]
            return cur.fetchall() if cur.description else []

    def table_exists(self, table: str) -> bool:
        rows = self.execute(
            "SELECT COUNT(*) FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_name = ?",
            [table],
        )
        return bool(rows[0][0])

    def lock_schema(self) -> None:
        """Serialise migrations between processes (held until the transaction ends). The key is
        per schema, so stores in other schemas of the same database do not wait for each other."""
        self.execute(
            "SELECT pg_advisory_xact_lock(hashtext('realpolitik.schema:' || coalesce(current_schema(), '')))"
        )

    def begin(self) -> None:
        self.con.execute("BEGIN")
        self._in_transaction = True

    def commit(self) -> None:
        try:
            self.con.execute("COMMIT")
        finally:
            self._in_transaction = False

    def rollback(self) -> None:
        self._in_transaction = False
        con = self._con
        if con is not None and con.broken:
            return  # the server already dropped the transaction with the connection
        self.con.execute("ROLLBACK")

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None


def _explain(e: BaseException) -> str:
    """psycopg's message, on one line, plus a hint for the errors users actually meet."""
    msg = " ".join(str(e).split())
    low = msg.lower()
    if "connection refused" in low:
        msg += " (is the server running and listening on that host and port?)"
    elif "does not exist" in low and "database" in low:
        msg += " (create it first, e.g. `createdb`; realpolitik creates tables, not databases)"
    elif "password authentication failed" in low:
        msg += " (check the user and password in the URL)"
    return msg
