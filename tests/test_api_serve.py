"""``realpolitik serve`` for real: a uvicorn process over a store file, read-only without a token,
concurrent requests over one DuckDB connection, and the checks done before it starts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import typer
from typer.testing import CliRunner

from realpolitik.api.commands import _port_free, open_for_serving, register
from realpolitik.api.testing import ARTICLES, build_store
from realpolitik.errors import StoreError
from realpolitik.store import open_store, schema

# A one-command Typer app runs it with no command name, as `realpolitik serve` would.
SERVE = (
    "import typer; from realpolitik.api.commands import register; app = typer.Typer(); register(app); app()"
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command()
    def other() -> None:  # a second command, so typer keeps "serve" as a subcommand
        pass

    return app


def test_serve_help_and_bad_options() -> None:
    runner = CliRunner()
    r = runner.invoke(cli(), ["serve", "--help"])
    assert r.exit_code == 0
    for option in ("--db", "--host", "--port", "--max-body", "REALPOLITIK_TOKEN"):
        assert option in r.output
    assert runner.invoke(cli(), ["serve", "--port", "0"]).exit_code == 2
    assert runner.invoke(cli(), ["serve", "--port", "70000"]).exit_code == 2


def test_serve_refuses_missing_store_and_busy_port(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REALPOLITIK_TOKEN", raising=False)
    runner = CliRunner()
    r = runner.invoke(cli(), ["serve", "--db", str(tmp_path / "none.duckdb"), "--port", str(free_port())])
    assert r.exit_code == 1 and "no such store" in r.output
    assert not (tmp_path / "none.duckdb").exists()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        assert _port_free("127.0.0.1", port) is not None
        r = runner.invoke(cli(), ["serve", "--db", str(tmp_path / "x.duckdb"), "--port", str(port)])
        assert r.exit_code == 1 and "cannot listen" in r.output
    assert "cannot resolve" in (_port_free("no-such-host.invalid", 8000) or "")


def test_open_for_serving(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "rp.duckdb"
    with pytest.raises(StoreError, match="no such store"):
        open_for_serving(str(path), writable=False)
    with open_for_serving(str(path), writable=True) as s:  # a token: created, writable
        assert not s.read_only
    # a store made by an older realpolitik is migrated once, then served read-only
    old = tmp_path / "old.duckdb"
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
    open_store(old).close()
    monkeypatch.undo()
    with open_for_serving(str(old), writable=False) as s:
        assert s.read_only and s.schema_version == schema.MIGRATIONS[-1].version


@pytest.fixture
def served(tmp_path: Path):
    """Start `serve` in a process over a hand-built store; yield (base URL, start function)."""
    path = tmp_path / "rp.duckdb"
    build_store(path).close()
    procs: list[subprocess.Popen[str]] = []

    def start(token: str | None) -> str:
        port = free_port()
        env = {k: v for k, v in os.environ.items() if k != "REALPOLITIK_TOKEN"}
        if token:
            env["REALPOLITIK_TOKEN"] = token
        proc = subprocess.Popen(
            [sys.executable, "-c", SERVE, "--db", str(path), "--port", str(port)],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )  # fmt: skip
        procs.append(proc)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                pytest.fail(f"serve exited: {proc.stdout.read() if proc.stdout else ''}")
            try:
                if httpx.get(f"{base}/api/health", timeout=1).status_code == 200:
                    return base
            except httpx.TransportError:
                time.sleep(0.1)
        pytest.fail("serve did not answer in 30 s")

    yield start
    for proc in procs:
        proc.terminate()
        try:
            out, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate()
        assert "Traceback" not in out, out


def test_serve_read_only_then_with_token(served) -> None:
    base = served(None)
    assert httpx.get(f"{base}/api/health").json()["writable"] is False
    r = httpx.post(f"{base}/api/articles/a1/comments", json={"author": "a", "body": "b"}, headers={
        "Authorization": "Bearer anything"})  # fmt: skip
    assert r.status_code == 403
    page = httpx.get(f"{base}/")
    assert page.status_code == 200 and "read-only" in page.text
    assert httpx.get(f"{base}/static/app.js").status_code == 200
    assert httpx.get(f"{base}/static/../../pyproject.toml").status_code == 404


def test_serve_concurrent_requests(served) -> None:
    base = served("tok")
    auth = {"Authorization": "Bearer tok"}
    urls = ["/api/events?limit=5", "/api/articles?q=china", "/api/network", "/api/dyads/CHN/USA/series",
            "/api/actors", "/", "/articles/a1", "/api/alignment"]  # fmt: skip

    def read(i: int) -> int:
        with httpx.Client(base_url=base, timeout=30) as c:
            return c.get(urls[i % len(urls)]).status_code

    def write(i: int) -> int:
        with httpx.Client(base_url=base, timeout=30) as c:
            return c.post(
                "/api/articles/a2/comments", json={"author": f"t{i}", "body": f"note {i}"}, headers=auth
            ).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        reads = list(pool.map(read, range(48)))
        writes = list(pool.map(write, range(16)))
    assert reads == [200] * 48 and writes == [201] * 16
    comments = httpx.get(f"{base}/api/articles/a2/comments").json()["items"]
    assert sorted(c["body"] for c in comments) == sorted(f"note {i}" for i in range(16))
    assert httpx.get(f"{base}/api/stats").json()["articles"] == len(ARTICLES)
