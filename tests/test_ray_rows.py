"""The Ray engine's pieces that need no Ray: the Arrow row codec and the admission rule.

The codec must lose nothing through Parquet (the Ray engine's results travel that way); the
admission rule must stay the local engine's (``Pipeline._articles``), or the two engines would
give different article ids and so different event ids.
"""

from __future__ import annotations

import json
import math
import sys
from datetime import date, datetime
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from realpolitik.models import Actor, ActorRef, Article, CameoCode, Event, Mention, PloverType
from realpolitik.pipeline import AnalysedArticle, Pipeline, RunReport
from realpolitik.scale.admission import Admission
from realpolitik.scale.rows import (
    ARTICLE_SCHEMA,
    RESULT_SCHEMA,
    article_row,
    decode_metadata,
    encode_metadata,
    result_row,
    row_analysed,
    row_article,
    to_table,
)

TEXTS = [
    "China accused the United States of meddling in Hong Kong on Monday.",
    "Russia and Ukraine signed a ceasefire agreement in Minsk, officials said.",
    "France did not condemn Iran's missile test, the foreign ministry said.",
]


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline()


def _odd_article() -> Article:
    """Every Article field set, and metadata with what plain JSON cannot hold."""
    return Article(
        id="odd-1",
        text="Japan protested to South Korea.\n\nTokyo said the talks would resume. Ünïcödé ✓",
        title="Japan protests",
        date=date(2020, 2, 29),
        date_source="dateline",
        publisher="The Local Times",
        url="https://example.org/a?b=1&c=2",
        attributed_to="Reuters",
        origin="feed.xml:3",
        metadata={
            "tags": ["a", "b"],
            "nested": {"x": [1, 2.5, None, True, {"deep": "yes"}]},
            "tuple": (1, "two", (3,)),
            "day": date(2019, 1, 2),
            "when": datetime(2019, 1, 2, 3, 4, 5),
            "bytes": b"\x00\xff",
            "set": {1, 2},
            "int_keys": {1: "one", 2: "two"},
            "$rp": "a key that looks like the codec's tag",
            "big": 2**80,
            "neg_zero": -0.0,
            "empty": {},
        },
    )


def _roundtrip(rows: list[dict], schema, tmp_path: Path) -> list[dict]:
    path = tmp_path / "rows.parquet"
    pq.write_table(to_table(rows, schema), path)
    return pq.read_table(path).to_pylist()


def test_article_rows_lose_nothing_through_parquet(tmp_path: Path) -> None:
    articles = [
        _odd_article(),
        Article(id="plain", text="Text only."),  # every optional field empty
    ]
    back = _roundtrip([article_row(a, i) for i, a in enumerate(articles)], ARTICLE_SCHEMA, tmp_path)
    assert [r["seq"] for r in back] == [0, 1]
    assert [row_article(r) for r in back] == articles
    assert isinstance(row_article(back[0]).metadata["tuple"][2], tuple)


def test_metadata_codec_edge_cases() -> None:
    meta = {"nan": float("nan"), "inf": float("-inf"), "list": [float("inf")]}
    text = encode_metadata(meta)
    json.loads(text)  # standard JSON: no NaN/Infinity tokens
    assert "NaN" not in text and "Infinity" not in text.replace('"-inf"', "").replace('"inf"', "")
    back = decode_metadata(text)
    assert math.isnan(back["nan"]) and back["inf"] == float("-inf") and back["list"] == [float("inf")]
    assert decode_metadata(None) == {} and decode_metadata("") == {}
    # A value of a type the codec does not know is kept as the store keeps it: str(value).
    assert decode_metadata(encode_metadata({"obj": Path("/x")})) == {"obj": "/x"}


def test_analysed_articles_lose_nothing_through_parquet(pipeline: Pipeline, tmp_path: Path) -> None:
    articles = [Article(id=f"t{i}", text=t, date=date(2019, 5, 6 + i)) for i, t in enumerate(TEXTS)]
    analysed = [pipeline.analyse(a) for a in articles]
    assert sum(len(a.events) for a in analysed) >= 2 and all(a.mentions for a in analysed)
    # A hand-made one with what the coder rarely gives: no target, every optional field set.
    odd = _odd_article()
    ref = ActorRef(text="Japan", code="JPN", country="JPN", sector=None, name="Japan")
    actor = Actor(code="KORGOV", name="South Korea government", country="KOR", sector="GOV", kind="state")
    mention = Mention("South Korea", 20, 31, 0, 3, 5, actor, via="gazetteer", confidence=0.875)
    event = Event(
        doc_id=odd.id,
        sentence_index=0,
        span=(6, 15),
        sentence="Japan protested to South Korea.",
        date=None,
        source=ref,
        target=None,
        cameo=CameoCode("111", "11", "Criticize or denounce", -2.0, 3),
        plover=PloverType(None),
        polarity="negated",
        modality="reported",
        attribution="Reuters",
        confidence=0.123456789,
        trigger="protest",
        date_basis="none",
        coder="test",
    )
    analysed.append(AnalysedArticle(odd, [mention], [event]))
    rows = [result_row(i, a.article, a, analyser="w1") for i, a in enumerate(analysed)]
    rows.append(result_row(len(rows), articles[0], None, error="boom"))
    back = _roundtrip(rows, RESULT_SCHEMA, tmp_path)
    for before, row in zip(analysed, back, strict=False):
        after = row_analysed(row)
        assert after == before  # dataclass equality: every field of article, mentions, events
        assert [e.event_id for e in after.events] == [e.event_id for e in before.events]
        assert [e.to_dict() for e in after.events] == [e.to_dict() for e in before.events]
        assert row["error"] is None and row["analyser"] == "w1"
    failed = back[-1]
    assert failed["error"] == "boom" and failed["events"] == [] and row_article(failed) == articles[0]


def test_admission_is_the_local_engines_rule(pipeline: Pipeline, tmp_path: Path) -> None:
    """Same duplicates and the same renamed ids as Pipeline._articles, with and without a store."""
    from realpolitik.store import open_store

    records = [
        {"id": "a", "text": TEXTS[0]},
        {"id": "b", "text": TEXTS[0]},  # same text: duplicate
        {"id": "a", "text": TEXTS[1]},  # same id, other text: renamed
        {"id": "c", "text": TEXTS[2], "url": "https://example.org/c"},
        {"id": "d", "text": "Other words entirely.", "url": "https://example.org/c"},  # same URL
        {"id": "stored", "text": "Germany pledged aid to Greece."},  # id taken in the store
        {"id": "x", "text": "Already stored text."},  # text in the store: duplicate
    ]
    path = tmp_path / "in.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")

    def ours(store) -> tuple[list[str], dict]:
        report = RunReport()
        admission = Admission(store)
        from realpolitik.ingest import read_sources

        ids = [a.id for a in read_sources([str(path)]) if admission.admit(a, report)]
        return ids, report.as_dict()

    def theirs(store) -> tuple[list[str], dict]:
        report = RunReport()
        ids = [a.id for a in pipeline._articles([str(path)], None, report, _dedup(), store, None, None)]
        return ids, report.as_dict()

    assert ours(None) == theirs(None)
    with open_store(tmp_path / "db.duckdb") as store:
        store.save_article(Article(id="stored", text="Something else."), [], [])
        store.save_article(Article(id="old", text="Already stored text."), [], [])
        mine, local = ours(store), theirs(store)
    assert mine == local
    assert mine[0] == [
        "a",
        "a-" + _hash8(TEXTS[1]),
        "c",
        "stored-" + _hash8("Germany pledged aid to Greece."),
    ]
    assert mine[1]["duplicates"] == 3


def _dedup():
    from realpolitik.pipeline import Deduplicator

    return Deduplicator()


def _hash8(text: str) -> str:
    from realpolitik.models import text_hash

    return text_hash(text)[:8]


def test_ray_engine_says_how_to_install_when_ray_is_missing(monkeypatch, tmp_path: Path) -> None:
    from realpolitik.scale import ray_engine

    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    assert not ray_engine.ray_available()
    src = tmp_path / "a.txt"
    src.write_text("China accused Japan.", encoding="utf-8")
    with pytest.raises(ray_engine.RayEngineError, match=r"realpolitik\[ray\]"):
        list(ray_engine.ray_extract([str(src)]))


def test_engine_choice(tmp_path: Path) -> None:
    import typer

    from realpolitik.scale.commands import check_engine, extract_with

    assert check_engine("Ray") == "ray" and check_engine("local") == "local"
    with pytest.raises(typer.BadParameter):
        check_engine("spark")
    src = tmp_path / "a.txt"
    src.write_text(TEXTS[0], encoding="utf-8")
    report = RunReport()
    analysed = list(extract_with("local", [str(src)], report=report))
    assert len(analysed) == 1 and report.processed == 1 and analysed[0].events
