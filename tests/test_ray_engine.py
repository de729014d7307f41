"""``--engine ray`` on a local Ray instance: exactly the local engine's events and store rows.

Skipped when Ray (the optional extra ``ray``) is not installed. One local instance (2 CPUs, no
dashboard) serves the whole module; its start-up is measured and must stay under 30 s.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip(
    "ray.data", reason="Ray is not installed (optional extra: pip install 'realpolitik[ray]')"
)

import pyarrow.parquet as pq  # noqa: E402 - after the skip

from realpolitik.pipeline import Pipeline, RunReport  # noqa: E402
from realpolitik.scale.commands import ingest_with  # noqa: E402
from realpolitik.scale.ray_engine import RayEngineError, ray_extract, ray_session  # noqa: E402

# Ray Data's own configuration warns about its deprecated settings when the instance starts.
pytestmark = pytest.mark.filterwarnings("ignore:.*deprecated.*:DeprecationWarning")

# Ten short synthetic articles; among them a repeated text, a repeated id with another text (the
# later one is renamed), a repeated URL, an article without events and a broken line.
ARTICLES = [
    {"id": "r1", "text": "China accused the United States of meddling in Hong Kong.", "date": "2019-05-06"},
    {"id": "r2", "text": "Russia and Ukraine signed a ceasefire agreement in Minsk.", "date": "2019-05-07"},
    {"id": "r3", "text": "France condemned Iran's missile test on Tuesday.", "date": "2019-05-08"},
    {
        "id": "r1",
        "text": "Germany pledged humanitarian aid to Greece after the floods.",
        "date": "2019-05-09",
    },
    {"id": "r5", "text": "China accused the United States of meddling in Hong Kong.", "date": "2019-05-06"},
    {"id": "r6", "text": "The weather was mild and sunny across the region.", "date": "2019-05-10"},
    {
        "id": "r7",
        "text": "India and Pakistan agreed to hold talks.\n\nPakistan did not threaten India.",
        "date": "2019-05-11",
        "url": "https://example.org/r7",
        "publisher": "Example News",
        "tags": ["south asia"],
    },
    {"id": "r8", "text": "Other words, same page.", "url": "https://example.org/r7"},
    {"id": "r9", "text": "Japan protested to South Korea over the islands.", "date": "2019-05-12"},
    {"id": "r10", "text": "Turkey threatened to attack Kurdish fighters in Syria.", "date": "2019-05-13"},
]


@pytest.fixture(scope="module")
def ray_instance() -> Iterator[float]:
    started = time.monotonic()
    with ray_session():
        took = time.monotonic() - started
        yield took


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("ray") / "articles.jsonl"
    lines = [json.dumps(a) for a in ARTICLES]
    lines.insert(3, "{not json")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline()


def test_local_ray_instance_starts_quickly_on_loopback(ray_instance: float) -> None:
    import ray

    assert ray_instance < 30, f"Ray took {ray_instance:.1f} s to start"
    assert [n["NodeManagerAddress"] for n in ray.nodes() if n["Alive"]] == ["127.0.0.1"]
    assert ray.cluster_resources()["CPU"] == 2


def test_extract_gives_exactly_the_local_events(
    ray_instance: float, inputs: Path, pipeline: Pipeline, tmp_path: Path
) -> None:
    local_report, ray_report = RunReport(), RunReport()
    local = list(pipeline.extract([str(inputs)], report=local_report))
    work = tmp_path / "work"
    ours = list(ray_extract([str(inputs)], report=ray_report, num_shards=4, num_workers=2, work_dir=work))

    assert [a.article.id for a in ours] == [a.article.id for a in local]
    assert "r1-" in " ".join(a.article.id for a in ours)  # the renamed repeat id went through
    local_events = [e.to_dict() for a in local for e in a.events]
    ray_events = [e.to_dict() for a in ours for e in a.events]
    assert len(local_events) >= 5
    assert ray_events == local_events
    assert [a.article for a in ours] == [a.article for a in local]
    assert [a.mentions for a in ours] == [a.mentions for a in local]
    assert ray_report.as_dict() == local_report.as_dict()
    assert [str(p) for p in ray_report.problems] == [str(p) for p in local_report.problems]

    # The Parquet of the run (kept in work_dir): 4 input shards, and each actor loaded its models
    # once and served several shards (2 actors, 4 shards).
    assert len(list((work / "input").glob("*.parquet"))) == 4
    out = pq.read_table(work / "output").to_pylist()
    assert sorted(r["seq"] for r in out) == list(range(len(local)))
    analysers = {r["analyser"] for r in out}
    assert 1 <= len(analysers) <= 2


def test_ingest_stores_exactly_what_the_local_engine_stores(
    ray_instance: float, inputs: Path, pipeline: Pipeline, tmp_path: Path
) -> None:
    from realpolitik.models import Article
    from realpolitik.store import open_store

    def run(engine: str) -> tuple[dict, list[dict], list[dict], list[list[dict]]]:
        report = RunReport()
        with open_store(tmp_path / f"{engine}.duckdb") as store:
            # Already stored: one text of the input (a duplicate) and one of its ids (a rename).
            store.save_article(Article(id="seed", text=ARTICLES[2]["text"]), [], [])
            store.save_article(Article(id="r9", text="An older article under the same id."), [], [])
            if engine == "ray":  # as the CLI calls it: `ingest --engine ray --processes 2`
                ingest_with("ray", [str(inputs)], store, processes=2, report=report)
            else:
                pipeline.ingest([str(inputs)], store, report=report)
            articles = store.articles(limit=None)
            ids = sorted(a["id"] for a in articles)
            full = [{k: v for k, v in store.article(i).items() if k != "ingested_at"} for i in ids]
            events = sorted(store.events(limit=None), key=lambda e: e["event_id"])
            mentions = [store.article_mentions(i) for i in ids]
        return report.as_dict(), full, events, mentions

    local, ours = run("local"), run("ray")
    assert ours[0] == local[0]
    assert ours[0]["duplicates"] == 3 and ours[0]["errors"] == 1
    assert ours[1] == local[1]  # the articles, every column but the time of ingestion
    assert any(a["id"].startswith("r9-") for a in ours[1])
    assert ours[2] == local[2] and len(ours[2]) >= 5
    assert ours[3] == local[3]


def test_no_articles_means_no_ray_run(ray_instance: float, tmp_path: Path) -> None:
    report = RunReport()
    missing = tmp_path / "nothing-here.txt"
    assert list(ray_extract([str(missing)], report=report)) == []
    assert report.errors == 1 and report.exit_code == 1


def test_bad_options_are_refused(tmp_path: Path) -> None:
    with pytest.raises(RayEngineError, match="num_shards"):
        list(ray_extract([str(tmp_path)], num_shards=0))
