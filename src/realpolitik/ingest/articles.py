"""Building :class:`Article` objects the same way for every format."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from realpolitik.errors import InputError
from realpolitik.ingest.attribution import find_attribution
from realpolitik.ingest.dates import find_dateline
from realpolitik.ingest.limits import IngestLimits
from realpolitik.models import Article, text_hash

DateSource = Literal["given", "metadata", "dateline", "none"]
PLAIN_ENCODINGS = frozenset({"utf-8", "utf-8-sig", "ascii"})


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
            f"{limits.max_article_chars:,}: skipped",
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
    metadata = dict(metadata or {})
    if encoding and encoding not in PLAIN_ENCODINGS:
        metadata["encoding"] = encoding
    if date is None:
        date = find_dateline(text)
        date_source = "dateline" if date else "none"
    return Article(
        id=id or hash_id(text),
        text=text,
        title=clean_title(title),
        date=date,
        date_source=date_source,
        publisher=(publisher.strip() or None) if publisher else None,
        url=url or None,
        attributed_to=find_attribution(text),
        origin=origin,
        metadata=metadata,
    )


def clean_title(title: str | None) -> str | None:
    if not title:
        return None
    title = " ".join(title.split())
    return title or None
