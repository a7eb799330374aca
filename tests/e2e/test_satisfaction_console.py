"""满意度 in the console (Chromium): a shift lead turns the post-call survey and the agent-number
announcement on for a queue in 队列与座席 (saved, versioned), opens 满意度评价 (不满意 flags, answers,
counts) and sees the satisfaction figure on the wallboard; an administrator finds 工号 in the user
dialog. Axe clean on each page. The queue's settings are put back at the end: the e2e server is
shared, and other tests' calls must not meet a survey."""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hotline.audit.service import SYSTEM
from hotline.people.service import user_by_username
from hotline.satisfaction.service import RatedCall, record_answer
from hotline.store.db import Database
from tests.e2e.conftest import SERVER_INFO, assert_accessible, login

pytestmark = pytest.mark.slow


def _settings(page: Any, queue: str) -> dict[str, Any]:
    rows = page.request.get("/api/satisfaction/queues").json()
    return next(r for r in rows if r["queue"] == queue)


def test_survey_settings_flags_page_and_wallboard(new_page: Callable[[], Any]) -> None:
    sup = new_page()
    login(sup, "banzhang")
    queue = sup.request.get("/api/satisfaction/queues").json()[0]["queue"]
    before = _settings(sup, queue)
    sup.goto("/admin/queues")
    sup.get_by_test_id("queue-satisfaction").wait_for()
    try:
        sup.get_by_test_id(f"sat-survey-{queue}").click()
        sup.get_by_test_id(f"sat-announce-{queue}").click()
        sup.get_by_test_id(f"sat-save-{queue}").click()
        sup.get_by_text("已保存").first.wait_for()
        saved = _settings(sup, queue)
        assert saved["survey_enabled"] != before["survey_enabled"]
        assert saved["announce_agent_number"] != before["announce_agent_number"]
        assert_accessible(sup)
    finally:
        now = _settings(sup, queue)
        body = {k: before[k] for k in ("announce_agent_number", "survey_enabled", "scale", "wait_seconds")}
        assert sup.request.put(
            f"/api/satisfaction/queues/{queue}", data={**body, "version": now["version"]}
        ).ok

    sup.goto("/satisfaction")
    sup.get_by_test_id("sat-flags").wait_for()
    sup.get_by_role("tab", name="统计").click()
    sup.get_by_test_id("sat-summary").wait_for()
    assert_accessible(sup)
    sup.goto("/wallboard")
    sup.get_by_test_id("center-satisfaction").wait_for()
    assert "满意率" in sup.get_by_test_id("center-kpis").inner_text()

    admin = new_page()
    login(admin, "admin")
    admin.goto("/admin/users")
    admin.get_by_test_id("new-user").click()
    admin.get_by_test_id("user-agent-number").wait_for()
    assert "工号" in admin.inner_text(".el-dialog")


def _answer(agent: str, key: str = "3") -> tuple[int, str, int]:
    """An answer (3: 不满意) to `agent`'s call stored in the running server's database: (answer
    id, call id, agent id)."""
    db = Database(f"sqlite:///{Path(SERVER_INFO['log']).parent / 'hotline.db'}")
    try:
        with db.session() as s:
            user = user_by_username(s, agent)
            assert user is not None
            call_id = f"sat-{uuid.uuid4().hex[:10]}"
            row = record_answer(s, SYSTEM, RatedCall(call_id, "elderly", user.id), 3, key)
            return row.id, call_id, user.id
    finally:
        db.dispose()


def _live(page: Any, sockets: list[Any]) -> None:
    """Route the page's live sockets through to the server, keeping a handle to speak to the page."""

    def handler(ws: Any) -> None:
        ws.connect_to_server()
        sockets.append(ws)

    page.route_web_socket(re.compile(r".*/api/calls/ws.*"), handler)


def _opened(page: Any, sockets: list[Any], before: int = 0) -> None:
    """Wait for the console to open a live socket beyond the `before` it had (a page opens its
    own after it read the API's capabilities; the previous page's is closed by then)."""
    deadline = time.monotonic() + 15
    while len(sockets) <= before:
        assert time.monotonic() < deadline, "the console opened no live socket"
        page.wait_for_timeout(50)  # lets Playwright dispatch the routed socket to `handler`


def _landed(page: Any, sockets: list[Any]) -> int:
    """A shift lead lands on the wallboard: its sockets open, the pop-ups' first (it only reads
    the capabilities before), the wallboard's once it is live. How many there are."""
    page.get_by_test_id("wall-live").wait_for()
    _opened(page, sockets, 1)
    return len(sockets)


def _say(sockets: list[Any], topic: str, data: dict[str, Any]) -> None:
    """To the page's newest live socket (on the wallboard: the wallboard's own)."""
    sockets[-1].send(json.dumps({"type": topic, "data": data}))


def test_dissatisfied_pops_up_for_shift_leads_and_agent_rates_on_the_wallboard(
    new_page: Callable[[], Any],
) -> None:
    """A 不满意 answer pops up on two shift leads' consoles as its event arrives (the server's event
    is stood in for at the socket: the answer itself is a real row, read back by the pop-up); one
    lead handles it there with a note, and the real "flag acknowledged" event from the server takes
    it off the other lead's screen. The wallboard shows agent1's 满意率 today, read again when an
    answer arrives."""
    first, second = new_page(), new_page()
    socks_a: list[Any] = []
    socks_b: list[Any] = []
    for page, socks, path in ((first, socks_a, "/satisfaction"), (second, socks_b, "/workforce/duty")):
        _live(page, socks)
        login(page, "banzhang")
        landed = _landed(page, socks)
        page.goto(path)
        _opened(page, socks, landed)
    answer_id, call_id, agent_id = _answer("agent1")
    for page, socks in ((first, socks_a), (second, socks_b)):
        event = {"id": answer_id, "call_id": call_id, "queue": "elderly", "agent_id": agent_id}
        _say(socks, "satisfaction.dissatisfied_flagged", event)
        page.get_by_test_id(f"sat-popup-{answer_id}").wait_for()
    popup = first.get_by_test_id(f"sat-popup-{answer_id}")
    assert "收到不满意评价" in popup.inner_text()
    assert_accessible(first)
    first.get_by_test_id(f"sat-popup-note-{answer_id}").fill("已致电来电人致歉")
    first.get_by_test_id(f"sat-popup-ack-{answer_id}").click()
    first.get_by_text("已处理该不满意评价").first.wait_for()
    popup.wait_for(state="detached")
    second.get_by_test_id(f"sat-popup-{answer_id}").wait_for(state="detached")  # the server's event
    flags = first.request.get("/api/satisfaction/flags", params={"state": "acknowledged", "call_id": call_id})
    assert [(f["flag_note"], f["flag_by"]) for f in flags.json()["items"]] == [
        ("已致电来电人致歉", "banzhang")
    ]

    # agent1 signed in to the queues (the wallboard lists signed-in agents), signed out after.
    desk = new_page()
    login(desk, "agent1")
    if desk.request.get("/api/calls/agent/me").json()["state"] == "logged_out":  # shared server
        assert desk.request.post("/api/calls/agent/login").ok
    try:
        _wallboard_rate(new_page, agent_id)
    finally:
        desk.request.post("/api/calls/agent/logout")


def _wallboard_rate(new_page: Callable[[], Any], agent_id: int) -> None:
    socks: list[Any] = []
    wall = new_page()
    _live(wall, socks)
    login(wall, "banzhang")
    _landed(wall, socks)
    cell = wall.locator(f"[data-wall=sat-{agent_id}]")
    # Today's rate as the page read it (agent1 has the 不满意 above: below 100 %)...
    wall.wait_for_function(
        "sel => document.querySelector(sel)?.textContent?.trim().endsWith('%')",
        arg=f"[data-wall=sat-{agent_id}]",
    )
    before = cell.inner_text()
    assert_accessible(wall)
    # ...goes up with a 满意 answer, read again when its event arrives (to the wallboard's socket).
    _answer("agent1", "1")
    _say(socks, "satisfaction.answer_recorded", {"agent_id": agent_id, "level": "satisfied"})
    wall.wait_for_function(
        "([sel, old]) => document.querySelector(sel)?.textContent?.trim() !== old",
        arg=[f"[data-wall=sat-{agent_id}]", before],
    )
    assert float(cell.inner_text().rstrip("%")) > float(before.rstrip("%"))
