"""A real phone call through the console: a SIPp caller dials the hotline, the IVR queues it, the
agent's SIPp phone (registered with digest auth) rings and answers, the workspace pops the
caller's record over the WebSocket, the supervisor sees the agent talking on the wallboard and
listens from their own phone, the agent hangs up with Alt+H and wraps up. The call's recording then
shows its time marks (hold, resume, the agent's own mark, the supervisor listening) on the waveform
and in a list; a mark, clicked or chosen by keyboard, moves playback there."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from hotline.media import g711
from tests.callcenter.rig import caller_xml, phone_xml
from tests.e2e.conftest import (
    SERVER_INFO,
    agent_ready,
    assert_accessible,
    login,
    screenshot,
    server_log,
    submit_order,
)
from tests.sip.harness import SCENARIOS, Sipp, free_port

pytestmark = pytest.mark.slow
IP = "127.0.0.1"  # the server's default trunk peer and phone address


@pytest.fixture
def sipp_dir() -> Iterator[Path]:
    if shutil.which("sipp") is None:
        pytest.skip("sipp is not installed (make test installs sip-tester)")
    tmp = Path(tempfile.mkdtemp(prefix="hotline-e2e-sipp-"))
    yield tmp
    shutil.rmtree(tmp, ignore_errors=True)


def _phone(engine: int, tmp: Path, ext: str, procs: list[Sipp], tone: bool = False) -> None:
    """A registered SIPp desk phone; with `tone` it talks (a steady tone) so the recording has sound
    for the whole call, not only the silence of SIPp's signalling-only calls."""
    port = free_port(IP)
    args = ["-s", ext, "-au", ext, "-ap", SERVER_INFO["sip_passwords"][ext], "-m", "1"]
    reg = Sipp("register.xml", engine, ip=IP, port=port, args=args, cwd=tmp)
    assert reg.run() == 0, reg.output
    scenario = tmp / f"phone{ext}.xml"
    scenario.write_text(phone_xml(400))
    if tone:
        t = np.arange(8000 * 90) / 8000
        pcm = (np.sin(2 * np.pi * 440 * t) * 3000).astype(np.int16)
        (tmp / "tone.ulaw").write_bytes(g711.ulaw_encode(pcm))
        scenario = SCENARIOS / "uas_tone.xml"
    procs.append(Sipp(str(scenario), engine, ip=IP, port=port, args=["-s", ext, "-m", "1"], cwd=tmp).start())


@pytest.mark.usefixtures("no_calls_left")  # a callback owed from an earlier test would ring first
def test_call_pops_on_workspace_and_wallboard(
    new_page: Callable[[], Any], server: str, sipp_dir: Path
) -> None:
    engine = int(SERVER_INFO["sip_port"])
    procs: list[Sipp] = []
    try:
        agent = new_page()
        login(agent, "agent1")
        callers = agent.request.get("/api/callers?limit=100").json()["items"]
        caller = next(c for c in callers if c["care_profile"] and c["phones"])
        number = caller["phones"][0]["number"]
        state = agent.get_by_test_id("agent-state")
        agent_ready(agent)  # whatever an earlier test left (the UI path is tested in test_center)
        state.locator(".el-tag", has_text="示闲").wait_for()

        sup = new_page()
        login(sup, "banzhang")
        sup.get_by_test_id("wall-live").wait_for()

        _phone(engine, sipp_dir, "1001", procs, tone=True)  # agent1's desk phone
        _phone(engine, sipp_dir, "1900", procs)  # the supervisor's phone, for listening
        scenario = sipp_dir / "caller.xml"
        scenario.write_text(caller_xml(number, "0", 30_000))  # care caller: 0 = a person now
        dial = ["-s", "12345", "-m", "1"]
        procs.append(Sipp(str(scenario), engine, ip=IP, args=dial, cwd=sipp_dir).start())

        # the phone rings and answers; the workspace pops the caller and shows the talking state
        state.locator(".el-tag", has_text="通话中").wait_for(timeout=30_000)
        agent.get_by_test_id("caller-name").filter(has_text=caller["name"]).wait_for()
        agent.get_by_test_id("risk-flags").wait_for()
        agent.get_by_test_id("ivr-path").wait_for()
        screenshot(agent, "workspace-call")

        # moments to find in the recording later: a hold and resume, and a mark the agent sets
        me = agent.request.get("/api/calls/agent/me").json()
        agent.wait_for_timeout(800)
        assert agent.request.post("/api/calls/agent/hold", data={"on": True}).ok
        agent.wait_for_timeout(700)
        assert agent.request.post("/api/calls/agent/hold", data={"on": False}).ok
        agent.wait_for_timeout(500)
        agent.keyboard.press("Alt+M")  # the agent marks this moment from the call bar
        box = agent.locator(".el-message-box")
        box.get_by_role("textbox").fill("核实住址")
        box.get_by_role("button", name="确定").click()
        agent.locator(".el-message", has_text="已标记").wait_for()

        # the supervisor sees the call and listens in from their phone
        row = sup.get_by_test_id("wall-agents").locator(f".agent-{me['agent_id']}")
        row.locator(".el-tag", has_text="通话").wait_for()
        row.locator(f"[data-wall=listen-{me['agent_id']}]").click()
        sup.locator(".el-message", has_text="监听").wait_for()
        screenshot(sup, "wallboard-call")
        assert_accessible(sup)

        # during the call: knowledge by pinyin initials, and a work order linked to this call
        agent.get_by_test_id("kb-input").fill("gljt")
        agent.get_by_test_id("kb-suggestions").wait_for(timeout=60_000)
        agent.get_by_test_id("wo-title").fill("咨询高龄津贴申领")
        agent.get_by_test_id("wo-content").fill("来电人咨询高龄津贴如何申领，需社区上门核实。")
        agent.get_by_test_id("wo-department").click()
        agent.locator(".el-select-dropdown__item:visible", has_text="养老服务处").first.click()
        submit_order(agent)
        orders = agent.request.get(f"/api/workorders?caller_id={caller['id']}&limit=5").json()["items"]
        detail = agent.request.get(f"/api/workorders/{orders[0]['id']}").json()
        assert detail["state"] == "dispatched"
        assert [x["ref"] for x in detail["links"] if x["kind"] == "call"] == [me["call_id"]]

        # the call's summary (通话小结), picked in the call bar and kept on the call record
        dispo = agent.get_by_test_id("disposition")
        dispo.locator(".el-select").click()
        agent.locator(".el-select-dropdown__item:visible", has_text="告知政策/办事指引").click()
        dispo.get_by_test_id("btn-disposition").click()
        agent.locator(".el-message", has_text="通话小结已保存").wait_for()

        # hang up with the shortcut; wrap-up is a real state with a countdown
        agent.keyboard.press("Alt+H")
        state.locator(".el-tag", has_text="话后整理").wait_for()
        state.get_by_text("整理剩余").wait_for()
        agent.keyboard.press("Alt+R")
        state.locator(".el-tag", has_text="示闲").wait_for()

        _recording_marks(sup, number, me["call_id"])
    finally:
        for p in procs:
            p.kill()


def _audio_time(page: Any) -> float:
    return float(page.evaluate("document.querySelector('[data-testid=recording-player] audio').currentTime"))


def _recording_marks(sup: Any, number: str, call_id: str) -> None:
    """The call's recording lists its marks in time order; a pin on the waveform (mouse) and a
    list entry (keyboard) each move playback to their moment."""
    # Indexed once the call has ended: the agent's hang-up ends it (the listening supervisor leaves
    # with the agent), and the writer indexes the recording shortly after. Earlier tests' calls
    # from the same caller have recordings too: wait for this call's own, then the newest row of
    # the number is this call's.
    for _ in range(240):
        recs = sup.request.get(f"/api/calls/recordings?caller={number}&limit=5").json()["items"]
        if any(r["call_uuid"] == call_id for r in recs):
            break
        sup.wait_for_timeout(250)
    sup.goto("/recordings")
    sup.get_by_test_id("recordings-table").locator(".el-table__row", has_text=number).first.click()
    marks = sup.get_by_test_id("recording-marks")
    marks.wait_for()
    sup.get_by_test_id("mark-pin-0").wait_for()  # pins appear once the audio's length is known
    texts = [b.inner_text() for b in marks.get_by_role("button").all()]
    names = [re.sub(r"^\d+:\d\d\s*", "", x) for x in texts]
    # (a work order opened later in the call may add its own mark at the end)
    assert names[:4] == ["保持 · 来电方", "恢复通话 · 来电方", "座席标记 · 核实住址", "班长监听"], texts
    offsets = [float(b.get_attribute("data-at")) for b in marks.get_by_role("button").all()]
    assert offsets == sorted(offsets) and offsets[0] > 0.5
    assert offsets[1] - offsets[0] > 0.5  # the hold lasted its 0.7 s

    sup.get_by_test_id("mark-pin-3").click()  # the supervisor joining, on the waveform
    assert abs(_audio_time(sup) - offsets[3]) < 1.0, (_audio_time(sup), offsets)
    own = marks.get_by_role("button", name=re.compile("核实住址"))
    own.focus()
    sup.keyboard.press("Enter")
    assert abs(_audio_time(sup) - offsets[2]) < 1.0, (_audio_time(sup), offsets)
    assert own.get_attribute("aria-current") == "true"
    screenshot(sup, "recording-marks")
    assert_accessible(sup)


def test_new_call_follows_published_flow(new_page: Callable[[], Any], server: str, sipp_dir: Path) -> None:
    """After a menu change is published (the editor's path is in test_ivr), a real call walks the
    new flow: its recorded IVR path equals the simulator's path for the published flow, now."""
    engine = int(SERVER_INFO["sip_port"])
    sup = new_page()
    login(sup, "banzhang")
    flow = sup.request.get("/api/ivr/flows/1").json()
    definition = flow["published"]
    definition["nodes"]["main_menu"]["options"]["1"] = "q_general"
    body = {"definition": definition, "comment": "e2e: 1 -> general", "version": flow["version"]}
    assert sup.request.put("/api/ivr/flows/1/draft", data=body).ok
    assert sup.request.post("/api/ivr/flows/1/publish").ok
    number = "13500000001"  # no caller record: the ordinary menu
    sim = sup.request.post("/api/ivr/flows/1/simulate", data={"digits": ["1"], "caller": number}).json()
    expected = [step["node"] for step in sim["outcome"]["path"]]

    scenario = sipp_dir / "plain.xml"
    scenario.write_text(caller_xml(number, "1", 5000))
    call = Sipp(str(scenario), engine, ip=IP, args=["-s", "12345", "-m", "1"], cwd=sipp_dir).start()
    try:
        call.wait(timeout=40)
        # The walked path is on the CDR once the flow has ended (before the queue): whether the
        # caller then waits, or is let go at once because the agent signed in by the test before
        # has left the queues meanwhile (presence grace), is not what this test is about.
        cdr = None
        for _ in range(50):
            items = sup.request.get(f"/api/calls/cdrs?caller={number}&limit=5").json()["items"]
            mine = [c for c in items if c["caller_number"] == number]
            if mine:
                detail = sup.request.get(f"/api/calls/cdrs/{mine[0]['id']}").json()
                queued = sim["outcome"]["kind"] != "enqueue" or detail.get("queue")
                if (detail.get("ivr_path") or {}).get("steps") and queued:
                    cdr = detail
                    break
            sup.wait_for_timeout(300)
        logged = server_log(
            '"level": "error"', '"level": "warning"', "Traceback", "hotline.calls", "hotline.sip", limit=60
        )
        assert cdr is not None, (
            f"no CDR with the IVR path; SIPp said:\n{call.output[-800:]}\nSIPp's errors:\n{call.errors()}"
            f"\nthe server's log:\n{logged}\nits CDRs for the number: {items}"
        )
        walked = [step["node"] for step in cdr["ivr_path"].get("steps", [])]
        assert walked == expected, (walked, expected, call.output[-500:])
        if sim["outcome"]["kind"] == "enqueue":
            assert cdr["queue"] == sim["outcome"]["target"] == "general"
    finally:
        call.kill()
