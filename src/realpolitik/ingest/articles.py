"""Building :class:`Article` objects the same way for every format."""

from __future__ import annotations

import os
import re
from datetime import date
from typing import Any, Literal

from realpolitik.errors import InputError
from realpolitik.ingest.attribution import find_attribution
from realpolitik.ingest.dates import find_dateline
from realpolitik.ingest.limits import IngestLimits, limit_hint
from realpolitik.models import Article, text_hash

DateSource = Literal["given", "metadata", "dateline", "none"]
PLAIN_ENCODINGS = frozenset({"utf-8", "utf-8-sig", "ascii"})
# Characters a str can hold but UTF-8 and the store cannot: lone surrogates (JSON "\ud800",
# character references in broken feeds) make encoding fail; NUL is refused by PostgreSQL text.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# Longer given ids (a 5,000-digit number, a tracking URL) cannot be addressed (the REST API takes
# ids of up to 300 characters in a path): such an article gets the hash id, the given one is kept
# in metadata["raw_id"].
MAX_ID_CHARS = 300


def hash_id(text: str) -> str:
    """The fallback article id: stable for the same (normalised) text."""
    return "sha256:" + text_hash(text)[:16]


def check_length(
    text: str, origin: str, limits: IngestLimits, line: int | None = None, what: str = ""
) -> None:
    """Refuse article texts over ``max_article_chars`` (before any analysis is spent on them)."""
    if len(text) > limits.max_article_chars:
        raise InputError(
            origin,
            f"{what}article text is {len(text):,} characters, over max_article_chars="
            f"{limits.max_article_chars:,}: skipped; {limit_hint('max_article_chars')}",
            line,
        )


def make_article(
    *,
    text: str,
    origin: str,
    id: str | None = None,
    title: str | None = None,
    date: date | None = None,
    date_source: DateSource = "none",
    publisher: str | None = None,
    url: str | None = None,
    encoding: str | None = None,
    metadata: dict[str, Any] | None = None,
) -> Article:
    """An Article with the derived fields filled in: id, dateline date, attribution, encoding."""
    metadata = clean_tree(dict(metadata or {}))
    text = clean_string(text)
    if encoding and encoding not in PLAIN_ENCODINGS:
        metadata["encoding"] = encoding
    if id:
        id = clean_string(id)
        if len(id) > MAX_ID_CHARS:
            metadata.setdefault("raw_id", id)
            id = None
    if date is None:
        date = find_dateline(text)
        date_source = "dateline" if date else "none"
    return Article(
        id=id or hash_id(text),
        text=text,
        title=clean_title(title),
        date=date,
        date_source=date_source,
        publisher=(clean_string(publisher).strip() or None) if publisher else None,
        url=clean_string(url) if url else None,
        attributed_to=find_attribution(text),
        origin=origin,
        metadata=metadata,
    )


def clean_title(title: str | None) -> str | None:
    if not title:
        return None
    title = " ".join(clean_string(title).split())
    return title or None


def clean_string(value: str) -> str:
    """``value`` with lone surrogates and NUL replaced by U+FFFD, so it can be encoded and stored.

    Valid text never has them; they come from escapes in broken inputs (``"\\ud800"`` in JSON),
    and left in they make hashing the text (UTF-8) and saving it fail far from the input.
    """
    if value.isascii() and "\x00" not in value:
        return value
    return _UNSTORABLE.sub("\ufffd", value)


def display_path(path: str) -> str:
    """A file name as text that prints and stores: bytes that are not UTF-8 shown as ``\\xff``.

    Python gives such names as lone surrogates (``\\udcff``), which cannot be encoded, so an
    article read from ``caf\\xe9.txt`` could not be saved nor its problems printed.
    """
    if path.isascii():
        return path
    try:
        return os.fsencode(path).decode("utf-8", "backslashreplace")
    except UnicodeError:
        return clean_string(path)


def clean_tree(root: dict[str, Any]) -> dict[str, Any]:
    """:func:`clean_string` over every key and string in a JSON-like tree, in place.

    Iterative: a record's extra fields may nest as deep as the JSON decoder allows, deeper than
    a recursive walk could follow.
    """
    stack: list[Any] = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            for key in list(node):
                value = node[key]
                if isinstance(key, str) and clean_string(key) != key:
                    del node[key]
                    key = clean_string(key)
                if isinstance(value, str):
                    node[key] = clean_string(value)
                else:
                    node[key] = value
                    if isinstance(value, dict | list):
                        stack.append(value)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, str):
                    node[i] = clean_string(value)
                elif isinstance(value, dict | list):
                    stack.append(value)
    return root
