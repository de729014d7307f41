"""The flat events table every relations computation starts from, and the shared helpers
(actor matching, time windows, period frequencies).

Events arrive as dicts of the output contract (``Event.to_dict()``, plus ``article`` from
``Store.events``). They are flattened once into a pandas DataFrame so that every aggregate is a
vectorised group-by, and every figure can be traced back through ``event_id`` and ``doc_id``.
Negated events are kept in the frame (an analyst may want to see them) but :func:`asserted`
removes them, and every aggregate in this package calls it first: negated events never count.

The actor code and country columns, ``polarity`` and ``doc_id`` are pandas categoricals (see
:data:`CATEGORICAL_GROUPS`): a frame holds a million events but a few thousand distinct codes,
and matching an actor on integer category codes instead of hashing a million strings is most
of what makes a dyad series fast. Every function here also accepts a frame with plain object
columns and gives the same results; :func:`plain` turns a frame back into plain columns (with
``None`` for missing values) for code that reads it row by row.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from realpolitik.errors import InputError, RealpolitikError

# Column order of the events frame. Lists, not sets: the order is what users see in exports.
COLUMNS: list[str] = [
    "event_id",
    "doc_id",
    "sentence_index",
    "span_start",
    "span_end",
    "date",
    "date_basis",
    "source_text",
    "source_code",
    "source_country",
    "source_sector",
    "source_name",
    "target_text",
    "target_code",
    "target_country",
    "target_sector",
    "target_name",
    "cameo_code",
    "cameo_root",
    "cameo_name",
    "goldstein",
    "quad_class",
    "plover_event",
    "plover_mode",
    "polarity",
    "modality",
    "attribution",
    "confidence",
    "trigger",
    "sentence",
    "title",
    "publisher",
    "url",
]
_REQUIRED = ("event_id", "doc_id", "source", "cameo")

# Columns held as categoricals by events_frame. The two columns of a group share one dtype (the
# sorted union of their values), so a source can be compared with a target (domestic events are
# those where they are equal) without falling back to strings. Article ids repeat a few times
# each; with sorted categories their codes order them as the strings do, so the events of a dyad
# are put in order, and each period's articles listed, without comparing strings.
CATEGORICAL_GROUPS: tuple[tuple[str, ...], ...] = (
    ("source_code", "target_code"),
    ("source_country", "target_country"),
    ("polarity",),
    ("doc_id",),
)

COOPERATION_QUADS = (1, 2)  # verbal and material cooperation
CONFLICT_QUADS = (3, 4)  # verbal and material conflict


def _sub(row: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = row.get(key)
    return value if isinstance(value, Mapping) else {}


# The dates the analyses place in time. They compute with pandas timestamps (nanoseconds: years
# 1677 to 2262) and their windows and periods reach beyond the dates themselves, so an event dated
# outside this range (an article dated 0001-01-01, "in 1099" resolved by the date coder) counts as
# undated instead of making every analysis of the store fail.
DATE_MIN = date(1800, 1, 1)
DATE_MAX = date(2199, 12, 31)


def _placeable_date(value: Any) -> Any:
    """``value``, or None when it is an ISO date outside DATE_MIN..DATE_MAX (text that is not a
    date is left for the frame's own check to report)."""
    if value is None:
        return None
    try:
        day = value if isinstance(value, date) else date.fromisoformat(str(value)[:10])
    except ValueError:
        return value
    return value if DATE_MIN <= day <= DATE_MAX else None


def _flat(row: Mapping[str, Any], line: int, origin: str) -> dict[str, Any]:
    missing = [k for k in _REQUIRED if row.get(k) in (None, "")]
    if missing:
        raise InputError(origin, f"event lacks {', '.join(missing)}", line=line)
    src, tgt, cameo = _sub(row, "source"), _sub(row, "target"), _sub(row, "cameo")
    plover, article = _sub(row, "plover"), _sub(row, "article")
    if not src.get("code"):
        raise InputError(origin, "event source has no code", line=line)
    for key in ("goldstein", "quad_class", "code"):
        if cameo.get(key) is None:
            raise InputError(origin, f"event cameo lacks {key}", line=line)
    span = row.get("span") or (None, None)
    code = str(cameo["code"])
    return {
        "event_id": str(row["event_id"]),
        "doc_id": str(row["doc_id"]),
        "sentence_index": row.get("sentence_index"),
        "span_start": span[0] if len(span) > 0 else None,
        "span_end": span[1] if len(span) > 1 else None,
        "date": _placeable_date(row.get("date")),
        "date_basis": row.get("date_basis"),
        "source_text": src.get("text"),
        "source_code": str(src["code"]).upper(),
        "source_country": src.get("country"),
        "source_sector": src.get("sector"),
        "source_name": src.get("name"),
        "target_text": tgt.get("text"),
        "target_code": str(tgt["code"]).upper() if tgt.get("code") else None,
        "target_country": tgt.get("country"),
        "target_sector": tgt.get("sector"),
        "target_name": tgt.get("name"),
        "cameo_code": code,
        "cameo_root": str(cameo.get("root") or code[:2]),
        "cameo_name": cameo.get("name"),
        "goldstein": cameo["goldstein"],
        "quad_class": cameo["quad_class"],
        "plover_event": plover.get("event"),
        "plover_mode": plover.get("mode"),
        "polarity": row.get("polarity") or "asserted",
        "modality": row.get("modality") or "actual",
        "attribution": row.get("attribution"),
        "confidence": row.get("confidence"),
        "trigger": row.get("trigger"),
        "sentence": row.get("sentence"),
        "title": article.get("title"),
        "publisher": article.get("publisher"),
        "url": article.get("url"),
    }


def events_frame(rows: Iterable[Mapping[str, Any]], *, origin: str = "events") -> pd.DataFrame:
    """Flatten event dicts (output contract, optionally with ``article``) into one DataFrame.

    ``date`` becomes ``datetime64`` (NaT when unknown), ``goldstein``/``confidence`` float,
    ``quad_class`` int; the columns of :data:`CATEGORICAL_GROUPS` categoricals (NaN when
    unknown), the other text columns object columns (None when unknown). A malformed event
    raises :class:`InputError` naming ``origin`` and its 1-based position, rather than a
    KeyError deep inside pandas.
    """
    flat = []
    for i, row in enumerate(rows, 1):
        if not isinstance(row, Mapping):
            raise InputError(origin, f"event is a {type(row).__name__}, not an object", line=i)
        flat.append(_flat(row, i, origin))
    df = pd.DataFrame(flat, columns=COLUMNS)
    try:
        df["date"] = pd.to_datetime(df["date"], errors="raise", format="mixed").astype("datetime64[ns]")
        df["goldstein"] = pd.to_numeric(df["goldstein"], errors="raise").astype(float)
        df["quad_class"] = pd.to_numeric(df["quad_class"], errors="raise").astype(int)
        df["confidence"] = pd.to_numeric(df["confidence"], errors="coerce").astype(float)
    except (ValueError, TypeError) as e:
        raise InputError(origin, f"bad date or number in events: {e}") from None
    bad = ~df["quad_class"].isin([1, 2, 3, 4])
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        raise InputError(origin, f"quad_class must be 1 to 4, not {df['quad_class'].iloc[i - 1]}", line=i)
    for col in ("sentence_index", "span_start", "span_end"):
        df[col] = pd.to_numeric(df[col], errors="coerce").astype("Int64")
    for col in COLUMNS:
        if df[col].dtype == object or str(df[col].dtype).startswith("str"):
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    return categorize(df)


def is_categorical(s: pd.Series) -> bool:
    return isinstance(s.dtype, pd.CategoricalDtype)


def sorted_codes(s: pd.Series) -> np.ndarray | None:
    """The category codes of ``s`` when they order its values as the values themselves order
    (categories in increasing order, none missing), else None. pandas caches the check on the
    categories, so it costs once per frame."""
    if not is_categorical(s) or not s.cat.categories.is_monotonic_increasing:
        return None
    codes = s.cat.codes.to_numpy()
    return None if len(codes) and codes.min() < 0 else codes


def categorize(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with the columns of :data:`CATEGORICAL_GROUPS` as categoricals, each group sharing
    one dtype whose categories are its sorted distinct values (so their order is the strings'
    order). Columns already so, or absent, are left alone; a group whose values cannot be
    sorted (mixed types, which the output contract does not produce) stays plain."""
    out = df.copy(deep=False)
    for group in CATEGORICAL_GROUPS:
        cols = [c for c in group if c in out.columns]
        if not cols:
            continue
        if len(cols) > 1 and all(is_categorical(out[c]) for c in cols):
            if all(out[c].dtype == out[cols[0]].dtype for c in cols):
                continue
        elif len(cols) == 1 and is_categorical(out[cols[0]]):
            continue
        # One hashing pass over the group's columns end to end, then the distinct values sorted
        # and the codes renumbered in that order.
        values = np.concatenate([out[c].to_numpy(dtype=object) for c in cols])
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        if pd.api.types.infer_dtype(uniques, skipna=True) not in ("string", "empty"):
            continue
        codes, uniques = _sorted_codes(codes, uniques)
        dtype = pd.CategoricalDtype(pd.Index(uniques, dtype=object))
        for i, c in enumerate(cols):
            part = codes[i * len(out) : (i + 1) * len(out)]
            out[c] = pd.Series(pd.Categorical.from_codes(part, dtype=dtype), index=out.index)
    return out


def _sorted_codes(codes: np.ndarray, uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``codes`` renumbered so that the distinct values come in increasing order. Arrow sorts
    the strings (by their UTF-8 bytes, which is Python's order) several times faster than the
    sort of ``pd.factorize(sort=True)``, which compares Python strings (a million article ids,
    125,000 distinct: 26 against 84 ms)."""
    try:
        order = pc.sort_indices(pa.array(uniques, type=pa.string())).to_numpy()
    except (TypeError, ValueError, pa.ArrowException):  # e.g. a lone surrogate: Python's sort
        order = np.argsort(uniques, kind="stable")
    rank = np.empty(len(order), dtype=np.int64)
    rank[order] = np.arange(len(order))
    return np.where(codes >= 0, rank[codes], -1), uniques[order]


def plain(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` with its categorical columns as plain object columns holding ``None`` where a value
    is missing, as row-by-row readers (exports, ``to_dict``) expect: a missing categorical value
    reads as NaN, which is truthy and would print as ``nan``."""
    # By position: a caller may select one column twice (network nodes at the code level).
    cats = [i for i, dt in enumerate(df.dtypes) if isinstance(dt, pd.CategoricalDtype)]
    if not cats:
        return df
    out = df.copy(deep=False)
    for i in cats:
        s = out.iloc[:, i].astype(object)
        out.isetitem(i, s.where(s.notna(), None))
    return out


def equals_mask(s: pd.Series, value: Any) -> np.ndarray:
    """``s == value`` as a boolean array; on a categorical, one comparison of integer codes."""
    if is_categorical(s):
        cats = s.cat.categories
        if value not in cats:
            return np.zeros(len(s), dtype=bool)
        return s.cat.codes.to_numpy() == cats.get_loc(value)
    return np.asarray(s.to_numpy() == value, dtype=bool)


def asserted_mask(df: pd.DataFrame) -> pd.Series:
    """True for the events that count (not negated). Aggregates over a large frame combine this
    mask with their own before filtering, so the whole frame is copied once, not twice."""
    return pd.Series(~equals_mask(df["polarity"], "negated"), index=df.index)


def asserted(df: pd.DataFrame) -> pd.DataFrame:
    """The events that count: every aggregate drops negated events through this one function
    (or, to filter once, through :func:`asserted_mask`)."""
    return df[asserted_mask(df)]


def is_cooperation(df: pd.DataFrame) -> pd.Series:
    return df["quad_class"].isin(COOPERATION_QUADS)


def is_conflict(df: pd.DataFrame) -> pd.Series:
    return df["quad_class"].isin(CONFLICT_QUADS)


def normalise_actor(spec: str) -> str:
    s = spec.strip().upper()
    if not s or not s.isalnum():
        raise RealpolitikError(f"{spec!r} is not an actor code (letters and digits, e.g. CHN or USAGOV)")
    return s


def match_actor(df: pd.DataFrame, spec: str, side: str) -> pd.Series:
    """Rows whose ``side`` (``source``/``target``) is the actor ``spec``.

    A three-letter spec is a country (or a CAMEO group such as ``IGO``): it matches the ISO
    country of the actor and any code it prefixes, so ``CHN`` covers ``CHNGOV``, ``CHNMIL`` and
    Chinese leaders. A longer spec (``USAGOV``) matches codes it prefixes (``USAGOVDIP``).
    """
    return match_actors(df, [spec], side)[normalise_actor(spec)]


def _factorised(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes (-1 = missing) and the distinct values they index."""
    if is_categorical(s):
        return s.cat.codes.to_numpy(), np.asarray(s.cat.categories, dtype=object)
    return pd.factorize(s.to_numpy(), use_na_sentinel=True)


def match_actors(
    df: pd.DataFrame, specs: Iterable[str], side: str, rows: np.ndarray | None = None
) -> dict[str, pd.Series]:
    """:func:`match_actor` for several specs at once (keyed by the normalised spec).

    Each distinct code is tested once and the result mapped back: a frame holds a million
    events but a few thousand codes, and per-row string methods were most of the time of a
    dyad series. On categorical columns the distinct codes are the categories; plain columns
    are factorised once for all the specs. ``rows`` (a boolean array) restricts the matching
    to those rows (False elsewhere): plain columns are then hashed on those rows only."""
    norm = [normalise_actor(s) for s in specs]
    code, country = df[f"{side}_code"], df[f"{side}_country"]
    subset = rows is not None and not (is_categorical(code) and is_categorical(country))
    if subset:
        code, country = code[rows], country[rows]
    index, uniques = _factorised(code)
    # One bit per spec (eight specs a byte) in a table over the distinct codes, with a trailing 0
    # that the sentinel -1 (a missing code) picks: one gather through the rows serves 8 specs.
    out: dict[str, pd.Series] = {}
    for first in range(0, len(norm), 8):
        chunk = norm[first : first + 8]
        table = np.zeros(len(uniques) + 1, dtype=np.uint8)
        for i, s in enumerate(chunk):
            hit = [isinstance(u, str) and u.startswith(s) for u in uniques] + [False]
            table[np.array(hit, dtype=bool)] |= np.uint8(1 << i)
        bits = table[index]
        for i, s in enumerate(chunk):
            mask = (bits & np.uint8(1 << i)) != 0
            if len(s) == 3:
                mask = mask | equals_mask(country, s)
            if subset:
                full = np.zeros(len(df), dtype=bool)
                full[rows] = mask
                mask = full
            elif rows is not None:
                mask = mask & rows
            out[s] = pd.Series(mask, index=df.index)
    return out


def match_any(df: pd.DataFrame, specs: Iterable[str], side: str) -> pd.Series:
    mask = pd.Series(False, index=df.index)
    for s in specs:
        mask = mask | match_actor(df, s, side)
    return mask


_WINDOW = re.compile(r"^\s*(\d+)\s*([dwmy])\s*$", re.IGNORECASE)


def parse_window(text: str) -> pd.DateOffset:
    """``90d``, ``12w``, ``6m``, ``1y`` -> a calendar offset. Raises RealpolitikError otherwise."""
    m = _WINDOW.match(str(text))
    if not m or int(m.group(1)) <= 0:
        raise RealpolitikError(f"{text!r} is not a window: use a number and d, w, m or y (e.g. 90d)")
    n, unit = int(m.group(1)), m.group(2).lower()
    return {
        "d": pd.DateOffset(days=n),
        "w": pd.DateOffset(weeks=n),
        "m": pd.DateOffset(months=n),
        "y": pd.DateOffset(years=n),
    }[unit]


def window_days(text: str) -> int:
    """Approximate length of a window in days (months are 30 days, years 365)."""
    m = _WINDOW.match(str(text))
    if not m:
        parse_window(text)  # raises with the message
    n, unit = int(m.group(1)), m.group(2).lower()  # type: ignore[union-attr]
    return n * {"d": 1, "w": 7, "m": 30, "y": 365}[unit]


# Period frequencies: user word -> pandas Period alias. Weeks run Monday to Sunday.
FREQS: dict[str, str] = {"day": "D", "week": "W-SUN", "month": "M", "year": "Y"}
_FREQ_ALIASES = {
    "d": "day",
    "w": "week",
    "m": "month",
    "y": "year",
    "daily": "day",
    "weekly": "week",
    "monthly": "month",
    "yearly": "year",
    "days": "day",
    "weeks": "week",
    "months": "month",
}
FREQ_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}


def normalise_freq(freq: str) -> str:
    f = str(freq).strip().lower()
    f = _FREQ_ALIASES.get(f, f)
    if f not in FREQS:
        raise RealpolitikError(f"{freq!r} is not a frequency: use day, week, month or year")
    return f


def period_start(dates: pd.Series, freq: str) -> pd.Series:
    """The first day of the period (day, Monday-starting week, month, year) of each date."""
    alias = FREQS[normalise_freq(freq)]
    return dates.dt.to_period(alias).dt.start_time.astype("datetime64[ns]")


def period_range(start: pd.Timestamp, end: pd.Timestamp, freq: str) -> pd.DatetimeIndex:
    alias = FREQS[normalise_freq(freq)]
    return pd.period_range(start, end, freq=alias).start_time.astype("datetime64[ns]")


def to_timestamp(value: date | datetime | str | None) -> pd.Timestamp | None:
    if value is None:
        return None
    try:
        return pd.Timestamp(value).normalize()
    except (ValueError, TypeError):
        raise RealpolitikError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def time_slice(
    df: pd.DataFrame,
    since: date | datetime | str | None = None,
    until: date | datetime | str | None = None,
    window: str | None = None,
    *,
    keep: pd.Series | None = None,
) -> tuple[pd.DataFrame, pd.Timestamp | None, pd.Timestamp | None]:
    """Events inside [since, until] (inclusive); with ``window`` the window ends at ``until`` (or
    the last dated event) and ``since`` is ignored. Any time bound drops undated events, which
    cannot be placed in time. ``keep`` (a boolean mask, e.g. :func:`asserted_mask`) restricts the
    events first, in the same single filtering pass. Returns the slice and the bounds used."""
    start, end = to_timestamp(since), to_timestamp(until)
    if window is not None:
        offset = parse_window(window)
        if end is None:
            last = (df["date"] if keep is None else df.loc[keep, "date"]).max()
            end = None if pd.isna(last) else pd.Timestamp(last).normalize()
        if end is None:
            return df.iloc[0:0], None, None
        start = end - offset + pd.Timedelta(days=1)
    if start is None and end is None:
        return (df, None, None) if keep is None else (df[keep], None, None)
    mask = df["date"].notna()
    if keep is not None:
        mask &= keep
    if start is not None:
        mask &= df["date"] >= start
    if end is not None:
        mask &= df["date"] <= end
    return df[mask], start, end


def country_pairs(df: pd.DataFrame, level: str = "country") -> pd.DataFrame:
    """Events between two different actors at ``level`` (``country``: ISO3 of both sides;
    ``code``: full actor codes), with columns ``a``/``b`` for the source/target node and
    ``lo``/``hi`` for the undirected pair. Domestic events (same node both sides) are dropped."""
    if level not in ("country", "code"):
        raise RealpolitikError(f"{level!r} is not a level: use country or code")
    src, tgt = f"source_{level}", f"target_{level}"
    d = df[_between(df[src], df[tgt])].copy()
    d["a"] = d[src].astype(str)
    d["b"] = d[tgt].astype(str)
    swap = d["a"] > d["b"]
    d["lo"] = d["a"].where(~swap, d["b"])
    d["hi"] = d["b"].where(~swap, d["a"])
    return d


def _between(src: pd.Series, tgt: pd.Series) -> pd.Series:
    """Both sides known and different. Categoricals of one dtype compare by their codes; any
    other mix (categories that differ, one side plain) compares the values themselves."""
    if is_categorical(src) and is_categorical(tgt) and src.dtype == tgt.dtype:
        s, t = src.cat.codes.to_numpy(), tgt.cat.codes.to_numpy()
        return pd.Series((s >= 0) & (t >= 0) & (s != t), index=src.index)
    s, t = src.to_numpy(dtype=object), tgt.to_numpy(dtype=object)
    return pd.Series(pd.notna(s) & pd.notna(t) & (s != t), index=src.index)
