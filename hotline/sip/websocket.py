"""SIP over WebSocket (RFC 7118): the browser phone's transport, beside UDP and TCP.

A listener on ``sip.ws_host:ws_port`` (WSS when ``ws_certfile`` is set, or with ``ws_tls`` on the
SIP/TLS listener's certificate) accepts only handshakes
that ask for the ``sip`` subprotocol and come from an allowed ``Origin`` (the console's own by
default: a page on another site must not drive an agent's signed-in browser into registering);
a request without ``Origin`` is not a browser and is let through to digest authentication like any
SIP client. Each WebSocket message is one whole SIP message (no Content-Length framing, RFC 7118
5.2), handed to the engine's one callback with a :class:`~hotline.sip.transport.Source` whose
``proto`` is "WS" or "WSS" and whose ``conn`` sends back on the same socket: a browser has no
address of its own to reach (its Contact host is ``*.invalid``), so a binding made over a
WebSocket is reachable only while that socket lives, and ``on_closed`` lets the registrar drop it
when the socket goes. Sends are queued per connection and written in
order by one task. At most ``max_per_ip`` sockets from one address.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import ssl
from collections.abc import Callable, Sequence
from http import HTTPStatus

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from hotline.config import Settings
from hotline.sip.transport import MAX_TCP_MESSAGE, Addr, OnMessage, Source

log = logging.getLogger(__name__)


def console_origins_of(settings: Settings) -> list[str]:
    """The console's own origins (the default allowed list): its http address, by name too."""
    hosts = {settings.http_host}
    if settings.http_host in ("127.0.0.1", "localhost", "0.0.0.0", "::"):
        hosts |= {"127.0.0.1", "localhost"}
    return [f"{scheme}://{h}:{settings.http_port}" for h in sorted(hosts) for scheme in ("http", "https")]


def server_tls(certfile: str, keyfile: str) -> ssl.SSLContext | None:
    """A TLS server context from a certificate (and key) file, or None for plain WS."""
    if not certfile:
        return None
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(certfile, keyfile or None)
    return ctx


class WsConnection:
    """One browser's socket: what a Source's ``conn`` needs (``send``, ``alive``)."""

    def __init__(self, ws: ServerConnection, addr: Addr) -> None:
        self.ws = ws
        self.addr = addr
        self.outbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.closed = False
        self._writer = asyncio.ensure_future(self._write())

    def alive(self) -> bool:
        return not self.closed

    def send(self, data: bytes) -> None:
        if not self.closed:
            self.outbox.put_nowait(data)

    async def _write(self) -> None:
        while (data := await self.outbox.get()) is not None:
            try:
                # text frames when the message is UTF-8, as browsers' SIP libraries send them
                await self.ws.send(data.decode("utf-8"))
            except UnicodeDecodeError:
                await self.ws.send(data)
            except ConnectionClosed:
                return

    async def close(self) -> None:
        self.closed = True
        self.outbox.put_nowait(None)
        with contextlib.suppress(Exception):
            await self.ws.close()
        self._writer.cancel()


class WsTransport:
    def __init__(
        self,
        on_message: OnMessage,
        origins: Sequence[str],
        *,
        max_per_ip: int = 32,
        ssl_context: ssl.SSLContext | None = None,
        on_closed: Callable[[WsConnection], None] | None = None,
    ) -> None:
        self.on_message = on_message
        self.on_closed = on_closed
        self.origins = {o.rstrip("/") for o in origins}
        self.max_per_ip = max_per_ip
        self.ssl_context = ssl_context
        self.proto = "WSS" if ssl_context is not None else "WS"
        self.connections: set[WsConnection] = set()
        self.per_ip: collections.Counter[str] = collections.Counter()
        self.refused = 0
        self.server: Server | None = None
        self.port = 0

    def check(self, conn: ServerConnection, request: Request) -> Response | None:
        """Refuse a handshake without the ``sip`` subprotocol, from a foreign origin, or one too many."""
        origin = request.headers.get("Origin")
        if origin is not None and origin.rstrip("/") not in self.origins:
            self.refused += 1
            log.warning("SIP WebSocket from %s refused: origin %r not allowed", conn.remote_address, origin)
            return conn.respond(HTTPStatus.FORBIDDEN, "origin not allowed\n")
        offered = ",".join(request.headers.get_all("Sec-WebSocket-Protocol"))
        if "sip" not in {p.strip().lower() for p in offered.split(",")}:
            self.refused += 1
            return conn.respond(HTTPStatus.BAD_REQUEST, "the sip subprotocol is required (RFC 7118)\n")
        if self.per_ip[str(conn.remote_address[0])] >= self.max_per_ip:
            self.refused += 1
            return conn.respond(HTTPStatus.SERVICE_UNAVAILABLE, "too many connections\n")
        return None

    async def _serve(self, ws: ServerConnection) -> None:
        peer = ws.remote_address
        addr: Addr = (str(peer[0]), int(peer[1]))
        conn = WsConnection(ws, addr)
        self.connections.add(conn)
        self.per_ip[addr[0]] += 1
        try:
            async for message in ws:
                data = message.encode("utf-8") if isinstance(message, str) else bytes(message)
                if not data.strip(b"\r\n "):
                    continue  # keep-alive
                self.on_message(data, Source(self.proto, addr, conn))
        except ConnectionClosed:
            pass
        finally:
            self.connections.discard(conn)
            self.per_ip[addr[0]] -= 1
            if self.per_ip[addr[0]] <= 0:
                del self.per_ip[addr[0]]
            await conn.close()
            if self.on_closed is not None:
                self.on_closed(conn)

    async def start(self, host: str, port: int) -> None:
        self.server = await serve(
            self._serve,
            host,
            port,
            subprotocols=["sip"],  # type: ignore[list-item]
            process_request=self.check,
            max_size=MAX_TCP_MESSAGE,
            ssl=self.ssl_context,
            ping_interval=20,
            ping_timeout=20,
        )
        sock = next(iter(self.server.sockets))
        self.port = int(sock.getsockname()[1])

    async def stop(self) -> None:
        for conn in list(self.connections):
            await conn.close()
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 2)
        self.connections.clear()
        self.per_ip.clear()
