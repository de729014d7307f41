"""The PostgreSQL backend: dialect translation, URLs, read-only sessions, concurrent migrations,
reconnection, the API over a PostgreSQL store (answers identical to DuckDB's), and reads that keep
succeeding while ``realpolitik ingest`` writes from another process.

The shared store behaviour is tested on both backends by tests/test_store*.py; this file holds
what is specific to PostgreSQL. Server tests skip, saying why, when PostgreSQL is unavailable
(see tests/store_backends.py and scripts/start-postgres.sh).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import pytest

from realpolitik.api import create_app
from realpolitik.api.testing import ARTICLES, FakePipeline, build_article, build_store
from realpolitik.errors import StoreError
from realpolitik.pipeline import SAVE_BATCH
from realpolitik.store import open_store, schema
from realpolitik.store.postgres_store import normalise_url, redact, to_pyformat

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette suggests httpx2; httpx is what the project pins
    from fastapi.testclient import TestClient

# The fixtures pg_dsn and pg_location (a fresh schema of the test database per test).
pytest_plugins = ["store_backends"]

LATEST = schema.MIGRATIONS[-1].version
CLI = Path(sys.executable).with_name("realpolitik")


# -- dialect translation and URLs (no server needed) ----------------------------------------------


def test_placeholders_become_pyformat() -> None:
    assert to_pyformat("SELECT a FROM t WHERE b = ? AND c IN (?, ?)") == (
        "SELECT a FROM t WHERE b = %s AND c IN (%s, %s)"
    )
    # a literal % is doubled (psycopg would read it as a placeholder), in and out of quotes
    assert to_pyformat("SELECT 5 % 2, 'x%' LIKE ?") == "SELECT 5 %% 2, 'x%%' LIKE %s"
    # ? inside string literals and quoted identifiers is not a placeholder
    assert to_pyformat("SELECT '?', \"odd?col\", ? FROM t") == "SELECT '?', \"odd?col\", %s FROM t"
    assert to_pyformat("SELECT 'it''s ?', ?") == "SELECT 'it''s ?', %s"
    assert to_pyformat("a ILIKE ? ESCAPE '\\'") == "a ILIKE %s ESCAPE '\\'"
    with pytest.raises(StoreError, match="unterminated"):
        to_pyformat("SELECT 'oops")


def test_urls_are_normalised_and_redacted() -> None:
    assert normalise_url(" postgresql+psycopg://u@h/db ") == "postgresql://u@h/db"
    assert normalise_url("postgres://u@h/db") == "postgres://u@h/db"
    assert redact("postgresql://ana:s3cr%40t@db.example:5433/rp") == "postgresql://ana:***@db.example:5433/rp"
    assert redact("postgresql://ana@h/rp") == "postgresql://ana@h/rp"
    hidden = redact("postgresql://h/rp?password=pw&sslmode=require")
    assert "pw" not in hidden and "sslmode=require" in hidden


# -- one store: sessions, migrations, connections -------------------------------------------------


def test_location_hides_the_password(pg_location: str) -> None:
    with open_store(pg_location) as s:
        assert s.location == redact(pg_location)
        assert "***" in s.location and s.location != pg_location


def test_read_only_session_is_enforced_by_the_server(pg_location: str) -> None:
    build_store(pg_location).close()
    with open_store(pg_location, read_only=True) as s:
        assert s.count_articles() == len(ARTICLES)
        # below the Store's own check: the server itself refuses to write in this session
        with pytest.raises(StoreError, match="read-only transaction"):
            s._rows("INSERT INTO actors (code, name) VALUES ('XXX', 'x')")
        with pytest.raises(StoreError, match="read-only"):
            s.add_comment("x", author="a", article_id="a1")
        assert s.actor("XXX") is None and s.comments() == []


def test_concurrent_first_opens_migrate_once(pg_location: str) -> None:
    """Several processes opening a new database at once (an API and an ingest): one creates the
    schema, the others wait on the advisory lock and find it done."""
    versions: list[int] = []
    failures: list[BaseException] = []
    start = threading.Barrier(6)

    def opener() -> None:
        try:
            start.wait()
            with open_store(pg_location) as s:
                versions.append(s.schema_version)
        except BaseException as e:  # reported below
            failures.append(e)

    threads = [threading.Thread(target=opener) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert failures == [] and versions == [LATEST] * 6
    with open_store(pg_location) as s:
        assert s._rows("SELECT COUNT(*) FROM schema_meta") == [(LATEST,)]


def test_reconnects_after_the_server_drops_the_connection(pg_location: str) -> None:
    import psycopg

    build_store(pg_location).close()
    with open_store(pg_location, read_only=True) as s:
        pid = s._rows("SELECT pg_backend_pid()")[0][0]
        with psycopg.connect(pg_location, autocommit=True) as admin:  # same role: may terminate it
            admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the backend exits asynchronously
            with psycopg.connect(pg_location, autocommit=True) as admin:
                gone = admin.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = %s", [pid])
                if gone.fetchone() == (0,):
                    break
            time.sleep(0.05)
        # the read is retried on a new connection, transparently
        assert s.count_articles() == len(ARTICLES)
        assert s._rows("SELECT pg_backend_pid()")[0][0] != pid
        assert s._rows("SHOW default_transaction_read_only") == [("on",)]  # still read-only


def test_save_is_invisible_to_readers_until_committed(pg_location: str, monkeypatch: Any) -> None:
    """Another connection sees an article only once its whole transaction has committed."""
    from realpolitik.store.store import Store as StoreImpl

    writer = open_store(pg_location)
    reader = open_store(pg_location, read_only=True)
    seen_midway: list[tuple[int, int, int]] = []
    original = StoreImpl._insert_events

    def peek(self: StoreImpl, events: list[Any]) -> None:
        original(self, events)
        # everything is written inside the writer's transaction; the reader sees none of it
        seen_midway.append((reader.count_articles(), reader.count_events(), len(reader.actors())))

    monkeypatch.setattr(StoreImpl, "_insert_events", peek)
    try:
        writer.save_article(*build_article(ARTICLES[0]))
        assert seen_midway == [(0, 0, 0)]
        assert reader.count_articles() == 1 and reader.count_events() == len(build_article(ARTICLES[0])[2])
    finally:
        writer.close()
        reader.close()


# -- the API over PostgreSQL ----------------------------------------------------------------------

API_READS = [
    "/api/stats",
    "/api/articles?limit=50",
    "/api/articles?q=china%20united&limit=50",
    "/api/articles/a1",
    "/api/articles/a1/related",
    "/api/events?limit=100",
    "/api/events?country=CHN&quad_class=3&limit=100",
    "/api/actors?limit=100",
    "/api/actors/USAGOV",
    "/api/publishers",
    "/api/dyads",
    "/api/dyads/CHN/USA/series",
    "/api/network",
    "/api/corrections",
]


def _get(client: TestClient, url: str) -> Any:
    r = client.get(url)
    assert r.status_code == 200, (url, r.status_code, r.text[:300])
    return r.json()


def _timeless(value: Any) -> Any:
    """``value`` without ``ingested_at`` (the two stores were built a moment apart)."""
    if isinstance(value, dict):
        return {k: _timeless(v) for k, v in value.items() if k != "ingested_at"}
    if isinstance(value, list):
        return [_timeless(v) for v in value]
    return value


def test_api_answers_the_same_on_postgres_and_duckdb(pg_location: str, tmp_path: Path) -> None:
    duck = build_store(tmp_path / "rp.duckdb")
    build_store(pg_location).close()
    pg = open_store(pg_location, read_only=True)  # what `realpolitik serve` does without a token
    try:
        on_duck = TestClient(create_app(duck, pipeline_factory=FakePipeline))
        on_pg = TestClient(create_app(pg, pipeline_factory=FakePipeline))
        assert _get(on_pg, "/api/health")["writable"] is False
        for url in API_READS:
            assert _timeless(_get(on_pg, url)) == _timeless(_get(on_duck, url)), url
        for page in ("/", "/articles", "/events", "/actors", "/dyads", "/network", "/search?q=china"):
            assert on_pg.get(page).status_code == 200, page
        r = on_pg.post("/api/articles/a1/comments", json={"author": "a", "body": "b"})
        assert r.status_code in (401, 403)
    finally:
        duck.close()
        pg.close()


def test_api_writes_to_postgres_with_the_token(pg_location: str) -> None:
    store = build_store(pg_location)
    try:
        client = TestClient(create_app(store, token="t0k", pipeline_factory=FakePipeline))
        auth = {"Authorization": "Bearer t0k"}
        r = client.post("/api/articles/a1/comments", json={"author": "ana", "body": "checked"}, headers=auth)
        assert r.status_code == 201, r.text
        eid = _get(client, "/api/articles/a1")["events"][0]["event_id"]
        r = client.post(
            f"/api/events/{eid}/corrections", json={"action": "reject", "author": "ana"}, headers=auth
        )
        assert r.status_code == 201, r.text
    finally:
        store.close()
    with open_store(pg_location, read_only=True) as s:  # committed, visible to another connection
        assert [c["body"] for c in s.comments(article_id="a1")] == ["checked"]
        assert [c["action"] for c in s.corrections(event_id=eid)] == ["reject"]


# -- reading while another process ingests --------------------------------------------------------

PAIRS = [
    ("China", "the United States"), ("Russia", "Ukraine"), ("India", "Pakistan"), ("France", "Germany"),
    ("Iran", "Israel"), ("Japan", "South Korea"), ("Turkey", "Greece"), ("Brazil", "Argentina"),
    ("Egypt", "Ethiopia"), ("Canada", "Mexico"),
]  # fmt: skip
VERBS = ["accused", "criticized", "praised", "threatened"]


def synthetic_articles(n: int) -> list[dict[str, str]]:
    """Small made-up wire stories, each with a couple of coded events and a distinct text."""
    out = []
    for i in range(n):
        a, b = PAIRS[i % len(PAIRS)]
        verb = VERBS[i % len(VERBS)]
        day = f"2024-{1 + i % 12:02d}-{1 + i % 28:02d}"
        text = (
            f"{a} {verb} {b} on Monday over trade talks number {i}. "
            f"Officials in {b} said {a} had broken an agreement signed in {2000 + i}. "
            f"{a.split()[-1]} and {b.split()[-1]} will meet again next month, a spokesman said."
        )
        out.append(
            {"id": f"syn-{i:03d}", "title": f"{a} {verb} {b}", "date": day, "source": "Synthetic Wire",
             "url": f"https://news.example/{i}", "text": text}
        )  # fmt: skip
    return out


def test_reads_keep_succeeding_while_an_ingest_writes(pg_location: str, tmp_path: Path) -> None:
    if not CLI.exists():
        pytest.skip(f"the realpolitik command is not installed next to {sys.executable}")
    # More articles than one save batch (pipeline.SAVE_BATCH), so that reads fall between commits.
    articles = synthetic_articles(4 * SAVE_BATCH)
    source = tmp_path / "news.jsonl"
    source.write_text("".join(json.dumps(a) + "\n" for a in articles), encoding="utf-8")
    open_store(pg_location).close()  # the schema exists before the reader starts

    reader = open_store(pg_location, read_only=True)  # as `realpolitik serve` holds it
    env = {**os.environ, "REALPOLITIK_DB": ""}
    proc = subprocess.Popen(
        [str(CLI), "ingest", str(source), "--db", pg_location, "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    snapshots: list[dict[str, int]] = []
    reads = 0
    started = time.monotonic()
    try:
        while True:
            done = proc.poll() is not None
            # the API's reads; every one must succeed while the other process writes
            stats = reader.stats()
            reader.events(limit=50, newest_first=True)
            reader.articles(q="said", limit=5)
            reader.top_dyads(5)
            # one statement = one snapshot: each article seen must have ALL its events already
            snap = reader._rows(
                "SELECT a.id, COUNT(e.event_id) FROM articles a "
                "LEFT JOIN events e ON e.article_id = a.id GROUP BY a.id"
            )
            snapshots.append({aid: int(n) for aid, n in snap})
            assert stats["articles"] <= len(articles)
            reads += 1
            if done:
                break
            assert time.monotonic() - started < 240, "ingest took too long"
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
        reader.close()
    assert proc.returncode == 0, (out, err)

    with open_store(pg_location, read_only=True) as s:
        final = {aid: int(n) for aid, n in s._rows(
            "SELECT a.id, COUNT(e.event_id) FROM articles a LEFT JOIN events e ON e.article_id = a.id "
            "GROUP BY a.id"
        )}  # fmt: skip
    assert sorted(final) == [a["id"] for a in articles]
    assert sum(final.values()) > 0, "the ingest coded no event at all"
    sizes = [len(snap) for snap in snapshots]
    assert sizes == sorted(sizes), "an article disappeared between two reads"
    for snap in snapshots:
        for aid, n in snap.items():
            assert n == final[aid], f"read {aid} with {n} of its {final[aid]} events: a save was not atomic"
    assert any(0 < k < len(articles) for k in sizes), (
        f"no read happened while the ingest was writing ({reads} reads, sizes {sorted(set(sizes))})"
    )
