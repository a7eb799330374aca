"""The client's address for a request: the peer, or the address a trusted proxy says it forwarded.

`X-Forwarded-For` is anyone's to write, so it is believed only when the direct peer is one of the
configured `trusted_proxies` (addresses or networks; empty by default, so no header is trusted).
The header is then read from the right, skipping further trusted proxies, and the first untrusted
address is the client: the left-most entries were written by the client itself and prove nothing.
Every use of a client address (login throttling, audit, web-form limits, allowlists) goes through
`client_ip` so they all agree.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from starlette.requests import HTTPConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=64)
def parse_networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    """'10.0.0.5', '10.0.0.0/8', '::1' -> networks; a bad entry is a configuration error."""
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def in_networks(ip: str | None, networks: Iterable[Network]) -> bool:
    if not ip:
        return False
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    if isinstance(addr, ipaddress.IPv6Address) and addr.ipv4_mapped is not None:
        addr = addr.ipv4_mapped
    return any(addr.version == net.version and addr in net for net in networks)


def resolve_client_ip(peer: str | None, forwarded_for: str | None, trusted: tuple[str, ...]) -> str | None:
    """The client address given the peer, its X-Forwarded-For header and the trusted proxies."""
    networks = parse_networks(trusted)
    if not forwarded_for or not in_networks(peer, networks):
        return peer
    hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return peer  # a garbled header: fall back to the proxy we actually talk to
        if not in_networks(hop, networks):
            return hop
    return hops[0] if hops else peer


def client_ip(conn: HTTPConnection) -> str | None:
    """The client's address for an HTTP request or WebSocket (None if the server cannot tell)."""
    peer = conn.client.host if conn.client else None
    settings = getattr(conn.app.state, "settings", None)
    trusted = tuple(getattr(settings, "trusted_proxies", ()) or ())
    if not trusted:
        return peer
    # Several X-Forwarded-For headers are one list, in order (RFC 9110 §5.3).
    header = ",".join(conn.headers.getlist("x-forwarded-for"))
    return resolve_client_ip(peer, header, trusted)
