"""The events frame holds codes, countries and polarity as categoricals (for speed); every result
must be the same as on a frame of plain object columns, and the same as a per-event count done by
hand. The events are random but seeded, with the awkward cases mixed in: missing targets, leaders
whose code does not start with their country, domestic, negated and undated events, missing
sentence indexes and several events per article."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd
import pytest

from realpolitik.relations import (
    alignment,
    all_dyads,
    build_network,
    dyad_events,
    dyad_series,
    events_frame,
    influence,
    shift_alerts,
)
from realpolitik.relations.dyads import _chronological
from realpolitik.relations.export import gdelt_columns, gdelt_rows, plover_records
from realpolitik.relations.frame import (
    CATEGORICAL_GROUPS,
    categorize,
    country_pairs,
    match_actor,
    match_actors,
    plain,
)

COUNTRIES = ["USA", "CHN", "RUS", "IRN", "GBR", "FRA", "IND", "PAK"]
SECTORS = ["", "", "GOV", "MIL", "BUS"]
# quad class -> (CAMEO code, Goldstein)
QUADS = {1: ("042", 1.9), 2: ("061", 6.4), 3: ("112", -2.0), 4: ("163", -8.0)}


def _actor(rng: np.random.Generator) -> dict[str, Any]:
    country = str(rng.choice(COUNTRIES))
    r = rng.random()
    if r < 0.08:  # a leader coded apart from the country's prefix (matched through the country)
        code = f"LDR{country}"
    elif r < 0.12:  # an international organisation: no country
        return {"text": "UN", "code": "IGOUNO", "country": None, "sector": None, "name": "UN"}
    else:
        code = country + str(rng.choice(SECTORS))
    return {"text": country, "code": code, "country": country, "sector": code[3:] or None, "name": country}


def random_events(n: int, seed: int = 7) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    rows = []
    for i in range(n):
        quad = int(rng.integers(1, 5))
        code, gold = QUADS[quad]
        day = pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(rng.integers(0, 400)))
        rows.append(
            {
                "event_id": f"e{i:05d}",
                # few articles, so one day holds several articles and one article several events
                "doc_id": f"d{int(rng.integers(0, n // 4)):05d}",
                "sentence_index": None if rng.random() < 0.03 else int(rng.integers(0, 6)),
                "span": (0, 5),
                "date": None if rng.random() < 0.05 else day.date().isoformat(),
                "source": _actor(rng),
                "target": None if rng.random() < 0.05 else _actor(rng),
                "cameo": {
                    "code": code,
                    "root": code[:2],
                    "name": code,
                    "goldstein": gold,
                    "quad_class": quad,
                },
                "plover": {"event": "CONSULT" if quad < 3 else "ACCUSE"},
                "polarity": "negated" if rng.random() < 0.05 else "asserted",
                "article": {"title": f"t{i}", "publisher": "Wire", "url": f"https://x.test/{i}"},
            }
        )
    return rows


@pytest.fixture(scope="module")
def frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    cat = events_frame(random_events(3000))
    return cat, plain(cat)


def same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(plain(a), plain(b), check_exact=True)


def test_frame_columns_are_shared_sorted_categoricals(frames) -> None:
    cat, flat = frames
    for group in CATEGORICAL_GROUPS:
        dtypes = {cat[c].dtype for c in group}
        assert len(dtypes) == 1 and isinstance(next(iter(dtypes)), pd.CategoricalDtype), group
        cats = list(cat[group[0]].cat.categories)
        assert cats == sorted(cats)
        for c in group:
            assert flat[c].dtype == object
    # Round trip, and categorize leaves a categorised frame as it is.
    same(categorize(flat), cat)
    assert categorize(cat)["source_code"].dtype == cat["source_code"].dtype
    assert flat["target_code"].isna().any() and all(
        v is None for v in flat.loc[flat["target_code"].isna(), "target_code"]
    )


@pytest.mark.parametrize(
    ("a", "b", "kw"),
    [
        ("USA", "CHN", {}),
        ("CHN", "RUS", {"freq": "week", "directed": True}),
        ("USAGOV", "IRN", {"since": "2023-03-01", "until": "2023-09-30"}),
        ("usa", "IGO", {"freq": "day", "fill": False}),
        ("USA", "XXX", {}),
    ],
)
def test_dyads_same_on_categorical_and_plain_frames(frames, a: str, b: str, kw: dict) -> None:
    cat, flat = frames
    same(dyad_series(cat, a, b, **kw), dyad_series(flat, a, b, **kw))
    ev_kw = {k: v for k, v in kw.items() if k in ("directed", "since", "until")}
    same(dyad_events(cat, a, b, **ev_kw), dyad_events(flat, a, b, **ev_kw))


def test_network_and_tables_same_on_categorical_and_plain_frames(frames) -> None:
    cat, flat = frames
    for kw in ({"window": "90d"}, {"level": "code"}, {"directed": True, "since": "2023-02-01"}):
        n1, n2 = build_network(cat, **kw), build_network(flat, **kw)
        same(n1.nodes, n2.nodes)
        same(n1.edges, n2.edges)
        assert len(n1.edges) > 5
    same(all_dyads(cat), all_dyads(flat))
    same(alignment(cat, freq="month"), alignment(flat, freq="month"))
    same(influence(cat), influence(flat))
    same(shift_alerts(cat, freq="week", min_history=3), shift_alerts(flat, freq="week", min_history=3))
    assert gdelt_rows(cat) == gdelt_rows(flat)
    p1, p2 = plover_records(cat), plover_records(flat)
    for r in p1 + p2:
        r.pop("dateCoded")
    assert p1 == p2
    # A missing country must not be exported as the text "nan" (NaN is truthy).
    assert not any(a["code"] == "nan" for r in p1 for a in r["source"] + r["target"])


def _matches(actor: dict[str, Any] | None, spec: str) -> bool:
    if actor is None:
        return False
    return actor["code"].startswith(spec) or (len(spec) == 3 and actor["country"] == spec)


@pytest.mark.parametrize(("a", "b"), [("USA", "CHN"), ("RUS", "USAGOV"), ("IGO", "IRN")])
def test_dyad_series_matches_a_count_by_hand(frames, a: str, b: str) -> None:
    """Month by month, the figures and the ordered ids of an event-by-event loop."""
    cat, flat = frames
    rows = random_events(3000)
    groups: dict[pd.Timestamp, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["polarity"] == "negated" or r["date"] is None:
            continue
        s, t = r["source"], r["target"]
        if (_matches(s, a) and _matches(t, b)) or (_matches(s, b) and _matches(t, a)):
            groups[pd.Timestamp(r["date"][:7] + "-01")].append(r)
    assert groups
    for df in (cat, flat):
        got = dyad_series(df, a, b, freq="month", fill=False).set_index("period")
        assert sorted(got.index) == sorted(groups)
        for period, evs in groups.items():
            row = got.loc[period]
            evs = sorted(
                evs,
                key=lambda r: (
                    r["date"],
                    r["doc_id"],
                    r["sentence_index"] is None,
                    r["sentence_index"] or 0,
                    r["event_id"],  # the rows' order in the frame breaks full ties (stable sort)
                ),
            )
            assert row["events"] == len(evs)
            assert row["event_ids"] == [r["event_id"] for r in evs]
            assert row["doc_ids"] == sorted({r["doc_id"] for r in evs})
            assert row["goldstein_sum"] == round(sum(r["cameo"]["goldstein"] for r in evs), 6)
            for q in (1, 2, 3, 4):
                assert row[f"q{q}"] == sum(r["cameo"]["quad_class"] == q for r in evs)


def test_chronological_order_is_sort_values_order() -> None:
    """The lexsort shortcut orders as sort_values does (missing dates and sentences last, ties
    in row order), and a frame it cannot take (a missing article id) still sorts."""
    ev = pd.DataFrame(
        {
            "event_id": ["a", "b", "c", "d", "e", "f", "g"],
            "doc_id": ["d2", "d1", "d1", "d10", "d1", "d2", "d1"],
            "sentence_index": pd.array([1, None, 0, 3, 0, 1, 2], dtype="Int64"),
            "date": pd.to_datetime(
                ["2024-01-02", "2024-01-02", None, "2024-01-02", "2024-01-02", "2024-01-02", None]
            ),
        }
    )
    want = ev.sort_values(["date", "doc_id", "sentence_index"], na_position="last", kind="stable")
    got = _chronological(ev)
    assert got["event_id"].tolist() == want["event_id"].tolist() == ["e", "b", "d", "a", "f", "c", "g"]
    # Article ids as a categorical: by their codes when the categories are in order, by the
    # strings when not (never by a category order that is not the strings' order).
    for cats in (["d1", "d10", "d2"], ["d2", "d10", "d1"]):
        as_cat = ev.assign(doc_id=pd.Categorical(ev["doc_id"], categories=cats))
        assert _chronological(as_cat)["event_id"].tolist() == ["e", "b", "d", "a", "f", "c", "g"]
    odd = ev.astype({"doc_id": object})
    odd.loc[0, "doc_id"] = None
    want = odd.sort_values(["date", "doc_id", "sentence_index"], na_position="last", kind="stable")
    assert _chronological(odd)["event_id"].tolist() == want["event_id"].tolist()


def test_frames_with_different_categories_still_compare() -> None:
    """A frame whose source and target were made categorical separately (different categories),
    or only one side: pairs and matches fall back to the values."""
    df = pd.DataFrame(
        {
            "source_country": pd.Categorical(["USA", "CHN", "RUS", None]),
            "target_country": pd.Categorical(["CHN", "CHN", "USA", "USA"]),
            "source_code": ["USAGOV", "CHN", "RUS", "IGOUNO"],
            "target_code": pd.Categorical(["CHN", "CHNMIL", "USA", "USA"]),
        }
    )
    pairs = country_pairs(df)
    assert pairs[["lo", "hi"]].values.tolist() == [["CHN", "USA"], ["RUS", "USA"]]
    assert match_actor(df, "CHN", "target").tolist() == [True, True, False, False]
    assert match_actor(df, "USA", "source").tolist() == [True, False, False, False]


def test_exports_read_plain_values(frames) -> None:
    """GDELT rows carry '' for a missing country or target, never the text 'nan'."""
    cat, _ = frames
    rows = gdelt_rows(cat)
    assert rows and all("nan" not in r for r in rows)
    names = [n for n, _ in gdelt_columns()]
    igo = [r for r in rows if r[names.index("Actor1Code")] == "IGOUNO"]
    assert igo and all(r[names.index("Actor1CountryCode")] == "" for r in igo)


def test_match_on_some_rows_only(frames) -> None:
    """``rows`` restricts the match (False elsewhere), the same on both kinds of frame."""
    cat, flat = frames
    rows = np.zeros(len(cat), dtype=bool)
    rows[::3] = True
    for df in (cat, flat):
        got = match_actors(df, ["USA", "CHNGOV"], "target", rows=rows)
        full = match_actors(df, ["USA", "CHNGOV"], "target")
        for spec in ("USA", "CHNGOV"):
            assert got[spec].tolist() == (full[spec] & rows).tolist()
            assert got[spec].any()


def test_many_specs_at_once_match_as_one_by_one(frames) -> None:
    """More specs than fit one byte of the lookup table (8) still match each as alone."""
    cat, flat = frames
    specs = ["USA", "CHN", "RUS", "IRN", "GBR", "FRA", "IND", "PAK", "USAGOV", "LDRCHN", "IGO"]
    for df in (cat, flat):
        together = match_actors(df, specs, "source")
        for spec in specs:
            alone = match_actor(df, spec, "source")
            assert together[spec].tolist() == alone.tolist(), spec
            assert alone.any(), spec


@pytest.mark.parametrize("odd", ["", "\ud800"])  # a lone surrogate: Arrow cannot take it
def test_categories_are_in_python_string_order(odd: str) -> None:
    ids = ["b", "B", "é", "e", "z10", "z9", "ä", "Ω", "a b", "ab", "a", "€", "😀", "e" + odd]
    # object columns, as events_frame makes them (pandas' own string dtype refuses a surrogate)
    raw = pd.DataFrame({"doc_id": ids * 2, "polarity": ["asserted", "negated"] * len(ids)}, dtype=object)
    df = categorize(raw)
    cats = list(df["doc_id"].cat.categories)
    assert cats == sorted(set(ids))
    assert df["doc_id"].astype(object).tolist() == ids * 2
