"""A standby node's answer on the SIP port: alive, not leading.

While another node holds the lease, this node's engine does not run; the SIP edge (Kamailio's
dispatcher) still probes it with OPTIONS. Answering them 200 keeps the node in the edge's active
set, so the moment it takes over it gets calls (no wait for a probe to find it up again), and any
other request is answered 503 with Retry-After, which the edge takes as "try the next node".
The leader's engine takes the port over: `close()` first.
"""

from __future__ import annotations

import asyncio
import logging
from typing import cast

log = logging.getLogger(__name__)
COPIED = ("via", "v", "from", "f", "to", "t", "call-id", "i", "cseq")


def answer(data: bytes) -> bytes | None:
    """The response to one SIP request (None for responses, ACKs and what is not SIP)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    head = text.split("\r\n\r\n", 1)[0].split("\r\n")
    first = head[0].split(" ")
    if len(first) != 3 or first[2] != "SIP/2.0" or first[0] == "ACK":
        return None
    status = "200 OK" if first[0] == "OPTIONS" else "503 Service Unavailable"
    lines = [f"SIP/2.0 {status}"]
    for line in head[1:]:
        name, _, value = line.partition(":")
        key = name.strip().lower()
        if key in COPIED:
            if key in ("to", "t") and ";tag=" not in value:
                line = f"{line};tag=standby"
            lines.append(line)
    if status.startswith("503"):
        lines.append("Retry-After: 1")
    lines += ["Server: hotline standby", "Content-Length: 0", "", ""]
    return "\r\n".join(lines).encode()


class _Protocol(asyncio.DatagramProtocol):
    def __init__(self) -> None:
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.DatagramTransport, transport)  # uvloop's is no subclass

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        reply = answer(data)
        if reply is not None and self.transport is not None:
            self.transport.sendto(reply, addr)


class StandbySip:
    """The standby's UDP answerer on the engine's address."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self._transport: asyncio.DatagramTransport | None = None

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            transport, _ = await loop.create_datagram_endpoint(_Protocol, local_addr=(self.host, self.port))
        except OSError as exc:
            log.warning("standby: SIP port %s:%d not answered (%s)", self.host, self.port, exc)
            return
        self._transport = transport

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()
            self._transport = None
