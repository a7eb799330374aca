"""RTP/RTCP sessions (RFC 3550) on asyncio datagram endpoints, one per call leg.

A session owns an even RTP port and the RTCP port above it, both allocated from the configured range.
Incoming packets are parsed, duplicates and very late packets (sequence numbers tracked with 16-bit
wraparound) are dropped, loss and RFC 3550 interarrival jitter are counted, and the rest go to one
``on_packet`` callback (relay, recorder, DTMF detector). Outgoing media keeps one SSRC and continuous
sequence/timestamp numbering even when its source switches between a prompt, music on hold and the
relayed peer: relayed packets keep their original sequence and timestamp *gaps* (so the far end's
jitter buffer can still reorder and conceal loss) shifted by an offset chosen at each source change.
Sources are strict: media is accepted only from the address signalled in SDP, or - to get through NAT
- from another port of a signalled IP (the SDP host or the phone's SIP source) during a short window
after the offer/answer or the answer (symmetric latching: from then on we also send there). Once
latched, packets from anyone else are dropped and counted (``rx_foreign``), so a spoofed packet can
neither take the call's audio nor inject into it. Sequence tracking is per SSRC, so a new stream from
the legitimate source (re-INVITE, a phone switching its audio source) is accepted at once. With
``srtp`` set (SDES, ``hotline.media.srtp``) packets are decrypted and authenticated on the way in,
before anything else looks at them, and encrypted on the way out (RTCP reports too).
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

from hotline.media.srtp import SrtpContext

log = logging.getLogger(__name__)

Addr = tuple[str, int]
_HDR = struct.Struct("!BBHII")
# How long after an offer/answer (or the answer) a NAT-rewritten source port of a signalled IP may be
# learnt. Phones start sending at once; later the window would only help an attacker.
LATCH_WINDOW = 10.0
_MAX_STREAMS = 4  # SSRCs tracked at once (audio plus a separately-numbered DTMF/comfort-noise stream)


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


class _SeqState:
    """Sequence tracking of one SSRC: duplicates and very late packets are refused, loss counted."""

    __slots__ = ("max_seq", "seen")

    def __init__(self, seq: int) -> None:
        self.max_seq = seq
        self.seen = {seq}

    def accept(self, seq: int) -> int:
        """-1 to drop the packet, else the number of packets lost before it."""
        delta = (seq - self.max_seq) & 0xFFFF
        if delta == 0 or seq in self.seen:
            return -1  # duplicate
        lost = 0
        if delta < 0x8000:
            if 1 < delta < 3000:
                lost = delta - 1
            self.max_seq = seq
        elif (self.max_seq - seq) & 0xFFFF > 100:
            # Far behind: either very late (drop) or the peer restarted its sequence.
            if (self.max_seq - seq) & 0xFFFF < 3000:
                return -1
            self.max_seq = seq
            self.seen.clear()
        self.seen.add(seq)
        if len(self.seen) > 128:
            self.seen = {s for s in self.seen if (self.max_seq - s) & 0xFFFF < 64}
        return lost


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
        self.remote: Addr | None = None  # where we send: the signalled address, then the latched one
        self.expected: Addr | None = None  # the address signalled in the peer's SDP
        self.latched = False
        self.on_packet: Callable[[RtpPacket], None] | None = None
        self.srtp: SrtpContext | None = None  # SRTP (SDES) keys when the peer asked for RTP/SAVP
        self.transport: asyncio.DatagramTransport | None = None
        self.rtcp: asyncio.DatagramTransport | None = None
        # Shared counters (the engine's stats) that also see this session's foreign packets.
        self.counters: dict[str, int] | None = None
        # receive state
        self.rx_packets = 0
        self.rx_dropped = 0
        self.rx_foreign = 0  # packets from a source other than the peer's: spoofing or strays
        self.ssrc_changes = 0
        self.lost = 0
        self.jitter = 0.0
        self.last_rx = 0.0
        self.rtcp_received = 0
        self._trusted_ips: frozenset[str] = frozenset()
        self._latch_until = 0.0
        self._streams: dict[int, _SeqState] = {}
        self._rx_ssrc: int | None = None
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
        src = (str(addr[0]), int(addr[1]))
        if (not self.latched or src != self.remote) and not self._may_latch(src):
            if self.expected is None:
                self.rx_dropped += 1  # before the peer's SDP (media racing the 200 OK): not foreign
            else:
                self._foreign()
            return
        if self.srtp is not None:
            # before latching: only a packet carrying the peer's key may pin the media source
            plain = self.srtp.unprotect(data)
            if plain is None:
                self.rx_dropped += 1
                return
            data = plain
        pkt = parse_rtp(data)
        if pkt is None:
            self.rx_dropped += 1
            return
        now = time.monotonic()
        if not self.latched:
            self.remote = src
            self.latched = True
        # Any packet from the peer proves the media path is alive, even one dropped as a duplicate.
        self.last_rx = now
        if not self._accept(pkt.ssrc, pkt.seq):
            self.rx_dropped += 1
            return
        self.rx_packets += 1
        if pkt.pt < 96:
            # RFC 3550 A.8 interarrival jitter in timestamp units (8 kHz for G.711).
            transit = now * 8000 - pkt.ts
            if self._transit is not None:
                d = abs(transit - self._transit)
                self.jitter += (d - self.jitter) / 16
            self._transit = transit
        if self.on_packet is not None:
            self.on_packet(pkt)

    def _may_latch(self, src: Addr) -> bool:
        if self.latched or self.expected is None:
            return False
        if src == self.expected:
            return True
        return src[0] in self._trusted_ips and time.monotonic() < self._latch_until

    def _foreign(self) -> None:
        self.rx_foreign += 1
        if self.counters is not None:
            self.counters["rtp_foreign_dropped"] = self.counters.get("rtp_foreign_dropped", 0) + 1

    def _accept(self, ssrc: int, seq: int) -> bool:
        if ssrc != self._rx_ssrc:
            # A new (or interleaved) stream: its numbering has nothing to do with the previous one's.
            self._transit = None
            if self._rx_ssrc is not None and ssrc not in self._streams:
                self.ssrc_changes += 1
            self._rx_ssrc = ssrc
        state = self._streams.get(ssrc)
        if state is None:
            if len(self._streams) >= _MAX_STREAMS:
                del self._streams[next(iter(self._streams))]
            self._streams[ssrc] = _SeqState(seq)
            return True
        lost = state.accept(seq)
        if lost < 0:
            return False
        self.lost += lost
        return True

    def expect(self, addr: Addr | None, nat_ip: str = "") -> None:
        """The peer's media address from SDP: send there, and accept media only from there (or,
        for a short while, another port of its IP or of ``nat_ip``, its SIP source: NAT latching)."""
        self.remote = addr
        self.expected = addr
        self.latched = False
        ips = {ip for ip in ((addr[0] if addr else ""), nat_ip) if ip}
        if any(ip.startswith("127.") for ip in ips):
            # A peer on this very host that binds the wildcard address sends from the loopback's
            # primary address whatever it signalled (the kernel picks the source).
            ips.add("127.0.0.1")
        self._trusted_ips = frozenset(ips)
        self.open_latch_window()

    def open_latch_window(self) -> None:
        """(Re)start the NAT latching window, e.g. at the answer, when the peer starts sending."""
        if not self.latched:
            self._latch_until = time.monotonic() + LATCH_WINDOW

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
        packet = _HDR.pack(0x80, (0x80 if marker else 0) | pt, seq, ts, self.ssrc) + payload
        if self.srtp is not None:
            secured = self.srtp.protect(packet)
            if secured is None:
                return  # a sequence number already sent (a late relayed packet): never twice
            packet = secured
        self.transport.sendto(packet, self.remote)
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
        if self.srtp is not None:
            secured = self.srtp.protect_rtcp(sr)
            if secured is None:
                return
            sr = secured
        self.rtcp.sendto(sr, (self.remote[0], self.remote[1] + 1))

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()
            self.transport = None
        if self.rtcp is not None:
            self.rtcp.close()
            self.rtcp = None
        self.on_packet = None
