"""Speed of the relations stage on one million generated events.

Targets (issue "relations"): a dyad series in under 200 ms and a 90-day network in under 2 s.

The events are generated directly as a DataFrame in the shape :func:`events_frame` produces
(same columns and dtypes), so what is timed is the relations computation, not the flattening of
a million dicts nor the store. Actors are drawn from ~60 countries with a skewed (Zipf-like)
popularity, so the big dyads (USA-CHN...) are large as in real news; each actor is a country or
one of its sectors (``CHNGOV``, ``USAMIL``...), dates span 2012-2020, QuadClass and Goldstein
follow a plausible mix, 3 % of events are negated and 2 % undated.

Usage: ``python benchmarks/relations_speed.py [--n 1000000] [--repeat 5] [--seed 0]``; prints a
Markdown table (median and best wall time and median CPU time of ``--repeat`` runs after one
warm-up) and exits 1 when a target is missed (on the median wall time).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from realpolitik.relations import build_network, dyad_series
from realpolitik.relations.frame import COLUMNS

# ISO3 codes of the generated states; the first ones are drawn most often (Zipf-like weights).
COUNTRIES = (
    "USA CHN RUS IRN GBR FRA DEU ISR SYR TUR PRK KOR JPN IND PAK AFG IRQ SAU UKR EGY "
    "VEN MEX CAN AUS BRA ITA ESP POL NLD BEL SWE NOR QAT ARE YEM LBY NGA ZAF ETH KEN "
    "IDN PHL VNM THA MMR BGD LKA NPL KAZ BLR GEO ARM AZE CUB COL ARG CHL PER GRC SRB"
).split()
SECTORS = ("", "", "GOV", "MIL", "GOV", "BUS", "MED", "OPP")  # "" = the country itself
# (cameo root, quad class, goldstein) for a handful of representative codes.
CODES = (
    ("010", 1, 0.0),
    ("020", 1, 3.0),
    ("036", 1, 4.0),
    ("042", 1, 1.9),
    ("051", 1, 3.4),
    ("061", 2, 6.4),
    ("071", 2, 7.4),
    ("111", 3, -2.0),
    ("112", 3, -2.0),
    ("130", 3, -4.4),
    ("163", 4, -8.0),
    ("190", 4, -10.0),
)
CODE_P = np.array([0.18, 0.10, 0.10, 0.10, 0.06, 0.05, 0.03, 0.13, 0.10, 0.07, 0.05, 0.03])


def generate(n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` synthetic events with the columns and dtypes of :func:`events_frame`."""
    rng = np.random.default_rng(seed)
    countries = np.array(COUNTRIES)
    w = 1.0 / np.arange(1, len(countries) + 1) ** 1.1
    w /= w.sum()
    src_i = rng.choice(len(countries), size=n, p=w)
    tgt_i = rng.choice(len(countries), size=n, p=w)
    # Some events are domestic (same country both sides), as in real news.
    src_c = countries[src_i]
    tgt_c = countries[tgt_i]
    sectors = np.array(SECTORS)
    src_code = np.char.add(src_c, sectors[rng.integers(0, len(sectors), n)])
    tgt_code = np.char.add(tgt_c, sectors[rng.integers(0, len(sectors), n)])
    code_i = rng.choice(len(CODES), size=n, p=CODE_P / CODE_P.sum())
    cameo = np.array([c[0] for c in CODES])[code_i]
    quad = np.array([c[1] for c in CODES])[code_i]
    gold = np.array([c[2] for c in CODES], dtype=float)[code_i]
    start = np.datetime64("2012-01-01")
    days = rng.integers(0, 9 * 365, n)
    dates = (start + days.astype("timedelta64[D]")).astype("datetime64[ns]")
    dates = pd.Series(dates)
    dates[rng.random(n) < 0.02] = pd.NaT
    doc = rng.integers(0, n // 8 + 1, n)
    ids = np.arange(n)
    df = pd.DataFrame(
        {
            "event_id": pd.Series(ids).map("e{:07d}".format).astype(object),
            "doc_id": pd.Series(doc).map("d{:07d}".format).astype(object),
            "sentence_index": pd.array(rng.integers(0, 30, n), dtype="Int64"),
            "span_start": pd.array(rng.integers(0, 200, n), dtype="Int64"),
            "span_end": pd.array(rng.integers(200, 400, n), dtype="Int64"),
            "date": dates.astype("datetime64[ns]"),
            "date_basis": "article",
            "source_text": src_c.astype(object),
            "source_code": src_code.astype(object),
            "source_country": src_c.astype(object),
            "source_sector": None,
            "source_name": src_c.astype(object),
            "target_text": tgt_c.astype(object),
            "target_code": tgt_code.astype(object),
            "target_country": tgt_c.astype(object),
            "target_sector": None,
            "target_name": tgt_c.astype(object),
            "cameo_code": cameo.astype(object),
            "cameo_root": np.char.ljust(np.char.rstrip(cameo, "0"), 2, "0").astype(object),
            "cameo_name": None,
            "goldstein": gold.astype(float),
            "quad_class": quad.astype(int),
            "plover_event": None,
            "plover_mode": None,
            "polarity": np.where(rng.random(n) < 0.03, "negated", "asserted").astype(object),
            "modality": "actual",
            "attribution": None,
            "confidence": rng.random(n).astype(float),
            "trigger": None,
            "sentence": None,
            "title": None,
            "publisher": None,
            "url": None,
        }
    )
    df = df[COLUMNS]
    # As events_frame does: text columns are plain object columns with None for missing (pandas 3
    # would otherwise infer its Arrow-backed ``str`` dtype, which events_frame never produces).
    for col in COLUMNS:
        if df[col].dtype == object or str(df[col].dtype).startswith("str"):
            df[col] = df[col].astype(object).where(df[col].notna(), None)
    return df


def timeit(fn: Callable[[], Any], repeat: int) -> tuple[float, float, float, Any]:
    """Median wall time, best wall time and median CPU time (seconds) of ``repeat`` runs after
    one warm-up run. CPU time (this process) is reported because on a shared, loaded machine the
    wall time measures the neighbours as much as the code."""
    result = fn()
    walls, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return statistics.median(walls), min(walls), statistics.median(cpus), result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="events to generate")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per case (after one warm-up)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    t = time.perf_counter()
    df = generate(args.n, args.seed)
    gen = time.perf_counter() - t
    cases: list[tuple[str, Callable[[], Any], float, Callable[[Any], str]]] = [
        (
            "dyad_series(CHN, RUS, month)",
            lambda: dyad_series(df, "CHN", "RUS", freq="month"),
            0.2,
            lambda r: f"{int(r['events'].sum()):,} events, {len(r)} months",
        ),
        (
            "dyad_series(USA, CHN, month)",
            lambda: dyad_series(df, "USA", "CHN", freq="month"),
            0.2,
            lambda r: f"{int(r['events'].sum()):,} events, {len(r)} months",
        ),
        (
            "dyad_series(USA, IRN, week, directed)",
            lambda: dyad_series(df, "USA", "IRN", freq="week", directed=True),
            0.2,
            lambda r: f"{int(r['events'].sum()):,} events, {len(r)} rows",
        ),
        (
            'build_network(window="90d")',
            lambda: build_network(df, window="90d"),
            2.0,
            lambda r: f"{len(r.nodes)} nodes, {len(r.edges)} edges, {int(r.edges['events'].sum()):,} events",
        ),
    ]
    print(f"{args.n:,} generated events ({gen:.1f} s to generate), {args.repeat} runs each after a warm-up\n")
    print("| computation | result | median wall | best wall | median CPU | target | verdict (wall) |")
    print("|---|---|---:|---:|---:|---:|---|")
    failed = 0
    for name, fn, target, describe in cases:
        med, best, cpu, result = timeit(fn, args.repeat)
        ok = med < target
        failed += not ok
        print(
            f"| `{name}` | {describe(result)} | {med * 1000:,.0f} ms | {best * 1000:,.0f} ms "
            f"| {cpu * 1000:,.0f} ms | < {target * 1000:,.0f} ms | {'met' if ok else 'MISSED'} |"
        )
    sys.stdout.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
