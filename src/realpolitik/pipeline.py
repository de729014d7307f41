"""The whole path, article to events: ingest -> nlp -> actors -> events -> (store).

This is the Python API the CLI, the REST API and the benchmarks are thin layers over.

>>> from realpolitik.pipeline import Pipeline
>>> events = Pipeline().extract_text("Trump criticized Beijing on Monday.", date="2019-05-06")
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from realpolitik.errors import RealpolitikError
from realpolitik.models import Article, Event, InputProblem, Mention, text_hash

if TYPE_CHECKING:
    from realpolitik.actors import ActorResolver
    from realpolitik.events import EventCoder
    from realpolitik.ingest import IngestLimits
    from realpolitik.store import Store


@dataclass
class AnalysedArticle:
    article: Article
    mentions: list[Mention]
    events: list[Event]


@dataclass
class RunReport:
    """What a run did: the summary printed at the end of ingest and extract."""

    processed: int = 0
    duplicates: int = 0
    skipped: int = 0
    errors: int = 0
    events: int = 0
    problems: list[InputProblem] = field(default_factory=list)

    def add_problem(self, problem: InputProblem) -> None:
        self.problems.append(problem)
        if problem.kind == "skipped":
            self.skipped += 1
        else:
            self.errors += 1

    @property
    def exit_code(self) -> int:
        """0 when the run processed what it could; 1 when nothing could be processed."""
        if self.processed == 0 and self.duplicates == 0 and (self.errors or self.skipped):
            return 1
        return 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "processed": self.processed,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "errors": self.errors,
            "events": self.events,
        }


class Deduplicator:
    """Duplicates within one run: the same URL or the same normalised text."""

    def __init__(self) -> None:
        self._urls: set[str] = set()
        self._hashes: set[str] = set()

    def seen(self, article: Article) -> bool:
        h = article.content_hash
        if h in self._hashes or (article.url and article.url in self._urls):
            return True
        self._hashes.add(h)
        if article.url:
            self._urls.add(article.url)
        return False


def _as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


class Pipeline:
    """Load the models once; analyse articles one by one or in a stream."""

    def __init__(
        self,
        resolver: ActorResolver | None = None,
        coder: EventCoder | None = None,
        batch_size: int = 64,
    ) -> None:
        from realpolitik.actors import default_resolver
        from realpolitik.events import default_coder
        from realpolitik.nlp import load_nlp

        self.nlp = load_nlp()
        self.resolver = resolver or default_resolver()
        self.coder = coder or default_coder()
        self.batch_size = batch_size

    # -- analysis ---------------------------------------------------------------------------
    def analyse(self, article: Article) -> AnalysedArticle:
        return next(self.analyse_many([article]))

    def analyse_many(self, articles: Iterable[Article]) -> Iterator[AnalysedArticle]:
        from realpolitik.nlp import parse

        for article in articles:
            parsed = parse(article.text, nlp=self.nlp)
            mentions = self.resolver.resolve(parsed, article.date)
            events = self.coder.code(parsed, mentions, article)
            yield AnalysedArticle(article, mentions, events)

    def extract_text(
        self, text: str, *, date: date | str | None = None, doc_id: str | None = None
    ) -> list[Event]:
        """Code one text: the quickest way in from Python."""
        article = Article(
            id=doc_id or "sha256:" + text_hash(text)[:16],
            text=text,
            date=_as_date(date),
            date_source="given" if date else "none",
        )
        return self.analyse(article).events

    # -- runs over inputs -------------------------------------------------------------------
    def extract(
        self,
        sources: Sequence[str],
        *,
        limits: IngestLimits | None = None,
        report: RunReport | None = None,
        on_progress: Callable[[str], None] | None = None,
        stdin: Any = None,
    ) -> Iterator[AnalysedArticle]:
        """Read inputs and code them without a store. Problems are counted in ``report``."""
        report = report if report is not None else RunReport()
        dedup = Deduplicator()
        for article in self._articles(sources, limits, report, dedup, None, on_progress, stdin):
            try:
                analysed = self.analyse(article)
            except RealpolitikError as exc:
                report.add_problem(InputProblem(article.origin or article.id, str(exc)))
                continue
            report.processed += 1
            report.events += len(analysed.events)
            yield analysed

    def ingest(
        self,
        sources: Sequence[str],
        store: Store,
        *,
        limits: IngestLimits | None = None,
        report: RunReport | None = None,
        on_progress: Callable[[str], None] | None = None,
        stdin: Any = None,
    ) -> RunReport:
        """Read inputs, code them and save each article with its results in one transaction."""
        report = report if report is not None else RunReport()
        dedup = Deduplicator()
        for article in self._articles(sources, limits, report, dedup, store, on_progress, stdin):
            try:
                analysed = self.analyse(article)
                store.save_article(analysed.article, analysed.mentions, analysed.events)
            except RealpolitikError as exc:
                report.add_problem(InputProblem(article.origin or article.id, str(exc)))
                continue
            report.processed += 1
            report.events += len(analysed.events)
        return report

    def _articles(
        self,
        sources: Sequence[str],
        limits: IngestLimits | None,
        report: RunReport,
        dedup: Deduplicator,
        store: Store | None,
        on_progress: Callable[[str], None] | None,
        stdin: Any,
    ) -> Iterator[Article]:
        from realpolitik.ingest import read_sources

        for item in read_sources(sources, limits, stdin=stdin):
            if isinstance(item, InputProblem):
                report.add_problem(item)
                if on_progress:
                    on_progress(str(item))
                continue
            if on_progress:
                on_progress(item.origin or item.id)
            if dedup.seen(item) or (store is not None and store.find_duplicate(item) is not None):
                report.duplicates += 1
                continue
            if store is not None and store.has_article_id(item.id):
                # Same id, different text (e.g. two "article.txt" in different folders):
                # keep both, the later one under an id made unique by its content hash.
                item.id = f"{item.id}-{item.content_hash[:8]}"
            yield item
