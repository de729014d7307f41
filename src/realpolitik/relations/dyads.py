"""Dyads over time: what two actors did to each other per day, week or month.

Each row carries the ids of the events and articles it adds up, so every figure can be traced
back to its evidence (:func:`dyad_events` lists them in full).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from realpolitik.relations.frame import (
    asserted,
    asserted_mask,
    match_actors,
    normalise_actor,
    normalise_freq,
    period_range,
    period_start,
    sorted_codes,
    time_slice,
    to_timestamp,
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
    # large frame, and matching plain columns costs in proportion to the rows.
    sa, sb = src[a].to_numpy(), src[b].to_numpy()  # numpy: pandas' operators add a copy each
    tgt = match_actors(df, [a, b], "target", rows=sa | sb)
    ab = sa & tgt[b].to_numpy()
    ba = sb & tgt[a].to_numpy()
    if directed:
        return {f"{a}->{b}": pd.Series(ab, index=df.index), f"{b}->{a}": pd.Series(ba, index=df.index)}
    return {f"{a}<->{b}": pd.Series(ab | ba, index=df.index)}


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


def _dyad_rows(
    df: pd.DataFrame,
    a: str,
    b: str,
    *,
    directed: bool,
    since: date | str | None,
    until: date | str | None,
) -> pd.DataFrame:
    a, b = normalise_actor(a), normalise_actor(b)
    # Match the actors on the whole frame and filter once: copying a million-row frame (as
    # asserted() then a time slice would, twice) cost more than all the rest together.
    counted = asserted_mask(df).to_numpy()
    parts = []
    for name, mask in _direction_masks(df, a, b, directed).items():
        # Take the dyad's rows first (a few percent of the frame), then slice them in time.
        part = df.take(np.flatnonzero(counted & mask.to_numpy()))
        part, _, _ = time_slice(part, since, until)  # a new frame already: no copy needed
        part.insert(0, "direction", name)
        parts.append(part)
    out = pd.concat(parts, ignore_index=True) if parts else df.iloc[0:0]
    return _chronological(out)


def _chronological(ev: pd.DataFrame) -> pd.DataFrame:
    """Rows by date, article and sentence (missing values last), stably: as ``sort_values`` on
    the three columns, through :func:`_event_order`."""
    order = _event_order(ev["date"], ev["doc_id"], ev["sentence_index"])
    return ev.take(order).reset_index(drop=True)


def _event_order(
    dates: pd.Series, docs: pd.Series, sentences: pd.Series, lead: np.ndarray | None = None
) -> np.ndarray:
    """The stable order of events by ``lead`` (integers, when given), date, article id and
    sentence index, missing dates and sentences last: the order of ``sort_values`` on them.

    ``sort_values`` ranks the article ids by building an ordered categorical each time, which
    took twice as long as the Arrow sort below (34 against 18 ms for the 57,000 events of a
    large dyad). Article ids that are a categorical with sorted categories (as events_frame
    makes them) are ranked by their codes, and the sort is all integers (``np.lexsort``); text
    ids go to one Arrow sort, which compares strings by their UTF-8 bytes, the order Python
    gives them; anything else (a missing article id) to ``sort_values``."""
    try:
        day = dates.to_numpy(dtype="datetime64[ns]")
        when = day.view("i8").copy()
        when[np.isnat(day)] = np.iinfo(np.int64).max  # missing dates last
        sentence = sentences.to_numpy(dtype="float64", na_value=np.inf)
        ranks = sorted_codes(docs)
        if ranks is not None:
            keys = (sentence, ranks, when) if lead is None else (sentence, ranks, when, lead)
            return np.lexsort(keys)  # the last key is the first sorted on
        doc = docs.to_numpy(dtype=object)
        if pd.api.types.infer_dtype(doc, skipna=False) == "string":
            columns = {"when": when, "doc": pa.array(doc, type=pa.string()), "sentence": sentence}
            if lead is not None:
                columns = {"lead": lead, **columns}
            keys = [(name, "ascending") for name in columns]
            return pc.sort_indices(pa.table(columns), sort_keys=keys).to_numpy()
    except (TypeError, ValueError, pa.ArrowException):
        pass
    # The columns as they are (their own dtypes decide the order), on positions 0..n-1.
    frame = pd.DataFrame(
        {
            "date": dates.reset_index(drop=True),
            "doc_id": docs.reset_index(drop=True),
            "sentence_index": sentences.reset_index(drop=True),
        }
    )
    if lead is not None:
        frame.insert(0, "lead", lead)
    return frame.sort_values(list(frame.columns), na_position="last", kind="stable").index.to_numpy()


def _aggregate(events: pd.DataFrame) -> pd.DataFrame:
    """Per (direction, period): the dyad figures. ``events`` needs ``direction`` and ``period``.

    The groups are numbered once, in the sorted order of (direction, period) as a sorted
    group-by would list them, and everything is computed from that integer: sums and means by
    pandas' grouped reductions (the same compensated sums as a group-by on the two columns),
    id lists by one stable sort and a split, QuadClass counts by ``bincount``. A group-by on the
    string and date columns with a Python function per group, and a crosstab, took twice as
    long on a large dyad (46 against 24 ms for 57,000 events)."""
    dcode, directions = pd.factorize(events["direction"], sort=True)
    pcode, periods = pd.factorize(events["period"], sort=True)
    keep = (dcode >= 0) & (pcode >= 0)  # rows with a missing key belong to no group
    pair_code = dcode[keep].astype(np.int64) * max(len(periods), 1) + pcode[keep]
    group, pairs = pd.factorize(pair_code, sort=True)
    n = len(pairs)
    gold = pd.Series(events["goldstein"].to_numpy()[keep]).groupby(group, sort=True)
    out = pd.DataFrame(
        {
            "direction": directions.take(pairs // max(len(periods), 1)),
            "period": periods.take(pairs % max(len(periods), 1)),
            "events": np.bincount(group, minlength=n).astype(np.int64),
            "goldstein_sum": gold.sum().to_numpy(),
            "goldstein_mean": gold.mean().to_numpy(),
        }
    )
    order = np.argsort(group, kind="stable")  # stable: ids keep the order of the rows
    cuts = np.flatnonzero(np.diff(group[order])) + 1
    ids = np.split(events["event_id"].to_numpy(dtype=object)[keep][order], cuts) if n else []
    docs = np.split(events["doc_id"].to_numpy(dtype=object)[keep][order], cuts) if n else []
    out["event_ids"] = [x.tolist() for x in ids]
    # Python's set and sort: ranking the article ids in numpy or Arrow first was slower, as
    # hashing the strings again cost more than these small per-group sorts.
    out["doc_ids"] = [sorted(set(x)) for x in docs]
    return _with_quad_counts(out, group, events["quad_class"].to_numpy()[keep])


def _with_quad_counts(out: pd.DataFrame, group: np.ndarray, quad: np.ndarray) -> pd.DataFrame:
    """``out`` (one row per group number) with the events of each QuadClass, cooperation (1-2)
    and conflict (3-4) counted from each event's group number and QuadClass."""
    for q in (1, 2, 3, 4):
        out[f"q{q}"] = np.bincount(group[quad == q], minlength=len(out)).astype(int)
    out["cooperation"] = out["q1"] + out["q2"]
    out["conflict"] = out["q3"] + out["q4"]
    return out


def _series_table(
    df: pd.DataFrame,
    masks: dict[str, pd.Series],
    freq: str,
    since: date | str | None,
    until: date | str | None,
) -> tuple[pd.DataFrame, pd.Timestamp | None, pd.Timestamp | None]:
    """The rows of :func:`dyad_series` for the periods with events (as :func:`_aggregate` would
    give them from the dyad's events in date order), and the first and last event dates.

    Works on arrays of the dyad's rows rather than on a frame of them: one sort by (direction,
    date, article, sentence) puts every (direction, period) group together and its events in
    date order, so the groups are runs of rows and need no group-by on strings and dates. The
    sums are pandas' grouped reductions over the rows in that same order, hence the same
    compensated sums as :func:`_aggregate` gives."""
    counted = asserted_mask(df).to_numpy() & df["date"].notna().to_numpy()
    picks = [np.flatnonzero(counted & mask.to_numpy()) for mask in masks.values()]
    rows = np.concatenate(picks) if picks else np.zeros(0, dtype=np.int64)
    side = np.repeat(np.arange(len(picks)), [len(x) for x in picks])
    dates = df["date"].take(rows)
    start, end = to_timestamp(since), to_timestamp(until)
    inside = np.ones(len(rows), dtype=bool)
    if start is not None:
        inside &= (dates >= start).to_numpy()
    if end is not None:
        inside &= (dates <= end).to_numpy()
    rows, side, dates = rows[inside], side[inside], dates[inside]
    if len(rows) == 0:
        return pd.DataFrame(columns=DYAD_COLUMNS), None, None
    # Directions are listed in sorted order, as a sorted group-by lists them.
    names = sorted(masks)
    rank = np.array([names.index(n) for n in masks])[side]
    order = _event_order(dates, df["doc_id"].take(rows), df["sentence_index"].take(rows), lead=rank)
    rows, rank, dates = rows[order], rank[order], dates.take(order)
    period = period_start(dates, freq).to_numpy()
    new = np.ones(len(rows), dtype=bool)
    new[1:] = (rank[1:] != rank[:-1]) | (period[1:] != period[:-1])
    starts = np.flatnonzero(new)
    group = np.cumsum(new) - 1
    gold = pd.Series(df["goldstein"].to_numpy()[rows]).groupby(group, sort=True)
    out = pd.DataFrame(
        {
            "direction": pd.Series([names[k] for k in rank[starts]], dtype="str"),
            "period": period[starts],
            "events": np.diff(np.append(starts, len(rows))).astype(np.int64),
            "goldstein_sum": gold.sum().to_numpy(),
            "goldstein_mean": gold.mean().to_numpy(),
        }
    )
    cuts = starts[1:]
    out["event_ids"] = [x.tolist() for x in np.split(df["event_id"].take(rows).to_numpy(dtype=object), cuts)]
    out["doc_ids"] = _articles_per_group(df["doc_id"].take(rows), group, cuts)
    return _with_quad_counts(out, group, df["quad_class"].to_numpy()[rows]), dates.min(), dates.max()


def _articles_per_group(docs: pd.Series, group: np.ndarray, cuts: np.ndarray) -> list[list[Any]]:
    """``sorted(set(...))`` of the article ids of each group, ``group`` being each row's group
    number in increasing order and ``cuts`` where the groups start. With ordered codes, the
    distinct (group, code) pairs in increasing order are each group's articles in order."""
    ranks = sorted_codes(docs)
    if ranks is None:
        return [sorted(set(x)) for x in np.split(docs.to_numpy(dtype=object), cuts)]
    width = max(len(docs.cat.categories), 1)
    # Sort and drop repeats: np.unique hashes first and was ten times slower on these keys.
    pairs = np.sort(group.astype(np.int64) * width + ranks)
    pairs = pairs[np.append(True, pairs[1:] != pairs[:-1])]
    names = np.asarray(docs.cat.categories, dtype=object)[pairs % width]
    starts = np.flatnonzero(np.diff(pairs // width)) + 1
    return [x.tolist() for x in np.split(names, starts)]


def _filled(out: pd.DataFrame, directions: list[str], periods: pd.DatetimeIndex) -> pd.DataFrame:
    """Every (direction, period) of the product, directions first: the rows of ``out`` where it
    has them, zero events (no mean, empty id lists) elsewhere. Rows of ``out`` outside the
    periods are dropped. Placed by position in numpy arrays: a reindex on a (direction, period)
    MultiIndex took a sixth of the time of a dyad series."""
    n_per = len(periods)
    where = np.array([directions.index(d) for d in out["direction"]], dtype=np.int64) * n_per
    at = periods.get_indexer(pd.DatetimeIndex(out["period"]))
    keep = at >= 0
    where = (where + at)[keep]
    size = len(directions) * n_per
    full = pd.DataFrame(
        {
            "direction": pd.Series(np.repeat(np.array(directions, dtype=object), n_per), dtype="str"),
            "period": np.tile(periods.to_numpy(), len(directions)),
        }
    )
    counts = ("events", "q1", "q2", "q3", "q4", "cooperation", "conflict")
    for col, empty in [*((c, 0) for c in counts), ("goldstein_sum", 0.0), ("goldstein_mean", np.nan)]:
        values = np.full(size, empty, dtype=np.int64 if col in counts else float)
        values[where] = out[col].to_numpy()[keep]
        full[col] = values
    for col in ("event_ids", "doc_ids"):
        lists: list[list[Any]] = [[] for _ in range(size)]
        for i, v in zip(where.tolist(), out[col].to_numpy()[keep].tolist(), strict=True):
            lists[i] = v
        full[col] = lists
    return full


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
    masks = _direction_masks(df, a, b, directed)
    directions = list(masks)
    out, first, last = _series_table(df, masks, f, since, until)
    if fill:
        lo = pd.Timestamp(since) if since is not None else first
        hi = pd.Timestamp(until) if until is not None else last
        if lo is not None and hi is not None and lo <= hi:
            out = _filled(out, directions, period_range(lo, hi, f))
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
