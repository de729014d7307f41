"""RSS/Atom feeds (feedparser): one Article per entry, with the entry's page fetched for full text."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

from realpolitik.errors import InputError
from realpolitik.ingest.articles import check_length, clean_title, make_article
from realpolitik.ingest.fetch import FetchedResource, is_url
from realpolitik.ingest.html import PageText, decode_html, extract_page, strip_html
from realpolitik.ingest.limits import IngestLimits, limit_hint
from realpolitik.ingest.sniff import sniff
from realpolitik.models import Article, InputProblem, text_hash

Fetch = Callable[[str], FetchedResource]

# A numeric character reference, ";" optional as in SGML. feedparser's lenient parser turns each
# into chr(n) and crashes on n past U+10FFFF, on a surrogate or on a number too long to convert.
_CHARREF = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));?")
_MAX_CODEPOINT = 0x10FFFF

# feedparser reads a feed with a strict XML parser and, when the feed is not well-formed, again
# with a lenient one written in Python, whose cost grows with the markup: measured on 2 CPUs (see
# benchmarks/reliability.md), a valid feed takes about 0.5 s a MB, a broken one about 1 s a MB of
# text and 14 to 45 microseconds a tag: 11 s for 1 MB of broken, tag-dense markup, many minutes
# for a broken feed near max_file_bytes. A feed that is not well-formed is therefore read only up
# to these sizes (about 5 s at worst); well-formed feeds of any size keep the strict parser.
MAX_LENIENT_FEED_BYTES = 2 * 1024 * 1024
MAX_LENIENT_FEED_TAGS = 100_000  # counted as "<" characters: the lenient parser's work per tag


def _fix_charref(m: re.Match[bytes]) -> bytes:
    digits = m[1] if m[1] is not None else m[2]
    if len(digits.lstrip(b"0")) <= 8:
        value = int(digits, 16) if m[1] is not None else int(digits)
        if 0 < value <= _MAX_CODEPOINT and not 0xD800 <= value <= 0xDFFF:
            return m[0]
    return b"&#xFFFD;"


def fix_charrefs(data: bytes) -> bytes:
    """Character references that name no character become U+FFFD (an ASCII-compatible feed)."""
    return _CHARREF.sub(_fix_charref, data) if b"&#" in data else data


def strict_parse_error(data: bytes, headers: dict[str, str] | None = None) -> str | None:
    """Why feedparser's strict XML parser would refuse ``data`` (it would then fall back to its
    slow lenient parser), or None when it reads it.

    The same steps as ``feedparser.parse`` before its strict parse (conversion to UTF-8, DOCTYPE
    handling) and the same parser (expat, namespace-aware; feedparser prefers libxml2's SAX driver,
    which is not installed), but without feedparser's handlers: pure C, a few ms a MB.
    """
    import xml.parsers.expat

    from feedparser.encodings import convert_to_utf8
    from feedparser.sanitizer import replace_doctype
    from feedparser.util import FeedParserDict

    result = FeedParserDict(bozo=False, entries=[], feed=FeedParserDict(), headers=dict(headers or {}))
    try:
        converted = convert_to_utf8(result["headers"], data, result)
        if not result.get("encoding"):
            return str(result.get("bozo_exception") or "its character encoding cannot be told")
        _, converted, _ = replace_doctype(converted)
    except Exception as exc:  # noqa: BLE001 - feedparser itself fails there on some bytes (see parse_feed)
        return f"{type(exc).__name__}: {exc}"
    parser = xml.parsers.expat.ParserCreate(namespace_separator=" ")
    try:
        parser.Parse(converted, True)
    except xml.parsers.expat.ExpatError as exc:
        return str(exc)
    return None


def parse_feed(
    data: bytes,
    base_url: str | None = None,
    origin: str = "feed",
    *,
    max_lenient_bytes: int = MAX_LENIENT_FEED_BYTES,
    max_lenient_tags: int = MAX_LENIENT_FEED_TAGS,
) -> Any:
    """feedparser's result for feed bytes (relative links resolved against ``base_url``).

    The data goes in as a stream: given bytes or str, feedparser may treat them as a file name.
    feedparser has a few crashes on broken input (fuzzing found them: bad character references,
    a non-UTF-8 encoding declaration); they are avoided where we can and reported as a broken
    feed otherwise. A feed that is not well-formed and over ``max_lenient_bytes`` or
    ``max_lenient_tags`` is refused (InputError) instead of going to the slow lenient parser.
    """
    import feedparser  # only feeds need it

    headers = {"content-location": base_url} if base_url else None
    data = fix_charrefs(data)
    tags = data.count(b"<")
    if len(data) > max_lenient_bytes or tags > max_lenient_tags:
        why = strict_parse_error(data, headers)
        if why is not None:
            raise InputError(
                origin,
                f"broken feed: not well-formed XML ({why[:200]}), and too big to read leniently "
                f"({len(data):,} bytes, {tags:,} tags; the lenient parser reads at most "
                f"{max_lenient_bytes:,} bytes and {max_lenient_tags:,} tags, as it takes about "
                "10 s a MB of markup); no entries read. Repair the feed or split it",
            )
    try:
        return feedparser.parse(io.BytesIO(data), response_headers=headers)
    except RecursionError:
        raise InputError(origin, "broken feed: nested too deeply; no entries read") from None
    except Exception as exc:  # noqa: BLE001 - a parser crash on strange bytes is bad input, not a bug of ours
        raise InputError(
            origin, f"broken feed: the feed parser failed ({type(exc).__name__}: {exc}); no entries read"
        ) from None


def read_feed(
    data: bytes, origin: str, limits: IngestLimits, fetch: Fetch | None, *, base_url: str | None = None
) -> Iterator[Article | InputProblem]:
    parsed = parse_feed(data, base_url, origin)
    entries = list(parsed.get("entries") or [])
    if not entries:
        if parsed.get("bozo"):
            reason = parsed.get("bozo_exception")
            raise InputError(origin, f"broken feed: {reason or 'not well-formed'}; no entries read")
        if not parsed.get("version"):  # absent, not just empty, when there was no data at all
            raise InputError(origin, "not an RSS or Atom feed")
        yield InputProblem(origin, "feed has no entries", kind="skipped")
        return
    if len(entries) > limits.max_feed_entries:
        yield InputProblem(
            origin,
            f"feed has {len(entries):,} entries; only the first {limits.max_feed_entries:,} are read "
            f"(max_feed_entries); {limit_hint('max_feed_entries')}",
            kind="skipped",
        )
        del entries[limits.max_feed_entries :]
    feed_title = clean_title(strip_html(parsed.get("feed", {}).get("title") or "")) or None
    seen_keys: set[str] = set()
    seen_texts: set[str] = set()
    for number, entry in enumerate(entries, 1):
        key = entry.get("id") or entry.get("link")
        if key and key in seen_keys:
            yield InputProblem(
                origin, f"entry {number}: repeats an earlier entry ({key}): skipped", number, "skipped"
            )
            continue
        try:
            article = _entry_article(entry, number, origin, feed_title, limits, fetch)
        except InputError as exc:
            yield InputProblem(exc.origin, exc.message, exc.line)
            continue
        digest = text_hash(article.text)
        if digest in seen_texts:
            yield InputProblem(
                origin, f"entry {number}: same text as an earlier entry: skipped", number, "skipped"
            )
            continue
        if key:
            seen_keys.add(key)
        seen_texts.add(digest)
        yield article


def _entry_article(
    entry: Any, number: int, origin: str, feed_title: str | None, limits: IngestLimits, fetch: Fetch | None
) -> Article:
    link = entry.get("link") or None
    summary = _entry_text(entry)
    metadata: dict[str, Any] = {"feed": origin}
    if feed_title:
        metadata["feed_title"] = feed_title
    page: PageText | None = None
    if fetch is not None and link and is_url(link):
        try:
            page = fetch_page(link, fetch)
        except InputError as exc:
            metadata["fetch_error"] = exc.message
    # A page that yields less than the feed's own text (a paywall teaser, a cookie notice) loses.
    if page is not None and len(page.text) >= len(summary):
        text = page.text
        metadata["text_from"] = "page"
        metadata.update({k: v for k, v in page.metadata.items() if k not in metadata})
    elif summary:
        text = summary
        metadata["text_from"] = "feed"
    else:
        why = f"; fetching the page failed: {metadata['fetch_error']}" if "fetch_error" in metadata else ""
        raise InputError(
            origin, f"entry {number} ({link or 'no link'}): no text in the feed entry{why}", number
        )
    check_length(text, origin, limits, number, f"entry {number}: ")
    author = entry.get("author")
    if author:
        metadata.setdefault("author", author)
    tags = [t.get("term") for t in entry.get("tags", []) if t.get("term")]
    if tags:
        metadata.setdefault("tags", tags)
    day = _entry_date(entry)
    if day is None and page is not None:
        day = page.date
    source = entry.get("source") or {}
    publisher = (
        (source.get("title") if isinstance(source, dict) else None)
        or (page.real_sitename if page else None)
        or feed_title
        or (page.sitename if page else None)
    )
    title = entry.get("title") or (page.title if page else None)
    return make_article(
        text=text,
        origin=link or f"{origin}:{number}",
        id=entry.get("id") or link or None,
        title=strip_html(title) if title and "<" in title else title,
        date=day,
        date_source="metadata" if day else "none",
        publisher=publisher,
        url=(page.url if page and page.url else None) or link,
        metadata=metadata,
    )


def fetch_page(url: str, fetch: Fetch) -> PageText:
    """Fetch a page and extract its main text; raises InputError for anything but an article page."""
    resource = fetch(url)
    kind = sniff(resource.body[:65536], resource.content_type)
    if kind != "html":
        raise InputError(url, f"not an HTML page ({resource.content_type or kind})")
    markup, _ = decode_html(resource.body, url, declared=resource.charset)
    return extract_page(markup, url, url=resource.url)


def _entry_text(entry: Any) -> str:
    """The entry's longest content (full text feeds), else its summary, as plain text."""
    candidates = [c.get("value") or "" for c in entry.get("content", [])]
    candidates.append(entry.get("summary") or "")
    best = max(candidates, key=len)
    return strip_html(best) if best else ""


def _entry_date(entry: Any) -> date | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(key)
        if isinstance(value, time.struct_time):
            try:
                return date(value.tm_year, value.tm_mon, value.tm_mday)
            except ValueError:
                continue
    return None
