"""RELATIONS stage on small hand-built event sets: every expected number is worked out by hand
in the comments next to it."""

from __future__ import annotations

import io
import itertools
import json
from datetime import date, timedelta

import networkx as nx
import numpy as np
import pandas as pd
import pytest

from realpolitik.errors import InputError, RealpolitikError
from realpolitik.models import ActorRef, CameoCode, Event, PloverType
from realpolitik.relations import (
    Poles,
    alignment,
    balance,
    bloc_stability,
    build_network,
    dyad_events,
    dyad_series,
    events_frame,
    find_blocs,
    influence,
    related_articles,
    shift_alerts,
    signed_modularity,
    trend,
    who_is_winning,
    write_graph,
)
from realpolitik.relations.export import (
    all_tables,
    gdelt_columns,
    gdelt_rows,
    plover_records,
    unfilled_gdelt_columns,
    write_gdelt,
    write_parquet,
)
from realpolitik.relations.frame import match_actor, parse_window, plain

NAMES = {
    "USA": "United States",
    "CHN": "China",
    "RUS": "Russia",
    "GBR": "United Kingdom",
    "FRA": "France",
    "JPN": "Japan",
    "IRN": "Iran",
    "IND": "India",
    "PAK": "Pakistan",
    "MEX": "Mexico",
}
# quad class -> a CAMEO code of that class (the Goldstein value is given per event).
QUAD_CODE = {1: "042", 2: "061", 3: "112", 4: "163"}

_counter = itertools.count()


def actor(code: str) -> ActorRef:
    if code.startswith("IGO"):
        return ActorRef(code, code, None, None, code)
    country = code[:3]
    sector = code[3:6] or None
    return ActorRef(NAMES.get(country, country), code, country, sector, NAMES.get(country, country))


def ev(
    src: str,
    tgt: str | None,
    quad: int,
    goldstein: float,
    when: date | str | None,
    *,
    doc: str | None = None,
    negated: bool = False,
    sentence_index: int = 1,
) -> dict:
    """One event dict of the output contract, with its article (as Store.events gives it)."""
    n = next(_counter)
    code = QUAD_CODE[quad]
    when = date.fromisoformat(when) if isinstance(when, str) else when
    e = Event(
        doc_id=doc or f"doc{n}",
        sentence_index=sentence_index,
        span=(n, n + 5),
        sentence=f"{src} and {tgt} event {n}.",
        date=when,
        source=actor(src),
        target=actor(tgt) if tgt else None,
        cameo=CameoCode(code, code[:2], f"name {code}", goldstein, quad),
        plover=PloverType("CONSULT" if quad < 3 else "ACCUSE", None),
        polarity="negated" if negated else "asserted",
        trigger="did",
    )
    d = e.to_dict()
    d["article"] = {
        "title": f"Title {d['doc_id']}",
        "publisher": "Wire",
        "url": f"https://x.test/{d['doc_id']}",
    }
    return d


# ---------------------------------------------------------------------------------- the frame


def test_events_frame_flattens_and_types() -> None:
    df = events_frame([ev("CHNGOV", "RUS", 1, 1.9, "2024-01-03"), ev("USA", None, 3, -2.0, None)])
    assert list(df["source_code"]) == ["CHNGOV", "USA"]
    assert list(df["source_country"]) == ["CHN", "USA"]
    # Codes, countries and polarity are categoricals (a source and a target share one dtype);
    # a missing value reads as NaN there, and as None once the frame is made plain.
    for col in ("source_code", "target_code", "source_country", "target_country", "polarity"):
        assert isinstance(df[col].dtype, pd.CategoricalDtype), col
    assert df["source_code"].dtype == df["target_code"].dtype
    assert pd.isna(df["target_code"].iloc[1])
    assert plain(df)["target_code"].iloc[1] is None
    assert str(df["date"].dtype).startswith("datetime64")
    assert pd.isna(df["date"].iloc[1])
    assert df["goldstein"].tolist() == [1.9, -2.0]
    assert df["quad_class"].tolist() == [1, 3]
    assert df["title"].iloc[0].startswith("Title doc")


def test_events_frame_counts_far_dates_as_undated() -> None:
    # "in 1099" resolved by the date coder, or an article dated 0001-01-01: pandas timestamps
    # cannot hold them, and one such event once made every analysis of a whole store fail.
    rows = [
        ev("CHN", "RUS", 1, 1.0, "1099-12-22"),
        ev("CHN", "RUS", 1, 1.0, date(1, 1, 1)),
        ev("CHN", "RUS", 3, -2.0, "2024-01-03"),
    ]
    df = events_frame(rows)
    assert df["date"].isna().tolist() == [True, True, False]
    series = dyad_series(df, "CHN", "RUS", freq="month")
    assert int(series["events"].sum()) == 1  # only the dated event is placed in time


def test_events_frame_empty_has_columns() -> None:
    df = events_frame([])
    assert "event_id" in df.columns and len(df) == 0
    assert dyad_series(df, "CHN", "RUS").empty
    assert build_network(df).edges.empty


def test_events_frame_bad_input_names_the_position() -> None:
    good = ev("CHN", "RUS", 1, 1.0, "2024-01-01")
    bad = dict(good)
    del bad["cameo"]
    with pytest.raises(InputError, match=r"x\.jsonl:2: event lacks cameo"):
        events_frame([good, bad], origin="x.jsonl")
    worse = ev("CHN", "RUS", 1, 1.0, "2024-01-01")
    worse["cameo"]["quad_class"] = 7
    with pytest.raises(InputError, match="quad_class must be 1 to 4"):
        events_frame([worse])
    with pytest.raises(InputError, match="not an object"):
        events_frame([good, "nonsense"])  # type: ignore[list-item]


def test_match_actor_country_and_finer_codes() -> None:
    df = events_frame([ev("CHNGOV", "RUS", 1, 1, "2024-01-01"), ev("CHN", "USAGOV", 1, 1, "2024-01-01")])
    assert match_actor(df, "chn", "source").tolist() == [True, True]
    assert match_actor(df, "CHNGOV", "source").tolist() == [True, False]
    assert match_actor(df, "USAGOV", "target").tolist() == [False, True]
    with pytest.raises(RealpolitikError):
        match_actor(df, "C-N", "source")


def test_parse_window() -> None:
    assert parse_window("90d") == pd.DateOffset(days=90)
    assert parse_window("6M") == pd.DateOffset(months=6)
    for bad in ("90", "d", "0d", "3x"):
        with pytest.raises(RealpolitikError):
            parse_window(bad)


# ---------------------------------------------------------------------------------- dyads


@pytest.fixture()
def dyad_df() -> pd.DataFrame:
    return events_frame(
        [
            ev("CHN", "RUS", 1, 1.9, "2024-01-03", doc="a1"),  # Wed, week of Mon 01-01
            ev("RUSGOV", "CHN", 2, 6.4, "2024-01-10", doc="a1"),  # week of 01-08
            ev("CHN", "RUS", 3, -2.0, "2024-01-20", doc="a2"),  # Sat, week of 01-15
            ev("RUS", "CHN", 4, -8.0, "2024-02-05", doc="a3"),  # Mon, week of 02-05
            ev("CHN", "RUS", 1, 4.0, "2024-02-06", doc="a3", negated=True),  # never counts
            ev("CHN", "USA", 3, -2.0, "2024-02-07", doc="a3"),  # another dyad
            ev("CHN", "RUS", 1, 3.0, None, doc="a4"),  # undated: not in a time series
            ev("CHN", "CHNGOV", 1, 3.0, "2024-01-05", doc="a4"),  # domestic
        ]
    )


def test_dyad_monthly_both_ways(dyad_df: pd.DataFrame) -> None:
    s = dyad_series(dyad_df, "CHN", "RUS", freq="month")
    assert s["period"].dt.strftime("%Y-%m").tolist() == ["2024-01", "2024-02"]
    assert s["direction"].tolist() == ["CHN<->RUS"] * 2
    # January: 1.9 + 6.4 - 2.0 = 6.3 over 3 events, mean 2.1; one event each of q1, q2, q3.
    jan, feb = s.iloc[0], s.iloc[1]
    assert jan["events"] == 3 and jan["goldstein_sum"] == pytest.approx(6.3)
    assert jan["goldstein_mean"] == pytest.approx(2.1)
    assert [jan[f"q{q}"] for q in (1, 2, 3, 4)] == [1, 1, 1, 0]
    assert (jan["cooperation"], jan["conflict"]) == (2, 1)
    # February: only the material conflict (-8); the negated visit does not count.
    assert feb["events"] == 1 and feb["goldstein_sum"] == pytest.approx(-8.0) and feb["q4"] == 1
    # Traceable: the ids are exactly the events added up, and their articles.
    assert len(jan["event_ids"]) == 3 and jan["doc_ids"] == ["a1", "a2"]
    assert set(jan["event_ids"]) <= set(dyad_df["event_id"])


def test_dyad_directed_and_weekly(dyad_df: pd.DataFrame) -> None:
    s = dyad_series(dyad_df, "CHN", "RUS", freq="month", directed=True)
    got = {
        (r.direction, r.period.strftime("%m")): (r.events, round(r.goldstein_sum, 6)) for r in s.itertuples()
    }
    # CHN->RUS in January: 1.9 - 2.0 = -0.1 (2 events); RUS->CHN: 6.4; Feb: 0 and -8.
    assert got == {
        ("CHN->RUS", "01"): (2, -0.1),
        ("RUS->CHN", "01"): (1, 6.4),
        ("CHN->RUS", "02"): (0, 0.0),
        ("RUS->CHN", "02"): (1, -8.0),
    }
    w = dyad_series(dyad_df, "CHN", "RUS", freq="week")
    # Weeks from Monday 2024-01-01 to Monday 2024-02-05: six, zeros filled in.
    assert w["period"].dt.strftime("%m-%d").tolist() == ["01-01", "01-08", "01-15", "01-22", "01-29", "02-05"]
    assert w["events"].tolist() == [1, 1, 1, 0, 0, 1]
    assert w["goldstein_sum"].tolist() == pytest.approx([1.9, 6.4, -2.0, 0, 0, -8.0])
    assert np.isnan(w["goldstein_mean"].iloc[3])


def test_dyad_finer_codes_and_bounds(dyad_df: pd.DataFrame) -> None:
    s = dyad_series(dyad_df, "RUSGOV", "CHN", freq="month")
    assert s["events"].sum() == 1 and s["goldstein_sum"].sum() == pytest.approx(6.4)
    s = dyad_series(dyad_df, "CHN", "RUS", freq="day", since="2024-01-10", until="2024-01-20")
    assert len(s) == 11 and s["events"].sum() == 2  # 01-10 and 01-20 inclusive
    evs = dyad_events(dyad_df, "CHN", "RUS")
    # Evidence: 5 asserted events (undated included), never the negated one.
    assert len(evs) == 5 and (evs["polarity"] == "asserted").all()


# ---------------------------------------------------------------------------------- network


def test_network_edge_sign_and_weight(dyad_df: pd.DataFrame) -> None:
    net = build_network(dyad_df)
    e = net.edges.set_index(["source", "target"])
    # CHN-RUS: cooperation 3 (q1, q2, undated q1), conflict 2 (q3, q4) -> (3 - 2) / 5 = +0.2.
    assert e.loc[("CHN", "RUS"), "events"] == 5
    assert e.loc[("CHN", "RUS"), "weight"] == pytest.approx(0.2)
    assert e.loc[("CHN", "RUS"), "sign"] == 1
    # CHN-USA: one verbal conflict -> -1.
    assert e.loc[("CHN", "USA"), "weight"] == pytest.approx(-1.0) and e.loc[("CHN", "USA"), "sign"] == -1
    assert len(net.edges) == 2  # the domestic CHN-CHNGOV event is not an edge
    nodes = net.nodes.set_index("id")
    assert nodes.loc["CHN", "degree"] == 2 and nodes.loc["CHN", "events"] == 6
    assert nodes.loc["CHN", "name"] == "China"
    # Goldstein received by RUS: 1.9 (CHN->RUS) - 2.0 (CHN->RUS) + 3.0 (undated) = 2.9.
    assert nodes.loc["RUS", "goldstein_received"] == pytest.approx(2.9)


def test_network_window(dyad_df: pd.DataFrame) -> None:
    # 10 days ending at the last event (02-07): 01-29..02-07 -> RUS->CHN q4 and CHN->USA q3.
    net = build_network(dyad_df, window="10d")
    assert net.start == pd.Timestamp("2024-01-29") and net.end == pd.Timestamp("2024-02-07")
    assert net.edges.set_index(["source", "target"])["weight"].to_dict() == {
        ("CHN", "RUS"): -1.0,
        ("CHN", "USA"): -1.0,
    }


@pytest.mark.parametrize("fmt", ["gexf", "graphml", "json"])
def test_network_exports_read_back(dyad_df: pd.DataFrame, tmp_path, fmt: str) -> None:
    net = build_network(dyad_df)
    path = write_graph(net, tmp_path / f"net.{fmt}")
    if fmt == "gexf":
        g = nx.read_gexf(path)
    elif fmt == "graphml":
        g = nx.read_graphml(path)
    else:
        data = json.loads(path.read_text())
        g = nx.node_link_graph(data, edges="links")
        assert sorted(data["links"][0]["event_ids"]) or True
    assert set(g.nodes) == {"CHN", "RUS", "USA"}
    assert float(g.edges["CHN", "RUS"]["weight"]) == pytest.approx(0.2)
    assert int(g.edges["CHN", "USA"]["sign"]) == -1
    with pytest.raises(RealpolitikError, match="unknown graph format"):
        write_graph(net, tmp_path / "net.txt")


# ---------------------------------------------------------------------------------- blocs

CAMP_A = ["USA", "GBR", "FRA", "JPN"]
CAMP_B = ["CHN", "RUS", "IRN"]


def camps_events(start: str = "2024-03-01", days: int = 1) -> list[dict]:
    """Two obvious camps: cooperation inside each, conflict across."""
    d0 = date.fromisoformat(start)
    out = []
    for k in range(days):
        when = d0 + timedelta(days=k)
        for camp in (CAMP_A, CAMP_B):
            for x, y in itertools.combinations(camp, 2):
                out.append(ev(x, y, 1, 3.0, when))
        for x in CAMP_A:
            for y in CAMP_B:
                out.append(ev(x, y, 3, -2.0, when))
    return out


def test_signed_modularity_by_hand() -> None:
    # Triangle A-B +1, A-C -1, B-C -1, partition {A, B} {C}: Q = 2 / 6 (worked out in the docs).
    w = np.array([[0, 1, -1], [1, 0, -1], [-1, -1, 0]], dtype=float)
    assert signed_modularity(w, [0, 0, 1]) == pytest.approx(1 / 3)
    assert signed_modularity(w, [0, 0, 0]) < signed_modularity(w, [0, 0, 1])


@pytest.mark.parametrize("method", ["leiden", "spectral"])
def test_blocs_two_obvious_camps(method: str) -> None:
    net = build_network(events_frame(camps_events()))
    result = find_blocs(net, method=method)
    members = result.members()
    assert members == {0: sorted(CAMP_A), 1: sorted(CAMP_B)}
    assert result.modularity > 0.3


def test_bloc_stability_flags_a_defector() -> None:
    rows = camps_events("2024-01-01", days=3)
    # Later: Japan turns: cooperates with the B camp and fights the A camp.
    later = []
    for when in ("2024-04-01", "2024-04-02"):
        for camp in (CAMP_A[:3], CAMP_B):
            for x, y in itertools.combinations(camp, 2):
                later.append(ev(x, y, 1, 3.0, when))
        for x in CAMP_A[:3]:
            for y in CAMP_B:
                later.append(ev(x, y, 3, -2.0, when))
        later += [ev("JPN", y, 1, 3.0, when) for y in CAMP_B]
        later += [ev("JPN", y, 3, -2.0, when) for y in CAMP_A[:3]]
    assign, summary = bloc_stability(events_frame(rows + later), window="30d", step="90d")
    assert len(summary) == 2
    first, second = summary.iloc[0], summary.iloc[1]
    assert np.isnan(first["ari"])
    assert second["moved"] == ["JPN"]
    assert second["ari"] < 1.0
    # Bloc numbers are carried over: CHN keeps its bloc id across the windows.
    chn = assign[assign["node"] == "CHN"]["bloc"].tolist()
    assert chn[0] == chn[1]
    last = assign[assign["window_end"] == summary.iloc[1]["window_end"]].set_index("node")["bloc"]
    assert last["JPN"] == last["CHN"] != last["USA"]


# ---------------------------------------------------------------------------------- alignment


@pytest.fixture()
def poles_df() -> pd.DataFrame:
    rows = [
        ev("GBR", "USA", 1, 3.0, "2024-01-05"),  # GBR only cooperates with pole A
        ev("USA", "GBR", 2, 6.0, "2024-02-05"),
        ev("IRN", "CHN", 2, 6.0, "2024-01-06"),  # IRN: coop with B, conflict with A
        ev("USA", "IRN", 4, -9.0, "2024-01-07"),
        ev("IND", "USA", 1, 2.0, "2024-01-08"),  # IND: one coop each side
        ev("IND", "RUS", 1, 2.0, "2024-02-08"),
        ev("PAK", "CHN", 1, 3.0, "2024-01-09"),  # PAK: 3 coop, 1 conflict with B; 1 coop with A
        ev("CHN", "PAK", 2, 5.0, "2024-01-10"),
        ev("PAK", "CHN", 1, 3.0, "2024-02-11"),
        ev("CHN", "PAK", 3, -2.0, "2024-02-12"),
        ev("PAK", "USA", 1, 2.0, "2024-02-13"),
        ev("MEX", "USA", 3, -2.0, "2024-02-14", negated=True),  # never counts
        ev("USA", "CHN", 3, -2.0, "2024-02-15"),  # between the poles: not a third state
    ]
    return events_frame(rows)


def test_alignment_by_hand(poles_df: pd.DataFrame) -> None:
    a = alignment(poles_df, Poles.parse("USA", "CHN,RUS")).set_index("state")
    assert set(a.index) == {"GBR", "IRN", "IND", "PAK"}  # not MEX (negated), not the poles
    assert a.loc["GBR", "alignment"] == 1.0  # only cooperates with A
    assert a.loc["IRN", "alignment"] == -1.0  # coop with B, conflict with A: (-1 - 1) / 2
    assert a.loc["IND", "alignment"] == 0.0  # (1 - 1) / 2
    # PAK: with A +1; with B 3 coop - 1 conflict = +2; (1 - 2) / (1 + 4) = -0.2.
    assert a.loc["PAK", "alignment"] == pytest.approx(-0.2)
    assert (a.loc["PAK", "coop_a"], a.loc["PAK", "coop_b"], a.loc["PAK", "conflict_b"]) == (1, 3, 1)
    # Goldstein weighting for PAK: A +2; B 3 + 5 + 3 - 2 = 9; (2 - 9) / (2 + 13) = -7/15.
    g = alignment(poles_df, Poles.parse("USA", "CHN,RUS"), weight="goldstein").set_index("state")
    assert g.loc["PAK", "alignment"] == pytest.approx(-7 / 15)
    assert g.loc["GBR", "alignment"] == 1.0
    b = balance(a.reset_index())
    assert b.iloc[0][["states", "lean_a", "lean_b", "neutral"]].tolist() == [4, 1, 1, 2]


def test_alignment_over_time_and_defaults(poles_df: pd.DataFrame) -> None:
    a = alignment(poles_df, freq="month")  # default poles: USA against CHN+RUS
    jan = a[a["period"] == pd.Timestamp("2024-01-01")].set_index("state")["alignment"]
    feb = a[a["period"] == pd.Timestamp("2024-02-01")].set_index("state")["alignment"]
    # IND: January only USA (+1), February only RUS (-1).
    assert jan["IND"] == 1.0 and feb["IND"] == -1.0
    # PAK January: 2 coop with CHN -> -1; February: +1 with A, (3 coop... 1 coop - 1 conflict) with B -> 1/3.
    assert jan["PAK"] == -1.0 and feb["PAK"] == pytest.approx(1 / 3)
    with pytest.raises(RealpolitikError):
        Poles.parse("USA", "USA,RUS")
    with pytest.raises(RealpolitikError):
        Poles.parse("USAGOV", "CHN")


def test_influence_components_by_hand(poles_df: pd.DataFrame) -> None:
    poles = Poles.parse("USA", "CHN,RUS")
    t = influence(poles_df, poles).set_index("power")
    # USA: net-cooperative with GBR, IND, PAK; conflictual with IRN and CHN.
    assert (t.loc["USA", "coop_ties"], t.loc["USA", "conflict_ties"]) == (3, 2)
    # CHN: cooperative with IRN and PAK (3 coop - 1 conflict), conflictual with USA.
    assert (t.loc["CHN", "coop_ties"], t.loc["CHN", "conflict_ties"]) == (2, 1)
    # Goldstein received: USA 3 + 2 + 2 = 7; CHN 6 + 3 + 3 - 2 = 10; RUS 2.
    assert t.loc["USA", "goldstein_received"] == pytest.approx(7.0)
    assert t.loc["CHN", "goldstein_received"] == pytest.approx(10.0)
    assert t.loc["RUS", "goldstein_received"] == pytest.approx(2.0)
    # The shares over the three powers sum to 1; the pole row adds its members up.
    assert t.loc[["USA", "CHN", "RUS"], "influence"].sum() == pytest.approx(1.0, abs=1e-5)
    assert t.loc["CHN+RUS", "influence"] == pytest.approx(
        t.loc["CHN", "influence"] + t.loc["RUS", "influence"], abs=1e-5
    )
    # The coop-ties share of USA is 3 / (3 + 2 + 1) = 0.5; its Goldstein share 7 / 19.
    pr = t.loc[["USA", "CHN", "RUS"], "pagerank"]
    assert t.loc["USA", "influence"] == pytest.approx((0.5 + pr["USA"] / pr.sum() + 7 / 19) / 3, abs=1e-5)


def test_influence_only_one_power_cooperates() -> None:
    df = events_frame([ev("GBR", "USA", 1, 3.0, "2024-01-01"), ev("JPN", "USA", 2, 5.0, "2024-01-02")])
    t = influence(df, Poles.parse("USA", "CHN,RUS")).set_index("power")
    assert t.loc["USA", "influence"] == pytest.approx(1.0)
    assert t.loc["CHN+RUS", "influence"] == pytest.approx(0.0)
    w = who_is_winning(df, Poles.parse("USA", "CHN,RUS"))
    assert w["margin"] == pytest.approx(1.0)


def test_trend() -> None:
    assert trend([0.0, 0.1, 0.2, 0.3]) == pytest.approx(0.1)
    assert np.isnan(trend([1.0]))


# ---------------------------------------------------------------------------------- shifts


def step_events() -> list[dict]:
    """USA-CHN: one visit (+2) a day for 30 days, then a day with three sanctions (-5 each)."""
    d0 = date(2024, 5, 1)
    rows = [ev("USA", "CHN", 1, 2.0, d0 + timedelta(days=k), doc=f"calm{k}") for k in range(30)]
    rows += [ev("CHN", "USA", 4, -5.0, d0 + timedelta(days=30), doc="storm") for _ in range(3)]
    rows += [ev("GBR", "FRA", 1, 2.0, d0 + timedelta(days=k)) for k in range(0, 31, 3)]  # quiet pair
    return rows


def test_shift_alert_on_a_step_change() -> None:
    df = events_frame(step_events())
    alerts = shift_alerts(df)
    assert len(alerts) == 1
    a = alerts.iloc[0]
    # Trailing 30 days: mean +2, std 0 (floored at 1); today -15: z = (-15 - 2) / 1 = -17.
    assert (a["a"], a["b"], a["period"]) == ("CHN", "USA", pd.Timestamp("2024-05-31"))
    assert a["value"] == -15.0 and a["trailing_mean"] == 2.0 and a["z"] == pytest.approx(-17.0)
    assert a["direction"] == "toward conflict" and a["events"] == 3 and a["trailing_events"] == 30
    assert a["doc_ids"] == ["storm"] and len(a["event_ids"]) == 3
    assert shift_alerts(df, threshold=17.5).empty
    assert shift_alerts(df, min_events=4).empty and shift_alerts(df, min_history=31).empty
    # The net metric: +1 a day, then -3: z = (-3 - 1) / 1 = -4.
    net = shift_alerts(df, metric="net")
    assert len(net) == 1 and net.iloc[0]["z"] == pytest.approx(-4.0)
    assert shift_alerts(df, since="2024-06-01").empty
    assert len(shift_alerts(df, pair=("USA", "CHN"))) == 1


def test_shift_needs_a_past() -> None:
    # One visit, then a day of five attacks: one event of history is not a past to move against.
    rows = [ev("USA", "CHN", 1, 2.0, "2024-01-01")] + [
        ev("USA", "CHN", 4, -10.0, "2024-01-02") for _ in range(5)
    ]
    df = events_frame(rows)
    assert shift_alerts(df, min_history=3).empty
    # With history required down to one event it alerts: (-50 - 2) / 1 = -52.
    assert shift_alerts(df, min_history=1)["z"].tolist() == [-52.0]
    with pytest.raises(RealpolitikError):
        shift_alerts(df, metric="tone")


# ---------------------------------------------------------------------------------- related


def test_related_articles_ranked() -> None:
    rows = [
        ev("CHN", "RUS", 1, 3.0, "2024-01-01", doc="summit"),
        ev("RUS", "CHN", 2, 6.0, "2024-01-01", doc="summit"),
        ev("CHN", "RUS", 1, 3.0, "2024-01-02", doc="followup"),
        ev("USA", "MEX", 3, -2.0, "2024-01-02", doc="border"),
        ev("CHN", "RUS", 3, -2.0, "2024-01-03", doc="spat"),
    ]
    df = events_frame(rows)
    arts = [
        {
            "id": "summit",
            "title": "Xi and Putin hold summit in Moscow",
            "text": "China and Russia pledged a no-limits partnership at a summit in Moscow.",
        },
        {
            "id": "followup",
            "title": "After Moscow summit, Xi and Putin sign energy deals",
            "text": "China and Russia signed pipeline deals after the summit.",
        },
        {
            "id": "border",
            "title": "US and Mexico argue over border wall",
            "text": "Washington accused Mexico City of failing to stop migrants.",
        },
        {"id": "spat", "title": "Grain dispute", "text": "Beijing complained about wheat quotas."},
        {
            "id": "uncoded",
            "title": "Putin and Xi summit in Moscow ends",
            "text": "The Moscow summit of Putin and Xi ended with a partnership pledge.",
        },
    ]
    rel = related_articles("summit", df, arts)
    ids = rel["article_id"].tolist()
    assert ids[0] == "followup"  # same dyad, same kind of events, similar words
    assert "border" not in ids  # nothing shared
    assert set(ids) == {"followup", "spat", "uncoded"}
    f = rel.set_index("article_id")
    assert f.loc["followup", "dyad_overlap"] == 1.0
    # summit events {(CHN,RUS,04), (CHN,RUS,06)}, followup {(CHN,RUS,04)}: Jaccard 1/2.
    assert f.loc["followup", "event_overlap"] == 0.5 and f.loc["spat", "event_overlap"] == 0.0
    assert f.loc["uncoded", "shared_dyads"] == [] and f.loc["uncoded", "text_similarity"] >= 0.2
    assert f.loc["followup", "score"] == pytest.approx(0.4 + 0.1 + 0.4 * f.loc["followup", "text_similarity"])
    with pytest.raises(RealpolitikError):
        related_articles("nope", df, arts)


# ---------------------------------------------------------------------------------- exports


def test_gdelt_columns_file() -> None:
    cols = [n for n, _ in gdelt_columns()]
    assert len(cols) == 61 and cols[0] == "GLOBALEVENTID" and cols[-1] == "SOURCEURL"
    assert cols[26] == "EventCode" and cols[30] == "GoldsteinScale" and cols[39] == "Actor1Geo_ADM2Code"
    assert "AvgTone" in unfilled_gdelt_columns() and "EventCode" not in unfilled_gdelt_columns()


def test_gdelt_rows() -> None:
    rows = [
        ev("CHNGOV", "RUSMIL", 4, -8.0, "2024-02-05", sentence_index=0),
        ev("IGOUNO", "USA", 1, 1.0, None),
        ev("CHN", "RUS", 1, 4.0, "2024-02-06", negated=True),
    ]
    df = events_frame(rows)
    out = gdelt_rows(df)
    assert len(out) == 2 and all(len(r) == 61 for r in out)
    names = [n for n, _ in gdelt_columns()]
    r = dict(zip(names, out[0], strict=True))
    assert r["GLOBALEVENTID"] == str(int(df["event_id"].iloc[0][:15], 16))
    assert (r["SQLDATE"], r["MonthYear"], r["Year"]) == ("20240205", "202402", "2024")
    assert r["FractionDate"] == f"{2024 + 36 / 365:.4f}"
    assert (r["Actor1Code"], r["Actor1CountryCode"], r["Actor1Type1Code"]) == ("CHNGOV", "CHN", "GOV")
    assert (r["Actor2Code"], r["Actor2Type1Code"], r["IsRootEvent"]) == ("RUSMIL", "MIL", "1")
    assert (r["EventCode"], r["EventBaseCode"], r["EventRootCode"]) == ("163", "163", "16")
    assert (r["QuadClass"], r["GoldsteinScale"]) == ("4", "-8")
    assert r["AvgTone"] == "" and r["SOURCEURL"].startswith("https://x.test/")
    un = dict(zip(names, out[1], strict=True))
    assert (un["Actor1KnownGroupCode"], un["Actor1Type1Code"], un["SQLDATE"]) == ("UNO", "IGO", "")
    buf = io.StringIO()
    assert write_gdelt(df, buf, header=True) == 2
    lines = buf.getvalue().splitlines()
    assert lines[0].split("\t") == names and all(len(x.split("\t")) == 61 for x in lines)


def test_plover_records() -> None:
    df = events_frame([ev("CHNGOV", "RUS", 1, 1.9, "2024-01-03"), ev("CHN", "RUS", 1, 1, None, negated=True)])
    recs = plover_records(df)
    assert len(recs) == 1
    r = recs[0]
    assert r["event"] == "CONSULT" and r["date"] == "2024-01-03"
    assert r["source"] == [{"actorText": "China", "code": "CHN", "sector": "GOV", "cameoCode": "CHNGOV"}]
    assert r["target"][0]["code"] == "RUS" and r["cameo"]["code"] == "042"
    json.dumps(recs)


def test_parquet_of_every_table(tmp_path) -> None:
    df = events_frame(camps_events() + step_events())
    tables = all_tables(df)
    assert set(tables) == {
        "events",
        "dyads",
        "network_nodes",
        "network_edges",
        "blocs",
        "bloc_stability",
        "alignment",
        "influence",
        "shifts",
    }
    paths = write_parquet(tables, tmp_path / "pq")
    assert len(paths) == 9
    back = pd.read_parquet(tmp_path / "pq" / "network_edges.parquet")
    assert len(back) == len(tables["network_edges"]) and list(back["event_ids"].iloc[0])
    shifts = pd.read_parquet(tmp_path / "pq" / "shifts.parquet")
    # The data now start on 2024-03-01, so the 90 trailing days hold 60 quiet days (0) and 30
    # days of +2: mean 2/3, std 0.94 floored at 1 -> z = -15 - 2/3.
    assert len(shifts) == 1 and shifts["z"].iloc[0] == pytest.approx(-47 / 3, abs=1e-5)


# ---------------------------------------------------------------------------------- plots


def test_plots_write_png_and_svg(tmp_path, dyad_df: pd.DataFrame) -> None:
    from realpolitik.relations.plots import plot_alignment, plot_dyad, plot_network

    p = plot_dyad(dyad_series(dyad_df, "CHN", "RUS", freq="week"), tmp_path / "d.png", freq="week")
    assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    net = build_network(events_frame(camps_events()))
    s = plot_network(net, tmp_path / "n.svg", blocs=find_blocs(net).assignments)
    assert b"<svg" in s.read_bytes()[:500]
    df = events_frame(camps_events())
    a = plot_alignment(alignment(df), tmp_path / "a.png", influence=influence(df, freq="month"))
    assert a.stat().st_size > 5000
    with pytest.raises(RealpolitikError, match=r"\.png or \.svg"):
        plot_dyad(dyad_series(dyad_df, "CHN", "RUS"), tmp_path / "d.pdf")
