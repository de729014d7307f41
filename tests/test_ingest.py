"""Ingest: every input format, gzip, directories, stdin and every kind of bad input."""

from __future__ import annotations

import gzip
import io
import itertools
import json
import time
from pathlib import Path

import pytest

from realpolitik.ingest import IngestLimits, read_sources
from realpolitik.models import Article, InputProblem, text_hash

FIXTURES = Path(__file__).parent / "fixtures" / "ingest"
NO_FETCH = IngestLimits(fetch_pages=False)


def read(*sources: str | Path, limits: IngestLimits | None = NO_FETCH, stdin=None) -> list:
    return list(read_sources([str(s) for s in sources], limits, stdin=stdin))


def articles(items: list) -> list[Article]:
    return [i for i in items if isinstance(i, Article)]


def problems(items: list) -> list[InputProblem]:
    return [i for i in items if isinstance(i, InputProblem)]


def only_problem(items: list) -> InputProblem:
    assert len(items) == 1 and isinstance(items[0], InputProblem), items
    return items[0]


# -- plain text ---------------------------------------------------------------------------------


def test_seed_article_title_text_and_attribution(shared_data: Path) -> None:
    path = shared_data / "seed" / "article.txt"
    [article] = read(path)
    assert isinstance(article, Article)
    assert article.id == "article"
    assert article.title == "Behind closed doors, China, Russia vie for supremacy in global politics"
    assert article.attributed_to == "The Washington Post"
    assert article.text == path.read_text(encoding="utf-8")  # the whole file, title line included
    assert article.origin == str(path)
    assert article.date is None and article.date_source == "none"


def test_seed_gold_record(shared_data: Path) -> None:
    [record] = read(shared_data / "seed" / "expected_events.jsonl")
    assert record.id == "seed"
    assert record.title.startswith("Behind closed doors")
    assert record.attributed_to == "The Washington Post"
    assert isinstance(record.metadata["events"], list) and record.metadata["events"]
    assert "optional" in record.metadata and "text" not in record.metadata


def test_txt_dateline_and_wire_credit() -> None:
    [article] = read(FIXTURES / "dateline.txt")
    assert article.id == "dateline"
    assert article.title == "Ministers of Freedonia and Sylvania agree to reopen border talks"
    assert str(article.date) == "2019-03-03" and article.date_source == "dateline"
    assert article.attributed_to == "Reuters"
    assert article.publisher is None


def test_txt_crlf_is_normalised_like_text_mode(tmp_path: Path) -> None:
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"Headline\r\n\r\nBody line one.\r\nBody line two.\r\n")
    [article] = read(path)
    assert article.text == path.read_text(encoding="utf-8")  # universal newlines
    assert "\r" not in article.text and article.title == "Headline"


def test_txt_with_utf8_bom(tmp_path: Path) -> None:
    path = tmp_path / "bom.txt"
    path.write_bytes(b"\xef\xbb\xbfTitle here\n\nText.\n")
    [article] = read(path)
    assert article.text.startswith("Title here") and article.title == "Title here"
    assert "encoding" not in article.metadata


# -- JSON Lines and JSON -----------------------------------------------------------------------


def test_jsonl_good_and_bad_lines() -> None:
    items = read(FIXTURES / "articles.jsonl")
    by_id = {a.id: a for a in articles(items)}
    assert list(by_id) == [
        "a1",
        "a2",
        "sha256:"
        + text_hash(
            by_id[
                "sha256:" + text_hash("Ruritania recalled its ambassador from Freedonia on Tuesday.")[:16]
            ].text
        )[:16],
        "7",
    ]
    a1 = by_id["a1"]
    assert (a1.title, str(a1.date), a1.date_source, a1.publisher, a1.url) == (
        "Freedonia hosts summit",
        "2020-01-05",
        "given",
        "Example Wire",
        "https://example.org/a1",
    )
    assert a1.metadata == {"topic": "world"}
    assert a1.origin.endswith("articles.jsonl:1")
    a2 = by_id["a2"]
    assert str(a2.date) == "2019-03-03" and a2.publisher == "Example Daily"  # NewsAPI-style source
    assert a2.attributed_to == "The Example Times"
    # a record with an unparseable date keeps the raw value; a numeric id becomes a string
    assert by_id["7"].date is None and by_id["7"].metadata["raw_date"] == "2019-13-45"
    assert by_id["7"].metadata["events"][0]["cameo"] == ["05"]
    found = {(p.line, p.message.split(" (")[0]) for p in problems(items)}
    assert found == {
        (3, "malformed JSON"),
        (4, "missing 'text'"),
        (7, "expected a JSON object, got an array"),
    }
    assert all(p.origin.endswith("articles.jsonl") and p.kind == "error" for p in problems(items))


def test_jsonl_missing_id_gets_content_hash() -> None:
    text = "Ruritania recalled its ambassador from Freedonia on Tuesday."
    [article] = [a for a in articles(read(FIXTURES / "articles.jsonl")) if a.title == "No id"]
    assert article.id == "sha256:" + text_hash(text)[:16]
    assert article.date is None and article.metadata["raw_date"] == "sometime last spring"


def test_jsonl_empty_text_and_non_string_text(tmp_path: Path) -> None:
    path = tmp_path / "x.ndjson"
    path.write_text('{"id": 1, "text": "   "}\n{"id": 2, "text": 42}\n{"id": 3, "text": "ok text"}\n')
    items = read(path)
    assert [a.id for a in articles(items)] == ["3"]
    assert [(p.line, p.message) for p in problems(items)] == [
        (1, "empty 'text'"),
        (2, "'text' is a number, not a string"),
    ]


def test_jsonl_that_is_not_jsonl_gives_up(tmp_path: Path) -> None:
    path = tmp_path / "notes.jsonl"
    path.write_text("\n".join(f"just words on line {i}" for i in range(500)))
    items = read(path)
    assert len(items) == 21 and all(isinstance(i, InputProblem) for i in items)
    assert "not JSON Lines" in items[-1].message


def test_json_array_items_named() -> None:
    items = read(FIXTURES / "articles.json")
    assert [a.id for a in articles(items)] == ["j1", "j3"]
    assert str(articles(items)[0].date) == "2021-06-01"
    assert articles(items)[1].metadata == {"license": "CC0"}
    [problem] = problems(items)
    assert problem.line == 2 and problem.message == "item 2: missing 'text'"
    assert str(problem).endswith("articles.json:2: item 2: missing 'text'")


def test_json_single_object() -> None:
    [article] = read(FIXTURES / "single.json")
    assert article.id == "single-1" and str(article.date) == "2018-05-05"
    assert article.origin == str(FIXTURES / "single.json")


def test_json_malformed_array_reports_item(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('[{"id": "x", "text": "Fine."}, {"id": "y", "text": oops}]')
    items = read(path)
    assert [a.id for a in articles(items)] == ["x"]
    problem = problems(items)[0]
    assert problem.line == 2 and problem.message.startswith("item 2: malformed JSON")


def test_json_garbage(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text("{not json at all")
    assert only_problem(read(path)).message.startswith("malformed JSON")


# -- HTML ----------------------------------------------------------------------------------------


def test_html_file() -> None:
    [article] = read(FIXTURES / "page.html")
    assert article.id == "page"
    assert article.title == "Freedonia and Sylvania sign border accord"
    assert article.publisher == "Example News"
    assert article.url == "https://news.example.org/world/border-accord"
    assert str(article.date) == "2020-03-04" and article.date_source == "metadata"
    assert "joint commission to mark the frontier" in article.text
    assert "Home" not in article.text and "Copyright" not in article.text  # boilerplate removed
    assert "\n\n" in article.text  # paragraphs kept apart for the NLP stage


def test_html_without_article_text(tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text("<html><head><title>x</title></head><body><script>var a = 1;</script></body></html>")
    assert "no article text" in only_problem(read(path)).message


# -- feeds ---------------------------------------------------------------------------------------


def test_rss_file_without_fetching() -> None:
    items = read(FIXTURES / "feed.rss")
    got = articles(items)
    assert [a.title for a in got] == ["Freedonia recalls envoy", "Sylvania offers talks"]
    envoy = got[0]
    assert envoy.id == envoy.url == envoy.origin == "https://feed.example.org/envoy"
    assert envoy.publisher == "Example World Feed"
    assert str(envoy.date) == "2020-03-03" and envoy.date_source == "metadata"
    assert (
        envoy.text
        == "Freedonia recalled its envoy to Sylvania on Tuesday.\n\nThe move follows a week of protests."
    )
    assert envoy.metadata["text_from"] == "feed"
    assert got[1].text == "Sylvania offered to hold talks with Freedonia & Ruritania."
    repeated, empty = problems(items)
    assert repeated.kind == "skipped" and repeated.line == 3 and "repeats" in repeated.message
    assert empty.kind == "error" and empty.line == 4 and "no text" in empty.message


def test_atom_file() -> None:
    [article] = read(FIXTURES / "feed.atom")
    assert article.id == "urn:example:atom:1"
    assert article.url == "https://atom.example.org/alliance"
    assert article.publisher == "Example Atom Feed"
    assert str(article.date) == "2021-01-02"
    assert (
        article.text
        == "Ruritania joined the Northern Alliance on Saturday.\n\nSylvania criticised the decision."
    )


def test_broken_feed_file() -> None:
    problem = only_problem(read(FIXTURES / "broken_feed.xml"))
    assert problem.kind == "error" and problem.message.startswith("broken feed")


def test_xml_that_is_not_a_feed(tmp_path: Path) -> None:
    path = tmp_path / "sitemap.xml"
    path.write_text('<?xml version="1.0"?><urlset><url><loc>https://x.org/</loc></url></urlset>')
    assert "not an RSS or Atom feed" in only_problem(read(path)).message


def test_feed_entry_cap(tmp_path: Path) -> None:
    entries = "".join(
        f"<item><title>T{i}</title><link>https://x.org/{i}</link>"
        f"<description>Text number {i}.</description></item>"
        for i in range(30)
    )
    path = tmp_path / "big.rss"
    path.write_text(f'<rss version="2.0"><channel><title>Big</title>{entries}</channel></rss>')
    items = read(path, limits=IngestLimits(fetch_pages=False, max_feed_entries=10))
    assert len(articles(items)) == 10
    [cut] = problems(items)
    assert cut.kind == "skipped" and "30 entries" in cut.message and "max_feed_entries" in cut.message


def test_feed_same_text_under_two_links_yielded_once(tmp_path: Path) -> None:
    item = "<item><title>T</title><link>https://x.org/{0}</link><description>Same words.</description></item>"
    path = tmp_path / "dup.rss"
    path.write_text(
        f'<rss version="2.0"><channel><title>D</title>{item.format(1)}{item.format(2)}</channel></rss>'
    )
    items = read(path)
    assert len(articles(items)) == 1 and problems(items)[0].kind == "skipped"


# -- gzip --------------------------------------------------------------------------------------


def _gzip_copy(src: Path, dest: Path) -> Path:
    dest.write_bytes(gzip.compress(src.read_bytes()))
    return dest


def test_gzip_jsonl_txt_html_and_feed(tmp_path: Path) -> None:
    plain = read(FIXTURES / "articles.jsonl")
    zipped = read(_gzip_copy(FIXTURES / "articles.jsonl", tmp_path / "articles.jsonl.gz"))
    assert [a.id for a in articles(zipped)] == [a.id for a in articles(plain)]
    assert [p.line for p in problems(zipped)] == [p.line for p in problems(plain)]
    [txt] = read(_gzip_copy(FIXTURES / "dateline.txt", tmp_path / "dateline.txt.gz"))
    assert txt.id == "dateline" and txt.attributed_to == "Reuters"
    [page] = read(_gzip_copy(FIXTURES / "page.html", tmp_path / "page.html.gz"))
    assert page.id == "page" and page.publisher == "Example News"
    [atom] = read(_gzip_copy(FIXTURES / "feed.atom", tmp_path / "feed.atom.gz"))
    assert atom.id == "urn:example:atom:1"


def test_gzip_bomb_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.jsonl.gz"
    path.write_bytes(gzip.compress(b"\n" * (20 * 1024 * 1024)))  # 20 MB of nothing, ~20 KB on disk
    assert path.stat().st_size < 100_000
    start = time.monotonic()
    problem = only_problem(read(path, limits=IngestLimits(max_decompressed_bytes=1024 * 1024)))
    assert time.monotonic() - start < 5
    assert "max_decompressed_bytes" in problem.message and "gzip bomb" in problem.message


def test_gzip_bomb_after_good_lines_keeps_them(tmp_path: Path) -> None:
    good = b'{"id": "g", "text": "Freedonia spoke."}\n'
    path = tmp_path / "late-bomb.jsonl.gz"
    path.write_bytes(gzip.compress(good + b" " * (4 * 1024 * 1024)))
    items = read(path, limits=IngestLimits(max_decompressed_bytes=2 * 1024 * 1024))
    assert [a.id for a in articles(items)] == ["g"]
    assert "gzip bomb" in problems(items)[0].message


def test_corrupt_and_truncated_gzip(tmp_path: Path) -> None:
    bad = tmp_path / "bad.txt.gz"
    bad.write_bytes(b"this is not gzip at all")
    assert "gzip" in only_problem(read(bad)).message
    truncated = tmp_path / "cut.jsonl.gz"
    truncated.write_bytes(gzip.compress((FIXTURES / "articles.jsonl").read_bytes())[:-30])
    assert "truncated" in problems(read(truncated))[-1].message


# -- directories and sources ---------------------------------------------------------------------


def test_directory_recursive_sorted_hidden_skipped() -> None:
    tree = FIXTURES / "tree"
    items = read(tree)
    assert [a.id for a in articles(items)] == ["a", "b", "b1", "b2", "c"]
    assert [a.origin for a in articles(items)] == [
        str(tree / "a.txt"),
        str(tree / "b.html"),
        str(tree / "sub" / "b.jsonl") + ":1",
        str(tree / "sub" / "b.jsonl") + ":2",
        str(tree / "sub" / "deeper" / "c.txt"),
    ]
    [csv] = problems(items)
    assert csv.kind == "skipped" and csv.origin == str(tree / "notes.csv")
    assert not any("hidden" in a.text.lower() for a in articles(items))


def test_missing_path_and_many_sources() -> None:
    items = read(FIXTURES / "nope.txt", FIXTURES / "dateline.txt")
    assert "no such file" in items[0].message and items[1].id == "dateline"


def test_unknown_suffix_given_explicitly_is_sniffed(tmp_path: Path) -> None:
    path = tmp_path / "export.dat"
    path.write_text('{"id": "s1", "text": "Sniffed as JSON Lines."}\n')
    [article] = read(path)
    assert article.id == "s1"


# -- stdin ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected_ids"),
    [
        ('{"id": "x1", "text": "One."}\n{"id": "x2", "text": "Two."}\n', ["x1", "x2"]),
        ('[{"id": "y1", "text": "One."}, {"id": "y2", "text": "Two."}]', ["y1", "y2"]),
        ('{\n  "id": "z1",\n  "text": "A pretty-printed object."\n}\n', ["z1"]),
    ],
)
def test_stdin_json_formats(data: str, expected_ids: list[str]) -> None:
    items = read("-", stdin=io.StringIO(data))
    assert [a.id for a in articles(items)] == expected_ids
    assert all(a.origin.startswith("<stdin>") for a in articles(items))


def test_stdin_plain_text_binary_and_text_mode() -> None:
    text = "Headline from a pipe\n\nFreedonia said hello.\n"
    for stdin in (io.StringIO(text), io.BytesIO(text.encode()), io.TextIOWrapper(io.BytesIO(text.encode()))):
        [article] = read("-", stdin=stdin)
        assert article.text == text and article.title == "Headline from a pipe"
        assert article.id == "sha256:" + text_hash(text)[:16]


def test_stdin_feed_html_and_gzip() -> None:
    feed = (FIXTURES / "feed.atom").read_bytes()
    assert articles(read("-", stdin=io.BytesIO(feed)))[0].id == "urn:example:atom:1"
    page = (FIXTURES / "page.html").read_bytes()
    [html] = read("-", stdin=io.BytesIO(page))
    assert html.publisher == "Example News" and html.title == "Freedonia and Sylvania sign border accord"
    jsonl = (FIXTURES / "tree" / "sub" / "b.jsonl").read_bytes()
    assert [a.id for a in articles(read("-", stdin=io.BytesIO(gzip.compress(jsonl))))] == ["b1", "b2"]


def test_stdin_empty() -> None:
    assert only_problem(read("-", stdin=io.StringIO("  \n"))).message == "empty file"


# -- bad input -----------------------------------------------------------------------------------


def test_empty_files(tmp_path: Path) -> None:
    for name in ("empty.txt", "empty.jsonl", "empty.json", "empty.html", "empty.rss"):
        (tmp_path / name).write_bytes(b"")
        assert only_problem(read(tmp_path / name)).message == "empty file"
    (tmp_path / "blank.txt").write_text("   \n\n\t\n")
    assert only_problem(read(tmp_path / "blank.txt")).message == "empty file"


@pytest.mark.parametrize("suffix", [".txt", ".jsonl", ".html", ".json", ".xml"])
def test_binary_files(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"image{suffix}"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20)
    problem = only_problem(read(path))
    assert "binary" in problem.message or "not" in problem.message, problem


def test_binary_without_nul_bytes(tmp_path: Path) -> None:
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes((i * 7919) % 255 + 1 for i in range(5000)))  # no NUL, not text
    assert "binary" in only_problem(read(path)).message


def test_cp1252_text_is_decoded_and_noted(tmp_path: Path) -> None:
    text = "Café talks\n\nThe minister said “no” — and Freedonia’s envoy left the café in Zürich.\n"
    path = tmp_path / "legacy.txt"
    path.write_bytes(text.encode("cp1252"))
    [article] = read(path)
    assert article.text == text and article.title == "Café talks"
    assert article.metadata["encoding"] == "cp1252"


def test_latin1_jsonl_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        b'{"id": "u", "text": "UTF-8 fine: S\xc3\xa3o Tom\xc3\xa9."}\n'
        + '{"id": "l", "text": "Latin-1: São Tomé and Príncipe protested."}\n'.encode("latin-1")
    )
    by_id = {a.id: a for a in articles(read(path))}
    assert by_id["u"].text == "UTF-8 fine: São Tomé." and "encoding" not in by_id["u"].metadata
    assert by_id["l"].text == "Latin-1: São Tomé and Príncipe protested."
    assert by_id["l"].metadata["encoding"] in ("cp1252", "latin_1", "iso8859_15")


def test_utf16_text_with_bom(tmp_path: Path) -> None:
    path = tmp_path / "wide.txt"
    path.write_bytes("Wide title\n\nFreedonia spoke.\n".encode("utf-16"))
    [article] = read(path)
    assert article.title == "Wide title" and article.metadata["encoding"] == "utf-16"


def test_fifty_megabyte_text_refused_quickly(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    line = b"Freedonia and Sylvania exchanged words again today. " * 20 + b"\n"
    with path.open("wb") as out:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            out.write(line)
    assert path.stat().st_size > 50 * 1024 * 1024
    start = time.monotonic()
    problem = only_problem(read(path, limits=IngestLimits()))
    assert time.monotonic() - start < 2  # refused by size, not parsed
    assert "max_article_chars=2,000,000" in problem.message and "skipped" in problem.message
    problem = only_problem(read(path, limits=IngestLimits(max_file_bytes=10 * 1024 * 1024)))
    assert "over max_file_bytes=10,485,760" in problem.message


def test_article_chars_limit_lowered(tmp_path: Path) -> None:
    limits = IngestLimits(max_article_chars=1000)
    path = tmp_path / "long.txt"
    path.write_text("Title\n\n" + "x " * 1200)  # 2,407 chars: read, decoded, then refused
    assert "2,407 characters, over max_article_chars=1,000" in only_problem(read(path, limits=limits)).message
    jsonl = tmp_path / "long.jsonl"
    jsonl.write_text(
        json.dumps({"id": "long", "text": "y" * 1500})
        + "\n"
        + json.dumps({"id": "short", "text": "Fine."})
        + "\n"
        + json.dumps({"id": "huge", "text": "z" * 10_000})
        + "\n"
    )
    items = read(jsonl, limits=limits)
    assert [a.id for a in articles(items)] == ["short"]
    assert [p.line for p in problems(items)] == [1, 3]
    assert "max_article_chars" in problems(items)[0].message
    gz = tmp_path / "long.txt.gz"
    gz.write_bytes(gzip.compress(("Title\n\n" + "x " * 5000).encode()))
    assert "max_article_chars" in only_problem(read(gz, limits=limits)).message


def test_json_file_over_max_file_bytes(tmp_path: Path) -> None:
    path = tmp_path / "big.json"
    path.write_text(json.dumps([{"id": str(i), "text": "words " * 50} for i in range(100)]))
    problem = only_problem(read(path, limits=IngestLimits(max_file_bytes=1000)))
    assert "max_file_bytes=1,000" in problem.message


# -- shared corpora ------------------------------------------------------------------------------


def test_wikinews_corpus(shared_data: Path) -> None:
    items = read(shared_data / "corpus" / "wikinews_2019_2020.jsonl")
    assert not problems(items)
    got = articles(items)
    assert len(got) == 291
    assert len({a.id for a in got}) == 291
    assert all(a.date and a.date_source == "given" and a.publisher == "Wikinews" for a in got)
    assert all(a.url.startswith("https://en.wikinews.org/") and a.title for a in got)
    assert all(2019 <= a.date.year <= 2020 for a in got)
    assert all("license" in a.metadata for a in got)


def test_allsides_gzip_corpus_streams(shared_data: Path) -> None:
    start = time.monotonic()
    stream = read_sources([str(shared_data / "corpus" / "allsides_world_news.jsonl.gz")])
    first = list(itertools.islice(stream, 300))
    stream.close()
    assert time.monotonic() - start < 10
    assert len(first) == 300 and all(isinstance(a, Article) for a in first)
    assert all(a.publisher and a.url and a.text.strip() and a.origin for a in first)
    assert all(a.id.startswith("allsides-") for a in first)
    assert sum(a.date is not None for a in first) > 200
    assert {a.metadata.get("topic") is not None for a in first} == {True}


def test_json_lines_saved_as_json(tmp_path: Path) -> None:
    path = tmp_path / "mislabelled.json"
    path.write_text('{"id": "m1", "text": "One."}\n{"id": "m2", "text": "Two."}\n')
    assert [a.id for a in read(path)] == ["m1", "m2"]


def test_path_objects_accepted() -> None:
    [article] = list(read_sources([FIXTURES / "dateline.txt"], NO_FETCH))  # type: ignore[list-item]
    assert article.id == "dateline"


def test_other_url_schemes_refused() -> None:
    problem = only_problem(read("ftp://example.org/feed.xml"))
    assert problem.origin == "ftp://example.org/feed.xml" and "only http and https" in problem.message
