"""RELATIONS stage: the international system as data.

Everything is computed on the flat events DataFrame of :func:`events_frame` (negated events
never count): dyads over time, the signed network of states, blocs and their stability,
alignment between rival poles and each power's influence, shift alerts, related articles,
plots and exports (GDELT 2.0 TSV, PLOVER JSONL, Parquet). ``commands.register`` adds the CLI.
"""

from __future__ import annotations

from realpolitik.relations.alignment import Poles, alignment, balance, influence, trend, who_is_winning
from realpolitik.relations.blocs import Blocs, bloc_stability, find_blocs, signed_modularity
from realpolitik.relations.dyads import all_dyads, dyad_events, dyad_series
from realpolitik.relations.frame import asserted, events_frame, match_actor, parse_window
from realpolitik.relations.network import Network, build_network, graph_json, to_networkx, write_graph
from realpolitik.relations.related import TfidfEmbedder, related_articles
from realpolitik.relations.shifts import shift_alerts

__all__ = [
    "Blocs",
    "Network",
    "Poles",
    "TfidfEmbedder",
    "alignment",
    "all_dyads",
    "asserted",
    "balance",
    "bloc_stability",
    "build_network",
    "dyad_events",
    "dyad_series",
    "events_frame",
    "find_blocs",
    "graph_json",
    "influence",
    "match_actor",
    "parse_window",
    "related_articles",
    "shift_alerts",
    "signed_modularity",
    "to_networkx",
    "trend",
    "who_is_winning",
    "write_graph",
]
