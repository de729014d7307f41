"""Speed of the relations stage on one million generated events.

Targets (issue "relations"): a dyad series in under 200 ms and a 90-day network in under 2 s.

The events are generated directly as a DataFrame in the shape :func:`events_frame` produces
(same columns and dtypes: actor codes, countries, polarity and article ids as categoricals, made
by the same :func:`~realpolitik.relations.frame.categorize`), so what is timed is the relations
computation, not the flattening of a million dicts nor the store. That conversion is paid once
per frame (the API caches the frame per store version) and is reported apart; ``--plain`` also
times every case on plain object columns, for a frame built without it. Actors are drawn from
~60 countries with a skewed (Zipf-like) popularity, so the big dyads (USA-CHN...) are large as in
real news; each actor is a country or one of its sectors (``CHNGOV``, ``USAMIL``...), dates span
2012-2020, QuadClass and Goldstein follow a plausible mix, 3 % of events are negated and 2 %
undated.

Usage: ``python benchmarks/relations_speed.py [--n 1000000] [--repeat 5] [--rounds 3] [--seed 0]
[--plain] [--write benchmarks/relations.md]``; prints a Markdown table and exits 1 when a target
is missed on the categorical frame (on the median wall time). Each case is timed in ``--rounds``
rounds taken in turn (case 1, case 2, ..., then again), each round one warm-up and ``--repeat``
timed runs, so a burst of load from the machine's other users falls on every case rather than on
one; the table gives the median and best wall time over all runs, each round's median, and the
median CPU time of this process. ``--write`` replaces the speed section of that Markdown file
(between the ``relations-speed`` markers, added at the end when absent) with the table, the date
and the load average before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from realpolitik.relations import build_network, dyad_series
from realpolitik.relations.frame import COLUMNS, categorize

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


def generate(n: int, seed: int = 0, *, categorical: bool = True) -> pd.DataFrame:
    """``n`` synthetic events with the columns and dtypes of :func:`events_frame` (with
    ``categorical=False``, every text column a plain object column)."""
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
    return categorize(df) if categorical else df


Case = tuple[str, Callable[[pd.DataFrame], Any], float, Callable[[Any], str]]
CASES: list[Case] = [
    (
        "dyad_series(CHN, RUS, month)",
        lambda df: dyad_series(df, "CHN", "RUS", freq="month"),
        0.2,
        lambda r: f"{int(r['events'].sum()):,} events, {len(r)} months",
    ),
    (
        "dyad_series(USA, CHN, month)",
        lambda df: dyad_series(df, "USA", "CHN", freq="month"),
        0.2,
        lambda r: f"{int(r['events'].sum()):,} events, {len(r)} months",
    ),
    (
        "dyad_series(USA, IRN, week, directed)",
        lambda df: dyad_series(df, "USA", "IRN", freq="week", directed=True),
        0.2,
        lambda r: f"{int(r['events'].sum()):,} events, {len(r)} rows",
    ),
    (
        'build_network(window="90d")',
        lambda df: build_network(df, window="90d"),
        2.0,
        lambda r: f"{len(r.nodes)} nodes, {len(r.edges)} edges, {int(r.edges['events'].sum()):,} events",
    ),
]


def timeit(fn: Callable[[], Any], repeat: int) -> tuple[list[float], list[float], Any]:
    """Wall and CPU times (seconds) of ``repeat`` runs after one warm-up run. CPU time (this
    process) is reported because on a shared, loaded machine the wall time measures the
    neighbours as much as the code."""
    result = fn()
    walls, cpus = [], []
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - t)
        cpus.append(time.process_time() - c)
    return walls, cpus, result


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def measure(frames: list[tuple[str, pd.DataFrame]], repeat: int, rounds: int) -> tuple[list[str], int]:
    """The Markdown table rows of every case on every frame, and how many missed their target
    on the first frame (the one shaped as events_frame makes it; the others are for comparison
    and their verdicts do not decide the exit status)."""
    runs: dict[tuple[str, str], tuple[list[list[float]], list[float], Any]] = {}
    for _ in range(rounds):
        for label, df in frames:
            for name, fn, _target, _describe in CASES:
                walls, cpus, result = timeit(lambda fn=fn, df=df: fn(df), repeat)
                per_round, all_cpus, _ = runs.setdefault((label, name), ([], [], None))
                per_round.append(walls)
                all_cpus.extend(cpus)
                runs[(label, name)] = (per_round, all_cpus, result)
    lines = [
        "| frame | computation | result | median wall | best wall | round medians | median CPU "
        "| target | verdict (wall) |",
        "|---|---|---|---:|---:|---:|---:|---:|---|",
    ]
    failed = 0
    for i, (label, _df) in enumerate(frames):
        for name, _fn, target, describe in CASES:
            per_round, cpus, result = runs[(label, name)]
            walls = [w for r in per_round for w in r]
            med = statistics.median(walls)
            ok = med < target
            failed += not ok and i == 0
            rounds_txt = " / ".join(f"{statistics.median(r) * 1000:,.0f}" for r in per_round)
            lines.append(
                f"| {label} | `{name}` | {describe(result)} | {med * 1000:,.0f} ms "
                f"| {min(walls) * 1000:,.0f} ms | {rounds_txt} ms | {statistics.median(cpus) * 1000:,.0f} ms "
                f"| < {target * 1000:,.0f} ms | {'met' if ok else 'MISSED'} |"
            )
    return lines, failed


START, END = "<!-- relations-speed:start -->", "<!-- relations-speed:end -->"


def write_section(path: Path, body: list[str]) -> None:
    """Replace the text between the markers in ``path`` (or append a section with them)."""
    block = "\n".join([START, *body, END])
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip() + "\n\n## Speed on one million generated events\n\n" + block + "\n"
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="events to generate")
    ap.add_argument("--repeat", type=int, default=5, help="timed runs per case and round (after a warm-up)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds over all the cases, taken in turn")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--plain", action="store_true", help="also time a frame of plain object columns")
    ap.add_argument("--write", type=Path, help="Markdown file whose speed section to replace")
    args = ap.parse_args(argv)

    load_before = _load()
    t = time.perf_counter()
    flat = generate(args.n, args.seed, categorical=False)
    gen = time.perf_counter() - t
    t = time.perf_counter()
    df = categorize(flat)
    conv = time.perf_counter() - t
    frames = [("categorical", df)] + ([("plain", flat)] if args.plain else [])
    lines, failed = measure(frames, args.repeat, args.rounds)
    load_after = _load()
    head = [
        f"{args.n:,} generated events ({gen:.1f} s to generate; {conv * 1000:,.0f} ms to make the actor "
        f"codes, countries, polarity and article ids categorical, as `events_frame` does once per frame). "
        f"{args.rounds} rounds of {args.repeat} timed runs per case (after a warm-up each), cases in turn. "
        f"Load average (1 / 5 / 15 min) {load_before} before, {load_after} after, on "
        f"{os.cpu_count()} cores shared with other work.",
        "",
    ]
    print("\n".join([*head, *lines]))
    sys.stdout.flush()
    if args.write is not None:
        stamp = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
        cmd = "python benchmarks/relations_speed.py " + " ".join(argv if argv is not None else sys.argv[1:])
        write_section(args.write, [f"_Measured by `{cmd.strip()}` on {stamp}._", "", *head, *lines])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
