"""Fetching a URL named in a request, without letting the request reach the server's own network.

A URL from a caller could point at the loopback interface, the LAN, a cloud metadata address
(169.254.169.254) or anything else only the server can reach (SSRF). Every hop is checked: the host
is resolved and each of its addresses must be public — not private, loopback, link-local, multicast,
reserved or unspecified — unless ``[api] allow_private_fetch`` names the host or a network holding
the address. Redirects are followed here, at most five, each one checked like the first, and the
connection itself is made only to the addresses that were checked (a host that resolves to something
else the second time, DNS rebinding, cannot slip through between the check and the connect).
"""

from __future__ import annotations

import ipaddress
import socket
import time
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx

from digest.errors import FetchError, InputError
from digest.http import USER_AGENT, HttpStatusError, mask_url, status_message, too_large
from digest.models import RawInput

MAX_REDIRECTS = 5
_TOTAL_TIMEOUTS = 4

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class ForbiddenAddress(InputError):
    """The URL leads to an address the API may not fetch from."""

    http_status = 400


def _kind(ip: IpAddress) -> str | None:
    """Why ``ip`` may not be reached, or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return _kind(ip.ipv4_mapped)
    checks = (
        ("unspecified", ip.is_unspecified),
        ("loopback", ip.is_loopback),
        ("link-local", ip.is_link_local),
        ("multicast", ip.is_multicast),
        ("private", ip.is_private),
        ("reserved", ip.is_reserved),
        ("non-public", not ip.is_global),
    )
    return next((name for name, hit in checks if hit), None)


class AddressGuard:
    """Decides which hosts and addresses a fetch may reach."""

    def __init__(self, allow: Iterable[str] = ()) -> None:
        self.names: set[str] = set()
        self.networks: list[ipaddress.IPv4Network | ipaddress.IPv6Network] = []
        for given in allow:
            entry = given.strip().lower()
            try:
                self.networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                self.names.add(entry.strip("[]").rstrip("."))

    def resolve(self, host: str, port: int) -> list[str]:
        """The addresses of ``host`` that may be connected to; raises ForbiddenAddress (naming the
        host and why) when any of them is not public and not allowed, FetchError when it does not
        resolve."""
        name = host.strip("[]").rstrip(".").lower()
        addresses: list[str] = []
        literal = _ip_literal(name)
        if literal is not None:
            # An address written in the URL is checked as written; a scoped one (fe80::1%25eth0)
            # does not resolve, but it is refused as link-local like the rest, not as a DNS failure.
            addresses.append(literal)
        else:
            try:
                infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
            except (socket.gaierror, UnicodeError) as exc:
                raise FetchError(f"cannot resolve {host} ({exc}); check the URL") from None
            for info in infos:
                text = str(info[4][0]).split("%", 1)[0]
                if text not in addresses:
                    addresses.append(text)
        if name in self.names:
            return addresses
        for text in addresses:
            ip = ipaddress.ip_address(text)
            why = _kind(ip)
            if why is not None and not any(ip in network for network in self.networks):
                shown = host if host.strip("[]") == text else f"{host} ({text})"
                raise ForbiddenAddress(
                    f"refusing to fetch from {shown}: a {why} address; only public addresses can be "
                    "fetched (an administrator can allow it in [api] allow_private_fetch)"
                )
        return addresses


def _ip_literal(name: str) -> str | None:
    """The address of an IP literal host, its zone (``%eth0``, ``%25eth0`` in a URL) left off."""
    bare = name.split("%", 1)[0]
    try:
        return str(ipaddress.ip_address(bare))
    except ValueError:
        return None


class _GuardedBackend(httpcore.SyncBackend):
    """Connects only to addresses the guard has just checked."""

    def __init__(self, guard: AddressGuard) -> None:
        self.guard = guard

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        error: Exception | None = None
        for address in self.guard.resolve(host, port):
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as exc:
                error = exc
        raise error or httpcore.ConnectError(f"no address for {host}")


def guarded_client(guard: AddressGuard, timeout: float) -> httpx.Client:
    transport = httpx.HTTPTransport(retries=0)
    # httpx has no public hook for the connect step; its pool takes the backend that makes sockets.
    transport._pool = httpcore.ConnectionPool(network_backend=_GuardedBackend(guard))
    # trust_env=False: a proxy from the environment would make the proxy, not us, pick the address.
    return httpx.Client(
        transport=transport, trust_env=False, timeout=timeout, headers={"User-Agent": USER_AGENT}
    )


def fetch_url(url: str, guard: AddressGuard, *, max_bytes: int, timeout: float) -> RawInput:
    """GET ``url`` (redirects followed and checked here, at most five) into a RawInput."""
    with guarded_client(guard, timeout) as client:
        return _fetch(client, url, guard, max_bytes=max_bytes, timeout=timeout)


def _fetch(
    client: httpx.Client, url: str, guard: AddressGuard, *, max_bytes: int, timeout: float
) -> RawInput:
    first = mask_url(url)
    current = url
    for _hop in range(MAX_REDIRECTS + 1):
        shown = mask_url(current)
        target = _checked(current, guard, shown)
        try:
            with client.stream("GET", target, follow_redirects=False) as response:
                if response.is_redirect:
                    current = str(response.url.join(response.headers["location"]))
                    continue
                if response.status_code >= 400:
                    raise HttpStatusError(status_message(shown, response), response.status_code)
                if not response.is_success:
                    raise FetchError(status_message(shown, response))
                data = _read(response, shown, max_bytes, timeout)
                return RawInput(source=first, data=data, media_type=response.headers.get("content-type"))
        except ForbiddenAddress as exc:
            raise ForbiddenAddress(f"{shown}: {exc.message}") from None
        except httpx.TimeoutException:
            raise FetchError(f"{shown}: timed out after {timeout:g} s; try again later") from None
        except httpx.HTTPError as exc:
            reason = type(exc).__name__
            raise FetchError(f"{shown}: the download failed ({reason}); check the URL or try again") from None
    raise FetchError(f"{first}: more than {MAX_REDIRECTS} redirects; give the final URL")


def _checked(url: str, guard: AddressGuard, shown: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
        host = parsed.host  # decodes an IDNA name: one that is not valid (xn--) raises UnicodeError
    except (httpx.InvalidURL, UnicodeError):
        raise InputError(f"{shown}: not a URL digest can fetch") from None
    if parsed.scheme not in ("http", "https") or not host:
        raise ForbiddenAddress(f"{shown}: only http and https URLs can be fetched")
    try:
        guard.resolve(host, parsed.port or (443 if parsed.scheme == "https" else 80))
    except ForbiddenAddress as exc:
        raise ForbiddenAddress(f"{shown}: {exc.message}") from None
    except FetchError as exc:
        raise FetchError(f"{shown}: {exc.message}") from None
    return parsed


def _read(response: httpx.Response, shown: str, max_bytes: int, timeout: float) -> bytes:
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise too_large(shown, int(length), max_bytes)
    deadline = time.monotonic() + _TOTAL_TIMEOUTS * timeout
    chunks: list[bytes] = []
    total = 0
    for chunk in response.iter_bytes():
        total += len(chunk)
        if total > max_bytes:
            raise too_large(shown, None, max_bytes)
        if time.monotonic() > deadline:
            raise FetchError(f"{shown}: the page came too slowly; try again later")
        chunks.append(chunk)
    return b"".join(chunks)
