"""The relations computations the API and the dashboard show, over the server's cached events.

The relations package returns pandas DataFrames; this module calls it and turns the results into
JSON-safe records (dates as ``YYYY-MM-DD``, NaN as null, numpy scalars as Python numbers). Every
result is cached per store generation (see :class:`~realpolitik.api.state.ServerState`), so the
dashboard's pages cost one computation per write, not one per view.
"""

from __future__ import annotations

import io
import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd

from realpolitik.api.state import ServerState
from realpolitik.errors import RealpolitikError

# Bloc stability runs one community detection per window.
MAX_BLOC_WINDOWS = 240
DEFAULT_POLES = ("USA", "CHN,RUS")  # overridden by relations' data/poles.json when it loads


def _value(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, pd.Timestamp | datetime):
        return None if pd.isna(v) else v.date().isoformat()
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float):
        return None if math.isnan(v) or math.isinf(v) else v
    if isinstance(v, list | tuple | np.ndarray):
        return [_value(x) for x in v]
    if isinstance(v, Mapping):
        return {str(k): _value(x) for k, x in v.items()}
    if v is pd.NaT or (not isinstance(v, str | int | bool) and pd.isna(v)):
        return None
    return v


def records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """A DataFrame as a list of JSON-safe dicts."""
    return [{str(k): _value(v) for k, v in row.items()} for row in df.to_dict("records")]


def _bounds(since: date | None, until: date | None) -> dict[str, Any]:
    return {"since": since, "until": until}


# -- dyads ---------------------------------------------------------------------------------------


def dyad_series(
    st: ServerState,
    a: str,
    b: str,
    *,
    freq: str = "month",
    directed: bool = False,
    since: date | None = None,
    until: date | None = None,
) -> list[dict[str, Any]]:
    def compute() -> list[dict[str, Any]]:
        from realpolitik.relations import dyad_series as series

        df = st.events_frame()
        return records(series(df, a, b, freq=freq, directed=directed, **_bounds(since, until)))

    return st.cached(("dyad_series", a, b, freq, directed, since, until), compute)


# -- network and blocs ---------------------------------------------------------------------------


def network(
    st: ServerState,
    *,
    since: date | None = None,
    until: date | None = None,
    window: str | None = None,
    min_events: int = 1,
    method: str = "leiden",
) -> dict[str, Any]:
    """Nodes (with their ``bloc``), edges, blocs and the window covered."""

    def compute() -> dict[str, Any]:
        from realpolitik.relations import build_network, find_blocs

        net = build_network(st.events_frame(), window=window, min_events=min_events, **_bounds(since, until))
        blocs = find_blocs(net, method=method) if len(net.nodes) else None
        bloc_of: dict[str, int] = {}
        if blocs is not None:
            bloc_of = {
                str(n): int(b)
                for n, b in zip(blocs.assignments["node"], blocs.assignments["bloc"], strict=True)
            }
        nodes = records(net.nodes)
        for n in nodes:
            n["bloc"] = bloc_of.get(str(n["id"]))
        return {
            "start": _value(net.start),
            "end": _value(net.end),
            "nodes": nodes,
            "edges": records(net.edges),
            "blocs": {
                "method": blocs.method if blocs else method,
                "modularity": _value(blocs.modularity) if blocs else None,
                "members": {str(k): v for k, v in blocs.members().items()} if blocs else {},
            },
        }

    return st.cached(("network", since, until, window, min_events, method), compute)


def network_file(st: ServerState, fmt: str, **kw: Any) -> bytes:
    """The network as GEXF, GraphML or node-link JSON (relations' writers)."""
    import tempfile
    from pathlib import Path

    from realpolitik.relations import build_network, write_graph

    net = build_network(st.events_frame(), **kw)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_graph(net, Path(tmp) / f"network.{fmt}", fmt)
        return path.read_bytes()


def bloc_stability(
    st: ServerState, *, window: str = "90d", step: str = "30d", method: str = "leiden"
) -> dict[str, Any]:
    def compute() -> dict[str, Any]:
        from realpolitik.relations import bloc_stability as stability
        from realpolitik.relations.frame import window_days

        frame = st.events_frame()
        # One community detection per window: a short step over years of data would keep a
        # worker busy for minutes on one anonymous request (730 windows took 12 s, 56 s spectral).
        dates = frame["date"].dropna() if "date" in frame else frame.iloc[0:0]
        if len(dates):
            span_days = (dates.max() - dates.min()).days + 1
            windows = span_days // window_days(step) + 1
            if windows > MAX_BLOC_WINDOWS:
                raise RealpolitikError(
                    f"step {step!r} over {span_days} days of events makes {windows} windows; at most "
                    f"{MAX_BLOC_WINDOWS} are computed per request: use a longer step"
                )
        assignments, summary = stability(frame, window=window, step=step, method=method)
        return {"windows": records(summary), "assignments": records(assignments)}

    return st.cached(("bloc_stability", window, step, method), compute)


# -- alignment -----------------------------------------------------------------------------------


def poles(a: str | None, b: str | None) -> Any:
    """relations' Poles from two comma-separated lists (defaults: relations' own default)."""
    from realpolitik.relations import Poles

    if a is None and b is None:
        try:
            return Poles.default()
        except (OSError, KeyError, ValueError):
            return Poles.parse(*DEFAULT_POLES)
    default = Poles.default()
    return Poles.parse(
        a if a is not None else ",".join(default.a), b if b is not None else ",".join(default.b)
    )


def alignment(
    st: ServerState,
    pole_a: str | None = None,
    pole_b: str | None = None,
    *,
    since: date | None = None,
    until: date | None = None,
    freq: str | None = None,
    weight: str = "count",
    min_events: int = 1,
) -> dict[str, Any]:
    p = poles(pole_a, pole_b)

    def compute() -> dict[str, Any]:
        from realpolitik.relations import alignment as align
        from realpolitik.relations import influence

        df = st.events_frame()
        table = align(df, p, freq=freq, weight=weight, min_events=min_events, **_bounds(since, until))
        infl = influence(df, p, **_bounds(since, until))
        return {
            "poles": {"a": list(p.a), "b": list(p.b), "name_a": p.name_a, "name_b": p.name_b},
            "states": records(table),
            "influence": records(infl),
        }

    return st.cached(("alignment", p, since, until, freq, weight, min_events), compute)


# -- shifts --------------------------------------------------------------------------------------


def shifts(
    st: ServerState,
    *,
    freq: str = "week",
    window: str = "90d",
    threshold: float = 2.0,
    metric: str = "goldstein",
    since: date | None = None,
    until: date | None = None,
    pair: tuple[str, str] | None = None,
    min_events: int | None = None,
    min_history: int | None = None,
) -> list[dict[str, Any]]:
    """Shift alerts; ``min_events``/``min_history`` left None keep relations' own defaults."""
    extra = {k: v for k, v in (("min_events", min_events), ("min_history", min_history)) if v is not None}

    def compute() -> list[dict[str, Any]]:
        from realpolitik.relations import shift_alerts

        table = shift_alerts(
            st.events_frame(),
            freq=freq,
            window=window,
            threshold=threshold,
            metric=metric,
            pair=pair,
            **extra,
            **_bounds(since, until),
        )
        return records(table)

    key = ("shifts", freq, window, threshold, metric, since, until, pair, min_events, min_history)
    return st.cached(key, compute)


# The overview's alerts: news coverage is sparse, so months against the past year, and a single
# event may alert when the dyad has a little history (relations' defaults suit dense feeds).
OVERVIEW_SHIFTS: dict[str, Any] = {
    "freq": "month",
    "window": "365d",
    "threshold": 2.0,
    "min_events": 1,
    "min_history": 2,
}


# -- related articles ----------------------------------------------------------------------------


def related(st: ServerState, article_id: str, k: int = 5) -> list[dict[str, Any]]:
    def compute() -> list[dict[str, Any]]:
        from realpolitik.relations import related_articles

        df = st.events_frame()
        with st.db() as store:
            arts = store.articles(ids=[r["id"] for r in store.articles(limit=None)])
        return records(related_articles(article_id, df, arts, k=k))

    return st.cached(("related", article_id, k), compute)


# -- exports -------------------------------------------------------------------------------------

EXPORTS: dict[str, tuple[str, ...]] = {
    "events": ("jsonl", "csv"),
    "gdelt": ("tsv",),
    "plover": ("jsonl",),
    "dyads": ("csv",),
    "network": ("gexf", "graphml", "json"),
    "alignment": ("csv",),
    "shifts": ("csv",),
    "gold": ("jsonl",),
}
MEDIA = {
    "jsonl": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
    "gexf": "application/xml",
    "graphml": "application/xml",
    "json": "application/json",
}


def _csv(rows: list[dict[str, Any]], columns: list[str] | None = None) -> bytes:
    import csv

    buf = io.StringIO()
    cols = columns or (list(rows[0]) if rows else [])
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(cols)
    for r in rows:
        w.writerow(
            [
                ";".join(str(x) for x in v) if isinstance(v, list) else ("" if v is None else v)
                for v in (r.get(c) for c in cols)
            ]
        )
    return buf.getvalue().encode("utf-8")


def _flat_event(e: Mapping[str, Any]) -> dict[str, Any]:
    """An event dict flattened as ``realpolitik extract --format csv`` does (``source.code``...)."""
    out: dict[str, Any] = {}
    for k, v in e.items():
        if isinstance(v, Mapping):
            for k2, v2 in v.items():
                out[f"{k}.{k2}"] = v2
        elif isinstance(v, list | tuple):
            out[k] = "-".join(str(x) for x in v)
        else:
            out[k] = v
    return out


def export(st: ServerState, name: str, fmt: str, **kw: Any) -> bytes:
    """The bytes of one download (``name`` in :data:`EXPORTS`, ``fmt`` one of its formats)."""
    if name == "events":
        with st.db() as store:
            rows = store.events(limit=None, **kw)
        if fmt == "jsonl":
            return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode("utf-8")
        flat = [_flat_event(r) for r in rows]
        cols = list(dict.fromkeys(c for r in flat for c in r))
        return _csv(flat, cols)
    if name == "gold":
        with st.db() as store:
            gold = store.gold_records()
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in gold).encode("utf-8")
    df = st.events_frame()
    if name == "gdelt":
        from realpolitik.relations.export import write_gdelt

        buf = io.StringIO()
        write_gdelt(df, buf, header=True)
        return buf.getvalue().encode("utf-8")
    if name == "plover":
        from realpolitik.relations.export import write_plover

        buf = io.StringIO()
        write_plover(df, buf)
        return buf.getvalue().encode("utf-8")
    if name == "dyads":
        from realpolitik.relations import all_dyads

        return _csv(records(all_dyads(df, freq=kw.get("freq", "month"))))
    if name == "network":
        return network_file(st, fmt)
    if name == "alignment":
        return _csv(alignment(st)["states"])
    if name == "shifts":
        return _csv(shifts(st))
    raise KeyError(name)  # pragma: no cover - the route checks the name first
