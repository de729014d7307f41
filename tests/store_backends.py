"""Store test fixtures for BOTH backends: the same tests run on a DuckDB file and on PostgreSQL.

Import the fixtures into a test module (``from store_backends import ...  # noqa: F401``):

* ``store_location`` (function scope) and ``store_location_module`` (module scope) are a fresh,
  empty store location, parametrised ``duckdb`` / ``postgresql``: a file path in a temporary
  directory, or a ``postgresql://`` URL whose ``search_path`` is a new schema of its own (dropped
  afterwards), so tests never see each other's tables, even when several test runs share the
  server. Reopening the same location reopens the same store, as with a file.
* ``pg_dsn`` (session) is the test server's DSN; tests that use it skip, saying why, when
  PostgreSQL is unavailable.

The DSN is ``$REALPOLITIK_TEST_PG`` (the Makefile sets it from ``scripts/start-postgres.sh
--env``; set but empty means "no PostgreSQL": skip). When the variable is unset, the script is run
once per session (it installs and starts a private cluster on 127.0.0.1 when it can).
"""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

import pytest

ENV = "REALPOLITIK_TEST_PG"
SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "start-postgres.sh"
BACKENDS = ("duckdb", "postgresql")
SCHEMA_PREFIX = "rptest_"


@cache
def _find_pg() -> tuple[str | None, str]:
    """(DSN, "") when a PostgreSQL server answers, else (None, why). Computed once per session."""
    dsn = os.environ.get(ENV)
    if dsn is None:
        try:
            run = subprocess.run(
                ["bash", str(SCRIPT)], capture_output=True, text=True, timeout=900, check=False
            )
        except (OSError, subprocess.TimeoutExpired) as e:
            return None, f"{SCRIPT.name} could not run: {e}"
        lines = run.stdout.strip().splitlines()
        dsn = lines[-1].strip() if lines else ""
        if not dsn:
            said = " ".join(run.stderr.split())[-300:]
            return None, f"{SCRIPT.name} found no PostgreSQL: {said or 'no output'}"
    elif not dsn.strip():
        return None, f"${ENV} is empty (scripts/start-postgres.sh could not start PostgreSQL)"
    try:
        import psycopg
    except ImportError:
        return None, "psycopg is not installed"
    try:
        with psycopg.connect(dsn, connect_timeout=5, autocommit=True) as con:
            con.execute("SELECT 1")
    except psycopg.Error as e:
        return None, f"PostgreSQL at ${ENV} does not answer: {' '.join(str(e).split())}"
    return dsn.strip(), ""


def with_schema(dsn: str, schema: str) -> str:
    """``dsn`` whose connections use ``schema`` (libpq ``options=-csearch_path=...``)."""
    parts = urlsplit(dsn)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "options"]
    query.append(("options", f"-csearch_path={schema}"))
    return urlunsplit(parts._replace(query=urlencode(query, quote_via=quote)))


@pytest.fixture(scope="session")
def pg_dsn() -> str:
    dsn, why = _find_pg()
    if dsn is None:
        pytest.skip(f"PostgreSQL unavailable: {why}")
    return dsn


class PgSchemas:
    """Creates throwaway schemas in the test database and drops them again."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn

    def _run(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True, connect_timeout=5) as con:
            con.execute("SET lock_timeout = '20s'")
            con.execute(statement)  # type: ignore[arg-type]

    def create(self) -> tuple[str, str]:
        """(schema name, URL of a store in it)."""
        name = SCHEMA_PREFIX + secrets.token_hex(6)
        self._run(f"CREATE SCHEMA {name}")
        return name, with_schema(self.dsn, name)

    def drop(self, name: str) -> None:
        self._run(f"DROP SCHEMA IF EXISTS {name} CASCADE")


def _location(request: pytest.FixtureRequest, directory: Path) -> Iterator[str]:
    if request.param == "duckdb":
        yield str(directory / "rp.duckdb")
        return
    schemas = PgSchemas(request.getfixturevalue("pg_dsn"))
    name, url = schemas.create()
    try:
        yield url
    finally:
        schemas.drop(name)


@pytest.fixture(params=BACKENDS)
def store_location(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new, empty store location on each backend (the store is created by ``open_store``)."""
    yield from _location(request, tmp_path)


@pytest.fixture(scope="module", params=BACKENDS)
def store_location_module(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """As ``store_location``, shared by the tests of a module."""
    yield from _location(request, tmp_path_factory.mktemp("store"))


@pytest.fixture
def pg_location(pg_dsn: str) -> Iterator[str]:
    """A new, empty PostgreSQL store location (skips without PostgreSQL)."""
    schemas = PgSchemas(pg_dsn)
    name, url = schemas.create()
    try:
        yield url
    finally:
        schemas.drop(name)
