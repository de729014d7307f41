"""Pure functions that turn data into what the dashboard draws: highlighted text segments, the
timeline's bars and line, the map's colours, the network's layout.

The drawing is plain SVG written by the templates from these numbers: no charting library, no
JavaScript needed to see anything, and every mark is a link to the evidence behind it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from importlib import resources
from typing import Any

QUAD_NAMES = {
    1: "verbal cooperation",
    2: "material cooperation",
    3: "verbal conflict",
    4: "material conflict",
}
QUAD_COLOURS = {1: "#8fd18f", 2: "#1b7a1b", 3: "#f4a582", 4: "#b2182b"}  # as relations' plots
BLOC_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#ff9da7", "#9c755f"]
NO_DATA = "#e4e4e4"
POLE_A, POLE_B = "#0b2a5e", "#5e0b16"  # darker than any leaning state

# -- article text with actors and events highlighted -------------------------------------------


@dataclass
class Segment:
    """A run of text with the same highlights: the mention over it and the events covering it."""

    text: str
    start: int
    mention: Mapping[str, Any] | None = None
    events: list[str] = field(default_factory=list)
    negated: bool = False

    @property
    def classes(self) -> str:
        out = []
        if self.mention is not None:
            out.append("actor")
        if self.events:
            out.append("ev-negated" if self.negated else "ev")
        return " ".join(out)


def segments(
    text: str, mentions: Sequence[Mapping[str, Any]], events: Sequence[Mapping[str, Any]]
) -> list[Segment]:
    """Cut ``text`` at every mention and event-span boundary. Offsets outside the text are clipped;
    overlapping mentions keep the first (longest-starting-first) one."""
    n = len(text)
    cuts = {0, n}
    spans: list[tuple[int, int, Mapping[str, Any]]] = []
    for m in mentions:
        s, e = max(0, int(m["start"])), min(n, int(m["end"]))
        if s < e:
            spans.append((s, e, m))
            cuts |= {s, e}
    evspans: list[tuple[int, int, str, bool]] = []
    for ev in events:
        s, e = ev["span"]
        s, e = max(0, int(s)), min(n, int(e))
        if s < e:
            evspans.append((s, e, str(ev["event_id"]), ev.get("polarity") == "negated"))
            cuts |= {s, e}
    bounds = sorted(cuts)
    out: list[Segment] = []
    for s, e in zip(bounds, bounds[1:], strict=False):
        mention = next((m for ms, me, m in spans if ms <= s and e <= me), None)
        covering = [(eid, neg) for es, ee, eid, neg in evspans if es <= s and e <= ee]
        seg = Segment(
            text[s:e],
            s,
            mention,
            [eid for eid, _ in covering],
            bool(covering) and all(neg for _, neg in covering),
        )
        out.append(seg)
    return out


def evidence(sentence: str, text: str, span: Sequence[int]) -> tuple[str, str, str]:
    """The sentence cut around the event's words (before, words, after) for highlighting; the
    whole sentence as ``before`` when the span's words cannot be found in it."""
    s, e = int(span[0]), int(span[1])
    words = text[s:e] if 0 <= s < e <= len(text) else ""
    at = sentence.find(words) if words else -1
    if at < 0:
        return sentence, "", ""
    return sentence[:at], words, sentence[at + len(words) :]


# -- dyad timeline ---------------------------------------------------------------------------


@dataclass
class Bar:
    period: str
    until: str
    x: float
    width: float
    stacks: list[dict[str, Any]]  # quad, y, height, colour, count
    events: int
    goldstein_mean: float | None


@dataclass
class Timeline:
    width: int
    height: int
    bars: list[Bar]
    line: str  # SVG polyline points of the Goldstein mean
    points: list[dict[str, Any]]
    zero_y: float
    top_g: float
    bottom_g: float
    count_top: float
    count_base: float
    max_count: int
    ticks: list[dict[str, Any]]


def period_end(start: date, freq: str) -> date:
    if freq == "day":
        return start
    if freq == "week":
        return start + timedelta(days=6)
    if freq == "month":
        nxt = date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        return nxt - timedelta(days=1)
    return date(start.year, 12, 31)


def timeline(rows: Sequence[Mapping[str, Any]], freq: str, width: int = 920, height: int = 300) -> Timeline:
    """Geometry of the dyad chart: Goldstein mean per period on top (-10..+10, a line with dots),
    event counts by QuadClass below (stacked bars). One column per period."""
    left, right = 44, 10
    g_top, g_bottom = 12.0, 132.0  # Goldstein panel
    c_top, c_base = 152.0, float(height - 24)  # counts panel
    n = max(1, len(rows))
    step = (width - left - right) / n
    bar_w = max(1.0, min(40.0, step * 0.8))
    max_count = max([int(r.get("events") or 0) for r in rows] + [1])
    bars: list[Bar] = []
    points: list[dict[str, Any]] = []
    zero = g_top + (g_bottom - g_top) / 2

    def gy(v: float) -> float:
        return zero - (max(-10.0, min(10.0, v)) / 10.0) * (g_bottom - g_top) / 2

    ticks = []
    every = max(1, math.ceil(n / 12))
    for i, r in enumerate(rows):
        x = left + i * step + (step - bar_w) / 2
        start = date.fromisoformat(str(r["period"])[:10])
        y = c_base
        stacks = []
        for q in (1, 2, 3, 4):
            cnt = int(r.get(f"q{q}") or 0)
            if cnt:
                h = (c_base - c_top) * cnt / max_count
                y -= h
                stacks.append(
                    {
                        "quad": q,
                        "y": round(y, 1),
                        "height": round(h, 1),
                        "colour": QUAD_COLOURS[q],
                        "count": cnt,
                        "name": QUAD_NAMES[q],
                    }
                )
        gm = r.get("goldstein_mean")
        gm = None if gm is None or (isinstance(gm, float) and math.isnan(gm)) else float(gm)
        bars.append(
            Bar(
                start.isoformat(),
                period_end(start, freq).isoformat(),
                round(x, 1),
                round(bar_w, 1),
                stacks,
                int(r.get("events") or 0),
                gm,
            )
        )
        if gm is not None:
            points.append(
                {
                    "x": round(x + bar_w / 2, 1),
                    "y": round(gy(gm), 1),
                    "value": gm,
                    "period": start.isoformat(),
                }
            )
        if i % every == 0:
            label = start.strftime(
                "%Y-%m-%d" if freq in ("day", "week") else "%Y-%m" if freq == "month" else "%Y"
            )
            ticks.append({"x": round(x + bar_w / 2, 1), "label": label})
    line = " ".join(f"{p['x']},{p['y']}" for p in points)
    return Timeline(width, height, bars, line, points, zero, g_top, g_bottom, c_top, c_base, max_count, ticks)


# -- world map -------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def world() -> dict[str, Any]:
    """Country outlines (Natural Earth 1:110m via world-atlas, projected once: see web/build)."""
    text = resources.files("realpolitik.web").joinpath("static/world-110m.json").read_text("utf-8")
    return json.loads(text)


def _mix(c1: str, c2: str, t: float) -> str:
    a = [int(c1[i : i + 2], 16) for i in (1, 3, 5)]
    b = [int(c2[i : i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b, strict=True))


def alignment_colour(value: float | None) -> str:
    """Diverging scale: +1 (pole A) blue, 0 white-ish, -1 (pole B) red; None grey."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NO_DATA
    v = max(-1.0, min(1.0, float(value)))
    mid = "#f7f7f7"
    return _mix(mid, "#2c6fbb", v) if v >= 0 else _mix(mid, "#d6404e", -v)


def map_shapes(
    states: Iterable[Mapping[str, Any]], pole_a: Sequence[str], pole_b: Sequence[str]
) -> list[dict[str, Any]]:
    """Every country shape with its fill and its alignment record (None when no evidence)."""
    by_state = {str(s["state"]): s for s in states}
    out = []
    for c in world()["countries"]:
        iso = c["iso3"]
        rec = by_state.get(iso) if iso else None
        if iso in pole_a:
            fill, role = POLE_A, "pole A"
        elif iso in pole_b:
            fill, role = POLE_B, "pole B"
        else:
            fill, role = alignment_colour(rec["alignment"] if rec else None), None
        out.append({"iso3": iso, "name": c["name"], "d": c["d"], "fill": fill, "record": rec, "role": role})
    return out


# -- network layout --------------------------------------------------------------------------


def _component_positions(g: Any) -> dict[str, tuple[float, float]]:
    """Positions of one connected component in the unit square (Kamada-Kawai: deterministic and
    readable for the tens of states news mentions; a seeded spring layout for big graphs)."""
    import networkx as nx

    n = g.number_of_nodes()
    if n == 1:
        return {next(iter(g.nodes)): (0.5, 0.5)}
    if n == 2:
        a, b = sorted(g.nodes)
        return {a: (0.0, 0.5), b: (1.0, 0.5)}
    if n <= 150:
        pos = nx.kamada_kawai_layout(g, weight=None)
    else:
        pos = nx.spring_layout(g, weight="pull", seed=7, k=1.8 / math.sqrt(n), iterations=100)
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    return {k: ((p[0] - x0) / ((x1 - x0) or 1), (p[1] - y0) / ((y1 - y0) or 1)) for k, p in pos.items()}


def layout(
    nodes: Sequence[Mapping[str, Any]],
    edges: Sequence[Mapping[str, Any]],
    width: int = 900,
    height: int = 560,
) -> dict[str, tuple[float, float]]:
    """Positions of the network's nodes in the drawing: the largest connected group of states
    fills the main area, the small groups that trade with no one else are stacked in a column
    on the right (laid out together, they would squash the main group into a corner)."""
    import networkx as nx

    g = nx.Graph()
    for n in nodes:
        g.add_node(str(n["id"]))
    for e in edges:
        w = float(e.get("weight") or 0.0)
        pull = 1.0 + max(0.0, w) * 2 + math.log1p(int(e.get("events") or 1))
        g.add_edge(str(e["source"]), str(e["target"]), pull=pull)
    if not g.number_of_nodes():
        return {}
    comps = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c[0]))
    margin = 34.0
    main, rest = comps[0], comps[1:]
    side = min(240.0, width * 0.28) if rest else 0.0
    out: dict[str, tuple[float, float]] = {}

    def place(comp: list[str], x: float, y: float, w: float, h: float) -> None:
        for k, (u, v) in _component_positions(g.subgraph(comp)).items():
            out[k] = (round(x + u * w, 1), round(y + v * h, 1))

    if len(main) == 1 and not rest:
        place(main, width / 2, height / 2, 0, 0)
        return out
    place(main, margin, margin, width - side - 2 * margin, height - 2 * margin)
    if rest:
        cols = 1 if len(rest) <= 6 else 2
        rows = math.ceil(len(rest) / cols)
        cw, ch = side / cols, (height - 2 * margin) / rows
        for i, comp in enumerate(rest):
            cx = width - side + (i % cols) * cw
            cy = margin + (i // cols) * ch
            pad_x, pad_y = min(24.0, cw / 4), min(18.0, ch / 3)
            place(comp, cx + pad_x, cy + pad_y, cw - 2 * pad_x, max(0.0, ch - 2 * pad_y))
    return out


def edge_colour(sign: int) -> str:
    return "#2e8b57" if sign > 0 else "#c0392b" if sign < 0 else "#999999"


def bloc_colour(bloc: int | None) -> str:
    return "#bbbbbb" if bloc is None else BLOC_COLOURS[int(bloc) % len(BLOC_COLOURS)]
