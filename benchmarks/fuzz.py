#!/usr/bin/env python3
"""Long fuzz run of every input parser and of the whole extract path.

Each parser gets ``--n`` inputs made from valid synthetic documents of its format, mutated at
random: random bytes, bit flips, truncation, splices, inserted hostile tokens (NUL, BOMs, lone
surrogate escapes, entity bombs), wrong encodings, deep nesting, huge lines, repeated entries,
gzip corruption. An input passes when ingest yields Articles and :class:`InputProblem` objects
only. A *crash* is anything else:

* an exception escaping ``read_sources`` (it must never raise) or the pipeline (only
  realpolitik's own errors are allowed, and ``Pipeline.extract`` must turn those into problems);
* an ``unexpected error`` problem: the last-resort guard in ``read_sources`` caught an exception
  that is not an :class:`~realpolitik.errors.InputError` (a bug hidden, not a clear message);
* an Article breaking the contract (empty text, text over ``max_article_chars``, text that is
  not valid Unicode so cannot be hashed or stored);
* an input taking longer than ``--timeout`` seconds (a hang), counted apart as a *timeout*.

Crashing inputs are saved under ``--out`` so they can be replayed; the table printed at the end
gives, per parser: inputs, articles, problems by message class, crashes, slow inputs, time.

    .venv/bin/python benchmarks/fuzz.py --n 10000            # the long run (make fuzz)
    .venv/bin/python benchmarks/fuzz.py --n 200 --parsers json,feed --seed 7
    .venv/bin/python benchmarks/fuzz.py --replay /tmp/rp-fuzz-x/json-0-123.json --parsers json
"""

from __future__ import annotations

import argparse
import codecs
import gzip
import io
import json
import random
import re
import signal
import sys
import tempfile
import time
import traceback
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

from realpolitik.errors import InputError, RealpolitikError
from realpolitik.ingest import IngestLimits, read_sources
from realpolitik.ingest.fetch import Fetcher, check_url
from realpolitik.models import Article, InputProblem

PARSERS = ("text", "jsonl", "json", "html", "feed", "gzip", "stdin", "extract")
# A mutated feed can link anywhere: Fetcher.fetch is replaced by offline_fetch (no network).
LIMITS = IngestLimits(max_article_chars=500_000)
# The extract path parses with spaCy, whose cost grows with the square of a run of characters
# without whitespace ("[[[[..."), see benchmarks/reliability.md: articles are kept short there so
# the run looks for crashes, not for that known slowness (longer ones are refused by the limit).
EXTRACT_LIMITS = IngestLimits(fetch_pages=False, max_article_chars=5_000)
EXTRACT_TEXT_CHARS = 5_000
EXTRACT_INPUT_BYTES = 20_000  # at most a few hundred short articles an input: seconds, not minutes
SLOW_SECONDS = 5.0

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
    "Mexico",
    "Canada",
    "Pakistan",
    "Nigeria",
    "Syria",
    "Poland",
]
VERBS = [
    "criticized",
    "met",
    "accused",
    "praised",
    "threatened",
    "signed a deal with",
    "condemned",
    "sanctioned",
    "visited",
    "attacked",
    "warned",
    "thanked",
    "negotiated with",
]
HOSTILE = [
    b"\x00",
    b"\xff\xfe",
    b"\xfe\xff",
    b"\xef\xbb\xbf",
    b"\xff\xfe\x00\x00",
    b"\x1f\x8b",
    b"\r",
    b"\r\n",
    b"\n\n\n",
    b"\x85",
    b"\xe2\x80\xa8",
    b"\xc0\x80",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\\ud800",
    b"\\udfff",
    b"\\u0000",
    b"&#0;",
    b"&#xD800;",
    b"&#x110000;",
    b"&#99999999999;",
    b"&lol;",
    b"]]>",
    b"<![CDATA[",
    b"<!--",
    b"-->",
    b"<?xml version='1.0' encoding='utf-16'?>",
    b"<script>",
    b"</",
    b'"',
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\\",
    b"NaN",
    b"1e999999",
    b"-0",
    b"99999999999999999999999",
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"\xa0",
    b"\t",
    b"\x0b\x0c",
    b"\x1b[31m",
    b"\xf0\x9f\x98\x80",
    b"\xcc\x81" * 50,
    b"\u202e",
    b"date",
    b"2019-02-30",
    b"0000-00-00",
    b"9999-12-31T99:99",
    b"text",
]
ENCODINGS = [
    "utf-16",
    "utf-16-le",
    "utf-16-be",
    "utf-32",
    "latin-1",
    "cp1252",
    "cp1251",
    "koi8-r",
    "shift_jis",
    "euc-jp",
    "gb18030",
    "big5",
    "cp500",
    "utf-7",
    "mac-roman",
    "iso-8859-7",
]


# -- valid seeds ------------------------------------------------------------------------------------


def sentence(rng: random.Random) -> str:
    a, b = rng.sample(COUNTRIES, 2)
    return f"{a} {rng.choice(VERBS)} {b} on {rng.choice(['Monday', 'Tuesday', 'Friday'])}."


def article_text(rng: random.Random, paragraphs: int | None = None) -> str:
    paras = [
        " ".join(sentence(rng) for _ in range(rng.randint(1, 4)))
        for _ in range(paragraphs or rng.randint(1, 5))
    ]
    head = rng.choice(
        ["", "WASHINGTON, March 3, 2019 (Reuters) - ", "Published: 2020-05-02\n\n", "Jan. 5, 2020 — "]
    )
    tail = rng.choice(["", "\n\nRead the full story at The Washington Post.", "\n\n(Reporting by AFP)"])
    return head + "\n\n".join(paras) + tail


def record(rng: random.Random, i: int) -> dict[str, Any]:
    rec: dict[str, Any] = {"id": f"a{i}", "text": article_text(rng)}
    if rng.random() < 0.8:
        rec["title"] = sentence(rng)
    if rng.random() < 0.7:
        rec["date"] = rng.choice(["2019-05-06", "March 3, 2019", "Mon, 06 May 2019 10:00:00 GMT", "2019", ""])
    if rng.random() < 0.5:
        rec["source"] = rng.choice(["Reuters", {"name": "AP"}, None, 5])
    if rng.random() < 0.5:
        rec["url"] = f"https://news.example.org/{i}"
    if rng.random() < 0.3:
        rec["events"] = [{"source": "FRA", "target": "DEU", "cameo": "111"}]
    return rec


def seed_text(rng: random.Random) -> bytes:
    return (sentence(rng) + "\n\n" + article_text(rng)).encode()


def seed_jsonl(rng: random.Random) -> bytes:
    return "".join(
        json.dumps(record(rng, i), ensure_ascii=rng.random() < 0.5) + "\n" for i in range(rng.randint(1, 6))
    ).encode()


def seed_json(rng: random.Random) -> bytes:
    if rng.random() < 0.3:
        return json.dumps(record(rng, 0), indent=rng.choice([None, 2])).encode()
    return json.dumps(
        [record(rng, i) for i in range(rng.randint(0, 5))], indent=rng.choice([None, 1])
    ).encode()


def seed_html(rng: random.Random) -> bytes:
    paras = "".join(f"<p>{article_text(rng, 1)}</p>" for _ in range(rng.randint(1, 5)))
    charset = rng.choice(["utf-8", "iso-8859-1", "windows-1251", "bogus-charset"])
    return (
        f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{sentence(rng)} | Example</title>'
        '<meta property="og:site_name" content="Example News">'
        '<meta property="article:published_time" content="2020-02-03">'
        "<script>var x = '<p>not text</p>';</script><style>p{color:red}</style></head>"
        f"<body><nav>Home | World</nav><article><h1>{sentence(rng)}</h1>{paras}</article>"
        "<footer>(c) Example</footer></body></html>"
    ).encode()


def seed_feed(rng: random.Random) -> bytes:
    n = rng.randint(0, 6)
    if rng.random() < 0.5:
        items = "".join(
            f"<item><title>{sentence(rng)}</title><link>https://news.example.org/{i}</link>"
            f"<guid>g{i}</guid><pubDate>Mon, 0{i % 9 + 1} Feb 2022 10:00:00 GMT</pubDate>"
            f"<description><![CDATA[<p>{article_text(rng, 1)}</p>]]></description></item>"
            for i in range(n)
        )
        head = '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Feed</title>'
        return f"{head}{items}</channel></rss>".encode()
    entries = "".join(
        f"<entry><title>{sentence(rng)}</title><id>urn:{i}</id><link href='https://news.example.org/{i}'/>"
        f"<updated>2022-02-0{i % 9 + 1}T10:00:00Z</updated>"
        f"<content type='html'>&lt;p&gt;{article_text(rng, 1)}&lt;/p&gt;</content></entry>"
        for i in range(n)
    )
    return f'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Atom</title>{entries}</feed>'.encode()


# Field values that are legal syntax but nonsense: wrong types, impossible dates, huge numbers,
# escapes of characters that cannot be stored, URLs that are not.
NASTY_JSON = [
    "null",
    "true",
    "false",
    "0",
    "-1",
    "1e308",
    "-1e999",
    "1e999",
    "NaN",
    "-Infinity",
    "1" * 5000,
    "0." + "0" * 5000 + "1",
    '""',
    '" "',
    '"\\u0000"',
    '"\\ud800"',
    '"\\udc00\\ud800"',
    '"x\\u0000y"',
    '"2019-02-30"',
    '"0000-00-00"',
    '"9999-99-99"',
    '"99999-01-01"',
    '"Mon, 99 Feb 99999999999 10:00 GMT"',
    '"-0001-12-31"',
    '"yesterday"',
    '"2019"',
    "[]",
    "{}",
    "[[[[]]]]",
    '{"name": {"name": 1}}',
    '{"name": "\\ud800"}',
    '"http://[::1"',
    '"javascript:alert(1)"',
    '"file:///etc/passwd"',
    '"' + "a" * 70000 + '"',
    '["France met Germany."]',
    '{"\\ud800": 1}',
    "[" * 900 + "]" * 900,
]
NASTY_DATES = [
    "Mon, 99 Feb 99999999999 10:00:00 GMT",
    "2019-13-45T25:61:61Z",
    "-0001-01-01",
    "99999-01-01",
    "Thu, 01 Jan 1970 00:00:00 +9999",
    "1e10",
    "",
    "&#xD800;",
    "0",
    "2019-02-29",
    "Feb 30 2020",
    "9" * 400,
    "2019-05-06T10:00:00" + "+" * 100,
    "Tue, 30 Feb 2021 24:00:00 PDT",
]
NASTY_LINKS = [
    "javascript:alert(1)",
    "http://[::1",
    "http://a b/",
    "//x",
    "file:///etc/passwd",
    "",
    "#",
    "http://" + "a" * 3000 + ".com/",
    "mailto:x@y",
    "http://127.0.0.1/admin",
]


def nasty_record(rng: random.Random) -> bytes:
    fields = ["id", "text", "title", "date", "source", "url", "events", "extra"]
    parts = []
    for name in rng.sample(fields, rng.randint(1, len(fields))):
        value = (
            rng.choice(NASTY_JSON) if rng.random() < 0.6 or name != "text" else json.dumps(article_text(rng))
        )
        parts.append(f'"{name}": {value}')
    if "text" not in "".join(parts) and rng.random() < 0.7:
        parts.append(f'"text": {json.dumps(article_text(rng))}')
    one = "{" + ", ".join(parts) + "}"
    return (one + "\n" + seed_jsonl(rng).decode()).encode() if rng.random() < 0.5 else one.encode()


def nasty_feed(rng: random.Random) -> bytes:
    def item(i: int) -> str:
        date = rng.choice(NASTY_DATES)
        link = rng.choice(NASTY_LINKS)
        mode = rng.choice(
            ["", ' mode="base64"', ' mode="escaped"', ' type="xhtml"', ' type="application/octet-stream"']
        )
        body = rng.choice(
            [
                "!!!not base64!!!",
                "<div xmlns='http://www.w3.org/1999/xhtml'><p>France met Germany.</p>",
                "&lt;script&gt;alert(1)&lt;/script&gt;France met Germany.",
                "&#0;&#xD800;&#99999999999;",
                article_text(rng, 1),
            ]
        )
        if rng.random() < 0.5:
            return (
                f"<entry><title>{sentence(rng)}</title><id>{link}</id><link href='{link}'/>"
                f"<updated>{date}</updated><published>{date}</published><content{mode}>{body}</content></entry>"
            )
        return (
            f"<item><title>{sentence(rng)}</title><link>{link}</link><guid>{link or i}</guid>"
            f"<pubDate>{date}</pubDate><dc:date>{date}</dc:date><description>{body}</description>"
            f"<enclosure url='{link}' length='{rng.choice(['-1', '1' * 50, 'x'])}'/></item>"
        )

    items = "".join(item(i) for i in range(rng.randint(1, 5)))
    root = rng.choice(
        [
            '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel><title>F</title>{}</channel></rss>',
            '<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title>{}</feed>',
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">{}</rdf:RDF>',
        ]
    )
    decl = rng.choice(
        [
            '<?xml version="1.0"?>',
            '<?xml version="1.0" encoding="iso-8859-1"?>',
            '<?xml version="1.0" encoding="bogus"?>',
            '<?xml version="1.0" encoding="utf-16"?>',
            "",
        ]
    )
    return (decl + root.format(items)).encode("utf-8", "surrogatepass")


def nasty_html(rng: random.Random) -> bytes:
    date = rng.choice(NASTY_DATES)
    link = rng.choice(NASTY_LINKS)
    charset = rng.choice(["utf-7", "x-user-defined", "utf-16", "utf-32", "bogus", "a" * 300, "cp65001", ""])
    return (
        f'<html><head><meta charset="{charset}"><base href="{link}"><link rel="canonical" href="{link}">'
        f'<meta property="article:published_time" content="{date}"><meta name="date" content="{date}">'
        f'<meta property="og:site_name" content="{link}"><title>{rng.choice(NASTY_DATES)}</title></head>'
        f"<body><article><time datetime='{date}'>{date}</time><p>{article_text(rng, 2)}</p>"
        f"{rng.choice(['<table>' * 300, '<p>' * 3000, '<svg><script>x</script></svg>', '&#0;&#xD800;', ''])}"
        "</article></body></html>"
    ).encode()


SEEDS: dict[str, Callable[[random.Random], bytes]] = {
    "text": seed_text,
    "jsonl": seed_jsonl,
    "json": seed_json,
    "html": seed_html,
    "feed": seed_feed,
}
NASTY: dict[str, Callable[[random.Random], bytes]] = {
    "jsonl": nasty_record,
    "json": nasty_record,
    "html": nasty_html,
    "feed": nasty_feed,
}


def seed_for(parser: str, rng: random.Random) -> bytes:
    """A valid document of the format, or (a third of the time) one with nonsense field values."""
    if parser in NASTY and rng.random() < 0.35:
        return NASTY[parser](rng)
    return SEEDS[parser](rng)


def any_seed(rng: random.Random) -> bytes:
    return seed_for(rng.choice(list(SEEDS)), rng)


# -- mutations --------------------------------------------------------------------------------------


def random_bytes(rng: random.Random, data: bytes) -> bytes:
    return rng.randbytes(rng.choice([1, 2, 16, 256, 4096, 20000]))


def flip(rng: random.Random, data: bytes) -> bytes:
    buf = bytearray(data or b"x")
    for _ in range(rng.randint(1, 20)):
        buf[rng.randrange(len(buf))] = rng.randrange(256)
    return bytes(buf)


def truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randint(0, len(data))]


def insert(rng: random.Random, data: bytes) -> bytes:
    for _ in range(rng.randint(1, 5)):
        at = rng.randint(0, len(data))
        data = data[:at] + rng.choice(HOSTILE) * rng.choice([1, 1, 3, 100]) + data[at:]
    return data


def splice(rng: random.Random, data: bytes) -> bytes:
    other = any_seed(rng)
    return data[: rng.randint(0, len(data))] + other[rng.randint(0, len(other)) :]


def repeat_slice(rng: random.Random, data: bytes) -> bytes:
    if not data:
        return data
    a = rng.randrange(len(data))
    b = min(len(data), a + rng.randint(1, 200))
    return data[:a] + data[a:b] * rng.choice([10, 100, 2000]) + data[b:]


def reencode(rng: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8", "replace")
    if rng.random() < 0.5:  # non-Latin text gives the charset detector something to chew on
        text += " " + rng.choice(
            ["Россия раскритиковала Францию.", "中国批评了日本。", "Ελλάδα και Τουρκία.", "ירושלים"]
        )
    return text.encode(rng.choice(ENCODINGS), "replace")


def huge_line(rng: random.Random, data: bytes) -> bytes:
    size = rng.choice([70_000, 300_000, 1_200_000, 3_200_000])
    unit = rng.choice([b"a", b"France criticized Germany ", b"\xc3\xa9", b"<b>", b'{"a":', b"\\u00e9", b" "])
    at = rng.randint(0, len(data))
    return data[:at] + unit * (size // len(unit)) + data[at:]


def deep_nesting(rng: random.Random, data: bytes) -> bytes:
    depth = rng.choice([100, 1000, 5000, 50_000, 200_000])
    opener, closer = rng.choice(
        [
            (b"[", b"]"),
            (b'{"a":', b"}"),
            (b"<div>", b"</div>"),
            (b"<b>", b""),
            (b"<item>", b"</item>"),
            (b"<![CDATA[", b""),
            (b'{"text":', b"}"),
        ]
    )
    core = rng.choice([b'"x"', b"", data[:200]])
    tail = closer * depth if rng.random() < 0.6 else b""
    return opener * depth + core + tail


def entity_bomb(rng: random.Random, data: bytes) -> bytes:
    levels = "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">' for i in range(1, 10))
    return (
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY l0 "lol">{levels}'
        '<!ENTITY ext SYSTEM "file:///etc/passwd">]>'
        '<rss version="2.0"><channel><title>&l9;</title><item><title>x</title>'
        "<description>France met Germany. &l9; &ext;</description></item></channel></rss>"
    ).encode()


def many_entries(rng: random.Random, data: bytes) -> bytes:
    kind = rng.choice(["rss", "jsonl", "json"])
    n = rng.choice([1500, 5000])
    if kind == "rss":
        items = "".join(
            f"<item><title>t{i}</title><description>France met Germany {i}.</description></item>"
            for i in range(n)
        )
        return f'<rss version="2.0"><channel>{items}</channel></rss>'.encode()
    recs = [{"id": i, "text": f"France met Germany {i}."} for i in range(n)]
    if kind == "json":
        return json.dumps(recs).encode()
    return "".join(json.dumps(r) + "\n" for r in recs).encode()


def gzip_wrap(rng: random.Random, data: bytes) -> bytes:
    gz = gzip.compress(data, compresslevel=rng.choice([1, 9]))
    roll = rng.random()
    if roll < 0.3:
        return gz[: rng.randint(0, len(gz))]  # truncated
    if roll < 0.5:
        return flip(rng, gz)
    if roll < 0.6:
        return gz + rng.randbytes(rng.randint(1, 50))  # trailing garbage
    if roll < 0.7:
        return gz + gzip.compress(any_seed(rng))  # two members
    return gz


def gzip_bomb(rng: random.Random, data: bytes) -> bytes:
    # Inflates far beyond the fuzz limit below (max_decompressed_bytes is lowered for gzip inputs).
    return gzip.compress(rng.choice([b"\n", b"a", b"{"]) * rng.choice([3_000_000, 12_000_000]), 9)


Mutation = Callable[[random.Random, bytes], bytes]
COMMON: list[tuple[Mutation, float]] = [
    (lambda rng, d: d, 0.08),
    (random_bytes, 0.08),
    (flip, 0.15),
    (truncate, 0.12),
    (insert, 0.2),
    (splice, 0.07),
    (repeat_slice, 0.06),
    (reencode, 0.1),
    (huge_line, 0.02),
    (deep_nesting, 0.05),
    (entity_bomb, 0.01),
    (many_entries, 0.01),
]


def mutate(rng: random.Random, data: bytes, rounds: int | None = None) -> bytes:
    funcs, weights = zip(*COMMON, strict=True)
    for _ in range(rounds or rng.choice([1, 1, 1, 2, 3])):
        data = rng.choices(funcs, weights)[0](rng, data)
        if len(data) > 4_000_000:
            data = data[:4_000_000]
    return data


# -- running ----------------------------------------------------------------------------------------


class FuzzTimeout(BaseException):
    """Raised by the alarm: a BaseException so no ``except Exception`` in the code under test hides it."""


@dataclass
class Tally:
    inputs: int = 0
    articles: int = 0
    problems: Counter[str] = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)
    timeouts: list[str] = field(default_factory=list)
    slow: int = 0
    max_seconds: float = 0.0
    slowest: str = ""  # saved file of the slowest input
    seconds: float = 0.0


_NUM = re.compile(r"\d[\d,._]*")
_QUOTED = re.compile(r"'[^']*'|\"[^\"]*\"|\([^()]*\)")


def message_class(message: str) -> str:
    """A problem message without its particulars, to count kinds of problems."""
    m = re.sub(r"^(?:entry|item) \d+(?: \([^)]*\))?: ", "", message)
    m = m.split(";")[0]
    m = _QUOTED.sub("(…)", _NUM.sub("N", m))
    return m[:80]


def check_article(a: Article, limits: IngestLimits) -> str | None:
    """Contract violations of an Article (None if it is fine)."""
    if not isinstance(a.text, str) or not a.text.strip():
        return "article with empty text"
    if len(a.text) > limits.max_article_chars:
        return f"article text of {len(a.text)} chars over max_article_chars"
    if not a.id or not isinstance(a.id, str):
        return f"article id {a.id!r}"
    for name in ("text", "title", "publisher", "url", "attributed_to", "id"):
        value = getattr(a, name)
        if value is not None:
            try:
                value.encode("utf-8")
            except UnicodeEncodeError as exc:
                return f"article {name} is not valid Unicode ({exc.reason})"
            if "\x00" in value:
                return f"article {name} contains NUL"
    try:
        json.dumps(a.metadata, ensure_ascii=False, default=str).encode("utf-8")
    except (UnicodeEncodeError, ValueError, TypeError, RecursionError) as exc:
        return f"article metadata cannot be stored ({type(exc).__name__}: {exc})"
    a.content_hash  # noqa: B018 - must not raise
    return None


class Runner:
    def __init__(self, workdir: Path, out: Path, timeout: float, verbose: bool) -> None:
        self.workdir = workdir
        self.out = out
        self.timeout = timeout
        self.verbose = verbose
        self._pipeline: Any = None

    @property
    def pipeline(self) -> Any:
        if self._pipeline is None:
            from realpolitik.pipeline import Pipeline

            self._pipeline = Pipeline()
        return self._pipeline

    def make(self, parser: str, rng: random.Random) -> tuple[bytes, str]:
        """An input for ``parser`` and the file name it is read under."""
        if parser in SEEDS:
            suffix = {"text": ".txt", "jsonl": ".jsonl", "json": ".json", "html": ".html"}.get(
                parser, rng.choice([".xml", ".rss", ".atom"])
            )
            seed = seed_for(parser, rng)
            return (mutate(rng, seed) if rng.random() < 0.8 else seed), "input" + suffix
        if parser == "gzip":
            kind = rng.choice(list(SEEDS))
            inner = seed_for(kind, rng)
            if rng.random() < 0.5:
                inner = mutate(rng, inner)
            data = gzip_bomb(rng, inner) if rng.random() < 0.03 else gzip_wrap(rng, inner)
            suffix = {"text": ".txt", "jsonl": ".jsonl", "json": ".json", "html": ".html", "feed": ".rss"}[
                kind
            ]
            return data, "input" + rng.choice([suffix + ".gz", ".gz", ".dat"])
        if parser == "stdin":
            data = mutate(rng, any_seed(rng))
            if rng.random() < 0.15:
                data = gzip_wrap(rng, data)
            return data, "-"
        # extract: a realistic article through the whole pipeline, mildly or wildly mutated
        base = seed_text(rng) if rng.random() < 0.6 else seed_jsonl(rng)
        data = mutate(rng, base, rounds=1) if rng.random() < 0.7 else base
        return data[:EXTRACT_INPUT_BYTES], "input.txt" if base[:1] != b"{" else "input.jsonl"

    def run_one(self, parser: str, data: bytes, name: str, tally: Tally, label: str) -> None:
        limits = LIMITS
        if parser == "gzip":
            limits = IngestLimits(max_article_chars=500_000, max_decompressed_bytes=8_000_000)
        path = self.workdir / name
        if name != "-":
            path.write_bytes(data)
        crash: str | None = None
        timed_out = False
        started = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, self.timeout)
        try:
            if parser == "extract":
                crash = self._extract(path, data, tally)
            else:
                stdin = io.BytesIO(data) if name == "-" else None
                for item in read_sources([str(path) if name != "-" else "-"], limits, stdin=stdin):
                    if isinstance(item, InputProblem):
                        tally.problems[message_class(item.message)] += 1
                        if item.message.startswith("unexpected error"):
                            crash = crash or f"guard caught: {item.message}"
                    elif isinstance(item, Article):
                        tally.articles += 1
                        crash = crash or check_article(item, limits)
                    else:
                        crash = crash or f"read_sources yielded a {type(item).__name__}"
        except FuzzTimeout:
            crash = f"timeout: over {self.timeout:g} s"
            timed_out = True
        except BaseException as exc:  # noqa: BLE001 - that is what we are looking for
            if isinstance(exc, KeyboardInterrupt):
                raise
            crash = f"raised {type(exc).__name__}: {exc}\n{traceback.format_exc(limit=-6)}"
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            if name != "-":
                path.unlink(missing_ok=True)
        took = time.monotonic() - started
        tally.inputs += 1
        tally.seconds += took
        suffix = Path(name).suffix if name != "-" else ".stdin"
        if took > tally.max_seconds:
            tally.max_seconds = took
            if took > SLOW_SECONDS:  # kept for a look: what made it slow
                tally.slowest = str(self.out / f"slowest-{label}{suffix}")
                for old in self.out.glob(f"slowest-{parser}-*"):
                    old.unlink()
                Path(tally.slowest).write_bytes(data)
        if took > SLOW_SECONDS:
            tally.slow += 1
        if crash:
            saved = self.out / f"{label}{suffix}"
            saved.write_bytes(data)
            (tally.timeouts if timed_out else tally.crashes).append(f"{saved}: {crash.splitlines()[0][:300]}")
            if self.verbose:
                print(f"CRASH {parser} {saved}\n{crash}", file=sys.stderr)

    def _extract(self, path: Path, data: bytes, tally: Tally) -> str | None:
        from realpolitik.pipeline import RunReport

        report = RunReport()
        try:
            for analysed in self.pipeline.extract([str(path)], limits=EXTRACT_LIMITS, report=report):
                tally.articles += 1
                for event in analysed.events:
                    event.to_dict()  # the output contract must serialise
            # The quick path too, on the raw text as a Python caller could pass it.
            text = data.decode("utf-8", "replace")[:EXTRACT_TEXT_CHARS]
            if text.strip():
                self.pipeline.extract_text(text, date="2019-05-06")
        except RealpolitikError as exc:
            tally.problems[f"raised {type(exc).__name__}: " + message_class(str(exc))] += 1
            return None
        for problem in report.problems:
            tally.problems[message_class(problem.message)] += 1
            if problem.message.startswith("unexpected error"):
                return f"guard caught: {problem.message}"
        return None


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise FuzzTimeout


def offline_fetch(self: Fetcher, url: str) -> Any:
    """Replaces Fetcher.fetch: feed entry links are checked as for real, then never fetched.

    Fetching stays on in the limits so that the link handling of feeds is fuzzed too, but no
    fuzzed URL ever reaches the network.
    """
    check_url(url, self.allow_private)
    raise InputError(url, "offline: the fuzz run never fetches")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1000, help="inputs per parser (default 1000; make fuzz: 10000)")
    ap.add_argument("--seed", type=int, default=0, help="random seed: the same seed makes the same inputs")
    ap.add_argument(
        "--parsers", default=",".join(PARSERS), help=f"comma-separated subset of {','.join(PARSERS)}"
    )
    ap.add_argument("--timeout", type=float, default=60.0, help="seconds one input may take (default 60)")
    ap.add_argument(
        "--out", type=Path, default=None, help="directory for crashing inputs (default: a temp dir)"
    )
    ap.add_argument("--replay", type=Path, default=None, help="run one saved input (with --parsers NAME)")
    ap.add_argument("-v", "--verbose", action="store_true", help="print each crash with its traceback")
    args = ap.parse_args(argv)
    parsers = [p.strip() for p in args.parsers.split(",") if p.strip()]
    unknown = sorted(set(parsers) - set(PARSERS))
    if unknown:
        ap.error(f"unknown parsers: {', '.join(unknown)}")
    signal.signal(signal.SIGALRM, _alarm)
    Fetcher.fetch = offline_fetch  # type: ignore[method-assign]
    import logging

    logging.disable(logging.CRITICAL)  # the guard logs each unexpected error; we count them instead
    out = args.out or Path(tempfile.mkdtemp(prefix="rp-fuzz-"))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="rp-fuzz-work-") as work:
        runner = Runner(Path(work), out, args.timeout, args.verbose or args.replay is not None)
        if args.replay is not None:
            tally = Tally()
            data = args.replay.read_bytes()
            suffix = args.replay.suffix if args.replay.suffix != ".stdin" else None
            runner.run_one(parsers[0], data, "-" if suffix is None else "input" + suffix, tally, "replay")
            print(
                f"{tally.inputs} input, {tally.articles} articles, problems {dict(tally.problems)}, "
                f"crashes {tally.crashes}, timeouts {tally.timeouts}"
            )
            return 1 if tally.crashes or tally.timeouts else 0
        tallies: dict[str, Tally] = {}
        for parser in parsers:
            rng = random.Random(f"{args.seed}:{parser}")
            tally = tallies[parser] = Tally()
            for i in range(args.n):
                data, name = runner.make(parser, rng)
                runner.run_one(parser, data, name, tally, f"{parser}-{args.seed}-{i}")
            print(
                f"{parser}: {tally.inputs} inputs, {tally.articles} articles, "
                f"{sum(tally.problems.values())} problems, {len(tally.crashes)} crashes, "
                f"{len(tally.timeouts)} timeouts, {tally.seconds:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    report(tallies, out, args)
    return 1 if any(t.crashes or t.timeouts for t in tallies.values()) else 0


def report(tallies: dict[str, Tally], out: Path, args: argparse.Namespace) -> None:
    print(f"\nrealpolitik fuzz: --n {args.n} --seed {args.seed} (timeout {args.timeout:g} s per input)\n")
    print(
        f"{'parser':<8} {'inputs':>7} {'articles':>9} {'problems':>9} {'crashes':>8} {'timeouts':>9} "
        f"{'slow>5s':>8} {'max s':>6} {'total s':>8}"
    )
    for parser, t in tallies.items():
        print(
            f"{parser:<8} {t.inputs:>7} {t.articles:>9} {sum(t.problems.values()):>9} {len(t.crashes):>8} "
            f"{len(t.timeouts):>9} {t.slow:>8} {t.max_seconds:>6.1f} {t.seconds:>8.0f}"
        )
    for parser, t in tallies.items():
        print(f"\n{parser}: problems by message class")
        for cls, n in t.problems.most_common(15):
            print(f"  {n:>6}  {cls}")
        rest = sum(t.problems.values()) - sum(n for _, n in t.problems.most_common(15))
        if rest:
            print(f"  {rest:>6}  ({len(t.problems) - 15} other classes)")
        if t.slowest:
            print(f"  slowest input ({t.max_seconds:.1f} s): {t.slowest}")
        for crash in t.crashes[:20]:
            print(f"  CRASH {crash}")
        for timeout in t.timeouts[:20]:
            print(f"  TIMEOUT {timeout}")
    crashes = sum(len(t.crashes) for t in tallies.values())
    timeouts = sum(len(t.timeouts) for t in tallies.values())
    print(
        f"\n{crashes} crashes, {timeouts} timeouts"
        + (f"; inputs saved in {out}" if crashes or timeouts else "")
    )


if __name__ == "__main__":
    codecs.lookup("utf-8")
    sys.exit(main())
