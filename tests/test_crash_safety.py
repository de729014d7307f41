"""Crash safety of ``realpolitik ingest`` on the DuckDB store: SIGKILL at random points.

Each trial starts ``realpolitik ingest FILE --db DB --quiet`` in a subprocess and kills it with
SIGKILL at a random moment of one of three phases, chosen by watching the database files grow:

* ``startup``: before the store exists (interpreter start, imports);
* ``migration``: while the schema is being created (the database file has just appeared);
* ``writing``: while articles are being saved, up to the final checkpoint at close.

After each kill the store must open, and be consistent: every stored article has exactly the
events (same event_ids) and mentions an uninterrupted reference run gave it, and no event or
mention lacks its article. Re-running the same command (after a second kill, every third
trial) must end with exactly the reference's articles and events.

One failure is known and is not the ingest's: a kill at the instant DuckDB creates a new store
file leaves a file of 0 or 4096 bytes that no later command can open ("not a valid DuckDB
database file"); the user has to delete it. Such trials are counted as ``creation`` kills and
reported (a warning under pytest), and the file is removed before the re-run;
``RP_KILL_STRICT=1`` makes them fail instead. Every other inconsistency fails the test.

``make test`` runs 5 trials; ``RP_KILL_TRIALS=30 pytest tests/test_crash_safety.py`` more. Run as
a script (``python tests/test_crash_safety.py --trials 30``) it prints one line a trial and a
summary (the figures of benchmarks/reliability.md).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from realpolitik.errors import StoreError

BIN = Path(sys.executable).parent / "realpolitik"
COUNTRIES = [
    "France",
    "Germany",
    "Russia",
    "China",
    "Iran",
    "Israel",
    "Japan",
    "Brazil",
    "India",
    "Turkey",
    "Ukraine",
    "Egypt",
    "Canada",
    "Mexico",
    "Poland",
    "Nigeria",
]
VERBS = [
    "criticized",
    "met",
    "accused",
    "praised",
    "threatened",
    "condemned",
    "visited",
    "warned",
    "thanked",
    "sanctioned",
    "negotiated with",
    "attacked",
]
N_ARTICLES = 40
POLL = 0.002  # seconds between looks at the database files
PHASES = ("writing", "migration", "writing", "startup", "writing")


def write_input(path: Path, seed: int = 8) -> None:
    """40 short articles, each sentence a country doing something to another: events come out."""
    rng = random.Random(seed)
    texts: set[str] = set()
    with path.open("w", encoding="utf-8") as fh:
        for i in range(N_ARTICLES):
            while True:
                sentences = []
                for _ in range(6):
                    a, b = rng.sample(COUNTRIES, 2)
                    sentences.append(f"{a} {rng.choice(VERBS)} {b} on {rng.choice(['Monday', 'Tuesday'])}.")
                text = " ".join(sentences[:3]) + "\n\n" + " ".join(sentences[3:])
                if text not in texts:
                    break
            texts.add(text)
            record = {
                "id": f"a{i:02d}",
                "date": f"2020-03-{i % 28 + 1:02d}",
                "title": sentences[0],
                "text": text,
            }
            fh.write(json.dumps(record) + "\n")


def command(source: Path, db: Path) -> list[str]:
    return [str(BIN), "ingest", str(source), "--db", str(db), "--quiet"]


def sizes(db: Path) -> tuple[int, int]:
    """(database file size, WAL size); -1 for a file that does not exist."""
    out = []
    for path in (db, db.with_name(db.name + ".wal")):
        try:
            out.append(path.stat().st_size)
        except FileNotFoundError:
            out.append(-1)
    return out[0], out[1]


@dataclass
class Timeline:
    """What an uninterrupted run looks like from outside: changes of the database files' sizes."""

    duration: float
    db_created: float  # seconds after the start
    migrated_wal: int  # WAL size once the schema exists: saving articles grows it further
    migration_changes: int  # size changes while the schema is created
    writing_changes: int  # size changes from the first saved article to the end (checkpoint)


def run_watched(source: Path, db: Path) -> Timeline:
    """Run ingest to the end, watching the files: where are the phases?"""
    started = time.monotonic()
    proc = subprocess.Popen(command(source, db), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    changes: list[tuple[float, tuple[int, int]]] = []
    last = (-2, -2)
    while proc.poll() is None:
        now = sizes(db)
        if now != last:
            changes.append((time.monotonic() - started, now))
            last = now
        time.sleep(POLL)
    duration = time.monotonic() - started
    _, err = proc.communicate()
    assert proc.returncode == 0, err.decode()
    first = next(i for i, (_, (d, _)) in enumerate(changes) if d >= 0)
    # Loading the models is the longest quiet stretch: the schema before it, articles after it.
    _, before = max((changes[i + 1][0] - changes[i][0], i) for i in range(first, len(changes) - 1))
    return Timeline(
        duration=duration,
        db_created=changes[first][0],
        migrated_wal=max(changes[before][1][1], 0),
        migration_changes=before - first + 1,
        writing_changes=len(changes) - before - 1,
    )


# A DuckDB file smaller than its three header blocks holds no data: its creation was cut short.
HEADER_BYTES = 3 * 4096


def observed_phase(db: Path, ref: Timeline) -> str:
    d, wal = sizes(db)
    if d < 0:
        return "startup"
    if d < HEADER_BYTES:
        return "creation"
    return "migration" if wal <= ref.migrated_wal else "writing"


def unopenable_new_store(db: Path, exc: StoreError) -> bool:
    """The known failure: a store file whose creation was killed, which DuckDB cannot open."""
    d, _ = sizes(db)
    text = str(exc)
    return 0 <= d < HEADER_BYTES and ("not a valid DuckDB" in text or "Could not read enough bytes" in text)


def run_killed(
    source: Path, db: Path, phase: str, ref: Timeline, rng: random.Random
) -> tuple[str, float, bool]:
    """Start ingest and SIGKILL it at a random point of ``phase``.

    The point is counted in changes of the files' sizes (one per saved article, more while the
    store checkpoints at close), not in seconds, so it does not depend on how loaded the machine
    is. Returns the phase seen at the kill, the seconds since the start, and whether the run had
    finished before.
    """
    started = time.monotonic()
    proc = subprocess.Popen(command(source, db), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if phase == "startup":  # a random moment before the store file appears
        deadline = started + rng.uniform(0, ref.db_created)
        while proc.poll() is None and time.monotonic() < deadline and sizes(db)[0] < 0:
            time.sleep(POLL)
    else:
        target = (
            rng.randint(0, ref.migration_changes)
            if phase == "migration"
            else rng.randint(1, ref.writing_changes + 1)
        )
        seen, last = 0, sizes(db)
        while proc.poll() is None:
            now = sizes(db)
            begun = now[0] >= 0 if phase == "migration" else now[1] > ref.migrated_wal
            if begun and now != last:
                seen += 1
            last = now
            if begun and seen >= target:
                break
            time.sleep(POLL)
        time.sleep(rng.uniform(0, 0.02))  # anywhere between two changes, mid-transaction included
    finished = proc.poll() is not None
    seen_phase = "finished" if finished else observed_phase(db, ref)
    if not finished:
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return seen_phase, time.monotonic() - started, finished


@dataclass
class Snapshot:
    articles: set[str]
    events: dict[str, set[str]]  # article id -> event ids
    mentions: Counter[str]  # article id -> number of mentions
    orphan_events: int
    orphan_mentions: int
    actors: set[str]


def snapshot(db: Path) -> Snapshot:
    """Open the store as a user would (open_store replays the WAL and migrates), then read it."""
    import duckdb

    from realpolitik.store import open_store

    with open_store(str(db)) as store:
        assert store.schema_version >= 1
    con = duckdb.connect(str(db), read_only=True)
    try:
        articles = {r[0] for r in con.execute("SELECT id FROM articles").fetchall()}
        count = con.execute("SELECT COUNT(*) FROM articles").fetchone()
        assert count is not None and count[0] == len(articles), "duplicate article ids"
        events: dict[str, set[str]] = {a: set() for a in articles}
        for article_id, event_id in con.execute("SELECT article_id, event_id FROM events").fetchall():
            events.setdefault(article_id, set()).add(event_id)
        mentions = Counter(
            dict(con.execute("SELECT article_id, COUNT(*) FROM mentions GROUP BY 1").fetchall())
        )
        orphan_events = con.execute(
            "SELECT COUNT(*) FROM events e LEFT JOIN articles a ON a.id = e.article_id WHERE a.id IS NULL"
        ).fetchone()
        orphan_mentions = con.execute(
            "SELECT COUNT(*) FROM mentions m LEFT JOIN articles a ON a.id = m.article_id WHERE a.id IS NULL"
        ).fetchone()
        actors = {r[0] for r in con.execute("SELECT code FROM actors").fetchall()}
    finally:
        con.close()
    assert orphan_events is not None and orphan_mentions is not None
    return Snapshot(articles, events, mentions, orphan_events[0], orphan_mentions[0], actors)


def check_consistent(got: Snapshot, ref: Snapshot, label: str) -> None:
    assert got.orphan_events == 0, f"{label}: {got.orphan_events} events without their article"
    assert got.orphan_mentions == 0, f"{label}: {got.orphan_mentions} mentions without their article"
    assert got.articles <= ref.articles, f"{label}: unknown articles {got.articles - ref.articles}"
    for article in got.articles:
        assert got.events.get(article, set()) == ref.events.get(article, set()), (
            f"{label}: article {article} has events {sorted(got.events.get(article, ()))}, "
            f"expected {sorted(ref.events.get(article, ()))}"
        )
        assert got.mentions[article] == ref.mentions[article], (
            f"{label}: article {article} has {got.mentions[article]} mentions, "
            f"expected {ref.mentions[article]}"
        )


def check_complete(got: Snapshot, ref: Snapshot, label: str) -> None:
    check_consistent(got, ref, label)
    assert got.articles == ref.articles, f"{label}: missing articles {sorted(ref.articles - got.articles)}"
    assert got.actors == ref.actors, f"{label}: actors differ"


@dataclass
class Trial:
    number: int
    aimed: str  # the phase the kill was aimed at
    phase: str  # the phase seen at the kill: startup, migration, writing (or finished)
    killed_at: float
    finished_before_kill: bool
    articles_after_kill: int
    second_kill: bool
    unopenable: int = 0  # kills that left a new store file no command can open (the known bug)


class Harness:
    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.source = workdir / "articles.jsonl"
        write_input(self.source)
        ref_db = workdir / "reference.duckdb"
        self.timeline = run_watched(self.source, ref_db)
        self.reference = snapshot(ref_db)
        assert len(self.reference.articles) == N_ARTICLES
        assert sum(map(len, self.reference.events.values())) >= N_ARTICLES, "too few events to test with"

    def trial(self, number: int, rng: random.Random) -> Trial:
        db = self.workdir / f"trial-{number}.duckdb"
        aimed = PHASES[number % len(PHASES)]  # every phase in any 5 trials; the moment is random
        phase, killed_at, finished = run_killed(self.source, db, aimed, self.timeline, rng)
        unopenable = 0
        after_kill = self.check_after_kill(db, f"trial {number} after a kill in {phase}")
        if after_kill is None:
            unopenable += 1
        second = number % 3 == 2
        if second:  # kill the recovery run too, then check again
            run_killed(self.source, db, "writing", self.timeline, rng)
            if self.check_after_kill(db, f"trial {number} after a second kill") is None:
                unopenable += 1
        done = subprocess.run(command(self.source, db), capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, f"trial {number}: re-run failed: {done.stderr}"
        check_complete(snapshot(db), self.reference, f"trial {number} after the re-run")
        for path in (db, db.with_name(db.name + ".wal")):
            path.unlink(missing_ok=True)
        saved = len(after_kill.articles) if after_kill else 0
        return Trial(number, aimed, phase, killed_at, finished, saved, second, unopenable)

    def check_after_kill(self, db: Path, label: str) -> Snapshot | None:
        """The store's snapshot, checked; None (file removed) for the known unopenable new file."""
        try:
            got = snapshot(db)
        except StoreError as exc:
            if not unopenable_new_store(db, exc) or os.environ.get("RP_KILL_STRICT"):
                raise
            warnings.warn(f"{label}: {exc} (known: store creation is not atomic)", stacklevel=2)
            for path in (db, db.with_name(db.name + ".wal")):
                path.unlink(missing_ok=True)
            return None
        check_consistent(got, self.reference, label)
        return got


@pytest.fixture(scope="module")
def harness() -> Iterator[Harness]:
    if not BIN.exists():
        pytest.skip(f"{BIN} not installed")
    with tempfile.TemporaryDirectory(prefix="rp-kill-") as d:
        yield Harness(Path(d))


def test_sigkill_during_ingest_leaves_a_consistent_store(harness: Harness) -> None:
    trials = int(os.environ.get("RP_KILL_TRIALS", "5"))
    rng = random.Random(int(os.environ.get("RP_KILL_SEED", "0")))
    results = [harness.trial(i, rng) for i in range(trials)]
    assert len(results) == trials


def test_rerun_of_a_complete_ingest_changes_nothing(harness: Harness) -> None:
    db = harness.workdir / "twice.duckdb"
    shutil.copy(harness.workdir / "reference.duckdb", db)
    done = subprocess.run(command(harness.source, db), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    check_complete(snapshot(db), harness.reference, "second complete run")


def main() -> int:
    ap = argparse.ArgumentParser(description="Kill trials of realpolitik ingest (see the module docstring).")
    ap.add_argument("--trials", type=int, default=30)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="rp-kill-") as d:
        h = Harness(Path(d))
        t = h.timeline
        n_events = sum(map(len, h.reference.events.values()))
        print(
            f"reference: {N_ARTICLES} articles, {n_events} events, "
            f"{sum(h.reference.mentions.values())} mentions; "
            f"run {t.duration:.2f} s, store created at {t.db_created:.2f} s; "
            f"{t.migration_changes} file size changes while migrating, {t.writing_changes} while saving"
        )
        results = []
        started = time.monotonic()
        for i in range(args.trials):
            r = h.trial(i, rng)
            results.append(r)
            what = (
                f"aimed at {r.aimed}, finished before the kill"
                if r.finished_before_kill
                else f"SIGKILL in {r.phase:<9} at {r.killed_at:5.2f} s, {r.articles_after_kill:>2} saved"
            )
            again = ", killed again during recovery" if r.second_kill else ""
            verdict = (
                f"UNOPENABLE store file left {r.unopenable}x (known bug), removed; re-run complete"
                if r.unopenable
                else "consistent; re-run complete"
            )
            print(f"trial {i:>3}: {what}{again}: {verdict}")
        phases = Counter(r.phase for r in results)
        mid = sum(1 for r in results if 0 < r.articles_after_kill < N_ARTICLES and not r.finished_before_kill)
        bad = sum(r.unopenable for r in results)
        print(
            f"\n{len(results)} trials in {time.monotonic() - started:.0f} s ({dict(phases)}); "
            f"{mid} killed with some but not all articles saved; "
            f"{sum(r.second_kill for r in results)} also killed during recovery; "
            f"{bad} kills left an unopenable new store file (known, not ingest's); "
            "every opened store consistent, every re-run complete"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
