"""Which requests the dashboard answers: only those addressed to the address it serves.

A page on any web site can make the browser send requests to ``localhost``. Two checks stop that:

* **Host**: a request whose ``Host`` header names another host is refused (403). This stops DNS
  rebinding, where an attacker's domain is made to resolve to 127.0.0.1 so that its page can read
  the dashboard as if it were its own.
* **Origin**: a request or WebSocket upgrade that carries an ``Origin`` header from another site,
  or from another port of this host, is refused (HTTP 403; the WebSocket handshake is closed before
  it is accepted). This stops a foreign page from driving the live model over the WebSocket.

The allowed host names are the one the server is bound to and, for a loopback address, the other
loopback names; when bound to every interface (``0.0.0.0``, ``::``) also this machine's name and
addresses, plus any ``--allow-host``. :func:`exposure_warning` is the line the command prints when
the server is reachable from beyond this machine.
"""
from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
ALL_INTERFACES = frozenset({"0.0.0.0", "::", ""})


def is_loopback(host: str) -> bool:
    """Whether a bind address reaches only this machine."""
    if host.lower() in LOOPBACK_NAMES or host.lower().endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return all(ipaddress.ip_address(info[4][0]).is_loopback for info in socket.getaddrinfo(host, None))
        except (OSError, ValueError):
            return False


def allowed_hosts(bind: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """Host names (lower case, without port) that requests may be addressed to."""
    names = {bind.lower().strip("[]")} - {""}
    if is_loopback(bind):
        names |= LOOPBACK_NAMES
    if bind in ALL_INTERFACES:
        names = set(LOOPBACK_NAMES)
        for name in (socket.gethostname(), socket.getfqdn()):
            names.add(name.lower())
            try:
                names |= {info[4][0].lower() for info in socket.getaddrinfo(name, None)}
            except OSError:
                pass
    names |= {h.lower().strip("[]") for h in extra}
    return frozenset(names)


def exposure_warning(bind: str, hosts: Iterable[str]) -> str | None:
    """The line to print when the dashboard can be reached from other machines; None on loopback."""
    if is_loopback(bind):
        return None
    where = "every network interface" if bind in ALL_INTERFACES else f"{bind}"
    return (f"warning: --host {bind or '0.0.0.0'}: the dashboard is served on {where}, beyond this machine; anyone "
            f"who can reach it can use it (there is no login). Requests must name one of: {', '.join(sorted(hosts))} "
            f"(add names with --allow-host)")


def _split_host(value: str) -> tuple[str, int | None]:
    """('example.org', 8080) from 'example.org:8080'; IPv6 in brackets; port None when absent or bad."""
    value = value.strip().lower()
    if value.startswith("["):
        host, _, rest = value[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif value.count(":") == 1:
        host, _, port = value.partition(":")
    else:
        host, port = value, ""
    return host, int(port) if port.isdigit() else None


class HostOriginGuard:
    """ASGI middleware: refuse HTTP requests and WebSocket upgrades not addressed to the served address."""

    def __init__(self, app, hosts: Iterable[str]) -> None:
        self.app = app
        self.hosts = frozenset(h.lower() for h in hosts)

    def _problem(self, scope) -> str | None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        host, _ = _split_host(headers.get("host", ""))
        if host not in self.hosts:
            return f"Host {headers.get('host', '')!r} is not this dashboard's address"
        origin = headers.get("origin")
        if origin is None:
            return None
        parts = urlsplit(origin)
        server_port = (scope.get("server") or (None, None))[1]
        default = {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(parts.scheme)
        try:
            origin_port = parts.port or default
        except ValueError:
            origin_port = None
        if (parts.hostname or "").lower() not in self.hosts or (server_port is not None and origin_port != server_port):
            return f"Origin {origin!r} is not this dashboard's page"
        return None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        problem = self._problem(scope)
        if problem is None:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008, "reason": problem[:120]})  # before accept: HTTP 403
            return
        body = f"forbidden: {problem}\n".encode()
        await send({"type": "http.response.start", "status": 403,
                    "headers": [(b"content-type", b"text/plain; charset=utf-8"),
                                (b"content-length", str(len(body)).encode())]})
        await send({"type": "http.response.body", "body": body})
