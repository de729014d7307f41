"""``realpolitik serve``: the REST API and the dashboard over a store, with uvicorn.

The lead's cli.py wires it in with ``register(app)``. Writes need ``REALPOLITIK_TOKEN`` in the
environment; without it the store is opened read-only (other processes may then read it too).
"""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Annotated

import typer

from realpolitik.cliutil import fail as _fail

TOKEN_ENV = "REALPOLITIK_TOKEN"


def _port_free(host: str, port: int) -> str | None:
    """None when ``host:port`` can be bound, else why not (checked first for a clear message)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as e:
        return f"cannot resolve host {host!r}: {e.strerror}"
    family, _, _, _, addr = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(addr)
        except OSError as e:
            return f"cannot listen on {host}:{port}: {e.strerror or e}"
    return None


def open_for_serving(db: str | None, writable: bool):
    """The store, writable when the server takes writes; else read-only, migrating it first
    (one short writable open) when it was made by an older realpolitik."""
    from realpolitik.errors import StoreError
    from realpolitik.store import default_db_path, is_postgres_url, open_store

    location = db or default_db_path()
    if writable:
        return open_store(location)
    if not is_postgres_url(location) and not Path(location).exists():
        raise StoreError(
            f"{location}: no such store (create it with `realpolitik ingest`, or set {TOKEN_ENV})"
        )
    try:
        return open_store(location, read_only=True)
    except StoreError as e:
        if "Open it once without read-only" not in str(e):
            raise
    open_store(location).close()  # migrate, then serve read-only
    return open_store(location, read_only=True)


def register(app: typer.Typer) -> None:
    """Add the ``serve`` command to the realpolitik CLI."""

    @app.command()
    def serve(
        db: Annotated[
            str | None,
            typer.Option(
                "--db",
                help="Store: DuckDB file or postgresql:// URL (default $REALPOLITIK_DB).",
            ),
        ] = None,
        host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
        port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8000,
        max_body: Annotated[
            int, typer.Option(min=1024, help="Refuse request bodies over this many bytes (413).")
        ] = 2 * 1024 * 1024,
        allow_private_urls: Annotated[
            bool,
            typer.Option(
                "--allow-private",
                "--allow-private-urls",
                help="Let POST /api/ingest fetch from private and loopback addresses.",
            ),
        ] = False,
    ) -> None:
        """Serve the REST API (/api, docs at /docs) and the dashboard (/) over a store.

        Writes (comments, corrections, ingest) need the token in $REALPOLITIK_TOKEN, sent as
        `Authorization: Bearer TOKEN`; without it the server is read-only.
        """
        import uvicorn

        from realpolitik.api import create_app
        from realpolitik.errors import RealpolitikError

        token = os.environ.get(TOKEN_ENV) or None
        problem = _port_free(host, port)
        if problem:
            raise _fail(problem)
        try:
            store = open_for_serving(db, writable=token is not None)
        except RealpolitikError as exc:
            raise _fail(str(exc)) from None
        shown = f"[{host}]" if ":" in host else host
        mode = "writes accepted with the token" if token else f"read-only (set {TOKEN_ENV} to accept writes)"
        typer.echo(f"realpolitik: serving {store.location}, {mode}")
        typer.echo(
            f"realpolitik: dashboard http://{shown}:{port}/  API http://{shown}:{port}/api  docs /docs"
        )
        try:
            app_ = create_app(store, token=token, max_body=max_body, allow_private_urls=allow_private_urls)
            uvicorn.run(app_, host=host, port=port, log_level="info", server_header=False)
        finally:
            store.close()
