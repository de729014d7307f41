"""The command line end to end: ingest, extract, stats, events, show, eval; bad input; exit codes."""

from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from realpolitik.cli import app

runner = CliRunner()

STORY = (
    "Trump criticizes Beijing\n\n"
    "WASHINGTON — U.S. President Donald Trump criticized China on Monday over its trade practices.\n\n"
    "Russian President Vladimir Putin met Chinese President Xi Jinping in Moscow.\n"
)


def run(*args: str, input: str | None = None):
    return runner.invoke(app, list(args), input=input)


@pytest.fixture()
def seed_txt(shared_data: Path) -> Path:
    return shared_data / "seed" / "article.txt"


def test_ingest_seed_article_twice_adds_nothing(seed_txt: Path, tmp_path: Path) -> None:
    db = str(tmp_path / "rp.duckdb")
    first = run("ingest", str(seed_txt), "--db", db)
    assert first.exit_code == 0, first.output
    assert "processed 1, duplicates 0" in first.stderr

    from realpolitik.store import open_store

    with open_store(db, read_only=True) as store:
        art = store.article("article")
        assert art is not None
        assert art["title"] == "Behind closed doors, China, Russia vie for supremacy in global politics"
        assert art["attributed_to"] == "The Washington Post"
        evs = store.article_events("article")
        assert len(evs) >= 9
        text = art["text"]
        for e in evs:  # every event carries its evidence sentence, and its span lies inside it
            assert e["sentence"] and e["sentence"] in text
            start, end = e["span"]
            sent_start = text.find(e["sentence"])
            assert sent_start <= start < end <= sent_start + len(e["sentence"])
        before = store.stats()

    second = run("ingest", str(seed_txt), "--db", db)
    assert second.exit_code == 0, second.output
    assert "processed 0, duplicates 1" in second.stderr
    with open_store(db, read_only=True) as store:
        after = store.stats()
    assert (after["articles"], after["events"], after["mentions"]) == (
        before["articles"],
        before["events"],
        before["mentions"],
    )


def test_extract_seed_scores_with_reference_scorer(shared_data: Path, tmp_path: Path) -> None:
    gold = shared_data / "seed" / "expected_events.jsonl"
    out = tmp_path / "seed.jsonl"
    result = run("extract", str(gold), "--format", "jsonl", "--quiet", "-o", str(out))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines and all(e["doc_id"] == "seed" for e in lines)
    required = {"doc_id", "sentence_index", "span", "sentence", "date", "source", "target", "cameo"}
    required |= {"plover", "polarity", "modality", "attribution", "confidence"}
    for e in lines:
        assert required <= set(e)
        assert set(e["source"]) == {"text", "code", "country", "sector", "name"}
        assert set(e["cameo"]) == {"code", "root", "name", "goldstein", "quad_class"}
        assert e["polarity"] in ("asserted", "negated")
        assert e["modality"] in ("actual", "intended", "hypothetical", "reported")
        assert 0.0 <= e["confidence"] <= 1.0
    scorer = shared_data.parent / "tools" / "score_events.py"
    line = subprocess.run(
        [sys.executable, str(scorer), str(gold), str(out)], capture_output=True, text=True, check=True
    ).stdout
    recall = float(line.split("recall ")[1].split()[0])
    assert recall >= 0.5, line
    # `realpolitik eval` reports the very same line
    ours = run("eval", str(gold), str(out))
    assert ours.exit_code == 0
    assert ours.stdout.strip() == line.strip()


def test_extract_formats_and_stdin(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text(STORY)
    as_jsonl = run("extract", str(path), "--quiet")
    assert as_jsonl.exit_code == 0, as_jsonl.output
    events = [json.loads(line) for line in as_jsonl.stdout.splitlines()]
    assert any(e["source"]["country"] == "USA" and e["cameo"]["root"] == "11" for e in events)
    assert all(e["doc_id"] == "story" for e in events)

    as_csv = run("extract", str(path), "--quiet", "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert len(rows) == len(events) and rows[0]["source.code"]

    as_table = run("extract", str(path), "--quiet", "--format", "table")
    assert as_table.exit_code == 0 and f"{len(events)} events" in as_table.stdout

    from_stdin = run("extract", "-", "--quiet", input=STORY)
    assert from_stdin.exit_code == 0
    assert len(from_stdin.stdout.splitlines()) == len(events)


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text(STORY)
    assert run("extract", str(path), "--format", "xml").exit_code == 2
    assert run("extract").exit_code == 2
    assert run("events", "--db", str(tmp_path / "x.duckdb"), "--since", "yesterday").exit_code == 2


def test_bad_inputs_are_skipped_and_counted(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(STORY)
    (folder / "empty.txt").write_text("")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "lines.jsonl").write_text(
        json.dumps({"id": "a1", "text": "Putin met Xi in Moscow on Monday."}) + "\n{not json\n"
    )
    db = str(tmp_path / "rp.duckdb")
    result = run("ingest", str(folder), "--db", db)
    assert result.exit_code == 0, result.output
    assert "processed 2" in result.stderr
    assert "empty.txt" in result.stderr and "binary.txt" in result.stderr
    assert "lines.jsonl:2" in result.stderr

    only_bad = tmp_path / "bad"
    only_bad.mkdir()
    (only_bad / "empty.txt").write_text("")
    assert run("ingest", str(only_bad), "--db", db).exit_code == 1
    assert run("ingest", str(tmp_path / "missing.txt"), "--db", db).exit_code == 1


def test_store_queries_from_the_cli(tmp_path: Path) -> None:
    path = tmp_path / "story.jsonl.gz"
    with gzip.open(path, "wt") as fh:
        fh.write(json.dumps({"id": "s1", "date": "2019-05-06", "source": "Test Wire", "text": STORY}) + "\n")
    db = str(tmp_path / "rp.duckdb")
    assert run("ingest", str(path), "--db", db, "--quiet").exit_code == 0

    stats = run("stats", "--db", db)
    assert stats.exit_code == 0, stats.output
    assert "1 articles" in stats.stdout

    listed = run("events", "--db", db, "--actor", "USA", "--root", "11", "--format", "jsonl")
    assert listed.exit_code == 0, listed.output
    rows = [json.loads(line) for line in listed.stdout.splitlines()]
    assert rows and all(r["cameo"]["root"] == "11" for r in rows)
    assert all("USA" in (r["source"]["code"] + (r["target"] or {}).get("code", "")) for r in rows)
    assert all(r["date"] == "2019-05-06" for r in rows)  # "on Monday" of an article of Monday 6 May

    none = run("events", "--db", db, "--since", "2020-01-01", "--format", "jsonl")
    assert none.exit_code == 0 and none.stdout.strip() == ""

    shown = run("show", "s1", "--db", db)
    assert shown.exit_code == 0, shown.output
    assert "criticized China" in shown.stdout
    assert run("show", "nope", "--db", db).exit_code == 1


def test_limit_options_reach_ingest(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    path.write_text(STORY)
    refused = run("extract", str(path), "--max-article-chars", "10")
    assert refused.exit_code == 1
    assert "--max-article-chars" in refused.stderr  # the message names the option to change
    # a URL on this machine is refused without --allow-private, before any connection is made
    local = run("extract", "http://127.0.0.1:9/feed.xml", "--quiet")
    assert local.exit_code == 1
    assert "allow-private" in local.stderr


def test_min_confidence_drops_low_confidence_events(tmp_path: Path) -> None:
    path = tmp_path / "story.txt"
    # The second sentence's counterpart is unnamed: an event with no target, at low confidence.
    path.write_text("Talks\n\nThe United States accused China of spying. Russia condemned the decision.\n")
    every = [json.loads(line) for line in run("extract", str(path), "--quiet").stdout.splitlines()]
    assert {e["confidence"] < 0.6 for e in every} == {True, False}, every
    kept = [
        json.loads(line)
        for line in run("extract", str(path), "--quiet", "--min-confidence", "0.6").stdout.splitlines()
    ]
    assert kept == [e for e in every if e["confidence"] >= 0.6]
    assert run("extract", str(path), "--min-confidence", "2").exit_code == 2

    db = tmp_path / "rp.duckdb"
    assert run("ingest", str(path), "--db", str(db), "--quiet").exit_code == 0
    stored = run(
        "events", "--db", str(db), "--format", "jsonl", "--min-confidence", "0.6"
    ).stdout.splitlines()
    assert sorted(json.loads(line)["event_id"] for line in stored) == sorted(e["event_id"] for e in kept)
