"""STORE stage: schema, migrations, atomic saves, duplicate detection, queries and aggregates.

Articles, mentions and events are built by hand from the model dataclasses (no spaCy). Every test
taking ``store``/``store_location`` runs twice: on a DuckDB file and on PostgreSQL (see
tests/store_backends.py; the PostgreSQL runs skip, saying why, without a server).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from realpolitik.errors import StoreError
from realpolitik.models import Actor, ActorRef, Article, CameoCode, Event, Mention, PloverType
from realpolitik.store import Store, default_db_path, is_postgres_url, open_store, schema
from realpolitik.store.store import Store as StoreImpl

# The fixtures store_location (DuckDB and PostgreSQL), pg_location and pg_dsn.
pytest_plugins = ["store_backends"]

CHN = Actor("CHN", "China", "CHN", None, "state")
CHNGOV = Actor("CHNGOV", "Chinese government", "CHN", "GOV", "state")
USA = Actor("USA", "United States", "USA", None, "state")
RUS = Actor("RUS", "Russia", "RUS", None, "state")
UKR = Actor("UKR", "Ukraine", "UKR", None, "state")
UNO = Actor("IGOUNO", "United Nations", None, None, "igo")

# (code, root, name, goldstein, quad)
CAMEO = {
    "036": ("036", "03", "Express intent to meet or negotiate", 4.0, 1),
    "042": ("042", "04", "Make a visit", 1.9, 1),
    "04": ("04", "04", "Consult", 1.0, 1),
    "0841": ("0841", "08", "Return, release person(s)", 7.0, 2),
    "112": ("112", "11", "Accuse", -2.0, 3),
    "1121": ("1121", "11", "Accuse of crime, corruption", -2.0, 3),
    "190": ("190", "19", "Use conventional military force", -10.0, 4),
}


def ref(a: Actor) -> ActorRef:
    return ActorRef(text=a.name, code=a.code, country=a.country, sector=a.sector, name=a.name)


def mention(a: Actor, start: int, sentence_index: int = 0, via: str = "gazetteer") -> Mention:
    return Mention(a.name, start, start + len(a.name), sentence_index, 0, 1, a, via, 0.875)


def event(
    doc: str,
    src: Actor,
    tgt: Actor | None,
    code: str,
    when: date | None,
    *,
    sentence_index: int = 0,
    span: tuple[int, int] = (0, 10),
    polarity: str = "asserted",
    modality: str = "actual",
) -> Event:
    return Event(
        doc_id=doc,
        sentence_index=sentence_index,
        span=span,
        sentence=f"{src.name} did {code} to {tgt.name if tgt else 'nobody'}.",
        date=when,
        source=ref(src),
        target=ref(tgt) if tgt else None,
        cameo=CameoCode(*CAMEO[code]),
        plover=PloverType("ACCUSE" if code.startswith("11") else "CONSULT", "mode-x"),
        polarity=polarity,  # type: ignore[arg-type]
        modality=modality,  # type: ignore[arg-type]
        attribution="Reuters" if code == "112" else None,
        confidence=0.66666,
        trigger="accused",
        date_basis="article" if when else "none",
        coder="lexicon",
    )


def article(
    aid: str,
    text: str,
    *,
    url: str | None = None,
    when: date | None = date(2024, 3, 1),
    publisher: str = "Wire",
    metadata: dict[str, object] | None = None,
) -> Article:
    return Article(
        id=aid, text=text, title=f"Title {aid}", date=when, date_source="given" if when else "none",
        publisher=publisher, url=url, origin=f"in.jsonl:{aid}", metadata=metadata or {},
    )  # fmt: skip


@pytest.fixture
def store(store_location: str) -> Iterator[Store]:
    s = open_store(store_location)
    yield s
    s.close()


def count(s: Store, table: str) -> int:
    return s._rows(f"SELECT COUNT(*) FROM {table}")[0][0]


# -- opening, paths, errors ------------------------------------------------------------------------


def test_open_creates_schema_and_meta(store_location: str) -> None:
    with open_store(store_location) as s:
        assert isinstance(s, StoreImpl)
        assert s.schema_version == LATEST
        assert s._rows("SELECT version, name FROM schema_meta ORDER BY version")[0] == (1, "initial")
        for table in ("articles", "actors", "mentions", "events"):
            assert count(s, table) == 0
    with open_store(store_location) as s:  # reopening does not re-apply anything
        assert s._rows("SELECT COUNT(*) FROM schema_meta") == [(LATEST,)]


def test_open_creates_the_file_and_its_directory(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "rp.duckdb"
    open_store(path).close()
    assert path.is_file()


# The column types the schema may use, as each database names them: TEXT shows as VARCHAR and
# DOUBLE PRECISION as DOUBLE in DuckDB.
PORTABLE_TYPES = {
    "duckdb": {"VARCHAR", "INTEGER", "DOUBLE", "DATE", "TIMESTAMP"},
    "postgresql": {"text", "integer", "double precision", "date", "timestamp without time zone"},
}


def test_schema_uses_only_portable_types(store: Store) -> None:
    types = {
        t
        for (t,) in store._rows(
            "SELECT DISTINCT data_type FROM information_schema.columns WHERE table_schema = current_schema()"
        )
    }
    assert types and types <= PORTABLE_TYPES[store._db.name], types


def test_default_db_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("REALPOLITIK_DB", raising=False)
    assert default_db_path() == "./realpolitik.duckdb"
    monkeypatch.setenv("REALPOLITIK_DB", "/data/x.duckdb")
    assert default_db_path() == "/data/x.duckdb"
    monkeypatch.setenv("REALPOLITIK_DB", "")
    assert default_db_path() == "./realpolitik.duckdb"


def test_open_uses_env_when_no_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REALPOLITIK_DB", str(tmp_path / "env.duckdb"))
    with open_store() as s:
        assert s.location == str(tmp_path / "env.duckdb")
    assert (tmp_path / "env.duckdb").is_file()


def test_not_a_duckdb_file(tmp_path: Path) -> None:
    bad = tmp_path / "notes.duckdb"
    bad.write_text("this is a text file, not a database\n" * 200)
    with pytest.raises(StoreError, match="not a valid DuckDB database"):
        open_store(bad)
    assert bad.read_text().startswith("this is a text file")  # left untouched


@pytest.mark.parametrize(
    "location, message",
    [
        # nothing listens on port 1: a clear StoreError, the password kept out of it
        ("postgresql://user:hunter2@127.0.0.1:1/rp", "user:\\*\\*\\*@127.0.0.1:1/rp: cannot connect to"),
        ("postgres://127.0.0.1:1/rp?connect_timeout=3", "cannot connect to PostgreSQL.*running"),
        ("postgresql+psycopg://127.0.0.1:1/rp", "^postgresql://127.0.0.1:1/rp: cannot connect"),
        ("postgresql://127.0.0.1:1/rp?nonsense=1", "not a valid PostgreSQL URL"),
        ("s3://bucket/rp.duckdb", "unsupported store URL"),
    ],
)
def test_urls(location: str, message: str) -> None:
    with pytest.raises(StoreError, match=message) as info:
        open_store(location)
    assert "hunter2" not in str(info.value)


def test_is_postgres_url() -> None:
    assert is_postgres_url("postgresql://u@h/db") and is_postgres_url("POSTGRES://h/db")
    assert is_postgres_url("postgresql+psycopg://h/db")
    assert not is_postgres_url("rp.duckdb") and not is_postgres_url("/data/postgresql/rp.duckdb")


def test_directory_and_missing_read_only(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a directory"):
        open_store(tmp_path)
    with pytest.raises(StoreError, match="no such store"):
        open_store(tmp_path / "missing.duckdb", read_only=True)
    assert not (tmp_path / "missing.duckdb").exists()


def test_read_only(store_location: str) -> None:
    path = store_location
    with open_store(path) as s:
        s.save_article(
            article("a1", "China met Russia."), [mention(CHN, 0)], [event("a1", CHN, RUS, "036", None)]
        )
    with open_store(path, read_only=True) as s:
        assert s.read_only and s.stats()["articles"] == 1
        with pytest.raises(StoreError, match="read-only"):
            s.save_article(article("a2", "Other text."), [], [])
        assert s.has_article_id("a1") and not s.has_article_id("a2")


def test_second_writer_process_gets_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "rp.duckdb"
    open_store(path).close()
    holder = textwrap.dedent(
        f"""
        import sys, duckdb
        con = duckdb.connect({str(path)!r})
        print("ready", flush=True)
        sys.stdin.read()
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        with pytest.raises(StoreError, match="one writer"):
            open_store(path)
    finally:
        proc.communicate("", timeout=30)


def test_closed_store(store_location: str) -> None:
    with open_store(store_location) as s:
        pass
    s.close()  # idempotent
    with pytest.raises(StoreError, match="closed"):
        s.stats()


# -- saving ----------------------------------------------------------------------------------------


TEXT = "China accused the United States. Russia said nothing. The United Nations met."


def full_article() -> tuple[Article, list[Mention], list[Event]]:
    a = article(
        "doc1", TEXT, url="https://ex.org/1", metadata={"lang": "en", "tags": ["x"], "seen": date(2024, 3, 2)}
    )
    a.attributed_to = "Reuters"
    mentions = [mention(USA, 18), mention(CHN, 0), mention(RUS, 33, 1), mention(UNO, 58, 2, via="ner")]
    events = [
        event("doc1", RUS, None, "112", None, sentence_index=1, span=(33, 52), polarity="negated"),
        event("doc1", CHN, USA, "112", date(2024, 3, 1), span=(0, 31)),
        event("doc1", CHN, USA, "0841", date(2024, 3, 1), span=(6, 14), modality="intended"),
    ]
    return a, mentions, events


def test_save_and_read_back_exact_shapes(store: Store) -> None:
    a, mentions, events = full_article()
    store.save_article(a, mentions, events)

    got = store.article("doc1")
    assert got is not None
    ingested = got.pop("ingested_at")
    assert isinstance(ingested, str) and ingested[:2] == "20"
    assert got == {
        "id": "doc1", "title": "Title doc1", "text": TEXT, "date": "2024-03-01", "date_source": "given",
        "publisher": "Wire", "url": "https://ex.org/1", "attributed_to": "Reuters", "origin": "in.jsonl:doc1",
        "content_hash": a.content_hash, "metadata": {"lang": "en", "tags": ["x"], "seen": "2024-03-02"},
    }  # fmt: skip
    assert store.article("nope") is None

    ms = store.article_mentions("doc1")
    assert [m["start"] for m in ms] == [0, 18, 33, 58]
    assert ms[1] == {
        "text": "United States", "start": 18, "end": 31, "sentence_index": 0, "actor_code": "USA",
        "country": "USA", "sector": None, "name": "United States", "kind": "state", "via": "gazetteer",
        "confidence": 0.875,
    }  # fmt: skip
    assert ms[3]["kind"] == "igo" and ms[3]["country"] is None and ms[3]["via"] == "ner"

    expected = sorted(events, key=lambda e: (e.sentence_index, e.span))
    assert store.article_events("doc1") == [e.to_dict() for e in expected]
    assert store.article_events("doc1")[0]["confidence"] == 0.667
    assert store.article_events("nope") == []


def test_actor_upsert_by_code(store: Store) -> None:
    store.save_article(article("a1", "one"), [mention(CHN, 0), mention(CHN, 10)], [])
    renamed = Actor("CHN", "People's Republic of China", "CHN", None, "state")
    store.save_article(article("a2", "two"), [mention(renamed, 0)], [event("a2", renamed, UKR, "042", None)])
    assert store._rows("SELECT code, name, kind FROM actors ORDER BY code") == [
        ("CHN", "People's Republic of China", "state"),
        ("UKR", "Ukraine", None),  # only seen in an event: recorded, kind unknown
    ]
    # mentions of the first article now report the current actor name
    assert {m["name"] for m in store.article_mentions("a1")} == {"People's Republic of China"}


def test_same_article_twice_is_refused_without_damage(store: Store) -> None:
    a, mentions, events = full_article()
    store.save_article(a, mentions, events)
    before = store.stats()
    changed = article("doc1", "Completely different text.", url="https://ex.org/other")
    with pytest.raises(StoreError, match="already stored"):
        store.save_article(changed, [mention(UKR, 0)], [event("doc1", UKR, RUS, "190", date(2024, 1, 1))])
    with pytest.raises(StoreError, match="already stored"):
        store.save_article(a, mentions, events)
    assert store.stats() == before
    assert store.article("doc1")["text"] == TEXT
    assert len(store.article_events("doc1")) == 3


def test_duplicate_events_in_one_article_stored_once(store: Store) -> None:
    e = event("a1", CHN, USA, "112", None)
    store.save_article(article("a1", "x"), [], [e, event("a1", CHN, USA, "112", None)])
    assert [d["event_id"] for d in store.article_events("a1")] == [e.event_id]


def test_event_of_another_article_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="another article"):
        store.save_article(article("a1", "x"), [], [event("zzz", CHN, USA, "112", None)])
    assert not store.has_article_id("a1")


def _assert_nothing_of(store: Store, aid: str) -> None:
    assert not store.has_article_id(aid)
    assert store.article(aid) is None
    assert count(store, "articles") == 0 and count(store, "mentions") == 0
    assert count(store, "events") == 0 and count(store, "actors") == 0


def test_save_is_atomic_when_python_fails_midway(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    a, mentions, events = full_article()
    reached: list[int] = []

    def boom(self: Store, events: list[Event]) -> None:
        # the article, actors and mentions are written by now, inside the transaction
        reached.append(self._rows("SELECT COUNT(*) FROM mentions")[0][0])
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(StoreImpl, "_insert_events", boom)
    with pytest.raises(StoreError, match="nothing was written: disk on fire"):
        store.save_article(a, mentions, events)
    assert reached == [4]
    _assert_nothing_of(store, "doc1")
    monkeypatch.undo()
    store.save_article(a, mentions, events)  # the store is still usable, the article saves fine
    assert store.stats()["events"] == 3


def test_save_is_atomic_when_the_database_refuses_a_row(store: Store) -> None:
    a, mentions, events = full_article()
    broken = event("doc1", CHN, USA, "190", None, span=(1, 2))
    broken.sentence = None  # type: ignore[assignment]  # NOT NULL violation in the last table written
    with pytest.raises(StoreError, match="cannot save article 'doc1' \\(in.jsonl:doc1\\)"):
        store.save_article(a, mentions, [*events, broken])
    _assert_nothing_of(store, "doc1")


def test_find_duplicate(store: Store) -> None:
    store.save_article(article("a1", "China  accused\nthe United States.", url="https://ex.org/a"), [], [])
    # same URL, different text
    assert store.find_duplicate(article("b", "Other words", url="https://ex.org/a")) == "a1"
    # same text up to case and whitespace, different or no URL
    assert (
        store.find_duplicate(article("c", "  CHINA accused the united   states. ", url="https://x/y")) == "a1"
    )
    assert store.find_duplicate(article("d", "china accused the united states.")) == "a1"
    # new
    assert (
        store.find_duplicate(article("e", "China praised the United States.", url="https://ex.org/b")) is None
    )
    assert store.has_article_id("a1") and not store.has_article_id("c")


def test_admission_lookups_answer_as_one_by_one(store: Store) -> None:
    """Store.admission_lookups (ingest asks 32 articles at a time) gives, for each article,
    find_duplicate and has_article_id, also when two stored articles match (the first stored)."""
    store.save_article(article("a1", "China  accused\nthe United States.", url="https://ex.org/a"), [], [])
    store.save_article(article("a2", "Russia warned Ukraine.", url="https://ex.org/c"), [], [])
    store.save_article(article("a3", "Russia  warned Ukraine.", url="https://ex.org/d"), [], [])
    asked = [
        article("b", "Other words", url="https://ex.org/a"),  # same URL
        article("c", "  CHINA accused the united   states. ", url="https://x/y"),  # same text
        article("d", "russia warned ukraine."),  # the text of two: the first stored
        article("a2", "Something new.", url="https://ex.org/new"),  # a taken id, new text
        article("e", "China praised the United States.", url="https://ex.org/b"),  # new
        article("a1", "Russia warned Ukraine.", url="https://ex.org/a"),  # all at once
    ]
    expected = [(store.find_duplicate(a), store.has_article_id(a.id)) for a in asked]
    assert expected == [
        ("a1", False),
        ("a1", False),
        ("a2", False),
        (None, True),
        (None, False),
        ("a1", True),
    ]
    assert store.admission_lookups(asked) == expected
    assert store.admission_lookups([]) == []


# -- queries ---------------------------------------------------------------------------------------


@pytest.fixture
def loaded(store: Store) -> Store:
    """Three articles, ten events; hand-computed expectations in the tests below."""
    d1, d2, d3 = date(2024, 1, 10), date(2024, 2, 20), date(2024, 3, 30)
    store.save_article(
        article("a1", "one", url="https://ex.org/1", when=d1, publisher="Wire"),
        [mention(CHN, 0), mention(USA, 10), mention(CHNGOV, 20)],
        [
            event("a1", CHN, USA, "112", d1, span=(0, 5)),  # CHN-USA conflict -2
            event("a1", CHNGOV, USA, "1121", d1, span=(6, 9)),  # CHN-USA conflict -2
            event("a1", USA, CHN, "036", d1, span=(10, 15)),  # CHN-USA coop 4
            event("a1", USA, CHN, "190", d1, span=(16, 20), polarity="negated"),  # excluded from dyads
            event("a1", CHNGOV, CHN, "04", d1, span=(21, 25)),  # same country: excluded from dyads
        ],
    )
    store.save_article(
        article("a2", "two", url="https://ex.org/2", when=d2, publisher="Daily"),
        [mention(RUS, 0), mention(UKR, 10), mention(UNO, 20)],
        [
            event("a2", RUS, UKR, "190", d2, span=(0, 5)),  # RUS-UKR conflict -10
            event("a2", UKR, RUS, "0841", d2, span=(6, 9)),  # RUS-UKR coop 7
            event("a2", UNO, RUS, "042", d2, span=(10, 15)),  # no source country: excluded
            event("a2", RUS, None, "112", None, sentence_index=1, span=(0, 4)),  # undated, no target
        ],
    )
    store.save_article(
        article("a3", "three", when=d3, publisher="Wire"),
        [mention(CHN, 0), mention(RUS, 10)],
        [event("a3", RUS, CHN, "042", d3, span=(0, 5))],  # CHN-RUS coop 1.9
    )
    return store


def ids(rows: list[dict[str, Any]]) -> list[tuple[str, str, str | None]]:
    return [(r["doc_id"], r["source"]["code"], r["target"]["code"] if r["target"] else None) for r in rows]


def test_events_shape_and_order(loaded: Store) -> None:
    rows = loaded.events()
    assert len(rows) == 10
    assert [r["date"] for r in rows] == ["2024-01-10"] * 5 + ["2024-02-20"] * 3 + ["2024-03-30", None]
    for r in rows:
        art = r.pop("article")
        assert set(art) == {"title", "publisher", "url"} and art["title"] == f"Title {r['doc_id']}"
    by_id = {r["event_id"]: r for r in rows}
    for aid in ("a1", "a2", "a3"):
        for d in loaded.article_events(aid):
            assert by_id[d["event_id"]] == d
    first = loaded.events(limit=1)[0]
    assert first["article"] == {"title": "Title a1", "publisher": "Wire", "url": "https://ex.org/1"}


def test_events_filters(loaded: Store) -> None:
    ev = loaded.events
    # actor: code prefix on source or target, case-insensitive
    assert len(ev(actor="CHN")) == 6
    assert len(ev(actor="chngov")) == 2
    assert ids(ev(actor="IGO")) == [("a2", "IGOUNO", "RUS")]
    assert ev(actor="CHNMIL") == []
    # country on source or target
    assert len(ev(country="RUS")) == 5
    assert len(ev(country="usa")) == 4
    # root and code prefix
    assert len(ev(root="11")) == 3
    assert ids(ev(root="4")) == [("a1", "CHNGOV", "CHN"), ("a2", "IGOUNO", "RUS"), ("a3", "RUS", "CHN")]
    assert len(ev(code="112")) == 3  # 112 and 1121
    assert len(ev(code="1121")) == 1
    assert len(ev(code="04")) == 3  # 04, 042, 042
    # dates, inclusive; undated events never match a date bound
    assert len(ev(since=date(2024, 2, 20))) == 4
    assert len(ev(until=date(2024, 2, 20))) == 8
    assert len(ev(since=date(2024, 2, 1), until=date(2024, 2, 28))) == 3
    # document, negation
    assert len(ev(doc_id="a2")) == 4
    assert len(ev(include_negated=False)) == 9
    assert all(r["polarity"] == "asserted" for r in ev(include_negated=False))
    # combined
    assert ids(ev(actor="RUS", root="19", since=date(2024, 2, 1))) == [("a2", "RUS", "UKR")]
    assert ids(ev(country="CHN", include_negated=False, root="19")) == []


def test_events_paging(loaded: Store) -> None:
    everything = [r["event_id"] for r in loaded.events(limit=None)]
    assert len(everything) == 10
    assert [r["event_id"] for r in loaded.events(limit=3)] == everything[:3]
    assert [r["event_id"] for r in loaded.events(limit=3, offset=8)] == everything[8:]
    assert [r["event_id"] for r in loaded.events(limit=None, offset=9)] == everything[9:]
    assert loaded.events(limit=0) == []
    with pytest.raises(StoreError):
        loaded.events(limit=-1)
    with pytest.raises(StoreError):
        loaded.events(actor="  ")


def test_stats(loaded: Store) -> None:
    assert loaded.stats() == {
        "articles": 3,
        "events": 10,
        "events_negated": 1,
        "mentions": 8,
        "actors": 6,
        "publishers": 2,
        "first_date": "2024-01-10",
        "last_date": "2024-03-30",
        "schema_version": LATEST,
        # asserted events only: quad 1: 036, 04, 042, 042; quad 2: 0841; quad 3: 112, 1121, 112; quad 4: 190
        "by_quad_class": {1: 4, 2: 1, 3: 3, 4: 1},
        "top_roots": [
            {"root": "04", "name": "Consult", "events": 3},
            {"root": "11", "name": None, "events": 3},
            {"root": "03", "name": None, "events": 1},
            {"root": "08", "name": None, "events": 1},
            {"root": "19", "name": None, "events": 1},
        ],
    }


def test_top_dyads(loaded: Store) -> None:
    assert loaded.top_dyads() == [
        # CHN-USA: 112 (-2), 1121 (-2), 036 (+4); the negated 190 and the CHNGOV->CHN consult are left out
        {"a": "CHN", "b": "USA", "events": 3, "cooperation": 1, "conflict": 2,
         "goldstein_sum": 0.0, "goldstein_mean": 0.0},
        # RUS-UKR: 190 (-10), 0841 (+7), both directions merged
        {"a": "RUS", "b": "UKR", "events": 2, "cooperation": 1, "conflict": 1,
         "goldstein_sum": -3.0, "goldstein_mean": -1.5},
        # RUS->CHN 042 (+1.9), sorted pair
        {"a": "CHN", "b": "RUS", "events": 1, "cooperation": 1, "conflict": 0,
         "goldstein_sum": 1.9, "goldstein_mean": 1.9},
    ]  # fmt: skip
    assert [(d["a"], d["b"]) for d in loaded.top_dyads(2)] == [("CHN", "USA"), ("RUS", "UKR")]
    assert loaded.top_dyads(0) == []


def test_empty_store_queries(store: Store) -> None:
    assert store.events() == [] and store.top_dyads() == []
    s = store.stats()
    assert s["articles"] == 0 and s["first_date"] is None and s["by_quad_class"] == {1: 0, 2: 0, 3: 0, 4: 0}


# -- migrations ------------------------------------------------------------------------------------


LATEST = schema.MIGRATIONS[-1].version  # the schema version of a new store
NEXT = LATEST + 1

MIGRATION_2 = schema.Migration(
    NEXT,
    "article_language",
    (
        "ALTER TABLE articles ADD COLUMN language TEXT",
        "CREATE TABLE feeds (url TEXT PRIMARY KEY, title TEXT)",
    ),
)


def test_migration_files_load_in_order() -> None:
    migs = schema.load_migrations()
    assert [m.version for m in migs] == list(range(1, len(migs) + 1))
    assert migs[0].name == "initial"
    assert any(s.startswith("CREATE TABLE events") for s in migs[0].statements)
    assert schema.split_statements("-- a; comment\nSELECT 1;\n\nSELECT 2 -- x;\n;") == (
        "SELECT 1",
        "SELECT 2",
    )


def test_old_database_is_migrated(store_location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = store_location
    with open_store(path) as s:
        s.save_article(article("a1", "text"), [mention(CHN, 0)], [event("a1", CHN, USA, "112", None)])
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, MIGRATION_2])
    with pytest.raises(
        StoreError, match=f"has schema version {LATEST}; this realpolitik needs version {NEXT}"
    ):
        open_store(path, read_only=True)
    with open_store(path) as s:
        assert s.schema_version == NEXT
        versions = s._rows("SELECT version, name FROM schema_meta ORDER BY version")
        assert versions[0] == (1, "initial") and versions[-1] == (NEXT, "article_language")
        assert s._rows("SELECT id, language FROM articles") == [("a1", None)]
        assert count(s, "feeds") == 0
        assert s.stats()["events"] == 1  # data survived
    with open_store(path, read_only=True) as s:
        assert s.schema_version == NEXT
    # the code without the new migration refuses the newer database
    monkeypatch.undo()
    with pytest.raises(
        StoreError, match=f"schema version {NEXT} is newer than this realpolitik supports \\({LATEST}\\)"
    ):
        open_store(path)


def test_failed_migration_rolls_back(store_location: str, monkeypatch: pytest.MonkeyPatch) -> None:
    path = store_location
    open_store(path).close()
    bad = schema.Migration(
        NEXT, "broken", ("CREATE TABLE feeds (url TEXT)", "ALTER TABLE nowhere ADD COLUMN x TEXT")
    )
    monkeypatch.setattr(schema, "MIGRATIONS", [*schema.MIGRATIONS, bad])
    with pytest.raises(StoreError, match=f"migration {NEXT} \\(broken\\) failed"):
        open_store(path)
    monkeypatch.undo()
    with open_store(path) as s:
        assert s.schema_version == LATEST
        assert not s._db.table_exists("feeds") and s._db.table_exists("events")


def test_read_only_on_a_non_realpolitik_duckdb(tmp_path: Path) -> None:
    import duckdb

    path = tmp_path / "other.duckdb"
    duckdb.connect(str(path)).close()
    with pytest.raises(StoreError, match="is not a realpolitik store yet"):
        open_store(path, read_only=True)


def test_read_only_on_a_non_realpolitik_postgres_schema(pg_location: str) -> None:
    with pytest.raises(StoreError, match="is not a realpolitik store yet"):
        open_store(pg_location, read_only=True)
    assert is_postgres_url(pg_location)


def test_creation_removes_files_abandoned_by_a_killed_creator(tmp_path: Path) -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid that no longer runs
    db = tmp_path / "rp.duckdb"
    stale = [tmp_path / f".rp.duckdb.creating-{gone.pid}", tmp_path / f".rp.duckdb.creating-{gone.pid}.wal"]
    alive = tmp_path / f".rp.duckdb.creating-{os.getppid()}"
    for f in (*stale, alive):
        f.write_bytes(b"partial")
    with open_store(str(db)) as store:
        assert store.count_articles() == 0
    assert not any(f.exists() for f in stale)
    assert alive.exists()  # another live process may still be creating it


def _batch() -> list[tuple[Article, list[Mention], list[Event]]]:
    """Three articles; CHNGOV is named differently in the first and the third (the later wins)."""
    renamed = Actor("CHNGOV", "Beijing", "CHN", "GOV", "state")
    return [
        (article("b1", "China met Russia."), [mention(CHNGOV, 0), mention(RUS, 10)],
         [event("b1", CHNGOV, RUS, "036", date(2024, 3, 1))]),
        (article("b2", "Ukraine accused the UN."), [mention(UKR, 0), mention(UNO, 20)],
         [event("b2", UKR, UNO, "112", None), event("b2", UKR, None, "190", None, span=(1, 5))]),
        (article("b3", "Beijing and the USA."), [mention(renamed, 0), mention(USA, 12)],
         [event("b3", renamed, USA, "042", date(2024, 3, 2))]),
    ]  # fmt: skip


def _contents(s: Store) -> list[list[tuple[Any, ...]]]:
    return [
        sorted(map(tuple, s._rows(f"SELECT {cols} FROM {table}")))
        for table, cols in (
            ("articles", "id, title, text, date, content_hash"),
            ("actors", "code, name, country, sector, kind"),
            ("mentions", "*"),
            ("events", "*"),
        )
    ]


def test_save_articles_stores_what_saving_one_by_one_stores(store_location: str, tmp_path: Path) -> None:
    with open_store(store_location) as batched:
        batched.save_articles(_batch())
        got = _contents(batched)
    with open_store(tmp_path / "one-by-one.duckdb") as single:
        for item in _batch():
            single.save_article(*item)
        want = _contents(single)
    assert got == want
    assert ("CHNGOV", "Beijing", "CHN", "GOV", "state") in got[1]  # the later resolution's name


def test_save_articles_is_all_or_nothing(store: Store) -> None:
    first, second, third = _batch()
    store.save_article(*second)
    before = _contents(store)
    with pytest.raises(StoreError, match="'b2' is already stored"):
        store.save_articles([first, second, third])
    assert _contents(store) == before  # neither b1 nor b3 was written
    with pytest.raises(StoreError, match="twice"):
        store.save_articles([first, first])
    assert _contents(store) == before
