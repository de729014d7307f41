"""The relations commands of the ``realpolitik`` CLI: ``register(app)`` adds them.

relations, network, blocs, alignment, shifts, related, plot {dyad,network,alignment},
export {gdelt,plover,parquet}. Each opens the store read-only (``--db``), loads the asserted
events it needs into the events frame and prints a table (or CSV/JSON with ``--format``).
Errors are realpolitik's own, printed as one line, exit 1; usage errors exit 2.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from realpolitik.cliutil import check_choice as _check
from realpolitik.cliutil import fail as _fail
from realpolitik.cliutil import parse_date as _date
from realpolitik.errors import RealpolitikError

if TYPE_CHECKING:  # pandas is imported when a command runs, not when the CLI starts
    import pandas as pd

err = Console(stderr=True, highlight=False)
out = Console(highlight=False, soft_wrap=True)

TABLE_FORMATS = ("table", "csv", "json")

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        help="Store: DuckDB file or postgresql:// URL (default $REALPOLITIK_DB or ./realpolitik.duckdb).",
    ),
]
SinceOption = Annotated[str | None, typer.Option(help="From this date (YYYY-MM-DD).")]
UntilOption = Annotated[str | None, typer.Option(help="Up to this date (YYYY-MM-DD).")]
FormatOption = Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")]
OutputOption = Annotated[Path | None, typer.Option("--output", "-o", help="Write here, not stdout.")]
PlotOutput = Annotated[Path, typer.Option("--output", "-o", help="File to write: .png or .svg.")]
PolesOption = Annotated[
    tuple[str, str] | None,
    typer.Option(
        "--poles", help="Two rival poles, comma-separated ISO3 each: --poles USA CHN,RUS (the default)."
    ),
]


def _usage(fn: Callable[[], Any], name: str) -> Any:
    """Run a parser of user input; its RealpolitikError becomes a usage error (exit 2)."""
    try:
        return fn()
    except RealpolitikError as e:
        raise typer.BadParameter(str(e), param_hint=name) from None


@contextmanager
def _store(db: str | None) -> Iterator[Any]:
    from realpolitik.store import default_db_path, open_store

    location = db or default_db_path()
    if not location.startswith(("postgres", "http")) and not Path(location).exists():
        raise _fail(f"{location}: no such store; run `realpolitik ingest` first or pass --db")
    with open_store(location, read_only=True) as store:
        yield store


def _frame(store: Any, since: date | None = None, until: date | None = None, **filters: Any):
    """Asserted events from the store as the events frame (negated ones never leave the store)."""
    from realpolitik.relations.frame import events_frame

    rows = store.events(since=since, until=until, include_negated=False, limit=None, **filters)
    return events_frame(rows, origin=str(store.location))


def _load(db: str | None, since: date | None = None, until: date | None = None) -> pd.DataFrame:
    """The events frame of the store ``db`` (opened read-only, closed before computing)."""
    with _store(db) as store:
        return _frame(store, since, until)


@contextmanager
def _reported() -> Iterator[None]:
    """Realpolitik's own errors raised inside become one printed line and exit 1."""
    try:
        yield
    except RealpolitikError as exc:
        raise _fail(str(exc)) from None


def _emit(df, fmt: str, output: Path | None = None, title: str = "", hide: tuple[str, ...] = ()) -> None:
    """Print a DataFrame as a rich table, CSV or JSON records (lists kept as lists in JSON)."""
    import pandas as pd

    if fmt == "json":
        text = df.to_json(orient="records", date_format="iso", force_ascii=False, indent=1)
    elif fmt == "csv":
        flat = df.copy()
        for col in flat.columns:
            if flat[col].map(lambda v: isinstance(v, list)).any():
                flat[col] = flat[col].map(lambda v: ";".join(map(str, v)) if isinstance(v, list) else v)
        text = flat.to_csv(index=False, date_format="%Y-%m-%d")
    else:
        table = Table(title=title or None)
        shown = [c for c in df.columns if c not in hide]
        for col in shown:
            numeric = pd.api.types.is_numeric_dtype(df[col])
            table.add_column(str(col), justify="right" if numeric else "left")
        for row in df[shown].itertuples(index=False):
            table.add_row(*[_cell(v) for v in row])
        if output is None:
            out.print(table)
            return
        console = Console(file=open(output, "w", encoding="utf-8"), width=200)  # noqa: SIM115
        console.print(table)
        console.file.close()
        return
    if output is None:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        _write_text(output, text)


def _write_text(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise _fail(f"{path}: cannot write: {e.strerror or e}") from None


def _cell(v: Any) -> str:
    import pandas as pd

    if isinstance(v, list):
        return ", ".join(map(str, v[:5])) + (f" (+{len(v) - 5})" if len(v) > 5 else "")
    if v is None or v is pd.NA or (isinstance(v, float) and v != v) or v is pd.NaT:
        return ""
    if isinstance(v, pd.Timestamp):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def _poles(poles: tuple[str, str] | None):
    from realpolitik.relations.alignment import Poles

    return _usage(lambda: Poles.parse(*poles) if poles else Poles.default(), "--poles")


def register(app: typer.Typer) -> None:
    """Add the relations commands to ``app``."""

    @app.command()
    def relations(
        a: Annotated[str, typer.Argument(help="First actor: ISO3 country (CHN) or finer code (USAGOV).")],
        b: Annotated[str, typer.Argument(help="Second actor.")],
        db: DbOption = None,
        since: SinceOption = None,
        until: UntilOption = None,
        freq: Annotated[str, typer.Option(help="day, week or month.")] = "month",
        directed: Annotated[bool, typer.Option(help="One row per direction (A->B, B->A).")] = False,
        events: Annotated[bool, typer.Option("--events", help="List the events behind the figures.")] = False,
        fmt: FormatOption = "table",
        output: OutputOption = None,
    ) -> None:
        """A dyad over time: events, Goldstein sum and mean, QuadClass counts per period."""
        from realpolitik.relations.dyads import dyad_events, dyad_series
        from realpolitik.relations.frame import normalise_actor, normalise_freq

        fmt = _check(fmt, TABLE_FORMATS, "--format")
        f = _usage(lambda: normalise_freq(freq), "--freq")
        a_, b_ = _usage(lambda: normalise_actor(a), "A"), _usage(lambda: normalise_actor(b), "B")
        s, u = _date(since, "--since"), _date(until, "--until")
        with _reported():
            df = _load(db, s, u)
        if events:
            ev = dyad_events(df, a_, b_, directed=directed, since=s, until=u)
            cols = [
                "direction",
                "date",
                "source_code",
                "cameo_code",
                "target_code",
                "goldstein",
                "quad_class",
                "event_id",
                "doc_id",
                "sentence",
            ]
            _emit(ev[cols], fmt, output, title=f"Events between {a_} and {b_}")
            return
        series = dyad_series(df, a_, b_, freq=f, directed=directed, since=s, until=u, fill=fmt != "table")
        if series.empty:
            err.print(f"no events between {a_} and {b_}")
        _emit(
            series, fmt, output, title=f"{a_} and {b_} per {f} (negated events excluded)", hide=("event_ids",)
        )

    @app.command()
    def network(
        db: DbOption = None,
        window: Annotated[
            str | None, typer.Option(help="Window ending at --until or the last event: 90d, 6m.")
        ] = None,
        since: SinceOption = None,
        until: UntilOption = None,
        level: Annotated[str, typer.Option(help="country (ISO3) or code (full actor codes).")] = "country",
        min_events: Annotated[int, typer.Option(help="Drop pairs with fewer events.")] = 1,
        fmt: Annotated[
            str, typer.Option("--format", "-f", help="gexf, graphml, json, table or csv.")
        ] = "table",
        output: OutputOption = None,
    ) -> None:
        """The signed, weighted network of states: (cooperation - conflict) / events per pair."""
        from realpolitik.relations.frame import parse_window
        from realpolitik.relations.network import GRAPH_FORMATS, build_network, graph_json, write_graph

        fmt = _check(fmt, (*GRAPH_FORMATS, "table", "csv"), "--format")
        level = _check(level, ("country", "code"), "--level")
        if window is not None:
            _usage(lambda: parse_window(window), "--window")
        s, u = _date(since, "--since"), _date(until, "--until")
        with _reported():
            df = _load(db, s, u)
            net = build_network(df, since=s, until=u, window=window, level=level, min_events=min_events)
            if fmt in GRAPH_FORMATS:
                if output is None and fmt == "json":
                    sys.stdout.write(json.dumps(graph_json(net), ensure_ascii=False, indent=1) + "\n")
                elif output is None:
                    raise _fail(f"--format {fmt} needs --output FILE")
                else:
                    write_graph(net, output, fmt)
                    err.print(f"wrote {len(net.nodes)} nodes, {len(net.edges)} edges to {output}")
                return
        _emit(
            net.edges,
            fmt,
            output,
            title="Signed network (weight = (cooperation - conflict) / events)",
            hide=("event_ids", "doc_ids"),
        )

    @app.command()
    def blocs(
        db: DbOption = None,
        window: Annotated[str, typer.Option(help="Window length: 90d, 6m, 1y.")] = "90d",
        step: Annotated[str, typer.Option(help="Distance between successive windows.")] = "30d",
        until: UntilOption = None,
        method: Annotated[str, typer.Option(help="leiden or spectral.")] = "leiden",
        seed: Annotated[int, typer.Option(help="Random seed.")] = 0,
        stability: Annotated[
            bool, typer.Option("--stability", help="Blocs in successive windows and how stable they are.")
        ] = False,
        fmt: FormatOption = "table",
        output: OutputOption = None,
    ) -> None:
        """Blocs: communities on the signed network of the window (and their stability)."""
        from realpolitik.relations.blocs import METHODS, bloc_stability, find_blocs
        from realpolitik.relations.frame import parse_window
        from realpolitik.relations.network import build_network

        fmt = _check(fmt, TABLE_FORMATS, "--format")
        method = _check(method, METHODS, "--method")
        _usage(lambda: parse_window(window), "--window")
        _usage(lambda: parse_window(step), "--step")
        u = _date(until, "--until")
        with _reported():
            df = _load(db, None, u)
            if stability:
                _, summary = bloc_stability(df, window=window, step=step, until=u, method=method, seed=seed)
                _emit(summary, fmt, output, title=f"Blocs in {window} windows every {step} ({method})")
                return
            result = find_blocs(build_network(df, until=u, window=window), method=method, seed=seed)
        if fmt == "table":
            table = Table(title=f"Blocs ({method}, signed modularity {result.modularity:.3f})")
            table.add_column("bloc", justify="right")
            table.add_column("members")
            for b, members in result.members().items():
                table.add_row(str(b), ", ".join(members))
            out.print(table)
            return
        _emit(result.assignments, fmt, output)

    @app.command("alignment")
    def alignment_cmd(
        db: DbOption = None,
        poles: PolesOption = None,
        since: SinceOption = None,
        until: UntilOption = None,
        freq: Annotated[
            str | None, typer.Option(help="Per day, week or month (default: one figure).")
        ] = None,
        weight: Annotated[str, typer.Option(help="count or goldstein.")] = "count",
        min_events: Annotated[int, typer.Option(help="Leave out states with fewer events.")] = 1,
        fmt: FormatOption = "table",
        output: OutputOption = None,
    ) -> None:
        """Each state's alignment between two rival poles, and each power's influence."""
        from realpolitik.relations.alignment import alignment, balance, influence, trend
        from realpolitik.relations.frame import normalise_freq

        fmt = _check(fmt, TABLE_FORMATS, "--format")
        weight = _check(weight, ("count", "goldstein"), "--weight")
        f = _usage(lambda: normalise_freq(freq), "--freq") if freq else None
        p = _poles(poles)
        s, u = _date(since, "--since"), _date(until, "--until")
        with _reported():
            df = _load(db, s, u)
            align = alignment(df, p, freq=f, weight=weight, min_events=min_events)
            infl = influence(df, p, freq=f)
        if fmt != "table":
            _emit(align, fmt, output)
            return
        _emit(align, fmt, None, title=f"Alignment: +1 = {p.name_a}, -1 = {p.name_b}", hide=("event_ids",))
        _emit(infl, fmt, None, title="Influence (share among the rival powers)")
        bal = balance(align)
        if not bal.empty:
            _emit(bal, fmt, None, title="Balance of third states")
        if f is not None and not infl.empty:
            a = infl[infl["power"].isin(p.a)].groupby("period")["influence"].sum()
            b = infl[infl["power"].isin(p.b)].groupby("period")["influence"].sum()
            margin = (a - b).dropna()
            if len(margin):
                out.print(
                    f"{p.name_a} minus {p.name_b} influence: latest {margin.iloc[-1]:+.3f}, "
                    f"trend {trend(margin):+.3f} per {f}"
                )

    @app.command()
    def shifts(
        db: DbOption = None,
        freq: Annotated[str, typer.Option(help="day, week or month.")] = "day",
        window: Annotated[str, typer.Option(help="Trailing window the period is compared with.")] = "90d",
        threshold: Annotated[float, typer.Option("--z", help="Alert when |z| reaches this.")] = 3.0,
        metric: Annotated[
            str, typer.Option(help="goldstein (sum) or net (cooperation - conflict).")
        ] = "goldstein",
        min_events: Annotated[int, typer.Option(help="Events needed in the alerting period.")] = 3,
        min_history: Annotated[int, typer.Option(help="Events needed in the trailing window.")] = 10,
        since: SinceOption = None,
        until: UntilOption = None,
        fmt: FormatOption = "table",
        output: OutputOption = None,
    ) -> None:
        """Alerts when a dyad moves sharply against its own past (z-score vs a trailing window)."""
        from realpolitik.relations.frame import normalise_freq, parse_window
        from realpolitik.relations.shifts import shift_alerts

        fmt = _check(fmt, TABLE_FORMATS, "--format")
        metric = _check(metric, ("goldstein", "net"), "--metric")
        f = _usage(lambda: normalise_freq(freq), "--freq")
        _usage(lambda: parse_window(window), "--window")
        if threshold <= 0:
            raise typer.BadParameter("must be positive", param_hint="--z")
        s, u = _date(since, "--since"), _date(until, "--until")
        with _reported():
            df = _load(db, None, u)
            alerts = shift_alerts(
                df,
                freq=f,
                window=window,
                threshold=threshold,
                metric=metric,
                min_events=min_events,
                min_history=min_history,
                since=s,
                until=u,
            )
        if alerts.empty and fmt == "table":
            err.print("no shifts")
            return
        _emit(
            alerts,
            fmt,
            output,
            title=f"Shifts (|z| >= {threshold:g} against the trailing {window})",
            hide=("event_ids",),
        )

    @app.command()
    def related(
        article_id: Annotated[str, typer.Argument(help="An article id (see `events`).")],
        db: DbOption = None,
        k: Annotated[int, typer.Option("-k", "--top", help="How many.")] = 10,
        fmt: FormatOption = "table",
        output: OutputOption = None,
    ) -> None:
        """Articles that share this one's dyads and events, ranked with title-and-lead similarity."""
        from realpolitik.relations.related import load_articles, related_articles

        fmt = _check(fmt, TABLE_FORMATS, "--format")
        with _reported():
            with _store(db) as store:
                if store.article(article_id) is None:
                    raise _fail(f"no article {article_id!r} in the store")
                df = _frame(store)
                ids = [article_id, *df["doc_id"].unique().tolist()]
                arts = load_articles(store, ids)
            rel = related_articles(article_id, df, arts, k=k)
        if rel.empty and fmt == "table":
            err.print("no related articles")
            return
        _emit(rel, fmt, output, title=f"Related to {article_id}")

    plot_app = typer.Typer(help="Pictures (PNG or SVG): dyad, network, alignment.", no_args_is_help=True)
    app.add_typer(plot_app, name="plot")

    @plot_app.command("dyad")
    def plot_dyad_cmd(
        a: Annotated[str, typer.Argument(help="First actor.")],
        b: Annotated[str, typer.Argument(help="Second actor.")],
        output: PlotOutput = Path("dyad.png"),
        db: DbOption = None,
        since: SinceOption = None,
        until: UntilOption = None,
        freq: Annotated[str, typer.Option(help="day, week or month.")] = "month",
    ) -> None:
        """Events per QuadClass and the Goldstein sum of a dyad over time."""
        from realpolitik.relations.dyads import dyad_series
        from realpolitik.relations.frame import normalise_actor, normalise_freq
        from realpolitik.relations.plots import plot_dyad

        f = _usage(lambda: normalise_freq(freq), "--freq")
        a_, b_ = _usage(lambda: normalise_actor(a), "A"), _usage(lambda: normalise_actor(b), "B")
        s, u = _date(since, "--since"), _date(until, "--until")
        with _reported():
            df = _load(db, s, u)
            series = dyad_series(df, a_, b_, freq=f, since=s, until=u)
            plot_dyad(series, output, title=f"{a_} and {b_} per {f}", freq=f)
        err.print(f"wrote {output}")

    @plot_app.command("network")
    def plot_network_cmd(
        output: PlotOutput = Path("network.png"),
        db: DbOption = None,
        window: Annotated[str | None, typer.Option(help="Window: 90d, 6m.")] = None,
        until: UntilOption = None,
        min_events: Annotated[int, typer.Option(help="Drop pairs with fewer events.")] = 1,
        method: Annotated[str, typer.Option(help="Bloc colours: leiden or spectral.")] = "leiden",
    ) -> None:
        """The signed network, nodes coloured by bloc."""
        from realpolitik.relations.blocs import METHODS, find_blocs
        from realpolitik.relations.network import build_network
        from realpolitik.relations.plots import plot_network

        method = _check(method, METHODS, "--method")
        u = _date(until, "--until")
        with _reported():
            df = _load(db, None, u)
            net = _usage(lambda: build_network(df, until=u, window=window, min_events=min_events), "--window")
            result = find_blocs(net, method=method)
            span = f" {window} to {net.end.date()}" if window and net.end is not None else ""
            plot_network(net, output, blocs=result.assignments, title=f"Network of states{span}")
        err.print(f"wrote {output}")

    @plot_app.command("alignment")
    def plot_alignment_cmd(
        output: PlotOutput = Path("alignment.png"),
        db: DbOption = None,
        poles: PolesOption = None,
        since: SinceOption = None,
        until: UntilOption = None,
        freq: Annotated[str, typer.Option(help="Period of the influence panel.")] = "month",
    ) -> None:
        """States' alignment between the poles, and each power's influence over time."""
        from realpolitik.relations.alignment import alignment, influence
        from realpolitik.relations.frame import normalise_freq
        from realpolitik.relations.plots import plot_alignment

        f = _usage(lambda: normalise_freq(freq), "--freq")
        p = _poles(poles)
        s, u = _date(since, "--since"), _date(until, "--until")
        with _reported():
            df = _load(db, s, u)
            plot_alignment(
                alignment(df, p), output, pole_a=p.name_a, pole_b=p.name_b, influence=influence(df, p, freq=f)
            )
        err.print(f"wrote {output}")

    export_app = typer.Typer(
        help="Exports: gdelt (TSV), plover (JSONL), parquet (every table).", no_args_is_help=True
    )
    app.add_typer(export_app, name="export")

    @export_app.command("gdelt")
    def export_gdelt(
        output: OutputOption = None,
        db: DbOption = None,
        since: SinceOption = None,
        until: UntilOption = None,
        header: Annotated[
            bool, typer.Option(help="Write the column names first (GDELT files do not).")
        ] = False,
    ) -> None:
        """GDELT 2.0 event table: 61 tab-separated columns in GDELT's order (negated events left out)."""
        from realpolitik.relations.export import write_gdelt

        s, u = _date(since, "--since"), _date(until, "--until")
        with _reported():
            df = _load(db, s, u)
            n = _write_stream(output, lambda stream: write_gdelt(df, stream, header=header))
        err.print(f"{n} events")

    @export_app.command("plover")
    def export_plover(
        output: OutputOption = None,
        db: DbOption = None,
        since: SinceOption = None,
        until: UntilOption = None,
    ) -> None:
        """PLOVER JSONL: one record a line (negated events left out)."""
        from realpolitik.relations.export import write_plover

        s, u = _date(since, "--since"), _date(until, "--until")
        with _reported():
            df = _load(db, s, u)
            n = _write_stream(output, lambda stream: write_plover(df, stream))
        err.print(f"{n} events")

    @export_app.command("parquet")
    def export_parquet(
        directory: Annotated[Path, typer.Argument(help="Directory to write NAME.parquet files into.")],
        db: DbOption = None,
        window: Annotated[str | None, typer.Option(help="Window of the network and blocs tables.")] = None,
        freq: Annotated[
            str, typer.Option(help="Period of the dyad, alignment and influence tables.")
        ] = "month",
    ) -> None:
        """Parquet of every table: events, dyads, network, blocs, stability, alignment, influence, shifts."""
        from realpolitik.relations.export import all_tables, write_parquet
        from realpolitik.relations.frame import normalise_freq

        f = _usage(lambda: normalise_freq(freq), "--freq")
        with _reported():
            df = _load(db)
            paths = write_parquet(all_tables(df, window=window, freq=f), directory)
        for p in paths:
            err.print(f"wrote {p}")


def _write_stream(output: Path | None, write: Callable[[Any], int]) -> int:
    if output is None:
        return write(sys.stdout)
    try:
        with open(output, "w", encoding="utf-8", newline="") as stream:
            return write(stream)
    except OSError as e:
        raise RealpolitikError(f"{output}: cannot write: {e.strerror or e}") from None
