"""HTML pages -> main text and metadata (trafilatura), and HTML fragments -> plain text."""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import date as Date
from typing import Any
from urllib.parse import urlsplit

from realpolitik.errors import InputError
from realpolitik.ingest.dates import parse_date
from realpolitik.ingest.encoding import decode_bytes

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w.:-]+)""", re.IGNORECASE)
_BLOCK_END = re.compile(
    r"(?i)<\s*(?:br\s*/?|/\s*(?:p|div|li|h[1-6]|blockquote|tr|table|ul|ol|section|article|pre))\s*>"
)
_TAG = re.compile(r"<[^>]*>")
_SCRIPT = re.compile(r"(?is)<\s*(script|style)\b.*?<\s*/\s*\1\s*>")
_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_METADATA_KEYS = ("author", "description", "hostname", "language", "categories", "tags", "image", "pagetype")


@dataclass
class PageText:
    """What we keep of an extracted page."""

    text: str
    title: str | None = None
    date_raw: str | None = None
    sitename: str | None = None
    url: str | None = None
    hostname: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def date(self) -> Date | None:
        return parse_date(self.date_raw)

    @property
    def real_sitename(self) -> str | None:
        """The site name unless it is just the host name (trafilatura's fallback)."""
        if not self.sitename:
            return None
        host = (self.hostname or "").lower()
        name = self.sitename.lower()
        if host and (name == host or name == host.removeprefix("www.") or name.split(":")[0] == host):
            return None
        return self.sitename


def decode_html(data: bytes, origin: str, declared: str | None = None) -> tuple[str, str]:
    """Decode an HTML document: UTF-8, else the HTTP or ``<meta>`` charset, else a guess."""
    if declared is None:
        m = _META_CHARSET.search(data[:4096])
        declared = m[1].decode("ascii", "ignore") if m else None
    return decode_bytes(data, origin, declared=declared)


def paragraphs(text: str) -> str:
    """One paragraph per line -> paragraphs separated by blank lines (the NLP stage splits on them)."""
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n\n".join(line for line in lines if line)


def extract_page(markup: str, origin: str, url: str | None = None) -> PageText:
    """Main text and metadata of an HTML page; raises InputError when there is no article text."""
    import trafilatura  # heavy import: only HTML needs it

    try:
        doc = trafilatura.bare_extraction(
            markup, url=url, with_metadata=True, include_comments=False, include_tables=False
        )
    except Exception as exc:  # noqa: BLE001 - a parser crash on a strange page is bad input, not a bug of ours
        raise InputError(origin, f"HTML could not be parsed ({type(exc).__name__}: {exc})") from exc
    if doc is None or not (doc.text or "").strip():
        raise InputError(origin, "no article text found in the HTML page")
    metadata = {}
    for key in _METADATA_KEYS:
        value = getattr(doc, key, None)
        if value:
            metadata[key] = value
    return PageText(
        text=paragraphs(doc.text),
        title=doc.title or None,
        date_raw=doc.date or None,
        sitename=doc.sitename or None,
        url=doc.url or url,
        hostname=doc.hostname or (urlsplit(url).hostname if url else None),
        metadata=metadata,
    )


def strip_html(fragment: str) -> str:
    """Plain text of an HTML fragment (a feed entry's summary), paragraphs kept apart."""
    if "<" not in fragment and "&" not in fragment:
        return paragraphs(fragment)
    text = _SCRIPT.sub(" ", fragment)
    text = _BLOCK_END.sub("\n", text)
    text = _TAG.sub(" ", text)
    return paragraphs(html_lib.unescape(text))
