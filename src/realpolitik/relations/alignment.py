"""Alignment between rival poles, and the influence of each power: who is winning.

Alignment of a state with poles A and B. Every asserted event between the state and a member of
a pole (either direction) has a signed value s: +1 for cooperation (QuadClass 1-2) and -1 for
conflict (3-4) by default, or its Goldstein score with ``weight="goldstein"``. Then

    alignment = (sum of s with A - sum of s with B) / (sum of |s| with A and B)

which lies in [-1, 1]: +1 when the state only cooperates with A and/or only fights B, -1 the
reverse, 0 when it treats both alike (or has nothing to do with either).

Influence of each power (each pole member) among the rivals compared, over a period: the mean
of three shares, each the power's part of the total over all pole members,

- cooperative ties: states it has net-cooperative relations with;
- centrality: PageRank on the cooperative network (edges weighted by cooperative events);
- net Goldstein received: the sum of Goldstein scores of events aimed at it (negative totals
  count as 0 in the share).

A pole's influence is the sum of its members'; with both poles covering all powers the two add
up to 1, so ``influence`` of pole A above 0.5 means A leads on the evidence of that period.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from importlib import resources

import networkx as nx
import numpy as np
import pandas as pd

from realpolitik.errors import RealpolitikError
from realpolitik.relations.frame import (
    asserted,
    country_pairs,
    is_conflict,
    is_cooperation,
    normalise_actor,
    normalise_freq,
    period_start,
    time_slice,
)


@dataclass(frozen=True)
class Poles:
    """Two rival poles, each a name and member countries (ISO3)."""

    a: tuple[str, ...]
    b: tuple[str, ...]

    @property
    def name_a(self) -> str:
        return "+".join(self.a)

    @property
    def name_b(self) -> str:
        return "+".join(self.b)

    @property
    def powers(self) -> tuple[str, ...]:
        return self.a + self.b

    @classmethod
    def parse(cls, a: str | list[str] | tuple[str, ...], b: str | list[str] | tuple[str, ...]) -> Poles:
        """``Poles.parse("USA", "CHN,RUS")``: comma-separated ISO3 codes per pole."""

        def members(x: str | list[str] | tuple[str, ...]) -> tuple[str, ...]:
            items = x.split(",") if isinstance(x, str) else list(x)
            out = tuple(dict.fromkeys(normalise_actor(i) for i in items if i.strip()))
            if not out:
                raise RealpolitikError("a pole needs at least one country code")
            for m in out:
                if len(m) != 3:
                    raise RealpolitikError(f"pole member {m!r} is not a three-letter country code")
            return out

        pa, pb = members(a), members(b)
        if set(pa) & set(pb):
            raise RealpolitikError(
                f"a country cannot be in both poles: {', '.join(sorted(set(pa) & set(pb)))}"
            )
        return cls(pa, pb)

    @classmethod
    def default(cls) -> Poles:
        """The founding article's rivals, from ``data/poles.json`` (USA against CHN+RUS)."""
        cfg = json.loads(resources.files(__package__).joinpath("data/poles.json").read_text("utf-8"))
        return cls.parse(cfg["a"], cfg["b"])


def _pole_events(df: pd.DataFrame, poles: Poles) -> pd.DataFrame:
    """Country-level events between a pole member and a third state, as (state, pole, s, |s|)."""
    pairs = country_pairs(asserted(df), "country")
    if pairs.empty:
        return pairs.assign(state="", pole="", s=0.0, mag=0.0)
    members = {c: "A" for c in poles.a} | {c: "B" for c in poles.b}
    rows = []
    for state_col, other_col in (("a", "b"), ("b", "a")):
        part = pairs[pairs[other_col].isin(members) & ~pairs[state_col].isin(members)].copy()
        part["state"] = part[state_col]
        part["pole"] = part[other_col].map(members)
        rows.append(part)
    return pd.concat(rows, ignore_index=True)


def _signed_value(ev: pd.DataFrame, weight: str) -> pd.Series:
    if weight == "count":
        return is_cooperation(ev).astype(float) - is_conflict(ev).astype(float)
    if weight == "goldstein":
        return ev["goldstein"].astype(float)
    raise RealpolitikError(f"{weight!r} is not an alignment weight: use count or goldstein")


def alignment(
    df: pd.DataFrame,
    poles: Poles | None = None,
    *,
    since: date | str | None = None,
    until: date | str | None = None,
    freq: str | None = None,
    weight: str = "count",
    min_events: int = 1,
) -> pd.DataFrame:
    """Each third state's alignment in [-1, 1] (+1 = pole A) overall, or per period with ``freq``.

    Columns: [``period``,] ``state``, ``events``, ``coop_a``, ``conflict_a``, ``coop_b``,
    ``conflict_b``, ``alignment``, ``event_ids``. States with fewer than ``min_events`` events
    with the poles are left out. Undated events count only when no period or bound is asked.
    """
    poles = poles or Poles.default()
    d, _, _ = time_slice(df, since, until)
    ev = _pole_events(d, poles)
    keys = ["state"]
    if freq is not None:
        ev = ev[ev["date"].notna()].copy()
        ev["period"] = period_start(ev["date"], normalise_freq(freq))
        keys = ["period", "state"]
    cols = [*keys, "events", "coop_a", "conflict_a", "coop_b", "conflict_b", "alignment", "event_ids"]
    if ev.empty:
        return pd.DataFrame(columns=cols)
    ev["s"] = _signed_value(ev, weight)
    ev["signed"] = np.where(ev["pole"] == "A", ev["s"], -ev["s"])
    ev["mag"] = ev["s"].abs()
    coop, conf = is_cooperation(ev), is_conflict(ev)
    for pole in ("a", "b"):
        on = ev["pole"] == pole.upper()
        ev[f"coop_{pole}"] = (coop & on).astype(int)
        ev[f"conflict_{pole}"] = (conf & on).astype(int)
    g = ev.groupby(keys, sort=True)
    out = g.agg(
        events=("event_id", "size"),
        coop_a=("coop_a", "sum"),
        conflict_a=("conflict_a", "sum"),
        coop_b=("coop_b", "sum"),
        conflict_b=("conflict_b", "sum"),
        signed=("signed", "sum"),
        mag=("mag", "sum"),
        event_ids=("event_id", list),
    ).reset_index()
    out["alignment"] = np.where(out["mag"] > 0, out["signed"] / out["mag"].where(out["mag"] > 0, 1), 0.0)
    out["alignment"] = out["alignment"].round(6)
    out = out[out["events"] >= max(1, int(min_events))]
    sort = keys if freq is not None else ["alignment", "state"]
    asc = True if freq is not None else [False, True]
    return out[cols].sort_values(sort, ascending=asc, kind="stable").reset_index(drop=True)


def balance(align: pd.DataFrame, threshold: float = 0.2) -> pd.DataFrame:
    """Per period (or once): how many states lean to each pole (alignment beyond +-threshold),
    and the mean alignment of the states (+ = pole A ahead)."""
    keys = ["period"] if "period" in align.columns else []
    cols = [*keys, "states", "lean_a", "lean_b", "neutral", "mean_alignment"]
    if align.empty:
        return pd.DataFrame(columns=cols)
    a = align.assign(
        lean_a=(align["alignment"] > threshold).astype(int),
        lean_b=(align["alignment"] < -threshold).astype(int),
    )
    a["neutral"] = 1 - a["lean_a"] - a["lean_b"]
    if keys:
        out = (
            a.groupby(keys)
            .agg(
                states=("state", "size"),
                lean_a=("lean_a", "sum"),
                lean_b=("lean_b", "sum"),
                neutral=("neutral", "sum"),
                mean_alignment=("alignment", "mean"),
            )
            .reset_index()
        )
    else:
        out = pd.DataFrame(
            [
                {
                    "states": len(a),
                    "lean_a": int(a["lean_a"].sum()),
                    "lean_b": int(a["lean_b"].sum()),
                    "neutral": int(a["neutral"].sum()),
                    "mean_alignment": float(a["alignment"].mean()),
                }
            ]
        )
    out["mean_alignment"] = out["mean_alignment"].round(6)
    return out[cols]


def _influence_one(pairs: pd.DataFrame, poles: Poles) -> list[dict[str, object]]:
    powers = list(poles.powers)
    coop = pairs[is_cooperation(pairs)]
    g = nx.Graph()
    for (lo, hi), n in coop.groupby(["lo", "hi"]).size().items():
        g.add_edge(lo, hi, weight=float(n))
    pr = nx.pagerank(g, weight="weight") if g.number_of_edges() else {}
    net = (
        pairs.assign(v=is_cooperation(pairs).astype(int) - is_conflict(pairs).astype(int))
        .groupby(["lo", "hi"])["v"]
        .sum()
    )
    rows = []
    for p in powers:
        ties = net[(net.index.get_level_values(0) == p) | (net.index.get_level_values(1) == p)]
        received = pairs.loc[pairs["b"] == p, "goldstein"]
        rows.append(
            {
                "power": p,
                "partners": len(ties),
                "coop_ties": int((ties > 0).sum()),
                "conflict_ties": int((ties < 0).sum()),
                "pagerank": float(pr.get(p, 0.0)),
                "goldstein_received": float(received.sum()),
                "events_received": len(received),
            }
        )
    comps = {
        "coop_ties": [float(r["coop_ties"]) for r in rows],
        "pagerank": [float(r["pagerank"]) for r in rows],
        "goldstein_received": [max(float(r["goldstein_received"]), 0.0) for r in rows],
    }
    shares = {k: (np.array(v) / sum(v) if sum(v) > 0 else None) for k, v in comps.items()}
    for i, r in enumerate(rows):
        parts = [s[i] for s in shares.values() if s is not None]
        r["influence"] = round(float(np.mean(parts)), 6) if parts else float("nan")
        r["pagerank"] = round(r["pagerank"], 6)
        r["goldstein_received"] = round(r["goldstein_received"], 6)
    for name, members in ((poles.name_a, poles.a), (poles.name_b, poles.b)):
        if len(members) > 1:
            member_rows = [r for r in rows if r["power"] in members]
            rows.append(
                {
                    "power": name,
                    "partners": None,
                    "coop_ties": None,
                    "conflict_ties": None,
                    "pagerank": round(sum(float(r["pagerank"]) for r in member_rows), 6),
                    "goldstein_received": round(sum(float(r["goldstein_received"]) for r in member_rows), 6),
                    "events_received": sum(int(r["events_received"]) for r in member_rows),
                    "influence": round(sum(float(r["influence"]) for r in member_rows), 6),
                }
            )
    return rows


INFLUENCE_COLUMNS = [
    "power",
    "partners",
    "coop_ties",
    "conflict_ties",
    "pagerank",
    "goldstein_received",
    "events_received",
    "influence",
]


def influence(
    df: pd.DataFrame,
    poles: Poles | None = None,
    *,
    since: date | str | None = None,
    until: date | str | None = None,
    freq: str | None = None,
) -> pd.DataFrame:
    """Influence of each power (and of each multi-member pole) overall or per period.

    Columns: [``period``,] :data:`INFLUENCE_COLUMNS`. See the module docstring for the score.
    """
    poles = poles or Poles.default()
    d, _, _ = time_slice(df, since, until)
    pairs = country_pairs(asserted(d), "country")
    if freq is None:
        return _int_counts(pd.DataFrame(_influence_one(pairs, poles), columns=INFLUENCE_COLUMNS))
    pairs = pairs[pairs["date"].notna()].copy()
    pairs["period"] = period_start(pairs["date"], normalise_freq(freq))
    frames = []
    for period, part in pairs.groupby("period", sort=True):
        frames.append(
            pd.DataFrame(_influence_one(part, poles), columns=INFLUENCE_COLUMNS).assign(period=period)
        )
    if not frames:
        return pd.DataFrame(columns=["period", *INFLUENCE_COLUMNS])
    return _int_counts(pd.concat(frames, ignore_index=True)[["period", *INFLUENCE_COLUMNS]])


def _int_counts(t: pd.DataFrame) -> pd.DataFrame:
    """Counts stay integers (nullable: a pole's row has no partner counts of its own)."""
    for col in ("partners", "coop_ties", "conflict_ties", "events_received"):
        t[col] = pd.array(t[col].tolist(), dtype="Int64")
    return t


def trend(values: pd.Series | list[float]) -> float:
    """Least-squares slope per step of a series (NaN when fewer than two finite points)."""
    y = np.asarray(pd.Series(values, dtype=float))
    x = np.arange(len(y), dtype=float)
    ok = np.isfinite(y)
    if ok.sum() < 2:
        return float("nan")
    return float(np.polyfit(x[ok], y[ok], 1)[0])


def who_is_winning(
    df: pd.DataFrame, poles: Poles | None = None, *, freq: str = "month", **kw: object
) -> dict:
    """The headline: pole A's influence share minus pole B's (in [-1, 1], + = A ahead) overall,
    per period, and its trend per period."""
    poles = poles or Poles.default()
    overall = influence(df, poles, **kw)  # type: ignore[arg-type]
    per = influence(df, poles, freq=freq, **kw)  # type: ignore[arg-type]

    def margin(t: pd.DataFrame) -> float:
        a = t.loc[t["power"].isin(poles.a), "influence"].sum(min_count=1)
        b = t.loc[t["power"].isin(poles.b), "influence"].sum(min_count=1)
        return float(a - b) if pd.notna(a) and pd.notna(b) else float("nan")

    series = (
        per.groupby("period").apply(margin, include_groups=False) if not per.empty else pd.Series(dtype=float)
    )
    return {
        "pole_a": poles.name_a,
        "pole_b": poles.name_b,
        "margin": round(margin(overall), 6) if not overall.empty else float("nan"),
        "by_period": series.round(6),
        "trend_per_period": round(trend(series), 6) if len(series) else float("nan"),
    }
