"""STORE additions for serving: article listing and search, actors, more event filters, comments,
corrections beside the machine coding, and their export as gold for ``realpolitik eval``.

The store is built by hand (realpolitik.api.testing), no spaCy. Every test runs on a DuckDB file
and on PostgreSQL (tests/store_backends.py; the PostgreSQL runs skip without a server).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from realpolitik.api.testing import ARTICLES, build_article, build_store
from realpolitik.errors import StoreError
from realpolitik.evaluation import score
from realpolitik.store import Store, open_store
from realpolitik.store.store import NotFoundError

# The fixtures store_location and store_location_module: DuckDB and PostgreSQL.
pytest_plugins = ["store_backends"]


@pytest.fixture(scope="module")
def loaded(store_location_module: str) -> Iterator[Store]:
    s = build_store(store_location_module)
    yield s
    s.close()


@pytest.fixture
def fresh(store_location: str) -> Iterator[Store]:
    s = build_store(store_location)
    yield s
    s.close()


PORTABLE_TYPES = {
    "duckdb": {"VARCHAR", "INTEGER", "DOUBLE", "DATE", "TIMESTAMP"},
    "postgresql": {"text", "integer", "double precision", "date", "timestamp without time zone"},
}


def n_events() -> int:
    return sum(len(build_article(a)[2]) for a in ARTICLES)


# -- schema ---------------------------------------------------------------------------------------


def test_migration_2_adds_comments_and_corrections(loaded: Store) -> None:
    assert loaded.schema_version >= 2
    names = {r[0] for r in loaded._rows("SELECT version || name FROM schema_meta")}
    assert "2serving" in names
    for table in ("comments", "corrections"):
        assert loaded._rows(
            "SELECT COUNT(*) FROM information_schema.tables "
            f"WHERE table_schema = current_schema() AND table_name = '{table}'"
        ) == [(1,)]
    types = {
        t
        for (t,) in loaded._rows(
            "SELECT DISTINCT data_type FROM information_schema.columns WHERE table_schema = current_schema()"
        )
    }
    assert types <= PORTABLE_TYPES[loaded._db.name]


def test_version_1_store_is_migrated_with_its_data(
    store_location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from realpolitik.store import schema

    path = store_location
    monkeypatch.setattr(schema, "MIGRATIONS", schema.MIGRATIONS[:1])
    with open_store(path) as s:
        s.save_article(*build_article(ARTICLES[0]))
        assert s.schema_version == 1
    monkeypatch.undo()
    with open_store(path) as s:
        assert s.schema_version >= 2
        assert s.count_articles() == 1 and s.comments() == []


# -- articles -------------------------------------------------------------------------------------


def test_articles_newest_first_with_counts_and_snippets(loaded: Store) -> None:
    items = loaded.articles(limit=None)
    assert len(items) == len(ARTICLES) == loaded.count_articles()
    dates = [a["date"] for a in items]
    assert dates == sorted(dates, reverse=True)
    a1 = next(a for a in items if a["id"] == "a1")
    assert a1["events"] == 3 and a1["publisher"] == "Wikinews" and "text" not in a1
    assert a1["snippet"].startswith("China accused the United States")
    assert "\n" not in a1["snippet"]


def test_articles_paging(loaded: Store) -> None:
    everything = [a["id"] for a in loaded.articles(limit=None)]
    assert [a["id"] for a in loaded.articles(limit=3)] == everything[:3]
    assert [a["id"] for a in loaded.articles(limit=3, offset=3)] == everything[3:6]
    assert loaded.articles(limit=5, offset=len(everything)) == []
    assert loaded.articles(limit=0) == []
    with pytest.raises(StoreError):
        loaded.articles(limit=-1)
    with pytest.raises(StoreError):
        loaded.articles(offset=-1)


def test_article_search_every_word_case_insensitive(loaded: Store) -> None:
    ids = {a["id"] for a in loaded.articles(q="DONETSK", limit=None)}
    assert ids == {"a3"}
    both = {a["id"] for a in loaded.articles(q="china united", limit=None)}
    assert both == {"a1", "a4", "a6", "w1", "w2", "w3", "w4"}
    assert {a["id"] for a in loaded.articles(q="china donetsk", limit=None)} == set()
    assert loaded.count_articles(q="china united") == len(both)
    hit = loaded.articles(q="Donetsk")[0]
    assert "Donetsk" in hit["snippet"]
    assert {a["id"] for a in loaded.articles(q="Kashmir", limit=None)} == {"a5"}  # title only


def test_article_search_wildcards_are_literal(loaded: Store) -> None:
    # LIKE metacharacters in the query match themselves, not "anything"
    assert loaded.articles(q="%") == []
    assert loaded.articles(q="_") == []
    assert loaded.articles(q="\\") == []
    assert {a["id"] for a in loaded.articles(q="<script>", limit=None)} == {"a6"}


def test_article_search_is_parameterised(loaded: Store) -> None:
    for evil in ("' OR 1=1 --", "x'); DROP TABLE articles; --", '" OR ""="'):
        assert loaded.articles(q=evil) == []
        assert loaded.count_articles(q=evil) == 0
        assert loaded.actors(q=evil) == []
        assert loaded.events(publisher=evil) == []
    assert loaded.count_articles() == len(ARTICLES)


def test_article_filters(loaded: Store) -> None:
    assert {a["id"] for a in loaded.articles(publisher="Example Post", limit=None)} == {"a3", "a4", "a6"}
    got = loaded.articles(since=date(2020, 1, 1), until=date(2020, 1, 31), limit=None)
    assert {a["id"] for a in got} == {"w1", "w2", "w3"}
    assert loaded.count_articles(publisher="Example Post", q="iran") == 1


def test_articles_by_ids_include_text(loaded: Store) -> None:
    got = loaded.articles(ids=["a2", "a1", "missing"])
    assert [a["id"] for a in got] == ["a2", "a1"]  # newest first
    assert got[1]["text"].startswith("China accused")
    assert loaded.articles(ids=[]) == []


def test_publishers(loaded: Store) -> None:
    assert loaded.publishers() == [
        {"publisher": "Wikinews", "articles": 7},
        {"publisher": "Example Post", "articles": 3},
    ]


# -- actors ---------------------------------------------------------------------------------------


def test_actors_with_counts(loaded: Store) -> None:
    items = loaded.actors(limit=None)
    assert len(items) == loaded.count_actors() == 11
    chn = next(a for a in items if a["code"] == "CHN")
    assert chn == {**chn, "name": "China", "country": "CHN", "kind": "state"}
    assert chn["mentions"] == items[0]["mentions"]  # most mentioned first
    assert chn["events"] == sum(
        1
        for e in loaded.events(limit=None)
        if "CHN" in (e["source"]["code"], (e["target"] or {}).get("code"))
    )
    mentions = [a["mentions"] for a in items]
    assert mentions == sorted(mentions, reverse=True)


def test_actor_filters_and_paging(loaded: Store) -> None:
    assert [a["code"] for a in loaded.actors(kind="igo")] == ["IGOUNO"]
    assert {a["code"] for a in loaded.actors(country="usa")} == {"USA", "USAGOV"}
    assert {a["code"] for a in loaded.actors(q="united")} == {"USA", "USAGOV", "IGOUNO"}
    assert loaded.count_actors(q="united") == 3
    first = [a["code"] for a in loaded.actors(limit=4)]
    assert [a["code"] for a in loaded.actors(limit=4, offset=4)] == [
        a["code"] for a in loaded.actors(limit=None)
    ][4:8]
    assert len(first) == 4
    assert loaded.actor("usagov") == {
        "code": "USAGOV",
        "name": "United States government",
        "country": "USA",
        "sector": "GOV",
        "kind": "state",
    }
    assert loaded.actor("XYZ") is None


# -- events: the new filters ----------------------------------------------------------------------


def test_event_filters_quad_publisher_polarity_pair(loaded: Store) -> None:
    everything = loaded.events(limit=None)
    assert len(everything) == n_events() == loaded.count_events()
    q3 = loaded.events(quad_class=3, limit=None)
    assert q3 and all(e["cameo"]["quad_class"] == 3 for e in q3)
    conflict = loaded.events(quad_class=[3, 4], limit=None)
    assert len(conflict) == sum(1 for e in everything if e["cameo"]["quad_class"] in (3, 4))
    assert loaded.count_events(quad_class=[3, 4]) == len(conflict)
    pub = loaded.events(publisher="Example Post", limit=None)
    assert {e["doc_id"] for e in pub} == {"a3", "a4", "a6"}
    neg = loaded.events(polarity="negated", limit=None)
    assert [e["cameo"]["code"] for e in neg] == ["122"]
    assert loaded.count_events(polarity="asserted") == len(everything) - 1
    pair = loaded.events(pair=("usa", "chn"), limit=None)
    assert len(pair) == 9 and loaded.count_events(pair=("CHN", "USA")) == 9
    assert all({e["source"]["country"], e["target"]["country"]} == {"CHN", "USA"} for e in pair)
    for bad in ({"quad_class": 5}, {"quad_class": []}, {"polarity": "maybe"}):
        with pytest.raises(StoreError):
            loaded.events(**bad)  # type: ignore[arg-type]


def test_events_newest_first(loaded: Store) -> None:
    newest = loaded.events(limit=None, newest_first=True)
    dates = [e["date"] for e in newest]
    assert dates == sorted(dates, reverse=True)
    assert loaded.events(limit=None) != newest


def test_one_event(loaded: Store) -> None:
    eid = loaded.article_events("a1")[0]["event_id"]
    ev = loaded.event(eid)
    assert ev is not None and ev["event_id"] == eid
    assert ev["article"] == {
        "id": "a1",
        "title": "China and the United States trade accusations over tariffs",
        "date": "2019-05-06",
        "publisher": "Wikinews",
        "url": "https://en.wikinews.org/wiki/Example_one",
    }
    assert loaded.event("nope") is None


# -- comments -------------------------------------------------------------------------------------


def test_comments_on_articles_and_events(fresh: Store) -> None:
    c1 = fresh.add_comment("  First note.  ", author=" ana ", article_id="a1")
    assert c1["body"] == "First note." and c1["author"] == "ana" and c1["event_id"] is None
    eid = fresh.article_events("a1")[1]["event_id"]
    c2 = fresh.add_comment("About this event", author="bo", event_id=eid)
    assert c2["article_id"] == "a1" and c2["event_id"] == eid
    assert [c["body"] for c in fresh.comments(article_id="a1")] == ["First note.", "About this event"]
    assert [c["body"] for c in fresh.comments(event_id=eid)] == ["About this event"]
    assert fresh.comments(article_id="a2") == []
    assert c1["created_at"] <= c2["created_at"]


def test_comment_errors(fresh: Store) -> None:
    with pytest.raises(StoreError, match="needs a body"):
        fresh.add_comment("   ", author="ana", article_id="a1")
    with pytest.raises(StoreError, match="needs an author"):
        fresh.add_comment("text", author="", article_id="a1")
    with pytest.raises(NotFoundError):
        fresh.add_comment("text", author="ana", article_id="missing")
    with pytest.raises(NotFoundError):
        fresh.add_comment("text", author="ana", event_id="missing")
    eid = fresh.article_events("a1")[0]["event_id"]
    with pytest.raises(StoreError, match="not in article"):
        fresh.add_comment("text", author="ana", article_id="a2", event_id=eid)
    assert fresh.comments() == []


def test_writes_refused_on_read_only_store(store_location: str) -> None:
    path = store_location
    build_store(path).close()
    with open_store(path, read_only=True) as s:
        eid = s.article_events("a1")[0]["event_id"]
        with pytest.raises(StoreError, match="read-only"):
            s.add_comment("x", author="a", article_id="a1")
        with pytest.raises(StoreError, match="read-only"):
            s.add_correction(eid, "confirm", author="a")


# -- corrections ----------------------------------------------------------------------------------


def test_corrections_kept_beside_the_machine_coding(fresh: Store) -> None:
    ev = fresh.article_events("a1")[0]
    before = fresh.events(limit=None)
    c = fresh.add_correction(
        ev["event_id"],
        "recode",
        author="ana",
        cameo_code="111",
        target_code="usagov",
        target_country="usa",
        note="criticism, not accusation",
    )
    assert c["action"] == "recode" and c["cameo_code"] == "111"
    assert c["target_code"] == "USAGOV" and c["target_country"] == "USA" and c["source_code"] is None
    assert fresh.events(limit=None) == before  # the machine coding is untouched
    assert fresh.article_events("a1")[0]["cameo"]["code"] == ev["cameo"]["code"]
    fresh.add_correction(ev["event_id"], "reject", author="bo")
    hist = fresh.corrections(event_id=ev["event_id"])
    assert [h["action"] for h in hist] == ["recode", "reject"]  # oldest first: the last is the verdict
    assert fresh.count_corrections() == 2
    assert [h["id"] for h in fresh.corrections(article_id="a1")] == [h["id"] for h in hist]
    assert fresh.corrections(limit=1, offset=1)[0]["action"] == "reject"


def test_correction_validation(fresh: Store) -> None:
    eid = fresh.article_events("a1")[0]["event_id"]
    with pytest.raises(StoreError, match="must be one of"):
        fresh.add_correction(eid, "delete", author="a")
    with pytest.raises(StoreError, match="needs a new CAMEO code or new actors"):
        fresh.add_correction(eid, "recode", author="a")
    with pytest.raises(StoreError, match="takes no new code"):
        fresh.add_correction(eid, "confirm", author="a", cameo_code="111")
    with pytest.raises(StoreError, match="needs an author"):
        fresh.add_correction(eid, "confirm", author=" ")
    with pytest.raises(NotFoundError):
        fresh.add_correction("missing", "confirm", author="a")
    assert fresh.count_corrections() == 0


def test_gold_records_from_corrections(fresh: Store) -> None:
    assert fresh.gold_records() == []
    e1, e2, e3 = fresh.article_events("a1")  # CHN 112 USA, USAGOV 111 CHN, RUS 122 CHN (negated)
    f1, f2, f3 = fresh.article_events("a3")  # RUS 190 UKR, UKR 112 RUS, DEU 102 RUS
    fresh.add_correction(e1["event_id"], "confirm", author="a")
    fresh.add_correction(e2["event_id"], "recode", author="a", cameo_code="130")
    fresh.add_correction(f1["event_id"], "confirm", author="a")  # superseded below
    fresh.add_correction(f1["event_id"], "reject", author="b")
    fresh.add_correction(f3["event_id"], "recode", author="a", source_code="FRA", source_country="FRA")
    gold = fresh.gold_records()
    assert [g["id"] for g in gold] == ["a1", "a3"]
    a1, a3 = gold
    assert a1["text"].startswith("China accused") and a1["date"] == "2019-05-06"
    assert a1["events"] == [
        {"source": "CHN", "target": "USA", "cameo": ["11"]},
        {"source": "USA", "target": "CHN", "cameo": ["13"]},
    ]
    assert "optional" not in a1  # the negated, unreviewed event is not gold
    assert a3["events"] == [{"source": "FRA", "target": "RUS", "cameo": ["10"]}]
    assert a3["optional"] == [{"source": "UKR", "target": "RUS", "cameo": ["11"]}]  # unreviewed
    # the export is what `realpolitik eval` scores: the machine's own events against it
    preds = fresh.events(limit=None)
    result = score({g["id"]: g for g in gold}, preds)
    # a1: CHN-USA-11 right, USA-CHN-11 wrong (gold says 13); a3: the rejected RUS-UKR-19 wrong,
    # UKR-RUS-11 optional (right), DEU-RUS-10 wrong (gold says FRA)
    assert (result.tp_gold, result.n_gold) == (1, 3)
    assert (result.tp_pred, result.n_pred) == (2, 5)


def test_data_version_changes_with_every_write_from_another_connection(store_location: str) -> None:
    from dataclasses import replace

    writer = build_store(store_location)
    reader = open_store(store_location)  # a second connection (another process, on PostgreSQL)
    try:
        seen = [reader.data_version()]
        assert seen[0] == writer.data_version() == (len(ARTICLES), 0, 0)
        article = build_article(ARTICLES[0])[0]
        writer.save_article(replace(article, id="new-one"), [], [])
        seen.append(reader.data_version())
        writer.add_comment("note", author="ana", article_id="a1")
        seen.append(reader.data_version())
        eid = writer.article_events("a1")[0]["event_id"]
        writer.add_correction(eid, "confirm", author="ana")
        seen.append(reader.data_version())
        assert seen[1:] == [(len(ARTICLES) + 1, 0, 0), (len(ARTICLES) + 1, 1, 0), (len(ARTICLES) + 1, 1, 1)]
        with pytest.raises(StoreError):  # a refused save changes nothing
            writer.save_article(replace(article, id="new-one"), [], [])
        assert reader.data_version() == seen[-1]
    finally:
        reader.close()
        writer.close()
