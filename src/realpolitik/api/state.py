"""What the server holds between requests: the one open store, its lock, the token, the pipeline.

DuckDB allows one writer process per file, so the server opens the store once and keeps it. One
DuckDB connection must not run two statements at once, and FastAPI runs plain ``def`` endpoints
in a thread pool, so every use of the store goes through :meth:`ServerState.db` (a re-entrant
lock). Slow work that needs no database (parsing an ingested article with spaCy) runs outside it.
"""

from __future__ import annotations

import hmac
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from realpolitik.pipeline import Pipeline
    from realpolitik.store import Store

_CACHE_SIZE = 64


def _default_pipeline() -> Pipeline:
    from realpolitik.pipeline import Pipeline

    return Pipeline()


class ServerState:
    """The open store and everything shared by the requests of one server."""

    def __init__(
        self,
        store: Store,
        *,
        token: str | None = None,
        pipeline_factory: Callable[[], Any] | None = None,
        fetch_timeout: float = 20.0,
        allow_private_urls: bool = False,
    ) -> None:
        self.store = store
        # Ingesting a URL makes the server fetch it: private and loopback addresses are refused
        # (no reaching the server's own network through it) unless explicitly allowed.
        self.allow_private_urls = allow_private_urls
        self.token = token or None  # an empty REALPOLITIK_TOKEN means no token: read-only
        self.fetch_timeout = fetch_timeout
        self._lock = threading.RLock()
        self._pipeline_factory = pipeline_factory or _default_pipeline
        self._pipeline: Any = None
        self._pipeline_lock = threading.Lock()
        self.generation = 0  # bumped by every write; cached computations are keyed on it
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()

    # -- access ----------------------------------------------------------------------------------

    @property
    def writable(self) -> bool:
        """Writes are possible: a token is configured and the store was opened for writing."""
        return self.token is not None and not self.store.read_only

    def token_ok(self, given: str | None) -> bool:
        """Constant-time comparison, so the response time tells nothing about the token."""
        if self.token is None or not given:
            return False
        return hmac.compare_digest(given.encode("utf-8"), self.token.encode("utf-8"))

    @contextmanager
    def db(self) -> Iterator[Store]:
        """The store, for this thread alone while the block runs."""
        with self._lock:
            yield self.store

    @contextmanager
    def writing(self) -> Iterator[Store]:
        """The store for a write; caches are invalidated afterwards, whether it succeeded or not."""
        with self._lock:
            try:
                yield self.store
            finally:
                self.generation += 1
                self._cache.clear()

    # -- the pipeline (loaded on the first ingest: spaCy takes seconds) ---------------------------

    def pipeline(self) -> Any:
        with self._pipeline_lock:
            if self._pipeline is None:
                self._pipeline = self._pipeline_factory()
            return self._pipeline

    # -- cached computations over the whole store -----------------------------------------------

    def cached(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()`` once per store generation and ``key`` (a small LRU).

        The store's data version is part of the key: another process (an ingest into a shared
        PostgreSQL store) may have written since, and cached figures must not go stale."""
        with self._lock:
            full = (self.generation, self.store.data_version(), key)
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]
            value = compute()
            self._cache[full] = value
            while len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
            return value

    def events_frame(self) -> pd.DataFrame:
        """Every stored event as the relations package's DataFrame (negated ones included)."""

        def compute() -> pd.DataFrame:
            from realpolitik.relations.frame import events_frame

            rows = self.store.events(limit=None)
            return events_frame(rows, origin=self.store.location)

        return self.cached("events_frame", compute)
