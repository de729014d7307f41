"""Ingest: read news from files, directories, stdin and URLs into :class:`~realpolitik.models.Article`.

``read_sources(sources, limits)`` yields Articles and, for everything that could not be read,
:class:`~realpolitik.models.InputProblem` objects; it never raises for bad input. Formats: plain
text, JSON Lines, JSON, HTML (trafilatura), RSS/Atom (feedparser), each optionally gzipped.

What one input may cost is bounded by :class:`IngestLimits` (each refusal names the limit and how to
change it), and URLs are fetched over http(s) from public addresses only unless
``IngestLimits.allow_private`` (see :mod:`realpolitik.ingest.netguard`). Reliability figures:
``benchmarks/reliability.md``.
"""

from realpolitik.ingest.limits import IngestLimits
from realpolitik.ingest.readers import read_sources

__all__ = ["IngestLimits", "read_sources"]
