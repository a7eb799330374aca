"""SIP transports on asyncio: one UDP endpoint and one TCP listener sharing a host:port.

Each transport hands whole messages (bytes) plus a :class:`Source` to one callback; parsing and rate
limiting happen in the engine so that both transports behave the same. TCP is framed by
Content-Length (RFC 3261 18.3): a stream buffer is cut at the blank line, the header's Content-Length
(long or compact form) says how much body follows, CRLF keep-alives are skipped, and a connection that
sends an oversized or unframeable message is closed, as are connections beyond a global and a
per-address cap (a connection flood must not exhaust file descriptors: the global cap is also held
under half the process's open-files limit, so HTTP clients and RTP sockets always find one). A
connection that completes no message for `idle_seconds` (a CRLF keep-alive counts, and so does a
registered phone's answer to the engine's OPTIONS qualify ping) is closed, and so is one that leaves
a message half-sent for `message_seconds` (slowloris). Outbound TCP reuses the connection a peer
opened to us (phones behind NAT are only reachable that way) or opens a new one.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import re
import resource
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, cast

log = logging.getLogger(__name__)

Addr = tuple[str, int]
MAX_TCP_MESSAGE = 65_535
_CLEN = re.compile(rb"^(?:content-length|l)[ \t]*:[ \t]*(\d+)[ \t]*$", re.I | re.M)


class Stream(Protocol):
    """A connection a message came in on (TCP, or a WebSocket: ``hotline.sip.websocket``)."""

    def send(self, data: bytes) -> None: ...
    def alive(self) -> bool: ...


STREAMED = ("TCP", "TLS", "WS", "WSS")
WEBSOCKET = ("WS", "WSS")


@dataclass(eq=False)
class Source:
    """Where a message came from, and so where its responses go."""

    proto: str  # "UDP", "TCP", "TLS", "WS" or "WSS"
    addr: Addr
    conn: Stream | None = field(default=None, repr=False)

    def conn_alive(self) -> bool:
        return self.conn is not None and self.conn.alive()


OnMessage = Callable[[bytes, Source], None]


class UdpTransport(asyncio.DatagramProtocol):
    def __init__(self, on_message: OnMessage) -> None:
        self.on_message = on_message
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # selector datagram transports are not DatagramTransport subclasses on CPython 3.11
        self.transport = cast(asyncio.DatagramTransport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            # Bursts (a SIPp load step, a flood being rate-limited) must queue, not be dropped by the kernel.
            for opt in (getattr(socket, "SO_RCVBUFFORCE", None), socket.SO_RCVBUF):
                if opt is None:
                    continue
                try:
                    sock.setsockopt(socket.SOL_SOCKET, opt, 4 << 20)
                    break
                except OSError:
                    continue

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        host, port = str(addr[0]), int(addr[1])
        if not data.strip(b"\r\n\x00 "):
            return  # NAT keep-alive (CRLF or zero bytes)
        self.on_message(data, Source("UDP", (host, port)))

    def error_received(self, exc: Exception) -> None:
        # ICMP port unreachable from a vanished phone: the transaction timers deal with it.
        log.debug("udp error: %s", exc)

    def send(self, data: bytes, addr: Addr) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(data, addr)


class TcpConnection(asyncio.Protocol):
    proto = "TCP"

    def __init__(self, owner: TcpTransport) -> None:
        self.owner = owner
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None
        self.addr: Addr = ("", 0)
        self.last_complete = time.monotonic()  # last whole message or keep-alive
        self.partial_since: float | None = None  # when the buffered, unfinished message began

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        self.addr = (str(peer[0]), int(peer[1]))
        if not self.owner.admit(self):
            # A connection flood must not eat every file descriptor (RTP and HTTP need them too).
            self.transport.abort()

    def connection_lost(self, exc: Exception | None) -> None:
        self.owner.forget(self)

    def data_received(self, data: bytes) -> None:
        self.frame(data)

    def frame(self, data: bytes) -> None:
        """Cut whole SIP messages out of the stream (plaintext: TLS decrypts before it)."""
        self.buffer.extend(data)
        while True:
            while self.buffer[:2] == b"\r\n":
                del self.buffer[:2]  # RFC 5626 keep-alive
                self.last_complete = time.monotonic()
            if not self.buffer:
                self.partial_since = None
                return
            if self.partial_since is None:
                self.partial_since = time.monotonic()
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                if len(self.buffer) > MAX_TCP_MESSAGE:
                    self.abort("header section too large")
                return
            head = bytes(self.buffer[:end])
            m = _CLEN.search(head)
            length = int(m.group(1)) if m else 0
            total = end + 4 + length
            if total > MAX_TCP_MESSAGE:
                self.abort("message too large")
                return
            if len(self.buffer) < total:
                return
            msg = bytes(self.buffer[:total])
            del self.buffer[:total]
            self.last_complete = time.monotonic()
            self.partial_since = None
            self.owner.on_message(msg, Source(self.proto, self.addr, self))

    def abort(self, why: str, hard: bool = False) -> None:
        log.warning("closing SIP/%s connection from %s:%s: %s", self.proto, *self.addr, why)
        self.buffer.clear()
        self.partial_since = None
        if self.transport is not None:
            if hard:
                # a timed-out peer may have stopped reading too: do not wait to flush to it
                self.transport.abort()
            else:
                self.transport.close()

    def send(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def alive(self) -> bool:
        return self.transport is not None and not self.transport.is_closing()


def open_files_limit() -> int:
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if soft != resource.RLIM_INFINITY else 1 << 20


@dataclass
class TcpLimits:
    idle_seconds: float = 300.0
    message_seconds: float = 10.0
    max_connections: int = 2000
    max_per_ip: int = 32


class TcpTransport:
    proto = "TCP"

    def __init__(self, on_message: OnMessage, limits: TcpLimits | None = None) -> None:
        self.on_message = on_message
        self.connections: dict[Addr, TcpConnection] = {}
        self.per_ip: collections.Counter[str] = collections.Counter()
        self.server: asyncio.Server | None = None
        limits = limits or TcpLimits()
        self.idle_seconds = limits.idle_seconds
        self.message_seconds = limits.message_seconds
        self.max_per_ip = limits.max_per_ip
        # Never more than half the open-files limit: the rest is for HTTP, RTP and the database.
        self.max_connections = max(16, min(limits.max_connections, open_files_limit() // 2))
        self.refused = 0
        self.timed_out = 0
        self.port = 0
        self._sweeper: asyncio.Task[None] | None = None

    def admit(self, conn: TcpConnection) -> bool:
        ip = conn.addr[0]
        if len(self.connections) >= self.max_connections or self.per_ip[ip] >= self.max_per_ip:
            self.refused += 1
            return False
        self.connections[conn.addr] = conn
        self.per_ip[ip] += 1
        return True

    def forget(self, conn: TcpConnection) -> None:
        if self.connections.get(conn.addr) is conn:
            del self.connections[conn.addr]
            self.per_ip[conn.addr[0]] -= 1
            if self.per_ip[conn.addr[0]] <= 0:
                del self.per_ip[conn.addr[0]]

    def sweep(self, now: float | None = None) -> int:
        """Close connections idle past `idle_seconds` or stuck in a message past `message_seconds`."""
        now = time.monotonic() if now is None else now
        closed = 0
        for conn in list(self.connections.values()):
            stuck = conn.partial_since is not None and now - conn.partial_since > self.message_seconds
            if stuck or now - conn.last_complete > self.idle_seconds:
                self.timed_out += 1
                closed += 1
                conn.abort("incomplete message timed out" if stuck else "idle", hard=True)
                self.forget(conn)  # the descriptor is released now, not when the loop gets to it
        return closed

    async def _sweep_loop(self) -> None:
        interval = max(0.05, min(self.idle_seconds, self.message_seconds) / 4)
        while True:
            await asyncio.sleep(interval)
            self.sweep()

    def connection(self, peer: str | None = None) -> TcpConnection:
        """A connection's protocol: accepted (``peer`` None) or opened by us to ``peer``."""
        return TcpConnection(self)

    async def start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        self.server = await loop.create_server(self.connection, host, port, reuse_address=True)
        sock = next(iter(self.server.sockets))
        self.port = int(sock.getsockname()[1])
        self._sweeper = asyncio.ensure_future(self._sweep_loop())

    async def send(self, data: bytes, addr: Addr) -> None:
        conn = self.connections.get(addr)
        if conn is None:
            loop = asyncio.get_running_loop()
            _, proto = await loop.create_connection(lambda: self.connection(addr[0]), addr[0], addr[1])
            conn = proto
        conn.send(data)

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
        if self.server is not None:
            self.server.close()
        for conn in list(self.connections.values()):
            if conn.transport is not None:
                conn.transport.close()
        self.connections.clear()
        self.per_ip.clear()


class Transports:
    """Every transport behind one ``send(data, source)``; the WebSocket and TLS listeners
    (``hotline.sip.websocket``, ``hotline.sip.tls``) are added when set up."""

    def __init__(self, on_message: OnMessage, tcp_limits: TcpLimits | None = None) -> None:
        self.udp = UdpTransport(on_message)
        self.tcp = TcpTransport(on_message, tcp_limits)
        self.tcp_limits = tcp_limits
        self.streams: dict[str, TcpTransport] = {"TCP": self.tcp}  # "TLS" too when it listens
        self.dropped = 0  # messages for a WebSocket that has closed
        self._pending: set[asyncio.Task[None]] = set()

    async def start(self, host: str, port: int) -> None:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self.udp, local_addr=(host, port))
        await self.tcp.start(host, port)

    def send(self, data: bytes, dest: Source) -> None:
        if dest.proto in WEBSOCKET:
            # a browser is reachable only over its own socket: gone means unreachable
            if dest.conn is not None and dest.conn.alive():
                dest.conn.send(data)
            else:
                self.dropped += 1
            return
        stream = self.streams.get(dest.proto)
        if stream is not None:
            if dest.conn is not None and dest.conn.alive():
                dest.conn.send(data)
                return
            task = asyncio.ensure_future(self._send_stream(stream, data, dest.addr))
            self._pending.add(task)
            task.add_done_callback(self._pending.discard)
        elif dest.proto == "UDP":
            self.udp.send(data, dest.addr)
        else:
            self.dropped += 1  # e.g. TLS while no TLS listener is configured

    async def _send_stream(self, stream: TcpTransport, data: bytes, addr: Addr) -> None:
        try:
            await stream.send(data, addr)
        except OSError as exc:
            log.warning("SIP/%s send to %s:%s failed: %s", stream.proto, addr[0], addr[1], exc)

    async def stop(self) -> None:
        if self.udp.transport is not None:
            self.udp.transport.close()
        for stream in self.streams.values():
            await stream.stop()
