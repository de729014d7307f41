"""``read_sources``: paths, directories, stdin and URLs in; Articles and InputProblems out.

Every source is read inside a guard that turns failures into :class:`InputProblem` objects, so
one bad file, line or URL is reported and the run goes on. Errors inside the readers are raised
as :class:`InputError` (with origin and line) and converted at that boundary.
"""

from __future__ import annotations

import io
import logging
import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import BinaryIO, TextIO

from realpolitik.errors import InputError
from realpolitik.ingest.articles import check_length, display_path, make_article
from realpolitik.ingest.encoding import decode_bytes
from realpolitik.ingest.feeds import read_feed
from realpolitik.ingest.fetch import Fetcher, is_url
from realpolitik.ingest.html import decode_html, extract_page
from realpolitik.ingest.limits import IngestLimits, limit_hint
from realpolitik.ingest.records import read_json, read_jsonl
from realpolitik.ingest.sniff import FORMAT_BY_SUFFIX, SNIFF_BYTES, Format, sniff
from realpolitik.ingest.streams import (
    GZIP_MAGIC,
    GzipGuard,
    PrefixedStream,
    binary_stream,
    buffered,
    maybe_gunzip,
    read_capped,
    read_exactly,
)
from realpolitik.models import Article, InputProblem

log = logging.getLogger(__name__)

STDIN_ORIGIN = "<stdin>"
_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+://")  # ftp://, file://: refused, not taken for paths
_MAX_TITLE_CHARS = 300  # a "first line" longer than this is a paragraph, not a headline

Item = Article | InputProblem


def read_sources(
    sources: Sequence[str], limits: IngestLimits | None = None, *, stdin: TextIO | BinaryIO | None = None
) -> Iterator[Item]:
    """Read every source in order, yielding Articles and InputProblems; never raises for bad input.

    A source is a file, a directory (read recursively in sorted order, hidden entries skipped),
    ``-`` for stdin (format sniffed) or an http(s) URL (a feed or a page).
    """
    reader = _Reader(limits or IngestLimits(), stdin)
    try:
        for source in sources:
            yield from reader.read(os.fspath(source))
    finally:
        reader.close()


class _Reader:
    def __init__(self, limits: IngestLimits, stdin: TextIO | BinaryIO | None) -> None:
        self.limits = limits
        self.stdin = stdin
        self.fetcher = Fetcher(
            limits.fetch_timeout, limits.max_download_bytes, allow_private=limits.allow_private
        )

    def close(self) -> None:
        self.fetcher.close()

    # -- sources -------------------------------------------------------------------------------

    def read(self, source: str) -> Iterator[Item]:
        if not source.strip():  # Path("") is ".": an unset shell variable must not read the cwd
            yield InputProblem(repr(source), "empty source name: give a file, directory, URL or -")
        elif source == "-":
            yield from _guard(STDIN_ORIGIN, self._read_stdin())
        elif is_url(source):
            yield from _guard(source, self._read_url(source))  # is_url: ASCII-safe to print
        elif _URL_SCHEME.match(source):
            scheme = source.split(":", 1)[0]
            yield InputProblem(
                display_path(source), f"unsupported URL scheme {scheme!r}: only http and https URLs are read"
            )
        else:
            yield from _guard(display_path(source), self._read_path(Path(source), display_path(source)))

    def _read_path(self, path: Path, origin: str) -> Iterator[Item]:
        if path.is_dir():
            errors: list[OSError] = []
            for file in _walk(path, errors.append):
                yield from _guard(display_path(str(file)), self._read_file(file, explicit=False))
            for err in errors:
                where = display_path(os.fsdecode(err.filename or path))
                yield InputProblem(where, f"cannot read directory: {err.strerror or err}")
        elif path.is_file():
            yield from _guard(origin, self._read_file(path, explicit=True))
        elif path.exists():
            yield InputProblem(origin, "not a regular file or directory: skipped")
        else:
            yield InputProblem(origin, "no such file or directory")

    def _read_file(self, path: Path, *, explicit: bool) -> Iterator[Item]:
        # Names that are not UTF-8 (\xff.txt) are shown escaped: they must print and be stored.
        origin = display_path(str(path))
        name = display_path(path.name)
        gz = name.lower().endswith(".gz")
        inner = Path(name[:-3] if gz else name)
        fmt: Format | None = FORMAT_BY_SUFFIX.get(inner.suffix.lower())
        if fmt is None and not explicit:
            yield InputProblem(
                origin, f"unsupported file type {inner.suffix or '(no suffix)'!r}: skipped", kind="skipped"
            )
            return
        size = path.stat().st_size
        limits = self.limits
        if size == 0:
            raise InputError(origin, "empty file")
        if size > limits.max_file_bytes:
            raise InputError(
                origin,
                f"file is {size:,} bytes, over max_file_bytes={limits.max_file_bytes:,}: skipped; "
                f"{limit_hint('max_file_bytes')}",
            )
        if fmt == "text" and not gz and size > limits.max_text_bytes:
            raise InputError(origin, _too_long_text(limits, f"file is {size:,} bytes"))
        with path.open("rb") as raw:
            stream: BinaryIO = raw
            if gz:
                stream = buffered(GzipGuard(raw, limits.max_decompressed_bytes, origin))
            elif fmt is None:
                stream, _ = maybe_gunzip(stream, origin, limits.max_decompressed_bytes)
            yield from self._read_stream(stream, origin, fmt, stem=inner.stem)

    def _read_stdin(self) -> Iterator[Item]:
        stream = binary_stream(self.stdin if self.stdin is not None else sys.stdin)
        stream, _ = maybe_gunzip(stream, STDIN_ORIGIN, self.limits.max_decompressed_bytes)
        yield from self._read_stream(stream, STDIN_ORIGIN, None, stem=None)

    def _read_url(self, url: str) -> Iterator[Item]:
        resource = self.fetcher.fetch(url)
        body = resource.body
        stream: BinaryIO = io.BytesIO(body)
        if body.startswith(GZIP_MAGIC):  # a .gz file served as is (not Content-Encoding)
            stream = buffered(GzipGuard(stream, self.limits.max_decompressed_bytes, url))
        yield from self._read_stream(
            stream,
            url,
            None,
            stem=None,
            url=resource.url,
            content_type=resource.content_type,
            charset=resource.charset,
        )

    # -- formats -------------------------------------------------------------------------------

    def _read_stream(
        self,
        stream: BinaryIO,
        origin: str,
        fmt: Format | None,
        *,
        stem: str | None,
        url: str | None = None,
        content_type: str | None = None,
        charset: str | None = None,
    ) -> Iterator[Item]:
        limits = self.limits
        if fmt is None:
            head, stream = _peek_content(stream, origin, limits)
            if not head.strip():
                raise InputError(origin, "empty file")
            fmt = sniff(head, content_type)
        if fmt == "jsonl":
            yield from read_jsonl(stream, origin, limits)
            return
        if fmt == "text":
            data = read_capped(
                stream,
                limits.max_text_bytes,
                origin,
                _too_long_text(limits, f"input is over {limits.max_text_bytes:,} bytes"),
            )
            yield self._text_article(data, origin, stem or url, url=url, declared=charset)
            return
        data = read_capped(
            stream,
            limits.max_file_bytes,
            origin,
            f"{fmt} document is larger than max_file_bytes={limits.max_file_bytes:,}: skipped; "
            f"{limit_hint('max_file_bytes')}",
        )
        if fmt == "json":
            yield from read_json(data, origin, limits)
        elif fmt == "html":
            yield self._html_article(data, origin, stem, url=url, declared=charset)
        else:
            if not data.strip():
                raise InputError(origin, "empty file")
            fetch = self.fetcher.fetch if limits.fetch_pages else None
            yield from read_feed(data, origin, limits, fetch, base_url=url)

    def _text_article(
        self, data: bytes, origin: str, id: str | None, *, url: str | None, declared: str | None
    ) -> Article:
        text, encoding = decode_bytes(data, origin, declared=declared)
        del data
        check_length(text, origin, self.limits)
        # Universal newlines, as open() in text mode gives: offsets downstream refer to this text.
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        return make_article(
            text=text, origin=origin, id=id, title=_first_line(text), url=url, encoding=encoding
        )

    def _html_article(
        self, data: bytes, origin: str, stem: str | None, *, url: str | None, declared: str | None
    ) -> Article:
        markup, encoding = decode_html(data, origin, declared=declared)
        del data
        page = extract_page(markup, origin, url=url)
        check_length(page.text, origin, self.limits)
        day = page.date
        return make_article(
            text=page.text,
            origin=origin,
            id=stem or page.url or url,
            title=page.title,
            date=day,
            date_source="metadata" if day else "none",
            publisher=page.sitename,
            url=page.url or url,
            encoding=encoding,
            metadata=page.metadata,
        )


def _peek_content(stream: BinaryIO, origin: str, limits: IngestLimits) -> tuple[bytes, BinaryIO]:
    """The first ``SNIFF_BYTES`` after any leading whitespace, and a stream still at the start.

    Sniffing only the first bytes would call a document that starts with more whitespace than
    that "empty" (and a gzip bomb of newlines, empty instead of a bomb). The whitespace is held
    until the content starts, at most ``max_file_bytes`` of it.
    """
    parts: list[bytes] = []
    size = 0
    while True:
        chunk = read_exactly(stream, SNIFF_BYTES)
        parts.append(chunk)
        size += len(chunk)
        if chunk.strip() or len(chunk) < SNIFF_BYTES:
            break
        if size > limits.max_file_bytes:
            raise InputError(
                origin,
                f"input starts with more than max_file_bytes={limits.max_file_bytes:,} bytes of blank "
                f"space: skipped; {limit_hint('max_file_bytes')}",
            )
    data = b"".join(parts)
    content = data.lstrip()
    if content and len(content) < SNIFF_BYTES and len(parts[-1]) == SNIFF_BYTES:
        extra = read_exactly(stream, SNIFF_BYTES - len(content))  # the content began late in a chunk
        data += extra
        content += extra
    return content[:SNIFF_BYTES], buffered(PrefixedStream(data, stream))


def _too_long_text(limits: IngestLimits, what: str) -> str:
    return (
        f"{what}: longer than max_article_chars={limits.max_article_chars:,} characters; "
        f"skipped without parsing; {limit_hint('max_article_chars')}"
    )


def _first_line(text: str) -> str | None:
    for line in text[: 10 * _MAX_TITLE_CHARS].splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= _MAX_TITLE_CHARS else None
    return None


def _walk(root: Path, onerror: object) -> list[Path]:
    """Files under ``root``, hidden files and directories skipped, sorted by path components."""
    files: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):  # type: ignore[arg-type]
        dirnames[:] = [d for d in dirnames if not d.startswith(".")]
        files.extend(Path(dirpath) / f for f in filenames if not f.startswith("."))
    return sorted(files, key=lambda p: p.relative_to(root).parts)


def _guard(origin: str, items: Iterator[Item]) -> Iterator[Item]:
    """Turn any failure while reading one source into an InputProblem, after what it yielded."""
    try:
        yield from items
    except InputError as exc:
        yield InputProblem(exc.origin, exc.message, exc.line)
    except OSError as exc:
        yield InputProblem(origin, f"cannot read: {exc.strerror or exc}")
    except Exception as exc:  # noqa: BLE001 - a library crash on strange input must not end the run
        log.exception("unexpected error while reading %s", origin)
        yield InputProblem(origin, f"unexpected error ({type(exc).__name__}: {exc})")
