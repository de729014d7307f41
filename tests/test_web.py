"""The dashboard end to end, in a real headless Chromium driven by Playwright for Python.

The server is the real thing (uvicorn in a thread, on 127.0.0.1) over a hand-built store. The
browser is Debian's ``chromium`` (scripts/install-test-browser.sh); without it, or without the
``playwright`` package, these tests skip with a message. Screenshots of every page are written
to ``test-artifacts/web/`` (git-ignored).
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from realpolitik.api import create_app
from realpolitik.api.testing import SCRIPT, FakePipeline, build_store

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts" / "web"
TOKEN = "browser-token"


def _require_browser() -> Any:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright for Python is not installed (pip install playwright==1.65.2)")
    if not os.access(CHROMIUM, os.X_OK):
        pytest.skip(f"{CHROMIUM} not found: run scripts/install-test-browser.sh (apt-get install chromium)")
    return sync_playwright


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    _require_browser()
    import uvicorn

    store = build_store(tmp_path_factory.mktemp("web") / "rp.duckdb")
    app = create_app(store, token=TOKEN, pipeline_factory=FakePipeline)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the test server did not start")
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)
    store.close()


@pytest.fixture(scope="module")
def browser(server: str) -> Iterator[Any]:
    sync_playwright = _require_browser()
    with sync_playwright() as p:
        try:
            b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        except Exception as e:  # noqa: BLE001 - a browser that cannot start is a skip, not an error
            pytest.skip(f"{CHROMIUM} could not be launched: {e}")
        yield b
        b.close()


class Watch:
    """What the page did that it should not: console errors (CSP violations show up there),
    uncaught exceptions, dialogs (an executed alert() from injected markup)."""

    def __init__(self, page: Any) -> None:
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

        def on_dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", on_dialog)


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    context = browser.new_context(base_url=server, viewport={"width": 1360, "height": 900})
    context.set_default_timeout(10_000)
    pg = context.new_page()
    pg.watch = Watch(pg)
    yield pg
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def clean(page: Any) -> None:
    assert page.watch.errors == [], page.watch.errors
    assert page.watch.dialogs == [], page.watch.dialogs


def expected_status(page: Any, url: str, status: int = 200) -> Any:
    response = page.goto(url)
    assert response is not None and response.status == status, (url, response and response.status)
    return response


# -- every page ---------------------------------------------------------------------------------


PAGES = [
    ("overview", "/", "Overview"),
    ("map", "/map", "Alignment between USA and CHN+RUS"),
    ("network", "/network", "Relations network"),
    ("dyads", "/dyads", "Dyads"),
    ("dyad", "/dyads/CHN/USA", "CHN – USA"),
    ("articles", "/articles", "Articles"),
    ("articles-search", "/articles?q=china", "Articles"),
    ("article", "/articles/a1", "China and the United States trade accusations over tariffs"),
    ("events", "/events?country=CHN", "Events"),
    ("actors", "/actors", "Actors"),
    ("search", "/search?q=russia", "Search: “russia”"),
    ("corrections", "/corrections", "Corrections"),
    ("docs", "/docs", "realpolitik API"),
]


def test_overview_shift_links_to_the_period(page: Any, server: str) -> None:
    expected_status(page, "/")
    shifts = page.locator("ul.shifts li")
    assert shifts.count() == 2
    assert "2020-02" in shifts.first.inner_text()  # latest first
    shifts.first.locator("a.dyad-link").click()
    page.wait_for_url(re.compile(r"/dyads/CHN/USA\?freq=month&since=2020-02-01&until=2020-02-29"))
    rows = page.locator("table.events tbody tr")
    assert rows.count() == 2 and "Threaten" in rows.all_inner_texts()[0] + rows.all_inner_texts()[1]
    clean(page)


@pytest.mark.parametrize("name, url, heading", PAGES, ids=[p[0] for p in PAGES])
def test_every_page_renders(page: Any, name: str, url: str, heading: str) -> None:
    expected_status(page, url)
    h1 = page.locator("h1").first
    assert h1.inner_text().startswith(heading)
    assert page.locator("footer").is_visible()
    shot(page, name)
    clean(page)


def test_event_page_and_not_found(page: Any) -> None:
    expected_status(page, "/articles/a3")
    page.locator("#events a.event-link").first.click()
    page.wait_for_url(re.compile(r"/events/[0-9a-f]{16}$"))
    assert page.locator("blockquote.evidence").inner_text() == "Russia attacked Ukraine near Donetsk."
    assert "190" in page.locator("dl.codes").inner_text()
    shot(page, "event")
    expected_status(page, "/articles/does-not-exist", 404)
    assert "no article" in page.locator(".error .detail").inner_text()
    shot(page, "not-found")
    expected_status(page, "/events?root=99", 400)
    clean_errors = [e for e in page.watch.errors if "404" not in e and "400" not in e]
    assert clean_errors == [] and page.watch.dialogs == []


# -- navigation: from a dyad on the network or the map to its events, to an article and back ------


def test_network_edge_to_events_to_article_and_back(page: Any, server: str) -> None:
    expected_status(page, "/network")
    page.locator('a.edge[data-dyad="CHN-USA"] line').click()
    page.wait_for_url(f"{server}/dyads/CHN/USA")
    assert page.locator("svg.timeline").is_visible()
    page.locator('a.period[data-period="2020-01-01"] rect.hit').click()
    page.wait_for_url(re.compile(r"since=2020-01-01.*until=2020-01-31"))
    rows = page.locator("table.events tbody tr")
    assert rows.count() == 3
    assert all("Make a visit" in t for t in rows.all_inner_texts())
    shot(page, "dyad-period")
    dyad_url = page.url
    rows.first.locator("a.event-link").click()
    page.wait_for_url(re.compile(r"/events/[0-9a-f]{16}$"))
    event_url = page.url
    assert "The United States met China in Geneva" in page.locator("blockquote.evidence").inner_text()
    page.locator("a.article-link").click()
    page.wait_for_url(re.compile(r"/articles/w1#ev-[0-9a-f]{16}$"))
    assert page.locator("article.reader h1").inner_text() == "US and Chinese envoys meet, round 1"
    assert page.locator("#text mark.actor, #text a.actor").count() >= 2  # actors highlighted
    assert page.locator("#events tr:target").count() == 1  # the event we came from is marked
    page.go_back()
    page.wait_for_url(event_url)
    page.go_back()
    page.wait_for_url(dyad_url)
    assert page.locator("table.events tbody tr").count() == 3
    clean(page)


def test_map_country_to_dyad_events(page: Any, server: str) -> None:
    expected_status(page, "/map")
    iran = page.locator('a.country[data-iso3="IRN"] path')
    assert iran.get_attribute("fill") != "#e4e4e4"  # coloured: it has evidence
    iran.click()
    page.wait_for_url(re.compile(r"focus=IRN"))
    panel = page.locator(".focus-panel")
    assert "Iran" in panel.inner_text() and "-1.00" in panel.inner_text()
    shot(page, "map-focus")
    panel.locator('a.dyad-link[href="/dyads/IRN/USA"]').click()
    page.wait_for_url(f"{server}/dyads/IRN/USA")
    rows = page.locator("table.events tbody tr")
    assert rows.count() == 1 and "Impose embargo" in rows.first.inner_text()
    rows.first.locator("a.article-link, td.article-cell a").first.click()
    page.wait_for_url(f"{server}/articles/a4")
    page.go_back()
    page.wait_for_url(f"{server}/dyads/IRN/USA")
    clean(page)


def test_search_from_the_header(page: Any, server: str) -> None:
    expected_status(page, "/")
    box = page.locator("header .search input[name=q]")
    box.fill("Donetsk")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=Donetsk"))
    page.locator("a.article-link", has_text="Fighting in eastern Ukraine").click()
    page.wait_for_url(f"{server}/articles/a3")
    clean(page)


# -- writes ---------------------------------------------------------------------------------------


def test_post_a_comment(page: Any, server: str) -> None:
    expected_status(page, "/articles/a2")
    form = page.locator("#comments form.write")
    form.locator("textarea[name=body]").fill("Energy deal: check the volumes <b>quoted</b>.")
    form.locator("input[name=author]").fill("Ana")
    form.locator("input[name=token]").fill(TOKEN)
    form.locator("button[type=submit]").click()
    page.wait_for_url(f"{server}/articles/a2#comments")
    comments = page.locator("ul.comments li")
    assert comments.count() == 1
    assert comments.first.locator(".body").inner_text() == "Energy deal: check the volumes <b>quoted</b>."
    assert "Ana" in comments.first.inner_text()
    shot(page, "article-comment")
    # the browser remembers the analyst's name and token for the next form
    page.reload()
    assert page.locator("#comments input[name=token]").input_value() == TOKEN
    assert page.locator("#comments input[name=author]").input_value() == "Ana"
    clean(page)


def test_wrong_token_is_refused(page: Any) -> None:
    expected_status(page, "/articles/a5")
    form = page.locator("#comments form.write")
    form.locator("textarea[name=body]").fill("Should not be saved.")
    form.locator("input[name=author]").fill("Mallory")
    form.locator("input[name=token]").fill("guess")
    with page.expect_response(lambda r: r.request.method == "POST") as info:
        form.locator("button[type=submit]").click()
    assert info.value.status == 401
    assert "token" in page.locator(".error .detail").inner_text()
    expected_status(page, "/articles/a5")
    assert page.locator("ul.comments li").first.inner_text() == "No comments yet."


def test_correct_an_event(page: Any, server: str) -> None:
    expected_status(page, "/articles/a2")
    page.locator("#events a.event-link").first.click()  # Russia 057 China
    page.wait_for_url(re.compile(r"/events/[0-9a-f]{16}$"))
    event_url = page.url
    form = page.locator("#correction-form")
    assert form.locator("input[name=cameo_code]").is_disabled()  # until "recode" is chosen
    form.locator("input[value=recode]").check()
    assert form.locator("input[name=cameo_code]").is_enabled()
    form.locator("input[name=cameo_code]").fill("036")
    form.locator("input[name=note]").fill("an intention to sign, not a signature")
    form.locator("input[name=author]").fill("Bo")
    form.locator("input[name=token]").fill(TOKEN)
    form.locator("button[type=submit]").click()
    page.wait_for_url(event_url + "#corrections")
    verdict = page.locator("p.verdict")
    assert "recode" in verdict.inner_text() and "036" in verdict.inner_text() and "Bo" in verdict.inner_text()
    assert "057" in page.locator("h1").inner_text()  # the machine coding is still shown as coded
    shot(page, "event-corrected")
    # a second analyst rejects it: the latest verdict wins, the history keeps both
    form = page.locator("#correction-form")
    form.locator("input[value=reject]").check()
    form.locator("input[name=author]").fill("Cy")
    form.locator("button[type=submit]").click()  # token remembered by the browser
    page.wait_for_url(event_url + "#corrections")
    assert "reject" in page.locator("p.verdict").inner_text()
    assert "2 corrections" in page.locator("details summary").inner_text()
    expected_status(page, "/corrections")
    assert page.locator("table.events tbody tr").count() == 2
    shot(page, "corrections-list")
    gold = page.request.get(f"{server}/api/corrections/gold.jsonl")
    assert gold.status == 200 and '"id": "a2"' in gold.text()
    clean(page)


# -- hostile content ------------------------------------------------------------------------------


def test_script_in_an_article_renders_as_text(page: Any) -> None:
    expected_status(page, "/articles/a6")
    page.wait_for_load_state("load")
    assert SCRIPT in page.locator("article.reader h1").inner_text()
    text = page.locator("#text").inner_text()
    assert SCRIPT in text and "<img src=x onerror=alert(1)>" in text and "<b>not bold</b>" in text
    assert page.locator("#text script, #text img, #text b, h1 script").count() == 0
    assert page.locator("a.external").count() == 0  # the javascript: URL is not a link
    assert page.title().startswith("Markup test <script>")
    shot(page, "xss-article")
    expected_status(page, "/articles?q=script")
    assert page.locator("ol.article-list script").count() == 0
    clean(page)  # no alert() ever ran, no CSP violation
