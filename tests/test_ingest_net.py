"""Ingest over http(s): feeds and pages served by a local server on 127.0.0.1, never the network.

Every read here sets ``allow_private=True``; without it 127.0.0.1 is refused (test_netguard.py).
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from realpolitik.errors import InputError
from realpolitik.ingest import IngestLimits, read_sources
from realpolitik.ingest.fetch import Fetcher
from realpolitik.models import Article, InputProblem

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"

PAGE = """<html><head><title>{title} | Local Times</title>
<meta property="og:site_name" content="Local Times">
<meta property="article:published_time" content="2022-02-0{day}">
</head><body><nav>Home | World | Sport</nav><article><h1>{title}</h1>
<p>{first} The statement was read out at a press conference in the capital on the same day.</p>
<p>Diplomats from both countries are expected to meet again next week to continue the talks.</p>
</article></body></html>"""


def _feed(base: str) -> str:
    items = [
        ("Freedonia accuses Sylvania", f"{base}/page/1", "Freedonia accused Sylvania of spying."),
        ("Sylvania denies", f"{base}/page/2", "Sylvania denied it."),
        ("Gone page", f"{base}/missing", "Summary kept when the page is gone."),
        ("Freedonia accuses Sylvania", f"{base}/page/1", "Freedonia accused Sylvania of spying."),
    ]
    body = "".join(
        f"<item><title>{t}</title><link>{link}</link><guid>{link}</guid>"
        f"<pubDate>Mon, 0{i + 1} Feb 2022 10:00:00 GMT</pubDate><description>{d}</description></item>"
        for i, (t, link, d) in enumerate(items)
    )
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>Local Feed</title>{body}</channel></rss>'


def _tag_dense_broken_feed(tags: int = 260_000) -> bytes:
    """About 1 MB of markup, never closed: feedparser's lenient parser took 11 s CPU on it."""
    return (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>Dense</title><item><title>t</title>'
        b"<description>" + b"<b/>" * tags + b"</description></item></channel>"
    )


def _feed_items(n: int, description: str = "Freedonia accused Sylvania of spying.") -> str:
    return "".join(
        f"<item><title>Item {i}</title><guid>urn:item:{i}</guid>"
        f"<description>{description} ({i})</description></item>"
        for i in range(n)
    )


class _Handler(BaseHTTPRequestHandler):
    routes: dict[str, tuple[int, dict[str, str], bytes]] = {}

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        if self.path == "/slow":
            time.sleep(2)
        if self.path == "/drip":  # each read is quick, the whole body is not
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(20):
                    self.wfile.write(b"<p>drip</p>" * 10)
                    self.wfile.flush()
                    time.sleep(0.15)
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        status, headers, body = self.routes.get(
            self.path, (404, {"Content-Type": "text/plain"}, b"not found")
        )
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    html = {"Content-Type": "text/html; charset=utf-8"}
    rss = {"Content-Type": "application/rss+xml"}
    _Handler.routes = {
        "/feed.xml": (200, rss, _feed(base).encode()),
        "/relative.xml": (
            200,
            {"Content-Type": "text/xml"},
            b'<rss version="2.0"><channel><title>Rel</title><item><title>R</title><link>/page/2</link>'
            b"<description>Short.</description></item></channel></rss>",
        ),
        "/broken.xml": (200, rss, (FIXTURES / "broken_feed.xml").read_bytes()),
        "/broken-big.xml": (200, rss, _tag_dense_broken_feed()),
        "/page/1": (
            200,
            html,
            PAGE.format(
                title="Freedonia accuses Sylvania",
                day=1,
                first="Freedonia accused Sylvania of spying on Monday.",
            ).encode(),
        ),
        "/page/2": (
            200,
            html,
            PAGE.format(
                title="Sylvania denies spying", day=2, first="Sylvania denied the accusation on Tuesday."
            ).encode(),
        ),
        "/article.html": (200, html, (FIXTURES / "page.html").read_bytes()),
        "/data.jsonl": (
            200,
            {"Content-Type": "application/octet-stream"},
            (FIXTURES / "tree" / "sub" / "b.jsonl").read_bytes(),
        ),
        "/data.jsonl.gz": (
            200,
            {"Content-Type": "application/gzip"},
            gzip.compress((FIXTURES / "tree" / "sub" / "b.jsonl").read_bytes()),
        ),
        "/plain": (200, {"Content-Type": "text/plain"}, b"Plain headline\n\nFreedonia spoke at length.\n"),
        "/redirect": (302, {"Location": "/article.html"}, b""),
        "/loop": (302, {"Location": "/loop"}, b""),
        "/to-ftp": (301, {"Location": "ftp://127.0.0.1/x"}, b""),
        "/big": (200, html, b"<html><body>" + b"<p>word</p>" * 200_000 + b"</body></html>"),
        "/slow": (200, html, b"<html><body><p>late</p></body></html>"),
        "/pdf": (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4 \x00\x01\x02 binary"),
    }
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read(*sources: str, limits: IngestLimits | None = None) -> list:
    """Read with private addresses allowed: the test server listens on 127.0.0.1."""
    return list(read_sources(list(sources), limits or IngestLimits(allow_private=True)))


def test_unreachable_url_is_a_problem() -> None:
    url = f"http://127.0.0.1:{_closed_port()}/feed.xml"
    start = time.monotonic()
    [problem] = read(url, limits=IngestLimits(allow_private=True, fetch_timeout=3))
    assert time.monotonic() - start < 5
    assert isinstance(problem, InputProblem) and problem.origin == url
    assert problem.message.startswith("cannot fetch")


def test_feed_url_fetches_entry_pages(server: str) -> None:
    items = read(f"{server}/feed.xml")
    got = [i for i in items if isinstance(i, Article)]
    assert [a.title for a in got] == ["Freedonia accuses Sylvania", "Sylvania denies", "Gone page"]
    first, second, gone = got
    assert first.metadata["text_from"] == "page"
    assert "press conference in the capital" in first.text and "Home | World" not in first.text
    assert first.url == f"{server}/page/1" and first.origin == f"{server}/page/1"
    assert first.publisher == "Local Times"  # the page's site name beats the feed title
    assert str(first.date) == "2022-02-01" and first.date_source == "metadata"
    assert first.metadata["feed"] == f"{server}/feed.xml"
    assert "Sylvania denied the accusation on Tuesday." in second.text
    # a page that cannot be fetched: the entry summary is used and the failure noted
    assert gone.text == "Summary kept when the page is gone."
    assert gone.metadata["text_from"] == "feed" and "404" in gone.metadata["fetch_error"]
    assert gone.publisher == "Local Feed"
    [repeat] = [i for i in items if isinstance(i, InputProblem)]
    assert repeat.kind == "skipped" and repeat.line == 4


def test_feed_url_without_fetching_pages(server: str) -> None:
    got = read(f"{server}/feed.xml", limits=IngestLimits(allow_private=True, fetch_pages=False))
    texts = [a.text for a in got if isinstance(a, Article)]
    assert texts == [
        "Freedonia accused Sylvania of spying.",
        "Sylvania denied it.",
        "Summary kept when the page is gone.",
    ]


def test_feed_relative_links_resolved_against_feed_url(server: str) -> None:
    [article] = read(f"{server}/relative.xml")
    assert article.url == f"{server}/page/2" and article.metadata["text_from"] == "page"


def test_local_feed_file_links_fetched(server: str, tmp_path: Path) -> None:
    path = tmp_path / "local.rss"
    path.write_text(_feed(server))
    got = [a for a in read(str(path)) if isinstance(a, Article)]
    assert got[0].metadata["text_from"] == "page" and got[0].metadata["feed"] == str(path)


def test_broken_feed_url(server: str) -> None:
    [problem] = read(f"{server}/broken.xml")
    assert isinstance(problem, InputProblem) and problem.message.startswith("broken feed")


def test_page_url_and_redirect(server: str) -> None:
    for path in ("/article.html", "/redirect"):
        [article] = read(f"{server}{path}")
        assert isinstance(article, Article), article
        assert article.title == "Freedonia and Sylvania sign border accord"
        assert article.url == "https://news.example.org/world/border-accord"  # canonical
        assert article.id == article.url and article.origin == f"{server}{path}"
        assert article.publisher == "Example News"


def test_jsonl_and_text_urls_sniffed(server: str) -> None:
    assert [a.id for a in read(f"{server}/data.jsonl")] == ["b1", "b2"]
    assert [a.id for a in read(f"{server}/data.jsonl.gz")] == ["b1", "b2"]
    [plain] = read(f"{server}/plain")
    assert plain.title == "Plain headline" and plain.id == f"{server}/plain"


@pytest.mark.parametrize(
    ("path", "limits", "expected"),
    [
        ("/loop", IngestLimits(allow_private=True), "more than 5 redirects"),
        ("/to-ftp", IngestLimits(allow_private=True), "only http and https"),
        ("/big", IngestLimits(allow_private=True, max_download_bytes=100_000), "max_download_bytes=100,000"),
        ("/slow", IngestLimits(allow_private=True, fetch_timeout=0.5), "timed out after 0.5 s"),
        ("/drip", IngestLimits(allow_private=True, fetch_timeout=0.5), "download too slow"),
        ("/nothing-here", IngestLimits(allow_private=True), "HTTP 404"),
        ("/pdf", IngestLimits(allow_private=True), "binary"),
    ],
)
def test_fetch_failures(server: str, path: str, limits: IngestLimits, expected: str) -> None:
    [problem] = read(f"{server}{path}", limits=limits)
    assert isinstance(problem, InputProblem) and expected in problem.message, problem
    assert problem.origin == f"{server}{path}"


def test_fetcher_refuses_other_schemes() -> None:
    with Fetcher(1.0, 1000) as fetcher, pytest.raises(InputError, match="only http and https"):
        fetcher.fetch("file:///etc/passwd")


# -- feeds that are not well-formed: feedparser's lenient parser is bounded ---------------------


def test_big_broken_feed_is_refused_quickly(server: str, tmp_path: Path) -> None:
    path = tmp_path / "dense.xml"
    path.write_bytes(_tag_dense_broken_feed())
    for source in (str(path), f"{server}/broken-big.xml"):
        start = time.process_time()
        [problem] = read(source)
        assert time.process_time() - start < 2  # it was 11 s of CPU in feedparser's lenient parser
        assert isinstance(problem, InputProblem) and problem.origin == source
        assert problem.message.startswith("broken feed: not well-formed XML (no element found")
        assert "260,0" in problem.message and "at most 2,097,152 bytes and 100,000 tags" in problem.message


def test_small_broken_feed_is_still_read_leniently(tmp_path: Path) -> None:
    # a stray "&" breaks the XML; under the limits feedparser's lenient parser recovers the entries
    body = _feed_items(3).replace("spying.", "spying & lying.")
    path = tmp_path / "small.rss"
    path.write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>S</title>{body}</channel></rss>'
    )
    got = read(str(path))
    assert [a.title for a in got if isinstance(a, Article)] == ["Item 0", "Item 1", "Item 2"]


def test_big_well_formed_feed_is_read_whatever_its_size(tmp_path: Path) -> None:
    # over both limits (2.4 MB, 120,000 "<" inside CDATA), but well-formed: the strict parser reads it
    html = "<![CDATA[" + "<i>Freedonia</i> accused Sylvania. " * 60_000 + "]]>"
    path = tmp_path / "big.rss"
    path.write_text(
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>B</title>'
        f"<item><title>Long</title><guid>urn:long</guid><description>{html}</description></item>"
        f"{_feed_items(2)}</channel></rss>"
    )
    assert path.stat().st_size > 2 * 1024 * 1024
    got = read(str(path))
    assert [a.title for a in got if isinstance(a, Article)] == ["Long", "Item 0", "Item 1"], got


def test_strict_check_agrees_with_feedparser() -> None:
    """strict_parse_error mirrors feedparser's own choice of parser on the tricky cases."""
    import io

    import feedparser

    from realpolitik.ingest.feeds import parse_feed, strict_parse_error

    good = (
        b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>T</title>'
        b"<item><title>caf\xc3\xa9</title><description>x</description></item></channel></rss>"
    )
    well_formed = {
        "valid": good,
        "declared entity": good.replace(b"<rss", b'<!DOCTYPE rss [<!ENTITY e "ee">]><rss').replace(
            b">x<", b">&e;<"
        ),
        "wrong declared encoding": good.replace(b'encoding="utf-8"', b'encoding="iso-8859-1"'),
        "utf-16": good.decode().replace("utf-8", "utf-16").encode("utf-16"),
    }
    broken = {
        "stray &": good.replace(b">x<", b">a & b<"),
        "html entity": good.replace(b">x<", b">a&nbsp;b<"),
        "unbound prefix": good.replace(b"<title>T</title>", b"<dc:creator>x</dc:creator>"),
        "truncated": good[:-10],
    }
    for name, data in {**well_formed, **broken}.items():
        assert (strict_parse_error(data) is None) == (name in well_formed), name
        assert bool(feedparser.parse(io.BytesIO(data)).bozo) == (name in broken), name
        if name in broken:  # the same feed, over a limit of 10 bytes: refused, not parsed leniently
            with pytest.raises(InputError, match="broken feed: not well-formed XML"):
                parse_feed(data, max_lenient_bytes=10)
        else:
            assert parse_feed(data, max_lenient_bytes=10).entries


def test_big_feed_that_feedparser_cannot_decode_is_a_problem(tmp_path: Path) -> None:
    # The strict check runs feedparser's own decoding, which raises on an undecodable encoding
    # declaration: that must be a "broken feed" problem, not an error escaping the reader.
    path = tmp_path / "undecodable.rss"
    path.write_bytes(
        b'<?xml version="1.0" encoding="\xf4\x90"?><rss version="2.0"><channel><!--'
        + b"x" * 2_200_000
        + b"--></channel></rss>"
    )
    [problem] = read(str(path))
    assert isinstance(problem, InputProblem) and problem.kind == "error"
    assert problem.message.startswith("broken feed: not well-formed XML (UnicodeDecodeError")
