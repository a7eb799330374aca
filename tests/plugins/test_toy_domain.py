"""A domain added by configuration alone joins the running center: the toy plug-in
(`tests/plugins/toy`, named only by the `plugins` setting) gets its router, its job, its bus
subscription and its AGENT_LEG_ENDED call hook; over real SIP and RTP the caller (SIPp signalling,
RTP into this test's own socket) hears the hook's prompt after the agent's phone (SIPp) hung up.
"""

from __future__ import annotations

import socket
import threading
import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from hotline.calls.center import CallCenter
from hotline.calls.plugin import CENTER
from hotline.config import SipSettings
from hotline.ivr.service import publish, save_draft
from hotline.jobs.runner import last_runs
from hotline.media import g711
from hotline.store.db import Database
from hotline.web.app import create_app
from tests.callcenter.rig import _ACK, _OK, ACTOR
from tests.callcenter.rig import seed as seed_center
from tests.conftest import make_settings
from tests.plugins.toy.plugin import PROMPT, TOY
from tests.sip.harness import PASSWORDS, PHONE_IP, SCENARIOS, TRUNK_IP, Sipp, free_port, need

pytestmark = [pytest.mark.timeout(120), pytest.mark.slow]
STRAIGHT_TO_QUEUE = {"start": "q", "nodes": {"q": {"type": "enqueue", "queue": "elderly"}}}
FRAME = 160  # 20 ms of PCMU

# A trunk caller whose SDP sends the hotline's audio to {media}: wait for the hotline's BYE.
CALLER = """<?xml version="1.0" encoding="UTF-8"?>
<scenario name="caller to a test socket">
<send retrans="500"><![CDATA[
INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "caller" <sip:13800000077@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:13800000077@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=caller 1 1 IN IP4 {ip}
s=-
c=IN IP4 {ip}
t=0 0
m=audio {port} RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
]]></send>
<recv response="100" optional="true"/>
<recv response="180" optional="true"/>
<recv response="200" rtd="true"/>
<send><![CDATA[
{ack}
]]></send>
<recv request="BYE"/>
<send><![CDATA[
{ok}
]]></send>
</scenario>
"""


def _noise_prompt(path: Path, seconds: float) -> np.ndarray:
    """A prompt no other sound of the hotline resembles (seeded noise): every frame is unique."""
    rng = np.random.default_rng(13)
    pcm = (rng.standard_normal(int(8000 * seconds)) * 4000).clip(-32000, 32000).astype(np.int16)
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(pcm.tobytes())
    return pcm


class RtpSink:
    """The caller's media address: every RTP packet the hotline sends, with its arrival time."""

    def __init__(self, ip: str) -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((ip, 0))
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.packets: list[tuple[float, int, bytes]] = []  # (arrival, payload type, payload)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data = self.sock.recv(2048)
            except TimeoutError:
                continue
            if len(data) > 12 and data[0] >> 6 == 2:
                pt = data[1] & 0x7F
                cc = data[0] & 0x0F
                self.packets.append((time.time(), pt, data[12 + 4 * cc :]))

    def close(self) -> None:
        self._stop.set()
        self._thread.join(2)
        self.sock.close()


def _register(port: int, ext: str, cwd: Path) -> int:
    """Register `ext` from a free phone port (retried: a port found free may be taken meanwhile)."""
    for _ in range(3):
        phone_port = free_port(PHONE_IP)
        args = ["-s", ext, "-au", ext, "-ap", PASSWORDS[ext], "-m", "1"]
        reg = Sipp("register.xml", port, ip=PHONE_IP, port=phone_port, args=args, cwd=cwd)
        if reg.run() == 0:
            return phone_port
        assert "Address already in use" in reg.output, reg.output
    raise AssertionError("could not register a phone")


def _on_center(client: TestClient, fn: Callable[[CallCenter], Any]) -> Any:
    center = client.app.state.services.get(CENTER)  # type: ignore[attr-defined]
    return client.portal.call(center.run, lambda: fn(center))  # type: ignore[union-attr]


def test_a_plugin_alone_adds_router_job_subscription_and_a_call_hook_heard_by_the_caller(
    sqlite_db: Database, tmp_path: Path, auth: Callable[[str], dict[str, str]]
) -> None:
    need("sipp")
    db = sqlite_db
    agents = seed_center(db)
    with db.session() as s:
        save_draft(s, ACTOR, 1, STRAIGHT_TO_QUEUE)
        publish(s, ACTOR, 1)
    port = free_port()
    rtp = 42000 + (int(time.time()) % 40) * 100
    sip = SipSettings(
        host="127.0.0.1",
        port=port,
        trunk_peers=[TRUNK_IP],
        rtp_port_min=rtp,
        rtp_port_max=rtp + 98,
        qualify_seconds=0,
        rate_limit_per_second=5000,
    )
    settings = make_settings(db, tmp_path, sip=sip, jobs_enabled=True, plugins=["tests.plugins.toy.plugin"])
    prompt = _noise_prompt(settings.prompts_dir / f"{PROMPT}.wav", 1.5)
    expected = g711.ulaw_encode(prompt)
    frames = [expected[i : i + FRAME] for i in range(0, len(expected) - FRAME + 1, FRAME)]
    sink = RtpSink(TRUNK_IP)
    procs: list[Sipp] = []
    try:
        with TestClient(create_app(settings, db), base_url="https://testserver") as client:
            # The router: mounted, permission-checked like every other.
            assert client.get("/api/toy/hooks", headers=auth("supervisor")).json() == []
            assert client.get("/api/toy/hooks", headers=auth("department_handler")).status_code == 403

            phone_port = _register(port, "1001", tmp_path)
            phone = Sipp(
                str(SCENARIOS / "uas_bye.xml"),  # answers, then hangs up (BYE) after 1 s
                port,
                ip=PHONE_IP,
                port=phone_port,
                args=["-s", "1001", "-m", "1"],
                cwd=tmp_path,
            ).start()
            procs.append(phone)
            _on_center(client, lambda c: c.control.login(agents["1001"]))
            scenario = tmp_path / "caller.xml"
            ack = _ACK.format(number="13800000077")
            scenario.write_text(CALLER.format(ip=TRUNK_IP, port=sink.port, ack=ack, ok=_OK))
            caller = Sipp(str(scenario), port, args=["-s", "12345", "-m", "1"], cwd=tmp_path).start()
            procs.append(caller)
            assert caller.wait(60) == 0, caller.output  # the hotline hung the caller up in the end
            assert phone.wait(10) == 0, phone.output

            # The call hook ran once, after the agent's leg ended, with the caller still up.
            [seen] = client.get("/api/toy/hooks", headers=auth("supervisor")).json()
            assert seen["agent_id"] == agents["1001"] and seen["caller_up"] is True
            state = client.app.state.services.get(TOY)  # type: ignore[attr-defined]
            # The subscription heard the agent's leg end (the engine's "leg.ended" on the bus).
            agent_gone = state.legs_ended[seen["agent_leg"]]
            assert agent_gone <= seen["started"]

            # The caller heard the prompt after the agent's BYE: the PCMU frames that reached the
            # caller's media address after that moment are the prompt's frames, in order.
            after = [p for at, pt, p in sink.packets if pt == 0 and at >= agent_gone]
            start = after.index(frames[0])
            heard = after[start : start + len(frames)]
            assert heard == frames[: len(heard)] and len(heard) >= len(frames) - 2

            # The job ran under its lease like any domain's.
            deadline = time.monotonic() + 10
            while not any(r.name == "toy.tick" and r.runs for r in last_runs(db)):
                assert time.monotonic() < deadline, "the toy job never ran"
                time.sleep(0.1)
    finally:
        for proc in procs:
            proc.kill()
        sink.close()
