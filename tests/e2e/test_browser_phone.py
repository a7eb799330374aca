"""The browser phone, end to end: agent1 chooses 浏览器话机 in the console, Chromium (fake microphone
playing a 1 kHz tone from a file) registers JsSIP over the engine's SIP WebSocket, a SIPp citizen
(talking a 400 Hz tone) goes through the IVR and the queue, the console rings, the agent clicks 接听,
audio crosses the WebRTC bridge both ways (Opus between Chromium and the bridge, which transcodes
it to the engine's PCMU: `sip.webrtc_opus` is on here; FFT on the stereo recording: the caller's
400 Hz on the left, the browser's 1 kHz on the right), a supervisor listens from a second browser phone, hold
works, a dial-pad digit is sent, 挂断 ends the call and the CDR is written. A second tab of the same
agent follows the first (one registration)."""

from __future__ import annotations

import io
import os
import shutil
import socket
import tempfile
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hotline.media import g711
from hotline.media.rtpengine import bdecode, bencode
from tests.callcenter.rig import caller_xml
from tests.e2e.conftest import (
    CHROMIUM,
    CHROMIUM_ARGS,
    SERVER_INFO,
    agent_at_rest,
    end_leftover_calls,
    login,
)
from tests.e2e.phones import no_phone
from tests.sip.harness import Sipp

pytestmark = pytest.mark.slow
IP = "127.0.0.1"
BROWSER_TONE = 1000.0
CALLER_TONE = 400.0


def _wav(path: Path, freq: float, rate: int = 48000, seconds: float = 10.0) -> None:
    t = np.arange(int(rate * seconds)) / rate
    pcm = (np.sin(2 * np.pi * freq * t) * 8000).astype("<i2")
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(pcm.tobytes())


@pytest.fixture(scope="module")
def media_dir() -> Iterator[Path]:
    tmp = Path(tempfile.mkdtemp(prefix="hotline-e2e-phone-"))
    _wav(tmp / "mic.wav", BROWSER_TONE)
    t = np.arange(8000 * 60) / 8000
    (tmp / "caller.ulaw").write_bytes(
        g711.ulaw_encode((np.sin(2 * np.pi * CALLER_TONE * t) * 8000).astype(np.int16))
    )
    yield tmp
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture(scope="module")
def phone_browser(media_dir: Path) -> Iterator[Any]:
    """Chromium with a fake microphone (the tone file) and media permission granted."""
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed (make test installs it)")
    from playwright.sync_api import sync_playwright

    args = [
        *CHROMIUM_ARGS,
        "--use-fake-device-for-media-stream",
        "--use-fake-ui-for-media-stream",
        f"--use-file-for-fake-audio-capture={media_dir / 'mic.wav'}",
        "--autoplay-policy=no-user-gesture-required",
    ]
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=args, headless=True)
        yield b
        b.close()


def _caller_with_tone(number: str, digits: str, hold_ms: int | None) -> str:
    """The IVR caller of the other e2e tests, talking a steady tone once connected."""
    xml = caller_xml(number, digits, hold_ms)
    stream = '<nop><action><exec rtp_stream="caller.ulaw,-1,0"/></action></nop>\n'
    return xml.replace('<pause milliseconds="800"/>', stream + '<pause milliseconds="800"/>', 1)


def _peak(channel: np.ndarray) -> tuple[float, float]:
    """The strongest frequency of a channel and how loud it is (RMS)."""
    x = channel.astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spectrum) * 8000 / len(x)), float(np.sqrt(np.mean(x**2)))


def bridge_codecs(address: str) -> set[str]:
    """The codecs the WebRTC bridge has in use on its calls, both sides (rtpengine's ng `list` and
    `query`, over a plain socket: Playwright's sync API already runs an event loop here)."""
    host, _, port = address.rpartition(":")

    def ng(command: str, **params: str) -> Any:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(5)
            cookie = os.urandom(6).hex().encode()  # rtpengine answers a cookie again from its cache
            s.sendto(cookie + b" " + bencode({"command": command, **params}), (host, int(port)))
            return bdecode(s.recv(65535).partition(b" ")[2])

    seen: set[str] = set()
    for cid in ng("list")["calls"]:
        answer = ng("query", **{"call-id": cid.decode()})  # an error if it just ended: no tags
        for side in answer.get("tags", {}).values():
            seen |= {m["codec"].decode() for m in side["medias"] if m.get("codec")}
    return seen


def test_browser_phone_takes_a_call(server: str, phone_browser: Any, media_dir: Path) -> None:
    if "ws_port" not in SERVER_INFO:
        pytest.skip("rtpengine is not installed (Debian rtpengine-daemon): no browser phones")
    ctx = phone_browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 1440, "height": 900})
    ctx.set_default_timeout(15_000)
    procs: list[Sipp] = []
    agent = ctx.new_page()
    boss: Any = None
    # Earlier tests' SIPp desk phones of agent1 and the shift lead stay bound for their REGISTER's
    # 300 s: calls would go to them rather than to the browser phones.
    no_phone(media_dir, "1001")
    no_phone(media_dir, "1900")
    try:
        login(agent, "agent1")
        me = agent_at_rest(agent)  # signed out, on the desk phone, whatever an earlier test left
        agent.goto("/")
        agent.get_by_test_id("agent-workspace").wait_for()
        # the agent's own setting: answer in the browser
        agent.get_by_test_id("phone-mode").get_by_text("浏览器话机").click()
        agent.locator("[data-testid=phone-status][data-status=registered]").wait_for()
        # a second tab of the same agent follows the first: still one registration
        other = ctx.new_page()
        other.goto("/")
        other.locator("[data-testid=phone-status][data-status=follower]").wait_for()
        sup_ctx = phone_browser.new_context(base_url=server, locale="zh-CN")
        sup = sup_ctx.new_page()
        login(sup, "admin")
        end_leftover_calls(sup)  # a callback owed from an earlier test would ring agent1 first
        extensions = sup.request.get("/api/telephony/extensions").json()
        mine = next(e for e in extensions if e["extension"] == me["extension"])
        # one registration, not one per tab (an earlier test's desk phone may still be bound too)
        assert [c["transport"] for c in mine["contacts"] if c["transport"] == "WS"] == ["WS"]
        # the supervisor's own browser phone, to listen in later
        boss_ctx = phone_browser.new_context(
            base_url=server, locale="zh-CN", viewport={"width": 1440, "height": 900}
        )
        boss_ctx.set_default_timeout(15_000)
        boss = boss_ctx.new_page()  # closed with its context at the end
        login(boss, "banzhang")
        boss.request.put("/api/telephony/phone", data={"mode": "browser"})
        boss.goto("/workspace")
        boss.locator("[data-testid=phone-status][data-status=registered]").wait_for()
        assert agent.request.post("/api/calls/agent/login").json()["state"] == "ready"
        state = agent.get_by_test_id("agent-state")
        state.locator(".el-tag", has_text="示闲").wait_for()

        callers = agent.request.get("/api/callers?limit=100").json()["items"]
        number = next(c for c in callers if c["care_profile"] and c["phones"])["phones"][0]["number"]
        scenario = media_dir / "caller.xml"
        scenario.write_text(_caller_with_tone(number, "0", None))  # the hotline hangs up
        args = ["-s", "12345", "-m", "1", "-timeout", "90s"]
        call = Sipp(str(scenario), int(SERVER_INFO["sip_port"]), ip=IP, args=args, cwd=media_dir).start()
        procs.append(call)

        agent.locator("[data-testid=phone-call][data-call=ringing]").wait_for(timeout=40_000)
        other.locator("[data-testid=phone-call][data-call=ringing]").wait_for()
        agent.get_by_test_id("btn-answer").click()
        state.locator(".el-tag", has_text="通话中").wait_for()
        call_id = agent.request.get("/api/calls/agent/me").json()["call_id"]
        agent.locator("[data-testid=phone-call][data-call=talking]").wait_for()
        agent.wait_for_timeout(4000)  # four seconds of talk both ways for the recording
        # Chromium took the Opus offered first; the bridge transcodes it to the engine's PCMU
        assert {"opus/48000/2", "PCMU/8000"} <= bridge_codecs(SERVER_INFO["webrtc_bridge"])
        # the supervisor listens from the second browser phone (the API call returns once it answered)
        csrf = next(c["value"] for c in boss_ctx.cookies() if c["name"] == "hotline_csrf")
        boss.evaluate(
            """([agentId, token]) => { window.__listen = fetch('/api/calls/supervise', {method: 'POST',
                headers: {'Content-Type': 'application/json', 'X-CSRF-Token': token},
                body: JSON.stringify({agent_id: agentId, mode: 'listen'})}).then((r) => r.status) }""",
            [me["agent_id"], csrf],
        )
        boss.locator("[data-testid=phone-call][data-call=ringing]").wait_for()
        boss.get_by_test_id("phone-answer").click()
        boss.locator("[data-testid=phone-call][data-call=talking]").wait_for()
        assert boss.evaluate("() => window.__listen") == 200
        # a digit from the dial pad, as RFC 4733 through the bridge
        agent.get_by_test_id("phone-pad").click()
        agent.get_by_test_id("phone-key-5").click()
        agent.keyboard.press("Escape")
        # hold and resume (the engine's: music to the caller)
        agent.keyboard.press("Alt+O")
        state.locator(".el-tag", has_text="保持").wait_for()
        agent.keyboard.press("Alt+O")
        state.locator(".el-tag", has_text="通话中").wait_for()
        agent.get_by_test_id("phone-hangup").click()
        state.locator(".el-tag", has_text="话后整理").wait_for()
        assert call.wait(40) == 0, call.output[-1500:]

        # This call's own records: earlier tests' calls from the same caller to agent1 have theirs.
        cdr = None
        for _ in range(60):
            items = sup.request.get(f"/api/calls/cdrs?caller={number}&limit=5").json()["items"]
            ended = [c for c in items if c["ended_at"] and c["uuid"] == call_id]
            if ended:
                cdr = ended[0]
                break
            sup.wait_for_timeout(300)
        assert cdr is not None, f"no CDR; SIPp said:\n{call.output[-1500:]}"
        assert cdr["agent_id"] == me["agent_id"], cdr
        rec = None
        for _ in range(60):
            recs = sup.request.get(f"/api/calls/recordings?caller={number}&limit=5").json()["items"]
            mine = [r for r in recs if r["call_uuid"] == cdr["uuid"] and r["complete"]]
            if mine:
                rec = mine[0]
                break
            sup.wait_for_timeout(300)
        assert rec is not None
        audio = sup.request.get(f"/api/calls/recordings/{rec['id']}/audio").body()
        with wave.open(io.BytesIO(audio)) as w:
            assert w.getnchannels() == 2 and w.getframerate() == 8000
            frames = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
        # the first seconds after the answer, before the hold (Chrome's noise suppression turns a
        # steady tone down after a moment: the tone is still the loudest thing in the channel)
        talk = frames[8000 : 8000 * 4]
        assert len(talk) == 8000 * 3, "the recording is shorter than the talk before the hold"
        caller_f, caller_rms = _peak(talk[:, 0])
        agent_f, agent_rms = _peak(talk[:, 1])
        assert abs(caller_f - CALLER_TONE) < 20 and caller_rms > 1000, (caller_f, caller_rms)
        assert abs(agent_f - BROWSER_TONE) < 20 and agent_rms > 200, (agent_f, agent_rms)
    finally:
        for p in procs:
            p.kill()
        agent.request.put("/api/telephony/phone", data={"mode": "desk"})
        ctx.close()
        if boss is not None:
            boss.request.put("/api/telephony/phone", data={"mode": "desk"})
            boss.context.close()


# What the console meets when the agent refuses the microphone (or the PC has none).
DENY_MIC = """navigator.mediaDevices.getUserMedia = () =>
  Promise.reject(new DOMException('Permission denied', 'NotAllowedError'))"""


def test_no_microphone_says_so_and_offers_the_desk_phone(server: str, phone_browser: Any) -> None:
    if "ws_port" not in SERVER_INFO:
        pytest.skip("rtpengine is not installed (Debian rtpengine-daemon): no browser phones")
    ctx = phone_browser.new_context(base_url=server, locale="zh-CN", viewport={"width": 1440, "height": 900})
    ctx.set_default_timeout(15_000)
    ctx.add_init_script(DENY_MIC)
    page = ctx.new_page()
    try:
        login(page, "agent1")
        page.request.put("/api/telephony/phone", data={"mode": "desk"})
        page.goto("/")
        page.get_by_test_id("agent-workspace").wait_for()
        page.get_by_test_id("phone-mode").get_by_text("浏览器话机").click()
        page.locator("[data-testid=phone-status][data-status=no-mic]").wait_for()
        alert = page.get_by_test_id("phone-no-mic")
        assert "无法使用麦克风" in alert.inner_text()
        alert.get_by_role("button", name="改用桌面话机").click()
        alert.wait_for(state="hidden")
        assert page.request.get("/api/telephony/phone").json()["mode"] == "desk"
    finally:
        page.request.put("/api/telephony/phone", data={"mode": "desk"})
        ctx.close()
