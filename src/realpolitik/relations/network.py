"""The network of states for a time window: a signed, weighted graph.

Edge weight = (cooperative events - conflictual events) / all events between the pair, so it
lies in [-1, 1] whatever the volume: +1 only cooperation, -1 only conflict, 0 balanced. The sign
is the sign of the weight; the volume stays on the edge as ``events`` for whoever wants it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from realpolitik.errors import RealpolitikError
from realpolitik.relations.frame import (
    asserted_mask,
    country_pairs,
    is_conflict,
    is_cooperation,
    plain,
    time_slice,
)

EDGE_COLUMNS = [
    "source",
    "target",
    "events",
    "cooperation",
    "conflict",
    "goldstein_sum",
    "goldstein_mean",
    "weight",
    "sign",
    "event_ids",
    "doc_ids",
]
NODE_COLUMNS = [
    "id",
    "name",
    "events",
    "degree",
    "positive_ties",
    "negative_ties",
    "strength",
    "goldstein_received",
]
GRAPH_FORMATS = ("gexf", "graphml", "json")


@dataclass
class Network:
    """Nodes and edges of the signed network, and the window they cover."""

    nodes: pd.DataFrame
    edges: pd.DataFrame
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    directed: bool = False
    level: str = "country"


def _names(d: pd.DataFrame, level: str) -> dict[str, str]:
    """A display name per node: the actor name seen most often for it (for a country, the name
    used when the actor is the country itself, e.g. 'China' rather than 'Chinese government')."""
    names: dict[str, str] = {}
    for side in ("source", "target"):
        # plain(): code and country are categoricals of different dtypes, not comparable as such.
        part = plain(d[[f"{side}_{level}", f"{side}_code", f"{side}_name"]]).dropna()
        part.columns = ["node", "code", "name"]
        if level == "country":
            exact = part[part["code"] == part["node"]]
            part = pd.concat([exact, exact, part])  # the country's own name counts double
        for node, name in part.groupby("node")["name"].agg(lambda s: s.value_counts().index[0]).items():
            names.setdefault(str(node), str(name))
    return names


def build_network(
    df: pd.DataFrame,
    *,
    since: date | str | None = None,
    until: date | str | None = None,
    window: str | None = None,
    level: str = "country",
    directed: bool = False,
    min_events: int = 1,
) -> Network:
    """The signed network of the asserted events in the window.

    Nodes are countries (``level="country"``, ISO3 of both actors, domestic events left out) or
    full actor codes (``level="code"``). Undirected by default (``source`` < ``target``
    alphabetically). ``window`` (``90d``) ends at ``until`` or the last dated event. Pairs with
    fewer than ``min_events`` events are dropped.
    """
    # One filtering pass over the frame (asserted and in the window), not a copy per step.
    d, start, end = time_slice(df, since, until, window, keep=asserted_mask(df))
    pairs = country_pairs(d, level)
    pairs = pairs.assign(coop=is_cooperation(pairs).astype(int), conf=is_conflict(pairs).astype(int))
    keys = ["a", "b"] if directed else ["lo", "hi"]
    if pairs.empty:
        edges = pd.DataFrame(columns=EDGE_COLUMNS)
    else:
        edges = (
            pairs.groupby(keys, sort=True)
            .agg(
                events=("event_id", "size"),
                cooperation=("coop", "sum"),
                conflict=("conf", "sum"),
                goldstein_sum=("goldstein", "sum"),
                goldstein_mean=("goldstein", "mean"),
                event_ids=("event_id", list),
                doc_ids=("doc_id", lambda s: sorted(set(s))),
            )
            .reset_index()
            .rename(columns={keys[0]: "source", keys[1]: "target"})
        )
        edges = edges[edges["events"] >= max(1, int(min_events))]
        edges["weight"] = ((edges["cooperation"] - edges["conflict"]) / edges["events"]).round(6)
        edges["sign"] = edges["weight"].apply(lambda w: 1 if w > 0 else -1 if w < 0 else 0).astype(int)
        edges["goldstein_sum"] = edges["goldstein_sum"].round(6)
        edges["goldstein_mean"] = edges["goldstein_mean"].round(6)
        edges = edges[EDGE_COLUMNS].reset_index(drop=True)
    nodes = _nodes(edges, pairs, level)
    return Network(nodes=nodes, edges=edges, start=start, end=end, directed=directed, level=level)


def _nodes(edges: pd.DataFrame, pairs: pd.DataFrame, level: str) -> pd.DataFrame:
    if edges.empty:
        return pd.DataFrame(columns=NODE_COLUMNS)
    ends = pd.concat(
        [
            edges[["source", "events", "sign", "weight"]].rename(columns={"source": "id"}),
            edges[["target", "events", "sign", "weight"]].rename(columns={"target": "id"}),
        ]
    )
    g = ends.groupby("id")
    nodes = pd.DataFrame(
        {
            "events": g["events"].sum(),
            "degree": g.size(),
            "positive_ties": g["sign"].apply(lambda s: int((s > 0).sum())),
            "negative_ties": g["sign"].apply(lambda s: int((s < 0).sum())),
            "strength": g["weight"].sum().round(6),
        }
    )
    kept = set(nodes.index)
    received = pairs[pairs["b"].isin(kept)].groupby("b")["goldstein"].sum()
    nodes["goldstein_received"] = received.reindex(nodes.index).fillna(0.0).round(6)
    names = _names(pairs, level)
    nodes["name"] = [names.get(i, i) for i in nodes.index]
    nodes = nodes.reset_index().rename(columns={"index": "id"})
    nodes["events"] = nodes["events"].astype(int)
    nodes["degree"] = nodes["degree"].astype(int)
    return nodes[NODE_COLUMNS].sort_values("id").reset_index(drop=True)


def to_networkx(net: Network, *, lists: bool = True) -> nx.Graph:
    """The network as a networkx graph (DiGraph when directed). With ``lists=False`` the
    list-valued attributes (event and article ids) are left out, as GEXF and GraphML only take
    scalars."""
    g: nx.Graph = nx.DiGraph() if net.directed else nx.Graph()
    g.graph["start"] = net.start.date().isoformat() if net.start is not None else ""
    g.graph["end"] = net.end.date().isoformat() if net.end is not None else ""
    g.graph["level"] = net.level
    g.graph["weight"] = "(cooperation - conflict) / events"
    for row in net.nodes.to_dict("records"):
        node_id = row.pop("id")
        g.add_node(node_id, label=row.get("name") or node_id, **_plain(row))
    for row in net.edges.to_dict("records"):
        s, t = row.pop("source"), row.pop("target")
        if not lists:
            row.pop("event_ids", None)
            row.pop("doc_ids", None)
        g.add_edge(s, t, **_plain(row))
    return g


def _plain(row: dict[str, Any]) -> dict[str, Any]:
    """numpy scalars -> Python scalars (the graph writers reject numpy types)."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        if hasattr(v, "item") and not isinstance(v, list | str):
            v = v.item()
        out[k] = v
    return out


def graph_json(net: Network) -> dict[str, Any]:
    """Node-link JSON (``nodes``, ``links``) as D3's force layouts read it."""
    return nx.node_link_data(to_networkx(net, lists=True), edges="links")


def write_graph(net: Network, path: str | Path, fmt: str | None = None) -> Path:
    """Write the network as GEXF (Gephi), GraphML (Cytoscape) or node-link JSON (D3). The format
    is ``fmt`` or the file's extension."""
    p = Path(path)
    fmt = (fmt or p.suffix.lstrip(".")).lower()
    if fmt not in GRAPH_FORMATS:
        raise RealpolitikError(f"{p}: unknown graph format {fmt!r}; use one of {', '.join(GRAPH_FORMATS)}")
    try:
        if fmt == "json":
            p.write_text(json.dumps(graph_json(net), ensure_ascii=False, indent=1), encoding="utf-8")
        elif fmt == "gexf":
            nx.write_gexf(to_networkx(net, lists=False), p)
        else:
            nx.write_graphml(to_networkx(net, lists=False), p)
    except OSError as e:
        raise RealpolitikError(f"{p}: cannot write: {e.strerror or e}") from None
    return p
