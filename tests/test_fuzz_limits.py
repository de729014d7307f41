"""Every resource limit of IngestLimits: refused with a message that names the limit, its value and
how to change it, quickly, and without stopping the run (the next source is still read).

Downloads are served by a local server on 127.0.0.1 (``allow_private=True``), never the network.
"""

from __future__ import annotations

import gzip
import io
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realpolitik.ingest import IngestLimits, read_sources
from realpolitik.ingest.limits import limit_hint
from realpolitik.models import Article, InputProblem

GOOD = '{"id": "after", "text": "France criticized Germany on Monday."}\n'


def read(*sources: str | Path, stdin: bytes | None = None, **limits: object) -> list[Article | InputProblem]:
    stream = io.BytesIO(stdin) if stdin is not None else None
    return list(read_sources([str(s) for s in sources], IngestLimits(**limits), stdin=stream))  # type: ignore[arg-type]


def refused(items: list[Article | InputProblem], limit: str, value: str) -> InputProblem:
    """The one problem naming ``limit``; checks it says the value and how to change the limit."""
    found = [i for i in items if isinstance(i, InputProblem) and limit in i.message]
    assert len(found) == 1, items
    problem = found[0]
    assert f"{limit}={value}" in problem.message, problem.message
    assert limit_hint(limit) in problem.message, problem.message
    assert f"--{limit.replace('_', '-')}" in problem.message
    return problem


def still_reads_next(items: list[Article | InputProblem]) -> None:
    assert isinstance(items[-1], Article) and items[-1].id == "after", items


@pytest.fixture
def after(tmp_path: Path) -> Path:
    path = tmp_path / "after.jsonl"
    path.write_text(GOOD)
    return path


# -- files -----------------------------------------------------------------------------------------


def test_max_file_bytes(tmp_path: Path, after: Path) -> None:
    for name, body in [
        ("big.jsonl", GOOD * 100),
        ("big.json", json.dumps([json.loads(GOOD)] * 100)),
        (
            "big.rss",
            "<rss><channel>" + "<item><description>x</description></item>" * 100 + "</channel></rss>",
        ),
    ]:
        path = tmp_path / name
        path.write_text(body)
        items = read(path, after, max_file_bytes=1000)
        refused(items, "max_file_bytes", "1,000")
        still_reads_next(items)


def test_max_file_bytes_on_stdin(tmp_path: Path) -> None:
    """A stream has no size to look at first: it is read up to the limit and refused past it."""
    items = read("-", stdin=json.dumps([json.loads(GOOD)] * 200).encode(), max_file_bytes=2000)
    refused(items, "max_file_bytes", "2,000")


def test_max_article_chars_every_format(tmp_path: Path, after: Path) -> None:
    long_text = "France criticized Germany on Monday. " * 100  # 3,700 characters
    page = f"<html><body><article><p>{long_text}</p></article></body></html>"
    item = f"<item><title>t</title><description>{long_text}</description></item>"
    feed = f'<rss version="2.0"><channel>{item}</channel></rss>'
    for name, body in [
        ("long.txt", long_text),
        ("long.jsonl", json.dumps({"text": long_text}) + "\n"),
        ("long.json", json.dumps([{"text": long_text}])),
        ("long.html", page),
        ("long.rss", feed),
        ("long.txt.gz", gzip.compress(long_text.encode())),
    ]:
        path = tmp_path / name
        path.write_bytes(body if isinstance(body, bytes) else body.encode())
        items = read(path, after, max_article_chars=1000, fetch_pages=False)
        problem = refused(items, "max_article_chars", "1,000")
        assert "characters" in problem.message
        still_reads_next(items)


def test_max_article_chars_refuses_big_text_file_unread(tmp_path: Path) -> None:
    """A text file bigger than 4 bytes a character allows is refused by its size alone."""
    path = tmp_path / "big.txt"
    path.write_bytes(b"word " * 1_000_000)  # 5 MB
    start = time.monotonic()
    items = read(path, max_article_chars=100_000)
    assert time.monotonic() - start < 1
    refused(items, "max_article_chars", "100,000")


def test_overlong_json_line_skipped_and_next_line_read(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    limits = IngestLimits(max_article_chars=1000)
    path.write_bytes(b'{"text": "' + b"x" * (limits.max_line_bytes + 10) + b'"}\n' + GOOD.encode())
    items = read(path, max_article_chars=1000)
    problem = items[0]
    assert isinstance(problem, InputProblem) and problem.line == 1
    assert "line longer than" in problem.message and limit_hint("max_article_chars") in problem.message
    still_reads_next(items)


def test_max_decompressed_bytes(tmp_path: Path, after: Path) -> None:
    bomb = gzip.compress(b"\n" * (30 * 1024 * 1024))  # 30 MB from ~30 KB
    for name in ("bomb.jsonl.gz", "bomb.gz", "bomb.data"):
        path = tmp_path / name
        path.write_bytes(bomb)
        start = time.monotonic()
        items = read(path, after, max_decompressed_bytes=1024 * 1024)
        assert time.monotonic() - start < 3
        problem = refused(items, "max_decompressed_bytes", "1,048,576")
        assert "gzip bomb" in problem.message
        still_reads_next(items)
    items = read("-", stdin=bomb, max_decompressed_bytes=1024 * 1024)
    refused(items, "max_decompressed_bytes", "1,048,576")


def test_max_feed_entries(tmp_path: Path) -> None:
    entries = "".join(
        f"<item><title>T{i}</title><description>Text {i}.</description></item>" for i in range(25)
    )
    path = tmp_path / "many.rss"
    path.write_text(f'<rss version="2.0"><channel><title>C</title>{entries}</channel></rss>')
    items = read(path, max_feed_entries=5, fetch_pages=False)
    problem = next(i for i in items if isinstance(i, InputProblem))
    assert "25 entries" in problem.message and "max_feed_entries" in problem.message
    assert limit_hint("max_feed_entries") in problem.message
    assert sum(isinstance(i, Article) for i in items) == 5


# -- downloads (local server) ----------------------------------------------------------------------

PAGE = b"<html><body><article><p>France criticized Germany on Monday.</p></article></body></html>"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        try:
            self._route()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _send(self, status: int, headers: dict[str, str], body: bytes | None = None) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if body is not None:
            self.wfile.write(body)

    def _route(self) -> None:
        html = {"Content-Type": "text/html"}
        if self.path == "/declared-big":  # says 50 MB up front: refused before reading
            self._send(200, {**html, "Content-Length": str(50 * 1024 * 1024)})
            self.wfile.write(b"<html>" * 1000)
        elif self.path == "/undeclared-big":  # no length: counted while streaming
            self._send(200, {**html, "Connection": "close"})
            for _ in range(300):
                self.wfile.write(b"<p>word</p>" * 1000)
        elif self.path == "/encoded-bomb":  # small on the wire, huge once decoded by httpx
            body = gzip.compress(b"<p>" + b"a" * (40 * 1024 * 1024) + b"</p>")
            self._send(200, {**html, "Content-Encoding": "gzip", "Content-Length": str(len(body))}, body)
        elif self.path == "/file-bomb.gz":  # a .gz file served as is: GzipGuard
            body = gzip.compress(b"\n" * (40 * 1024 * 1024))
            self._send(200, {"Content-Type": "application/gzip", "Content-Length": str(len(body))}, body)
        elif self.path == "/slow-headers":
            time.sleep(1.5)
            self._send(200, {**html, "Content-Length": str(len(PAGE))}, PAGE)
        elif self.path == "/drip":
            self._send(200, {**html, "Connection": "close"})
            for _ in range(40):
                self.wfile.write(b"<p>drip</p>")
                self.wfile.flush()
                time.sleep(0.1)
        else:
            self._send(200, {**html, "Content-Length": str(len(PAGE))}, PAGE)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.mark.parametrize("path", ["/declared-big", "/undeclared-big", "/encoded-bomb"])
def test_max_download_bytes(server: str, after: Path, path: str) -> None:
    start = time.monotonic()
    items = read(f"{server}{path}", after, allow_private=True, max_download_bytes=1_000_000)
    assert time.monotonic() - start < 5
    problem = refused(items, "max_download_bytes", "1,000,000")
    assert problem.origin == f"{server}{path}"
    still_reads_next(items)


def test_downloaded_gzip_file_bomb(server: str) -> None:
    items = read(f"{server}/file-bomb.gz", allow_private=True, max_decompressed_bytes=1024 * 1024)
    refused(items, "max_decompressed_bytes", "1,048,576")


@pytest.mark.parametrize(
    ("path", "words"), [("/slow-headers", "timed out after 0.5 s"), ("/drip", "too slow")]
)
def test_fetch_timeout(server: str, after: Path, path: str, words: str) -> None:
    start = time.monotonic()
    items = read(f"{server}{path}", after, allow_private=True, fetch_timeout=0.5)
    assert time.monotonic() - start < 3
    problem = next(i for i in items if isinstance(i, InputProblem))
    assert words in problem.message and limit_hint("fetch_timeout") in problem.message, problem
    still_reads_next(items)


def test_limits_are_not_hit_by_a_normal_page(server: str) -> None:
    [article] = read(f"{server}/page", allow_private=True, max_download_bytes=10_000, fetch_timeout=5)
    assert isinstance(article, Article) and "France criticized Germany" in article.text


# -- any limits, any input: still only Articles and problems --------------------------------------


@settings(
    max_examples=40,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    body=st.binary(max_size=3000) | st.sampled_from([GOOD.encode() * 20, gzip.compress(GOOD.encode() * 50)]),
    max_file_bytes=st.integers(1, 5000),
    max_article_chars=st.integers(1, 5000),
    max_decompressed_bytes=st.integers(1, 5000),
    max_feed_entries=st.integers(0, 5),
)
def test_tiny_limits_never_crash(
    body: bytes,
    max_file_bytes: int,
    max_article_chars: int,
    max_decompressed_bytes: int,
    max_feed_entries: int,
) -> None:
    items = read(
        "-",
        stdin=body,
        fetch_pages=False,
        max_file_bytes=max_file_bytes,
        max_article_chars=max_article_chars,
        max_decompressed_bytes=max_decompressed_bytes,
        max_feed_entries=max_feed_entries,
    )
    for item in items:
        assert isinstance(item, Article | InputProblem)
        if isinstance(item, InputProblem):
            assert not item.message.startswith("unexpected error"), item
        else:
            assert len(item.text) <= max_article_chars
