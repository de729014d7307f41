"""Ingest helpers: dates, datelines, attribution credits, decoding and format sniffing."""

from __future__ import annotations

import gzip
import io
from datetime import date

import pytest

from realpolitik.errors import InputError
from realpolitik.ingest.attribution import find_attribution, patterns, wire_services
from realpolitik.ingest.dates import find_dateline, parse_date
from realpolitik.ingest.encoding import decode_bytes
from realpolitik.ingest.html import strip_html
from realpolitik.ingest.sniff import sniff
from realpolitik.ingest.streams import GzipGuard, buffered, iter_lines


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2019-01-04", date(2019, 1, 4)),
        ("2019-05-02T23:30:00-05:00", date(2019, 5, 2)),  # the publisher's day, not UTC's
        ("2021-06-01T10:30:00Z", date(2021, 6, 1)),
        ("March 3, 2019", date(2019, 3, 3)),
        ("Jan. 5, 2020", date(2020, 1, 5)),
        ("3 May 2019", date(2019, 5, 3)),
        ("Tue, 03 Mar 2020 10:00:00 GMT", date(2020, 3, 3)),
        ("2019/12/03", date(2019, 12, 3)),
        ("May 2019", None),  # no day: not a date we can use
        ("2019", None),
        ("yesterday", None),  # relative to the day of ingestion: refused
        ("2019-13-45", None),
        ("", None),
        (None, None),
        (20190502, None),
        ("x" * 500, None),
    ],
)
def test_parse_date(raw: object, expected: date | None) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Title\n\nWASHINGTON, March 3, 2019 (Reuters) - The U.S. said", date(2019, 3, 3)),
        ("Title\nJan. 5, 2020 — Protesters gathered", date(2020, 1, 5)),
        ("Title\nPublished: 2019-05-02\n\nBody", date(2019, 5, 2)),
        ("Title\nBy A. Writer\nUpdated on Tuesday, 3 May 2019 10:00 GMT\nBody", date(2019, 5, 3)),
        ("Title\nKYIV, Ukraine, Sept. 12, 2018 - Officials said", date(2018, 9, 12)),
        ("Title\nNEW YORK, Dec 1, 2017 /PRNewswire/", None),
        ("Title\nThe talks of March 3, 2019 failed, officials said.", None),  # a date in a sentence
        ("Title\n\n" + "Body line\n" * 20 + "Published: 2019-05-02", None),  # too far down
        ("", None),
    ],
)
def test_find_dateline(text: str, expected: date | None) -> None:
    assert find_dateline(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Body.\n\nRead the full story at The Washington Post.\n\nRelated\n\nMore links",
            "The Washington Post",
        ),
        ("Body.\n\nRead more at Reuters", "Reuters"),
        ("This article originally appeared in The Guardian.\n\nBody.", "The Guardian"),
        (
            "Body.\n\nThis column first appeared in the Louisville Courier Journal.",
            "The Louisville Courier Journal",
        ),
        (
            "Body.\n\nThis article originally appeared at The Daily Beast on September 14, 2013.",
            "The Daily Beast",
        ),
        ("Body.\n\nThis article first appeared on POLITICO Pro at 5:05 p.m. on February 12.", "POLITICO Pro"),
        ("Body.\n\nThis article originally appeared on PRI.org's website.", "PRI.org"),
        ("Body.\n\nRead the full article on NYTimes.com.", "NYTimes.com"),
        ("WASHINGTON, March 3, 2019 (Reuters) - The U.S. said", "Reuters"),
        ("BEIJING (AP) — China said", "Associated Press"),
        ("Cairo (AFP) - Officials said", "Agence France-Presse"),
        ("Body of the story.\n\n— Associated Press", "Associated Press"),
        ("Body.\n\nCopyright 2019 The Associated Press. All rights reserved.", "Associated Press"),
        # not credits
        ("Read more at the bottom of the page.", None),
        ("Body.\n\nRead more on the Brexit options MPs are voting on.", None),
        ("Body.\n\nRead more from Kamal\n\nNext paragraph", None),
        ("He said he would like to see more from North Korea.", None),
        ("Counts cost Read more\n\nIn Ilocos Norte where the typhoon hit", None),
        ("This piece was originally published in April 2014, after the shooting.", None),
        ("The UN (UN) - said nothing.", None),
        ("Body.\n\n— Donald Trump", None),
        ("", None),
    ],
)
def test_find_attribution(text: str, expected: str | None) -> None:
    assert find_attribution(text) == expected


def test_attribution_data_files_load() -> None:
    assert len(patterns()) >= 5
    assert wire_services()["AP"] == "Associated Press"


def test_decode_bytes() -> None:
    assert decode_bytes("Zürich".encode(), "o") == ("Zürich", "utf-8")
    assert decode_bytes(b"\xef\xbb\xbfBOM text", "o") == ("BOM text", "utf-8-sig")
    assert decode_bytes("Café “quoted”".encode("cp1252"), "o") == ("Café “quoted”", "cp1252")
    text, encoding = decode_bytes("Переговоры в Москве продолжатся в понедельник.".encode("cp1251"), "o")
    assert text == "Переговоры в Москве продолжатся в понедельник." and encoding == "cp1251"
    with pytest.raises(InputError, match="binary file"):
        decode_bytes(b"abc\x00def", "o")
    with pytest.raises(InputError, match="empty file"):
        decode_bytes(b" \n ", "o")
    with pytest.raises(InputError, match="binary file"):
        decode_bytes(bytes(range(1, 32)) * 100, "o")


@pytest.mark.parametrize(
    ("head", "content_type", "expected"),
    [
        (b'{"id": 1, "text": "x"}\n{"id": 2}', None, "jsonl"),
        (b'{\n "id": 1,\n "text": "x"\n}', None, "json"),
        (b"  [\n{}]", None, "json"),
        (b'<?xml version="1.0"?>\n<!-- c -->\n<rss version="2.0">', None, "feed"),
        (b'<feed xmlns="http://www.w3.org/2005/Atom">', None, "feed"),
        (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="x">', None, "feed"),
        (b"<!DOCTYPE html><html><head>", None, "html"),
        (b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">', None, "html"),
        (b"<p>fragment</p>", None, "html"),
        (b'<?xml version="1.0"?><urlset>', None, "feed"),  # the feed reader then says "not a feed"
        (b"Just a headline\n\nAnd text.", None, "text"),
        (b"<html>...", "application/rss+xml", "feed"),
        (b"Just words", "text/html", "html"),
        ("<rss>".encode("utf-16"), None, "feed"),
    ],
)
def test_sniff(head: bytes, content_type: str | None, expected: str) -> None:
    assert sniff(head, content_type) == expected


def test_strip_html() -> None:
    assert strip_html("<p>One &amp; <b>two</b>.</p><p>Three<br>four</p><script>x()</script>") == (
        "One & two .\n\nThree\n\nfour"
    )
    assert strip_html("No markup at all") == "No markup at all"


def test_iter_lines_skips_overlong_line_without_holding_it() -> None:
    data = b"short\n" + b"x" * 5000 + b"\nafter\nlast-no-newline"
    lines = list(iter_lines(buffered_bytes(data), max_line_bytes=100))
    assert lines == [(1, b"short\n"), (2, None), (3, b"after\n"), (4, b"last-no-newline")]


def test_gzip_guard_counts_output() -> None:
    data = gzip.compress(b"a" * 10_000)
    assert buffered(GzipGuard(io.BytesIO(data), 10_000, "o")).read() == b"a" * 10_000
    with pytest.raises(InputError, match="gzip bomb"):
        buffered(GzipGuard(io.BytesIO(data), 9_999, "o")).read()


def buffered_bytes(data: bytes) -> io.BufferedReader:
    return io.BufferedReader(io.BytesIO(data), buffer_size=64)  # type: ignore[arg-type]
