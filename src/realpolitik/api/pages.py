"""The dashboard: server-rendered pages (Jinja templates with autoescaping, SVG drawn from
:mod:`realpolitik.api.views`), the same data as the JSON API, assets from the package only.

Forms (comments, corrections) are plain HTML forms posted to the pages' own URLs with the token
in a password field, so they work without JavaScript; ``static/app.js`` only remembers the token
in the browser and adds small conveniences.
"""

from __future__ import annotations

import csv
import math
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Annotated, Any, Literal
from urllib.parse import parse_qs, quote, urlencode, urlsplit

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from pydantic import ValidationError
from starlette.concurrency import run_in_threadpool

from realpolitik.api import analysis, views
from realpolitik.api.routes import (
    COUNTRY,
    POLE,
    WINDOW,
    ActorCode,
    ArticleId,
    CommentIn,
    CorrectionIn,
    EventFilters,
    EventId,
    Offset,
    State,
    article_detail,
    check_dates,
    check_window,
    check_write,
    event_detail,
    save_correction,
    state,
)
from realpolitik.api.state import ServerState
from realpolitik.errors import RealpolitikError

router = APIRouter(include_in_schema=False)
PER_PAGE = 25

templates = Jinja2Templates(directory=str(resources.files("realpolitik.web").joinpath("templates")))


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    """ISO3 -> short name, from the actors package's country table (read only), else pycountry."""
    names: dict[str, str] = {}
    try:
        path = resources.files("realpolitik.actors").joinpath("data/countries.tsv")
        with path.open(encoding="utf-8") as fh:
            rows = csv.reader((line for line in fh if not line.startswith("#")), delimiter="\t")
            for row in rows:
                if len(row) >= 2:
                    names[row[0].strip()] = row[1].strip()
    except (OSError, ModuleNotFoundError, TypeError):
        pass
    return names


def country_name(iso: str | None) -> str:
    if not iso:
        return ""
    name = _country_names().get(iso)
    if name:
        return name
    import pycountry

    found = pycountry.countries.get(alpha_3=iso)
    return getattr(found, "common_name", None) or (found.name if found else iso)


def qs(params: dict[str, Any] | None = None, **changes: Any) -> str:
    """``?a=1&b=2`` from ``params`` updated with ``changes`` (None values dropped)."""
    merged = {**(params or {}), **changes}
    items: list[tuple[str, Any]] = []
    for k, v in merged.items():
        if v is None or v == "":
            continue
        if isinstance(v, list | tuple):
            items += [(k, x) for x in v]
        else:
            items.append((k, v))
    return "?" + urlencode(items) if items else ""


def fmt_num(v: Any, digits: int = 2) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{float(v):+.{digits}f}" if isinstance(v, float) else str(v)


def web_url(url: Any) -> str | None:
    """The URL if it is http(s), else None: an article's ``url`` comes from its input and must
    never become a ``javascript:`` link."""
    if not isinstance(url, str):
        return None
    return url if urlsplit(url.strip()).scheme.lower() in ("http", "https") else None


templates.env.autoescape = True  # every template, whatever its extension (the map is .xml)
templates.env.filters["web_url"] = web_url
templates.env.globals.update(
    qs=qs,
    quote=lambda s: quote(str(s), safe=""),
    country_name=country_name,
    fmt_num=fmt_num,
    QUAD_NAMES=views.QUAD_NAMES,
    QUAD_COLOURS=views.QUAD_COLOURS,
    bloc_colour=views.bloc_colour,
    edge_colour=views.edge_colour,
)


def render(request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
    st: ServerState = request.app.state.rp
    context.setdefault("writable", st.writable)
    context.setdefault("nav", name.split(".")[0])
    return templates.TemplateResponse(request, name, context, status_code=status)


def error_page(request: Request, status: int, detail: Any) -> HTMLResponse:
    if not isinstance(detail, str):
        detail = str(detail)
    titles = {400: "Bad request", 401: "Token needed", 403: "Read-only", 404: "Not found", 413: "Too large"}
    return render(
        request,
        "error.html",
        status=status,
        status_code=status,
        title=titles.get(status, "Error"),
        detail=detail,
    )


def page_info(total: int, offset: int, per_page: int = PER_PAGE) -> dict[str, Any]:
    return {
        "total": total,
        "offset": offset,
        "prev": max(0, offset - per_page) if offset > 0 else None,
        "next": offset + per_page if offset + per_page < total else None,
        "first": offset + 1 if total else 0,
        "last": min(total, offset + per_page),
    }


# -- overview ------------------------------------------------------------------------------------


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, st: State) -> HTMLResponse:
    with st.db() as store:
        stats = store.stats()
        recent = store.events(limit=200, newest_first=True, include_negated=False)
        dyads = store.top_dyads(10)
    # "The world's relations": the latest events between two different countries first.
    between = [e for e in recent if _international(e)]
    latest = (between + [e for e in recent if not _international(e)])[:12]
    latest.sort(key=lambda e: e["date"] or "", reverse=True)
    shifts = list(reversed(analysis.shifts(st, **analysis.OVERVIEW_SHIFTS)))[:8] if stats["events"] else []
    freq = analysis.OVERVIEW_SHIFTS["freq"]
    shifts = [
        {**a, "until": views.period_end(date.fromisoformat(a["period"]), freq).isoformat()} for a in shifts
    ]
    return render(
        request,
        "overview.html",
        stats=stats,
        latest=latest,
        dyads=dyads,
        shifts=shifts,
        shift_settings=analysis.OVERVIEW_SHIFTS,
    )


def _international(e: dict[str, Any]) -> bool:
    src, tgt = e["source"].get("country"), (e.get("target") or {}).get("country")
    return bool(src and tgt and src != tgt)


# -- map -----------------------------------------------------------------------------------------


@router.get("/map", response_class=HTMLResponse)
def world_map(
    request: Request,
    st: State,
    a: Annotated[str | None, Query(pattern=POLE)] = None,
    b: Annotated[str | None, Query(pattern=POLE)] = None,
    since: date | None = None,
    until: date | None = None,
    weight: Literal["count", "goldstein"] = "count",
    focus: Annotated[str | None, Query(pattern=COUNTRY)] = None,
) -> HTMLResponse:
    check_dates(since, until)
    data = analysis.alignment(
        st, a.upper() if a else None, b.upper() if b else None, since=since, until=until, weight=weight
    )
    pa, pb = data["poles"]["a"], data["poles"]["b"]
    shapes = views.map_shapes(data["states"], pa, pb)
    focus = focus.upper() if focus else None
    focus_rec = next((s for s in data["states"] if s["state"] == focus), None)
    params = {"a": ",".join(pa), "b": ",".join(pb), "since": since, "until": until, "weight": weight}
    w = views.world()
    drawn = {s["iso3"] for s in shapes if s["iso3"]}
    return render(
        request,
        "map.html",
        shapes=shapes,
        width=w["width"],
        height=w["height"],
        sphere=w["sphere"],
        poles=data["poles"],
        states=data["states"],
        influence=data["influence"],
        focus=focus,
        focus_rec=focus_rec,
        params=params,
        not_drawn=[s for s in data["states"] if s["state"] not in drawn],
        legend=[(v, views.alignment_colour(v)) for v in (1.0, 0.5, 0.0, -0.5, -1.0)],
        no_data=views.NO_DATA,
        pole_colours=(views.POLE_A, views.POLE_B),
    )


@router.get("/map.svg")
def world_map_svg(
    request: Request,
    st: State,
    a: Annotated[str | None, Query(pattern=POLE)] = None,
    b: Annotated[str | None, Query(pattern=POLE)] = None,
    since: date | None = None,
    until: date | None = None,
    weight: Literal["count", "goldstein"] = "count",
) -> Response:
    """The alignment map as a standalone SVG image (the overview shows it as a thumbnail)."""
    check_dates(since, until)
    data = analysis.alignment(
        st, a.upper() if a else None, b.upper() if b else None, since=since, until=until, weight=weight
    )
    w = views.world()
    shapes = views.map_shapes(data["states"], data["poles"]["a"], data["poles"]["b"])
    body = templates.env.get_template("worldmap.xml").render(
        shapes=shapes, width=w["width"], height=w["height"], sphere=w["sphere"], poles=data["poles"]
    )
    return Response(body, media_type="image/svg+xml", headers={"Cache-Control": "no-cache"})


# -- network -------------------------------------------------------------------------------------


@router.get("/network", response_class=HTMLResponse)
def network(
    request: Request,
    st: State,
    since: date | None = None,
    until: date | None = None,
    window: Annotated[str | None, Query(pattern=WINDOW)] = None,
    min_events: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    check_dates(since, until)
    check_window(window)
    net = analysis.network(st, since=since, until=until, window=window, min_events=min_events)
    pos = st.cached(
        ("layout", since, until, window, min_events), lambda: views.layout(net["nodes"], net["edges"])
    )
    nodes = []
    for n in net["nodes"]:
        x, y = pos.get(str(n["id"]), (0.0, 0.0))
        nodes.append({**n, "x": x, "y": y, "r": round(5 + 2.2 * math.sqrt(int(n.get("events") or 1)), 1)})
    edges = []
    for e in net["edges"]:
        s, t = pos.get(str(e["source"])), pos.get(str(e["target"]))
        if s and t:
            width = round(1 + 1.6 * math.log1p(int(e.get("events") or 1)), 1)
            edges.append({**e, "x1": s[0], "y1": s[1], "x2": t[0], "y2": t[1], "width": width})
    edges.sort(key=lambda e: int(e.get("events") or 0))
    params = {
        "since": since,
        "until": until,
        "window": window,
        "min_events": min_events if min_events > 1 else None,
    }
    return render(
        request, "network.html", net=net, nodes=nodes, edges=edges, params=params, width=900, height=560
    )


# -- dyads ---------------------------------------------------------------------------------------


@router.get("/dyads", response_class=HTMLResponse)
def dyads(
    request: Request,
    st: State,
    a: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{3,24}$")] = None,
    b: Annotated[str | None, Query(pattern=r"^[A-Za-z0-9]{3,24}$")] = None,
) -> Response:
    if a and b:
        return RedirectResponse(f"/dyads/{quote(a.upper())}/{quote(b.upper())}", status_code=303)
    with st.db() as store:
        top = store.top_dyads(50)
    return render(request, "dyads.html", dyads=top)


@router.get("/dyads/{a}/{b}", response_class=HTMLResponse)
def dyad(
    request: Request,
    st: State,
    a: ActorCode,
    b: ActorCode,
    freq: Literal["day", "week", "month", "year"] = "month",
    since: date | None = None,
    until: date | None = None,
    offset: Offset = 0,
) -> HTMLResponse:
    check_dates(since, until)
    a, b = a.upper(), b.upper()
    if a == b:
        raise RealpolitikError("a dyad needs two different actors")
    rows = analysis.dyad_series(st, a, b, freq=freq)
    chart = views.timeline(rows, freq)
    # The events beneath: the whole dyad, or the period clicked in the chart. Country pairs use the
    # store's own filter; finer codes (USAGOV) the actor filter and a check on the other side.
    with st.db() as store:
        if len(a) == 3 and len(b) == 3:
            kw: dict[str, Any] = {"pair": (a, b), "since": since, "until": until}
            total = store.count_events(**kw)
            evs = store.events(**kw, limit=PER_PAGE, offset=offset)
        else:
            everything = [
                e for e in store.events(actor=a, since=since, until=until, limit=None) if _side_matches(e, b)
            ]
            total, evs = len(everything), everything[offset : offset + PER_PAGE]
    params = {"freq": freq, "since": since, "until": until}
    totals = {
        "events": sum(int(r.get("events") or 0) for r in rows),
        "cooperation": sum(int(r.get("cooperation") or 0) for r in rows),
        "conflict": sum(int(r.get("conflict") or 0) for r in rows),
    }
    return render(
        request,
        "dyad.html",
        a=a,
        b=b,
        freq=freq,
        chart=chart,
        rows=rows,
        events=evs,
        params=params,
        paging=page_info(total, offset),
        since=since,
        until=until,
        totals=totals,
    )


def _side_matches(e: dict[str, Any], code: str) -> bool:
    for side in ("source", "target"):
        ref = e.get(side) or {}
        if str(ref.get("code") or "").startswith(code) or (len(code) == 3 and ref.get("country") == code):
            return True
    return False


# -- articles ------------------------------------------------------------------------------------


@router.get("/articles", response_class=HTMLResponse)
def articles(
    request: Request,
    st: State,
    q: Annotated[str | None, Query(max_length=200)] = None,
    publisher: Annotated[str | None, Query(max_length=200)] = None,
    offset: Offset = 0,
) -> HTMLResponse:
    f = {"q": q or None, "publisher": publisher or None}
    with st.db() as store:
        items = store.articles(**f, limit=PER_PAGE, offset=offset)
        total = store.count_articles(**f)
        pubs = store.publishers()
    return render(
        request,
        "articles.html",
        items=items,
        paging=page_info(total, offset),
        params=f,
        q=q or "",
        publishers=pubs,
    )


@router.get("/articles/{article_id:path}", response_class=HTMLResponse)
def article(request: Request, st: State, article_id: ArticleId) -> HTMLResponse:
    d = article_detail(st, article_id)
    related = analysis.related(st, article_id, 5) if d["events"] or d["article"]["text"] else []
    segs = views.segments(d["article"]["text"], d["mentions"], d["events"])
    event_comments: dict[str, int] = {}
    for c in d["comments"]:
        if c["event_id"]:
            event_comments[c["event_id"]] = event_comments.get(c["event_id"], 0) + 1
    return render(
        request,
        "article.html",
        nav="articles",
        art=d["article"],
        mentions=d["mentions"],
        events=d["events"],
        comments=[c for c in d["comments"] if not c["event_id"]],
        event_comments=event_comments,
        segments=segs,
        related=related,
    )


async def _form(request: Request) -> dict[str, str]:
    """The posted urlencoded form, first value of each field (no python-multipart needed)."""
    raw = await request.body()
    try:
        parsed = parse_qs(
            raw.decode("utf-8"), keep_blank_values=True, max_num_fields=50, strict_parsing=False
        )
    except (UnicodeDecodeError, ValueError) as e:
        raise RealpolitikError(f"the form could not be read: {e}") from None
    return {k: v[0] for k, v in parsed.items()}


def _validation_message(e: ValidationError) -> str:
    return "; ".join(f"{'.'.join(str(p) for p in err['loc']) or 'form'}: {err['msg']}" for err in e.errors())


def _comment(st: ServerState, form: dict[str, str], **target: str) -> None:
    check_write(st, form.get("token"))
    try:
        body = CommentIn(author=form.get("author", ""), body=form.get("body", ""))
    except ValidationError as e:
        raise RealpolitikError(_validation_message(e)) from None
    with st.writing() as store:
        store.add_comment(body.body, author=body.author, **target)


@router.post("/articles/{article_id:path}/comments")
async def post_article_comment(request: Request, article_id: ArticleId) -> Response:
    form = await _form(request)
    await run_in_threadpool(_comment, state(request), form, article_id=article_id)
    return RedirectResponse(f"/articles/{quote(article_id, safe='')}#comments", status_code=303)


# -- events --------------------------------------------------------------------------------------


@router.get("/events", response_class=HTMLResponse)
def events(
    request: Request,
    st: State,
    filters: Annotated[EventFilters, Depends(EventFilters)],
    offset: Offset = 0,
) -> HTMLResponse:
    kw = filters.store_kwargs()
    with st.db() as store:
        items = store.events(**kw, limit=PER_PAGE, offset=offset, newest_first=True)
        total = store.count_events(**kw)
        pubs = store.publishers()
    return render(
        request,
        "events.html",
        events=items,
        paging=page_info(total, offset),
        params=filters.query(),
        publishers=pubs,
    )


@router.get("/events/{event_id}", response_class=HTMLResponse)
def event(request: Request, st: State, event_id: EventId) -> HTMLResponse:
    d = event_detail(st, event_id)
    ev = d["event"]
    with st.db() as store:
        art = store.article(ev["doc_id"])
    sentence = views.evidence(ev["sentence"], art["text"] if art else "", ev["span"])
    return render(
        request,
        "event.html",
        nav="events",
        ev=ev,
        verdict=d["verdict"],
        corrections=d["corrections"],
        comments=d["comments"],
        sentence=sentence,
    )


@router.post("/events/{event_id}/comments")
async def post_event_comment(request: Request, event_id: EventId) -> Response:
    form = await _form(request)
    await run_in_threadpool(_comment, state(request), form, event_id=event_id)
    return RedirectResponse(f"/events/{quote(event_id, safe='')}#comments", status_code=303)


def _correct(st: ServerState, event_id: str, form: dict[str, str]) -> None:
    check_write(st, form.get("token"))
    fields: dict[str, Any] = {"action": form.get("action", ""), "author": form.get("author", "")}
    for k in ("cameo_code", "source", "target", "note"):
        v = form.get(k, "").strip()
        if v:
            fields[k] = v
    if fields["action"] != "recode":  # the form always shows the recode fields: ignore them otherwise
        fields = {k: v for k, v in fields.items() if k not in ("cameo_code", "source", "target")}
    try:
        body = CorrectionIn(**fields)
    except ValidationError as e:
        raise RealpolitikError(_validation_message(e)) from None
    save_correction(st, event_id, body)


@router.post("/events/{event_id}/corrections")
async def post_correction(request: Request, event_id: EventId) -> Response:
    form = await _form(request)
    await run_in_threadpool(_correct, state(request), event_id, form)
    return RedirectResponse(f"/events/{quote(event_id, safe='')}#corrections", status_code=303)


@router.get("/corrections", response_class=HTMLResponse)
def corrections(request: Request, st: State, offset: Offset = 0) -> HTMLResponse:
    with st.db() as store:
        items = store.corrections(limit=PER_PAGE, offset=offset)
        total = store.count_corrections()
        for c in items:
            ev = store.event(c["event_id"])
            c["event"] = ev
    return render(request, "corrections.html", items=items, paging=page_info(total, offset), params={})


# -- actors and search ---------------------------------------------------------------------------


@router.get("/actors", response_class=HTMLResponse)
def actors(
    request: Request,
    st: State,
    q: Annotated[str | None, Query(max_length=100)] = None,
    offset: Offset = 0,
) -> HTMLResponse:
    with st.db() as store:
        items = store.actors(q=q or None, limit=PER_PAGE * 2, offset=offset)
        total = store.count_actors(q=q or None)
    return render(
        request,
        "actors.html",
        items=items,
        paging=page_info(total, offset, PER_PAGE * 2),
        params={"q": q},
        q=q or "",
    )


@router.get("/search", response_class=HTMLResponse)
def search(
    request: Request, st: State, q: Annotated[str | None, Query(max_length=200)] = None
) -> HTMLResponse:
    q = (q or "").strip()
    arts: list[dict[str, Any]] = []
    acts: list[dict[str, Any]] = []
    n_arts = n_acts = 0
    if q:
        with st.db() as store:
            arts = store.articles(q=q, limit=10)
            n_arts = store.count_articles(q=q)
            acts = store.actors(q=q, limit=10)
            n_acts = store.count_actors(q=q)
    return render(request, "search.html", q=q, articles=arts, actors=acts, n_articles=n_arts, n_actors=n_acts)


# -- API reference (our own page: FastAPI's Swagger UI would load scripts from a CDN) -------------


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    spec = request.app.openapi()
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, methods in spec.get("paths", {}).items():
        for method, op in methods.items():
            params = []
            for p in op.get("parameters", []):
                schema = p.get("schema", {})
                kind = schema.get("type") or " | ".join(
                    str(x.get("type") or x.get("$ref", "").rsplit("/", 1)[-1])
                    for x in schema.get("anyOf", [])
                )
                params.append(
                    {
                        "name": p["name"],
                        "in": p["in"],
                        "required": p.get("required", False),
                        "type": kind,
                        "pattern": schema.get("pattern") or _any(schema, "pattern"),
                        "enum": schema.get("enum") or _any(schema, "enum"),
                        "description": p.get("description") or schema.get("description") or "",
                        "default": schema.get("default"),
                    }
                )
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
            body_name = body.get("$ref", "").rsplit("/", 1)[-1]
            body_schema = spec.get("components", {}).get("schemas", {}).get(body_name, {})
            tag = (op.get("tags") or ["other"])[0]
            groups.setdefault(tag, []).append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "params": params,
                    "body": body_name,
                    "fields": body_schema.get("properties", {}),
                    "required_fields": body_schema.get("required", []),
                    "auth": bool(op.get("security")),
                }
            )
    return render(request, "docs.html", groups=groups, info=spec.get("info", {}))


def _any(schema: dict[str, Any], key: str) -> Any:
    for alt in schema.get("anyOf", []):
        if key in alt:
            return alt[key]
    return None


@router.get("/favicon.ico", include_in_schema=False)
def favicon() -> Response:
    return RedirectResponse("/static/favicon.svg", status_code=301)
