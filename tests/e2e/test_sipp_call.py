"""A real phone call through the console: a SIPp caller dials the hotline, the IVR queues it, the
agent's SIPp phone (registered with digest auth) rings and answers, the workspace pops the
caller's record over the WebSocket, the supervisor sees the agent talking on the wallboard and
listens from their own phone, the agent hangs up with Alt+H and wraps up."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.callcenter.rig import caller_xml, phone_xml
from tests.e2e.conftest import SERVER_INFO, assert_accessible, login, screenshot
from tests.sip.harness import Sipp, free_port

pytestmark = pytest.mark.slow
IP = "127.0.0.1"  # the server's default trunk peer and phone address


@pytest.fixture
def sipp_dir() -> Iterator[Path]:
    if shutil.which("sipp") is None:
        pytest.skip("sipp is not installed (make test installs sip-tester)")
    tmp = Path(tempfile.mkdtemp(prefix="hotline-e2e-sipp-"))
    yield tmp
    shutil.rmtree(tmp, ignore_errors=True)


def _phone(engine: int, tmp: Path, ext: str, procs: list[Sipp]) -> None:
    port = free_port(IP)
    args = ["-s", ext, "-au", ext, "-ap", f"sip{ext}", "-m", "1"]
    reg = Sipp("register.xml", engine, ip=IP, port=port, args=args, cwd=tmp)
    assert reg.run() == 0, reg.output
    scenario = tmp / f"phone{ext}.xml"
    scenario.write_text(phone_xml(400))
    procs.append(Sipp(str(scenario), engine, ip=IP, port=port, args=["-s", ext, "-m", "1"], cwd=tmp).start())


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
        # signed in and ready whatever an earlier test left (the UI path is tested in test_center)
        if agent.request.get("/api/calls/agent/me").json()["state"] == "logged_out":
            agent.request.post("/api/calls/agent/login")
        if agent.request.get("/api/calls/agent/me").json()["state"] != "ready":
            agent.request.post("/api/calls/agent/ready")
        state.locator(".el-tag", has_text="示闲").wait_for()

        sup = new_page()
        login(sup, "banzhang")
        sup.get_by_test_id("wall-live").wait_for()

        _phone(engine, sipp_dir, "1001", procs)  # agent1's desk phone
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

        # the supervisor sees the call and listens in from their phone
        me = agent.request.get("/api/calls/agent/me").json()
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
        agent.get_by_test_id("wo-dispatch").click()
        agent.locator(".el-message", has_text="工单已创建").wait_for()
        orders = agent.request.get(f"/api/workorders?caller_id={caller['id']}&limit=5").json()["items"]
        detail = agent.request.get(f"/api/workorders/{orders[0]['id']}").json()
        assert detail["state"] == "dispatched"
        assert [x["ref"] for x in detail["links"] if x["kind"] == "call"] == [me["call_id"]]

        # hang up with the shortcut; wrap-up is a real state with a countdown
        agent.keyboard.press("Alt+H")
        state.locator(".el-tag", has_text="话后整理").wait_for()
        state.get_by_text("整理剩余").wait_for()
        agent.keyboard.press("Alt+R")
        state.locator(".el-tag", has_text="示闲").wait_for()
    finally:
        for p in procs:
            p.kill()


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
        cdr = None
        for _ in range(50):
            items = sup.request.get(f"/api/calls/cdrs?caller={number}&limit=5").json()["items"]
            ended = [c for c in items if c["caller_number"] == number and c["ended_at"]]
            if ended:
                cdr = sup.request.get(f"/api/calls/cdrs/{ended[0]['id']}").json()
                break
            sup.wait_for_timeout(300)
        assert cdr is not None, "no CDR for the call"
        walked = [step["node"] for step in cdr["ivr_path"].get("steps", [])]
        assert walked == expected, (walked, expected, call.output[-500:])
        if sim["outcome"]["kind"] == "enqueue":
            assert cdr["queue"] == sim["outcome"]["target"] == "general"
    finally:
        call.kill()
