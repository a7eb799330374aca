"""通知设置 in the console at 1366×768, zh-CN (issue 12, department handler: "plus mail/SMS per user
preference"): the handler opens it from the bell, is told an address is needed before mail can be
switched on, turns mail on for 派单, and the setting survives a reload. Then an agent dispatches an
order to the handler's department and the running server's job mails the handler through a real
SMTP relay: one mail, in Chinese, with the order's number and a link, and no citizen's phone.
An administrator sees the same settings for that user from 用户与角色, and the mail as sent in
渠道收发's notification outbox (address masked)."""

from __future__ import annotations

import email
import email.policy
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import SERVER_INFO, assert_accessible, login, screenshot
from tests.e2e.zh import VISIBLE_TEXT, assert_chinese

pytestmark = pytest.mark.slow

ADDRESS = "yanglao.notify@mz.example.gov.cn"


def _ok(resp: Any) -> dict[str, Any]:
    assert resp.ok, resp.text()
    return dict(resp.json())


def _mails_to(address: str) -> list[email.message.EmailMessage]:
    relay = SERVER_INFO["relay"]
    return [
        email.message_from_bytes(raw, policy=email.policy.default)  # type: ignore[misc]
        for rcpts, raw in list(relay.messages)
        if address in rcpts
    ]


def test_handler_turns_on_mail_notifications_and_gets_the_dispatch_by_mail(
    new_page: Callable[[], Any],
) -> None:
    page = new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, "yanglao")
    page.get_by_test_id("bell").click()
    page.get_by_test_id("bell-settings").click()
    page.wait_for_url("**/notify-settings")
    page.get_by_test_id("notify-grid").wait_for()
    rows = page.get_by_test_id("notify-grid").locator("tbody tr")
    assert rows.count() == 5  # 退单 is the center's, not offered to a department
    assert rows.first.locator("th").inner_text() == "新派单"
    mail_dispatch = page.get_by_test_id("notify-mail-dispatch")
    assert not mail_dispatch.locator("input").is_checked()  # off by default

    # Mail without an address: said at once, in Chinese, nothing saved.
    mail_dispatch.click()
    page.get_by_test_id("notify-save").click()
    assert page.get_by_test_id("notify-error").inner_text() == "开启邮件通知需填写邮箱地址"

    page.get_by_test_id("notify-email").fill(ADDRESS)
    page.get_by_test_id("notify-save").click()
    page.get_by_text("已保存").first.wait_for()
    assert page.get_by_test_id("notify-error").count() == 0
    assert_chinese(page, "通知设置")
    screenshot(page, "notify-settings")
    assert "woDesk." not in page.evaluate(VISIBLE_TEXT)
    assert_accessible(page)

    page.reload()
    page.get_by_test_id("notify-grid").wait_for()
    assert page.get_by_test_id("notify-mail-dispatch").locator("input").is_checked()
    assert not page.get_by_test_id("notify-sms-dispatch").locator("input").is_checked()
    assert page.get_by_test_id("notify-email").input_value() == ADDRESS
    mine = _ok(page.request.get("/api/workorders/notify/settings"))
    assert mine["mail"] == ["dispatch"] and mine["sms"] == []

    # An agent dispatches an order to the handler's department: the job mails it (real SMTP).
    agent = new_page()
    login(agent, "agent1")
    depts = _ok(agent.request.get("/api/departments?limit=100"))["items"]
    dept = next(d["id"] for d in depts if d["name"] == "养老服务处")
    body = {
        "type": "help_request",
        "title": "通知测试：独居老人助餐 13912345678",
        "content": "市民来电反映独居老人吃饭难，联系电话 13912345678。",
    }
    order = _ok(agent.request.post("/api/workorders", data=body))
    dispatch = {"version": order["version"], "department_id": dept}
    order = _ok(agent.request.post(f"/api/workorders/{order['id']}/dispatch", data=dispatch))
    deadline = time.monotonic() + 60  # the job runs every 15 s
    while not any(order["number"] in str(m["Subject"]) for m in _mails_to(ADDRESS)):
        assert time.monotonic() < deadline, "no notification mail reached the relay"
        time.sleep(0.5)
    mails = [m for m in _mails_to(ADDRESS) if order["number"] in str(m["Subject"])]
    assert len(mails) == 1
    text = mails[0].get_content()
    assert "新派单" in str(mails[0]["Subject"]) and f"/workorders/{order['id']}" in text
    assert "13912345678" not in text and "139****5678" in text
    # Nobody who did not opt in got one (demo handlers and supervisors have mail off).
    others = [raw for rcpts, raw in SERVER_INFO["relay"].messages if ADDRESS not in rcpts]
    assert not any(order["number"].encode() in raw for raw in others)

    # The administrator sees (and may change) the handler's settings from the users page.
    admin = new_page()
    admin.set_viewport_size({"width": 1366, "height": 768})
    login(admin, "admin")
    admin.goto("/admin/users")
    admin.get_by_test_id("notify-yanglao").click()
    dialog = admin.locator(".el-dialog:visible")
    dialog.get_by_test_id("notify-grid").wait_for()
    assert dialog.get_by_test_id("notify-email").input_value() == ADDRESS
    assert dialog.get_by_test_id("notify-mail-dispatch").locator("input").is_checked()
    assert_chinese(admin, "用户与角色 · 通知设置")

    # ...and the delivery in 渠道收发, sent, the address masked.
    admin.goto("/channels")
    admin.get_by_role("tab", name="工单通知发件箱").click()
    row = admin.get_by_test_id("notify-table").locator("tr", has_text=order["number"])
    row.wait_for()
    assert "已发送" in row.inner_text() and "y***@mz.example.gov.cn" in row.inner_text()
    assert ADDRESS not in admin.evaluate(VISIBLE_TEXT)
    assert_chinese(admin, "渠道收发 · 工单通知发件箱")
