"""Which read articles a run analyses, and under which id: the local engine's rule, reusable.

:meth:`realpolitik.pipeline.Pipeline.ingest` skips an article that repeats one of the run (same
URL or normalised text, :class:`~realpolitik.pipeline.Deduplicator`) or one already stored
(:meth:`Store.find_duplicate`), and gives an article whose id is taken (same id, other text) the
id ``"{id}-{content_hash[:8]}"``. The Ray engine and ``watch`` analyse and save articles outside
``Pipeline.ingest``, so they apply the same rule here; the event ids (which hash the article id)
then come out the same as with the local engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from realpolitik.pipeline import Deduplicator, RunReport

if TYPE_CHECKING:
    from realpolitik.models import Article
    from realpolitik.store import Store


class Admission:
    """The duplicate and id rule of one run (``Pipeline._articles``, kept in step by a test).

    Ids given in this run are remembered: an engine that saves later (Ray) has not stored them yet.
    """

    def __init__(self, store: Store | None) -> None:
        self.store = store
        self.dedup = Deduplicator()
        self._ids: set[str] = set()

    def admit(self, article: Article, report: RunReport) -> bool:
        """True when ``article`` is to be analysed (its id may be changed); False for a duplicate."""
        store = self.store
        if self.dedup.seen(article) or (store is not None and store.find_duplicate(article) is not None):
            report.duplicates += 1
            return False
        if article.id in self._ids or (store is not None and store.has_article_id(article.id)):
            # Same id, other text: the later one gets an id made unique by its content hash.
            article.id = f"{article.id}-{article.content_hash[:8]}"
        self._ids.add(article.id)
        return True
