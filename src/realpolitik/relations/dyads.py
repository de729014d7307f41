"""Dyads over time: what two actors did to each other per day, week or month.

Each row carries the ids of the events and articles it adds up, so every figure can be traced
back to its evidence (:func:`dyad_events` lists them in full).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from realpolitik.relations.frame import (
    asserted,
    asserted_mask,
    match_actors,
    normalise_actor,
    normalise_freq,
    period_range,
    period_start,
    time_slice,
)

DYAD_COLUMNS = [
    "period",
    "direction",
    "events",
    "goldstein_sum",
    "goldstein_mean",
    "q1",
    "q2",
    "q3",
    "q4",
    "cooperation",
    "conflict",
    "event_ids",
    "doc_ids",
]


def _direction_masks(df: pd.DataFrame, a: str, b: str, directed: bool) -> dict[str, pd.Series]:
    a, b = normalise_actor(a), normalise_actor(b)
    src = match_actors(df, [a, b], "source")
    # The target side is only looked at where the source is one of the two: a fraction of a
    # large frame, and matching costs in proportion to the rows.
    cand = (src[a] | src[b]).to_numpy()
    sub = match_actors(df.loc[cand, ["target_code", "target_country"]], [a, b], "target")
    tgt = {}
    for key, part in sub.items():
        full = np.zeros(len(df), dtype=bool)
        full[cand] = part.to_numpy()
        tgt[key] = pd.Series(full, index=df.index)
    ab = src[a] & tgt[b]
    ba = src[b] & tgt[a]
    if directed:
        return {f"{a}->{b}": ab, f"{b}->{a}": ba}
    return {f"{a}<->{b}": ab | ba}


def dyad_events(
    df: pd.DataFrame,
    a: str,
    b: str,
    *,
    directed: bool = False,
    since: date | str | None = None,
    until: date | str | None = None,
) -> pd.DataFrame:
    """The asserted events between ``a`` and ``b`` (a to b only when ``directed``), with a
    ``direction`` column; the evidence behind :func:`dyad_series`. Undated events are included
    unless a date bound is given."""
    return _dyad_rows(df, a, b, directed=directed, since=since, until=until)


# The columns dyad_series needs: a series reads these only, not the whole events of the dyad.
_SERIES_COLUMNS = ["event_id", "doc_id", "sentence_index", "date", "goldstein", "quad_class"]


def _dyad_rows(
    df: pd.DataFrame,
    a: str,
    b: str,
    *,
    directed: bool,
    since: date | str | None,
    until: date | str | None,
    columns: list[str] | None = None,
) -> pd.DataFrame:
    a, b = normalise_actor(a), normalise_actor(b)
    # Match the actors on the whole frame and filter once: copying a million-row frame (as
    # asserted() then a time slice would, twice) cost more than all the rest together.
    counted = asserted_mask(df)
    source = df if columns is None else df[columns]
    parts = []
    for name, mask in _direction_masks(df, a, b, directed).items():
        part, _, _ = time_slice(source, since, until, keep=counted & mask)
        part = part.copy()
        part.insert(0, "direction", name)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if parts else source.iloc[0:0]
    return out.sort_values(
        ["date", "doc_id", "sentence_index"], na_position="last", kind="stable"
    ).reset_index(drop=True)


def _aggregate(events: pd.DataFrame) -> pd.DataFrame:
    """Per (direction, period): the dyad figures. ``events`` needs ``direction`` and ``period``."""
    keys = ["direction", "period"]
    g = events.groupby(keys, sort=True)
    out = g.agg(
        events=("event_id", "size"),
        goldstein_sum=("goldstein", "sum"),
        goldstein_mean=("goldstein", "mean"),
        event_ids=("event_id", list),
        doc_ids=("doc_id", lambda s: sorted(set(s))),
    )
    quads = pd.crosstab([events["direction"], events["period"]], events["quad_class"])
    for q in (1, 2, 3, 4):
        out[f"q{q}"] = quads[q] if q in quads.columns else 0
    out = out.reset_index()
    for q in (1, 2, 3, 4):
        out[f"q{q}"] = out[f"q{q}"].fillna(0).astype(int)
    out["cooperation"] = out["q1"] + out["q2"]
    out["conflict"] = out["q3"] + out["q4"]
    return out


def dyad_series(
    df: pd.DataFrame,
    a: str,
    b: str,
    *,
    freq: str = "month",
    directed: bool = False,
    since: date | str | None = None,
    until: date | str | None = None,
    fill: bool = True,
) -> pd.DataFrame:
    """Event counts, Goldstein sum and mean, and counts by QuadClass per period for a dyad.

    ``a``/``b`` are countries (``CHN``) or finer codes (``USAGOV``), see
    :func:`~realpolitik.relations.frame.match_actor`. Without ``directed`` both directions are
    added up (direction ``"A<->B"``); with it there is one row per direction and period
    (``"A->B"``, ``"B->A"``). ``period`` is the first day of the day/week (Monday)/month.
    With ``fill`` every period between the bounds (or the first and last event) appears, with
    zeros where nothing happened, so the rows form a regular time series. Negated and undated
    events never count. Columns: :data:`DYAD_COLUMNS`.
    """
    f = normalise_freq(freq)
    a, b = normalise_actor(a), normalise_actor(b)
    ev = _dyad_rows(df, a, b, directed=directed, since=since, until=until, columns=_SERIES_COLUMNS)
    ev = ev[ev["date"].notna()].copy()
    ev["period"] = period_start(ev["date"], f)
    directions = list(_direction_masks(df.iloc[0:0], a, b, directed))
    out = _aggregate(ev) if len(ev) else pd.DataFrame(columns=DYAD_COLUMNS)
    if fill:
        lo = pd.Timestamp(since) if since is not None else (ev["date"].min() if len(ev) else None)
        hi = pd.Timestamp(until) if until is not None else (ev["date"].max() if len(ev) else None)
        if lo is not None and hi is not None and lo <= hi:
            periods = period_range(lo, hi, f)
            full = pd.MultiIndex.from_product([directions, periods], names=["direction", "period"])
            out = out.set_index(["direction", "period"]).reindex(full).reset_index()
            for col in ("events", "q1", "q2", "q3", "q4", "cooperation", "conflict"):
                out[col] = out[col].fillna(0).astype(int)
            out["goldstein_sum"] = out["goldstein_sum"].fillna(0.0).astype(float)
            out["goldstein_mean"] = out["goldstein_mean"].astype(float)
            for col in ("event_ids", "doc_ids"):
                out[col] = [v if isinstance(v, list) else [] for v in out[col]]
    out = out[DYAD_COLUMNS].sort_values(["period", "direction"], kind="stable").reset_index(drop=True)
    out["goldstein_sum"] = out["goldstein_sum"].astype(float).round(6)
    out["goldstein_mean"] = out["goldstein_mean"].astype(float).round(6)
    return out


def all_dyads(df: pd.DataFrame, *, freq: str = "month", level: str = "country") -> pd.DataFrame:
    """Every undirected pair of different countries (or codes) per period: the dyad table
    exported to Parquet. Columns: ``a``, ``b`` (a < b), then :data:`DYAD_COLUMNS` minus
    ``direction``. Undated events are left out."""
    from realpolitik.relations.frame import country_pairs

    d = country_pairs(asserted(df), level)
    d = d[d["date"].notna()].copy()
    if d.empty:
        return pd.DataFrame(columns=["a", "b", *[c for c in DYAD_COLUMNS if c != "direction"]])
    d["period"] = period_start(d["date"], normalise_freq(freq))
    d["direction"] = d["lo"] + "<->" + d["hi"]
    out = _aggregate(d)
    pair = out["direction"].str.split("<->", regex=False)
    out.insert(0, "b", pair.str[1])
    out.insert(0, "a", pair.str[0])
    return out.drop(columns="direction")[["a", "b", *[c for c in DYAD_COLUMNS if c != "direction"]]]
