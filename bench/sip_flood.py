"""Does a SIP flood starve the media path? RTP packets/s delivered through one call, with and without.

Run: ``.venv/bin/python -m bench.sip_flood [--seconds 6] [--rate 400] [--engine-path DIR ...]``

The engine runs as its own process (``bench.sip.engine_proc``: default routing, trunk peer
127.0.0.2, no per-source rate limit - a flood relayed by the Kamailio in front is not throttled).
A raw agent phone (127.0.0.3) registers extension 1001 and answers; a raw trunk caller sends 50 pps
of μ-law for ``--seconds`` while the agent counts what the engine relays. Then the same again while
a third process sends ``--rate`` 60 KB SIP datagrams per second from the trunk address (an INVITE
whose Via header is a 700-entry comma list, and one padded with 560 long headers, alternating).
The figure is flood pps / quiet pps. Each ``--engine-path`` (a checkout holding ``hotline`` and
``bench``; the first is the reference) is measured in the same invocation and printed as a table.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.sip.harness import PHONE_IP, TRUNK_IP, free_port
from tests.sip.rawua import RawUa, engine_rtp_port
from tests.sip_raw import register

ROOT = Path(__file__).resolve().parent.parent
FLOODER = r"""
import socket, sys, time
port, rate, seconds = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3])
head = ("INVITE sip:9999@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.2:5070;branch=z9hG4bKflood\r\n"
        "From: <sip:x@127.0.0.2>;tag=f\r\nTo: <sip:9999@127.0.0.1>\r\nCall-ID: flood\r\nCSeq: 1 INVITE\r\n")
vias = "".join(f"Via: SIP/2.0/UDP 10.0.{i % 250}.1:5060;branch=z9hG4bK{i}, "
               f"SIP/2.0/UDP 10.1.0.1;branch=z9hG4bKx{i}\r\n" for i in range(700))
pads = "".join(f"X-Pad-{i}: {'a' * 100}\r\n" for i in range(560))
msgs = [(head + vias + "Content-Length: 0\r\n\r\n").encode()[:64000],
        (head + pads + "Content-Length: 0\r\n\r\n").encode()[:64000]]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.2", 0))
start, n = time.monotonic(), 0
while time.monotonic() - start < seconds:
    s.sendto(msgs[n % 2], ("127.0.0.1", port))
    n += 1
    delay = start + n / rate - time.monotonic()
    if delay > 0:
        time.sleep(delay)
print(n)
"""


def start_engine(path: Path, tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    rtp = 20000 + (os.getpid() % 200) * 100
    env = {**os.environ, "PYTHONPATH": str(path)}
    cmd = [
        sys.executable,
        "-m",
        "bench.sip.engine_proc",
        str(port),
        str(rtp),
        str(rtp + 98),
        str(tmp / "s.json"),
    ]
    proc = subprocess.Popen(cmd, cwd=path, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
    return proc, port


def stream(caller: RawUa, agent: RawUa, port: int, seconds: float, seq0: int) -> dict[str, float]:
    """Send 50 pps to the engine for ``seconds``: packets/s the agent received, and how many of them
    in time for a phone's jitter buffer (relayed within 100 ms; each payload carries its send time)."""
    delays: list[float] = []

    def drain() -> None:
        now = time.monotonic()
        delays.extend(now - struct.unpack_from("!d", p)[0] for p in agent.payloads() if len(p) >= 8)

    start = time.monotonic()
    n = int(seconds * 50)
    for i in range(n):
        caller.send_rtp(port, seq0 + i, 0x51, struct.pack("!d", time.monotonic()) + b"\xff" * 152)
        drain()
        delay = start + (i + 1) * 0.02 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    end = time.monotonic() + 1.0  # late packets still count as relayed (and show their delay)
    while time.monotonic() < end:
        drain()
        time.sleep(0.002)
    on_time = sum(1 for d in delays if d <= 0.1)
    return {
        "pps": len(delays) / seconds,
        "on_time_pps": on_time / seconds,
        "max_delay_ms": max(delays, default=0) * 1000,
    }


def measure(path: Path, seconds: float, rate: float) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        engine, port = start_engine(path, Path(tmp))
        caller, agent = RawUa(TRUNK_IP, port), RawUa(PHONE_IP, port)
        try:
            assert register(agent.sip, port, "1001", "bench") == 200
            dlg = caller.invite("1001", caller.sdp())
            agent.answer_incoming()
            media_port = engine_rtp_port(caller.answered(dlg))
            quiet = stream(caller, agent, media_port, seconds, 1000)
            flood = subprocess.Popen(
                [sys.executable, "-c", FLOODER, str(port), str(rate), str(seconds + 1)],
                stdout=subprocess.PIPE,
            )
            time.sleep(0.5)  # let the flood build up
            flooded = stream(caller, agent, media_port, seconds, 1000 + int(seconds * 50))
            sent = int((flood.communicate(timeout=seconds + 30)[0] or b"0").strip() or 0)
        finally:
            caller.close()
            agent.close()
            engine.send_signal(signal.SIGTERM)
            engine.wait(30)
        stats = json.loads((Path(tmp) / "s.json").read_text())
    return {
        "quiet_pps": quiet["on_time_pps"],
        "flood_pps": flooded["on_time_pps"],
        "flood_all_pps": flooded["pps"],
        "max_delay_ms": flooded["max_delay_ms"],
        "ratio": flooded["on_time_pps"] / quiet["on_time_pps"] if quiet["on_time_pps"] else 0.0,
        "flood_sent": sent,
        "engine_messages": stats["engine"]["messages"],
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=6.0)
    ap.add_argument("--rate", type=float, default=400.0, help="flood datagrams per second")
    ap.add_argument(
        "--engine-path", action="append", type=Path, help="checkouts to compare (first = reference)"
    )
    args = ap.parse_args()
    paths = args.engine_path or [ROOT]
    rows = [(p, measure(p, args.seconds, args.rate)) for p in paths]
    print(f"flood: {args.rate:.0f} x 60 KB SIP datagrams/s for {args.seconds:.0f} s, RTP 50 pps, one call")
    print("pps = packets relayed within 100 ms (in time for a jitter buffer); all = relayed at all")
    head = f"{'engine':32} {'quiet pps':>9} {'flood pps':>9} {'all':>5} {'max ms':>7}"
    print(head + f" {'flood/quiet':>11} {'vs ref':>7} {'sent':>6} {'seen':>6}")
    ref = rows[0][1]["ratio"] or 1.0
    for path, r in rows:
        print(
            f"{str(path)[-32:]:32} {r['quiet_pps']:9.1f} {r['flood_pps']:9.1f} {r['flood_all_pps']:5.1f} "
            f"{r['max_delay_ms']:7.0f} {r['ratio']:11.2f} {r['ratio'] / ref:7.2f} "
            f"{r['flood_sent']:6.0f} {r['engine_messages']:6.0f}"
        )


if __name__ == "__main__":
    main()
