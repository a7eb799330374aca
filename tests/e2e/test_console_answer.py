"""Answering from the console: the agent's SIPp desk phone only rings (it never picks up by hand);
the agent presses the workspace's answer button, the hotline cancels the ringing INVITE and calls the
phone again asking it to answer by itself (Call-Info answer-after=0), and the call connects. The
phone's scenario answers only an INVITE carrying that header, so the call can connect no other way."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.callcenter.rig import caller_xml
from tests.e2e.conftest import SERVER_INFO, agent_ready, login, screenshot
from tests.sip.harness import Sipp, free_port

pytestmark = pytest.mark.slow
IP = "127.0.0.1"


@pytest.fixture
def sipp_dir() -> Iterator[Path]:
    if shutil.which("sipp") is None:
        pytest.skip("sipp is not installed (make test installs sip-tester)")
    tmp = Path(tempfile.mkdtemp(prefix="hotline-e2e-answer-"))
    yield tmp
    shutil.rmtree(tmp, ignore_errors=True)


@pytest.mark.usefixtures("no_calls_left")  # a callback owed from an earlier test would ring first
def test_answer_button_makes_the_phone_pick_up(new_page: Callable[[], Any], sipp_dir: Path) -> None:
    engine = int(SERVER_INFO["sip_port"])
    procs: list[Sipp] = []
    try:
        agent = new_page()
        login(agent, "agent1")
        callers = agent.request.get("/api/callers?limit=100").json()["items"]
        number = next(c for c in callers if c["care_profile"] and c["phones"])["phones"][0]["number"]
        agent_ready(agent)  # whatever an earlier test left
        state = agent.get_by_test_id("agent-state")
        state.locator(".el-tag", has_text="示闲").wait_for()

        port = free_port(IP)
        reg = Sipp(
            "register.xml",
            engine,
            ip=IP,
            port=port,
            args=["-s", "1001", "-au", "1001", "-ap", SERVER_INFO["sip_passwords"]["1001"], "-m", "1"],
            cwd=sipp_dir,
        )
        assert reg.run() == 0, reg.output
        phone = Sipp(
            "uas_autoanswer.xml", engine, ip=IP, port=port, args=["-s", "1001", "-m", "2"], cwd=sipp_dir
        ).start()
        procs.append(phone)
        scenario = sipp_dir / "caller.xml"
        scenario.write_text(caller_xml(number, "0", 20_000))
        procs.append(
            Sipp(str(scenario), engine, ip=IP, args=["-s", "12345", "-m", "1"], cwd=sipp_dir).start()
        )

        state.locator(".el-tag", has_text="振铃").wait_for(timeout=30_000)
        answer = agent.get_by_role("button", name="接听")
        assert answer.is_enabled()
        screenshot(agent, "workspace-ringing")
        agent.wait_for_timeout(1500)  # the phone keeps ringing: nobody picks it up by hand
        assert agent.request.get("/api/calls/agent/me").json()["state"] == "ringing"

        answer.click()
        state.locator(".el-tag", has_text="通话中").wait_for(timeout=10_000)
        agent.keyboard.press("Alt+H")
        state.locator(".el-tag", has_text="话后整理").wait_for()
        # Both of the phone's calls ended as scripted: the ringing one cancelled (487), the
        # auto-answered one connected and hung up by the hotline.
        assert phone.wait(30) == 0, phone.output
        agent.keyboard.press("Alt+R")
        state.locator(".el-tag", has_text="示闲").wait_for()
    finally:
        for p in procs:
            p.kill()
