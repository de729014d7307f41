"""``watch``, cycle by cycle, in this process: only what is new, bad feeds survived, state kept.

Feeds come from a server on 127.0.0.1 (tests/fixtures/watch/feedserver.py), so every watcher here
has ``allow_private=True``; one test checks that without it the local address is refused.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from realpolitik.ingest import IngestLimits
from realpolitik.scale.watch import HOLD_BACK_LIMIT, Watcher, WatchState, parse_duration

FIXTURES = Path(__file__).parent / "fixtures" / "watch"


def _load_feedserver():
    spec = importlib.util.spec_from_file_location("watch_feedserver", FIXTURES / "feedserver.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


feedserver = _load_feedserver()


@pytest.fixture
def server() -> Iterator:
    with feedserver.FeedServer() as srv:
        yield srv


@pytest.fixture(scope="module")
def shared_pipeline():
    from realpolitik.pipeline import Pipeline

    return Pipeline()


def _watcher(sources: list[str], tmp_path: Path, pipeline, lines: list[str], **kw) -> Watcher:
    limits = kw.pop("limits", None) or IngestLimits(allow_private=True, fetch_timeout=5)
    w = Watcher(sources, db=str(tmp_path / "db.duckdb"), limits=limits, settle=0, echo=lines.append, **kw)
    w._pipeline = pipeline  # the models are loaded once for the module
    return w


def _stored(tmp_path: Path) -> list[dict]:
    from realpolitik.store import open_store

    with open_store(tmp_path / "db.duckdb", read_only=True) as store:
        return store.articles(limit=None, ids=[a["id"] for a in store.articles(limit=None)])


def _assert_no_duplicates(articles: list[dict]) -> None:
    from realpolitik.models import text_hash

    urls = [a["url"] for a in articles if a.get("url")]
    hashes = [text_hash(a["text"]) for a in articles]
    assert len(urls) == len(set(urls)), urls
    assert len(hashes) == len(set(hashes))


def test_durations() -> None:
    assert parse_duration("15m") == 900
    assert parse_duration("1s") == 1 and parse_duration("0.5s") == 0.5 and parse_duration("90") == 90
    assert parse_duration("1h30m") == 5400 and parse_duration("500ms") == 0.5
    assert parse_duration("2d") == 172800
    for bad in ("", "soon", "5 parsecs", "m", "-1s"):
        with pytest.raises(ValueError):
            parse_duration(bad)


def test_cycles_ingest_only_what_is_new(server, tmp_path: Path, shared_pipeline) -> None:
    feed, atom = "/feed.xml", "/atom.xml"
    server.feed_plan[feed] = ["rss_v1", "rss_v1", "rss_v2", "error500", "garbage", "trunc_v3", "rss_v3"]
    server.feed_plan[atom] = ["atom"]
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.txt").write_text("Chile protested to Peru over the border incident.\n", encoding="utf-8")
    records = [
        {"id": "j1", "text": "Kenya and Uganda signed a trade agreement in Nairobi."},
        {"id": "j2", "text": "Norway criticized Denmark over fishing quotas."},
    ]
    (folder / "b.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    (folder / "d.bin").write_bytes(b"\x00\x01 not an article")
    (folder / ".hidden.txt").write_text("Hidden files are not read.", encoding="utf-8")
    lines: list[str] = []
    w = _watcher([server.url(feed), server.url(atom), str(folder)], tmp_path, shared_pipeline, lines)

    def cycle() -> dict[str, object]:
        pages_before = len(server.page_requests())
        report = w.cycle()
        got = {s.source: s for s in report.sources}
        return {
            "feed": got[server.url(feed)],
            "atom": got[server.url(atom)],
            "dir": got[str(folder)],
            "pages": sorted(server.page_requests()[pages_before:]),
        }

    c1 = cycle()
    assert c1["feed"].new == 3 and c1["atom"].new == 2 and c1["dir"].new == 3
    assert c1["pages"] == ["/page/1", "/page/2", "/page/3"]
    assert [p.kind for p in c1["dir"].problems] == ["skipped"]  # d.bin, once
    assert len(_stored(tmp_path)) == 8

    # Nothing changed: conditional GETs answered 304, no page fetched, no file read.
    c2 = cycle()
    assert server.feed_requests(feed)[-1].get("if-none-match") == '"rss_v1"'
    assert server.feed_requests(atom)[-1].get("if-modified-since") == feedserver.ATOM_MODIFIED
    assert c2["feed"].unchanged and c2["atom"].unchanged and c2["dir"].unchanged
    assert c2["pages"] == [] and not c2["dir"].problems
    assert len(_stored(tmp_path)) == 8

    # New entries in the feed (only their pages are fetched); a line appended, a file added.
    with (folder / "b.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps({"id": "j3", "text": "Sweden pledged aid to Finland after the storm."}) + "\n")
    (folder / "c.txt").write_text("Canada expelled two Russian diplomats.\n", encoding="utf-8")
    c3 = cycle()
    assert c3["feed"].new == 2 and c3["pages"] == ["/page/4", "/page/5"]
    assert c3["dir"].new == 2 and c3["dir"].duplicates == 2  # j1, j2 read again: already stored
    assert c3["atom"].unchanged

    # A server error, then garbage: logged, the watcher goes on, the other sources too.
    c4 = cycle()
    assert c4["feed"].failed and "HTTP 500" in str(c4["feed"].problems[0])
    c5 = cycle()
    assert c5["feed"].failed and "feed" in str(c5["feed"].problems[0]).lower()
    assert any("HTTP 500" in line for line in lines) and any("cycle 5" in line for line in lines)
    assert len(_stored(tmp_path)) == 12
    # The failures kept the last good validators.
    assert server.feed_requests(feed)[-1].get("if-none-match") == '"rss_v2"'

    # Truncated inside the 2nd entry (page 6): page 7 is read, page 6 waits for a whole feed.
    c6 = cycle()
    assert c6["feed"].new == 1 and c6["pages"] == ["/page/7"]
    c7 = cycle()
    assert server.feed_requests(feed)[-1].get("if-none-match") is None  # a full fetch after a cut one
    assert c7["feed"].new == 1 and c7["pages"] == ["/page/6"]

    stored = _stored(tmp_path)
    assert len(stored) == 14
    _assert_no_duplicates(stored)
    urls = {a["url"] for a in stored if a["url"]}
    assert feedserver.expected_urls(server.base, [1, 2, 3, 4, 5, 6, 7]) <= urls
    page6 = next(a for a in stored if a["url"] == server.url("/page/6"))
    assert "patience had run out" in page6["text"]  # the whole page, not the cut description
    assert not any("hidden" in (a["title"] or "").lower() for a in stored)


def test_lost_or_broken_state_costs_work_never_an_article(server, tmp_path: Path, shared_pipeline) -> None:
    """The store is the ground truth: without the state everything is read again, all duplicates."""
    server.feed_plan["/f.xml"] = ["rss_v2"]
    lines: list[str] = []
    w = _watcher([server.url("/f.xml")], tmp_path, shared_pipeline, lines)
    assert w.cycle().new == 5
    state_file = w.state_path
    assert state_file.exists() and json.loads(state_file.read_text())["sources"]

    state_file.write_text("{ this is not json", encoding="utf-8")
    w2 = _watcher([server.url("/f.xml")], tmp_path, shared_pipeline, lines)
    assert any("unreadable watch state" in line for line in lines)
    assert state_file.with_name(state_file.name + ".bad").exists()
    report = w2.cycle()
    assert report.new == 0 and report.sources[0].duplicates == 5
    state_file.unlink()
    w3 = _watcher([server.url("/f.xml")], tmp_path, shared_pipeline, lines)
    assert w3.cycle().new == 0
    assert len(_stored(tmp_path)) == 5


def test_a_feed_that_is_always_cut_loses_nothing(server, tmp_path: Path, shared_pipeline) -> None:
    server.feed_plan["/cut.xml"] = ["trunc_v3"]
    w = _watcher([server.url("/cut.xml")], tmp_path, shared_pipeline, [])
    news = [w.cycle().new for _ in range(HOLD_BACK_LIMIT)]
    assert news == [1] + [0] * (HOLD_BACK_LIMIT - 2) + [1]  # page 6, cut off every time, in the end


def test_private_addresses_need_allow_private(server, tmp_path: Path, shared_pipeline) -> None:
    server.feed_plan["/feed.xml"] = ["rss_v1"]
    w = _watcher([server.url("/feed.xml")], tmp_path, shared_pipeline, [], limits=IngestLimits())
    result = w.cycle().sources[0]
    assert result.failed and "refusing" in str(result.problems[0])
    assert server.feed_requests("/feed.xml") == []


def test_missing_folder_and_settling_files(tmp_path: Path, shared_pipeline) -> None:
    folder = tmp_path / "later"
    lines: list[str] = []
    w = _watcher([str(folder)], tmp_path, shared_pipeline, lines)
    assert w.cycle().sources[0].failed  # not there yet: logged, retried
    folder.mkdir()
    fresh = folder / "x.txt"
    fresh.write_text("Spain recalled its ambassador to Morocco.\n", encoding="utf-8")
    w.settle = 60
    assert w.cycle().new == 0  # still being written, perhaps: next cycle
    old = time.time() - 120
    os.utime(fresh, (old, old))
    assert w.cycle().new == 1


def test_state_is_replaced_atomically(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    state = WatchState(path)
    state.source("x")["files"] = {"a": [1, 2]}
    state.save()
    assert json.loads(path.read_text())["sources"]["x"]["files"] == {"a": [1, 2]}
    assert [p.name for p in tmp_path.iterdir()] == ["s.json"]  # no temporary file left behind
    assert WatchState.load(path).data == state.data


def test_watch_command(server, tmp_path: Path) -> None:
    """The typer command: options, --once, --max-cycles, errors as one line."""
    from typer.testing import CliRunner

    from realpolitik.scale.commands import _standalone

    server.feed_plan["/feed.xml"] = ["rss_v1"]
    app = _standalone()
    runner = CliRunner()
    db = str(tmp_path / "cli.duckdb")
    args = ["watch", server.url("/feed.xml"), "--db", db, "--allow-private", "--no-fetch-pages"]
    result = runner.invoke(app, [*args, "--once"])
    assert result.exit_code == 0, result.output
    assert "3 new" in result.output
    result = runner.invoke(app, [*args, "--every", "0.1s", "--max-cycles", "2"])
    assert result.exit_code == 0 and "cycle 2" in result.output and "nothing new" in result.output
    assert server.page_requests() == []  # --no-fetch-pages: the entries' own text
    bad = runner.invoke(app, [*args, "--every", "soon"])
    assert bad.exit_code == 2 and "duration" in bad.output
    broken = runner.invoke(app, ["watch", str(tmp_path), "--db", str(tmp_path), "--once"])
    assert broken.exit_code == 1 and "directory" in broken.output
