"""The scale commands of the ``realpolitik`` CLI: ``register(app)`` adds ``watch``; the ``--engine``
choice of ``ingest`` and ``extract`` is served by :func:`ingest_with` and :func:`extract_with`.

``python -m realpolitik.scale.commands watch ...`` runs the command without the main CLI (the
crash tests start the watcher that way).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from realpolitik.errors import RealpolitikError

if TYPE_CHECKING:
    from realpolitik.ingest import IngestLimits
    from realpolitik.pipeline import AnalysedArticle, RunReport
    from realpolitik.store import Store

err = Console(stderr=True, highlight=False)

ENGINES = ("local", "ray")
EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        help="local: this process (or --processes workers); ray: Ray Data, on the cluster at "
        "$RAY_ADDRESS or a local Ray instance (needs the extra: pip install 'realpolitik[ray]').",
    ),
]


def check_engine(engine: str) -> str:
    """The engine name, checked (a usage error, exit 2, otherwise)."""
    value = engine.lower()
    if value not in ENGINES:
        raise typer.BadParameter(f"choose one of {', '.join(ENGINES)}", param_hint="--engine")
    return value


def ingest_with(
    engine: str,
    paths: Sequence[str],
    store: Store,
    *,
    processes: int = 1,
    all_sentences: bool = False,
    limits: IngestLimits | None = None,
    report: RunReport | None = None,
    on_progress: Callable[[str], None] | None = None,
    stdin: Any = None,
) -> RunReport:
    """``ingest`` with the chosen engine; with ray, ``processes`` > 1 is the number of actors."""
    if check_engine(engine) == "ray":
        from realpolitik.scale.ray_engine import ray_ingest

        return ray_ingest(
            paths,
            store,
            limits=limits,
            report=report,
            num_workers=processes if processes > 1 else None,
            select_sentences=not all_sentences,
            on_progress=on_progress,
            stdin=stdin,
        )
    from realpolitik.pipeline import Pipeline

    return Pipeline(n_process=processes, select_sentences=not all_sentences).ingest(
        paths, store, limits=limits, report=report, on_progress=on_progress, stdin=stdin
    )


def extract_with(
    engine: str,
    paths: Sequence[str],
    *,
    processes: int = 1,
    all_sentences: bool = False,
    limits: IngestLimits | None = None,
    report: RunReport | None = None,
    on_progress: Callable[[str], None] | None = None,
    stdin: Any = None,
) -> Iterator[AnalysedArticle]:
    """``extract`` with the chosen engine: the analysed articles in input order."""
    if check_engine(engine) == "ray":
        from realpolitik.scale.ray_engine import ray_extract

        return ray_extract(
            paths,
            limits=limits,
            report=report,
            num_workers=processes if processes > 1 else None,
            select_sentences=not all_sentences,
            on_progress=on_progress,
            stdin=stdin,
        )
    from realpolitik.pipeline import Pipeline

    return Pipeline(n_process=processes, select_sentences=not all_sentences).extract(
        paths, limits=limits, report=report, on_progress=on_progress, stdin=stdin
    )


def _duration(value: str, name: str) -> float:
    from realpolitik.scale.watch import parse_duration

    try:
        seconds = parse_duration(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint=name) from None
    return seconds


def register(app: typer.Typer) -> None:
    """Add ``watch`` to the CLI."""

    @app.command()
    def watch(
        sources: Annotated[list[str], typer.Argument(help="Feed URLs, folders or files to watch.")],
        every: Annotated[str, typer.Option(help="Time between cycles: 15m, 30s, 1h30m...")] = "15m",
        db: Annotated[
            str | None,
            typer.Option(
                "--db", help="Store: a DuckDB file (default $REALPOLITIK_DB or ./realpolitik.duckdb)."
            ),
        ] = None,
        once: Annotated[bool, typer.Option("--once", help="One cycle, then exit.")] = False,
        max_cycles: Annotated[
            int | None, typer.Option("--max-cycles", min=1, help="Stop after this many cycles.")
        ] = None,
        state: Annotated[
            str | None,
            typer.Option(help="State file (what was read). Default: the store's path + .watch.json."),
        ] = None,
        allow_private: Annotated[
            bool,
            typer.Option(
                "--allow-private",
                help="Fetch from loopback and private addresses (a feed on this machine or network).",
            ),
        ] = False,
        fetch_pages: Annotated[
            bool, typer.Option(help="Fetch each new entry's page for its full text.")
        ] = True,
        settle: Annotated[
            str, typer.Option(help="Files changed more recently than this wait for the next cycle.")
        ] = "2s",
        max_article_chars: Annotated[int | None, typer.Option(help="Refuse longer articles.")] = None,
        all_sentences: Annotated[
            bool, typer.Option("--all-sentences", help="Parse every sentence (slower).")
        ] = False,
    ) -> None:
        """Ingest what is new in feeds and folders, every --every, until stopped (or --max-cycles).

        Safe to stop at any moment, even with kill -9: the next start goes on where it stopped,
        without losing or duplicating an article. A failing source is logged and retried.
        """
        from realpolitik.ingest import IngestLimits
        from realpolitik.scale.watch import Watcher

        interval = _duration(every, "--every")
        settle_seconds = _duration(settle, "--settle")
        limits = IngestLimits(allow_private=allow_private, fetch_pages=fetch_pages)
        if max_article_chars is not None:
            limits.max_article_chars = max_article_chars
        cycles = 1 if once else max_cycles
        try:
            watcher = Watcher(
                sources,
                db=db,
                state_path=state,
                limits=limits,
                select_sentences=not all_sentences,
                settle=settle_seconds,
            )
            watcher.run(interval, max_cycles=cycles)
        except RealpolitikError as exc:
            err.print(f"[bold red]error:[/] {exc}", soft_wrap=True, markup=True)
            raise typer.Exit(1) from None
        except KeyboardInterrupt:
            err.print("stopped")
            raise typer.Exit(130) from None


def _standalone() -> typer.Typer:
    app = typer.Typer(add_completion=False, pretty_exceptions_enable=False, no_args_is_help=True)

    @app.callback()
    def main() -> None:
        """realpolitik's scale commands (also part of the realpolitik command)."""

    register(app)
    return app


if __name__ == "__main__":  # pragma: no cover - exercised by the crash tests in a subprocess
    sys.exit(_standalone()())
