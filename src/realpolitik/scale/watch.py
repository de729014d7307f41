"""``realpolitik watch``: poll feeds and folders, ingest only what is new, survive bad sources and crashes.

Every ``every`` seconds a cycle visits each source:

- **Feed URL**: a conditional GET (``If-None-Match``/``If-Modified-Since`` from the last complete
  fetch); ``304 Not Modified`` ends there. Otherwise the entries whose key (entry id, else link,
  as ingest uses for the article id) was seen before are left out *before* their pages are
  fetched; the new ones are read exactly as ``realpolitik ingest URL`` reads them.
- **Folder or file**: the files (hidden ones skipped, as ingest does) whose modification time or
  size changed since they were last read are read again; what they hold that is already stored
  is a duplicate and skipped (an appended JSONL file gives only its new lines).

A source that fails (HTTP error, timeout, garbage, an unreadable file) is logged and retried next
cycle; the others go on. A truncated feed (the document stops before its closing tag) is read but
its last entry, which may be cut off, is held back until a complete fetch (or three fetches that
end the same way: a feed that is always broken loses nothing), and the validators are not kept,
so the next fetch is a full one.

Crash safety (``kill -9`` at any point): the store is the ground truth. Each article is saved in
one transaction and every candidate is first checked against the store with the same duplicate
rule as ``ingest`` (same URL or same normalised text), so an article saved just before a crash is
a duplicate after the restart, never a second copy. The per-source state (seen entry keys,
ETag/Last-Modified, file mtime+size) only saves work: it is a JSON file next to the store,
replaced atomically (``os.replace``) and written only after what it describes is stored, so a
crash can make the next cycle redo work, never skip an article. A source with an article that
could not be saved keeps its old state and is retried whole.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from realpolitik.errors import InputError, RealpolitikError, StoreError
from realpolitik.ingest import IngestLimits, read_sources
from realpolitik.ingest.feeds import parse_feed, read_feed
from realpolitik.ingest.fetch import FetchedResource, Fetcher, is_url
from realpolitik.ingest.sniff import FORMAT_BY_SUFFIX
from realpolitik.ingest.streams import GZIP_MAGIC, GzipGuard, read_capped
from realpolitik.models import Article, InputProblem
from realpolitik.pipeline import RunReport
from realpolitik.scale.admission import Admission

if TYPE_CHECKING:
    from realpolitik.pipeline import Pipeline
    from realpolitik.store import Store

log = logging.getLogger(__name__)

STATE_VERSION = 1
MAX_SEEN_KEYS = 5000  # entry keys remembered per feed (a feed lists far fewer at a time)
HOLD_BACK_LIMIT = 3  # fetches that end in the same cut-off entry before it is read anyway
_STATE_EVERY_FILES = 25  # write the state after this many files of a big folder
# The document's closing root tag (rss, Atom feed, RSS 1.0 rdf:RDF), maybe namespace-prefixed.
_CLOSING_TAG = re.compile(rb"</\s*(?:[\w.-]+:)?(?:rss|feed|rdf)\s*>\s*$", re.IGNORECASE)
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?", re.IGNORECASE)
_UNIT_SECONDS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
#: Test hook: ``point:n`` kills this process with SIGKILL the n-th time it reaches ``point``
#: (``saved``: an article was stored, its source's state not yet written; ``state``: a state
#: write; ``fetched``: a feed was fetched). Lets the crash tests hit the exact windows that matter.
KILL_AT_ENV = "REALPOLITIK_WATCH_KILL_AT"


def parse_duration(text: str) -> float:
    """Seconds in ``"15m"``, ``"1s"``, ``"0.5s"``, ``"1h30m"``, ``"500ms"``, ``"90"`` (seconds)."""
    s = text.strip().lower().replace(" ", "")
    pos, total = 0, 0.0
    while pos < len(s):
        m = _DURATION.match(s, pos)
        if not m or m.end() == pos:
            raise ValueError(f"{text!r} is not a duration (examples: 15m, 30s, 1h30m, 500ms)")
        total += float(m[1]) * _UNIT_SECONDS[(m[2] or "s").lower()]
        pos = m.end()
    if not s:
        raise ValueError("empty duration")
    return total


def default_state_path(db_location: str) -> Path:
    """The state file beside a DuckDB file; ``./realpolitik.watch.json`` for a server store."""
    if "://" in db_location or db_location == ":memory:":
        return Path("realpolitik.watch.json")
    return Path(db_location + ".watch.json")


# -- state ---------------------------------------------------------------------------------------------


class WatchState:
    """What was already read, per source, in a JSON file replaced atomically."""

    def __init__(self, path: Path, data: dict[str, Any] | None = None) -> None:
        self.path = path
        self.data: dict[str, Any] = data or {"version": STATE_VERSION, "sources": {}}

    @classmethod
    def load(cls, path: Path, report_problem: Callable[[str], None] | None = None) -> WatchState:
        """The state in ``path``; an empty one when there is none or it is unreadable.

        An unreadable state (edited by hand, another program's file) costs only work, never an
        article: it is set aside as ``*.bad`` and everything is checked against the store again.
        """
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            raise StoreError(f"{path}: cannot read the watch state: {exc.strerror or exc}") from None
        try:
            data = json.loads(raw)
            if not isinstance(data, dict) or not isinstance(data.get("sources"), dict):
                raise ValueError("not a watch state")
        except ValueError as exc:
            bad = path.with_name(path.name + ".bad")
            with contextlib.suppress(OSError):
                os.replace(path, bad)
            if report_problem:
                report_problem(
                    f"{path}: unreadable watch state ({exc}); set aside as {bad.name}, starting over"
                )
            return cls(path)
        return cls(path, data)

    def source(self, key: str) -> dict[str, Any]:
        return self.data["sources"].setdefault(key, {})

    def save(self) -> None:
        """Write to a temporary file, fsync it, ``os.replace`` it over the old one, fsync the folder."""
        folder = self.path.parent if str(self.path.parent) else Path(".")
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(self.data, f, ensure_ascii=False, sort_keys=True)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        with contextlib.suppress(OSError):  # not every platform can fsync a directory
            dir_fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(dir_fd)
            finally:
                os.close(dir_fd)
        _fault("state")


# -- one cycle's bookkeeping ----------------------------------------------------------------------------


@dataclass
class SourceReport:
    """What one cycle did for one source."""

    source: str
    new: int = 0  # articles saved
    duplicates: int = 0
    problems: list[InputProblem] = field(default_factory=list)
    unchanged: bool = False  # 304, or no new entries / files
    failed: bool = False  # the source could not be read at all this cycle

    def line(self) -> str:
        if self.failed:
            return f"{self.source}: failed"
        if self.unchanged and not self.new and not self.duplicates:
            return f"{self.source}: nothing new"
        extra = f", {len(self.problems)} problems" if self.problems else ""
        return f"{self.source}: {self.new} new, {self.duplicates} duplicates{extra}"


@dataclass
class CycleReport:
    number: int
    sources: list[SourceReport] = field(default_factory=list)

    @property
    def new(self) -> int:
        return sum(s.new for s in self.sources)


# -- the watcher ----------------------------------------------------------------------------------------


class Watcher:
    """Polls ``sources`` (feed URLs, folders, files) and ingests what is new into the store ``db``."""

    def __init__(
        self,
        sources: Iterable[str],
        *,
        db: str | None = None,
        state_path: str | os.PathLike[str] | None = None,
        limits: IngestLimits | None = None,
        select_sentences: bool = True,
        settle: float = 2.0,
        echo: Callable[[str], None] | None = None,
    ) -> None:
        """``settle``: files modified less than this many seconds ago wait for the next cycle
        (a file still being written is not read half-way). ``echo`` receives the log lines."""
        from realpolitik.store import default_db_path

        self.sources = [s if is_url(s) else os.path.abspath(s) for s in sources]
        self.db = db if db is not None else default_db_path()
        self.state_path = Path(state_path) if state_path else default_state_path(self.db)
        self.limits = limits or IngestLimits()
        self.select_sentences = select_sentences
        self.settle = settle
        self.echo = echo or _stderr
        self.cycles = 0
        self._pipeline: Pipeline | None = None
        self.state = WatchState.load(self.state_path, self.echo)

    @property
    def pipeline(self) -> Pipeline:
        """Loaded at the first article to analyse: a cycle with nothing new loads no model."""
        if self._pipeline is None:
            from realpolitik.pipeline import Pipeline

            self._pipeline = Pipeline(select_sentences=self.select_sentences)
        return self._pipeline

    # -- running ---------------------------------------------------------------------------------

    def run(
        self,
        every: float,
        *,
        max_cycles: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """Cycle every ``every`` seconds (start to start) until ``max_cycles`` (None: forever).

        The store cannot be opened at the first cycle: StoreError (a wrong path should stop the
        command). At a later cycle it is logged and retried (another writer may hold the lock).
        """
        while max_cycles is None or self.cycles < max_cycles:
            started = time.monotonic()
            try:
                self.cycle()
            except StoreError as exc:
                if self.cycles <= 1:
                    raise
                self.echo(f"cycle {self.cycles}: store unavailable, retrying next cycle: {exc}")
            if max_cycles is not None and self.cycles >= max_cycles:
                break
            sleep(max(0.0, every - (time.monotonic() - started)))

    def cycle(self) -> CycleReport:
        """One visit of every source; the store is open only for the cycle (readers can get in
        between cycles: DuckDB allows one writing process)."""
        from realpolitik.store import open_store

        self.cycles += 1
        report = CycleReport(self.cycles)
        with (
            open_store(self.db) as store,
            Fetcher(
                self.limits.fetch_timeout,
                self.limits.max_download_bytes,
                allow_private=self.limits.allow_private,
            ) as pages,
        ):
            for source in self.sources:
                try:
                    if is_url(source):
                        result = self._feed(source, store, pages)
                    else:
                        result = self._path(source, store)
                except StoreError:
                    raise
                except Exception as exc:  # noqa: BLE001 - one broken source must not stop the watcher
                    log.exception("watch: unexpected error on %s", source)
                    result = SourceReport(source, failed=True)
                    result.problems.append(
                        InputProblem(source, f"unexpected error ({type(exc).__name__}: {exc})")
                    )
                report.sources.append(result)
                for problem in result.problems:
                    self.echo(f"cycle {self.cycles}: {problem.kind}: {problem}")
                self.echo(f"cycle {self.cycles}: {result.line()}")
        return report

    # -- articles ----------------------------------------------------------------------------------

    def _ingest(
        self,
        items: Iterable[Article | InputProblem],
        store: Store,
        result: SourceReport,
        admission: Admission,
    ) -> bool:
        """Analyse and save what is new, as ``Pipeline.ingest`` does; False when a save failed
        (the source is then retried whole next cycle)."""
        saved_all = True
        run = RunReport()
        for item in items:
            if isinstance(item, InputProblem):
                result.problems.append(item)
                continue
            before = run.duplicates
            if not admission.admit(item, run):
                result.duplicates += run.duplicates - before
                continue
            where = item.origin or item.id
            try:
                analysed = self.pipeline.analyse(item)
            except RealpolitikError as exc:
                result.problems.append(InputProblem(where, str(exc)))
                continue
            except Exception as exc:  # noqa: BLE001 - as the local engine: one odd article is reported
                result.problems.append(
                    InputProblem(where, f"internal error while coding: {type(exc).__name__}: {exc}")
                )
                continue
            try:
                store.save_article(analysed.article, analysed.mentions, analysed.events)
            except StoreError as exc:
                result.problems.append(InputProblem(where, str(exc)))
                saved_all = False
                continue
            result.new += 1
            _fault("saved")
        return saved_all

    # -- feeds -----------------------------------------------------------------------------------------

    def _feed(self, url: str, store: Store, pages: Fetcher) -> SourceReport:
        result = SourceReport(url)
        st = self.state.source(url)
        try:
            resource, headers = self._fetch_feed(url, st)
        except InputError as exc:
            result.failed = True
            result.problems.append(InputProblem(exc.origin, exc.message, exc.line))
            return result
        _fault("fetched")
        if resource.status == 304:
            result.unchanged = True
            return result
        try:
            body = self._unzip(resource.body, url)
            parsed = parse_feed(body, resource.url, url)
        except InputError as exc:
            result.failed = True
            result.problems.append(InputProblem(exc.origin, exc.message, exc.line))
            return result
        entries = list(parsed.get("entries") or [])[: self.limits.max_feed_entries]
        seen: list[str] = list(st.get("seen") or [])
        seen_set = set(seen)
        keys = [_entry_key(e) for e in entries]
        links = [e.get("link") or None for e in entries]
        truncated = bool(parsed.get("bozo")) and not _CLOSING_TAG.search(body[-512:].replace(b"\x00", b""))
        held: str | None = None
        if truncated and entries:
            held = keys[-1] or links[-1] or f"#{len(entries)}"
            times = st.get("held", {}).get("times", 0) + 1 if st.get("held", {}).get("key") == held else 1
            if times >= HOLD_BACK_LIMIT:
                held = None  # the feed always ends there: the entry is as complete as it gets
            else:
                st["held"] = {"key": held, "times": times}
        skip_keys = {k for k in keys if k in seen_set}
        skip_links = {link for k, link in zip(keys, links, strict=True) if k in seen_set and link}
        skip_numbers = {n for n, k in enumerate(keys, 1) if k in seen_set}
        if held is not None:
            skip_numbers.add(len(entries))
            if keys[-1]:
                skip_keys.add(keys[-1])
            if links[-1]:
                skip_links.add(links[-1])
        if entries and len(skip_numbers) == len(entries):
            result.unchanged = True
            self._save_feed_state(st, headers, seen, [], truncated)  # new validators, hold count
            return result

        def fetch(link: str) -> FetchedResource:
            if link in skip_links:  # an entry read before (or held back): no need for its page
                raise InputError(link, "already read")
            return pages.fetch(link)

        items = read_feed(
            body, url, self.limits, fetch if self.limits.fetch_pages else None, base_url=resource.url
        )
        wanted = (item for item in items if not _of_skipped_entry(item, skip_keys, skip_links, skip_numbers))
        try:
            saved_all = self._ingest(wanted, store, result, Admission(store))
        except InputError as exc:  # read_feed raises for a document with no entries at all
            result.failed = True
            result.problems.append(InputProblem(exc.origin, exc.message, exc.line))
            return result
        if saved_all:
            new_keys = [k for n, k in enumerate(keys, 1) if k and n not in skip_numbers]
            self._save_feed_state(st, headers, seen, new_keys, truncated)
        return result

    def _save_feed_state(
        self,
        st: dict[str, Any],
        headers: dict[str, str],
        seen: list[str],
        new_keys: list[str],
        truncated: bool,
    ) -> None:
        merged = list(dict.fromkeys([*seen, *new_keys]))[-MAX_SEEN_KEYS:]
        st["seen"] = merged
        if truncated:  # the next fetch must be a full one
            st.pop("etag", None)
            st.pop("last_modified", None)
        else:
            st.pop("held", None)
            st["etag"] = headers.get("etag")
            st["last_modified"] = headers.get("last-modified")
        self.state.save()

    def _fetch_feed(self, url: str, st: dict[str, Any]) -> tuple[FetchedResource, dict[str, str]]:
        """GET with the validators of the last complete fetch; returns the response's headers too.

        The Fetcher (timeouts, size cap, address guard, redirects one hop at a time) is used as
        is; the conditional headers go on its client, the final response's headers are taken
        from an httpx response hook.
        """
        captured: dict[str, str] = {}
        with Fetcher(
            self.limits.fetch_timeout, self.limits.max_download_bytes, allow_private=self.limits.allow_private
        ) as fetcher:
            client = fetcher.client
            if st.get("etag"):
                client.headers["If-None-Match"] = st["etag"]
            if st.get("last_modified"):
                client.headers["If-Modified-Since"] = st["last_modified"]

            def keep_headers(response: Any) -> None:
                captured.clear()
                captured.update({k.lower(): v for k, v in response.headers.items()})
                captured[":status"] = str(response.status_code)

            client.event_hooks = {"request": [], "response": [keep_headers]}
            try:
                resource = fetcher.fetch(url)
            except InputError:
                # Fetcher takes every 3xx for a redirect and refuses a 304 for its missing
                # Location; for a conditional GET it is the answer "nothing new".
                if captured.get(":status") != "304":
                    raise
                resource = FetchedResource(url, 304, None, None, b"")
        return resource, captured

    def _unzip(self, body: bytes, url: str) -> bytes:
        """A feed served gzipped as a file (not as Content-Encoding), within the bomb guard."""
        if not body.startswith(GZIP_MAGIC):
            return body
        import io

        stream = GzipGuard(io.BytesIO(body), self.limits.max_decompressed_bytes, url)
        return read_capped(
            io.BufferedReader(stream), self.limits.max_file_bytes, url, "decompressed feed is too large"
        )

    # -- folders and files ------------------------------------------------------------------------------

    def _path(self, source: str, store: Store) -> SourceReport:
        result = SourceReport(source)
        path = Path(source)
        if not path.exists():
            result.failed = True
            result.problems.append(InputProblem(source, "no such file or directory"))
            return result
        st = self.state.source(source)
        known: dict[str, list[int]] = st.setdefault("files", {})
        files = [path] if path.is_file() else _walk(path, result.problems)
        present = {str(f) for f in files}
        gone = [f for f in known if f not in present]
        for name in gone:
            del known[name]  # a file put back later is read again (its articles are duplicates)
        now = time.time()
        done = 0
        for file in files:
            try:
                info = file.stat()
            except OSError as exc:
                result.problems.append(InputProblem(str(file), f"cannot read: {exc.strerror or exc}"))
                continue
            stamp = [info.st_mtime_ns, info.st_size]
            if known.get(str(file)) == stamp or 0 <= now - info.st_mtime < self.settle:
                continue
            if file != path and not _supported(file):
                result.problems.append(
                    InputProblem(
                        str(file),
                        f"unsupported file type {file.suffix or '(no suffix)'!r}: skipped",
                        kind="skipped",
                    )
                )
            elif not self._ingest(read_sources([str(file)], self.limits), store, result, Admission(store)):
                continue  # a save failed: the file is read again next cycle
            known[str(file)] = stamp
            done += 1
            if done % _STATE_EVERY_FILES == 0:
                self.state.save()
        if done or gone:
            self.state.save()
        result.unchanged = done == 0
        return result


# -- helpers ----------------------------------------------------------------------------------------------


def _entry_key(entry: Any) -> str | None:
    """The key ingest gives an entry (its id, else its link): also the article's id."""
    key = entry.get("id") or entry.get("link")
    return str(key) if key else None


def _of_skipped_entry(
    item: Article | InputProblem, keys: set[str], links: set[str], numbers: set[int]
) -> bool:
    """Whether ``item`` (from read_feed) comes from an entry that is not to be read now."""
    if isinstance(item, InputProblem):
        return item.line is not None and item.line in numbers
    raw = item.metadata.get("raw_id")
    return item.id in keys or (raw is not None and str(raw) in keys) or (item.origin in links)


def _supported(file: Path) -> bool:
    name = file.name.lower()
    inner = name[:-3] if name.endswith(".gz") else name
    return Path(inner).suffix in FORMAT_BY_SUFFIX


def _walk(root: Path, problems: list[InputProblem]) -> list[Path]:
    """Files under ``root`` as ingest reads a folder: hidden entries skipped, sorted by path parts."""
    files: list[Path] = []

    def onerror(err: OSError) -> None:
        problems.append(
            InputProblem(str(err.filename or root), f"cannot read directory: {err.strerror or err}")
        )

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        files.extend(Path(dirpath) / f for f in filenames if not f.startswith("."))
    return sorted(files, key=lambda p: p.relative_to(root).parts)


def _stderr(line: str) -> None:
    stamp = datetime.now().strftime("%Y-%m-%d %H:%M:%S")
    print(f"{stamp} {line}", file=sys.stderr, flush=True)


_fault_counts: dict[str, int] = {}


def _fault(point: str) -> None:
    """The crash-test hook (see KILL_AT_ENV): a real SIGKILL, no cleanup of any kind runs."""
    spec = os.environ.get(KILL_AT_ENV)
    if not spec:
        return
    name, _, nth = spec.partition(":")
    if name != point:
        return
    _fault_counts[point] = _fault_counts.get(point, 0) + 1
    if _fault_counts[point] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)
