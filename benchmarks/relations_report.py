"""Benchmark report of the relations stage on a real store: ``benchmarks/relations.md``.

Reads every asserted event of a store (``--db``), runs the relations API (dyads over time,
network, blocs, alignment between the United States and China+Russia, influence) and writes a
Markdown report with one PNG figure per result under ``benchmarks/figures/``.

The report checks the data against well-known history of 2012-2020 (US-Russia after Crimea, the
US-China trade war, the Iran nuclear deal and its end, the killing of Soleimani, the China-Russia
rapprochement). Each check is computed from the data and its verdict written by rule (``matches``,
``does not match``, ``too sparse``), so the words cannot drift from the numbers; the thresholds
are stated next to each verdict.

Usage: ``python benchmarks/relations_report.py --db benchmarks/allsides.duckdb
[--out benchmarks/relations.md] [--figures benchmarks/figures] [--corpus NAME]``.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from realpolitik.errors import RealpolitikError
from realpolitik.relations import (
    Network,
    Poles,
    alignment,
    build_network,
    dyad_series,
    events_frame,
    find_blocs,
    influence,
)
from realpolitik.relations.plots import plot_alignment, plot_dyad, plot_network

DYADS = (("CHN", "RUS"), ("USA", "RUS"), ("USA", "CHN"), ("USA", "IRN"))
MAX_PNG_BYTES = 200_000
MIN_EVENTS = 10  # fewer events than this on either side of a comparison: "too sparse"
NETWORK_TOP = 30  # states drawn in the network figure (the blocs use the whole network)
KEY_STATES = ("USA", "GBR", "FRA", "DEU", "JPN", "ISR", "SAU", "CHN", "RUS", "IRN", "SYR", "PRK", "TUR")


# ---------------------------------------------------------------- helpers


def md_table(df: pd.DataFrame, floats: int = 2) -> str:
    """A DataFrame as a GitHub Markdown table (numbers right-aligned)."""
    if df.empty:
        return "_(no rows)_\n"
    cols = [str(c) for c in df.columns]
    num = [pd.api.types.is_numeric_dtype(df[c]) for c in df.columns]

    def cell(v: Any) -> str:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, pd.Timestamp):
            return v.strftime("%Y-%m-%d")
        if isinstance(v, float | np.floating):
            return f"{v:.{floats}f}"
        if isinstance(v, list | tuple):
            return ", ".join(map(str, v))
        return str(v).replace("|", "\\|")

    lines = ["| " + " | ".join(cols) + " |", "|" + "|".join("---:" if n else "---" for n in num) + "|"]
    for row in df.itertuples(index=False):
        lines.append("| " + " | ".join(cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def shrink_png(path: Path, limit: int = MAX_PNG_BYTES) -> int:
    """Keep a figure under ``limit`` bytes: re-save it with a 256-colour palette if it is larger
    (plots are flat colours, so the palette loses nothing visible). Returns the final size."""
    size = path.stat().st_size
    if size <= limit:
        return size
    from PIL import Image

    with Image.open(path) as im:
        small = im.convert("RGB").quantize(colors=128, method=Image.Quantize.MEDIANCUT)
        small.save(path, optimize=True)
    size = path.stat().st_size
    if size > limit:  # last resort: scale down
        with Image.open(path) as im:
            w, h = im.size
            im.resize((int(w * 0.75), int(h * 0.75))).save(path, optimize=True)
        size = path.stat().st_size
    return size


@dataclass
class Period:
    """Aggregate of a dyad over a span: events, cooperation share, mean Goldstein."""

    label: str
    events: int
    coop_share: float
    goldstein_mean: float

    def text(self) -> str:
        if self.events == 0:
            return f"{self.label}: no events"
        return (
            f"{self.label}: {self.events} events, {self.coop_share:.0%} cooperative, "
            f"mean Goldstein {self.goldstein_mean:+.2f}"
        )


def span(series: pd.DataFrame, label: str, lo: str, hi: str) -> Period:
    """The dyad (monthly undirected series) summed over [lo, hi]."""
    s = series[(series["period"] >= pd.Timestamp(lo)) & (series["period"] <= pd.Timestamp(hi))]
    n = int(s["events"].sum())
    coop = int(s["cooperation"].sum())
    conf = int(s["conflict"].sum())
    gold = float(s["goldstein_sum"].sum())
    return Period(
        label, n, coop / (coop + conf) if coop + conf else float("nan"), gold / n if n else float("nan")
    )


def compare(before: Period, after: Period, expect: str) -> str:
    """Verdict on an expected change from ``before`` to ``after``: ``worse`` (less cooperative,
    lower mean Goldstein) or ``better``. Both measures must move the expected way to match."""
    if before.events < MIN_EVENTS or after.events < MIN_EVENTS:
        return f"**too sparse** (fewer than {MIN_EVENTS} events on one side)"
    d_coop = after.coop_share - before.coop_share
    d_gold = after.goldstein_mean - before.goldstein_mean
    sign = -1 if expect == "worse" else 1
    moves = (sign * d_coop > 0.02, sign * d_gold > 0.1)
    detail = f"cooperative share {d_coop:+.0%}, mean Goldstein {d_gold:+.2f}"
    if all(moves):
        return f"**matches** ({detail})"
    if any(moves):
        return f"**partly matches** ({detail}; one measure only)"
    return f"**does not match** ({detail})"


# ---------------------------------------------------------------- sections


def dyad_section(
    df: pd.DataFrame, figdir: Path, rel: str, until: pd.Timestamp
) -> tuple[list[str], dict[str, pd.DataFrame]]:
    out = ["## Dyads over time\n"]
    out.append(
        'Monthly, both directions added up (`dyad_series(df, A, B, freq="month")`). Figures: events per '
        "QuadClass (conflict drawn below zero) over the monthly Goldstein sum. Yearly summary below each.\n"
    )
    series: dict[str, pd.DataFrame] = {}
    for a, b in DYADS:
        s = dyad_series(df, a, b, freq="month", since="2012-01-01", until=until)
        series[f"{a}-{b}"] = s
        fig = figdir / f"relations_dyad_{a}-{b}.png"
        plot_dyad(s, fig, title=f"{a} - {b}: events per month (AllSides world news)", freq="month")
        kb = shrink_png(fig) / 1000
        y = s.assign(year=s["period"].dt.year).groupby("year")
        yearly = pd.DataFrame(
            {
                "events": y["events"].sum(),
                "cooperation": y["cooperation"].sum(),
                "conflict": y["conflict"].sum(),
                "material conflict (q4)": y["q4"].sum(),
                "Goldstein sum": y["goldstein_sum"].sum(),
            }
        )
        yearly["Goldstein mean"] = yearly["Goldstein sum"] / yearly["events"].where(yearly["events"] > 0)
        total = int(s["events"].sum())
        busiest = s[s["events"] > 0].sort_values("events", ascending=False, kind="stable").head(3)
        out.append(f"### {a} - {b}\n")
        out.append(f"![{a}-{b}]({rel}/{fig.name}) ({kb:.0f} KB)\n")
        out.append(
            f"{total} dated events in 2012-2020"
            + ("; busiest months: " if len(busiest) else "")
            + ", ".join(f"{p:%Y-%m} ({n})" for p, n in zip(busiest["period"], busiest["events"], strict=True))
            + ".\n"
        )
        out.append(md_table(yearly.reset_index()))
    return out, series


def history_section(series: dict[str, pd.DataFrame], blocs_by_year: pd.DataFrame | None) -> list[str]:
    """The checks against known history, each computed and judged by rule."""
    out = ["## Does it match what is known of 2012-2020?\n"]
    out.append(
        f"Each check compares two spans of the monthly dyad series. A change **matches** when both the "
        f"share of cooperative events (QuadClass 1-2 among 1-4) moves by more than 2 points and the "
        f"mean Goldstein score by more than 0.1 the expected way; **partly** when only one does; "
        f"**too sparse** under {MIN_EVENTS} events on either side.\n"
    )
    rows: list[tuple[str, str, Period, Period, str]] = []

    def check(dyad: str, claim: str, b: tuple[str, str, str], a: tuple[str, str, str], expect: str) -> None:
        s = series[dyad]
        p0, p1 = span(s, *b), span(s, *a)
        rows.append((dyad, claim, p0, p1, compare(p0, p1, expect)))

    check(
        "USA-RUS",
        "US-Russia relations deteriorate after the annexation of Crimea (March 2014) and sanctions",
        ("2012-01 to 2014-02", "2012-01-01", "2014-02-28"),
        ("2014-03 to 2020-12", "2014-03-01", "2020-12-31"),
        "worse",
    )
    check(
        "USA-CHN",
        "US-China relations worsen with the trade war (tariffs from March-July 2018)",
        ("2012-01 to 2017-12", "2012-01-01", "2017-12-31"),
        ("2018-01 to 2020-12", "2018-01-01", "2020-12-31"),
        "worse",
    )
    check(
        "USA-IRN",
        "US-Iran: the negotiation years (interim deal Nov 2013, JCPOA July 2015) are more cooperative",
        ("2012-01 to 2013-10", "2012-01-01", "2013-10-31"),
        ("2013-11 to 2016-12", "2013-11-01", "2016-12-31"),
        "better",
    )
    check(
        "USA-IRN",
        "US-Iran: US withdrawal from the JCPOA (May 2018), maximum pressure, Soleimani (Jan 2020)",
        ("2013-11 to 2018-04", "2013-11-01", "2018-04-30"),
        ("2018-05 to 2020-12", "2018-05-01", "2020-12-31"),
        "worse",
    )
    check(
        "CHN-RUS",
        "China-Russia rapprochement (2014 gas deal, 2019 'comprehensive strategic partnership')",
        ("2012-01 to 2014-02", "2012-01-01", "2014-02-28"),
        ("2014-03 to 2020-12", "2014-03-01", "2020-12-31"),
        "better",
    )
    for dyad, claim, p0, p1, verdict in rows:
        out.append(f"- **{dyad}**: {claim}. {p0.text()}; {p1.text()}. Verdict: {verdict}.")
    out.append("")

    # Level, not change: CHN-RUS should be the most cooperative of the four dyads.
    whole = {k: span(v, "2012-2020", "2012-01-01", "2020-12-31") for k, v in series.items()}
    sparse = [k for k, p in whole.items() if p.events < MIN_EVENTS]
    ranked = sorted(
        ((k, p) for k, p in whole.items() if p.events >= MIN_EVENTS), key=lambda kv: -kv[1].coop_share
    )
    out.append(
        "- **Levels over 2012-2020** (most cooperative first): "
        + "; ".join(
            f"{k} {p.coop_share:.0%} cooperative, mean Goldstein {p.goldstein_mean:+.2f} ({p.events} events)"
            for k, p in ranked
        )
        + (f" (too sparse to rank: {', '.join(sparse)})" if sparse else "")
        + ". Known history puts CHN-RUS first (partners) and USA-IRN last (no diplomatic relations). "
        + (
            "Verdict: **too sparse**."
            if sparse
            else "Verdict: **matches**."
            if ranked[0][0] == "CHN-RUS" and ranked[-1][0] == "USA-IRN"
            else "Verdict: **does not match** in full (see the order)."
        )
    )

    # Soleimani: January 2020 should be the peak month of USA-IRN conflict.
    s = series["USA-IRN"]
    if len(s):
        jan = s[s["period"] == pd.Timestamp("2020-01-01")]
        n_jan = int(jan["conflict"].sum()) if len(jan) else 0
        nonzero = s[s["conflict"] > 0]["conflict"]
        rank = int((s["conflict"] > n_jan).sum()) + 1
        med = float(nonzero.median()) if len(nonzero) else 0.0
        verdict = (
            "**too sparse**"
            if n_jan < 3
            else "**matches**"
            if rank <= 3
            else "**partly matches**"
            if n_jan > 2 * med
            else "**does not match**"
        )
        out.append(
            f"- **USA-IRN, January 2020** (killing of Qasem Soleimani on 3 January, Iranian missile strikes "
            f"on US bases on 8 January): {n_jan} conflictual events, rank {rank} of {len(s)} months by "
            f"conflict (median of months with any conflict: {med:.0f}). Verdict: {verdict}."
        )
    if blocs_by_year is not None and not blocs_by_year.empty:
        usa_rus = blocs_by_year["USA bloc != RUS bloc"].astype(str)
        chn_rus = blocs_by_year["CHN bloc == RUS bloc"].astype(str)
        out.append(
            f"- **Blocs per year** (years where both states are in the network): the USA and Russia fall "
            f"in different blocs in {int((usa_rus == 'yes').sum())} of {int((usa_rus != 'n/a').sum())} "
            f"years; China and Russia in the same bloc in {int((chn_rus == 'yes').sum())} of "
            f"{int((chn_rus != 'n/a').sum())} (table in the Blocs section). Expected: apart, and together."
        )
    out.append("")
    return out


WEST = ("GBR", "FRA", "DEU", "JPN", "KOR", "AUS", "CAN", "ISR", "ITA", "POL", "UKR")


def limits_section(series: dict[str, pd.DataFrame], blocs: pd.DataFrame, al: pd.DataFrame) -> list[str]:
    """Where the data is thin or disagrees with history, computed, so the caveats follow the data."""
    out = ["### Where the data is thin or disagrees\n"]
    cr = series["CHN-RUS"]
    n_cr = int(cr["events"].sum())
    years_cr = cr.assign(y=cr["period"].dt.year).groupby("y")["events"].sum()
    out.append(
        f"- **CHN-RUS is sparse**: {n_cr} events in the whole span, {int((years_cr < MIN_EVENTS).sum())} of "
        f"{len(years_cr)} years with fewer than {MIN_EVENTS}. US and UK outlets report China and Russia "
        f"mostly through their dealings with the West, so the rapprochement shows as a level (the most "
        f"cooperative of the four dyads) but not as a trend that can be read month by month."
    )
    of = dict(zip(blocs["node"], blocs["bloc"], strict=True))
    if "RUS" in of:
        allies_with_rus = [c for c in WEST if of.get(c) == of["RUS"]]
        allies_with_usa = [c for c in WEST if "USA" in of and of.get(c) == of["USA"]]
        if allies_with_rus or len(allies_with_usa) < len([c for c in WEST if c in of]) / 2:
            out.append(
                f"- **Blocs are blocs of interaction, not alliances**: over 2012-2020 the US allies in "
                f"Russia's bloc are {', '.join(allies_with_rus) or 'none'} and those in the USA's bloc "
                f"{', '.join(allies_with_usa) or 'none'}. Leiden on the signed network groups states that "
                f"deal with each other a lot (e.g. the Korean peninsula with North Korea's partners), and "
                f"the USA, a party to most reported ties, ends up with whoever has few ties elsewhere. "
                f"Year by year China and Russia share a bloc only in some years (table above), again for "
                f"want of China-Russia events."
            )
    if not al.empty:
        more_usa = int((al["coop_a"] + al["conflict_a"] > al["coop_b"] + al["conflict_b"]).sum())
        lean_b = al[al["alignment"] < -0.2]
        via_conflict = lean_b[lean_b["conflict_a"] > lean_b["coop_b"]]
        out.append(
            f"- **Alignment is US-centric**: {more_usa} of {len(al)} states have more events with the USA "
            f"than with China and Russia together, so a state's alignment mostly reflects how it gets on "
            f"with the USA. Of the {len(lean_b)} states leaning to China+Russia (alignment < -0.2), "
            f"{len(via_conflict)} do so more through conflict with the USA than through cooperation with "
            f"China or Russia ({', '.join(via_conflict['state'].head(10)) or 'none'}). States in talks "
            f"with Washington score as US-leaning: "
            + ", ".join(
                f"{c} {float(al.set_index('state').loc[c, 'alignment']):+.2f}"
                for c in ("PRK", "CUB")
                if c in set(al["state"])
            )
            + " (the 2018-2019 summits, the 2014-2016 thaw) although neither is a US partner."
        )
    out.append(
        "- **Counts are sentences**: one much-reported happening (Soleimani in January 2020, the Helsinki "
        "summit in July 2018) fills a month; the monthly figures show news attention as much as relations."
    )
    out.append("")
    return out


def network_section(
    df: pd.DataFrame, figdir: Path, rel: str
) -> tuple[list[str], pd.DataFrame | None, pd.DataFrame]:
    out = ["## Network and blocs\n"]
    net = build_network(df, since="2012-01-01", until="2020-12-31", min_events=3)
    blocs = find_blocs(net, method="leiden", seed=0)
    out.append(
        f"Signed network of 2012-2020 (`build_network(df, since=..., until=..., min_events=3)`): "
        f"{len(net.nodes)} states, {len(net.edges)} ties with at least 3 events "
        f"({int((net.edges['sign'] > 0).sum())} cooperative, {int((net.edges['sign'] < 0).sum())} "
        f"conflictual). Blocs by Leiden on the signed network (`find_blocs`), signed modularity "
        f"{blocs.modularity:.3f}.\n"
    )
    top = net.nodes.sort_values("events", ascending=False).head(NETWORK_TOP)["id"].tolist()
    shown = Network(
        nodes=net.nodes[net.nodes["id"].isin(top)].reset_index(drop=True),
        edges=net.edges[net.edges["source"].isin(top) & net.edges["target"].isin(top)].reset_index(drop=True),
        start=net.start,
        end=net.end,
        directed=net.directed,
        level=net.level,
    )
    fig = figdir / "relations_network.png"
    plot_network(
        shown,
        fig,
        blocs=blocs.assignments[blocs.assignments["node"].isin(top)],
        title=f"Network of states 2012-2020, the {len(top)} most reported (green cooperation, red conflict)",
    )
    out.append(f"![network]({rel}/{fig.name}) ({shrink_png(fig) / 1000:.0f} KB)\n")
    members = blocs.members()
    sizes = net.nodes.set_index("id")["events"]
    rows = []
    for b, nodes in members.items():
        ordered = sorted(nodes, key=lambda n: -int(sizes.get(n, 0)))
        key = [n for n in ordered if n in KEY_STATES]
        rows.append(
            {
                "bloc": b,
                "states": len(nodes),
                "key states in it": ", ".join(key) or "-",
                "most reported members": ", ".join(ordered[:12]) + (" ..." if len(ordered) > 12 else ""),
            }
        )
    out.append(md_table(pd.DataFrame(rows)))
    strongest = net.edges.sort_values("events", ascending=False).head(15)
    out.append("\nThe 15 most reported ties (weight = (cooperation - conflict) / events):\n")
    out.append(
        md_table(
            strongest[["source", "target", "events", "cooperation", "conflict", "goldstein_mean", "weight"]]
        )
    )

    # Blocs year by year: is the US apart from Russia, China with Russia?
    years = []
    for year in range(2012, 2021):
        n = build_network(df, since=f"{year}-01-01", until=f"{year}-12-31", min_events=2)
        if n.edges.empty:
            continue
        bl = find_blocs(n, method="leiden", seed=0)
        of = dict(zip(bl.assignments["node"], bl.assignments["bloc"], strict=True))

        def same(x: str, y: str, of: dict[str, int] = of) -> str:
            if x not in of or y not in of:
                return "n/a"
            return "yes" if of[x] == of[y] else "no"

        with_usa = sorted(k for k in KEY_STATES if k != "USA" and k in of and of.get("USA") == of[k])
        years.append(
            {
                "year": year,
                "states": len(n.nodes),
                "blocs": len(set(of.values())),
                "modularity": bl.modularity,
                "USA bloc != RUS bloc": {"no": "yes", "yes": "no"}.get(same("USA", "RUS"), "n/a"),
                "CHN bloc == RUS bloc": same("CHN", "RUS"),
                "IRN bloc == RUS bloc": same("IRN", "RUS"),
                "key states in the USA's bloc": ", ".join(with_usa) or "-",
            }
        )
    by_year = pd.DataFrame(years)
    out.append(
        "\nBlocs year by year (`build_network(since, until, min_events=2)` per calendar year, Leiden):\n"
    )
    out.append(md_table(by_year, floats=3))
    return out, by_year, blocs.assignments


def alignment_section(df: pd.DataFrame, figdir: Path, rel: str) -> tuple[list[str], pd.DataFrame]:
    poles = Poles.default()
    out = [f"## Alignment between {poles.name_a} and {poles.name_b}\n"]
    al = alignment(df, poles, since="2012-01-01", until="2020-12-31", min_events=3)
    inf = influence(df, poles, since="2012-01-01", until="2020-12-31", freq="year")
    fig = figdir / "relations_alignment.png"
    plot_alignment(
        al, fig, pole_a=poles.name_a, pole_b=poles.name_b, influence=inf, top=30,
        title=f"Alignment 2012-2020, 30 states with most events with the poles (+1 {poles.name_a}, "
        f"-1 {poles.name_b})",
    )  # fmt: skip
    out.append(
        f"Per third state, every event with a pole member counts +1 if cooperative, -1 if conflictual: "
        f"alignment = (sum with {poles.name_a} - sum with {poles.name_b}) / sum of |values|, in [-1, 1] "
        f"(`alignment(df, Poles.default(), min_events=3)`). The right panel is each power's influence "
        f'share per year (`influence(df, freq="year")`).\n'
    )
    out.append(f"![alignment]({rel}/{fig.name}) ({shrink_png(fig) / 1000:.0f} KB)\n")
    table = al.sort_values("events", ascending=False).head(30).sort_values("alignment", ascending=False)
    out.append(f"The 30 states with the most events with the poles ({len(al)} states have at least 3):\n")
    out.append(
        md_table(table[["state", "events", "coop_a", "conflict_a", "coop_b", "conflict_b", "alignment"]])
    )
    # Known camps: US treaty allies and close partners vs Russia's and China's partners.
    west = ["GBR", "FRA", "DEU", "JPN", "KOR", "AUS", "CAN", "ISR", "ITA", "POL", "UKR"]
    east = ["SYR", "IRN", "PRK", "VEN", "CUB", "BLR", "PAK"]
    got = al.set_index("state")["alignment"]
    w_ok = [s for s in west if s in got and got[s] > 0]
    w_in = [s for s in west if s in got]
    e_ok = [s for s in east if s in got and got[s] < 0]
    e_in = [s for s in east if s in got]
    out.append(
        f"\nCheck against known camps: of the US allies and partners present ({', '.join(w_in) or 'none'}), "
        f"{len(w_ok)} lean to the USA (alignment > 0){': ' + ', '.join(w_ok) if w_ok else ''}; of the "
        f"partners of Russia/China present ({', '.join(e_in) or 'none'}), {len(e_ok)} lean to "
        f"{poles.name_b}{': ' + ', '.join(e_ok) if e_ok else ''}.\n"
    )
    if not inf.empty:
        pivot = inf.pivot_table(index="period", columns="power", values="influence").reset_index()
        pivot["period"] = pd.to_datetime(pivot["period"]).dt.year
        pivot = pivot.rename(columns={"period": "year"})
        out.append(
            "Influence share per year (mean of cooperative ties, PageRank and Goldstein received shares):\n"
        )
        out.append(md_table(pivot, floats=3))
    return out, al


# ---------------------------------------------------------------- main


def build_report(db: str, out: Path, figdir: Path, corpus: str, note: str) -> None:
    from realpolitik.store import open_store

    t0 = time.perf_counter()
    try:
        with open_store(db, read_only=True) as store:
            stats = store.stats()
            rows = store.events(limit=None, include_negated=False)
    except RealpolitikError as e:
        raise SystemExit(f"error: {e}") from None
    df = events_frame(rows, origin=db)
    t_load = time.perf_counter() - t0
    figdir.mkdir(parents=True, exist_ok=True)
    rel = Path(__import__("os").path.relpath(figdir, out.parent)).as_posix()

    dated = df["date"].notna()
    in_span = dated & (df["date"] >= "2012-01-01") & (df["date"] <= "2020-12-31")
    # The series stop at the last article (the corpus ends in mid-2020), not at the end of 2020 nor
    # at the last event date (a few events are dated from the text, e.g. "by 2025").
    last = stats.get("last_date")
    end = min(pd.Timestamp("2020-12-31"), pd.Timestamp(last) if last else pd.Timestamp("2020-12-31"))
    between = (
        df["source_country"].notna()
        & df["target_country"].notna()
        & (df["source_country"] != df["target_country"])
    )
    timings: list[tuple[str, float]] = []

    def timed(name: str, fn: Callable[[], Any]) -> Any:
        t = time.perf_counter()
        r = fn()
        timings.append((name, time.perf_counter() - t))
        return r

    dyad_md, series = timed("dyads (4 series + figures)", lambda: dyad_section(df, figdir, rel, end))
    net_md, by_year, blocs = timed(
        "network, blocs, blocs per year + figure", lambda: network_section(df, figdir, rel)
    )
    align_md, al = timed("alignment, influence + figure", lambda: alignment_section(df, figdir, rel))
    hist_md = history_section(series, by_year)
    hist_md += limits_section(series, blocs, al)

    head = [
        "# Relations benchmark: the AllSides world-news corpus\n",
        f"_Generated by `benchmarks/relations_report.py` (`make bench-relations`) on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}._\n",
        "## What the report covers\n",
        f"- Corpus: `{corpus}`. {note}".rstrip(),
        f"- Store `{db}`: {stats['articles']:,} articles ({stats['first_date']} to {stats['last_date']}), "
        f"{stats['events']:,} events of which {stats['events_negated']:,} negated (never counted).",
        f"- Asserted events loaded: {len(df):,}; dated: {int(dated.sum()):,}; in 2012-2020: "
        f"{int(in_span.sum()):,}; between two different countries: {int(between.sum()):,}.",
        f"- Loading the events frame took {t_load:.1f} s; "
        + "; ".join(f"{n} {t:.1f} s" for n, t in timings)
        + ".\n",
        "Caveats that apply throughout: the events are coded by realpolitik's own rule-based coder "
        "from US and UK outlets (AllSides), so volumes follow Western news attention, not the "
        "actual volume of interaction; an event is dated by its article; a month with few articles "
        "swings widely. Figures count events, which are sentences, not distinct happenings: one "
        "widely reported event produces many.\n",
    ]
    text = "\n".join([*head, *dyad_md, *hist_md, *net_md, *align_md])
    out.write_text(text.rstrip() + "\n" + _kept_speed_section(out), encoding="utf-8")
    print(f"wrote {out} and figures in {figdir} ({time.perf_counter() - t0:.1f} s)")


SPEED_HEADING = "## Speed on one million generated events"


def _kept_speed_section(out: Path) -> str:
    """The speed section that ``relations_speed.py --write`` keeps at the end of the report (it
    measures generated events, not this store), carried over when the report is regenerated."""
    old = out.read_text(encoding="utf-8") if out.exists() else ""
    if SPEED_HEADING not in old:
        return ""
    return "\n" + old[old.index(SPEED_HEADING) :].rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", required=True, help="store to read (DuckDB file)")
    ap.add_argument("--out", default="benchmarks/relations.md", type=Path)
    ap.add_argument("--figures", default="benchmarks/figures", type=Path)
    ap.add_argument("--corpus", default="../shared/data/corpus/allsides_world_news.jsonl.gz")
    ap.add_argument("--note", default="", help="a sentence on how the store was made (e.g. partial ingest)")
    args = ap.parse_args(argv)
    if not Path(args.db).exists():
        print(f"error: {args.db}: no such store; ingest the corpus first", file=sys.stderr)
        return 1
    build_report(args.db, args.out, args.figures, args.corpus, args.note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
