"""Fetching http(s) resources: timeout, size cap, redirects followed one hop at a time.

Redirects are followed by hand (not by httpx) so that every URL we are sent to passes
:func:`check_url` first (http and https only, no host written as a private address), and every
connection goes through :class:`~realpolitik.ingest.netguard.GuardedTransport`, which refuses
host names that resolve to private, loopback or link-local addresses at connect time.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urljoin, urlsplit

import httpx

from realpolitik import __version__
from realpolitik.errors import InputError
from realpolitik.ingest.limits import limit_hint
from realpolitik.ingest.netguard import BlockedAddressError, GuardedTransport, check_host_literal

ALLOWED_SCHEMES = frozenset({"http", "https"})
MAX_REDIRECTS = 5
USER_AGENT = f"realpolitik/{__version__} (news event coder)"
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_HTTP_URL = re.compile(r"^https?://", re.IGNORECASE)


@dataclass(frozen=True)
class FetchedResource:
    url: str  # the final URL, after redirects
    status: int
    content_type: str | None  # media type only, lower case ("text/html")
    charset: str | None  # from the Content-Type header
    body: bytes


def is_url(source: str) -> bool:
    """An http(s) URL, well-formed or not: a malformed one ("http://[::1") is then refused by
    :func:`check_url` with a message, rather than taken for a file name (or crashing urlsplit)."""
    return bool(_HTTP_URL.match(source))


def check_url(url: str, allow_private: bool = False) -> None:
    """Refuse URLs we will not fetch (raises InputError): other schemes, no host, a host written
    as a private address. Host names are resolved and checked when connecting (see netguard)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError as exc:  # "http://[::1", a bad port...
        raise InputError(url, f"malformed URL ({exc})") from None
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise InputError(url, f"refusing to fetch a {parts.scheme or 'scheme-less'} URL: only http and https")
    if not host:
        raise InputError(url, "URL has no host")
    refused = check_host_literal(host, allow_private)
    if refused:
        raise InputError(url, f"refusing to fetch: {refused}")


class Fetcher:
    """An HTTP client with ingestion's limits. One per run: connections are reused."""

    def __init__(
        self,
        timeout: float,
        max_bytes: int,
        *,
        allow_private: bool = False,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """``transport`` replaces the guarded one (tests only: it bypasses the address guard)."""
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.allow_private = allow_private
        self._transport = transport
        self._client: httpx.Client | None = None

    @property
    def client(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                timeout=self.timeout,
                follow_redirects=False,
                headers={"User-Agent": USER_AGENT},
                transport=self._transport or GuardedTransport(self.allow_private),
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def fetch(self, url: str) -> FetchedResource:
        """GET ``url``; raises InputError (naming the URL asked for) on any failure."""
        current = url
        started = time.monotonic()
        for _hop in range(MAX_REDIRECTS + 1):
            redirected = "" if current == url else f"redirected to {current}: "
            try:
                check_url(current, self.allow_private)
            except InputError as exc:
                raise InputError(url, redirected + exc.message) from None
            try:
                with self.client.stream("GET", current) as response:
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise InputError(url, f"HTTP {response.status_code} redirect without a Location")
                        current = urljoin(str(response.url), location)
                        continue
                    if response.status_code >= 400:
                        raise InputError(
                            url, f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
                        )
                    body = self._read_body(response, url, started)
                    return _resource(response, body)
            except httpx.TimeoutException:
                raise InputError(
                    url, f"{redirected}timed out after {self.timeout:g} s; {limit_hint('fetch_timeout')}"
                ) from None
            except httpx.ConnectError as exc:
                if isinstance(exc.__cause__, BlockedAddressError):
                    raise InputError(url, f"{redirected}refusing to fetch: {exc}") from None
                raise InputError(url, f"{redirected}cannot fetch: {_describe(exc)}") from None
            except httpx.HTTPError as exc:
                raise InputError(url, f"cannot fetch: {_describe(exc)}") from None
            except (httpx.InvalidURL, httpx.StreamError, UnicodeError, ValueError) as exc:
                raise InputError(url, f"cannot fetch: {type(exc).__name__}: {exc}") from None
        raise InputError(url, f"more than {MAX_REDIRECTS} redirects")

    def _read_body(self, response: httpx.Response, url: str, started: float) -> bytes:
        too_big = (
            f"response is larger than max_download_bytes={self.max_bytes:,}: refused; "
            f"{limit_hint('max_download_bytes')}"
        )
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > self.max_bytes:
            raise InputError(url, too_big)
        chunks: list[bytes] = []
        size = 0
        # iter_bytes undoes Content-Encoding, so the cap counts what we would actually hold.
        for chunk in response.iter_bytes():
            # httpx's timeout bounds each read; this bounds the whole download (a server that
            # drips a byte at a time would otherwise hold us for hours).
            if time.monotonic() - started > self.timeout:
                raise InputError(
                    url,
                    f"timed out after {self.timeout:g} s (download too slow); {limit_hint('fetch_timeout')}",
                )
            size += len(chunk)
            if size > self.max_bytes:
                raise InputError(url, too_big)
            chunks.append(chunk)
        return b"".join(chunks)


def _resource(response: httpx.Response, body: bytes) -> FetchedResource:
    header = response.headers.get("content-type", "")
    media = header.split(";")[0].strip().lower() or None
    m = _CHARSET.search(header)
    return FetchedResource(
        url=str(response.url),
        status=response.status_code,
        content_type=media,
        charset=m[1] if m else None,
        body=body,
    )


def _describe(exc: httpx.HTTPError) -> str:
    """A short reason: the innermost cause says most ("Connection refused")."""
    cause: BaseException = exc
    for _ in range(8):  # bounded: exception chains can, rarely, be cyclic
        nxt = cause.__cause__ or cause.__context__
        if nxt is None:
            break
        cause = nxt
    text = str(cause) or str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text != type(exc).__name__ else text
