"""The REST API against its own OpenAPI schema, with schemathesis: no request gives a 500.

schemathesis reads ``/openapi.json`` and generates requests for every operation, in-process
against the ASGI app (no server, no network), over a temporary DuckDB store holding the hand-built
articles of :mod:`realpolitik.api.testing` (a few events). The dashboard's pages, left out of
``/openapi.json``, get a schema of their own (:func:`pages_schema`) and the same treatment. Each
operation gets up to three passes:

* *positive*: everything the schema allows (any date, any window of the pattern, any text...);
* *negative*: requests that break the schema (wrong types, missing fields, bad patterns);
* *known ids*: positive again, with path parameters naming an article, event and actor that
  exist (generated ids are nearly always a 404, which stops a request before most of its code).

Write operations (``POST``) are sent with the server's token, so comments, corrections and
ingested articles really are written (the store grows while the run goes on, and later reads see
it), and first without a token and with a wrong one: those must be refused and leave the store
as it was. A server without a token must refuse every write (403). URL ingestion is checked by
the address guard and then never fetched (``offline_fetch``): no generated URL reaches the
network.

A *failure* is a response of 500 or more, or an exception escaping the app. Each failure found is
fixed in ``src/realpolitik/api/`` and kept below as a regression test of its own.

``make test`` runs 10 examples per operation and pass (about 2,000 requests, 15-30 s);
``RP_API_EXAMPLES=500 RP_API_RANDOM=1 pytest tests/test_api_schemathesis.py`` a longer, fresh run.
As a script (``python tests/test_api_schemathesis.py --examples 500``) it prints the requests,
the status codes and the failures of each operation (the figures of benchmarks/reliability.md).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis", reason="schemathesis is in the dev extra")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from hypothesis.errors import Unsatisfiable  # noqa: E402

from realpolitik.api import create_app  # noqa: E402
from realpolitik.api.testing import FakePipeline, build_store  # noqa: E402
from realpolitik.errors import InputError  # noqa: E402
from realpolitik.ingest.fetch import Fetcher, check_url  # noqa: E402
from realpolitik.store import Store  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Starlette suggests httpx2; httpx is what the project pins
    from fastapi.testclient import TestClient

TOKEN = "schemathesis-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
WRONG = {"Authorization": "Bearer not-the-token"}
EXAMPLES = int(os.environ.get("RP_API_EXAMPLES", "10"))
RANDOM = bool(os.environ.get("RP_API_RANDOM"))
SLOW = 5.0  # seconds: a request slower than this is reported (the long run's figures)
TIMEOUT = 300.0  # seconds: a request slower than this counts as a failure (a hang)


def offline_fetch(self: Fetcher, url: str) -> Any:
    """Replaces Fetcher.fetch: the URL goes through the address guard, then is never fetched."""
    check_url(url, self.allow_private)
    raise InputError(url, "offline: the schemathesis run never fetches")


@dataclass
class Report:
    """What a run sent and got, per operation."""

    requests: Counter[str] = field(default_factory=Counter)  # operation -> requests sent
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    failures: dict[tuple[str, str], str] = field(default_factory=dict)  # (operation, what) -> repro
    failure_count: Counter[tuple[str, str]] = field(default_factory=Counter)
    unauthorised_accepted: list[str] = field(default_factory=list)
    slow: list[tuple[float, str, str]] = field(default_factory=list)  # (seconds, operation, repro)

    def fail(self, label: str, what: str, case: Any) -> None:
        self.failure_count[(label, what)] += 1
        self.failures.setdefault((label, what), case.as_curl_command())

    def summary(self) -> str:
        lines = [f"{label}: {what} ({self.failure_count[(label, what)]}x)\n    {repro}"
                 for (label, what), repro in self.failures.items()]  # fmt: skip
        lines += [f"write accepted without the token: {r}" for r in self.unauthorised_accepted]
        return "\n".join(lines)


def call(case: Any, headers: dict[str, str] | None, report: Report, label: str) -> int | None:
    """Send ``case``; record a 5xx or an exception escaping the app as a failure, and a request
    slower than SLOW seconds as slow (not a failure: the server answers, but late)."""
    report.requests[label] += 1
    started = time.monotonic()
    try:
        # schemathesis gives up on a response after 10 s by default: a slow request is not a crash
        response = case.call(headers=headers, timeout=TIMEOUT)
    except Exception as exc:  # the app raised: Starlette's TestClient re-raises server errors
        report.fail(label, f"exception {type(exc).__name__}: {str(exc)[:200]}", case)
        return None
    took = time.monotonic() - started
    if took > SLOW:
        report.slow.append((took, label, case.as_curl_command()))
    report.statuses[(label, response.status_code)] += 1
    if response.status_code >= 500:
        report.fail(label, f"HTTP {response.status_code}: {response.text[:200]}", case)
    return response.status_code


def known_ids(store: Store) -> dict[str, str]:
    """Path parameters that name things in the store: generated ids almost never do (404)."""
    event = store.events(limit=1)[0]
    return {
        "article_id": event["doc_id"],
        "event_id": event["event_id"],
        "code": event["source"]["code"],
        "a": "CHN",
        "b": "USA",
        "filename": "events.csv",
    }


def pages_schema(app: Any) -> Any:
    """The dashboard's pages as an OpenAPI schema: they are left out of /openapi.json (HTML, not
    API), but take the same parameters and run the same code, so they are fuzzed too."""
    import copy

    from fastapi.openapi.utils import get_openapi
    from fastapi.routing import APIRoute

    from realpolitik.api import pages

    routes = []
    for route in pages.router.routes:
        if isinstance(route, APIRoute):
            shown = copy.copy(route)
            shown.include_in_schema = True
            routes.append(shown)
    schema = schemathesis.openapi.from_dict(get_openapi(title="pages", version="1", routes=routes))
    schema.app = app
    return schema


def run_schemathesis(app: Any, store: Store, examples: int, *, random: bool = False) -> Report:
    """Every operation of ``app``'s schema and of its pages, ``examples`` cases in each pass:
    positive, negative, and (operations with path parameters) positive again with ids that exist
    in the store, so that comments and corrections are written and the rest of each request is
    exercised."""
    from schemathesis import GenerationMode

    report = Report()
    ids = known_ids(store)
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    for result in [*api.get_all_operations(), *pages_schema(app).get_all_operations()]:
        op = result.ok()
        for mode in GenerationMode:
            fuzz_operation(op, op.as_strategy(generation_mode=mode), store, report, examples, random)
        names = [p.name for p in op.path_parameters]
        if names and all(n in ids for n in names):
            strategy = op.as_strategy(path_parameters={n: ids[n] for n in names})
            fuzz_operation(op, strategy, store, report, examples, random)
    return report


def fuzz_operation(op: Any, strategy: Any, store: Store, report: Report, examples: int, random: bool) -> None:
    label = op.label
    writes = op.method.upper() != "GET"

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=not random,
        phases=[Phase.explicit, Phase.generate],  # record failures, do not shrink them
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        if not writes:
            call(case, None, report, label)
            return
        before = store.data_version()
        for headers in (None, WRONG):
            status = call(case, headers, report, label)
            if status is not None and 200 <= status < 300:
                report.unauthorised_accepted.append(case.as_curl_command())
        if store.data_version() != before:
            report.unauthorised_accepted.append(f"(store changed) {case.as_curl_command()}")
        call(case, AUTH, report, label)

    try:
        run()
    except Unsatisfiable:
        pass  # no parameters to break: an operation without any has no negative cases


@pytest.fixture(scope="module")
def api() -> Iterator[tuple[Any, Store]]:
    with tempfile.TemporaryDirectory(prefix="rp-schemathesis-") as d, pytest.MonkeyPatch.context() as mp:
        mp.setattr(Fetcher, "fetch", offline_fetch)
        store = build_store(Path(d) / "rp.duckdb")
        try:
            yield create_app(store, token=TOKEN, pipeline_factory=FakePipeline), store
        finally:
            store.close()


def test_no_request_gives_a_server_error(api: tuple[Any, Store], caplog: pytest.LogCaptureFixture) -> None:
    app, store = api
    caplog.set_level(logging.CRITICAL, logger="realpolitik.api")  # failures are reported below
    report = run_schemathesis(app, store, EXAMPLES, random=RANDOM)
    assert not report.failures and not report.unauthorised_accepted, "\n" + report.summary()
    # the run did exercise the API: every operation, most of them answering 2xx as well as 4xx
    assert len(report.requests) >= 25
    ok = {label for (label, status), n in report.statuses.items() if 200 <= status < 300}
    assert any(label == "GET /network" for label in report.requests)  # the pages are fuzzed too
    for label in (
        "GET /api/events",
        "GET /api/network",
        "GET /api/blocs",
        "GET /api/shifts",
        "GET /api/alignment",
        "GET /api/dyads/{a}/{b}/series",
        "GET /api/articles/{article_id}",
        "POST /api/ingest",
        "POST /api/articles/{article_id}/comments",
        "POST /api/events/{event_id}/corrections",
    ):
        assert label in ok, (label, sorted(ok))
    assert sum(n for (_, status), n in report.statuses.items() if status in (400, 422)) > 0
    assert report.statuses[("POST /api/articles/{article_id}/comments", 401)] > 0


def test_a_server_without_a_token_refuses_every_write(tmp_path: Path) -> None:
    store = build_store(tmp_path / "rp.duckdb")
    try:
        app = create_app(store, token=None, pipeline_factory=FakePipeline)
        schema = schemathesis.openapi.from_asgi("/openapi.json", app)
        before = store.data_version()
        statuses: Counter[int] = Counter()
        for result in schema.get_all_operations():
            op = result.ok()
            if op.method.upper() == "GET":
                continue

            @settings(max_examples=5, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))  # fmt: skip
            @given(case=op.as_strategy())
            def run(case: Any) -> None:
                for headers in (None, AUTH):
                    statuses[case.call(headers=headers).status_code] += 1

            run()
        assert store.data_version() == before
        assert statuses[403] > 0 and not [s for s in statuses if 200 <= s < 300 or s >= 500], statuses
    finally:
        store.close()


# -- regression tests: one per 500 the schemathesis run found ---------------------------------


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    store = build_store(tmp_path / "rp.duckdb")
    app = create_app(store, token=TOKEN, pipeline_factory=FakePipeline)
    yield TestClient(app, raise_server_exceptions=False)
    store.close()


@pytest.mark.parametrize(
    "url",
    [
        # pandas counts time in nanoseconds: years 1677 to 2262 only (was OutOfBoundsDatetime)
        "/api/dyads/CHN/USA/series?freq=day&since=0246-04-14&until=0540-12-16",
        "/api/dyads/CHN/USA/series?until=9999-12-31",
        "/api/network?since=0401-03-26",
        "/api/shifts?until=3000-01-01",
        "/api/alignment?since=1000-01-01",
        "/api/events?since=0001-01-01",
        "/network?since=0401-03-26",
    ],
)
def test_dates_outside_the_supported_range_are_a_400(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert "outside the dates this server handles (1800-01-01 to 2199-12-31)" in r.text


@pytest.mark.parametrize(
    "url",
    [
        "/api/blocs?method=spectral&step=7M&window=6647m",  # 554 years back (was OutOfBoundsDatetime)
        "/api/blocs?window=90d&step=9999y",
        "/api/network?window=9999y",
        "/api/shifts?window=5300w",
        "/network?window=1300m",
    ],
)
def test_windows_over_a_century_are_a_400(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert "longer than 100 years" in r.text


@pytest.mark.parametrize(
    "url",
    [
        # one period in the window: pandas' rolling(1, min_periods=2) raised ValueError
        "/api/shifts?min_history=1&metric=net&since=2000-01-01&window=4D&freq=week&threshold=5e-324",
        "/api/shifts?window=1d&freq=day",
        "/api/shifts?window=12m&freq=year",
    ],
)
def test_a_shifts_window_of_one_period_is_a_400(client: TestClient, url: str) -> None:
    r = client.get(url)
    assert r.status_code == 400, (r.status_code, r.text[:300])
    assert "must be longer than one" in r.text
    assert client.get("/api/shifts?window=2d&freq=day&min_history=1").status_code == 200


def test_the_longest_window_and_widest_dates_still_work(client: TestClient) -> None:
    for url in (
        "/api/blocs?window=100y&step=100y",
        "/api/network?window=1200m",
        "/api/dyads/CHN/USA/series?freq=year&since=1800-01-01&until=2199-12-31",
        "/api/shifts?window=5200w&since=1800-01-01&until=2199-12-31",
    ):
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])


def test_an_article_dated_far_away_is_refused_and_cannot_break_the_relations(
    client: TestClient, tmp_path: Path
) -> None:
    # Stored, an event dated 0001-01-01 made every relations endpoint fail (pandas cannot hold
    # the date), for every user, from then on: the API refuses such dates...
    text = {"text": "France criticized Germany on Monday.", "date": "0001-01-01"}
    r = client.post("/api/ingest", json=text, headers=AUTH)
    assert r.status_code == 422 and "date must be between 1800-01-01 and 2199-12-31" in r.text
    # ...and events stored with such dates by another way (a file ingested with the CLI takes its
    # dates as given) count as undated in the analyses instead of failing them.
    from realpolitik.api.testing import ARTICLES, build_article

    store = build_store(tmp_path / "far.duckdb")
    try:
        spec = {**ARTICLES[0], "id": "far", "url": "https://example.org/far"}
        article, mentions, events = build_article(spec)
        for i, day in enumerate(("0001-01-01", "9999-12-31")):
            from dataclasses import replace
            from datetime import date

            d = date.fromisoformat(day)
            # more text at the end: another content hash, the same mention and event offsets
            a2 = replace(article, id=f"far{i}", url=f"https://example.org/far{i}", date=d,
                         text=f"{article.text} ({i})")  # fmt: skip
            store.save_article(a2, mentions, [replace(e, doc_id=a2.id, date=d) for e in events])
        far = TestClient(create_app(store), raise_server_exceptions=False)
        for url in ("/api/network", "/api/blocs", "/api/shifts", "/api/alignment",
                    "/api/dyads/CHN/USA/series", "/api/exports/dyads.csv", "/network", "/"):  # fmt: skip
            r = far.get(url)
            assert r.status_code == 200, (url, r.status_code, r.text[:300])
        assert far.get("/api/events?article=far0").json()["items"][0]["date"] == "0001-01-01"
    finally:
        store.close()


# -- as a script: the long run ------------------------------------------------------------------


def main() -> int:
    ap = argparse.ArgumentParser(description="schemathesis run of the REST API (see the module docstring).")
    ap.add_argument("--examples", type=int, default=200, help="cases per operation and mode")
    ap.add_argument("--random", action="store_true", help="fresh random cases (default: derandomized)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.CRITICAL)
    Fetcher.fetch = offline_fetch  # type: ignore[method-assign]
    with tempfile.TemporaryDirectory(prefix="rp-schemathesis-") as d:
        store = build_store(Path(d) / "rp.duckdb")
        app = create_app(store, token=TOKEN, pipeline_factory=FakePipeline)
        started = time.monotonic()
        report = run_schemathesis(app, store, args.examples, random=args.random)
        took = time.monotonic() - started
        for label, n in report.requests.items():
            codes = ", ".join(f"{s}: {c}" for (lab, s), c in sorted(report.statuses.items()) if lab == label)
            print(f"{label:<45} {n:>6} requests  {codes}")
        total = sum(report.requests.values())
        print(
            f"\n{len(report.requests)} operations, {total} requests in {took:.0f} s; "
            f"{sum(report.failure_count.values())} failures ({len(report.failures)} distinct); "
            f"{len(report.unauthorised_accepted)} writes accepted without the token"
        )
        if report.failures or report.unauthorised_accepted:
            print(report.summary())
        for took, label, repro in sorted(report.slow, reverse=True)[:10]:
            print(f"slow: {took:.1f} s {label}: {repro}")
        print(f"{len(report.slow)} requests slower than {SLOW:g} s")
        store.close()
    return 1 if report.failures or report.unauthorised_accepted else 0


if __name__ == "__main__":
    sys.exit(main())
