"""The JSON API under ``/api``: read the store and the relations computed from it; write
comments, corrections and new articles with the server's token.

Every parameter is validated before any query runs (pattern, range, type), and every value
reaches the database as a bound parameter. Lists are paged: ``limit`` and ``offset`` in, and
``total``, ``limit``, ``offset``, ``items`` out.
"""

from __future__ import annotations

import datetime as _dt
from datetime import date
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Security
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field, model_validator

from realpolitik import __version__
from realpolitik.api import analysis
from realpolitik.api.state import ServerState
from realpolitik.errors import RealpolitikError
from realpolitik.relations.frame import DATE_MAX, DATE_MIN
from realpolitik.store.store import NotFoundError


class ErrorOut(BaseModel):
    detail: Any = Field(description="What was wrong: a message, or the list of validation errors (422).")


# Documented so that clients (and schemathesis' conformance checks) know every status they may get.
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorOut, "description": "A value the schema allows but the server refuses "
          "(a date outside 1800-01-01..2199-12-31, since after until, a window over 100 years...)"},
    404: {"model": ErrorOut, "description": "No such article, event, actor or export"},
    413: {"model": ErrorOut, "description": "Request body over the server's size limit"},
}  # fmt: skip
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "No token, or not the server's token"},
    403: {"model": ErrorOut, "description": "The server or its store is read-only"},
}

router = APIRouter(prefix="/api", responses=_ERRORS)

# -- shared parameter types ----------------------------------------------------------------------

ACTOR = r"^[A-Za-z0-9]{3,24}$"
COUNTRY = r"^[A-Za-z]{3}$"
CAMEO = r"^\d{2,4}$"
ROOT = r"^(0?[1-9]|1[0-9]|20)$"
WINDOW = r"^\d{1,4}[dwmyDWMY]$"
POLE = r"^[A-Za-z]{3}(,[A-Za-z]{3}){0,19}$"
MAX_OFFSET = 10_000_000
# Dates and windows are bounded (see state.DATE_MIN) so that a far date or a window of centuries is
# a clear 400, not an overflow deep in pandas (both found by schemathesis).
MAX_WINDOW_YEARS = 100
_UNIT_YEARS = {"d": 1 / 365.25, "w": 7 / 365.25, "m": 1 / 12, "y": 1.0}

Limit = Annotated[int, Query(ge=1, le=500, description="Page size.")]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Items to skip.")]
Since = Annotated[
    date | None, Query(description="From this date (YYYY-MM-DD, 1800-01-01 to 2199-12-31), inclusive.")
]
Until = Annotated[
    date | None, Query(description="Up to this date (YYYY-MM-DD, 1800-01-01 to 2199-12-31), inclusive.")
]
# The kinds of realpolitik.models.Actor.
ActorKind = Literal["state", "igo", "ngo", "armed_group", "person", "region", "ethnic", "sector"]
Freq = Annotated[Literal["day", "week", "month", "year"], Query(description="Period length.")]
ArticleId = Annotated[str, Path(min_length=1, max_length=2000)]
EventId = Annotated[str, Path(min_length=1, max_length=64)]
ActorCode = Annotated[str, Path(pattern=ACTOR)]


def state(request: Request) -> ServerState:
    return request.app.state.rp


State = Annotated[ServerState, Depends(state)]

_bearer = HTTPBearer(
    auto_error=False, scheme_name="token", description="The server's REALPOLITIK_TOKEN, as a Bearer token."
)


def writer(
    st: State, cred: Annotated[HTTPAuthorizationCredentials | None, Security(_bearer)] = None
) -> ServerState:
    """Writes need the token. No token configured: the server is read-only (403)."""
    check_write(st, cred.credentials if cred else None)
    return st


def check_write(st: ServerState, given: str | None) -> None:
    if st.token is None:
        raise HTTPException(
            403, "this server is read-only: start it with REALPOLITIK_TOKEN set to accept writes"
        )
    if not st.token_ok(given):
        raise HTTPException(401, "a valid token is needed to write (Authorization: Bearer TOKEN)")
    if st.store.read_only:
        raise HTTPException(403, "the store is opened read-only")


Writer = Annotated[ServerState, Depends(writer)]


_deferred: list[tuple[str, dict[str, Any], Any]] = []


def _later(path: str, **kw: Any) -> Any:
    """Register a GET route after all others: ``/articles/{id:path}`` would otherwise swallow
    ``/articles/{id}/related`` (article ids may be URLs, with slashes)."""

    def deco(fn: Any) -> Any:
        _deferred.append((path, kw, fn))
        return fn

    return deco


def page(items: list[dict[str, Any]], total: int, limit: int, offset: int) -> dict[str, Any]:
    nxt = offset + limit if offset + limit < total else None
    return {"total": total, "limit": limit, "offset": offset, "next_offset": nxt, "items": items}


def check_dates(since: date | None, until: date | None) -> None:
    for name, day in (("since", since), ("until", until)):
        if day is not None and not DATE_MIN <= day <= DATE_MAX:
            raise RealpolitikError(
                f"{name} ({day}) is outside the dates this server handles ({DATE_MIN} to {DATE_MAX})"
            )
    if since is not None and until is not None and since > until:
        raise RealpolitikError(f"since ({since}) is after until ({until})")


def check_window(value: str | None, name: str = "window") -> None:
    """A window or step (already matching :data:`WINDOW`) of at most MAX_WINDOW_YEARS years."""
    if value is None:
        return
    if int(value[:-1]) * _UNIT_YEARS[value[-1].lower()] > MAX_WINDOW_YEARS:
        raise RealpolitikError(f"{name} {value!r} is longer than {MAX_WINDOW_YEARS} years")


def check_span(window: str, freq: str) -> None:
    """Shift alerts compare a period with the periods of the window before it: the window must
    hold more than one (a window of one period failed deep in pandas; found by schemathesis)."""
    from realpolitik.relations.frame import FREQ_DAYS, window_days

    if window_days(window) <= FREQ_DAYS[freq]:
        raise RealpolitikError(
            f"window {window!r} must be longer than one {freq}: a {freq} is compared with the ones before it"
        )


class EventFilters:
    """The event filters shared by ``/api/events``, the events export and the dashboard."""

    def __init__(
        self,
        actor: Annotated[
            str | None, Query(pattern=ACTOR, description="Actor code prefix, source or target (CHN, USAGOV).")
        ] = None,
        country: Annotated[
            str | None, Query(pattern=COUNTRY, description="ISO3 country, source or target.")
        ] = None,
        code: Annotated[str | None, Query(pattern=CAMEO, description="CAMEO code prefix (112).")] = None,
        root: Annotated[str | None, Query(pattern=ROOT, description="CAMEO root, 1 to 20.")] = None,
        quad_class: Annotated[
            list[Annotated[int, Field(ge=1, le=4)]] | None,
            Query(description="QuadClass 1-4 (repeat for several)."),
        ] = None,
        since: Since = None,
        until: Until = None,
        publisher: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
        polarity: Annotated[Literal["asserted", "negated"] | None, Query()] = None,
        dyad: Annotated[
            str | None,
            Query(pattern=r"^[A-Za-z]{3},[A-Za-z]{3}$", description="Two ISO3 countries: USA,CHN."),
        ] = None,
        article: Annotated[
            str | None, Query(min_length=1, max_length=300, description="One article's.")
        ] = None,
        min_confidence: Annotated[
            float | None,
            Query(ge=0, le=1, description="Only events coded with at least this confidence."),
        ] = None,
    ) -> None:
        check_dates(since, until)
        self.values: dict[str, Any] = {
            "actor": actor.upper() if actor else None,
            "country": country.upper() if country else None,
            "code": code,
            "root": root.zfill(2) if root else None,
            "quad_class": quad_class or None,
            "since": since,
            "until": until,
            "publisher": publisher,
            "polarity": polarity,
            "pair": tuple(dyad.upper().split(",")) if dyad else None,
            "doc_id": article,
            "min_confidence": min_confidence,
        }

    def store_kwargs(self) -> dict[str, Any]:
        return {k: v for k, v in self.values.items() if v is not None}

    def query(self) -> dict[str, Any]:
        """The filters as query-string values (for links in the dashboard)."""
        out: dict[str, Any] = {}
        for k, v in self.values.items():
            if v is None:
                continue
            name = {"pair": "dyad", "doc_id": "article"}.get(k, k)
            out[name] = ",".join(v) if k == "pair" else v
        return out


Filters = Annotated[EventFilters, Depends(EventFilters)]

# -- service -------------------------------------------------------------------------------------


@router.get("/health", tags=["service"], summary="Liveness and what the server can do")
def health(st: State) -> dict[str, Any]:
    return {
        "status": "ok",
        "version": __version__,
        "schema_version": st.store.schema_version,
        "writable": st.writable,
    }


@router.get("/stats", tags=["service"], summary="Counts, coverage and the most active country pairs")
def stats(st: State, top: Annotated[int, Query(ge=0, le=100)] = 10) -> dict[str, Any]:
    with st.db() as store:
        return {**store.stats(), "top_dyads": store.top_dyads(top), "corrections": store.count_corrections()}


# -- articles ------------------------------------------------------------------------------------


@router.get("/articles", tags=["articles"], summary="Articles, newest first; full-text search with q")
def articles(
    st: State,
    q: Annotated[
        str | None, Query(max_length=200, description="Words that must all occur (title or text).")
    ] = None,
    publisher: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    since: Since = None,
    until: Until = None,
    limit: Limit = 20,
    offset: Offset = 0,
) -> dict[str, Any]:
    check_dates(since, until)
    f = {"q": q, "publisher": publisher, "since": since, "until": until}
    with st.db() as store:
        return page(store.articles(**f, limit=limit, offset=offset), store.count_articles(**f), limit, offset)


def _verdicts(store: Any, article_id: str) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for c in store.corrections(article_id=article_id, limit=None):
        latest[c["event_id"]] = c
    return latest


def article_detail(st: ServerState, article_id: str) -> dict[str, Any]:
    with st.db() as store:
        art = store.article(article_id)
        if art is None:
            raise NotFoundError(f"no article {article_id!r}")
        verdicts = _verdicts(store, article_id)
        evs = store.article_events(article_id)
        for e in evs:
            e["verdict"] = verdicts.get(e["event_id"])
        return {
            "article": art,
            "mentions": store.article_mentions(article_id),
            "events": evs,
            "comments": store.comments(article_id=article_id),
        }


@_later(
    "/articles/{article_id:path}",
    tags=["articles"],
    summary="One article with its mentions, events, comments",
)
def article(st: State, article_id: ArticleId) -> dict[str, Any]:
    return article_detail(st, article_id)


@router.get(
    "/articles/{article_id:path}/related",
    tags=["articles"],
    summary="Related articles (shared dyads, events, words)",
)
def related(st: State, article_id: ArticleId, k: Annotated[int, Query(ge=1, le=50)] = 5) -> dict[str, Any]:
    with st.db() as store:
        if not store.has_article_id(article_id):
            raise NotFoundError(f"no article {article_id!r}")
    items = analysis.related(st, article_id, k)
    return {"article_id": article_id, "items": items}


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    author: str = Field(min_length=1, max_length=100, description="Who writes it.")
    body: str = Field(
        min_length=1, max_length=10_000, description="Plain text (shown as text, never as HTML)."
    )


@router.get(
    "/articles/{article_id:path}/comments", tags=["comments"], summary="Comments on an article and its events"
)
def article_comments(st: State, article_id: ArticleId) -> dict[str, Any]:
    with st.db() as store:
        if not store.has_article_id(article_id):
            raise NotFoundError(f"no article {article_id!r}")
        return {"items": store.comments(article_id=article_id)}


@router.post(
    "/articles/{article_id:path}/comments",
    tags=["comments"],
    status_code=201,
    summary="Comment on an article (token)",
    responses=_WRITE_ERRORS,
)
def post_article_comment(st: Writer, article_id: ArticleId, body: CommentIn) -> dict[str, Any]:
    with st.writing() as store:
        return store.add_comment(body.body, author=body.author, article_id=article_id)


# -- events --------------------------------------------------------------------------------------


@router.get(
    "/events", tags=["events"], summary="Events filtered by actor, country, code, QuadClass, dates..."
)
def events(
    st: State,
    filters: Filters,
    newest_first: Annotated[bool, Query(description="Latest events first.")] = False,
    limit: Limit = 50,
    offset: Offset = 0,
) -> dict[str, Any]:
    kw = filters.store_kwargs()
    with st.db() as store:
        items = store.events(**kw, limit=limit, offset=offset, newest_first=newest_first)
        return page(items, store.count_events(**kw), limit, offset)


def event_detail(st: ServerState, event_id: str) -> dict[str, Any]:
    with st.db() as store:
        ev = store.event(event_id)
        if ev is None:
            raise NotFoundError(f"no event {event_id!r}")
        corrections = store.corrections(event_id=event_id, limit=None)
        return {
            "event": ev,
            "verdict": corrections[-1] if corrections else None,
            "corrections": corrections,
            "comments": store.comments(event_id=event_id),
        }


@router.get("/events/{event_id}", tags=["events"], summary="One event with its corrections and comments")
def event(st: State, event_id: EventId) -> dict[str, Any]:
    return event_detail(st, event_id)


@router.get("/events/{event_id}/comments", tags=["comments"], summary="Comments on an event")
def event_comments(st: State, event_id: EventId) -> dict[str, Any]:
    return {"items": event_detail(st, event_id)["comments"]}


@router.post(
    "/events/{event_id}/comments",
    tags=["comments"],
    status_code=201,
    summary="Comment on an event (token)",
    responses=_WRITE_ERRORS,
)
def post_event_comment(st: Writer, event_id: EventId, body: CommentIn) -> dict[str, Any]:
    with st.writing() as store:
        return store.add_comment(body.body, author=body.author, event_id=event_id)


class CorrectionIn(BaseModel):
    """An analyst's verdict on a machine-coded event; stored beside it, never over it."""

    model_config = ConfigDict(extra="forbid")
    action: Literal["confirm", "recode", "reject"]
    cameo_code: str | None = Field(None, pattern=CAMEO, description="recode: the right CAMEO code.")
    source: str | None = Field(
        None, pattern=ACTOR, description="recode: the right source actor code (USA, CHNGOV)."
    )
    target: str | None = Field(None, pattern=ACTOR, description="recode: the right target actor code.")
    note: str | None = Field(None, max_length=2000)
    author: str = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _fields_fit_action(self) -> CorrectionIn:
        changes = [self.cameo_code, self.source, self.target]
        if self.action == "recode" and not any(changes):
            raise ValueError("a recode needs cameo_code, source or target")
        if self.action != "recode" and any(changes):
            raise ValueError(f"{self.action} takes no cameo_code, source or target (use recode)")
        return self


def actor_country(store: Any, code: str) -> str | None:
    """The ISO3 country of an actor code: the store's actor table, else a leading ISO3 code."""
    known = store.actor(code)
    if known is not None:
        return known["country"]
    import pycountry

    head = code[:3].upper()
    return head if pycountry.countries.get(alpha_3=head) else None


def save_correction(st: ServerState, event_id: str, body: CorrectionIn) -> dict[str, Any]:
    from realpolitik.events.cameo import cameo_table

    if body.cameo_code is not None and body.cameo_code not in cameo_table():
        raise RealpolitikError(f"unknown CAMEO code {body.cameo_code!r}")
    with st.writing() as store:
        src = body.source.upper() if body.source else None
        tgt = body.target.upper() if body.target else None
        return store.add_correction(
            event_id,
            body.action,
            author=body.author,
            cameo_code=body.cameo_code,
            source_code=src,
            source_country=actor_country(store, src) if src else None,
            target_code=tgt,
            target_country=actor_country(store, tgt) if tgt else None,
            note=body.note,
        )


@router.get(
    "/events/{event_id}/corrections", tags=["corrections"], summary="An event's corrections, oldest first"
)
def event_corrections(st: State, event_id: EventId) -> dict[str, Any]:
    d = event_detail(st, event_id)
    return {"verdict": d["verdict"], "items": d["corrections"]}


@router.post(
    "/events/{event_id}/corrections",
    tags=["corrections"],
    status_code=201,
    summary="Correct an event (token)",
    responses=_WRITE_ERRORS,
)
def post_correction(st: Writer, event_id: EventId, body: CorrectionIn) -> dict[str, Any]:
    return save_correction(st, event_id, body)


@router.get("/corrections", tags=["corrections"], summary="All corrections, oldest first")
def corrections(st: State, limit: Limit = 100, offset: Offset = 0) -> dict[str, Any]:
    with st.db() as store:
        return page(store.corrections(limit=limit, offset=offset), store.count_corrections(), limit, offset)


@router.get(
    "/corrections/gold.jsonl",
    tags=["corrections", "exports"],
    summary="Corrections as gold JSONL for `realpolitik eval`",
    response_class=Response,
)
def gold(st: State) -> Response:
    return download(analysis.export(st, "gold", "jsonl"), "realpolitik-gold.jsonl", "jsonl")


# -- actors --------------------------------------------------------------------------------------


@router.get("/actors", tags=["actors"], summary="Actors, most mentioned first")
def actors(
    st: State,
    q: Annotated[str | None, Query(max_length=100, description="Part of the code or the name.")] = None,
    kind: Annotated[ActorKind | None, Query()] = None,
    country: Annotated[str | None, Query(pattern=COUNTRY)] = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> dict[str, Any]:
    f = {"q": q, "kind": kind, "country": country}
    with st.db() as store:
        return page(store.actors(**f, limit=limit, offset=offset), store.count_actors(**f), limit, offset)


@router.get("/actors/{code}", tags=["actors"], summary="One actor")
def actor(st: State, code: ActorCode) -> dict[str, Any]:
    with st.db() as store:
        found = store.actor(code)
    if found is None:
        raise NotFoundError(f"no actor {code.upper()!r}")
    return found


@router.get("/publishers", tags=["articles"], summary="Publishers and their article counts")
def publishers(st: State) -> dict[str, Any]:
    with st.db() as store:
        return {"items": store.publishers()}


# -- relations -----------------------------------------------------------------------------------


@router.get("/dyads", tags=["relations"], summary="The most active country pairs")
def dyads(st: State, limit: Annotated[int, Query(ge=1, le=200)] = 20) -> dict[str, Any]:
    with st.db() as store:
        return {"items": store.top_dyads(limit)}


@router.get("/dyads/{a}/{b}/series", tags=["relations"], summary="A dyad over time: Goldstein and QuadClass")
def dyad_series(
    st: State,
    a: ActorCode,
    b: ActorCode,
    freq: Freq = "month",
    directed: bool = False,
    since: Since = None,
    until: Until = None,
) -> dict[str, Any]:
    check_dates(since, until)
    a, b = a.upper(), b.upper()
    if a == b:
        raise RealpolitikError("a dyad needs two different actors")
    items = analysis.dyad_series(st, a, b, freq=freq, directed=directed, since=since, until=until)
    return {"a": a, "b": b, "freq": freq, "directed": directed, "items": items}


@router.get("/network", tags=["relations"], summary="The signed network of states, with blocs")
def network(
    st: State,
    since: Since = None,
    until: Until = None,
    window: Annotated[
        str | None, Query(pattern=WINDOW, description="Window ending at until: 90d, 12w, 6m.")
    ] = None,
    min_events: Annotated[int, Query(ge=1, le=10_000)] = 1,
    method: Literal["leiden", "spectral"] = "leiden",
) -> dict[str, Any]:
    check_dates(since, until)
    check_window(window)
    return analysis.network(st, since=since, until=until, window=window, min_events=min_events, method=method)


@router.get("/blocs", tags=["relations"], summary="Blocs of the network and their stability over windows")
def blocs(
    st: State,
    window: Annotated[str, Query(pattern=WINDOW)] = "90d",
    step: Annotated[str, Query(pattern=WINDOW)] = "30d",
    method: Literal["leiden", "spectral"] = "leiden",
) -> dict[str, Any]:
    check_window(window)
    check_window(step, "step")
    net = analysis.network(st, method=method)
    return {"current": net["blocs"], **analysis.bloc_stability(st, window=window, step=step, method=method)}


@router.get(
    "/alignment", tags=["relations"], summary="Third states' alignment between two poles, and influence"
)
def alignment(
    st: State,
    a: Annotated[str | None, Query(pattern=POLE, description="Pole A: ISO3 codes, comma-separated.")] = None,
    b: Annotated[str | None, Query(pattern=POLE, description="Pole B: ISO3 codes, comma-separated.")] = None,
    since: Since = None,
    until: Until = None,
    freq: Annotated[Literal["day", "week", "month", "year"] | None, Query()] = None,
    weight: Literal["count", "goldstein"] = "count",
    min_events: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> dict[str, Any]:
    check_dates(since, until)
    return analysis.alignment(
        st, a, b, since=since, until=until, freq=freq, weight=weight, min_events=min_events
    )


@router.get("/shifts", tags=["relations"], summary="Alerts: dyads moving sharply against their own past")
def shifts(
    st: State,
    freq: Freq = "month",
    window: Annotated[str, Query(pattern=WINDOW)] = "365d",
    threshold: Annotated[float, Query(gt=0, le=100)] = 2.0,
    metric: Literal["goldstein", "net"] = "goldstein",
    since: Since = None,
    until: Until = None,
    dyad: Annotated[str | None, Query(pattern=r"^[A-Za-z]{3},[A-Za-z]{3}$")] = None,
    min_events: Annotated[int | None, Query(ge=1, le=10_000, description="Events in the period.")] = None,
    min_history: Annotated[
        int | None, Query(ge=0, le=10_000, description="Events in the window before.")
    ] = None,
    limit: Limit = 50,
) -> dict[str, Any]:
    check_dates(since, until)
    check_window(window)
    check_span(window, freq)
    pair = tuple(dyad.upper().split(",")) if dyad else None
    items = analysis.shifts(
        st,
        freq=freq,
        window=window,
        threshold=threshold,
        metric=metric,
        since=since,
        until=until,
        pair=pair,
        min_events=min_events,
        min_history=min_history,
    )
    return {"total": len(items), "items": items[:limit]}


# -- exports -------------------------------------------------------------------------------------


def download(data: bytes, filename: str, fmt: str) -> Response:
    return Response(
        data,
        media_type=analysis.MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get("/exports", tags=["exports"], summary="The downloads on offer")
def exports() -> dict[str, Any]:
    return {
        "items": [
            {"name": n, "format": f, "url": f"/api/exports/{n}.{f}"}
            for n, fmts in analysis.EXPORTS.items()
            for f in fmts
        ]
    }


@router.get(
    "/exports/{filename}",
    tags=["exports"],
    summary="Download: events, GDELT, PLOVER, dyads, network...",
    response_class=Response,
)
def export(
    st: State,
    filename: Annotated[str, Path(pattern=r"^[a-z]+\.[a-z]+$", description="NAME.FORMAT, see /api/exports")],
    filters: Filters,
) -> Response:
    name, fmt = filename.split(".")
    if name not in analysis.EXPORTS:
        raise NotFoundError(f"no export {name!r}: choose one of {', '.join(analysis.EXPORTS)}")
    if fmt not in analysis.EXPORTS[name]:
        raise NotFoundError(f"export {name!r} comes as {', '.join(analysis.EXPORTS[name])}, not {fmt!r}")
    kw = filters.store_kwargs() if name == "events" else {}
    return download(analysis.export(st, name, fmt, **kw), f"realpolitik-{name}.{fmt}", fmt)


# -- ingest --------------------------------------------------------------------------------------


class IngestIn(BaseModel):
    """A text to code and store, or the URL of a page or feed to fetch, code and store."""

    model_config = ConfigDict(extra="forbid")
    text: str | None = Field(
        None, min_length=1, description="The article text (paragraphs split on blank lines)."
    )
    url: str | None = Field(
        None, min_length=8, max_length=2000, description="An http(s) page or feed to fetch."
    )
    title: str | None = Field(None, max_length=500)
    date: _dt.date | None = Field(None, description="The article's date, 1800-01-01 to 2199-12-31.")
    publisher: str | None = Field(None, max_length=200)
    id: str | None = Field(None, min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:\-]+$")

    @model_validator(mode="after")
    def _one_source(self) -> IngestIn:
        if (self.text is None) == (self.url is None):
            raise ValueError("give either text or url")
        if self.url is not None:
            parts = urlsplit(self.url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise ValueError("url must be an http or https URL")
            if self.id or self.title or self.date or self.publisher:
                raise ValueError("id, title, date and publisher go with text; a URL brings its own")
        elif not self.text.strip():
            raise ValueError("text is empty")
        if self.date is not None and not DATE_MIN <= self.date <= DATE_MAX:
            # stored, such a date could not be placed in time by the relations analyses
            raise ValueError(f"date must be between {DATE_MIN} and {DATE_MAX}")
        return self


@router.post(
    "/ingest",
    tags=["ingest"],
    status_code=201,
    summary="Code and store a text or a URL (token)",
    responses=_WRITE_ERRORS,
)
def ingest(st: Writer, body: IngestIn) -> dict[str, Any]:
    from realpolitik.ingest import IngestLimits, read_sources
    from realpolitik.ingest.articles import make_article
    from realpolitik.models import InputProblem

    problems: list[str] = []
    if body.url is not None:
        limits = IngestLimits(
            fetch_timeout=st.fetch_timeout, max_feed_entries=20, allow_private=st.allow_private_urls
        )
        items = list(read_sources([body.url], limits))
    else:
        items = [
            make_article(
                text=body.text or "",
                origin="api",
                id=body.id,
                title=body.title,
                date=body.date,
                date_source="given" if body.date else "none",
                publisher=body.publisher,
            )
        ]
    results = []
    for item in items:
        if isinstance(item, InputProblem):
            problems.append(str(item))
            continue
        with st.db() as store:
            dup = store.find_duplicate(item)
            if dup is None and store.has_article_id(item.id):
                item.id = f"{item.id}-{item.content_hash[:8]}"
        if dup is not None:
            results.append({"id": dup, "status": "duplicate", "events": None})
            continue
        analysed = st.pipeline().analyse(item)  # slow: outside the store lock
        with st.writing() as store:
            store.save_article(analysed.article, analysed.mentions, analysed.events)
        results.append({"id": item.id, "status": "created", "events": len(analysed.events)})
    if not results:
        raise RealpolitikError("; ".join(problems) or "nothing to ingest")
    return {"articles": results, "problems": problems}


for _path, _kw, _fn in _deferred:
    router.get(_path, **_kw)(_fn)
