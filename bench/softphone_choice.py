"""Which WebRTC ↔ RTP bridge: rtpengine (userspace) or aiortc, by CPU per leg and loss.

N "browser" peers (aiortc, in this process: their cost is not counted) each send a PCMU tone over
DTLS-SRTP/ICE to the bridge, which delivers plain RTP G.711 to a UDP socket of this process playing
the engine's side; that socket sends 50 packets/s of G.711 back, which the bridge hands to the
browser. The bridge's own CPU is read from /proc for its process (rtpengine's daemon, or a child
process running aiortc). Needs `rtpengine` (Debian rtpengine-daemon) and PyPI aiortc, which the
product does not depend on: run from a venv that has it.

    python bench/softphone_choice.py --bridge rtpengine --legs 20 --seconds 20
    python bench/softphone_choice.py --bridge aiortc --legs 20 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import fractions
import multiprocessing
import os
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from hotline.media.g711 import ulaw_encode
from hotline.media.rtpengine import NgClient

TICK = os.sysconf("SC_CLK_TCK")
TASKS: set[asyncio.Task[None]] = set()  # keep the per-leg readers alive


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def tone_frame(n: int, freq: float = 1000.0) -> np.ndarray:
    t = (np.arange(160) + n * 160) / 8000.0
    return (np.sin(2 * np.pi * freq * t) * 8000).astype(np.int16)


def browser_classes():  # type: ignore[no-untyped-def]
    from aiortc import MediaStreamTrack, RTCPeerConnection, RTCSessionDescription
    from av import AudioFrame

    class Tone(MediaStreamTrack):
        kind = "audio"

        def __init__(self) -> None:
            super().__init__()
            self.n = 0
            self.start = 0.0

        async def recv(self) -> AudioFrame:
            if self.n == 0:
                self.start = time.monotonic()
            wait = self.start + self.n * 0.02 - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            frame = AudioFrame.from_ndarray(tone_frame(self.n).reshape(1, -1), format="s16", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = 8000, self.n * 160, fractions.Fraction(1, 8000)
            self.n += 1
            return frame

    return RTCPeerConnection, RTCSessionDescription, Tone


def pcmu_only(pc) -> None:  # type: ignore[no-untyped-def]
    from aiortc import RTCRtpSender

    caps = RTCRtpSender.getCapabilities("audio")
    prefs = [c for c in caps.codecs if c.mimeType == "audio/PCMU"]
    for t in pc.getTransceivers():
        t.setCodecPreferences(prefs)


class EngineSide(asyncio.DatagramProtocol):
    """One plain-RTP endpoint: counts what arrives, sends G.711 at 50 pps to where the bridge is."""

    def __init__(self) -> None:
        self.received = 0
        self.dest: tuple[str, int] | None = None
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:  # type: ignore[no-untyped-def]
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:  # type: ignore[no-untyped-def]
        if len(data) >= 12 and data[1] & 0x7F in (0, 8):
            self.received += 1
            if self.dest is None:
                self.dest = (addr[0], addr[1])


async def pump(sides: list[EngineSide], seconds: float) -> int:
    payload = ulaw_encode(tone_frame(0, 400.0))
    sent = 0
    start = time.monotonic()
    n = 0
    while time.monotonic() - start < seconds:
        for i, side in enumerate(sides):
            if side.dest is not None and side.transport is not None:
                hdr = struct.pack("!BBHII", 0x80, 0, n & 0xFFFF, n * 160, 0x1000 + i)
                side.transport.sendto(hdr + payload, side.dest)
                sent += 1
        n += 1
        await asyncio.sleep(max(0.0, start + n * 0.02 - time.monotonic()))
    return sent


def plain_sdp(port: int) -> str:
    return (
        "v=0\r\no=bench 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
        "a=sendrecv\r\n"
    )


async def run_rtpengine(legs: int, seconds: float) -> dict[str, float]:
    RTCPeerConnection, RTCSessionDescription, Tone = browser_classes()
    tmp = tempfile.mkdtemp()
    ng = 22230 + os.getpid() % 500
    proc = subprocess.Popen(
        ["rtpengine", "-f", "-E", "-t", "-1", "-i", "127.0.0.1", "-n", f"127.0.0.1:{ng}",
         "--port-min=31000", "--port-max=31999", "--log-level=3", f"--pidfile={tmp}/pid"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    client = NgClient(f"127.0.0.1:{ng}")
    try:
        for _ in range(50):
            try:
                await client.ping()
                break
            except Exception:
                await asyncio.sleep(0.1)
        loop = asyncio.get_running_loop()
        pcs, sides, counters = [], [], []
        for i in range(legs):
            pc = RTCPeerConnection()
            pc.addTransceiver(Tone(), direction="sendrecv")
            pcmu_only(pc)
            got = [0]

            @pc.on("track")
            def on_track(track, got=got) -> None:  # type: ignore[no-untyped-def]
                async def drain() -> None:
                    while True:
                        await track.recv()
                        got[0] += 1

                TASKS.add(asyncio.ensure_future(drain()))

            await pc.setLocalDescription(await pc.createOffer())
            _, side = await loop.create_datagram_endpoint(EngineSide, local_addr=("127.0.0.1", 0))
            port = side.transport.get_extra_info("sockname")[1]
            cid = f"bench-{i}"
            offer = await client.request(
                "offer", **{"call-id": cid, "from-tag": "b", "sdp": pc.localDescription.sdp,
                            "transport-protocol": "RTP/AVP", "ICE": "remove", "flags": ["trust-address"],
                            "rtcp-mux": ["demux"]},
            )  # fmt: skip
            assert offer["sdp"]
            answer = await client.request(
                "answer", **{"call-id": cid, "from-tag": "b", "to-tag": "e", "sdp": plain_sdp(port),
                             "transport-protocol": "UDP/TLS/RTP/SAVPF", "ICE": "force",
                             "flags": ["trust-address"], "rtcp-mux": ["offer", "accept"]},
            )  # fmt: skip
            await pc.setRemoteDescription(RTCSessionDescription(answer["sdp"].decode(), "answer"))
            pcs.append(pc)
            sides.append(side)
            counters.append(got)
        # the browser sends first: the engine side latches on it, as the engine's RTP does
        for _ in range(100):
            if all(s.dest for s in sides):
                break
            await asyncio.sleep(0.1)
        return await measure(proc.pid, sides, counters, seconds, pcs)
    finally:
        client.close()
        proc.terminate()
        proc.wait()


def aiortc_bridge(conn, legs: int) -> None:  # type: ignore[no-untyped-def]
    """Child process: answers each browser offer with aiortc and relays to/from plain RTP G.711."""
    from aiortc import RTCPeerConnection, RTCSessionDescription
    from aiortc.mediastreams import MediaStreamTrack
    from av import AudioFrame

    from hotline.media.g711 import ulaw_decode

    class FromEngine(MediaStreamTrack):
        kind = "audio"

        def __init__(self, queue: asyncio.Queue[bytes]) -> None:
            super().__init__()
            self.queue, self.n = queue, 0

        async def recv(self) -> AudioFrame:
            payload = await self.queue.get()
            pcm = np.asarray(ulaw_decode(payload), dtype=np.int16).reshape(1, -1)
            frame = AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = 8000, self.n * 160, fractions.Fraction(1, 8000)
            self.n += 1
            return frame

    class Plain(asyncio.DatagramProtocol):
        def __init__(self, queue: asyncio.Queue[bytes]) -> None:
            self.queue = queue

        def datagram_received(self, data: bytes, addr) -> None:  # type: ignore[no-untyped-def]
            self.queue.put_nowait(data[12:])

    async def main() -> None:
        loop = asyncio.get_running_loop()
        keep = []
        for i in range(legs):
            offer_sdp, engine_port = await loop.run_in_executor(None, conn.recv)
            queue: asyncio.Queue[bytes] = asyncio.Queue()
            transport, _ = await loop.create_datagram_endpoint(
                lambda q=queue: Plain(q), local_addr=("127.0.0.1", 0)
            )
            pc = RTCPeerConnection()

            @pc.on("track")
            def on_track(track, transport=transport, port=engine_port, i=i) -> None:  # type: ignore[no-untyped-def]
                async def relay() -> None:
                    n = 0
                    while True:
                        frame = await track.recv()
                        pcm = frame.to_ndarray().astype(np.int16).reshape(-1)
                        hdr = struct.pack("!BBHII", 0x80, 0, n & 0xFFFF, n * 160, 0x2000 + i)
                        transport.sendto(hdr + ulaw_encode(pcm), ("127.0.0.1", port))
                        n += 1

                TASKS.add(asyncio.ensure_future(relay()))

            await pc.setRemoteDescription(RTCSessionDescription(offer_sdp, "offer"))
            pc.addTrack(FromEngine(queue))
            await pc.setLocalDescription(await pc.createAnswer())
            keep.append((pc, transport))
            conn.send(pc.localDescription.sdp)
        await loop.run_in_executor(None, conn.recv)  # told to stop

    asyncio.run(main())


async def run_aiortc(legs: int, seconds: float) -> dict[str, float]:
    RTCPeerConnection, RTCSessionDescription, Tone = browser_classes()
    parent, child = multiprocessing.Pipe()
    proc = multiprocessing.get_context("spawn").Process(target=aiortc_bridge, args=(child, legs))
    proc.start()
    loop = asyncio.get_running_loop()
    pcs, sides, counters = [], [], []
    try:
        for _ in range(legs):
            pc = RTCPeerConnection()
            pc.addTransceiver(Tone(), direction="sendrecv")
            pcmu_only(pc)
            got = [0]

            @pc.on("track")
            def on_track(track, got=got) -> None:  # type: ignore[no-untyped-def]
                async def drain() -> None:
                    while True:
                        await track.recv()
                        got[0] += 1

                TASKS.add(asyncio.ensure_future(drain()))

            await pc.setLocalDescription(await pc.createOffer())
            _, side = await loop.create_datagram_endpoint(EngineSide, local_addr=("127.0.0.1", 0))
            parent.send((pc.localDescription.sdp, side.transport.get_extra_info("sockname")[1]))
            answer = await loop.run_in_executor(None, parent.recv)
            await pc.setRemoteDescription(RTCSessionDescription(answer, "answer"))
            pcs.append(pc)
            sides.append(side)
            counters.append(got)
        for _ in range(100):
            if all(s.dest for s in sides):
                break
            await asyncio.sleep(0.1)
        return await measure(proc.pid, sides, counters, seconds, pcs)
    finally:
        parent.send("stop")
        proc.join(5)
        if proc.is_alive():
            proc.kill()


async def measure(pid, sides, counters, seconds, pcs) -> dict[str, float]:  # type: ignore[no-untyped-def]
    await asyncio.sleep(1.0)  # settle (DTLS, first packets)
    rx0 = sum(s.received for s in sides)
    brx0 = sum(c[0] for c in counters)
    cpu0, t0 = cpu_seconds(pid), time.monotonic()
    sent = await pump(sides, seconds)
    await asyncio.sleep(0.2)
    cpu1, t1 = cpu_seconds(pid), time.monotonic()
    legs = len(sides)
    to_engine = sum(s.received for s in sides) - rx0
    to_browser = sum(c[0] for c in counters) - brx0
    expected = legs * 50 * seconds
    for pc in pcs:
        await pc.close()
    cpu = 100 * (cpu1 - cpu0) / (t1 - t0)
    return {
        "legs": legs,
        "bridge_cpu_pct": round(cpu, 1),
        "cpu_pct_per_leg": round(cpu / legs, 2),
        "to_engine_loss_pct": round(100 * max(0.0, 1 - to_engine / expected), 2),
        "to_browser_frames_per_s": round(to_browser / seconds / legs, 1),
        "engine_packets_sent": sent,
    }


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--bridge", choices=["rtpengine", "aiortc"], required=True)
    p.add_argument("--legs", type=int, default=20)
    p.add_argument("--seconds", type=float, default=20)
    a = p.parse_args()
    runner = run_rtpengine if a.bridge == "rtpengine" else run_aiortc
    print({"bridge": a.bridge, **asyncio.run(runner(a.legs, a.seconds))})


if __name__ == "__main__":
    main()
