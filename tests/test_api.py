"""The REST API, through httpx (Starlette's TestClient): every endpoint, paging, filters, bad
parameters (a clear 4xx, never a 500), writes with and without the token, size limits, escaping.

The store is hand-built (realpolitik.api.testing); ingestion uses a stand-in pipeline, so no
spaCy is loaded. URL ingestion fetches from a local HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import http.server
import json
import threading
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from realpolitik.api import create_app
from realpolitik.api.testing import ARTICLES, SCRIPT, FakePipeline, build_article, build_store
from realpolitik.evaluation import load_gold, score
from realpolitik.store import Store

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette suggests httpx2; httpx is what the project pins
    from fastapi.testclient import TestClient

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
N_EVENTS = sum(len(build_article(a)[2]) for a in ARTICLES)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    s = build_store(tmp_path_factory.mktemp("api") / "rp.duckdb")
    yield s
    s.close()


@pytest.fixture(scope="module")
def client(store: Store) -> TestClient:
    """Read-write server over the shared store: tests using it must not write."""
    return TestClient(create_app(store, token=TOKEN, pipeline_factory=FakePipeline))


@pytest.fixture
def writable(tmp_path: Path) -> Iterator[TestClient]:
    """A server over a store of its own, for tests that write."""
    s = build_store(tmp_path / "rp.duckdb")
    yield TestClient(create_app(s, token=TOKEN, pipeline_factory=FakePipeline, max_body=64 * 1024))
    s.close()


def ok(client: TestClient, url: str, **kw: Any) -> Any:
    r = client.get(url, **kw)
    assert r.status_code == 200, (url, r.status_code, r.text[:500])
    return r.json()


def event_id(client: TestClient, article: str = "a1", i: int = 0) -> str:
    return ok(client, f"/api/articles/{article}")["events"][i]["event_id"]


# -- service --------------------------------------------------------------------------------------


def test_health_and_stats(client: TestClient) -> None:
    h = ok(client, "/api/health")
    assert h["status"] == "ok" and h["writable"] is True and h["schema_version"] >= 2
    s = ok(client, "/api/stats?top=3")
    assert s["articles"] == len(ARTICLES) and s["events"] == N_EVENTS
    assert [(d["a"], d["b"]) for d in s["top_dyads"]][0] == ("CHN", "USA") and len(s["top_dyads"]) == 3


def test_openapi_and_docs(client: TestClient) -> None:
    spec = ok(client, "/openapi.json")
    paths = spec["paths"]
    for p in (
        "/api/articles",
        "/api/events",
        "/api/events/{event_id}/corrections",
        "/api/ingest",
        "/api/network",
    ):
        assert p in paths
    assert "token" in spec["components"]["securitySchemes"]
    assert paths["/api/ingest"]["post"]["security"] == [{"token": []}]
    r = client.get("/docs")
    assert r.status_code == 200 and "/api/dyads/{a}/{b}/series" in r.text
    assert "cdn" not in r.text.lower()  # no CDN at run time


def test_security_headers(client: TestClient) -> None:
    for url in ("/", "/api/health", "/static/app.css"):
        r = client.get(url)
        assert "script-src 'self'" in r.headers["content-security-policy"]
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["x-frame-options"] == "DENY"


# -- articles -------------------------------------------------------------------------------------


def test_articles_paged(client: TestClient) -> None:
    first = ok(client, "/api/articles?limit=4")
    assert first["total"] == len(ARTICLES) and first["limit"] == 4 and first["offset"] == 0
    assert len(first["items"]) == 4 and first["next_offset"] == 4
    rest = ok(client, "/api/articles?limit=4&offset=8")
    assert len(rest["items"]) == len(ARTICLES) - 8 and rest["next_offset"] is None
    ids = [a["id"] for a in first["items"]] + [
        a["id"] for a in ok(client, "/api/articles?limit=4&offset=4")["items"]
    ]
    assert len(set(ids)) == 8
    assert ok(client, "/api/articles?offset=500")["items"] == []


def test_articles_search_and_filters(client: TestClient) -> None:
    r = ok(client, "/api/articles?q=donetsk")
    assert [a["id"] for a in r["items"]] == ["a3"] and r["total"] == 1
    assert ok(client, "/api/articles?q=china+united")["total"] == 7
    assert ok(client, "/api/articles?publisher=Example+Post")["total"] == 3
    assert ok(client, "/api/articles?since=2020-01-01&until=2020-01-31")["total"] == 3
    assert ok(client, "/api/articles?q=%25")["total"] == 0  # a literal %, not a wildcard


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=501",
        "limit=x",
        "offset=-1",
        "since=2020-13-01",
        "since=2020-02-01&until=2020-01-01",
        "q=" + "x" * 201,
    ],
)
def test_articles_bad_parameters(client: TestClient, query: str) -> None:
    r = client.get(f"/api/articles?{query}")
    assert r.status_code in (400, 422), (query, r.status_code)
    assert "detail" in r.json()


def test_article_detail(client: TestClient) -> None:
    d = ok(client, "/api/articles/a1")
    assert d["article"]["title"].startswith("China and the United States")
    assert d["article"]["text"].startswith("China accused")
    assert [m["actor_code"] for m in d["mentions"]][:2] == ["CHN", "USA"]
    assert [e["cameo"]["code"] for e in d["events"]] == ["112", "111", "122"]
    assert all(e["verdict"] is None for e in d["events"]) and d["comments"] == []
    r = client.get("/api/articles/nope")
    assert r.status_code == 404 and "nope" in r.json()["detail"]


def test_related_articles(client: TestClient) -> None:
    r = ok(client, "/api/articles/a1/related?k=3")
    assert r["article_id"] == "a1" and 1 <= len(r["items"]) <= 3
    assert "a1" not in [i["article_id"] for i in r["items"]]
    assert any("CHN-USA" in i["shared_dyads"] for i in r["items"])
    assert client.get("/api/articles/nope/related").status_code == 404
    assert client.get("/api/articles/a1/related?k=0").status_code == 422


# -- events ---------------------------------------------------------------------------------------


def _all_events() -> list[tuple[Any, Any]]:
    """(article spec, Event) for every hand-coded event: the oracle the SQL filters are checked against."""
    return [(spec, e) for spec in ARTICLES for e in build_article(spec)[2]]


def _countries(e: Any) -> set[str | None]:
    return {e.source.country, e.target.country if e.target else None}


@pytest.mark.parametrize(
    "query, keep",
    [
        ("", lambda a, e: True),
        ("actor=usagov", lambda a, e: "USAGOV" in (e.source.code, e.target.code)),
        ("actor=CHN", lambda a, e: "CHN" in (e.source.code[:3], e.target.code[:3])),
        ("country=RUS", lambda a, e: "RUS" in _countries(e)),
        ("code=11", lambda a, e: e.cameo.code.startswith("11")),
        ("code=112", lambda a, e: e.cameo.code.startswith("112")),
        ("root=4", lambda a, e: e.cameo.root == "04"),
        ("root=04", lambda a, e: e.cameo.root == "04"),
        ("quad_class=4", lambda a, e: e.cameo.quad_class == 4),
        ("quad_class=3&quad_class=4", lambda a, e: e.cameo.quad_class in (3, 4)),
        ("since=2020-01-01", lambda a, e: str(e.date) >= "2020-01-01"),
        ("since=2019-06-01&until=2019-09-30", lambda a, e: "2019-06-01" <= str(e.date) <= "2019-09-30"),
        ("publisher=Example+Post", lambda a, e: a["publisher"] == "Example Post"),
        ("polarity=negated", lambda a, e: e.polarity == "negated"),
        ("polarity=asserted", lambda a, e: e.polarity == "asserted"),
        ("dyad=usa,chn", lambda a, e: _countries(e) == {"USA", "CHN"}),
        ("article=a3", lambda a, e: a["id"] == "a3"),
        (
            "country=CHN&quad_class=3&since=2020-01-01",
            lambda a, e: "CHN" in _countries(e) and e.cameo.quad_class == 3 and str(e.date) >= "2020-01-01",
        ),
    ],
)
def test_event_filters(client: TestClient, query: str, keep: Any) -> None:
    expected = {e.event_id for a, e in _all_events() if keep(a, e)}
    assert expected or query == "polarity=negated"
    r = ok(client, f"/api/events?{query}&limit=500")
    assert r["total"] == len(expected) == len(r["items"]), query
    assert {e["event_id"] for e in r["items"]} == expected


def test_min_confidence_filter(client: TestClient) -> None:
    # The fixture's events are all coded with confidence 0.8.
    assert ok(client, "/api/events?min_confidence=0.8")["total"] == N_EVENTS
    assert ok(client, "/api/events?min_confidence=0.81")["total"] == 0
    assert client.get("/api/events?min_confidence=2").status_code == 422


def test_events_paging_and_order(client: TestClient) -> None:
    everything = [e["event_id"] for e in ok(client, "/api/events?limit=500")["items"]]
    page2 = ok(client, "/api/events?limit=5&offset=5")
    assert [e["event_id"] for e in page2["items"]] == everything[5:10] and page2["next_offset"] == 10
    newest = ok(client, "/api/events?limit=500&newest_first=true")["items"]
    dates = [e["date"] for e in newest]
    assert dates == sorted(dates, reverse=True)
    e = newest[0]
    assert set(e) >= {
        "event_id",
        "doc_id",
        "span",
        "sentence",
        "source",
        "target",
        "cameo",
        "plover",
        "article",
    }


@pytest.mark.parametrize(
    "query",
    [
        "root=21",
        "root=0",
        "root=ab",
        "quad_class=5",
        "quad_class=0",
        "quad_class=x",
        "country=US",
        "country=USAA",
        "country=U1A",
        "code=abc",
        "code=12345",
        "actor=a",
        "actor=USA;DROP",
        "since=yesterday",
        "until=2020-02-30",
        "since=2020-03-01&until=2020-01-01",
        "polarity=maybe",
        "dyad=USA",
        "dyad=USA,CHN,RUS",
        "limit=1000",
        "offset=-5",
        "newest_first=perhaps",
        "publisher=" + "p" * 201,
    ],
)
def test_event_bad_parameters(client: TestClient, query: str) -> None:
    r = client.get(f"/api/events?{query}")
    assert r.status_code in (400, 422), (query, r.status_code, r.text[:300])
    detail = r.json()["detail"]
    assert detail


def test_event_detail(client: TestClient) -> None:
    eid = event_id(client)
    d = ok(client, f"/api/events/{eid}")
    assert d["event"]["event_id"] == eid and d["event"]["article"]["id"] == "a1"
    assert d["verdict"] is None and d["corrections"] == [] and d["comments"] == []
    assert ok(client, f"/api/events/{eid}/comments") == {"items": []}
    assert ok(client, f"/api/events/{eid}/corrections") == {"verdict": None, "items": []}
    for url in ("/api/events/nope", "/api/events/nope/comments", "/api/events/nope/corrections"):
        assert client.get(url).status_code == 404
    assert client.get("/api/events/" + "x" * 65).status_code == 422


# -- actors ---------------------------------------------------------------------------------------


def test_actors(client: TestClient) -> None:
    r = ok(client, "/api/actors?limit=3")
    assert r["total"] == 11 and len(r["items"]) == 3 and r["items"][0]["code"] == "CHN"
    assert [a["code"] for a in ok(client, "/api/actors?kind=igo")["items"]] == ["IGOUNO"]
    assert {a["code"] for a in ok(client, "/api/actors?country=usa")["items"]} == {"USA", "USAGOV"}
    assert ok(client, "/api/actors?q=united")["total"] == 3
    assert ok(client, "/api/actors/usagov")["sector"] == "GOV"
    assert client.get("/api/actors/ZZZ").status_code == 404
    for q in ("kind=planet", "country=1", "limit=0", "offset=-1"):
        assert client.get(f"/api/actors?{q}").status_code == 422, q
    assert client.get("/api/actors/a;b").status_code == 422
    pubs = ok(client, "/api/publishers")["items"]
    assert pubs[0] == {"publisher": "Wikinews", "articles": 7}


# -- relations ------------------------------------------------------------------------------------


def test_dyads_and_series(client: TestClient) -> None:
    top = ok(client, "/api/dyads?limit=2")["items"]
    assert [(d["a"], d["b"]) for d in top] == [("CHN", "USA"), ("CHN", "RUS")]
    s = ok(client, "/api/dyads/usa/chn/series?freq=month")
    assert s["a"] == "USA" and s["b"] == "CHN" and s["freq"] == "month"
    items = s["items"]
    assert items[0]["period"] == "2019-05-01" and items[-1]["period"] == "2020-03-01"
    assert sum(i["events"] for i in items) == 9
    assert sum(i["q1"] + i["q2"] + i["q3"] + i["q4"] for i in items) == 9
    may = items[0]
    assert may["events"] == 2 and may["q3"] == 2 and may["goldstein_mean"] == -2.0
    directed = ok(client, "/api/dyads/USA/CHN/series?directed=true&since=2020-01-01&until=2020-02-29")[
        "items"
    ]
    assert {i["direction"] for i in directed} == {"USA->CHN", "CHN->USA"}
    weekly = ok(client, "/api/dyads/USA/CHN/series?freq=week&since=2020-01-01&until=2020-01-31")["items"]
    assert [i["events"] for i in weekly if i["events"]] == [1, 1, 1]


@pytest.mark.parametrize(
    "url, status",
    [
        ("/api/dyads/USA/USA/series", 400),
        ("/api/dyads/USA/C/series", 422),
        ("/api/dyads/USA/CHN/series?freq=fortnight", 422),
        ("/api/dyads/USA/CHN/series?since=2020-02-01&until=2020-01-01", 400),
        ("/api/dyads?limit=0", 422),
    ],
)
def test_dyad_bad_parameters(client: TestClient, url: str, status: int) -> None:
    assert client.get(url).status_code == status


def test_network_and_blocs(client: TestClient) -> None:
    net = ok(client, "/api/network")
    nodes = {n["id"] for n in net["nodes"]}
    assert {"USA", "CHN", "RUS", "UKR"} <= nodes
    edge = next(e for e in net["edges"] if {e["source"], e["target"]} == {"CHN", "USA"})
    assert edge["events"] == 9 and edge["cooperation"] == 4 and edge["conflict"] == 5 and edge["sign"] == -1
    assert all(n["bloc"] is not None for n in net["nodes"])
    assert sorted(m for ms in net["blocs"]["members"].values() for m in ms) == sorted(nodes)
    windowed = ok(client, "/api/network?window=30d&until=2019-09-30")
    assert {n["id"] for n in windowed["nodes"]} == {"RUS", "UKR", "DEU"}
    assert ok(client, "/api/network?min_events=3")["edges"] == [
        e for e in net["edges"] if e["events"] >= 3
    ]  # only CHN-USA
    for q in ("window=90", "window=abc", "min_events=0", "method=magic", "since=2020-02-01&until=2020-01-01"):
        assert client.get(f"/api/network?{q}").status_code in (400, 422), q
    b = ok(client, "/api/blocs?window=180d&step=90d")
    assert b["current"]["members"] and b["windows"] and "ari" in b["windows"][0]
    assert client.get("/api/blocs?step=0x").status_code == 422
    # The events span more than 240 days: a daily step would run a detection per day.
    many = client.get("/api/blocs?step=1d")
    assert many.status_code == 400 and "windows" in many.json()["detail"]


def test_alignment(client: TestClient) -> None:
    a = ok(client, "/api/alignment?a=USA&b=CHN,RUS")
    assert a["poles"] == {"a": ["USA"], "b": ["CHN", "RUS"], "name_a": "USA", "name_b": "CHN+RUS"}
    by = {s["state"]: s for s in a["states"]}
    assert by["IRN"]["alignment"] == -1.0  # sanctioned by the USA: conflict with pole A
    assert by["PAK"]["alignment"] == -1.0  # praised by China: cooperation with pole B
    assert by["UKR"]["alignment"] == 1.0  # in conflict with Russia
    assert {i["power"] for i in a["influence"]} >= {"USA", "CHN", "RUS"}
    flipped = ok(client, "/api/alignment?a=CHN,RUS&b=USA")
    assert {s["state"]: s["alignment"] for s in flipped["states"]}["IRN"] == 1.0
    assert client.get("/api/alignment?a=USA&b=USA,CHN").status_code == 400  # a country in both poles
    for q in ("a=US", "b=CHN;RUS", "weight=heavy", "freq=hour", "min_events=0"):
        assert client.get(f"/api/alignment?{q}").status_code == 422, q


def test_shifts(client: TestClient) -> None:
    # relations' defaults ask for dense data (3 events in the period, 10 before): none here
    assert ok(client, "/api/shifts")["items"] == []
    r = ok(client, "/api/shifts?freq=month&window=365d&threshold=2&min_events=1&min_history=2")
    assert r["total"] == len(r["items"]) == 2
    up, down = r["items"]  # the weekly meetings of January, then the threats of February
    assert (up["period"], up["a"], up["b"], up["direction"]) == (
        "2020-01-01",
        "CHN",
        "USA",
        "toward cooperation",
    )
    assert up["doc_ids"] == ["w1", "w2", "w3"] and up["value"] == pytest.approx(5.7)
    assert (down["period"], down["direction"], down["doc_ids"]) == ("2020-02-01", "toward conflict", ["w4"])
    assert down["z"] < -2 and len(down["event_ids"]) == 2
    one = ok(client, "/api/shifts?min_events=1&min_history=2&dyad=usa,chn&limit=1")
    assert one["total"] == 2 and len(one["items"]) == 1
    assert ok(client, "/api/shifts?min_events=1&min_history=2&dyad=RUS,UKR")["items"] == []
    for q in (
        "threshold=0",
        "threshold=-1",
        "freq=hour",
        "window=x",
        "metric=mood",
        "dyad=USA",
        "limit=0",
        "min_events=0",
        "min_history=-1",
    ):
        assert client.get(f"/api/shifts?{q}").status_code == 422, q


# -- exports --------------------------------------------------------------------------------------


def test_exports_list_and_downloads(client: TestClient) -> None:
    listed = ok(client, "/api/exports")["items"]
    assert {(i["name"], i["format"]) for i in listed} >= {
        ("events", "csv"),
        ("gold", "jsonl"),
        ("network", "gexf"),
    }
    for item in listed:
        r = client.get(item["url"])
        assert r.status_code == 200, item
        assert "attachment" in r.headers["content-disposition"]
        assert f"realpolitik-{item['name']}.{item['format']}" in r.headers["content-disposition"]
    lines = client.get("/api/exports/events.jsonl").text.splitlines()
    assert len(lines) == N_EVENTS and json.loads(lines[0])["event_id"]
    csv_rows = client.get("/api/exports/events.csv?country=RUS").text.splitlines()
    assert csv_rows[0].startswith("event_id,doc_id") and "source.code" in csv_rows[0] and len(csv_rows) == 7
    assert "<gexf" in client.get("/api/exports/network.gexf").text
    assert "<graphml" in client.get("/api/exports/network.graphml").text
    plover = [json.loads(x) for x in client.get("/api/exports/plover.jsonl").text.splitlines()]
    assert len(plover) == N_EVENTS - 1  # negated events are not exported as events
    assert client.get("/api/exports/events.xml").status_code == 404
    assert client.get("/api/exports/secrets.csv").status_code == 404
    assert client.get("/api/exports/..%2F..%2Fetc.csv").status_code in (404, 422)
    assert client.get("/api/exports/events.csv?root=99").status_code == 422


# -- writes: the token ----------------------------------------------------------------------------


WRITES = [
    ("/api/articles/a1/comments", {"author": "ana", "body": "hello"}),
    ("/api/events/{eid}/comments", {"author": "ana", "body": "hello"}),
    ("/api/events/{eid}/corrections", {"author": "ana", "action": "confirm"}),
    ("/api/ingest", {"text": "China criticized Russia."}),
]


@pytest.mark.parametrize("url, body", WRITES)
def test_writes_need_the_token(writable: TestClient, url: str, body: dict[str, Any]) -> None:
    url = url.format(eid=event_id(writable))
    r = writable.post(url, json=body)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert "token" in r.json()["detail"]
    for headers in (
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {TOKEN}"},
        {"Authorization": ""},
    ):
        assert writable.post(url, json=body, headers=headers).status_code == 401, headers
    assert ok(writable, "/api/stats")["corrections"] == 0
    assert ok(writable, "/api/articles/a1")["comments"] == []


@pytest.mark.parametrize("url, body", WRITES)
def test_read_only_server_refuses_writes(store: Store, url: str, body: dict[str, Any]) -> None:
    ro = TestClient(create_app(store, token=None))
    assert ok(ro, "/api/health")["writable"] is False
    url = url.format(eid=event_id(ro))
    for headers in ({}, AUTH):
        r = ro.post(url, json=body, headers=headers)
        assert r.status_code == 403 and "read-only" in r.json()["detail"]


def test_comments_with_the_token(writable: TestClient) -> None:
    r = writable.post(
        "/api/articles/a1/comments", json={"author": "ana", "body": "Worth a look."}, headers=AUTH
    )
    assert r.status_code == 201
    c = r.json()
    assert c["article_id"] == "a1" and c["event_id"] is None and c["body"] == "Worth a look."
    eid = event_id(writable, "a1", 1)
    r = writable.post(f"/api/events/{eid}/comments", json={"author": "bo", "body": "Doubtful."}, headers=AUTH)
    assert r.status_code == 201 and r.json()["article_id"] == "a1"
    assert [c["body"] for c in ok(writable, "/api/articles/a1/comments")["items"]] == [
        "Worth a look.",
        "Doubtful.",
    ]
    assert [c["body"] for c in ok(writable, f"/api/events/{eid}/comments")["items"]] == ["Doubtful."]
    assert len(ok(writable, "/api/articles/a1")["comments"]) == 2
    assert (
        writable.post(
            "/api/articles/zz/comments", json={"author": "a", "body": "b"}, headers=AUTH
        ).status_code
        == 404
    )
    assert (
        writable.post("/api/events/zz/comments", json={"author": "a", "body": "b"}, headers=AUTH).status_code
        == 404
    )


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"author": "a"},
        {"body": "b"},
        {"author": "", "body": "b"},
        {"author": "a", "body": ""},
        {"author": "a", "body": "b", "extra": 1},
        {"author": "a", "body": "x" * 10_001},
        {"author": ["a"], "body": "b"},
    ],
)
def test_bad_comments(writable: TestClient, body: dict[str, Any]) -> None:
    r = writable.post("/api/articles/a1/comments", json=body, headers=AUTH)
    assert r.status_code == 422
    assert ok(writable, "/api/articles/a1/comments")["items"] == []


def test_malformed_json_body(writable: TestClient) -> None:
    for raw in (b"{not json", b"", b"[]", b"\xff\xfe"):
        r = writable.post(
            "/api/articles/a1/comments", content=raw, headers={**AUTH, "Content-Type": "application/json"}
        )
        assert r.status_code == 422, raw


def test_corrections_with_the_token_and_gold_export(writable: TestClient, tmp_path: Path) -> None:
    e1, e2 = event_id(writable, "a1", 0), event_id(writable, "a1", 1)
    r = writable.post(
        f"/api/events/{e1}/corrections", json={"author": "ana", "action": "confirm"}, headers=AUTH
    )
    assert r.status_code == 201 and r.json()["action"] == "confirm"
    body = {"author": "ana", "action": "recode", "cameo_code": "130", "target": "usagov", "note": "a threat"}
    r = writable.post(f"/api/events/{e2}/corrections", json=body, headers=AUTH)
    assert r.status_code == 201
    c = r.json()
    assert c["cameo_code"] == "130" and c["target_code"] == "USAGOV" and c["target_country"] == "USA"
    # a code the store does not know: its country is read from its first three letters
    body = {"author": "bo", "action": "recode", "source": "FRAGOV"}
    assert (
        writable.post(f"/api/events/{e2}/corrections", json=body, headers=AUTH).json()["source_country"]
        == "FRA"
    )
    d = ok(writable, f"/api/events/{e2}")
    assert d["verdict"]["author"] == "bo" and len(d["corrections"]) == 2
    assert d["event"]["cameo"]["code"] == "111"  # the machine coding is never overwritten
    art = ok(writable, "/api/articles/a1")
    assert [e["verdict"]["action"] if e["verdict"] else None for e in art["events"]] == [
        "confirm",
        "recode",
        None,
    ]
    assert ok(writable, "/api/corrections")["total"] == 3
    r = writable.get("/api/corrections/gold.jsonl")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    path = tmp_path / "gold.jsonl"
    path.write_bytes(r.content)
    gold = load_gold(path)  # the format `realpolitik eval` reads
    assert list(gold) == ["a1"]
    assert gold["a1"]["events"] == [
        {"source": "CHN", "target": "USA", "cameo": ["11"]},
        {"source": "FRA", "target": "CHN", "cameo": ["11"]},  # the latest verdict alone counts
    ]
    preds = ok(writable, "/api/events?article=a1&limit=500")["items"]
    assert score(gold, preds).tp_gold == 1


@pytest.mark.parametrize(
    "body",
    [
        {"author": "a", "action": "delete"},
        {"author": "a", "action": "recode"},
        {"author": "a", "action": "confirm", "cameo_code": "111"},
        {"author": "a", "action": "recode", "cameo_code": "1x"},
        {"author": "a", "action": "recode", "source": "U"},
        {"action": "confirm"},
        {"author": "a", "action": "reject", "note": "n" * 2001},
    ],
)
def test_bad_corrections(writable: TestClient, body: dict[str, Any]) -> None:
    eid = event_id(writable)
    r = writable.post(f"/api/events/{eid}/corrections", json=body, headers=AUTH)
    assert r.status_code == 422, r.text
    assert ok(writable, "/api/corrections")["total"] == 0


def test_unknown_cameo_code_and_event(writable: TestClient) -> None:
    eid = event_id(writable)
    r = writable.post(
        f"/api/events/{eid}/corrections",
        json={"author": "a", "action": "recode", "cameo_code": "999"},
        headers=AUTH,
    )
    assert r.status_code == 400 and "999" in r.json()["detail"]
    r = writable.post("/api/events/zz/corrections", json={"author": "a", "action": "confirm"}, headers=AUTH)
    assert r.status_code == 404


# -- ingest ---------------------------------------------------------------------------------------


def test_ingest_text(writable: TestClient) -> None:
    body = {
        "text": "France criticized Iran over its missiles.",
        "title": "A test",
        "date": "2021-04-05",
        "publisher": "Desk",
        "id": "t-1",
    }
    r = writable.post("/api/ingest", json=body, headers=AUTH)
    assert r.status_code == 201, r.text
    assert r.json() == {"articles": [{"id": "t-1", "status": "created", "events": 1}], "problems": []}
    art = ok(writable, "/api/articles/t-1")
    assert art["article"]["date"] == "2021-04-05" and art["article"]["publisher"] == "Desk"
    assert [(e["source"]["code"], e["cameo"]["code"], e["target"]["code"]) for e in art["events"]] == [
        ("FRA", "111", "IRN")
    ]
    assert ok(writable, "/api/events?dyad=FRA,IRN&since=2021-01-01")["total"] == 1
    # the caches of relations are refreshed by the write
    assert any(
        {e["source"], e["target"]} == {"FRA", "IRN"} and e["events"] == 2
        for e in ok(writable, "/api/network")["edges"]
    )
    again = writable.post("/api/ingest", json=body, headers=AUTH).json()
    assert again["articles"] == [{"id": "t-1", "status": "duplicate", "events": None}]
    other = writable.post("/api/ingest", json={**body, "text": "Other words entirely."}, headers=AUTH).json()
    assert other["articles"][0]["id"].startswith("t-1-")  # same id, other text: kept under a new id


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"text": ""},
        {"text": "   "},
        {"url": "file:///etc/passwd"},
        {"url": "/etc/passwd"},
        {"url": "ftp://example.org/x"},
        {"text": "x", "url": "http://127.0.0.1/"},
        {"text": "x", "date": "2021-02-30"},
        {"text": "x", "id": "../../etc"},
        {"url": "http://127.0.0.1:1/a", "title": "t"},
        {"text": "x", "shell": "rm"},
    ],
)
def test_ingest_bad_bodies(writable: TestClient, body: dict[str, Any]) -> None:
    r = writable.post("/api/ingest", json=body, headers=AUTH)
    assert r.status_code == 422, (body, r.status_code, r.text)
    assert ok(writable, "/api/stats")["articles"] == len(ARTICLES)


class _Page(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path != "/story.html":
            self.send_error(404)
            return
        paragraphs = "".join(
            f"<p>{s}</p>"
            for s in [
                "Germany criticized Russia over the poisoning of an opposition leader on Monday.",
                "The government in Berlin said it had clear evidence and demanded an explanation.",
                "Officials in Moscow rejected the claims as baseless and said no investigation was needed.",
                "Several other European governments joined the call for an independent inquiry.",
            ]
        )
        page = (
            "<html><head><title>Berlin and Moscow clash</title></head><body><article>"
            f"<h1>Berlin and Moscow clash</h1>{paragraphs}</article></body></html>"
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(page)))
        self.end_headers()
        self.wfile.write(page)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def local_site() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_ingest_url(tmp_path: Path, local_site: str) -> None:
    s = build_store(tmp_path / "rp.duckdb")
    guarded = TestClient(create_app(s, token=TOKEN, pipeline_factory=FakePipeline))
    r = guarded.post("/api/ingest", json={"url": f"{local_site}/story.html"}, headers=AUTH)
    assert r.status_code == 400 and "loopback" in r.json()["detail"]  # the server's own network is off limits
    writable = TestClient(create_app(s, token=TOKEN, pipeline_factory=FakePipeline, allow_private_urls=True))
    r = writable.post("/api/ingest", json={"url": f"{local_site}/story.html"}, headers=AUTH)
    assert r.status_code == 201, r.text
    [created] = r.json()["articles"]
    assert created["status"] == "created" and created["events"] == 1
    art = ok(writable, f"/api/articles/{created['id']}")["article"]
    assert "Germany criticized Russia" in art["text"] and art["url"] == f"{local_site}/story.html"
    assert ok(writable, f"/api/articles/{created['id']}/related")["article_id"] == created["id"]
    from urllib.parse import quote

    page = writable.get(f"/articles/{quote(created['id'], safe='')}")  # an id with slashes, linked quoted
    assert page.status_code == 200 and "over the poisoning of an opposition leader" in page.text
    again = writable.post("/api/ingest", json={"url": f"{local_site}/story.html"}, headers=AUTH).json()
    assert again["articles"][0]["status"] == "duplicate"
    r = writable.post("/api/ingest", json={"url": f"{local_site}/missing.html"}, headers=AUTH)
    assert r.status_code == 400 and "404" in r.json()["detail"]
    s.close()


# -- limits and hostile input ---------------------------------------------------------------------


def test_request_over_size_limit_refused(writable: TestClient) -> None:
    big = {"text": "China criticized Russia. " * 4000}  # ~100 kB, over the fixture's 64 kB
    r = writable.post("/api/ingest", json=big, headers=AUTH)
    assert r.status_code == 413 and "limit" in r.json()["detail"]

    def stream() -> Iterator[bytes]:  # no Content-Length: chunked, counted while read
        yield b'{"author": "a", "body": "'
        for _ in range(100):
            yield b"x" * 1024
        yield b'"}'

    r = writable.post(
        "/api/articles/a1/comments", content=stream(), headers={**AUTH, "Content-Type": "application/json"}
    )
    assert r.status_code == 413
    r = writable.post("/api/articles/a1/comments", content=b"{}", headers={**AUTH, "Content-Length": "lots"})
    assert r.status_code == 400
    assert ok(writable, "/api/articles/a1/comments")["items"] == []
    assert (
        writable.post(
            "/api/articles/a1/comments", json={"author": "a", "body": "fine"}, headers=AUTH
        ).status_code
        == 201
    )


def test_script_in_article_stays_data(client: TestClient) -> None:
    d = ok(client, "/api/articles/a6")
    assert (
        SCRIPT in d["article"]["text"] and SCRIPT in d["article"]["title"]
    )  # the API returns it verbatim, as JSON
    page = client.get("/articles/a6").text
    assert "<script>alert" not in page and "&lt;script&gt;alert(&#39;xss&#39;)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "<b>not bold</b>" not in page
    assert 'href="javascript:' not in page  # the article's javascript: URL is not made a link


def test_comment_with_markup_is_shown_as_text(writable: TestClient) -> None:
    body = {"author": "<i>eve</i>", "body": f"{SCRIPT}<a href='javascript:alert(1)'>x</a>"}
    assert writable.post("/api/articles/a1/comments", json=body, headers=AUTH).status_code == 201
    page = writable.get("/articles/a1").text
    assert "<script>alert" not in page and "<i>eve</i>" not in page and "&lt;i&gt;eve&lt;/i&gt;" in page
    assert "href='javascript" not in page and 'href="javascript' not in page


def test_never_a_500(client: TestClient) -> None:
    """Hostile values in every read parameter: a 2xx or a 4xx, never a server error."""
    values = [
        "",
        "'",
        "' OR '1'='1",
        "%",
        "\\",
        "\x00",
        "../../etc/passwd",
        "<script>",
        "9" * 40,
        "-1",
        "1e309",
        "é中",
        "%00",
        "NaN",
        "2020-01-01T00:00",
    ]
    urls = [
        "/api/articles?q={v}",
        "/api/articles?publisher={v}",
        "/api/articles?since={v}",
        "/api/articles?limit={v}",
        "/api/events?actor={v}",
        "/api/events?country={v}",
        "/api/events?code={v}",
        "/api/events?root={v}",
        "/api/events?quad_class={v}",
        "/api/events?publisher={v}",
        "/api/events?article={v}",
        "/api/events?dyad={v}",
        "/api/actors?q={v}",
        "/api/actors?kind={v}",
        "/api/articles/{v}",
        "/api/events/{v}",
        "/api/actors/{v}",
        "/api/dyads/{v}/USA/series",
        "/api/network?window={v}",
        "/api/alignment?a={v}",
        "/api/shifts?threshold={v}",
        "/api/articles/a1/related?k={v}",
        "/api/exports/{v}",
        "/articles?q={v}",
        "/events?country={v}",
        "/dyads/{v}/CHN",
        "/map?a={v}",
        "/search?q={v}",
        "/articles/{v}",
        "/events/{v}",
    ]
    from urllib.parse import quote

    for url in urls:
        for v in values:
            r = client.get(url.format(v=quote(v, safe="")))
            assert r.status_code < 500, (url, v, r.status_code, r.text[:300])
    assert ok(client, "/api/stats")["articles"] == len(ARTICLES)  # nothing was dropped or changed


def test_empty_and_one_article_stores(tmp_path: Path) -> None:
    """Every page and list works before anything is ingested, and with a single article."""
    from realpolitik.store import open_store

    s = open_store(tmp_path / "empty.duckdb")
    c = TestClient(create_app(s, token=TOKEN, pipeline_factory=FakePipeline))
    urls = [
        "/",
        "/map",
        "/map.svg",
        "/network",
        "/dyads",
        "/dyads/USA/CHN",
        "/articles",
        "/events",
        "/actors",
        "/search?q=x",
        "/corrections",
        "/docs",
        "/api/stats",
        "/api/articles",
        "/api/events",
        "/api/actors",
        "/api/dyads",
        "/api/dyads/USA/CHN/series",
        "/api/network",
        "/api/blocs",
        "/api/alignment",
        "/api/shifts",
        "/api/corrections",
        "/api/exports/events.csv",
        "/api/exports/dyads.csv",
        "/api/exports/network.gexf",
        "/api/exports/gdelt.tsv",
        "/api/exports/plover.jsonl",
        "/api/exports/alignment.csv",
        "/api/exports/shifts.csv",
        "/api/corrections/gold.jsonl",
    ]
    for url in urls:
        assert c.get(url).status_code == 200, url
    assert c.get("/api/network").json()["nodes"] == []
    s.save_article(*build_article(ARTICLES[1]))
    c = TestClient(create_app(s, token=TOKEN, pipeline_factory=FakePipeline))
    for url in [*urls, "/articles/a2", "/api/articles/a2", "/api/articles/a2/related"]:
        assert c.get(url).status_code == 200, url
    assert c.get("/api/articles/a2/related").json()["items"] == []
    s.close()


def test_ingest_with_the_real_pipeline(nlp: Any, tmp_path: Path) -> None:
    """The default pipeline factory: spaCy, actors and events coded for real, then served."""
    from realpolitik.store import open_store

    s = open_store(tmp_path / "real.duckdb")
    c = TestClient(create_app(s, token=TOKEN))
    body = {
        "text": "China accused the United States of bullying on Monday.",
        "date": "2019-05-08",
        "id": "real-1",
    }
    r = c.post("/api/ingest", json=body, headers=AUTH)
    assert r.status_code == 201, r.text
    assert r.json()["articles"][0]["events"] >= 1
    events = ok(c, "/api/events?article=real-1")["items"]
    assert ("CHN", "USA", "11") in {
        (e["source"]["country"], (e["target"] or {}).get("country"), e["cameo"]["root"]) for e in events
    }
    assert ok(c, "/api/articles/real-1")["mentions"]
    s.close()
