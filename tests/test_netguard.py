"""Network guard: http(s) only, no loopback/private/link-local addresses unless allow_private.

Everything runs against a local server on 127.0.0.1 (reached only with ``allow_private=True``) or
against a fake resolver; no test touches another address. "Refused" always means the request
never reached the server (the server counts what it received).
"""

from __future__ import annotations

import ipaddress
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpcore
import httpx
import pytest

from realpolitik.errors import InputError
from realpolitik.ingest import IngestLimits, netguard, read_sources
from realpolitik.ingest.fetch import Fetcher, check_url
from realpolitik.ingest.netguard import GuardedBackend, GuardedTransport, refused_reason
from realpolitik.models import Article, InputProblem

PAGE = (
    b"<html><head><title>Freedonia protests</title></head><body><article><h1>Freedonia protests</h1>"
    b"<p>Freedonia protested to Sylvania on Monday about the closing of the border crossing.</p>"
    b"<p>The two governments are expected to meet again in the capital next week.</p>"
    b"</article></body></html>"
)


class _Handler(BaseHTTPRequestHandler):
    seen: list[tuple[str, str | None]] = []  # (path, Host header) of every request received
    redirects: dict[str, str] = {}

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        self.seen.append((self.path, self.headers.get("Host")))
        if self.path in self.redirects:
            self.send_response(302)
            self.send_header("Location", self.redirects[self.path])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[str, int]]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture
def seen() -> list[tuple[str, str | None]]:
    _Handler.seen.clear()
    _Handler.redirects.clear()
    return _Handler.seen


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> dict[str, list[str]]:
    """Names in the returned dict resolve to the given addresses; calls are counted in ``calls``."""
    table: dict[str, list[str]] = {}
    calls: dict[str, int] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        name = host.decode() if isinstance(host, bytes) else host
        if name in table:
            calls[name] = calls.get(name, 0) + 1
            answers = table[name]
            ip = answers[min(calls[name], len(answers)) - 1]  # answer n for the n-th lookup
            family = socket.AF_INET6 if ":" in ip else socket.AF_INET
            sockaddr = (ip, int(port or 0), 0, 0) if family == socket.AF_INET6 else (ip, int(port or 0))
            return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    table["__calls__"] = calls  # type: ignore[assignment]
    return table


def read(*sources: str, **limits: Any) -> list[Article | InputProblem]:
    return list(read_sources(list(sources), IngestLimits(**limits)))


def only_problem(items: list[Article | InputProblem]) -> InputProblem:
    assert len(items) == 1 and isinstance(items[0], InputProblem), items
    return items[0]


# -- which addresses -------------------------------------------------------------------------------

REFUSED = [
    "0.0.0.0", "127.0.0.1", "127.255.255.254", "10.0.0.1", "10.255.255.255", "172.16.0.1",
    "172.31.255.255", "192.168.0.1", "169.254.169.254", "100.64.0.1", "224.0.0.1",
    "255.255.255.255", "::", "::1", "fc00::1", "fd12:3456::1", "fe80::1", "febf::1", "fec0::1",
    "ff02::1", "::ffff:127.0.0.1", "::ffff:10.1.2.3", "::ffff:169.254.169.254", "::ffff:0.0.0.0",
    "::127.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a00:1", "2002:7f00:1::1", "2002:c0a8:101::1",
    "2001::1", "2001:db8::1",
]  # fmt: skip
PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize("address", REFUSED)
def test_refused_addresses(address: str) -> None:
    assert refused_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses(address: str) -> None:
    assert refused_reason(ipaddress.ip_address(address)) is None


def test_reasons_name_the_kind_of_address() -> None:
    def reason(a: str) -> str | None:
        return refused_reason(ipaddress.ip_address(a))

    assert reason("127.0.0.1") == "a loopback address"
    assert reason("::ffff:127.0.0.1") == "an IPv4-mapped loopback address"
    assert reason("169.254.169.254") == "a link-local address"
    assert reason("fe80::1") == "a link-local address"
    assert reason("10.0.0.1") == reason("fd00::1") == "a private address"
    assert reason("0.0.0.0") == reason("::") == "an unspecified address"


# -- URLs refused before any request ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("file:///etc/passwd", "only http and https"),
        ("ftp://example.org/feed.xml", "only http and https"),
        ("gopher://example.org/", "only http and https"),
        ("http:///nohost", "no host"),
        ("http://[::1/", "malformed URL"),
        ("http://127.0.0.1/", "127.0.0.1 is a loopback address"),
        ("http://127.8.9.10:8080/x", "loopback"),
        ("http://0.0.0.0/", "unspecified"),
        ("http://[::1]:8000/", "::1 is a loopback address"),
        ("http://[::]/", "unspecified"),
        ("http://[::ffff:127.0.0.1]/", "IPv4-mapped loopback"),
        ("http://[::ffff:a00:1]/", "IPv4-mapped private"),
        ("http://10.1.2.3/admin", "private address"),
        ("http://172.20.0.1/", "private address"),
        ("http://192.168.1.1/", "private address"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://[fe80::1%25eth0]/", "link-local"),
        ("http://[fd00::1]/", "private address"),
        ("http://user:pw@127.0.0.1/", "loopback"),
    ],
)
def test_check_url_refuses(url: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected.replace("[", r"\[")) as info:
        check_url(url)
    assert info.value.origin == url


def test_check_url_allows_private_when_asked() -> None:
    for url in ("http://127.0.0.1/", "http://[::1]/", "http://10.0.0.1/", "http://169.254.169.254/"):
        check_url(url, allow_private=True)
    with pytest.raises(InputError, match="only http and https"):
        check_url("file:///etc/passwd", allow_private=True)  # schemes are never allowed


def test_refusal_says_how_to_allow() -> None:
    with pytest.raises(InputError) as info:
        check_url("http://127.0.0.1/")
    assert "--allow-private" in info.value.message and "allow_private=True" in info.value.message


# -- through read_sources: refused without a request; allowed with allow_private ----------------


def test_local_server_refused_by_default(server: tuple[str, int], seen: list) -> None:
    host, port = server
    for url in (f"http://{host}:{port}/page", f"http://localhost:{port}/page"):
        problem = only_problem(read(url))
        assert problem.origin == url and "refusing to fetch" in problem.message, problem
        assert "loopback" in problem.message
    assert seen == []


def test_local_server_allowed_with_allow_private(server: tuple[str, int], seen: list) -> None:
    host, port = server
    [article] = read(f"http://{host}:{port}/page", allow_private=True)
    assert isinstance(article, Article) and "Freedonia protested" in article.text
    assert seen == [("/page", f"{host}:{port}")]


@pytest.mark.parametrize("spelling", ["2130706433", "127.1", "0x7f.0.0.1", "0", "localhost"])
def test_other_spellings_of_loopback_refused(server: tuple[str, int], seen: list, spelling: str) -> None:
    _, port = server
    problem = only_problem(read(f"http://{spelling}:{port}/page"))
    assert "refusing to fetch" in problem.message or "cannot fetch" in problem.message, problem
    assert seen == []


def test_hostname_resolving_to_private_address_refused(
    fake_dns: dict, server: tuple[str, int], seen: list
) -> None:
    _, port = server
    fake_dns["intranet.test"] = ["10.20.30.40"]
    fake_dns["metadata.test"] = ["169.254.169.254"]
    fake_dns["mapped.test"] = ["::ffff:127.0.0.1"]
    fake_dns["loop.test"] = ["127.0.0.1"]
    for name, kind in [
        ("intranet.test", "10.20.30.40, a private address"),
        ("metadata.test", "169.254.169.254, a link-local address"),
        ("mapped.test", "an IPv4-mapped loopback address"),
        ("loop.test", "127.0.0.1, a loopback address"),
    ]:
        problem = only_problem(read(f"http://{name}:{port}/page"))
        assert f"{name} resolves to " in problem.message and kind in problem.message, problem
    assert seen == []


def test_name_with_one_private_address_among_public_ones_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = [("93.184.216.34", 80), ("10.0.0.8", 80)]
    monkeypatch.setattr(
        socket,
        "getaddrinfo",
        lambda *a, **k: [(socket.AF_INET, socket.SOCK_STREAM, 6, "", s) for s in answers],
    )
    with pytest.raises(netguard.BlockedAddressError, match="10.0.0.8"):
        GuardedBackend().connect_tcp("mixed.test", 80, timeout=1)


def test_resolved_once_and_connected_to_the_checked_address(monkeypatch: pytest.MonkeyPatch) -> None:
    """DNS rebinding: the address checked is the address connected to; no second lookup."""
    lookups: list[str] = []
    answers = iter(["93.184.216.34", "127.0.0.1", "127.0.0.1"])  # public first, then rebound

    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        if host == "rebind.test":
            lookups.append(host)
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (next(answers), port))]
        raise AssertionError(f"unexpected lookup of {host}")

    connected: list[str] = []

    def connect_tcp(self: Any, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
        connected.append(host)
        raise httpcore.ConnectError("test: not connecting anywhere")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(httpcore.SyncBackend, "connect_tcp", connect_tcp)
    with pytest.raises(httpcore.ConnectError, match="not connecting"):
        GuardedBackend().connect_tcp("rebind.test", 80, timeout=1)
    assert lookups == ["rebind.test"] and connected == ["93.184.216.34"]


def test_host_header_keeps_the_name(fake_dns: dict, server: tuple[str, int], seen: list) -> None:
    """Connecting to the checked IP still sends the URL's host name (virtual hosts work)."""
    host, port = server
    fake_dns["news.test"] = [host, "10.9.9.9"]  # a second lookup would be refused / go elsewhere
    [article] = read(f"http://news.test:{port}/page", allow_private=True)
    assert isinstance(article, Article)
    assert seen == [("/page", f"news.test:{port}")]
    assert fake_dns["__calls__"]["news.test"] == 1


def test_fetcher_uses_the_guarded_transport() -> None:
    with Fetcher(1.0, 1000) as fetcher:
        transport = fetcher.client._transport  # the guard must be in the path, not just defined
        assert isinstance(transport, GuardedTransport)
        assert isinstance(transport._pool._network_backend, GuardedBackend)  # type: ignore[attr-defined]
        assert transport._pool._network_backend.allow_private is False  # type: ignore[attr-defined]


# -- redirects -------------------------------------------------------------------------------------


@pytest.fixture
def pretend_public(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let the test server's 127.0.0.1 pass as a public address; every other address is judged
    as usual. Stands in for "a public site" without leaving the machine."""
    real = netguard.refused_reason
    server_ip = ipaddress.ip_address("127.0.0.1")
    monkeypatch.setattr(netguard, "refused_reason", lambda ip: None if ip == server_ip else real(ip))


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("http://127.0.0.2:{port}/page", "127.0.0.2 is a loopback address"),
        ("http://[::1]:{port}/page", "::1 is a loopback address"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://intranet.test:{port}/page", "intranet.test resolves to 10.20.30.40, a private address"),
        ("file:///etc/passwd", "only http and https"),
    ],
)
def test_redirect_to_private_address_refused(
    pretend_public: None, fake_dns: dict, server: tuple[str, int], seen: list, target: str, expected: str
) -> None:
    host, port = server
    fake_dns["intranet.test"] = ["10.20.30.40"]
    _Handler.redirects["/go"] = target.format(port=port)
    url = f"http://{host}:{port}/go"
    problem = only_problem(read(url))
    assert problem.origin == url
    assert f"redirected to {target.format(port=port)}" in problem.message, problem
    assert expected in problem.message and "refus" in problem.message
    assert seen == [("/go", f"{host}:{port}")]  # the redirect was asked for; its target never


def test_redirect_allowed_with_allow_private(server: tuple[str, int], seen: list) -> None:
    host, port = server
    _Handler.redirects["/go"] = f"http://localhost:{port}/page"
    [article] = read(f"http://{host}:{port}/go", allow_private=True)
    assert isinstance(article, Article)
    assert [path for path, _ in seen] == ["/go", "/page"]


# -- feeds: entry links are fetched through the same guard ----------------------------------------


def _feed_file(tmp_path: Path, link: str) -> Path:
    path = tmp_path / "local.rss"
    path.write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>'
        f"<item><title>Protest</title><link>{link}</link>"
        "<description>Freedonia protested to Sylvania.</description></item></channel></rss>"
    )
    return path


def test_feed_entry_link_to_private_address_not_fetched(
    tmp_path: Path, server: tuple[str, int], seen: list
) -> None:
    host, port = server
    path = _feed_file(tmp_path, f"http://{host}:{port}/page")
    [article] = read(str(path))
    assert isinstance(article, Article) and article.text == "Freedonia protested to Sylvania."
    assert article.metadata["text_from"] == "feed"
    assert "refusing to fetch" in article.metadata["fetch_error"]
    assert seen == []
    [article] = read(str(path), allow_private=True)
    assert isinstance(article, Article) and article.metadata["text_from"] == "page"
    assert [p for p, _ in seen] == ["/page"]


def test_feed_entry_file_link_not_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    [article] = read(str(_feed_file(tmp_path, secret.as_uri())), allow_private=True)
    assert isinstance(article, Article) and "TOP-SECRET-MARKER" not in article.text
    assert article.metadata["text_from"] == "feed"


def test_command_line_file_url_refused() -> None:
    problem = only_problem(read("file:///etc/passwd"))
    assert "only http and https" in problem.message


# -- documents cannot make us read files or URLs (XML external entities) ------------------------


def test_feed_external_entities_not_resolved(tmp_path: Path, server: tuple[str, int], seen: list) -> None:
    host, port = server
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    feed = tmp_path / "xxe.rss"
    feed.write_text(
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rss [<!ENTITY file SYSTEM "{secret.as_uri()}">'
        f'<!ENTITY web SYSTEM "http://{host}:{port}/xxe">]>\n'
        '<rss version="2.0"><channel><title>T</title><item><title>X</title>'
        "<description>Freedonia protested. &file; &web;</description></item></channel></rss>"
    )
    items = read(str(feed), allow_private=True, fetch_pages=False)
    assert not any("TOP-SECRET-MARKER" in (i.text if isinstance(i, Article) else i.message) for i in items)
    assert seen == []


def test_html_external_entities_not_resolved(tmp_path: Path, server: tuple[str, int], seen: list) -> None:
    host, port = server
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-MARKER")
    page = tmp_path / "xxe.html"
    page.write_text(
        f'<?xml version="1.0"?><!DOCTYPE html [<!ENTITY file SYSTEM "{secret.as_uri()}">'
        f'<!ENTITY web SYSTEM "http://{host}:{port}/xxe">]>'
        "<html><body><article><p>Freedonia protested to Sylvania on Monday about the border. &file;</p>"
        "<p>The two governments are expected to meet again next week in the capital. &web;</p>"
        "</article></body></html>"
    )
    items = read(str(page), allow_private=True)
    assert not any("TOP-SECRET-MARKER" in (i.text if isinstance(i, Article) else i.message) for i in items)
    assert seen == []


# -- TLS: connecting to the checked address keeps SNI and certificate checks on the name -----------


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[int, Path, list[str | None]]]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl not available to make a test certificate")
    d = tmp_path_factory.mktemp("tls")
    cert, key = d / "cert.pem", d / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=DNS:localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    snis: list[str | None] = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda sock, name, ctx: snis.append(name)  # type: ignore[assignment,misc,return-value]
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1], cert, snis
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def test_tls_name_checked_against_certificate(
    fake_dns: dict, tls_server: tuple[int, Path, list[str | None]], seen: list
) -> None:
    port, cert, snis = tls_server
    fake_dns["localhost"] = ["127.0.0.1"]  # one address, whatever /etc/hosts says about ::1
    verify = ssl.create_default_context(cafile=str(cert))
    with httpx.Client(transport=GuardedTransport(allow_private=True, verify=verify)) as client:
        response = client.get(f"https://localhost:{port}/page")
    assert response.status_code == 200 and b"Freedonia" in response.content
    assert snis[-1] == "localhost" and seen[-1] == ("/page", f"localhost:{port}")
    # The same server under a name its certificate does not carry fails verification.
    fake_dns["other.test"] = ["127.0.0.1"]
    with (
        httpx.Client(transport=GuardedTransport(allow_private=True, verify=verify)) as client,
        pytest.raises(httpx.ConnectError, match="certificate|hostname"),
    ):
        client.get(f"https://other.test:{port}/page")
    # And without allow_private the guard refuses before any TLS handshake.
    before = len(snis)
    with (
        httpx.Client(transport=GuardedTransport(verify=verify)) as client,
        pytest.raises(httpx.ConnectError, match="loopback"),
    ):
        client.get(f"https://localhost:{port}/page")
    assert len(snis) == before


def test_malformed_urls_are_problems(tmp_path: Path, seen: list) -> None:
    """urlsplit raises on "http://[::1": a source, and a feed entry's link, used to crash."""
    problem = only_problem(read("http://[::1"))
    assert problem.message.startswith("malformed URL")
    path = _feed_file(tmp_path, "http://[::1")
    [article] = read(str(path))  # fetching pages is on: the link is checked, not followed
    assert isinstance(article, Article) and article.metadata["fetch_error"].startswith("malformed URL")
    assert seen == []
