"""The whole path, article to events: ingest -> nlp -> actors -> events -> (store).

This is the Python API the CLI, the REST API and the benchmarks are thin layers over.

>>> from realpolitik.pipeline import Pipeline
>>> events = Pipeline().extract_text("Trump criticized Beijing on Monday.", date="2019-05-06")
"""

from __future__ import annotations

import atexit
import gc
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from itertools import islice
from typing import TYPE_CHECKING, Any

from realpolitik.errors import RealpolitikError
from realpolitik.models import Article, Event, InputProblem, Mention, text_hash
from realpolitik.selection import SentenceSelector, default_selector

if TYPE_CHECKING:
    from realpolitik.actors import ActorResolver
    from realpolitik.events import EventCoder
    from realpolitik.ingest import IngestLimits
    from realpolitik.nlp import ParsedText
    from realpolitik.store import Store


@dataclass
class AnalysedArticle:
    article: Article
    mentions: list[Mention]
    events: list[Event]
    # Measures of the run, not results: left out of equality (a stored article has no such counts).
    sentences: int = field(default=0, compare=False)  # sentences of the text
    parsed: int = field(default=0, compare=False)  # of which parsed (see realpolitik.selection)


@dataclass
class RunReport:
    """What a run did: the summary printed at the end of ingest and extract."""

    processed: int = 0
    duplicates: int = 0
    skipped: int = 0
    errors: int = 0
    events: int = 0
    problems: list[InputProblem] = field(default_factory=list)
    sentences: int = 0  # sentences of the processed articles (not in as_dict: a measure, not a count)
    parsed_sentences: int = 0  # of which parsed

    def add_analysed(self, analysed: AnalysedArticle) -> None:
        self.processed += 1
        self.events += len(analysed.events)
        self.sentences += analysed.sentences
        self.parsed_sentences += analysed.parsed

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


def without_lone_surrogates(text: str) -> str:
    """Replace lone surrogates (possible in a Python str, not in UTF-8) by "?", one for one.

    Ingest never yields them; a Python caller may. Offsets are kept: same length."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")


def _as_date(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)


# Pipeline() freezes the loaded models out of the garbage collector's reach (see there); at exit
# they are given back to it, so that extension modules that check for leaks at shutdown (duckdb's
# nanobind) find them freed. A no-op in a process that made no Pipeline.
atexit.register(gc.unfreeze)


class Pipeline:
    """Load the models once; analyse articles one by one or in a stream."""

    def __init__(
        self,
        resolver: ActorResolver | None = None,
        coder: EventCoder | None = None,
        *,
        n_process: int = 1,
        select_sentences: bool = True,
    ) -> None:
        """``n_process`` > 1 analyses articles in that many worker processes (order is kept).
        ``select_sentences`` parses only the sentences that can hold an event (realpolitik.selection);
        False parses every sentence (slower, same events on the measured corpora)."""
        from realpolitik.actors import default_resolver
        from realpolitik.events import default_coder
        from realpolitik.nlp import load_nlp

        self.nlp = load_nlp()
        self.resolver = resolver or default_resolver()
        self.coder = coder or default_coder()
        self.n_process = max(1, n_process)
        self.select_sentences = select_sentences
        if self.n_process > 1:
            start_worker_server()
        self._selector: SentenceSelector | None = None
        if select_sentences:
            from realpolitik.actors.prefilter import SentencePrefilter

            prefilter = SentencePrefilter(self.resolver.gazetteer, self.resolver.kb)
            self._selector = default_selector(
                prefilter, self.resolver.kb, self.coder, unnamed=getattr(self.resolver, "unnamed", True)
            )
        # The models and tables just loaded are a few hundred thousand objects that live as long
        # as the process; the cyclic garbage collector would walk them all on each full collection,
        # which parsing (many short-lived objects) triggers often. Freezing moves what exists now
        # out of its reach (they are given back at exit: atexit, above): 4-7% less CPU per article.
        gc.freeze()

    # -- analysis ---------------------------------------------------------------------------
    def analyse(self, article: Article) -> AnalysedArticle:
        """Parse, resolve actors and code events of one article (in this process)."""
        return self._finish(article, self._parse([article])[0])

    def _parse(self, articles: list[Article]) -> list[ParsedText]:
        """The articles parsed together (realpolitik.nlp.parse_sentences_many: their sentences go
        through the models in common batches; each result is as if parsed alone)."""
        from realpolitik.nlp import parse_sentences_many

        for article in articles:
            article.text = without_lone_surrogates(article.text)
        texts = [article.text for article in articles]
        return list(parse_sentences_many(texts, self.nlp, select=self._selector, group=len(texts)))

    def _finish(self, article: Article, parsed: ParsedText) -> AnalysedArticle:
        mentions = self.resolver.resolve(parsed, article.date)
        events = self.coder.code(parsed, mentions, article)
        total = parsed.sentence_count if parsed.sentence_count is not None else len(parsed.sentences)
        return AnalysedArticle(article, mentions, events, sentences=total, parsed=len(parsed.sentences))

    def analyse_many(
        self, articles: Iterable[Article], group: int | None = None
    ) -> Iterator[AnalysedArticle]:
        """Analyse a stream of articles, in order; raises on the first failure. Articles are
        parsed ``group`` at a time (``ANALYSE_GROUP`` by default; 1 for a live stream, so that
        an article is not held back until later ones arrive)."""
        for item in self._analysed(articles, ANALYSE_GROUP if group is None else group):
            if isinstance(item, InputProblem):
                raise RealpolitikError(str(item))
            yield item

    def _analysed(self, articles: Iterable[Article], group: int) -> Iterator[AnalysedArticle | InputProblem]:
        if self.n_process == 1:
            for chunk in batched(articles, max(1, group)):
                yield from _analyse_group_safely(self, chunk)
            return
        yield from _analyse_in_workers(self, articles, group)

    def extract_text(
        self, text: str, *, date: date | str | None = None, doc_id: str | None = None
    ) -> list[Event]:
        """Code one text: the quickest way in from Python."""
        text = without_lone_surrogates(text)
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
        articles = self._articles(sources, limits, report, dedup, None, on_progress, stdin)
        for analysed in self._analysed(articles, _group_for(sources)):
            if isinstance(analysed, InputProblem):
                report.add_problem(analysed)
                continue
            report.add_analysed(analysed)
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
        articles = self._articles(sources, limits, report, dedup, store, on_progress, stdin)
        pending: list[AnalysedArticle] = []
        started = 0.0
        for analysed in self._analysed(articles, _group_for(sources)):
            if isinstance(analysed, InputProblem):
                report.add_problem(analysed)
                continue
            if not pending:
                started = time.monotonic()
            pending.append(analysed)
            if len(pending) >= SAVE_BATCH or time.monotonic() - started > SAVE_BATCH_SECONDS:
                _save_batch(store, pending, report)
                pending = []
        _save_batch(store, pending, report)
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

        run_ids: set[str] = set()  # ids yielded in this run, maybe not saved yet (workers)
        items: Iterable[Article | InputProblem] = read_sources(sources, limits, stdin=stdin)
        # The store is asked about the articles of a file 32 at a time (Store.admission_lookups);
        # standard input, which may be a live stream, one by one, as it comes.
        size = 1 if store is None or "-" in sources else ADMISSION_BATCH
        for chunk in batched(items, size):
            lookups = iter(
                store.admission_lookups([a for a in chunk if not isinstance(a, InputProblem)])
                if store is not None
                else []
            )
            for item in chunk:
                if isinstance(item, InputProblem):
                    report.add_problem(item)
                    if on_progress:
                        on_progress(str(item))
                    continue
                stored, id_taken = next(lookups, (None, False))
                if on_progress:
                    on_progress(item.origin or item.id)
                if dedup.seen(item) or stored is not None:
                    report.duplicates += 1
                    continue
                if item.id in run_ids or id_taken:
                    # Same id, different text (e.g. two "article.txt" in different folders):
                    # keep both, the later one under an id made unique by its content hash.
                    item.id = f"{item.id}-{item.content_hash[:8]}"
                run_ids.add(item.id)
                yield item


def _analyse_safely(
    pipeline: Pipeline, article: Article, parsed: ParsedText | None = None
) -> AnalysedArticle | InputProblem:
    """One article's analysis; a failure becomes a reported problem, never a crashed run."""
    try:
        if parsed is None:
            return pipeline.analyse(article)
        return pipeline._finish(article, parsed)
    except RealpolitikError as exc:
        return InputProblem(article.origin or article.id, str(exc))
    except Exception as exc:  # a bug on one odd article must not lose a long run; it is reported
        return InputProblem(
            article.origin or article.id, f"internal error while coding: {type(exc).__name__}: {exc}"
        )


def _analyse_group_safely(
    pipeline: Pipeline, articles: list[Article]
) -> list[AnalysedArticle | InputProblem]:
    """Articles parsed together, then resolved and coded one by one; if parsing them together
    fails, each is analysed alone, so that only the article at fault is reported."""
    if len(articles) > 1:
        try:
            parsed = pipeline._parse(articles)
        except Exception:  # found again, and reported for its own article, below
            pass
        else:
            return [_analyse_safely(pipeline, a, p) for a, p in zip(articles, parsed, strict=True)]
    return [_analyse_safely(pipeline, a) for a in articles]


def _group_for(sources: Sequence[str]) -> int:
    """Articles parsed together: ANALYSE_GROUP, or 1 when standard input (maybe a live stream) is read."""
    return 1 if "-" in sources else ANALYSE_GROUP


def batched(items: Iterable[Article], size: int) -> Iterator[list[Article]]:
    """Lists of up to ``size`` items (itertools.batched is Python 3.12+)."""
    it = iter(items)
    while batch := list(islice(it, size)):
        yield batch


# -- worker processes -----------------------------------------------------------------------
# Workers are started with "forkserver" (no fork of a process that runs threads, such as the
# progress display or a database client); the fork server has the models loaded already
# (realpolitik.nlp.preload), so a worker's Pipeline() only picks them up from its caches.
_WORKER: Pipeline | None = None


def _worker_context() -> Any:
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")
    # The fork server loads the models once; workers forked from it start with them (no effect
    # once this process's fork server runs). "__main__" is multiprocessing's default preload.
    ctx.set_forkserver_preload(["__main__", "realpolitik.nlp.preload"])
    return ctx


def start_worker_server(wait: bool = False) -> None:
    """Start the fork server of the worker processes now, so that it loads the models while this
    process does other work; ``wait`` returns only once it has them (a first worker has started)."""
    ctx = _worker_context()
    try:
        from multiprocessing import forkserver

        forkserver.ensure_running()
    except (ImportError, AttributeError, OSError):  # the pool starts it when first needed
        return
    if wait:
        proc = ctx.Process(target=int)
        proc.start()
        proc.join()


# Articles saved per transaction by ``ingest`` (one commit and one insert per table for the batch
# cost DuckDB about a tenth of saving its articles one by one), and the longest an analysed article
# waits for its batch: a kill loses at most one unsaved batch, which the next run of the same ingest
# codes again. REALPOLITIK_SAVE_BATCH sets the size (1: a transaction per article).
SAVE_BATCH = max(1, int(os.environ.get("REALPOLITIK_SAVE_BATCH") or 32))
SAVE_BATCH_SECONDS = 2.0
# Articles read from files whose duplicates are looked up in the store together.
ADMISSION_BATCH = 32
# Articles parsed together, their sentences in common batches through the models (about 200
# sentences that can yield an event): the models' per-batch costs spread over more sentences.
ANALYSE_GROUP = 8


def _save_batch(store: Store, batch: list[AnalysedArticle], report: RunReport) -> None:
    """Save ``batch`` in one transaction; if the store refuses it, save its articles one by one
    so that one bad article is reported alone and the others are kept."""
    try:
        store.save_articles([(a.article, a.mentions, a.events) for a in batch])
    except RealpolitikError:
        for analysed in batch:
            try:
                store.save_article(analysed.article, analysed.mentions, analysed.events)
            except RealpolitikError as exc:
                report.add_problem(InputProblem(analysed.article.origin or analysed.article.id, str(exc)))
                continue
            report.add_analysed(analysed)
        return
    for analysed in batch:
        report.add_analysed(analysed)


def _init_worker(select_sentences: bool) -> None:
    global _WORKER
    _WORKER = Pipeline(select_sentences=select_sentences)


def _work(articles: list[Article]) -> list[AnalysedArticle | InputProblem]:
    assert _WORKER is not None
    return _analyse_group_safely(_WORKER, articles)


def _groups(batch: list[Article], workers: int, group: int = ANALYSE_GROUP) -> list[list[Article]]:
    """A batch cut into groups of at most ``group`` articles, and into at least as many groups as
    there are workers, of near-equal sizes: a last, short batch is shared out rather than left to
    one worker while the others wait."""
    n = max(workers, -(-len(batch) // max(1, group)))
    size, extra = divmod(len(batch), n)
    out: list[list[Article]] = []
    start = 0
    for k in range(n):
        end = start + size + (1 if k < extra else 0)
        if end > start:
            out.append(batch[start:end])
        start = end
    return out


def _analyse_in_workers(
    pipeline: Pipeline, articles: Iterable[Article], group: int = ANALYSE_GROUP, per_worker: int = 2
) -> Iterator[AnalysedArticle | InputProblem]:
    """Analyse in a process pool, in input order, one batch in flight while the last is consumed.
    Each worker takes groups of ``group`` articles (parsed together), ``per_worker`` of them a
    batch: a live stream (``group`` 1) waits for a few articles only."""
    ctx = _worker_context()
    batch_size = pipeline.n_process * per_worker * max(1, group)
    with ctx.Pool(
        pipeline.n_process, initializer=_init_worker, initargs=(pipeline.select_sentences,)
    ) as pool:
        pending = None
        for batch in batched(articles, batch_size):
            job = pool.map_async(_work, _groups(batch, pipeline.n_process, group), chunksize=1)
            if pending is not None:
                yield from (item for done in pending.get() for item in done)
            pending = job
        if pending is not None:
            yield from (item for done in pending.get() for item in done)
