"""SRTP (SDES) legs against plain RTP legs: the engine's CPU per leg and the loss, run after run.

Every leg is what a call carries between a caller and a remote desk phone: two RTP streams (50
packets/s each way) relayed by the engine's own `RtpSession` pairs in a child process (uvloop, as
`hotline serve`). In the plain run both sides are plain RTP; in the SRTP run the phone's side is
SRTP (AES_CM_128_HMAC_SHA1_80, keys as SDES would set them: `hotline.media.srtp`), so the engine
decrypts and authenticates every packet from the phone and encrypts every packet to it. The phones
and callers are sockets of this process (the phones doing their own SRTP with pylibsrtp). Reported
per run: loss each way, one-way latency caller -> phone (send time in the payload), and the engine
process's CPU per leg.

    python bench/srtp_legs.py --legs 100 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.media.srtp import Crypto, SrtpContext, new_crypto

TICK = os.sysconf("SC_CLK_TCK")
PAYLOAD = 160
ENGINE_KEY, PHONE_KEY = new_crypto(1), new_crypto(1)


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def engine_relay(conn: Any, legs: int, base: int, keys: tuple[Crypto, Crypto] | None) -> None:
    """Child process: the engine's RtpSession pairs, caller side plain, phone side SRTP or not."""
    import uvloop

    from hotline.media.rtp import RtpSession

    async def main() -> None:
        pairs = []
        port = base
        for _ in range(legs):
            a, b = RtpSession("127.0.0.1", port), RtpSession("127.0.0.1", port + 2)
            port += 4
            await a.open()
            await b.open()
            if keys is not None:
                b.srtp = SrtpContext(*keys)
            a.on_packet = lambda pkt, b=b: b.relay(pkt)
            b.on_packet = lambda pkt, a=a: a.relay(pkt)
            pairs.append((a, b))
        conn.send([(a.port, b.port) for a, b in pairs])
        peers = await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        for (a, b), (caller, phone) in zip(pairs, peers, strict=True):
            a.expect(("127.0.0.1", caller))
            b.expect(("127.0.0.1", phone))
        conn.send("ready")
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)

    uvloop.run(main())


class End(asyncio.DatagramProtocol):
    """A caller (plain) or a phone (SRTP when ``srtp``): counts what arrives and the one-way delay."""

    def __init__(self, srtp: SrtpContext | None = None) -> None:
        self.srtp = srtp
        self.received = 0
        self.delays: list[float] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if self.srtp is not None:
            plain = self.srtp.unprotect(data)
            if plain is None:
                return
            data = plain
        if len(data) == 12 + PAYLOAD:
            self.received += 1
            (sent,) = struct.unpack_from("!d", data, 12)
            self.delays.append(time.monotonic() - sent)

    def wrap(self, packet: bytes) -> bytes | None:
        return packet if self.srtp is None else self.srtp.protect(packet)

    @property
    def port(self) -> int:
        assert self.transport is not None
        return int(self.transport.get_extra_info("sockname")[1])


async def pump(flows: list[tuple[End, int]], seconds: float, first: int = 0) -> int:
    """Each (end, destination port) sends 50 packets/s carrying its send time."""
    n = first
    began = time.monotonic()
    start = began - first * 0.02
    pad = bytes(PAYLOAD - 8)
    wraps: list[Callable[[bytes], bytes | None]] = [end.wrap for end, _ in flows]
    while time.monotonic() - began < seconds:
        for i, (end, dest) in enumerate(flows):
            assert end.transport is not None
            hdr = struct.pack("!BBHII", 0x80, 0, n & 0xFFFF, n * 160, 0x5000 + i)
            packet = wraps[i](hdr + struct.pack("!d", time.monotonic()) + pad)
            if packet is not None:
                end.transport.sendto(packet, ("127.0.0.1", dest))
        n += 1
        await asyncio.sleep(max(0.0, start + n * 0.02 - time.monotonic()))
    return n - first


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return round(1000 * s[min(len(s) - 1, int(p / 100 * len(s)))], 2)


async def run_kind(legs: int, seconds: float, srtp: bool) -> dict[str, Any]:
    base = 40000 + (os.getpid() % 10) * 1000
    parent, child = multiprocessing.Pipe()
    keys = (ENGINE_KEY, PHONE_KEY) if srtp else None  # a spawned child would draw other keys
    engine = multiprocessing.get_context("spawn").Process(target=engine_relay, args=(child, legs, base, keys))
    engine.start()
    loop = asyncio.get_running_loop()
    try:
        ports = await loop.run_in_executor(None, parent.recv)
        pairs: list[tuple[End, End]] = []
        peers, sends = [], []
        for caller_port, phone_port in ports:
            _, caller = await loop.create_datagram_endpoint(End, local_addr=("127.0.0.1", 0))
            phone_srtp = SrtpContext(PHONE_KEY, ENGINE_KEY) if srtp else None
            _, phone = await loop.create_datagram_endpoint(
                lambda s=phone_srtp: End(s), local_addr=("127.0.0.1", 0)
            )
            pairs.append((caller, phone))
            peers.append((caller.port, phone.port))
            sends += [(caller, caller_port), (phone, phone_port)]
        parent.send(peers)
        await loop.run_in_executor(None, parent.recv)
        settle = await pump(sends, 2.0)
        for c, a in pairs:
            c.received = a.received = 0
            c.delays.clear()
            a.delays.clear()
        cpu0 = cpu_seconds(engine.pid or 0)
        t0 = time.monotonic()
        packets = await pump(sends, seconds, settle)
        await asyncio.sleep(0.3)
        wall = time.monotonic() - t0
        cpu = 100 * (cpu_seconds(engine.pid or 0) - cpu0) / wall
        expected = packets * len(pairs)
        to_phone = sum(a.received for _, a in pairs)
        to_caller = sum(c.received for c, _ in pairs)
        delays = [d for _, a in pairs for d in a.delays]
        return {
            "loss_to_phone_pct": round(100 * max(0, expected - to_phone) / expected, 3),
            "loss_to_caller_pct": round(100 * max(0, expected - to_caller) / expected, 3),
            "latency_p50_ms": pct(delays, 50),
            "latency_p99_ms": pct(delays, 99),
            "engine_cpu_pct": round(cpu, 1),
            "engine_cpu_pct_per_leg": round(cpu / legs, 3),
        }
    finally:
        parent.send("stop")
        engine.join(5)


async def run(legs: int, seconds: float) -> dict[str, Any]:
    out: dict[str, Any] = {"legs": legs, "seconds": seconds, "cpus": os.cpu_count()}
    out["plain"] = await run_kind(legs, seconds, srtp=False)
    out["srtp"] = await run_kind(legs, seconds, srtp=True)
    out["srtp_extra_cpu_pct_per_leg"] = round(
        out["srtp"]["engine_cpu_pct_per_leg"] - out["plain"]["engine_cpu_pct_per_leg"], 3
    )
    return out


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--legs", type=int, default=100)
    p.add_argument("--seconds", type=float, default=20)
    a = p.parse_args()
    import uvloop  # the callers and phones must not be the bottleneck either

    print(json.dumps(uvloop.run(run(a.legs, a.seconds)), indent=1))


if __name__ == "__main__":
    main()
