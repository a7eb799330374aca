"""The agent's queue duties in the browser: the waiting list is live (a SIPp caller who joins while
the page is open appears, its wait counts up, and it leaves when the caller hangs up), state buttons
are disabled where they would fail, shortcuts stay quiet behind a dialog, and 签出 / 退出登录 take
the agent out of the queues."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.callcenter.rig import caller_xml
from tests.e2e.conftest import SERVER_INFO, agent_at_rest, login
from tests.e2e.phones import no_phone
from tests.sip.harness import Sipp

pytestmark = pytest.mark.slow
IP = "127.0.0.1"


@pytest.fixture
def sipp_dir() -> Iterator[Path]:
    if shutil.which("sipp") is None:
        pytest.skip("sipp is not installed (make test installs sip-tester)")
    tmp = Path(tempfile.mkdtemp(prefix="hotline-e2e-shift-"))
    yield tmp
    shutil.rmtree(tmp, ignore_errors=True)


def agent_state(page: Any) -> str:
    return str(page.request.get("/api/calls/agent/me").json()["state"])


@pytest.mark.usefixtures("no_calls_left")  # a callback owed from an earlier test would ring first
def test_waiting_list_is_live_and_sign_out_leaves_queues(
    new_page: Callable[[], Any], server: str, sipp_dir: Path
) -> None:
    no_phone(sipp_dir, "1001")  # an earlier test's SIPp phone may still be bound
    agent = new_page()
    login(agent, "agent1")
    agent_at_rest(agent)
    agent.goto("/workspace")
    state = agent.get_by_test_id("agent-state")
    agent.get_by_test_id("cti-live").wait_for()
    state.get_by_role("button", name="签入").click()
    assert "今日：接听" in agent.get_by_test_id("agent-today").inner_text()  # the agent's own figures
    agent.get_by_test_id("no-phone").wait_for()  # signed in, but no phone registered for 1001
    state.get_by_test_id("btn-not-ready").click()  # 示忙 (休息): no call is offered to us
    state.locator(".el-tag", has_text="示忙").wait_for()
    assert state.get_by_test_id("agent-reason").inner_text() == "休息"  # not the code "rest"
    assert state.get_by_test_id("btn-not-ready").is_disabled()  # already 示忙 for this reason
    assert not state.get_by_test_id("btn-ready").is_disabled()

    # a caller joins while the page is open: the list shows it without a reload, and its wait runs
    callers = agent.request.get("/api/callers?limit=100").json()["items"]
    number = next(c for c in callers if c["care_profile"] and c["phones"])["phones"][0]["number"]
    scenario = sipp_dir / "caller.xml"
    scenario.write_text(caller_xml(number, "0", 12_000))
    engine = int(SERVER_INFO["sip_port"])
    sipp = Sipp(str(scenario), engine, ip=IP, args=["-s", "12345", "-m", "1"], cwd=sipp_dir).start()
    try:
        waiting = agent.get_by_test_id("waiting-calls")
        row = waiting.locator("li", has_text=number[-4:])
        row.wait_for(timeout=30_000)
        first = row.inner_text()
        agent.wait_for_function(
            "([el, t]) => el.innerText !== t", arg=[row.element_handle(), first], timeout=5_000
        )  # 已等待 counts up between server updates
        assert "elderly" not in waiting.inner_text() and "general" not in waiting.inner_text()
        # the caller hangs up: the row leaves the list, again without a reload
        row.wait_for(state="detached", timeout=30_000)
    finally:
        sipp.wait(60)

    # shortcuts do not act behind an open dialog: Alt+T with the dial pad open opens no transfer
    agent.keyboard.press("Alt+D")
    agent.get_by_role("dialog", name="拨号盘").wait_for()
    agent.keyboard.press("Alt+T")
    agent.wait_for_timeout(300)
    assert agent.get_by_role("dialog", name="转接").count() == 0
    agent.keyboard.press("Escape")

    # 签出 from the queues in the workspace
    state.get_by_test_id("btn-logout").click()
    state.locator(".el-tag", has_text="未签入").wait_for()
    assert agent_state(agent) == "logged_out"

    # signing out of the console while ready also leaves the queues
    state.get_by_role("button", name="签入").click()
    state.locator(".el-tag", has_text="示闲").wait_for()
    sup = new_page()
    login(sup, "banzhang")
    agent.get_by_test_id("logout").click()
    agent.wait_for_url(lambda url: "/login" in url)
    me = next(a for a in sup.request.get("/api/calls/agents").json() if a["extension"] == "1001")
    assert me["state"] == "logged_out"
