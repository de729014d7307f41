"""The ``realpolitik`` command: a thin layer over the Python API (pipeline, store, evaluation).

Exit status: 0 when a run processed what it could, 1 when nothing could be processed (or a
store/model error), 2 for usage errors.
"""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from realpolitik import __version__
from realpolitik.cliutil import fail as _fail
from realpolitik.cliutil import parse_date as _parse_date
from realpolitik.errors import RealpolitikError
from realpolitik.output import FORMATS, EventWriter
from realpolitik.scale.commands import EngineOption, check_engine, extract_with, ingest_with

app = typer.Typer(
    name="realpolitik",
    help="Turn world news into structured knowledge of international politics.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True, highlight=False)
out = Console(highlight=False)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Store: DuckDB file or postgresql:// URL (default $REALPOLITIK_DB or ./realpolitik.duckdb).",
    ),
]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")]
ProcessesOption = Annotated[
    int, typer.Option("--processes", "-p", min=1, help="Worker processes for parsing and coding.")
]
AllSentencesOption = Annotated[
    bool,
    typer.Option("--all-sentences", help="Parse every sentence, not only those that can hold an event."),
]


@contextmanager
def _progress(quiet: bool, label: str):
    """A rich progress display on stderr; yields a callback that advances it by one input."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    if quiet:
        yield lambda _origin: None
        return
    columns = (
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed} articles"),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[current]}"),
    )
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task(label, total=None, current="")

        def advance(origin: str) -> None:
            progress.update(task, advance=1, current=origin[-60:])

        yield advance


def _report_problems(report) -> None:
    for problem in report.problems:
        style = "yellow" if problem.kind == "skipped" else "red"
        err.print(f"[{style}]{problem.kind}:[/] {problem}", soft_wrap=True, markup=True)


def _summary(report, quiet: bool) -> None:
    _report_problems(report)
    if quiet:
        return
    r = report.as_dict()
    err.print(
        f"processed {r['processed']}, duplicates {r['duplicates']}, skipped {r['skipped']}, "
        f"errors {r['errors']}, events {r['events']}"
    )


def _limits(
    max_article_chars: int | None = None,
    max_file_bytes: int | None = None,
    max_download_bytes: int | None = None,
    fetch_timeout: float | None = None,
    max_feed_entries: int | None = None,
    max_decompressed_bytes: int | None = None,
    allow_private: bool = False,
    no_fetch_pages: bool = False,
):
    """IngestLimits from the command line: each option overrides its default when given."""
    from realpolitik.ingest import IngestLimits

    limits = IngestLimits()
    given = {
        "max_article_chars": max_article_chars,
        "max_file_bytes": max_file_bytes,
        "max_download_bytes": max_download_bytes,
        "fetch_timeout": fetch_timeout,
        "max_feed_entries": max_feed_entries,
        "max_decompressed_bytes": max_decompressed_bytes,
    }
    for name, value in given.items():
        if value is not None:
            setattr(limits, name, value)
    limits.allow_private = allow_private
    limits.fetch_pages = not no_fetch_pages
    return limits


# Input limits, shared by ingest and extract; their names are those the limit messages give.
MaxArticleChars = Annotated[int | None, typer.Option(min=1, help="Refuse articles longer than N characters.")]
MaxFileBytes = Annotated[int | None, typer.Option(min=1, help="Skip inputs larger than N bytes.")]
MaxDownloadBytes = Annotated[
    int | None, typer.Option(min=1, help="Refuse downloads larger than N bytes (after decompression).")
]
FetchTimeout = Annotated[
    float | None, typer.Option(min=0.1, help="Give up a download after this many seconds.")
]
MaxFeedEntries = Annotated[int | None, typer.Option(min=1, help="Read at most N entries of a feed.")]
MaxDecompressedBytes = Annotated[
    int | None, typer.Option(min=1, help="Refuse gzip data that inflates to more than N bytes.")
]
AllowPrivate = Annotated[
    bool,
    typer.Option(
        "--allow-private",
        help="Fetch from loopback, private and link-local addresses (refused by default: a feed or "
        "redirect must not reach this machine or its network).",
    ),
]
MinConfidence = Annotated[
    float | None,
    typer.Option(
        min=0.0,
        max=1.0,
        help="Only events coded with at least this confidence (0 to 1).",
    ),
]
NoFetchPages = Annotated[
    bool, typer.Option("--no-fetch-pages", help="Use feed entry summaries; do not fetch each entry's page.")
]


@app.command()
def ingest(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, feed URLs, or - for stdin.")],
    db: DbOption = None,
    quiet: QuietOption = False,
    max_article_chars: MaxArticleChars = None,
    max_file_bytes: MaxFileBytes = None,
    max_download_bytes: MaxDownloadBytes = None,
    fetch_timeout: FetchTimeout = None,
    max_feed_entries: MaxFeedEntries = None,
    max_decompressed_bytes: MaxDecompressedBytes = None,
    allow_private: AllowPrivate = False,
    no_fetch_pages: NoFetchPages = False,
    processes: ProcessesOption = 1,
    all_sentences: AllSentencesOption = False,
    engine: EngineOption = "local",
) -> None:
    """Read articles, code their events and save them in the store (duplicates are skipped)."""
    engine = check_engine(engine)
    from realpolitik.pipeline import RunReport
    from realpolitik.store import open_store

    report = RunReport()
    try:
        with open_store(db) as store, _progress(quiet, "ingest") as advance:
            ingest_with(
                engine,
                paths,
                store,
                processes=processes,
                all_sentences=all_sentences,
                limits=_limits(
                    max_article_chars,
                    max_file_bytes,
                    max_download_bytes,
                    fetch_timeout,
                    max_feed_entries,
                    max_decompressed_bytes,
                    allow_private,
                    no_fetch_pages,
                ),
                report=report,
                on_progress=advance,
                stdin=sys.stdin,
            )
    except RealpolitikError as exc:
        raise _fail(str(exc)) from None
    _summary(report, quiet)
    raise typer.Exit(report.exit_code)


@app.command()
def extract(
    paths: Annotated[list[str], typer.Argument(help="Files, directories, feed URLs, or - for stdin.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl, csv or table.")] = "jsonl",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write here, not stdout.")] = None,
    quiet: QuietOption = False,
    min_confidence: MinConfidence = None,
    max_article_chars: MaxArticleChars = None,
    max_file_bytes: MaxFileBytes = None,
    max_download_bytes: MaxDownloadBytes = None,
    fetch_timeout: FetchTimeout = None,
    max_feed_entries: MaxFeedEntries = None,
    max_decompressed_bytes: MaxDecompressedBytes = None,
    allow_private: AllowPrivate = False,
    no_fetch_pages: NoFetchPages = False,
    processes: ProcessesOption = 1,
    all_sentences: AllSentencesOption = False,
    engine: EngineOption = "local",
) -> None:
    """Code events without a store and write one event a line."""
    engine = check_engine(engine)
    from realpolitik.pipeline import RunReport

    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")
    report = RunReport()
    stream = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115
    writer = EventWriter(stream, fmt)
    try:
        with _progress(quiet, "extract") as advance:
            for analysed in extract_with(
                engine,
                paths,
                processes=processes,
                all_sentences=all_sentences,
                limits=_limits(
                    max_article_chars,
                    max_file_bytes,
                    max_download_bytes,
                    fetch_timeout,
                    max_feed_entries,
                    max_decompressed_bytes,
                    allow_private,
                    no_fetch_pages,
                ),
                report=report,
                on_progress=advance,
                stdin=sys.stdin,
            ):
                for event in analysed.events:
                    if min_confidence is None or event.confidence >= min_confidence:
                        writer.write(event.to_dict())
    except RealpolitikError as exc:
        raise _fail(str(exc)) from None
    finally:
        writer.close()
        if output:
            stream.close()
    _summary(report, quiet)
    raise typer.Exit(report.exit_code)


@app.command()
def stats(
    db: DbOption = None, top: Annotated[int, typer.Option(help="How many country pairs.")] = 10
) -> None:
    """Summary of the store: articles, events, and the most active country pairs."""
    from realpolitik.store import open_store

    try:
        with open_store(db, read_only=True) as store:
            s = store.stats()
            dyads = store.top_dyads(top)
            name = store_country_namer()
    except RealpolitikError as exc:
        raise _fail(str(exc)) from None
    out.print(
        f"[bold]{s['articles']}[/] articles, [bold]{s['events']}[/] events "
        f"({s['events_negated']} negated), {s['mentions']} actor mentions, {s['actors']} actors; "
        f"dates {s['first_date'] or '?'} to {s['last_date'] or '?'}; schema v{s['schema_version']}"
    )
    if not dyads:
        out.print("no country-to-country events yet")
        return
    table = Table(title="Most active country pairs (negated events excluded)")
    for col in ("pair", "events", "cooperation", "conflict", "balance", "Goldstein mean"):
        table.add_column(col, justify="left" if col == "pair" else "right")
    for d in dyads:
        balance = d["cooperation"] - d["conflict"]
        colour = "green" if balance > 0 else "red" if balance < 0 else "white"
        table.add_row(
            f"{d['a']} {name(d['a'])} - {d['b']} {name(d['b'])}",
            str(d["events"]),
            str(d["cooperation"]),
            str(d["conflict"]),
            f"[{colour}]{balance:+d}[/]",
            f"{d['goldstein_mean']:+.2f}",
        )
    out.print(table)


def store_country_namer():
    """ISO3 -> short country name, from the actors knowledge base."""
    from realpolitik.actors import KnowledgeBase

    kb = KnowledgeBase.load()
    return lambda code: kb.country_name(code) or ""


@app.command()
def events(
    db: DbOption = None,
    actor: Annotated[
        str | None, typer.Option(help="Actor code prefix, source or target (CHN, USAGOV).")
    ] = None,
    country: Annotated[str | None, typer.Option(help="ISO3 country, source or target.")] = None,
    root: Annotated[str | None, typer.Option(help="CAMEO root, e.g. 11.")] = None,
    code: Annotated[str | None, typer.Option(help="CAMEO code, e.g. 112.")] = None,
    since: Annotated[str | None, typer.Option(help="From this date (YYYY-MM-DD).")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date (YYYY-MM-DD).")] = None,
    article: Annotated[str | None, typer.Option(help="Only this article's events.")] = None,
    min_confidence: MinConfidence = None,
    limit: Annotated[int, typer.Option(help="At most this many.")] = 100,
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl, csv or table.")] = "table",
) -> None:
    """List stored events, filtered."""
    from realpolitik.store import open_store

    if fmt not in FORMATS:
        raise typer.BadParameter(f"choose one of {', '.join(FORMATS)}", param_hint="--format")
    if root is not None and not (len(root) == 2 and root.isdigit()):
        raise typer.BadParameter("a CAMEO root is two digits, 01 to 20", param_hint="--root")
    since_d, until_d = _parse_date(since, "--since"), _parse_date(until, "--until")
    try:
        with open_store(db, read_only=True) as store:
            rows = store.events(
                actor=actor.upper() if actor else None,
                country=country.upper() if country else None,
                root=root,
                code=code,
                since=since_d,
                until=until_d,
                doc_id=article,
                min_confidence=min_confidence,
                limit=limit,
            )
    except RealpolitikError as exc:
        raise _fail(str(exc)) from None
    writer = EventWriter(sys.stdout, fmt)
    writer.write_all(rows)
    writer.close()


@app.command()
def show(
    article_id: Annotated[str, typer.Argument(help="An article id (see `events`).")], db: DbOption = None
) -> None:
    """Show an article with its actor mentions and event spans highlighted."""
    from realpolitik.store import open_store

    try:
        with open_store(db, read_only=True) as store:
            art = store.article(article_id)
            if art is None:
                raise _fail(f"no article {article_id!r} in the store")
            mentions = store.article_mentions(article_id)
            evs = store.article_events(article_id)
    except RealpolitikError as exc:
        raise _fail(str(exc)) from None
    out.print(f"[bold]{art.get('title') or article_id}[/]")
    meta = [art.get("date"), art.get("publisher"), art.get("url")]
    if art.get("attributed_to"):
        meta.append(f"attributed to {art['attributed_to']}")
    out.print("[dim]" + " · ".join(str(m) for m in meta if m) + "[/]\n")
    out.print(highlight(art["text"], mentions, evs))
    out.print()
    table = Table(title=f"{len(evs)} events")
    for col in ("#", "source", "CAMEO", "target", "polarity/modality", "date"):
        table.add_column(col)
    for i, e in enumerate(evs, 1):
        tgt = e.get("target") or {}
        table.add_row(
            str(i),
            f"{e['source']['code']} ({e['source']['text']})",
            f"{e['cameo']['code']} {e['cameo']['name']}",
            f"{tgt.get('code', '-')} ({tgt.get('text', '')})" if tgt else "-",
            f"{e['polarity']}/{e['modality']}",
            str(e.get("date") or ""),
        )
    out.print(table)


def highlight(text: str, mentions: list[dict], evs: list[dict]) -> Text:
    """The article text with event spans underlined and actor mentions in colour."""
    rich_text = Text(text)
    for e in evs:
        start, end = e["span"]
        style = "underline yellow" if e.get("polarity") != "negated" else "underline red"
        rich_text.stylize(style, start, end)
    for m in mentions:
        rich_text.stylize("bold cyan", m["start"], m["end"])
    return rich_text


@app.command("eval")
def evaluate(
    gold: Annotated[Path, typer.Argument(help="Gold JSONL (id, text, events, optional).")],
    predictions: Annotated[
        Path | None, typer.Argument(help="Events JSONL to score; without it the gold texts are coded now.")
    ] = None,
    verbose: Annotated[
        bool, typer.Option("--verbose", "-v", help="List misses, false events and the root confusion table.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="One JSON object: figures and confusion rows.")
    ] = False,
) -> None:
    """Score events against gold at (source country, target country, CAMEO root), like the scorer."""
    from realpolitik.evaluation import load_gold, read_events, report, score

    try:
        gold_records = load_gold(gold)
        if predictions is not None:
            preds = list(read_events(predictions))
        else:
            from realpolitik.pipeline import Pipeline

            preds = [e.to_dict() for analysed in Pipeline().extract([str(gold)]) for e in analysed.events]
    except (RealpolitikError, OSError) as exc:
        raise _fail(str(exc)) from None
    result = score(gold_records, preds)
    print(report(result, gold_records, preds, as_json=as_json, verbose=verbose))


def _version(value: bool) -> None:
    if value:
        print(f"realpolitik {__version__}")
        raise typer.Exit(0)


@app.callback()
def main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    """realpolitik: ingest news, code who did what to whom (CAMEO/PLOVER), store and query it."""


def _register_stage_commands() -> None:
    """Commands of later stages live beside their stage; each adds itself to the app."""
    from realpolitik.actors.commands import register as register_actors
    from realpolitik.api.commands import register as register_serve
    from realpolitik.relations.commands import register as register_relations

    register_actors(app)
    register_relations(app)
    register_serve(app)


_register_stage_commands()

if __name__ == "__main__":  # pragma: no cover
    app()
