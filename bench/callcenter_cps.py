"""End-to-end calls per second through IVR -> queue -> agent, as a ratio of the bare engine.

Run: .venv/bin/python -m bench.callcenter_cps [--quick] [--agents 200]

Both paths run in the same invocation on loopback, the engine in its own process
(bench/callcenter_proc.py), SIPp's built-in `uac` as callers (127.0.0.2, a trunk peer; each call
holds 1 s then hangs up) and one SIPp `uas` (127.0.0.3) that has registered every agent extension.
- bare: the engine's default routing rings extension 5000 and records the call (the reference);
- call center: each call walks the IVR (flow lookup, caller lookup, business-hours branch, prompt),
  enters the ACD, rings an agent's extension (longest idle of `--agents`), is bridged and recorded,
  with the CDR, legs, queue log and agent states written to SQLite as they happen.
RTP ports come from 61000-64998, away from the ranges the test suites use (the box is shared).
Rates step up for 10 s each; a step is clean with < 0.1 % SIPp failures and, for the call center,
>= 99.9 % of calls connected to an agent. The figure is the highest clean rate of each path.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import subprocess
import sys
import tempfile
import time
import wave
from pathlib import Path

import numpy as np
from sqlalchemy import func, select

from hotline.acd.schemas import HoursIn, QueueIn, SkillIn
from hotline.acd.service import create_hours, create_queue, set_skills
from hotline.audit.service import Actor
from hotline.calls.models import QueueEventRow
from hotline.ivr.service import create_flow, publish
from hotline.people.models import User
from hotline.store.db import Database
from hotline.store.migrate import upgrade
from tests.sip.harness import free_port

HERE = Path(__file__).parent
TRUNK_IP, PHONE_IP = "127.0.0.2", "127.0.0.3"
FLOW = {
    "start": "hours",
    "nodes": {
        "hours": {
            "type": "branch",
            "on": "business_hours",
            "hours": "bench",
            "cases": {"open": "hello"},
            "default": "hello",
        },
        "hello": {"type": "play", "prompt": "welcome", "text": "您好", "next": "queue"},
        "queue": {"type": "enqueue", "queue": "general"},
    },
}


def sipp(args: list[str], timeout: float, cwd: Path) -> str:
    cmd = ["sipp", *args, "-nostdin", "-cp", str(free_port())]
    try:
        done = subprocess.run(cmd, capture_output=True, timeout=timeout, cwd=cwd)
        return (done.stdout + done.stderr).decode("utf-8", "replace")
    except subprocess.TimeoutExpired as exc:
        return ((exc.stdout or b"") + (exc.stderr or b"")).decode("utf-8", "replace")


def start_phones(port: int, tmp: Path) -> subprocess.Popen[bytes]:
    """The agents' phones: one SIPp UAS on the phone address answering every call it is offered."""
    return subprocess.Popen(
        ["sipp", "-sn", "uas", "-i", PHONE_IP, "-p", str(port), "-nostdin", "-cp", str(free_port())],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=tmp,
    )


def counts(output: str) -> tuple[int, int]:
    ok = re.findall(r"Successful call\s+\|\s+\d+\s+\|\s+(\d+)", output)
    failed = re.findall(r"Failed call\s+\|\s+\d+\s+\|\s+(\d+)", output)
    return (int(ok[-1]) if ok else 0), (int(failed[-1]) if failed else 0)


def write_moh(path: Path) -> None:
    """A music-on-hold file in the prompts folder, as a deployment has (the engine caches it)."""
    t = np.arange(8000 * 4) / 8000
    pcm = (np.sin(2 * np.pi * 440 * t) * 3000).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(pcm.tobytes())


def seed(url: str, agents: int) -> None:
    upgrade(url)
    db = Database(url)
    actor = Actor(None, "bench")
    with db.session() as s:
        hours = create_hours(s, actor, HoursIn(name="bench", schedule={"always_open": True}))
        create_queue(
            s,
            actor,
            QueueIn(
                name="general", label="综合", wrap_up_seconds=0, ring_timeout_seconds=10, hours_id=hours.id
            ),
        )
        users = [
            User(
                username=f"b{i}",
                display_name=f"b{i}",
                password_hash="x",
                role="agent",
                extension=str(5000 + i),
            )
            for i in range(agents)
        ]
        s.add_all(users)
        s.flush()
        for user in users:
            set_skills(s, actor, user.id, [SkillIn(queue="general", level=5)])
        publish(s, actor, create_flow(s, actor, "bench", FLOW).id)
    db.dispose()


def connects(url: str) -> int:
    db = Database(url)
    with db.session() as s:
        n = s.scalar(select(func.count(QueueEventRow.id)).where(QueueEventRow.kind == "connect")) or 0
    db.dispose()
    return int(n)


class Engine:
    def __init__(self, url: str, tmp: Path, bare: bool, agents: int) -> None:
        self.port, self.uas_port = free_port(), free_port(PHONE_IP)
        write_moh(tmp / "moh.wav")
        args = [
            sys.executable,
            "-m",
            "bench.callcenter_proc",
            url,
            str(self.port),
            "61000",
            "64998",
            str(tmp),
        ]
        args += [str(tmp / "stats.json")] + (["--bare"] if bare else [])
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=(tmp / "engine.log").open("wb"))
        assert self.proc.stdout is not None
        assert self.proc.stdout.readline().strip() == b"ready", (tmp / "engine.log").read_text()[-2000:]
        # Each extension registers from the UAS's own address, one after the other (a REGISTER
        # binds the source address the engine will send INVITEs to).
        for i in range(max(1, agents)):
            ext = str(5000 + i)
            out = sipp(
                [
                    f"127.0.0.1:{self.port}",
                    "-sf",
                    str(HERE / "callcenter_register.xml"),
                    "-s",
                    ext,
                    "-au",
                    ext,
                    "-ap",
                    "bench",
                    "-i",
                    PHONE_IP,
                    "-p",
                    str(self.uas_port),
                    "-m",
                    "1",
                    "-timeout",
                    "10s",
                ],
                20,
                tmp,
            )
            if counts(out)[0] != 1:
                raise RuntimeError(f"registration of {ext} failed:\n" + out[-1500:])
        self.uas = start_phones(self.uas_port, tmp)
        time.sleep(0.5)

    def stop(self) -> None:
        for proc in (self.uas, self.proc):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def step(engine: Engine, service: str, rate: int, seconds: float, tmp: Path) -> tuple[int, int, int]:
    calls = int(rate * seconds)
    out = sipp(
        [
            f"127.0.0.1:{engine.port}",
            "-sn",
            "uac",
            "-s",
            service,
            "-i",
            TRUNK_IP,
            "-p",
            str(free_port(TRUNK_IP)),
            "-r",
            str(rate),
            "-m",
            str(calls),
            "-d",
            "1000",
            "-recv_timeout",
            "15000",
            "-timeout",
            f"{int(seconds + 40)}s",
        ],
        seconds + 60,
        tmp,
    )
    ok, failed = counts(out)
    return calls, ok, failed


def ramp(name: str, url: str, bare: bool, agents: int, rates: list[int], seconds: float) -> int:
    best = 0
    with tempfile.TemporaryDirectory(prefix=f"cc-{name}-") as d:
        tmp = Path(d)
        engine = Engine(url, tmp, bare, agents)
        try:
            for rate in rates:
                for attempt in range(2):  # the box is shared: one retry tells a hiccup from a ceiling
                    before = 0 if bare else connects(url)
                    calls, ok, failed = step(engine, "5000" if bare else "12345", rate, seconds, tmp)
                    time.sleep(1.5)  # let the last calls' hang-ups land before counting
                    connected = ok if bare else connects(url) - before
                    clean = ok + failed >= calls * 0.999 and failed <= calls * 0.001
                    clean = clean and connected >= calls * 0.999
                    print(
                        f"| {name:<11} | {rate:>5} | {calls:>6} | {ok:>6} | {failed:>6} | {connected:>9} | "
                        f"{'yes' if clean else 'no':<5} |{' (retry)' if attempt else ''}",
                        flush=True,
                    )
                    if clean:
                        break
                if not clean:
                    break
                best = rate
        finally:
            engine.stop()
        stats = tmp / "stats.json"
        if stats.exists() and not bare:
            print(f"  engine counters: {json.loads(stats.read_text())}")
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="5 s steps and fewer rates")
    ap.add_argument("--agents", type=int, default=200)
    args = ap.parse_args()
    seconds = 5.0 if args.quick else 10.0
    rates = [10, 40, 80] if args.quick else [10, 20, 40, 60, 80, 120, 160, 200, 300]
    print("| path        | cps   | calls  | ok     | failed | connected | clean |")
    print("|---|---|---|---|---|---|---|")
    bare = ramp("bare engine", "", True, 1, rates, seconds)
    with tempfile.TemporaryDirectory(prefix="cc-db-") as d:
        url = f"sqlite:///{d}/bench.db"
        seed(url, args.agents)
        ours = ramp("call center", url, False, args.agents, rates, seconds)
    print(
        f"\nhighest clean rate: bare engine {bare} cps, call center (IVR -> queue -> agent) {ours} cps; "
        f"ratio {ours / max(1, bare):.2f}"
    )


if __name__ == "__main__":
    main()
