"""Size and time limits of ingestion: what a hostile or broken input may cost at most."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class IngestLimits:
    """Limits applied while reading sources. Inputs over a limit are reported and skipped.

    The defaults let any real news article through while keeping a single bad input (a 50 MB
    log file, a gzip bomb, a server that never stops sending) from exhausting memory or time.
    """

    max_file_bytes: int = 200 * 1024 * 1024  # bigger files: InputProblem, skipped
    max_article_chars: int = 2_000_000  # longer article texts: InputProblem, skipped (not parsed)
    fetch_timeout: float = 20.0  # seconds, for http(s)
    max_download_bytes: int = 10 * 1024 * 1024
    max_feed_entries: int = 1000
    fetch_pages: bool = True  # fetch each feed entry's page for full text (else entry summary)
    max_decompressed_bytes: int = 500 * 1024 * 1024  # gzip bomb guard
    # Fetch from loopback, private, link-local... addresses (see ingest.netguard). Off: a feed
    # or a redirect must not make us read the local machine or network (SSRF).
    allow_private: bool = False

    @property
    def max_text_bytes(self) -> int:
        """Bytes that can hold at most ``max_article_chars`` characters in any encoding.

        No encoding we decode spends more than 4 bytes on a character, so a plain-text input
        longer than this is refused without reading (or decoding) it.
        """
        return 4 * self.max_article_chars

    @property
    def max_line_bytes(self) -> int:
        """Longest JSON line read: JSON escapes (``\\u00e9``) spend up to 6 bytes a character."""
        return 6 * self.max_article_chars + 1024 * 1024


def limit_hint(name: str) -> str:
    """How a user changes the limit ``name``: the CLI option and the IngestLimits field.

    Every "over the limit" message ends with it, so the user who hits a limit knows its name
    and what to set (``--max-article-chars 5000000``).
    """
    return f"change it with --{name.replace('_', '-')} (IngestLimits.{name})"
