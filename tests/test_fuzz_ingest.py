"""Property-based fuzzing of every input parser: no input raises, every failure is an InputProblem.

Each property runs a modest number of examples so ``make test`` stays quick; the long run
(10,000 inputs per parser) is ``benchmarks/fuzz.py --n 10000`` (``make fuzz``). Examples are
derandomized (the same inputs on every run) unless ``RP_FUZZ_RANDOM=1``; ``RP_FUZZ_EXAMPLES=N``
scales every property to N examples. The regression tests at the end replay the crashes that
fuzzing found (fixed in ingest).
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realpolitik.errors import InputError
from realpolitik.ingest import IngestLimits, read_sources
from realpolitik.ingest.attribution import find_attribution
from realpolitik.ingest.dates import find_dateline, parse_date
from realpolitik.ingest.encoding import decode_bytes, looks_binary
from realpolitik.ingest.feeds import read_feed
from realpolitik.ingest.html import strip_html
from realpolitik.ingest.records import read_json, read_jsonl
from realpolitik.ingest.sniff import sniff
from realpolitik.ingest.streams import GzipGuard, buffered
from realpolitik.models import Article, InputProblem

LIMITS = IngestLimits(fetch_pages=False, max_article_chars=200_000)  # never fetch: no network
FORMATS = ("text", "jsonl", "json", "html", "feed")
SUFFIX = {"text": ".txt", "jsonl": ".jsonl", "json": ".json", "html": ".html", "feed": ".rss"}


def fuzz_settings(examples: int) -> settings:
    return settings(
        max_examples=int(os.environ.get("RP_FUZZ_EXAMPLES", examples)),
        deadline=None,
        database=None,
        derandomize=not os.environ.get("RP_FUZZ_RANDOM"),
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


# -- the contract every input must keep ------------------------------------------------------------


def check_items(items: list[Article | InputProblem], limits: IngestLimits = LIMITS) -> None:
    """Only Articles and InputProblems; no problem from the last-resort guard; Articles storable."""
    for item in items:
        if isinstance(item, InputProblem):
            assert not item.message.startswith("unexpected error"), item  # a crash the guard hid
            assert item.origin and item.message
            str(item).encode("utf-8", "backslashreplace")
            continue
        assert isinstance(item, Article), item
        assert item.text.strip() and len(item.text) <= limits.max_article_chars
        assert item.id and len(item.id) <= 300
        for value in (item.text, item.id, item.title, item.publisher, item.url, item.attributed_to):
            if value is not None:
                value.encode("utf-8")  # no lone surrogates: hashing and storing must work
                assert "\x00" not in value
        json.dumps(item.metadata, ensure_ascii=False, default=str, allow_nan=False).encode("utf-8")
        assert item.content_hash


@pytest.fixture(scope="module")
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="rp-fuzz-") as d:
        yield Path(d)


def read_file(workdir: Path, name: str, data: bytes, limits: IngestLimits = LIMITS) -> list:
    path = workdir / name
    path.write_bytes(data)
    try:
        return list(read_sources([str(path)], limits))
    finally:
        path.unlink()


def read_stdin(data: bytes | str, limits: IngestLimits = LIMITS) -> list:
    stream = io.StringIO(data) if isinstance(data, str) else io.BytesIO(data)
    return list(read_sources(["-"], limits, stdin=stream))


# -- inputs ----------------------------------------------------------------------------------------

WORDS = [
    "France",
    "Germany",
    "criticized",
    "met",
    "Russia",
    "accused",
    "the",
    "on",
    "Monday",
    ".",
    ",",
    "Reuters",
    "WASHINGTON",
    "March 3, 2019",
    "(AP)",
    "—",
    "Read more at The Washington Post.",
]
HOSTILE = [
    b"\x00",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xef\xbb\xbf",
    b"\x1f\x8b",
    b"\r",
    b"\n",
    b"\xed\xa0\x80",
    b"\\ud800",
    b"\\u0000",
    b"&#0;",
    b"&#xD800;",
    b"&#99999999999;",
    b"]]>",
    b"<![CDATA[",
    b"<!--",
    b'"',
    b"{",
    b"[",
    b"<",
    b"&",
    b"1e999",
    b"NaN",
    b"9" * 5000,
    b"\xc0\x80",
    b"\xf4\x90\x80\x80",
]
ENCODINGS = ["utf-16", "utf-16-le", "utf-32", "latin-1", "cp1251", "shift_jis", "gb18030", "cp500", "utf-7"]

prose = st.lists(st.sampled_from(WORDS) | st.text(max_size=12), min_size=1, max_size=60).map(" ".join)
scalar = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=40)
    | prose
    | st.sampled_from(["2019-05-06", "2019-02-30", "March 3, 2019", "Mon, 99 Feb 99999 10:00 GMT", ""])
)
json_value = st.recursive(
    scalar,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=12,
)
record = st.fixed_dictionaries(
    {"text": prose | json_value},
    optional={
        "id": json_value,
        "title": json_value,
        "date": json_value,
        "source": json_value,
        "url": json_value,
        "events": json_value,
    },
)


@st.composite
def feeds(draw: st.DrawFn) -> bytes:
    def entry() -> str:
        title, text = draw(prose), draw(prose)
        date = draw(
            st.sampled_from(
                [
                    "Mon, 06 May 2019 10:00:00 GMT",
                    "2019-13-45T25:61:61Z",
                    "",
                    "Mon, 99 Feb 99999999999 10:00:00 GMT",
                ]
            )
        )
        link = draw(
            st.sampled_from(
                ["https://news.example.org/a", "javascript:x", "http://[::1", "", "file:///etc/passwd"]
            )
        )
        return (
            f"<item><title>{title}</title><link>{link}</link><pubDate>{date}</pubDate>"
            f"<description>{text}</description></item>"
        )

    items = "".join(entry() for _ in range(draw(st.integers(0, 4))))
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>F</title>{items}</channel></rss>'.encode()
    )


@st.composite
def documents(draw: st.DrawFn, fmt: str) -> bytes:
    """A valid-ish document of ``fmt``."""
    if fmt == "text":
        return draw(prose).encode()
    if fmt == "jsonl":
        lines = draw(st.lists(record, min_size=1, max_size=4))
        return "".join(json.dumps(r, ensure_ascii=draw(st.booleans())) + "\n" for r in lines).encode()
    if fmt == "json":
        return json.dumps(draw(st.lists(record, max_size=4) | record)).encode()
    if fmt == "html":
        paras = "".join(f"<p>{draw(prose)}</p>" for _ in range(2))
        title = draw(prose)
        body = f"<body><article>{paras}</article></body>"
        return f"<html><head><title>{title}</title></head>{body}</html>".encode()
    return draw(feeds())


@st.composite
def mutated(draw: st.DrawFn, fmt: str) -> bytes:
    """A document of ``fmt``, then a few random edits: truncation, hostile inserts, byte flips,
    another encoding, a splice of random bytes."""
    data = draw(documents(fmt))
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["truncate", "insert", "flip", "encode", "bytes"]))
        at = draw(st.integers(0, len(data)))
        if op == "truncate":
            data = data[:at]
        elif op == "insert":
            data = data[:at] + draw(st.sampled_from(HOSTILE)) * draw(st.sampled_from([1, 1, 50])) + data[at:]
        elif op == "flip" and data:
            i = min(at, len(data) - 1)
            data = data[:i] + bytes([draw(st.integers(0, 255))]) + data[i + 1 :]
        elif op == "encode":
            data = data.decode("utf-8", "replace").encode(draw(st.sampled_from(ENCODINGS)), "replace")
        elif op == "bytes":
            data = data[:at] + draw(st.binary(max_size=64)) + data[at:]
    return data


def nested(opener: bytes, closer: bytes) -> st.SearchStrategy[bytes]:
    return st.integers(1, 60_000).map(lambda n: opener * n + b'"x"' + closer * n)


# -- properties: whole files, each format ----------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@fuzz_settings(60)
@given(data=st.data())
def test_mutated_documents_never_crash(workdir: Path, fmt: str, data: st.DataObject) -> None:
    check_items(read_file(workdir, "doc" + SUFFIX[fmt], data.draw(mutated(fmt))))


@pytest.mark.parametrize("fmt", FORMATS)
@fuzz_settings(40)
@given(raw=st.binary(max_size=3000))
def test_random_bytes_never_crash(workdir: Path, fmt: str, raw: bytes) -> None:
    check_items(read_file(workdir, "doc" + SUFFIX[fmt], raw))


@fuzz_settings(40)
@given(data=st.data())
def test_gzip_inputs_never_crash(workdir: Path, data: st.DataObject) -> None:
    fmt = data.draw(st.sampled_from(FORMATS))
    payload = gzip.compress(data.draw(mutated(fmt)))
    cut = data.draw(st.sampled_from(["whole", "truncated", "flipped", "trailing"]))
    if cut == "truncated":
        payload = payload[: data.draw(st.integers(0, len(payload)))]
    elif cut == "flipped":
        i = data.draw(st.integers(0, len(payload) - 1))
        payload = payload[:i] + bytes([payload[i] ^ 0xFF]) + payload[i + 1 :]
    elif cut == "trailing":
        payload += data.draw(st.binary(min_size=1, max_size=20))
    name = data.draw(st.sampled_from(["doc" + SUFFIX[fmt] + ".gz", "doc.gz", "doc.data"]))
    check_items(read_file(workdir, name, payload))


@fuzz_settings(60)
@given(data=st.data())
def test_stdin_sniffing_never_crashes(data: st.DataObject) -> None:
    raw = data.draw(mutated(data.draw(st.sampled_from(FORMATS))) | st.binary(max_size=2000))
    if data.draw(st.booleans()):
        raw = gzip.compress(raw)
    check_items(read_stdin(raw))


@fuzz_settings(30)
@given(text=st.text(max_size=2000))
def test_text_mode_stdin_never_crashes(text: str) -> None:
    check_items(read_stdin(text))  # sys.stdin without .buffer (an io.StringIO)


@pytest.mark.parametrize(
    ("fmt", "opener", "closer"),
    [
        ("json", b"[", b"]"),
        ("json", b'{"a":', b"}"),
        ("jsonl", b'{"text":', b"}"),
        ("jsonl", b"[", b"]"),
        ("html", b"<div>", b"</div>"),
        ("feed", b"<item>", b"</item>"),
        ("feed", b"<b>", b""),
    ],
)
@fuzz_settings(5)
@given(data=st.data())
def test_deep_nesting(workdir: Path, fmt: str, opener: bytes, closer: bytes, data: st.DataObject) -> None:
    check_items(read_file(workdir, "deep" + SUFFIX[fmt], data.draw(nested(opener, closer))))
    check_items(read_stdin(data.draw(nested(opener, closer))))


# -- properties: parser functions alone ------------------------------------------------------------


@fuzz_settings(100)
@given(raw=st.binary(max_size=2000) | mutated("jsonl"))
def test_read_jsonl_raises_only_input_error(raw: bytes) -> None:
    try:
        check_items(list(read_jsonl(buffered(io.BytesIO(raw)), "o", LIMITS)))  # type: ignore[arg-type]
    except InputError:
        pass


@fuzz_settings(100)
@given(raw=st.binary(max_size=2000) | mutated("json"))
def test_read_json_raises_only_input_error(raw: bytes) -> None:
    try:
        check_items(list(read_json(raw, "o", LIMITS)))
    except InputError:
        pass


@fuzz_settings(80)
@given(raw=st.binary(max_size=2000) | mutated("feed"))
def test_read_feed_raises_only_input_error(raw: bytes) -> None:
    try:
        check_items(list(read_feed(raw, "o", LIMITS, None)))
    except InputError:
        pass


@fuzz_settings(100)
@given(
    raw=st.binary(max_size=3000),
    declared=st.sampled_from([None, "utf-8", "latin-1", "utf-16", "bogus", "utf-7"]),
)
def test_decode_bytes_raises_only_input_error(raw: bytes, declared: str | None) -> None:
    looks_binary(raw[:8192])
    try:
        text, encoding = decode_bytes(raw, "o", declared=declared)
    except InputError:
        return
    assert text.strip() and encoding


@fuzz_settings(100)
@given(
    head=st.binary(max_size=500) | mutated("feed") | mutated("json"),
    ctype=st.sampled_from([None, "text/html", "application/json", "application/rss+xml", "x/y"]),
)
def test_sniff_always_answers(head: bytes, ctype: str | None) -> None:
    assert sniff(head, ctype) in FORMATS


@fuzz_settings(50)
@given(raw=st.binary(max_size=500))
def test_gzip_guard_raises_only_input_error(raw: bytes) -> None:
    for data in (raw, gzip.compress(raw)[: len(raw) // 2 + 10]):
        try:
            buffered(GzipGuard(io.BytesIO(data), 10_000, "o")).read()
        except InputError:
            pass


@fuzz_settings(100)
@given(text=st.text(max_size=3000) | prose)
def test_text_helpers_never_raise(text: str) -> None:
    strip_html(text)
    find_dateline(text)
    find_attribution(text)
    parse_date(text)


@fuzz_settings(50)
@given(value=json_value)
def test_parse_date_takes_anything(value: object) -> None:
    result = parse_date(value)
    assert result is None or result.year > 0


# -- huge lines (fixed sizes: each costs a few hundred ms) -----------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_huge_line(workdir: Path, fmt: str) -> None:
    limits = IngestLimits(fetch_pages=False, max_article_chars=100_000)
    line = b"France criticized Germany " * 40_000  # 1 MB, no newline
    for data in (line, SUFFIX[fmt].encode() + line, b'{"text": "' + line + b'"}\n{"text": "after"}\n'):
        items = read_file(workdir, "huge" + SUFFIX[fmt], data, limits)
        check_items(items, limits)
        assert any(isinstance(i, InputProblem) for i in items) or all(len(i.text) <= 100_000 for i in items)


# -- regressions: crashes fuzzing found, fixed in ingest -------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b'{"id": 1, "text": "France met \\ud800 Germany."}\n',  # lone surrogate: text could not be hashed
        b'{"id": "a\\udc00", "text": "x", "title": "\\ud83d", "url": "http://x/\\u0000"}\n',
        b'{"text": "France met Germany.\\u0000"}\n',  # NUL: PostgreSQL text refuses it
        b'{"id": ' + b"1" * 5000 + b', "text": "France met Germany."}\n',  # int over 4300 digits
        b'[{"text": "x", "n": ' + b"9" * 5000 + b"}]",
        b'{"text": "France met Germany.", "date": NaN, "n": 1e999, "m": -Infinity}\n',  # not JSON numbers
        b'{"text": "France met Germany.", "x": ' + b"[" * 5000 + b"]" * 5000 + b"}\n",  # sniffing recursed
        b'{"id": "' + b"x" * 500 + b'", "text": "France met Germany."}\n',  # id too long to address
    ],
)
def test_json_regressions(workdir: Path, data: bytes) -> None:
    for name in ("r.jsonl", "r.json"):
        items = read_file(workdir, name, data)
        check_items(items)
    check_items(read_stdin(data))


@pytest.mark.parametrize(
    "entity",
    [b"&#xD800;", b"&#99999999999999;", b"&#x110000;", b"&#" + b"9" * 5000 + b";", b"&#0;", b"&#xD800"],
)
def test_feed_bad_character_references(workdir: Path, entity: bytes) -> None:
    """feedparser crashed on references to no character (chr() out of range, surrogates)."""
    feed = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><title>T' + entity + b"</title>"
        b"<item><title>A" + entity + b"</title><description>France met Germany." + entity + b"</description>"
        b"</item></channel></rss>"
    )
    items = read_file(workdir, "f.rss", feed)
    check_items(items)
    [article] = items
    assert isinstance(article, Article) and article.text.startswith("France met Germany.")


def test_feed_with_undecodable_encoding_declaration(workdir: Path) -> None:
    feed = b'<?xml version="1.0" encoding="\xf4\x90"?><rss version="2.0"><channel></channel></rss>'
    items = read_file(workdir, "f.rss", feed)
    check_items(items)
    [problem] = items
    assert isinstance(problem, InputProblem) and problem.message.startswith("broken feed")


def test_file_names_that_are_not_utf8(workdir: Path) -> None:
    """Such names reach Python as lone surrogates: the article could not be stored."""
    d = workdir / "names"
    d.mkdir()
    (Path(os.fsdecode(bytes(d) + b"/caf\xe9.txt"))).write_text("France criticized Germany on Monday.")
    (Path(os.fsdecode(bytes(d) + b"/\xff.jsonl"))).write_text('{"text": "Russia met China."}\n')
    items = list(read_sources([str(d)], LIMITS))
    check_items(items)
    assert sorted(i.id for i in items if isinstance(i, Article))[0] == "caf\\xe9"
    assert {i.origin for i in items} == {f"{d}/caf\\xe9.txt", f"{d}/\\xff.jsonl:1"}


def test_long_leading_blank_space_is_not_empty() -> None:
    """Sniffing looked at the first 64 KB only: 100,000 blank lines then a record was "empty"."""
    record = b'{"id": "late", "text": "France criticized Germany on Monday."}\n'
    [article] = read_stdin(b"\n" * 100_000 + record)
    assert isinstance(article, Article) and article.id == "late" and article.origin == "<stdin>:100001"
    [problem] = read_stdin(b" \n" * 100_000)
    assert isinstance(problem, InputProblem) and problem.message == "empty file"


# -- sources: any string given as a source is a problem or an article, never a crash ---------------


@fuzz_settings(100)
@given(
    source=st.text(max_size=40)
    | st.from_regex(r"\A(?:https?|HTTP|file|ftp|gopher|data|javascript)://[\x00-\x7f]{0,30}\Z")
    | st.sampled_from(["", " ", "-x", "http://[::1", "http://", "https://x:abc/", "\x00", "a\x00b.txt"])
)
def test_any_source_string(source: str) -> None:
    """Random strings as sources; nothing is fetched (the fetcher is replaced), nothing existing read."""
    from unittest import mock

    from realpolitik.ingest.fetch import Fetcher

    if source.strip() and source != "-" and os.path.lexists(source):
        return  # "." or "/" would read real directories
    with mock.patch.object(Fetcher, "fetch", side_effect=InputError("x", "network disabled in this test")):
        check_items(list(read_sources([source], LIMITS, stdin=io.BytesIO(b""))))


def test_empty_source_name_does_not_read_the_working_directory() -> None:
    [problem] = list(read_sources([""], LIMITS))
    assert isinstance(problem, InputProblem) and "empty source name" in problem.message


@pytest.mark.parametrize("name", ["bomb.rss", "bomb.html", "bomb.xml"])
def test_entity_expansion_bomb(workdir: Path, name: str) -> None:
    """A billion laughs (10^9 "lol"s from 1 KB) is refused or left unexpanded, quickly."""
    import time

    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    root = "rss" if name != "bomb.html" else "html"
    body = (
        "<rss version='2.0'><channel><title>&l9;</title><item><title>x</title>"
        "<description>France met Germany. &l9;</description></item></channel></rss>"
        if root == "rss"
        else "<html><body><article><p>France met Germany on Monday. &l9;</p></article></body></html>"
    )
    data = f'<?xml version="1.0"?><!DOCTYPE {root} [<!ENTITY l0 "lol">{levels}]>{body}'.encode()
    start = time.monotonic()
    items = read_file(workdir, name, data)
    assert time.monotonic() - start < 10
    check_items(items)
    assert all(len(i.text) < 10_000 for i in items if isinstance(i, Article))
