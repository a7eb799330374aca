"""Browser-phone legs through the WebRTC bridge, PCMU and Opus, against plain RTP legs, in one run.

Every leg is what a call carries between a caller and an agent: two RTP streams (50 packets/s of
PCMU each way) relayed by the engine's own `RtpSession` pairs in a child process (uvloop, as
`hotline serve`). A plain leg's agent side is a desk phone (a socket of this process); a bridged
leg's agent side goes engine → rtpengine (the bridge, `hotline.sip.webrtc` flags) → DTLS-SRTP with
ICE → a second rtpengine standing in for the browser's WebRTC stack → a socket of this process.
Bridged legs come in two kinds, each with its own bridge and stand-in process so that their CPU is
read apart: the browser answering PCMU (passed through), and the browser picking the Opus offered
first (`sip.webrtc_opus`; the bridge transcodes G.711 ↔ Opus, the stand-in Opus ↔ its socket's
PCMU, as a browser decodes to its speaker). Reported per kind: loss each way, one-way latency each
way, and CPU per leg of the engine process, of each bridge, and of each stand-in (which runs on
agents' PCs in real life), with the bytes per packet on the WebRTC side.

Latency is measured the same way for every kind (a transcoded payload cannot carry a send time):
each stream is silence with a 200 ms burst of 1 kHz every second, and a burst's latency is from the
send time of its first packet to the arrival of the first packet loud with it, one clock. Needs
`rtpengine` (Debian rtpengine-daemon).

    python bench/softphone_legs.py --legs 30 --seconds 20
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

import numpy as np

from hotline.media.g711 import ulaw_encode
from hotline.media.rtpengine import NgClient
from hotline.sip.webrtc import TO_BROWSER, TO_ENGINE, opus_to_browser
from tests.sip.browser_standin import STANDIN_OPUS, dtmf_pt, picks_opus

TICK = os.sysconf("SC_CLK_TCK")
PAYLOAD = 160
KINDS = ("plain", "bridged_pcmu", "bridged_opus")
SILENCE = b"\xff" * PAYLOAD  # μ-law zero
TONE = ulaw_encode((np.sin(2 * np.pi * 1000 * np.arange(PAYLOAD) / 8000) * 9000).astype(np.int16))
BURST_EVERY, BURST_LEN = 50, 10  # packets: 200 ms of tone each second


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def plain_sdp(port: int, dtmf: int = 101) -> bytes:
    return (
        "v=0\r\no=bench 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 0 {dtmf}\r\na=rtpmap:0 PCMU/8000\r\n"
        f"a=rtpmap:{dtmf} telephone-event/8000\r\na=sendrecv\r\n"
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


def loud(payload: bytes) -> bool:
    """Tone rather than silence: a few of 23 samples (stride 7, coprime with the tone's period of
    8) with a μ-law magnitude above ~1000 (a transcoder's silence stays far below)."""
    return sum(1 for b in payload[12::7] if (b & 0x7F) < 0x40) >= 3


class End(asyncio.DatagramProtocol):
    """One end of a leg (caller or agent): counts what arrives, notes when each burst arrives, and
    when each burst it sends leaves."""

    def __init__(self) -> None:
        self.received = 0
        self.first_seq: int | None = None  # extended (wraps counted) sequence numbers heard
        self.last_seq = 0
        self.onsets: list[float] = []
        self.bursts_sent: list[float] = []
        self.was_loud = False
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if len(data) < 12 + PAYLOAD or data[1] & 0x7F != 0:
            return
        self.received += 1
        (seq,) = struct.unpack_from("!H", data, 2)
        if self.first_seq is None:
            self.first_seq = self.last_seq = seq
        else:
            ext = self.last_seq + ((seq - self.last_seq) & 0xFFFF)
            if ext - self.last_seq < 0x8000:  # not an old packet arriving late
                self.last_seq = ext
        now_loud = loud(data)
        if now_loud and not self.was_loud:
            self.onsets.append(time.monotonic())
        self.was_loud = now_loud

    @property
    def missing(self) -> int:
        """Packets of the stream this end hears that never came, between the first and the last it
        heard: a bridge's transcoder numbers its own packets, and holds one or two in its pipeline
        when a stream starts or stops, so counting against what was sent would blame it for those."""
        if self.first_seq is None:
            return 0
        return max(0, self.last_seq - self.first_seq + 1 - self.received)

    def reset(self) -> None:
        self.received = 0
        self.first_seq = None
        self.onsets.clear()
        self.bursts_sent.clear()

    @property
    def port(self) -> int:
        assert self.transport is not None
        return int(self.transport.get_extra_info("sockname")[1])


def latencies(sender: End, receiver: End) -> list[float]:
    """Each burst the receiver heard start, matched to the last burst the sender sent before it."""
    out = []
    for heard in receiver.onsets:
        sent = [t for t in sender.bursts_sent if t <= heard]
        if sent and heard - sent[-1] < 0.5:
            out.append(heard - sent[-1])
    return out


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


async def pump(flows: list[tuple[End, int]], seconds: float, mark: float, on_mark: Any) -> int:
    """Each (end, destination port) sends 50 packets/s, silence with a burst of tone each second,
    for `seconds`; `on_mark()` is called once `mark` seconds in (the measurement starts there, with
    no pause in the streams). Returns the packets each flow sent after the mark."""
    n, marked = 0, -1
    start = time.monotonic()  # the packet clock: packet n is due at start + n * 20 ms
    while time.monotonic() - start < seconds:
        if marked < 0 and n * 0.02 >= mark:
            on_mark()
            marked = n
        payload = TONE if n % BURST_EVERY < BURST_LEN else SILENCE
        for i, (end, dest) in enumerate(flows):
            assert end.transport is not None
            if n % BURST_EVERY == 0:
                end.bursts_sent.append(time.monotonic())
            hdr = struct.pack("!BBHII", 0x80, 0, n & 0xFFFF, n * 160, 0x5000 + i)
            end.transport.sendto(hdr + payload, ("127.0.0.1", dest))
        n += 1
        await asyncio.sleep(max(0.0, start + n * 0.02 - time.monotonic()))
    return n - marked


def pct(xs: list[float], p: float) -> float:
    if not xs:
        return float("nan")
    s = sorted(xs)
    return round(1000 * s[min(len(s) - 1, int(p / 100 * len(s)))], 2)


async def bridge_leg(
    bridge: NgClient, standin: NgClient, cid: str, agent_port: int, agent: End, opus: bool
) -> tuple[int, int]:
    """Engine's agent side → bridge → stand-in → agent socket; the ports the engine and the agent
    socket send to."""
    ids = {"call-id": cid, "from-tag": "e"}
    answering = {**ids, "to-tag": "b"}
    engine_sdp = plain_sdp(agent_port)
    to_browser = {**TO_BROWSER, **opus_to_browser(engine_sdp)} if opus else TO_BROWSER
    offer = await bridge.request("offer", **ids, sdp=engine_sdp, **to_browser)
    seen = picks_opus(offer["sdp"]) if opus else offer["sdp"]
    toward = await standin.request("offer", **ids, sdp=seen, **TO_ENGINE, **(STANDIN_OPUS if opus else {}))
    mine = plain_sdp(agent.port, dtmf_pt(toward["sdp"]))
    back = await standin.request("answer", **answering, sdp=mine, **TO_BROWSER)
    plain = await bridge.request("answer", **answering, sdp=back["sdp"], **TO_ENGINE)
    return media_port(plain["sdp"]), media_port(toward["sdp"])


async def received_bytes(ng: NgClient, cids: list[str], tag: str) -> int:
    """Bytes an rtpengine has received from the party `tag` on these calls (its `query` stats): on
    the stand-in, tag "e" is what the bridge sent toward the browser (SRTP, headers included)."""
    total = 0
    for cid in cids:
        answer = await ng.request("query", **{"call-id": cid})
        for media in answer.get("tags", {}).get(tag, {}).get("medias", []):
            total += sum(int(st.get("stats", {}).get("bytes", 0)) for st in media.get("streams", []))
    return total


async def run(legs: int, seconds: float) -> dict[str, Any]:
    base = 36000 + (os.getpid() % 10) * 2000
    names = ("bridge_pcmu", "standin_pcmu", "bridge_opus", "standin_opus")
    ngs = {n: NgClient(f"127.0.0.1:{base + 1990 + i}") for i, n in enumerate(names)}
    procs = {n: rtpengine(base + 1990 + i, base + i * 400, base + i * 400 + 399) for i, n in enumerate(names)}
    parent, child = multiprocessing.Pipe()
    spawn = multiprocessing.get_context("spawn")
    engine = spawn.Process(target=engine_relay, args=(child, len(KINDS) * legs, base + 1600))
    engine.start()
    loop = asyncio.get_running_loop()
    try:
        for ng in ngs.values():
            await wait_ping(ng)
        ports = await loop.run_in_executor(None, parent.recv)
        ends: dict[str, list[tuple[End, End]]] = {k: [] for k in KINDS}
        cids: dict[str, list[str]] = {k: [] for k in KINDS}
        peers, sends = [], []
        for i, (caller_port, agent_port) in enumerate(ports):
            kind = KINDS[i // legs]
            _, caller = await loop.create_datagram_endpoint(End, local_addr=("127.0.0.1", 0))
            _, agent = await loop.create_datagram_endpoint(End, local_addr=("127.0.0.1", 0))
            ends[kind].append((caller, agent))
            sends.append((caller, caller_port))
            if kind == "plain":  # a desk phone
                peers.append((caller.port, agent.port))
                sends.append((agent, agent_port))
                continue
            opus = kind == "bridged_opus"
            suffix = "opus" if opus else "pcmu"
            cid = f"leg{i}"
            engine_to, agent_to = await bridge_leg(
                ngs[f"bridge_{suffix}"], ngs[f"standin_{suffix}"], cid, agent_port, agent, opus
            )
            cids[kind].append(cid)
            peers.append((caller.port, engine_to))
            sends.append((agent, agent_to))
        parent.send(peers)
        await loop.run_in_executor(None, parent.recv)
        pids = {"engine": engine.pid or 0, **{n: p.pid for n, p in procs.items()}}
        standins = ("standin_pcmu", "standin_opus")
        cpu0: dict[str, float] = {}
        t0 = 0.0

        def start_measuring() -> None:  # ICE, DTLS, latching and transcoders have settled
            nonlocal t0
            for pairs in ends.values():
                for c, a in pairs:
                    c.reset()
                    a.reset()
            cpu0.update({k: cpu_seconds(p) for k, p in pids.items()})
            t0 = time.monotonic()

        settle = 3.0
        began = time.monotonic()
        packets = await pump(sends, settle + seconds, settle, start_measuring)
        wall, streamed = time.monotonic() - t0, time.monotonic() - began
        cpu = {k: 100 * (cpu_seconds(p) - cpu0[k]) / wall for k, p in pids.items()}
        sent_bytes = {n: await received_bytes(ngs[n], cids[f"bridged_{n[-4:]}"], "e") for n in standins}
        await asyncio.sleep(0.5)  # the last bursts arrive
        out: dict[str, Any] = {"legs_each_kind": legs, "seconds": seconds, "cpus": os.cpu_count()}
        for kind, pairs in ends.items():
            expected = packets * len(pairs)
            to_agent = expected - sum(a.missing for _, a in pairs)
            to_caller = expected - sum(c.missing for c, _ in pairs)
            down = [d for c, a in pairs for d in latencies(c, a)]
            up = [d for c, a in pairs for d in latencies(a, c)]
            out[kind] = {
                "loss_to_agent_pct": round(100 * max(0, expected - to_agent) / expected, 3),
                "loss_to_caller_pct": round(100 * max(0, expected - to_caller) / expected, 3),
                "latency_to_agent_p50_ms": pct(down, 50),
                "latency_to_agent_p99_ms": pct(down, 99),
                "latency_to_caller_p50_ms": pct(up, 50),
                "latency_to_caller_p99_ms": pct(up, 99),
                "bursts_timed": len(down) + len(up),
            }
        out["cpu_pct"] = {k: round(v, 1) for k, v in cpu.items()}
        out["cpu_pct_per_leg"] = {
            "engine (all kinds)": round(cpu["engine"] / (len(KINDS) * legs), 3),
            **{k: round(cpu[k] / legs, 3) for k in names},
        }
        # the bridge's stream toward the browser (SRTP over UDP, IP/UDP headers not counted)
        out["to_browser_kbit_s_per_leg"] = {
            f"bridged_{k[-4:]}": round(8 * v / 1000 / streamed / legs, 1) for k, v in sent_bytes.items()
        }
        for kind in ("bridged_pcmu", "bridged_opus"):
            for way in ("to_agent", "to_caller"):
                key = f"latency_{way}_p50_ms"
                out[kind][f"added_{way}_p50_ms"] = round(out[kind][key] - out["plain"][key], 2)
        return out
    finally:
        parent.send("stop")
        engine.join(5)
        for p in procs.values():
            p.terminate()
            p.wait()
        for ng in ngs.values():
            ng.close()


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--legs", type=int, default=30, help="legs of each kind (plain, PCMU, Opus)")
    p.add_argument("--seconds", type=float, default=20)
    a = p.parse_args()
    print(json.dumps(asyncio.run(run(a.legs, a.seconds)), indent=1))


if __name__ == "__main__":
    main()
