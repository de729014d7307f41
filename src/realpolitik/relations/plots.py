"""Pictures an analyst can drop into a report: a dyad over time, the network, the alignment.

matplotlib with the Agg backend (no display needed); the format follows the file extension
(``.png`` or ``.svg``).
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from realpolitik.errors import RealpolitikError  # noqa: E402
from realpolitik.relations.network import Network, to_networkx  # noqa: E402

PLOT_FORMATS = ("png", "svg")
# QuadClass colours: greens for cooperation, reds for conflict (colour-blind safe-ish pairs).
QUAD_COLOURS = {1: "#8fd18f", 2: "#1b7a1b", 3: "#f4a582", 4: "#b2182b"}
QUAD_NAMES = {
    1: "verbal cooperation",
    2: "material cooperation",
    3: "verbal conflict",
    4: "material conflict",
}


def _save(fig: plt.Figure, path: str | Path) -> Path:
    p = Path(path)
    fmt = p.suffix.lstrip(".").lower()
    if fmt not in PLOT_FORMATS:
        plt.close(fig)
        raise RealpolitikError(f"{p}: a plot is written as .png or .svg, not {p.suffix or 'no extension'}")
    try:
        fig.savefig(p, format=fmt, dpi=150, bbox_inches="tight")
    except OSError as e:
        raise RealpolitikError(f"{p}: cannot write: {e.strerror or e}") from None
    finally:
        plt.close(fig)
    return p


def plot_dyad(series: pd.DataFrame, path: str | Path, *, title: str = "", freq: str = "month") -> Path:
    """Stacked bars of events per QuadClass (conflict drawn below zero) and the Goldstein sum,
    from :func:`~realpolitik.relations.dyads.dyad_series` (undirected)."""
    s = series.groupby("period", sort=True)[["q1", "q2", "q3", "q4", "goldstein_sum", "events"]].sum()
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5.5), sharex=True, height_ratios=[3, 2])
    if s.empty:
        top.text(0.5, 0.5, "no events", ha="center", va="center", transform=top.transAxes)
    else:
        x = np.arange(len(s))
        up = np.zeros(len(s))
        down = np.zeros(len(s))
        for q in (1, 2):
            top.bar(x, s[f"q{q}"], bottom=up, color=QUAD_COLOURS[q], label=QUAD_NAMES[q], width=0.85)
            up += s[f"q{q}"].to_numpy()
        for q in (3, 4):
            top.bar(x, -s[f"q{q}"], bottom=-down, color=QUAD_COLOURS[q], label=QUAD_NAMES[q], width=0.85)
            down += s[f"q{q}"].to_numpy()
        top.axhline(0, color="black", linewidth=0.8)
        top.set_ylabel("events (conflict below 0)")
        top.legend(loc="upper left", fontsize=8, ncol=2, frameon=False)
        colours = ["#1b7a1b" if v >= 0 else "#b2182b" for v in s["goldstein_sum"]]
        bottom.bar(x, s["goldstein_sum"], color=colours, width=0.85)
        bottom.axhline(0, color="black", linewidth=0.8)
        bottom.set_ylabel("Goldstein sum")
        fmt = {"day": "%Y-%m-%d", "week": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}.get(freq, "%Y-%m-%d")
        labels = [pd.Timestamp(p).strftime(fmt) for p in s.index]
        step = max(1, len(labels) // 12)
        bottom.set_xticks(x[::step])
        bottom.set_xticklabels(labels[::step], rotation=45, ha="right", fontsize=8)
    top.set_title(title or "Dyad over time")
    for ax in (top, bottom):
        ax.grid(axis="y", alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
    return _save(fig, path)


def plot_network(
    net: Network, path: str | Path, *, blocs: pd.DataFrame | None = None, title: str = "", seed: int = 0
) -> Path:
    """The signed network: green edges cooperative, red conflictual, width by volume; nodes
    sized by events and coloured by bloc when ``blocs`` (node, bloc) is given."""
    g = to_networkx(net, lists=False).to_undirected()
    fig, ax = plt.subplots(figsize=(9, 7))
    ax.set_axis_off()
    ax.set_title(title or "Network of states (green cooperation, red conflict)")
    if g.number_of_nodes() == 0:
        ax.text(0.5, 0.5, "no events", ha="center", va="center", transform=ax.transAxes)
        return _save(fig, path)
    # Layout on cooperative ties only, so allies sit together and rivals apart.
    layout_g = nx.Graph()
    layout_g.add_nodes_from(g.nodes)
    for u, v, d in g.edges(data=True):
        layout_g.add_edge(u, v, weight=max(float(d.get("weight", 0)), 0.0) + 0.05)
    pos = nx.spring_layout(layout_g, weight="weight", seed=seed, k=1.5 / max(1, np.sqrt(len(g))))
    bloc_of = dict(zip(blocs["node"], blocs["bloc"], strict=True)) if blocs is not None else {}
    cmap = plt.get_cmap("tab10")
    colours = [cmap(bloc_of[n] % 10) if n in bloc_of else "#9ecae1" for n in g.nodes]
    events = np.array([float(g.nodes[n].get("events", 1)) for n in g.nodes])
    sizes = 200 + 1200 * np.sqrt(events / max(events.max(), 1))
    max_ev = max((float(d.get("events", 1)) for _, _, d in g.edges(data=True)), default=1.0)
    for u, v, d in g.edges(data=True):
        w = float(d.get("weight", 0))
        colour = "#1b7a1b" if w > 0 else "#b2182b" if w < 0 else "#999999"
        width = 0.8 + 4 * np.sqrt(float(d.get("events", 1)) / max_ev)
        nx.draw_networkx_edges(
            g,
            pos,
            edgelist=[(u, v)],
            width=width,
            edge_color=colour,
            alpha=0.4 + 0.5 * abs(w),
            ax=ax,
            style="solid" if w >= 0 else "dashed",
        )
    nx.draw_networkx_nodes(
        g, pos, node_size=sizes, node_color=colours, edgecolors="black", linewidths=0.6, ax=ax
    )
    nx.draw_networkx_labels(g, pos, font_size=9, font_weight="bold", ax=ax)
    if bloc_of:
        for b in sorted(set(bloc_of.values())):
            ax.scatter([], [], color=cmap(b % 10), label=f"bloc {b}", s=60)
        ax.legend(loc="best", fontsize=8, frameon=False)
    return _save(fig, path)


def plot_alignment(
    align: pd.DataFrame,
    path: str | Path,
    *,
    pole_a: str = "A",
    pole_b: str = "B",
    influence: pd.DataFrame | None = None,
    top: int = 30,
    title: str = "",
) -> Path:
    """Bars of each state's alignment (-1 pole B ... +1 pole A), from
    :func:`~realpolitik.relations.alignment.alignment` without ``freq``; with ``influence`` per
    period, a second panel with each power's influence share over time."""
    panels = 2 if influence is not None and "period" in influence.columns and not influence.empty else 1
    fig, axes = plt.subplots(
        1, panels, figsize=(9 if panels == 1 else 14, max(4, 0.28 * min(top, len(align)) + 1.5))
    )
    axes = np.atleast_1d(axes)
    ax = axes[0]
    a = align.copy()
    if "period" in a.columns:  # keep the latest period of each state
        a = a.sort_values("period").groupby("state").tail(1)
    a = a.reindex(a["events"].sort_values(ascending=False).index).head(top).sort_values("alignment")
    if a.empty:
        ax.text(0.5, 0.5, "no events with the poles", ha="center", va="center", transform=ax.transAxes)
    else:
        colours = ["#2166ac" if v > 0 else "#b2182b" if v < 0 else "#999999" for v in a["alignment"]]
        ax.barh(a["state"], a["alignment"], color=colours)
        for y, (v, n) in enumerate(zip(a["alignment"], a["events"], strict=True)):
            ax.text(
                v + (0.02 if v >= 0 else -0.02),
                y,
                f"{n}",
                va="center",
                ha="left" if v >= 0 else "right",
                fontsize=7,
                color="#444444",
            )
    ax.set_xlim(-1.15, 1.15)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(f"alignment   (-1 = {pole_b}, +1 = {pole_a}; numbers = events)")
    ax.set_title(title or f"Alignment between {pole_a} and {pole_b}")
    ax.grid(axis="x", alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    if panels == 2 and influence is not None:
        ax2 = axes[1]
        for power, part in influence.groupby("power", sort=False):
            part = part.sort_values("period")
            style = "-" if "+" not in str(power) else "--"
            ax2.plot(part["period"], part["influence"], style, marker="o", markersize=3, label=str(power))
        ax2.set_ylim(0, 1)
        ax2.set_ylabel("influence share among the rivals")
        ax2.set_title("Influence over time")
        ax2.legend(fontsize=8, frameon=False)
        ax2.grid(alpha=0.3)
        ax2.spines[["top", "right"]].set_visible(False)
        fig.autofmt_xdate()
    return _save(fig, path)
