"""渠道收发 in the console at 1366×768: the shift lead reads the intake inbox (a citizen's SMS and
the order it became, by number; the message as received) but cannot retry or release; the
administrator sees the department's answer in the outbox, dead for want of a gateway, and sends it
again. Both pages in Chinese and axe-clean."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible, login, send_sms
from tests.e2e.zh import assert_chinese

pytestmark = pytest.mark.slow


def _page(new_page: Callable[[], Any], user: str) -> Any:
    page = new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, user)
    return page


def _ok(resp: Any) -> dict[str, Any]:
    assert resp.ok, resp.text()
    return dict(resp.json())


def test_inbox_for_the_shift_lead_outbox_retry_for_the_admin(
    new_page: Callable[[], Any], server: str
) -> None:
    msg_id = f"e2e-chan-{time.time_ns()}"
    sent = send_sms(server, msg_id, "13800005555", "请问居家养老服务补贴怎么申请？")
    number = sent["number"]
    assert number

    sup = _page(new_page, "banzhang")
    sup.locator("nav a[data-nav=channels]").click()
    table = sup.get_by_test_id("inbox-table")
    row = table.locator(".el-table__row", has_text=number)
    row.wait_for()
    assert "短信" in row.inner_text() and "已处理" in row.inner_text()
    raw = sup.get_by_test_id(f"inbox-raw-{sent['inbound_id']}").get_attribute("href")
    assert raw is not None and sup.request.get(raw).json()["message_id"] == msg_id
    # reading only: retrying or releasing makes orders, which is the administrator's
    assert sup.get_by_test_id("inbox-retry-all").count() == 0
    assert table.locator("[data-testid^=inbox-revive]").count() == 0
    assert sup.get_by_test_id("inbox-pager-page").inner_text() == "第 1 页"
    assert_chinese(sup, "banzhang /channels")
    assert_accessible(sup)

    # the department answers the citizen; with no SMS gateway the one allowed try fails
    agent = _page(new_page, "agent1")
    order = next(
        o for o in _ok(agent.request.get(f"/api/workorders?q={number}"))["items"] if o["number"] == number
    )
    depts = _ok(agent.request.get("/api/departments?limit=100"))["items"]
    dept = next(d["id"] for d in depts if d["name"] == "养老服务处")
    o = _ok(agent.request.get(f"/api/workorders/{order['id']}"))
    o = _ok(agent.request.post(f"/api/workorders/{o['id']}/accept", data={"version": o["version"]}))
    o = _ok(
        agent.request.post(
            f"/api/workorders/{o['id']}/dispatch", data={"version": o["version"], "department_id": dept}
        )
    )
    handler = _page(new_page, "yanglao")
    o = _ok(handler.request.post(f"/api/workorders/{o['id']}/receive", data={"version": o["version"]}))
    _ok(
        handler.request.post(
            f"/api/workorders/{o['id']}/reply",
            data={"version": o["version"], "note": "可到社区服务中心申请，携带身份证。"},
        )
    )

    admin = _page(new_page, "admin")
    deadline = time.monotonic() + 90  # the sending job runs every 20 s
    while not any(
        r["workorder_number"] == number and r["status"] == "dead"
        for r in _ok_list(admin.request.get("/api/channels/replies?limit=50"))
    ):
        assert time.monotonic() < deadline, "the answer was never tried"
        admin.wait_for_timeout(1000)
    admin.goto("/channels")
    admin.get_by_role("tab", name="答复发件箱").click()
    reply = admin.get_by_test_id("replies-table").locator(".el-table__row", has_text=number)
    reply.get_by_text("停止重试").wait_for()
    assert "答复" in reply.inner_text() and "短信" in reply.inner_text()
    assert_chinese(admin, "admin /channels (replies)")
    assert_accessible(admin)
    reply.get_by_role("button", name="重新发送").click()
    admin.locator(".el-message", has_text="已重新排队").wait_for()
    reply.get_by_text("待发送").or_(reply.get_by_text("停止重试")).first.wait_for()
    # the filter: only dead ones
    admin.get_by_test_id("replies-status").click()
    with admin.expect_response(lambda r: "status=dead" in r.url):
        admin.locator(".el-select-dropdown__item:visible", has_text="停止重试").click()


def _ok_list(resp: Any) -> list[dict[str, Any]]:
    assert resp.ok, resp.text()
    return list(resp.json())
