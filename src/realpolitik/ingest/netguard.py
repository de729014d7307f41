"""Which addresses ingestion may connect to: public ones only, unless ``allow_private`` is set.

A URL given on the command line, a feed entry's link or a redirect could otherwise make
realpolitik fetch from the machine it runs on or its network (a cloud metadata service at
169.254.169.254, an admin page on 127.0.0.1, a database on 10.0.0.5): server-side request
forgery. Two checks keep that out:

* :func:`check_host_literal` refuses a URL whose host is written as a refused IP address, before
  any request (a cheap, early and clear message);
* :class:`GuardedBackend` is the network layer under httpx: it resolves the host name ONCE,
  refuses it if ANY of its addresses is refused, and connects to the address it checked. Host
  header, TLS SNI and certificate checks still use the name from the URL (httpcore passes it to
  ``start_tls`` itself), so a host name cannot be re-resolved to another address between the check
  and the connection (DNS rebinding), and every redirect hop goes through the same check.

Addresses refused: loopback (127/8, ::1), unspecified (0.0.0.0, ::), private (10/8, 172.16/12,
192.168/16, fc00::/7), link-local (169.254/16, fe80::/10), site-local (fec0::/10), multicast,
reserved and other not globally routable ranges (100.64/10, documentation and benchmark ranges),
and the same addresses written inside IPv6 (IPv4-mapped ``::ffff:127.0.0.1``, NAT64
``64:ff9b::7f00:1``, 6to4 ``2002:7f00:1::``).

Limits: connections through an HTTP proxy are not supported (httpx's proxy variables are not
used, since the proxy, not us, would pick the address); name resolution uses the system resolver
and has no timeout of its own.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOW_HINT = "allow them with --allow-private (IngestLimits.allow_private=True)"
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


def refused_reason(ip: IPAddress) -> str | None:
    """Why ``ip`` may not be fetched from ("a loopback address"), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address):
        # IPv4 written inside IPv6: the connection ends at the IPv4 address, so judge that one.
        mapped = ip.ipv4_mapped
        if mapped is not None:
            inner = refused_reason(mapped)
            return f"an IPv4-mapped {inner.removeprefix('a ').removeprefix('an ')}" if inner else None
        if ip in _NAT64:
            inner = refused_reason(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
            return f"a NAT64 form of {inner}" if inner else None
        sixtofour = ip.sixtofour
        if sixtofour is not None:
            inner = refused_reason(sixtofour)
            if inner:
                return f"a 6to4 form of {inner}"
        if ip.is_site_local:
            return "a site-local address"
    if ip.is_unspecified:
        return "an unspecified address"
    if ip.is_loopback:
        return "a loopback address"
    if ip.is_link_local:
        return "a link-local address"
    if ip.is_multicast:
        return "a multicast address"
    if ip.is_private:
        return "a private address"
    if ip.is_reserved or not ip.is_global:
        return "a reserved or non-public address"
    return None


def parse_ip(host: str) -> IPAddress | None:
    """``host`` as an IP address if it is written as one (brackets and IPv6 zone allowed)."""
    host = host.strip("[]")
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def refusal(host: str, ip: IPAddress, reason: str) -> str:
    """The message for a refused host: names the address, why, and how to allow it."""
    what = f"{host} is {reason}" if parse_ip(host) == ip else f"{host} resolves to {ip}, {reason}"
    return f"{what}: private and local addresses are refused; {ALLOW_HINT}"


def check_host_literal(host: str, allow_private: bool) -> str | None:
    """The refusal message for a host written as a refused IP address, else None (no DNS here)."""
    if allow_private:
        return None
    ip = parse_ip(host)
    if ip is None:
        return None
    reason = refused_reason(ip)
    return refusal(host, ip, reason) if reason else None


class BlockedAddressError(httpcore.ConnectError):
    """A connection refused by the guard (httpx reports it as a ConnectError caused by this)."""


def resolve(host: str, port: int) -> list[tuple[IPAddress, Any]]:
    """Every ``(address, sockaddr)`` the host name resolves to, in the resolver's order."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    found: list[tuple[IPAddress, Any]] = []
    for family, _type, _proto, _name, sockaddr in infos:
        if family not in (socket.AF_INET, socket.AF_INET6):
            continue
        ip = parse_ip(str(sockaddr[0]).split("%")[0])
        if ip is not None:
            found.append((ip, sockaddr))
    if not found:
        raise httpcore.ConnectError(f"cannot resolve {host}: no IPv4 or IPv6 address")
    return found


class GuardedBackend(httpcore.SyncBackend):
    """httpcore's network backend, connecting only to addresses :func:`refused_reason` accepts."""

    def __init__(self, allow_private: bool = False) -> None:
        self.allow_private = allow_private

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve(host, port)
        if not self.allow_private:
            # Any refused address refuses the name: picking the public ones would let a name that
            # mixes both reach the private one on a later resolution.
            for ip, _ in addresses:
                reason = refused_reason(ip)
                if reason:
                    raise BlockedAddressError(refusal(host, ip, reason))
        last: Exception | None = None
        for _, sockaddr in addresses:
            try:
                # The numeric address (with its IPv6 zone, if any) as the resolver gave it:
                # create_connection does no further lookup, so we connect to what was checked.
                return super().connect_tcp(str(sockaddr[0]), port, timeout, local_address, socket_options)
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                last = exc
        assert last is not None  # resolve() returns at least one address
        raise last


class GuardedTransport(httpx.HTTPTransport):
    """httpx's transport over :class:`GuardedBackend`: direct connections only, no proxy."""

    def __init__(self, allow_private: bool = False, verify: ssl.SSLContext | bool = True) -> None:
        super().__init__(verify=verify)
        # HTTPTransport has no parameter for httpcore's network backend: build the same pool
        # (httpx's default limits) with ours. test_netguard checks the guard is in the path.
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5.0)
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=GuardedBackend(allow_private),
        )
