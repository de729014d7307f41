"""The FastAPI application: JSON API under ``/api``, dashboard pages at ``/``, assets at ``/static``.

Everything a client can get wrong ends in a clear 4xx (JSON under ``/api``, an HTML page
elsewhere), never a 500: bad parameters are refused by FastAPI's validation (422) or by our own
checks (400), unknown ids give 404, writes without a valid token 401 (403 when the server is
read-only), request bodies over the size limit 413.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, MutableMapping
from importlib import resources
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from realpolitik import __version__
from realpolitik.api.state import ServerState
from realpolitik.errors import RealpolitikError
from realpolitik.store import Store
from realpolitik.store.store import NotFoundError

log = logging.getLogger("realpolitik.api")

DEFAULT_MAX_BODY = 2 * 1024 * 1024  # bytes: a long article as JSON fits; a flood does not

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

# No inline script or style anywhere in the dashboard: a script smuggled into an article's text
# could not run even if escaping failed. SVG presentation attributes (fill=...) are not "style".
SECURITY_HEADERS = [
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        b"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class GuardMiddleware:
    """Refuse request bodies over ``max_body`` bytes (413, by Content-Length or while streaming)
    and add the security headers to every response. Pure ASGI, so it sees the raw stream."""

    def __init__(self, app: Callable[..., Awaitable[None]], max_body: int) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                names = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in SECURITY_HEADERS if k not in names
                ]
            await send(message)

        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None:
            try:
                too_big = int(length) > self.max_body
            except ValueError:
                await self._refuse(send_with_headers, 400, "Content-Length is not a number")
                return
            if too_big:
                await self._refuse(send_with_headers, 413, self._message())
                return
        # Read the whole body first (it is small: at most max_body), counting as it arrives, so a
        # chunked upload without Content-Length is refused as soon as it passes the limit.
        chunks: list[bytes] = []
        seen = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            body = message.get("body", b"")
            seen += len(body)
            if seen > self.max_body:
                await self._refuse(send_with_headers, 413, self._message())
                return
            chunks.append(body)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": b"".join(chunks), "more_body": False}
            return await receive()

        await self.app(scope, replay, send_with_headers)

    def _message(self) -> str:
        return f"request body over the limit of {self.max_body:,} bytes"

    @staticmethod
    async def _refuse(send: Send, status: int, detail: str) -> None:
        body = json.dumps({"detail": detail}).encode("utf-8")
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


def _is_api(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api") or path == "/openapi.json"


def _error(request: Request, status: int, detail: Any) -> Response:
    if _is_api(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"detail": detail}, status_code=status, headers=headers)
    from realpolitik.api.pages import error_page

    return error_page(request, status, detail)


def _validation_detail(exc: RequestValidationError) -> list[dict[str, Any]]:
    """FastAPI's validation errors, made JSON-safe (they may carry exception objects)."""
    out = []
    for err in exc.errors():
        item = {k: v for k, v in err.items() if k in ("loc", "msg", "type")}
        if "input" in err:
            item["input"] = (
                err["input"] if isinstance(err["input"], str | int | float | None) else str(err["input"])
            )
        out.append(item)
    return out


def create_app(
    store: Store,
    *,
    token: str | None = None,
    pipeline_factory: Callable[[], Any] | None = None,
    max_body: int = DEFAULT_MAX_BODY,
    fetch_timeout: float = 20.0,
    allow_private_urls: bool = False,
) -> FastAPI:
    """The application over an open ``store``. Writes need ``token`` (none: read-only server).

    ``allow_private_urls`` lets ``POST /api/ingest`` fetch from private and loopback addresses
    (refused by default). ``pipeline_factory`` builds the analysis pipeline on the first ingest (default
    ``realpolitik.pipeline.Pipeline``); tests pass a light one.
    """
    from realpolitik.api import pages, routes

    app = FastAPI(
        title="realpolitik",
        version=__version__,
        description=(
            "International political events coded from news (CAMEO/PLOVER), their actors, "
            "and the relations between states. Reads are open; writes need the server's token "
            "(`Authorization: Bearer TOKEN`)."
        ),
        docs_url=None,  # FastAPI's Swagger page loads its scripts from a CDN: we serve our own /docs
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.rp = ServerState(
        store,
        token=token,
        pipeline_factory=pipeline_factory,
        fetch_timeout=fetch_timeout,
        allow_private_urls=allow_private_urls,
    )
    app.state.max_body = max_body

    @app.exception_handler(NotFoundError)
    async def not_found(request: Request, exc: NotFoundError) -> Response:
        return _error(request, 404, str(exc))

    @app.exception_handler(RealpolitikError)
    async def refused(request: Request, exc: RealpolitikError) -> Response:
        return _error(request, 400, str(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": _validation_detail(exc)}, status_code=422)
        msgs = [f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()]
        return _error(request, 400, "; ".join(msgs) or "bad request")

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, exc.detail)

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:  # pragma: no cover - a bug
        log.exception("unhandled error on %s", request.url.path)
        return _error(request, 500, "internal error (logged on the server)")

    static = resources.files("realpolitik.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    app.include_router(routes.router)
    app.include_router(pages.router)
    app.add_middleware(GZipMiddleware, minimum_size=2000)  # the map page is ~160 kB of SVG paths
    app.add_middleware(GuardMiddleware, max_body=max_body)
    return app
