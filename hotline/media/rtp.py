"""RTP/RTCP sessions (RFC 3550) on asyncio datagram endpoints, one per call leg.

A session owns an even RTP port and the RTCP port above it, both allocated from the configured range.
Incoming packets are parsed, duplicates and very late packets (sequence numbers tracked with 16-bit
wraparound) are dropped, loss and RFC 3550 interarrival jitter are counted, and the rest go to one
``on_packet`` callback (relay, recorder, DTMF detector). Outgoing media keeps one SSRC and continuous
sequence/timestamp numbering even when its source switches between a prompt, music on hold and the
relayed peer: relayed packets keep their original sequence and timestamp *gaps* (so the far end's
jitter buffer can still reorder and conceal loss) shifted by an offset chosen at each source change.
Symmetric RTP: we send to where the peer's packets come from once we have seen one (NAT latching).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import cast

log = logging.getLogger(__name__)

Addr = tuple[str, int]
_HDR = struct.Struct("!BBHII")


@dataclass
class RtpPacket:
    pt: int
    seq: int
    ts: int
    ssrc: int
    marker: bool
    payload: bytes


def parse_rtp(data: bytes) -> RtpPacket | None:
    if len(data) < 12:
        return None
    b0, b1, seq, ts, ssrc = _HDR.unpack_from(data)
    if b0 >> 6 != 2:
        return None
    offset = 12 + 4 * (b0 & 0x0F)
    if b0 & 0x10:  # header extension
        if len(data) < offset + 4:
            return None
        offset += 4 + 4 * struct.unpack_from("!H", data, offset + 2)[0]
    end = len(data)
    if b0 & 0x20:  # padding
        end -= data[-1]
    if offset > end:
        return None
    return RtpPacket(b1 & 0x7F, seq, ts, ssrc, bool(b1 & 0x80), data[offset:end])


class PortAllocator:
    """Even RTP ports from a range; the odd port above each is its RTCP."""

    def __init__(self, low: int, high: int) -> None:
        low += low % 2
        self.free = list(range(low, high - 1, 2))
        self.used: set[int] = set()
        self._next = 0

    def take(self) -> int:
        for _ in range(len(self.free)):
            port = self.free[self._next % len(self.free)]
            self._next += 1
            if port not in self.used:
                self.used.add(port)
                return port
        raise OSError("no free RTP ports")

    def release(self, port: int) -> None:
        self.used.discard(port)


class _Rtcp(asyncio.DatagramProtocol):
    def __init__(self, session: RtpSession) -> None:
        self.session = session

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        self.session.rtcp_received += 1


class RtpSession(asyncio.DatagramProtocol):
    def __init__(self, host: str, port: int) -> None:
        self.host = host
        self.port = port
        self.remote: Addr | None = None
        self.latched = False
        self.on_packet: Callable[[RtpPacket], None] | None = None
        self.transport: asyncio.DatagramTransport | None = None
        self.rtcp: asyncio.DatagramTransport | None = None
        # receive state
        self.rx_packets = 0
        self.rx_dropped = 0
        self.lost = 0
        self.jitter = 0.0
        self.last_rx = 0.0
        self.rtcp_received = 0
        self._max_seq = -1
        self._seen: set[int] = set()
        self._transit: float | None = None
        # send state
        self.ssrc = struct.unpack("!I", os.urandom(4))[0]
        self.seq = struct.unpack("!H", os.urandom(2))[0]
        self.ts = struct.unpack("!I", os.urandom(4))[0]
        self.tx_packets = 0
        self.tx_bytes = 0
        self._src_key: object = None
        self._seq_off = 0
        self._ts_off = 0

    async def open(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.create_datagram_endpoint(lambda: self, local_addr=(self.host, self.port))
        try:
            self.rtcp, _ = await loop.create_datagram_endpoint(
                lambda: _Rtcp(self), local_addr=(self.host, self.port + 1)
            )
        except OSError:
            self.rtcp = None  # RTCP is optional; RTP must still work

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # selector datagram transports are not DatagramTransport subclasses on CPython 3.11
        self.transport = cast(asyncio.DatagramTransport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 18)

    def datagram_received(self, data: bytes, addr: tuple[str | int, ...]) -> None:
        pkt = parse_rtp(data)
        if pkt is None:
            self.rx_dropped += 1
            return
        now = time.monotonic()
        if not self.latched:
            self.remote = (str(addr[0]), int(addr[1]))
            self.latched = True
        if not self._accept(pkt.seq):
            self.rx_dropped += 1
            return
        self.rx_packets += 1
        self.last_rx = now
        if pkt.pt < 96:
            # RFC 3550 A.8 interarrival jitter in timestamp units (8 kHz for G.711).
            transit = now * 8000 - pkt.ts
            if self._transit is not None:
                d = abs(transit - self._transit)
                self.jitter += (d - self.jitter) / 16
            self._transit = transit
        if self.on_packet is not None:
            self.on_packet(pkt)

    def _accept(self, seq: int) -> bool:
        if self._max_seq < 0:
            self._max_seq = seq
            self._seen = {seq}
            return True
        delta = (seq - self._max_seq) & 0xFFFF
        if delta == 0 or seq in self._seen:
            return False  # duplicate
        if delta < 0x8000:
            if delta > 1 and delta < 3000:
                self.lost += delta - 1
            self._max_seq = seq
        elif (self._max_seq - seq) & 0xFFFF > 100:
            # Far behind: either very late (drop) or the peer restarted its sequence.
            if (self._max_seq - seq) & 0xFFFF < 3000:
                return False
            self._max_seq = seq
            self._seen.clear()
        self._seen.add(seq)
        if len(self._seen) > 128:
            self._seen = {s for s in self._seen if (self._max_seq - s) & 0xFFFF < 64}
        return True

    def reset_remote(self, addr: Addr | None) -> None:
        self.remote = addr
        self.latched = False

    def send(self, payload: bytes, pt: int, *, marker: bool = False, samples: int | None = None) -> None:
        """Send locally generated media (prompt, MOH, mixer output) continuing our numbering."""
        if self._src_key is not None:
            self._src_key = None
            marker = True
        self.seq = (self.seq + 1) & 0xFFFF
        self._write(pt, marker, self.seq, self.ts, payload)
        self.ts = (self.ts + (samples if samples is not None else len(payload))) & 0xFFFFFFFF

    def send_event(self, payload: bytes, pt: int, ts: int, marker: bool) -> None:
        self.seq = (self.seq + 1) & 0xFFFF
        self._write(pt, marker, self.seq, ts, payload)

    def relay(self, pkt: RtpPacket, payload: bytes | None = None, pt: int | None = None) -> None:
        """Forward a peer's packet keeping its sequence/timestamp gaps, re-based onto our stream."""
        key = pkt.ssrc
        if key != self._src_key:
            self._src_key = key
            self._seq_off = (self.seq + 1 - pkt.seq) & 0xFFFF
            self._ts_off = (self.ts - pkt.ts) & 0xFFFFFFFF
        seq = (pkt.seq + self._seq_off) & 0xFFFF
        ts = (pkt.ts + self._ts_off) & 0xFFFFFFFF
        data = pkt.payload if payload is None else payload
        self._write(pkt.pt if pt is None else pt, pkt.marker, seq, ts, data)
        if ((seq - self.seq) & 0xFFFF) < 0x8000:
            self.seq = seq
            self.ts = (ts + len(data)) & 0xFFFFFFFF if pkt.pt < 96 else ts

    def _write(self, pt: int, marker: bool, seq: int, ts: int, payload: bytes) -> None:
        if self.transport is None or self.remote is None or self.remote[1] == 0:
            return
        header = _HDR.pack(0x80, (0x80 if marker else 0) | pt, seq, ts, self.ssrc)
        self.transport.sendto(header + payload, self.remote)
        self.tx_packets += 1
        self.tx_bytes += len(payload)

    def send_rtcp_report(self) -> None:
        """A minimal sender report so peers and monitors see the stream is alive."""
        if self.rtcp is None or self.remote is None or self.remote[1] == 0:
            return
        now = time.time()
        ntp_sec = int(now) + 2208988800
        ntp_frac = int((now % 1) * (1 << 32))
        sr = struct.pack(
            "!BBHIIIIII", 0x80, 200, 6, self.ssrc, ntp_sec, ntp_frac, self.ts, self.tx_packets, self.tx_bytes
        )
        self.rtcp.sendto(sr, (self.remote[0], self.remote[1] + 1))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None
        if self.rtcp is not None:
            self.rtcp.close()
            self.rtcp = None
        self.on_packet = None
