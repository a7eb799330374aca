"""Browser-phone legs through the WebRTC bridge against plain RTP legs, in the same run.

Every leg is what a call carries between a caller and an agent: two RTP streams (50 packets/s each
way) relayed by the engine's own `RtpSession` pairs in a child process (uvloop, as `hotline serve`).
A plain leg's agent side is a desk phone (a socket of this process); a bridged leg's agent side goes
engine → rtpengine (the bridge, `hotline.sip.webrtc` flags) → DTLS-SRTP with ICE → a second
rtpengine standing in for the browser's WebRTC stack → a socket of this process. Reported per kind:
loss each way, one-way latency caller → agent (send time in the payload, one clock), and CPU per leg
of the engine process, of the bridge, and of the browser stand-in (which runs on agents' PCs in real
life). Needs `rtpengine` (Debian rtpengine-daemon).

    python bench/softphone_legs.py --legs 50 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.media.rtpengine import NgClient
from hotline.sip.webrtc import TO_BROWSER, TO_ENGINE

TICK = os.sysconf("SC_CLK_TCK")
PAYLOAD = 160


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def plain_sdp(port: int) -> bytes:
    return (
        "v=0\r\no=bench 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
        "a=sendrecv\r\n"
    ).encode()


def media_port(sdp: bytes) -> int:
    return int(next(x for x in sdp.decode().splitlines() if x.startswith("m=audio")).split()[1])


def engine_relay(conn: Any, legs: int, base: int) -> None:
    """Child process: the engine's RtpSession pairs, each relaying a caller to an agent side."""
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
            a.on_packet = lambda pkt, b=b: b.relay(pkt)
            b.on_packet = lambda pkt, a=a: a.relay(pkt)
            pairs.append((a, b))
        conn.send([(a.port, b.port) for a, b in pairs])
        peers = await asyncio.get_running_loop().run_in_executor(None, conn.recv)
        for (a, b), (caller, agent) in zip(pairs, peers, strict=True):
            a.expect(("127.0.0.1", caller))
            b.expect(("127.0.0.1", agent))
        conn.send("ready")
        await asyncio.get_running_loop().run_in_executor(None, conn.recv)

    uvloop.run(main())


class End(asyncio.DatagramProtocol):
    """One end of a leg (caller or agent): counts what arrives and the one-way delay."""

    def __init__(self) -> None:
        self.received = 0
        self.delays: list[float] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if len(data) == 12 + PAYLOAD:
            self.received += 1
            (sent,) = struct.unpack_from("!d", data, 12)
            self.delays.append(time.monotonic() - sent)

    @property
    def port(self) -> int:
        assert self.transport is not None
        return int(self.transport.get_extra_info("sockname")[1])


def rtpengine(ng_port: int, low: int, high: int) -> subprocess.Popen[bytes]:
    binary = shutil.which("rtpengine")
    if binary is None:
        raise SystemExit("rtpengine is not installed (apt-get install rtpengine-daemon)")
    cmd = [binary, "--config-file=none", "-f", "-E", "-t", "-1", "-i", "127.0.0.1", "-n",
           f"127.0.0.1:{ng_port}", f"--port-min={low}", f"--port-max={high}", "-L", "3"]  # fmt: skip
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def wait_ping(ng: NgClient) -> None:
    for _ in range(100):
        try:
            if await ng.ping():
                return
        except Exception:
            await asyncio.sleep(0.1)
    raise SystemExit("rtpengine did not start")


async def pump(flows: list[tuple[End, int]], seconds: float, first: int = 0) -> int:
    """Each (end, destination port) sends 50 packets/s carrying its send time; sequence numbers
    go on from `first` (a stream that went back would be dropped as duplicates)."""
    sent, n = 0, first
    began = time.monotonic()
    start = began - first * 0.02  # the packet clock: packet n is due at start + n * 20 ms
    pad = bytes(PAYLOAD - 8)
    while time.monotonic() - began < seconds:
        for i, (end, dest) in enumerate(flows):
            assert end.transport is not None
            hdr = struct.pack("!BBHII", 0x80, 0, n & 0xFFFF, n * 160, 0x5000 + i)
            end.transport.sendto(hdr + struct.pack("!d", time.monotonic()) + pad, ("127.0.0.1", dest))
            sent += 1
        n += 1
        await asyncio.sleep(max(0.0, start + n * 0.02 - time.monotonic()))
    return n - first


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return round(1000 * s[min(len(s) - 1, int(p / 100 * len(s)))], 2)


async def run(legs: int, seconds: float) -> dict[str, Any]:
    base = 36000 + (os.getpid() % 20) * 1000
    bridge_ng, browser_ng = NgClient(f"127.0.0.1:{base + 997}"), NgClient(f"127.0.0.1:{base + 998}")
    procs = [rtpengine(base + 997, base, base + 399), rtpengine(base + 998, base + 400, base + 799)]
    parent, child = multiprocessing.Pipe()
    spawn = multiprocessing.get_context("spawn")
    engine = spawn.Process(target=engine_relay, args=(child, 2 * legs, base + 1200))
    engine.start()
    loop = asyncio.get_running_loop()
    try:
        await wait_ping(bridge_ng)
        await wait_ping(browser_ng)
        ports = await loop.run_in_executor(None, parent.recv)
        ends: dict[str, list[tuple[End, End]]] = {"plain": [], "bridged": []}
        peers, sends = [], []
        for i, (caller_port, agent_port) in enumerate(ports):
            _, caller = await loop.create_datagram_endpoint(End, local_addr=("127.0.0.1", 0))
            _, agent = await loop.create_datagram_endpoint(End, local_addr=("127.0.0.1", 0))
            if i < legs:  # a desk phone
                ends["plain"].append((caller, agent))
                peers.append((caller.port, agent.port))
                sends += [(caller, caller_port), (agent, agent_port)]
                continue
            cid = f"leg{i}"  # the engine's agent leg through the bridge to a stand-in browser
            ids = {"call-id": cid, "from-tag": "e"}
            answering = {**ids, "to-tag": "b"}
            offer = await bridge_ng.request("offer", **ids, sdp=plain_sdp(agent_port), **TO_BROWSER)
            toward = await browser_ng.request("offer", **ids, sdp=offer["sdp"], **TO_ENGINE)
            back = await browser_ng.request("answer", **answering, sdp=plain_sdp(agent.port), **TO_BROWSER)
            plain = await bridge_ng.request("answer", **answering, sdp=back["sdp"], **TO_ENGINE)
            ends["bridged"].append((caller, agent))
            peers.append((caller.port, media_port(plain["sdp"])))
            sends += [(caller, caller_port), (agent, media_port(toward["sdp"]))]
        parent.send(peers)
        await loop.run_in_executor(None, parent.recv)
        settle = await pump(sends, 3.0)  # ICE and DTLS settle; latching
        for kind in ends.values():
            for c, a in kind:
                c.received = a.received = 0
                c.delays.clear()
                a.delays.clear()
        pids = {"engine": engine.pid or 0, "bridge": procs[0].pid, "browser_standin": procs[1].pid}
        cpu0 = {k: cpu_seconds(p) for k, p in pids.items()}
        t0 = time.monotonic()
        packets = await pump(sends, seconds, settle)
        await asyncio.sleep(0.3)
        wall = time.monotonic() - t0
        cpu = {k: 100 * (cpu_seconds(p) - cpu0[k]) / wall for k, p in pids.items()}
        out: dict[str, Any] = {"legs_each": legs, "seconds": seconds, "cpus": os.cpu_count()}
        for kind, pairs in ends.items():
            expected = packets * len(pairs)
            to_agent = sum(a.received for _, a in pairs)
            to_caller = sum(c.received for c, _ in pairs)
            delays = [d for _, a in pairs for d in a.delays]
            out[kind] = {
                "loss_to_agent_pct": round(100 * max(0, expected - to_agent) / expected, 3),
                "loss_to_caller_pct": round(100 * max(0, expected - to_caller) / expected, 3),
                "latency_p50_ms": pct(delays, 50),
                "latency_p99_ms": pct(delays, 99),
            }
        out["cpu_pct"] = {k: round(v, 1) for k, v in cpu.items()}
        out["cpu_pct_per_leg"] = {
            "engine (both kinds)": round(cpu["engine"] / (2 * legs), 3),
            "bridge (bridged legs)": round(cpu["bridge"] / legs, 3),
            "browser stand-in": round(cpu["browser_standin"] / legs, 3),
        }
        added = out["bridged"]["latency_p50_ms"] - out["plain"]["latency_p50_ms"]
        out["added_latency_p50_ms"] = round(added, 2)
        return out
    finally:
        parent.send("stop")
        engine.join(5)
        for p in procs:
            p.terminate()
            p.wait()
        bridge_ng.close()
        browser_ng.close()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--legs", type=int, default=50, help="bridged legs, and as many plain ones")
    p.add_argument("--seconds", type=float, default=20)
    a = p.parse_args()
    print(json.dumps(asyncio.run(run(a.legs, a.seconds)), indent=1))


if __name__ == "__main__":
    main()
