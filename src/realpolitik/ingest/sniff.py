"""Guessing an input's format from its first bytes (stdin, URLs, files without a known suffix)."""

from __future__ import annotations

import codecs
import json
import re
from typing import Literal

Format = Literal["text", "jsonl", "json", "html", "feed"]

SNIFF_BYTES = 65536
FORMAT_BY_SUFFIX: dict[str, Format] = {
    ".txt": "text",
    ".text": "text",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "json",
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
    ".rdf": "feed",
}
_FEED_TYPES = ("rss", "atom", "rdf")
_JSON_TYPES = ("application/json", "text/json")
_JSONL_TYPES = ("application/x-ndjson", "application/jsonl", "application/x-jsonlines", "application/ndjson")
# The first element after the XML prolog (declaration, comments, doctype).
_ROOT = re.compile(
    r"\s*(?:<\?.*?\?>\s*|<!--.*?-->\s*|<!DOCTYPE[^>]*>\s*)*<([A-Za-z_][\w:.-]*)", re.DOTALL | re.IGNORECASE
)
_HTML_HINT = re.compile(r"<(?:html|head|body|p|div|article|title|meta)\b", re.IGNORECASE)


def _as_utf8(head: bytes) -> bytes:
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return head.decode(name, errors="ignore").encode("utf-8")
    return head.removeprefix(codecs.BOM_UTF8)


def sniff(head: bytes, content_type: str | None = None) -> Format:
    """The format of a document from its first bytes, with an HTTP Content-Type as a hint."""
    ctype = (content_type or "").lower()
    body = _as_utf8(head).lstrip()
    if any(t in ctype for t in _FEED_TYPES):
        return "feed"
    if ctype in _JSONL_TYPES:
        return "jsonl"
    if body.startswith(b"{"):
        first, newline, _ = body.partition(b"\n")
        if not newline:
            return "jsonl"  # one line (or one too long to see whole): JSON Lines reads both
        try:
            json.loads(first)
        except (ValueError, RecursionError):  # RecursionError: nested too deeply to tell
            return "json"  # an object spread over lines
        return "jsonl"
    if body.startswith(b"["):
        return "json"
    if ctype in _JSON_TYPES:
        return "json"
    if body.startswith(b"<"):
        text = body[:SNIFF_BYTES].decode("utf-8", errors="ignore")
        m = _ROOT.match(text)
        root = m[1].lower() if m else ""
        if root in ("rss", "feed", "rdf:rdf", "rdf") or root.endswith(":rdf"):
            return "feed"
        if root == "html":
            return "html"
        if text.startswith("<?xml") and not _HTML_HINT.match(text, m.start(1) - 1 if m else 0):
            return "feed"  # XML of another kind: the feed reader says what is wrong with it
        return "html"  # a fragment or tag soup: trafilatura copes
    if ctype == "text/html" or ctype == "application/xhtml+xml":
        return "html"
    if ctype in ("application/xml", "text/xml"):
        return "feed"
    return "text"
