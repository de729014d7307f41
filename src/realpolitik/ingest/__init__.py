"""Ingest: read news from files, directories, stdin and URLs into :class:`~realpolitik.models.Article`.

``read_sources(sources, limits)`` yields Articles and, for everything that could not be read,
:class:`~realpolitik.models.InputProblem` objects; it never raises for bad input. Formats: plain
text, JSON Lines, JSON, HTML (trafilatura), RSS/Atom (feedparser), each optionally gzipped.
"""

from realpolitik.ingest.limits import IngestLimits
from realpolitik.ingest.readers import read_sources

__all__ = ["IngestLimits", "read_sources"]
