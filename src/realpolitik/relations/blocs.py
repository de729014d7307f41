"""Blocs: communities on the signed network, and how stable they are from window to window.

Two methods, both scored by the same objective, the signed modularity of Gómez, Jensen and
Arenas (2009): modularity of the cooperative part minus modularity of the conflictual part,
weighted by their shares of the total absolute weight.

- ``leiden`` (default): Leiden (Traag, Waltman and van Eck 2019, ``leidenalg``) optimising the
  cooperative layer with weight +1 and the conflictual layer with weight -1 at once
  (``optimise_partition_multiplex``), i.e. the signed modularity itself; the number of blocs
  is found, not given.
- ``spectral``: the signed Laplacian (Kunegis et al. 2010), k-means on its k smallest
  eigenvectors, k chosen in 2..8 by signed modularity.

``python -m realpolitik.relations.measure`` compares them on planted signed camps; the README
gives the numbers that made Leiden the default.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from realpolitik.errors import RealpolitikError
from realpolitik.relations.frame import parse_window, time_slice
from realpolitik.relations.network import Network, build_network

METHODS = ("leiden", "spectral")


@dataclass
class Blocs:
    """Bloc of each node (``node``, ``name``, ``bloc``; bloc 0 is the largest) and the signed
    modularity of the partition."""

    assignments: pd.DataFrame
    modularity: float
    method: str

    def members(self) -> dict[int, list[str]]:
        return {int(b): sorted(g["node"]) for b, g in self.assignments.groupby("bloc")}


def adjacency(net: Network) -> tuple[list[str], np.ndarray]:
    """Node ids and the symmetric signed weight matrix of the (undirected) network."""
    nodes = sorted(set(net.nodes["id"]) | set(net.edges["source"]) | set(net.edges["target"]))
    index = {n: i for i, n in enumerate(nodes)}
    w = np.zeros((len(nodes), len(nodes)))
    for s, t, x in net.edges[["source", "target", "weight"]].itertuples(index=False):
        i, j = index[s], index[t]
        if i != j:
            w[i, j] += float(x)
            w[j, i] = w[i, j]
    return nodes, w


def signed_modularity(w: np.ndarray, labels: np.ndarray | list[int]) -> float:
    """Gómez-Jensen-Arenas signed modularity of a partition of a symmetric weight matrix."""
    labels = np.asarray(labels)
    pos, neg = np.clip(w, 0, None), np.clip(-w, 0, None)
    wp, wn = pos.sum() / 2, neg.sum() / 2
    if wp + wn == 0:
        return 0.0
    same = labels[:, None] == labels[None, :]
    kp, kn = pos.sum(1), neg.sum(1)
    expected = np.zeros_like(w)
    if wp > 0:
        expected += np.outer(kp, kp) / (2 * wp)
    if wn > 0:
        expected -= np.outer(kn, kn) / (2 * wn)
    return float(((w - expected) * same).sum() / (2 * (wp + wn)))


def _canonical(nodes: list[str], labels: np.ndarray) -> np.ndarray:
    """Relabel so that bloc 0 is the largest, ties broken by the first member's code."""
    groups: dict[int, list[str]] = {}
    for n, lab in zip(nodes, labels, strict=True):
        groups.setdefault(int(lab), []).append(n)
    order = sorted(groups, key=lambda g: (-len(groups[g]), min(groups[g])))
    remap = {g: i for i, g in enumerate(order)}
    return np.array([remap[int(lab)] for lab in labels], dtype=int)


def leiden_labels(w: np.ndarray, *, seed: int = 0, resolution: float = 1.0) -> np.ndarray:
    """Leiden on the cooperative layer (+1) and the conflictual layer (-1) together."""
    import igraph as ig
    import leidenalg as la

    n = w.shape[0]
    if n == 0:
        return np.zeros(0, dtype=int)
    iu = np.triu_indices(n, 1)
    layers = []
    for sign in (1, -1):
        vals = np.clip(sign * w[iu], 0, None)
        keep = vals > 0
        g = ig.Graph(n=n, edges=list(zip(iu[0][keep].tolist(), iu[1][keep].tolist(), strict=True)))
        g.es["weight"] = vals[keep].tolist()
        layers.append(g)
    parts = [
        la.RBConfigurationVertexPartition(g, weights="weight", resolution_parameter=resolution)
        for g in layers
        if g.ecount() > 0
    ]
    if not parts:  # no ties at all: every node alone
        return np.arange(n)
    weights = [s for s, g in zip((1, -1), layers, strict=True) if g.ecount() > 0]
    opt = la.Optimiser()
    opt.set_rng_seed(int(seed))
    if weights == [-1]:
        # Only conflict: each state is its own bloc (nothing binds any two together).
        return np.arange(n)
    opt.optimise_partition_multiplex(parts, layer_weights=weights, n_iterations=-1)
    return np.asarray(parts[0].membership, dtype=int)


def spectral_labels(w: np.ndarray, *, seed: int = 0, k: int | None = None, kmax: int = 8) -> np.ndarray:
    """k-means on the smallest eigenvectors of the signed Laplacian; k by signed modularity."""
    from sklearn.cluster import KMeans

    n = w.shape[0]
    if n <= 2:
        return np.arange(n) if n and not (n == 2 and w[0, 1] > 0) else np.zeros(n, dtype=int)
    isolated = np.abs(w).sum(1) == 0
    idx = np.flatnonzero(~isolated)
    labels = np.arange(n) + n  # isolated nodes: singletons
    if len(idx) < 2:
        return _dense(labels)
    sub = w[np.ix_(idx, idx)]
    lap = np.diag(np.abs(sub).sum(1)) - sub
    _, vecs = np.linalg.eigh(lap)
    candidates = [k] if k else list(range(2, min(kmax, len(idx) - 1) + 1)) or [2]
    best, best_q = None, -np.inf
    for kk in candidates:
        x = vecs[:, :kk]
        norms = np.linalg.norm(x, axis=1, keepdims=True)
        x = x / np.where(norms == 0, 1, norms)
        lab = KMeans(n_clusters=kk, n_init=10, random_state=seed).fit_predict(x)
        q = signed_modularity(sub, lab)
        if q > best_q + 1e-12:
            best, best_q = lab, q
    labels[idx] = best
    return _dense(labels)


def _dense(labels: np.ndarray) -> np.ndarray:
    _, inv = np.unique(labels, return_inverse=True)
    return inv.astype(int)


def find_blocs(
    net: Network, *, method: str = "leiden", seed: int = 0, resolution: float = 1.0, k: int | None = None
) -> Blocs:
    """Blocs of an (undirected) signed network. ``k`` fixes the number of blocs (spectral only)."""
    if method not in METHODS:
        raise RealpolitikError(f"{method!r} is not a bloc method: use {' or '.join(METHODS)}")
    nodes, w = adjacency(net)
    if method == "leiden":
        labels = leiden_labels(w, seed=seed, resolution=resolution)
    else:
        labels = spectral_labels(w, seed=seed, k=k)
    labels = _canonical(nodes, labels) if nodes else labels
    names = dict(zip(net.nodes["id"], net.nodes["name"], strict=False)) if len(net.nodes) else {}
    out = pd.DataFrame({"node": nodes, "name": [names.get(n, n) for n in nodes], "bloc": labels})
    out = out.sort_values(["bloc", "node"]).reset_index(drop=True)
    return Blocs(out, round(signed_modularity(w, labels), 6) if nodes else 0.0, method)


def _match_labels(prev: dict[str, int], cur: dict[str, int]) -> dict[int, int]:
    """Map current bloc ids to previous ones by maximum overlap (Hungarian); unmatched blocs get
    fresh ids after the previous ones, so a bloc keeps its number while it persists."""
    from scipy.optimize import linear_sum_assignment

    p_ids, c_ids = sorted(set(prev.values())), sorted(set(cur.values()))
    overlap = np.zeros((len(c_ids), len(p_ids)))
    for node, c in cur.items():
        if node in prev:
            overlap[c_ids.index(c), p_ids.index(prev[node])] += 1
    rows, cols = linear_sum_assignment(-overlap) if overlap.size else ([], [])
    mapping = {c_ids[r]: p_ids[c] for r, c in zip(rows, cols, strict=True) if overlap[r, c] > 0}
    nxt = max(p_ids, default=-1) + 1
    for c in c_ids:
        if c not in mapping:
            mapping[c] = nxt
            nxt += 1
    return mapping


def bloc_stability(
    df: pd.DataFrame,
    *,
    window: str = "90d",
    step: str = "30d",
    since: date | str | None = None,
    until: date | str | None = None,
    method: str = "leiden",
    seed: int = 0,
    level: str = "country",
    min_events: int = 1,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Blocs in successive windows (``window`` long, ends ``step`` apart, the last ending at
    ``until`` or the last event) and their stability.

    Returns (assignments, summary). Assignments: ``window_end``, ``node``, ``bloc`` with bloc
    numbers carried over from the previous window by maximum overlap. Summary per window:
    ``window_start``, ``window_end``, ``nodes``, ``blocs``, ``modularity``, ``ari`` (adjusted
    Rand index with the previous window over the nodes present in both; NaN for the first) and
    ``moved`` (nodes whose bloc changed).
    """
    from sklearn.metrics import adjusted_rand_score

    win, stp = parse_window(window), parse_window(step)
    dated, lo, hi = time_slice(df, since, until)
    dated = dated[dated["date"].notna()]
    if dated.empty:
        return (
            pd.DataFrame(columns=["window_end", "node", "bloc"]),
            pd.DataFrame(
                columns=["window_start", "window_end", "nodes", "blocs", "modularity", "ari", "moved"]
            ),
        )
    first = lo if lo is not None else dated["date"].min()
    end = hi if hi is not None else dated["date"].max()
    ends = []
    while True:
        ends.append(end)
        end = end - stp
        if end - win + pd.Timedelta(days=1) < first - stp or len(ends) >= 500:
            break
    ends = [e for e in reversed(ends) if e >= first]
    rows, summary = [], []
    prev: dict[str, int] | None = None
    for e in ends:
        net = build_network(dated, until=e.date(), window=window, level=level, min_events=min_events)
        result = find_blocs(net, method=method, seed=seed)
        cur = dict(zip(result.assignments["node"], result.assignments["bloc"], strict=True))
        ari, moved = float("nan"), []
        if prev is not None and cur:
            mapping = _match_labels(prev, cur) if prev else {}
            cur = {n: mapping.get(b, b) for n, b in cur.items()}
            common = sorted(set(prev) & set(cur))
            if len(common) >= 2:
                ari = float(adjusted_rand_score([prev[n] for n in common], [cur[n] for n in common]))
            moved = [n for n in common if prev[n] != cur[n]]
        rows.extend({"window_end": e, "node": n, "bloc": b} for n, b in sorted(cur.items()))
        summary.append(
            {
                "window_start": e - win + pd.Timedelta(days=1),
                "window_end": e,
                "nodes": len(cur),
                "blocs": len(set(cur.values())),
                "modularity": result.modularity,
                "ari": round(ari, 6) if ari == ari else ari,
                "moved": moved,
            }
        )
        if cur:
            prev = cur
    return pd.DataFrame(rows), pd.DataFrame(summary)
