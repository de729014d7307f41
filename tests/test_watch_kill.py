"""``watch`` killed with SIGKILL, again and again: the store ends with exactly the expected articles.

The watcher runs as a subprocess (``python -m realpolitik.scale.commands watch``) over a local feed
server whose feed changes between fetches (new entries, a 500, garbage, a truncated document) and
a folder that gets new files between runs. It is killed at the exact points that matter (through
the ``REALPOLITIK_WATCH_KILL_AT`` hook: right after an article is saved and before the state
says so, right after a state write, right after a fetch) and at random moments; then a last run
goes to the end. Every article must be stored once: none lost, none twice.

``RP_KILL_TRIALS`` sets the number of random kills (default 2); ``RP_KILL_SEED`` their seed.
"""

from __future__ import annotations

import importlib.util
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from realpolitik.models import text_hash
from realpolitik.scale.watch import KILL_AT_ENV

FIXTURES = Path(__file__).parent / "fixtures" / "watch"
RANDOM_TRIALS = int(os.environ.get("RP_KILL_TRIALS", "2"))
SEED = int(os.environ.get("RP_KILL_SEED", str(int(time.time()))))
# Where the deterministic kills land (see realpolitik.scale.watch.KILL_AT_ENV).
KILL_POINTS = ["saved:2", "state:3", "fetched:2", "saved:3"]
FEED_PLAN = ["rss_v1", "error500", "rss_v2", "garbage", "trunc_v3", "rss_v2", "rss_v3"]

_COUNTRIES = [
    "Chile",
    "Peru",
    "Kenya",
    "Uganda",
    "Norway",
    "Denmark",
    "Canada",
    "Spain",
    "Morocco",
    "Vietnam",
]
_VERBS = ["criticized", "praised", "threatened", "accused", "thanked"]
FILES_PER_RANDOM_TRIAL = 30  # enough work that a random kill often lands in the middle of it


def _file_text(n: int) -> str:
    """A distinct short synthetic article for the n-th file."""
    a = _COUNTRIES[n % len(_COUNTRIES)]
    b = _COUNTRIES[(n // len(_COUNTRIES) + n + 1) % len(_COUNTRIES)]
    return f"{a} {_VERBS[n % len(_VERBS)]} {b} in statement number {n} on Monday."


def _load_feedserver():
    spec = importlib.util.spec_from_file_location("watch_feedserver_kill", FIXTURES / "feedserver.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


feedserver = _load_feedserver()


def _watch(args: list[str], log: Path, env_extra: dict[str, str] | None = None) -> subprocess.Popen:
    env = dict(os.environ)
    env.pop(KILL_AT_ENV, None)
    env.update(env_extra or {})
    with log.open("ab") as out:
        out.write(f"\n=== watch {' '.join(args)} {env_extra or ''}\n".encode())
        out.flush()
        return subprocess.Popen(
            [sys.executable, "-m", "realpolitik.scale.commands", "watch", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
        )


def _finish(proc: subprocess.Popen, timeout: float = 60) -> int:
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


def test_kill_9_at_any_point_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    from realpolitik.store import open_store

    rng = random.Random(SEED)
    folder = tmp_path / "inbox"
    folder.mkdir()
    log = tmp_path / "watch.log"
    written: list[str] = []

    def add_file() -> None:
        text = _file_text(len(written))
        (folder / f"n{len(written):03d}.txt").write_text(text + "\n", encoding="utf-8")
        written.append(text)

    def add_line() -> None:  # an appended JSONL: old lines are duplicates, the new one is new
        n = sum(1 for _ in (folder / "log.jsonl").open()) if (folder / "log.jsonl").exists() else 0
        text = f"Statement {n}: Ghana and Togo agreed to hold talks on the border."
        with (folder / "log.jsonl").open("a", encoding="utf-8") as f:
            f.write(json.dumps({"id": f"line-{n}", "text": text}) + "\n")
        written.append(text)

    with feedserver.FeedServer() as server:
        server.feed_plan["/feed.xml"] = FEED_PLAN
        server.feed_plan["/atom.xml"] = ["atom"]
        db = tmp_path / "db.duckdb"
        args = [server.url("/feed.xml"), server.url("/atom.xml"), str(folder), "--db", str(db)]
        args += ["--allow-private", "--settle", "0", "--every", "0.2s"]
        killed = 0
        add_file()
        add_line()
        for point in KILL_POINTS:
            code = _finish(_watch([*args, "--max-cycles", "6"], log, {KILL_AT_ENV: point}))
            killed += code == -signal.SIGKILL
            add_file()
            add_line()
        for _ in range(RANDOM_TRIALS):
            for _ in range(FILES_PER_RANDOM_TRIAL):
                add_file()
            add_line()
            proc = _watch([*args, "--max-cycles", "30"], log)
            time.sleep(rng.uniform(1.0, 4.0))
            proc.send_signal(signal.SIGKILL)
            killed += _finish(proc) == -signal.SIGKILL
        # The last run goes to the end: every feed phase served, the last one (all entries) too.
        code = _finish(_watch([*args, "--max-cycles", str(len(FEED_PLAN) + 2), "--every", "0.1s"], log))
        assert code == 0, log.read_text(errors="replace")[-3000:]
        assert server.phase("/feed.xml") == "rss_v3"

    assert killed >= len(KILL_POINTS) // 2, f"only {killed} runs died by SIGKILL (seed {SEED})"
    with open_store(db, read_only=True) as store:
        stored = store.articles(limit=None, ids=[a["id"] for a in store.articles(limit=None)])
    urls = [a["url"] for a in stored if a["url"]]
    hashes = [text_hash(a["text"]) for a in stored]
    context = f"seed {SEED}; log: {log}"
    assert len(set(hashes)) == len(hashes), f"duplicate texts ({context})"
    assert len(set(urls)) == len(urls), f"duplicate URLs ({context})"
    expected_urls = feedserver.expected_urls(server.base, [1, 2, 3, 4, 5, 6, 7])
    assert {u for u in urls if u.startswith("http")} == expected_urls, context
    assert {a["id"] for a in stored} >= {"urn:realpolitik-test:atom:1", "urn:realpolitik-test:atom:2"}
    texts = {a["text"].strip() for a in stored}
    assert set(written) <= texts, f"lost: {set(written) - texts} ({context})"
    assert len(stored) == 7 + 2 + len(written), context


@pytest.mark.parametrize("point", ["saved:1"])
def test_killed_right_after_the_first_save_restarts_cleanly(tmp_path: Path, point: str) -> None:
    """The narrowest window: the article is stored, nothing else is (no state file yet)."""
    from realpolitik.store import open_store

    folder = tmp_path / "in"
    folder.mkdir()
    for i in range(3):
        (folder / f"{i}.txt").write_text(_file_text(i) + "\n", encoding="utf-8")
    db = tmp_path / "db.duckdb"
    log = tmp_path / "watch.log"
    args = [str(folder), "--db", str(db), "--settle", "0", "--once"]
    assert _finish(_watch(args, log, {KILL_AT_ENV: point})) == -signal.SIGKILL
    assert not Path(str(db) + ".watch.json").exists()
    with open_store(db, read_only=True) as store:
        assert store.stats()["articles"] == 1
    assert _finish(_watch(args, log)) == 0
    with open_store(db, read_only=True) as store:
        assert store.stats()["articles"] == 3
    assert "1 duplicates" in log.read_text()
