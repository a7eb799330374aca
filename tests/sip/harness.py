"""Test harness: the engine on its own asyncio loop in a background thread, plus SIPp/baresip runners.

The engine runs in-process (so tests can use its Python API and read its state) while SIPp and baresip
are real external processes talking to it over loopback. SIPp trunk peers use 127.0.0.2 (listed in
``trunk_peers``); registered "phones" use 127.0.0.3 so the two kinds of peer are told apart by
address exactly as in production.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from pathlib import Path
from typing import Any, TypeVar

import pytest

from hotline.bus import Event, InProcessBus
from hotline.config import SipSettings
from hotline.sip.auth import DictCredentialStore
from hotline.sip.engine import TelephonyEngine
from hotline.sip.transaction import Timers

T = TypeVar("T")
SCENARIOS = Path(__file__).parent / "scenarios"
TRUNK_IP = "127.0.0.2"
PHONE_IP = "127.0.0.3"
PASSWORDS = {"1001": "secret1001", "1002": "secret1002", "1003": "secret1003", "2001": "agentpw"}


def free_port(host: str = "127.0.0.1", kind: int = socket.SOCK_DGRAM) -> int:
    for _ in range(50):
        with socket.socket(socket.AF_INET, kind) as s:
            s.bind((host, 0))
            port = int(s.getsockname()[1])
        # the same number must also be free for TCP (the engine listens on both)
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            try:
                t.bind((host, port))
            except OSError:
                continue
        return port
    raise RuntimeError("no free port")


def udp_bound(ip: str, port: int) -> bool:
    """Whether some process has a UDP socket bound to ip:port (read from /proc/net/udp, so the
    check never takes the port itself)."""
    want = f"{socket.inet_aton(ip)[::-1].hex().upper()}:{port:04X}"
    anywhere = f"00000000:{port:04X}"
    try:
        lines = Path("/proc/net/udp").read_text().splitlines()[1:]
    except OSError:
        return True  # cannot tell: do not wait
    return any(line.split()[1] in (want, anywhere) for line in lines if len(line.split()) > 1)


class EngineThread:
    def __init__(self, tmp: Path, rtp_base: int, **overrides: Any) -> None:
        self.port = free_port()
        settings = {
            "host": "127.0.0.1",
            "port": self.port,
            "trunk_peers": [TRUNK_IP],
            "rtp_port_min": rtp_base,
            "rtp_port_max": rtp_base + 998,
            "rate_limit_per_second": 5000,
            "rtp_timeout_seconds": 30.0,
        }
        settings.update(overrides)
        self.settings = SipSettings(**settings)
        self.tmp = tmp
        self.loop = asyncio.new_event_loop()
        self.bus = InProcessBus()
        self.events: list[Event] = []
        self.store = DictCredentialStore(PASSWORDS)
        self.engine: TelephonyEngine | None = None
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def start(self) -> TelephonyEngine:
        self.thread.start()

        async def boot() -> TelephonyEngine:
            engine = TelephonyEngine(
                self.settings,
                self.bus,
                self.store,
                recordings_dir=self.tmp / "recordings",
                prompts_dir=self.tmp / "prompts",
                timers=Timers(t1=0.5, t2=4.0, t4=5.0),
            )
            self.bus.subscribe("*", self.events.append)
            # SIPp phones do not answer OPTIONS; tests that want qualify call engine.qualify() themselves.
            engine.qualify_interval = 0
            await engine.start()
            return engine

        self.engine = self.run(boot())
        return self.engine

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        fut: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return fut.result(timeout)

    def call_soon(self, fn: Callable[[], Any]) -> None:
        self.loop.call_soon_threadsafe(fn)

    def stop(self) -> None:
        if self.engine is not None:
            self.run(self.engine.stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)

    def topics(self) -> list[str]:
        return [e.topic for e in list(self.events)]

    def wait_for(self, pred: Callable[[], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pred():
                return True
            time.sleep(0.05)
        return pred()

    def wait_event(self, topic: str, timeout: float = 20.0, **match: Any) -> Event:
        found: list[Event] = []

        def check() -> bool:
            for e in list(self.events):
                if e.topic == topic and all(e.data.get(k) == v for k, v in match.items()):
                    found.append(e)
                    return True
            return False

        if not self.wait_for(check, timeout):
            raise AssertionError(f"no {topic} {match} in {self.topics()}")
        return found[0]

    def clear(self) -> None:
        self.events.clear()


def need(binary: str) -> str:
    path = shutil.which(binary)
    if path is None:
        pytest.skip(f"{binary} is not installed (Debian package: sip-tester / baresip-core)")
    return path


class Sipp:
    """One SIPp process (foreground, bounded by timeout)."""

    def __init__(
        self,
        scenario: str,
        engine_port: int,
        *,
        ip: str = TRUNK_IP,
        port: int | None = None,
        args: list[str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.port = port or free_port(ip)
        self.cmd = [
            need("sipp"),
            f"127.0.0.1:{engine_port}",
            "-sf",
            str(SCENARIOS / scenario),
            "-i",
            ip,
            "-p",
            str(self.port),
            "-cp",
            # SIPp binds its control socket on every address, not on `ip`: pick a port free on all
            # of them, or it may collide with the engine's own port on 127.0.0.1.
            str(free_port("0.0.0.0", socket.SOCK_DGRAM)),
            "-nostdin",
            "-trace_err",
            "-timeout",
            "40s",
            "-timeout_error",
            *(args or []),
        ]
        self.cwd = cwd
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> Sipp:
        """Start SIPp and return once it listens on its port (or has already exited): a phone
        scenario started just before a call must be there when the engine's INVITE arrives, and a
        busy machine can take a second or more to exec SIPp."""
        self.proc = subprocess.Popen(self.cmd, cwd=self.cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        ip = self.cmd[self.cmd.index("-i") + 1]
        deadline = time.monotonic() + 15
        while self.proc.poll() is None and time.monotonic() < deadline:
            if udp_bound(ip, self.port):
                break
            time.sleep(0.02)
        return self

    def wait(self, timeout: float = 60) -> int:
        assert self.proc is not None
        try:
            out, _ = self.proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            out, _ = self.proc.communicate()
        self.output = out.decode("utf-8", "replace")
        return int(self.proc.returncode)

    def run(self, timeout: float = 60) -> int:
        return self.start().wait(timeout)

    def errors(self, limit: int = 3000) -> str:
        """What SIPp wrote to its `-trace_err` log (the unexpected messages, each in full): it sits
        in the working directory as `<scenario>_<pid>_errors.log`."""
        if self.proc is None:
            return ""
        where = self.cwd or Path.cwd()
        logs = sorted(where.glob(f"*_{self.proc.pid}_errors.log"))
        text = "".join(p.read_text("utf-8", "replace") for p in logs)
        return text[-limit:]

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
