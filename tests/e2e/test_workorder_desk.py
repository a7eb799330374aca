"""The work-order desk in the console at 1366×768, zh-CN (console review 2026-12, §3 and §4): the
department handler's bell (count, list, link, read, beep), desk tabs with counts, category and
department names, the phone shown on request, clear messages for empty notes, no reply over a
pending extension, one request per double click; the supervisor's overview chips with counts,
current-step deadline with time left, 超期天数, sort by deadline, merge by order number and a
confirmed, reasoned cancel."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible, login
from tests.e2e.orders import dept_id as _dept
from tests.e2e.orders import new_order as _order
from tests.e2e.orders import ok as _ok

pytestmark = pytest.mark.slow

COUNT_BEEPS = """
window.__beeps = 0;
const Real = window.AudioContext;
if (Real) window.AudioContext = class extends Real {
  createOscillator() { window.__beeps++; return super.createOscillator(); }
};
"""


def _page(new_page: Callable[[], Any], user: str) -> Any:
    page = new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    page.add_init_script(COUNT_BEEPS)
    login(page, user)
    return page


def _wait(cond: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.25)


def _action(page: Any, action: str, note: str | None = None) -> None:
    page.locator(f'[data-action="{action}"]').click()
    if note is not None:
        page.get_by_test_id("action-note").fill(note)
    page.get_by_test_id("action-submit").click()


def test_department_handler_desk(new_page: Callable[[], Any]) -> None:
    agent = _page(new_page, "agent1")
    dept = _dept(agent, "养老服务处")
    resp = agent.request.get("/api/workorders/categories")
    assert resp.ok, resp.text()
    cats = resp.json()
    cat = next(c for c in cats if c["parent_id"])
    o = _order(agent, "独居老人申请助餐服务", dept, contact_phone="13812345678", category_id=cat["id"])

    sup = _page(new_page, "banzhang")
    _ok(
        sup.request.post(
            f"/api/workorders/{o['id']}/supervise",
            data={"version": o["version"], "note": "老人独居，请今天联系"},
        )
    )
    handler = _page(new_page, "yanglao")
    # the bell: unread count, the dispatch in the list, a click opens the order and marks it read
    count = handler.get_by_test_id("bell-count").locator("sup")
    count.wait_for()
    before = int(count.inner_text())
    assert before >= 1
    handler.get_by_test_id("bell").click()
    mine = handler.get_by_test_id("bell-list").locator("a", has_text=o["number"])
    assert "督办" in mine.first.inner_text() and "新派单" in mine.nth(1).inner_text()
    item = mine.first
    item.click()
    handler.wait_for_url(f"**/workorders/{o['id']}")
    _wait(lambda: count.count() == 0 or int(count.inner_text()) == before - 1, 30, "the opened one is read")

    # the supervision's text is on the order, not only in the timeline
    assert "老人独居，请今天联系" in handler.get_by_test_id("wo-supervision").inner_text()
    # names, not ids; the current step's deadline with the time left; the phone on request
    details = handler.locator(".el-descriptions")
    assert cat["name"] in details.inner_text() and "养老服务处" in details.inner_text()
    assert not re.search(r"分类\s*\d+\s", details.inner_text())
    assert re.search(
        r"剩 \d+ 天 \d+ 小时|已超期 \d+ 天 \d+ 小时", handler.get_by_test_id("wo-time-left").inner_text()
    )
    assert "当前环节时限" in details.inner_text() and "办结时限" not in details.inner_text()
    assert handler.get_by_test_id("wo-phone").inner_text() == "138****5678"
    handler.get_by_test_id("show-phone").click()
    handler.get_by_test_id("wo-phone").get_by_text("13812345678").wait_for()

    # a double click on 确定 is one 签收 (no "已被他人修改" from oneself)
    handler.locator('[data-action="receive"]').click()
    handler.get_by_test_id("action-submit").dblclick()
    handler.get_by_test_id("wo-state").get_by_text("已签收").wait_for()
    timeline = handler.get_by_test_id("wo-timeline")
    timeline.get_by_text("签收", exact=True).wait_for()
    assert timeline.get_by_text("签收", exact=True).count() == 1
    assert handler.get_by_text("已被他人修改").count() == 0

    # empty required notes say what to do
    _action(handler, "reply")
    handler.get_by_text("请填写答复内容").first.wait_for()
    handler.keyboard.press("Escape")
    _action(handler, "request_extension")
    handler.get_by_text("请填写备注").first.wait_for()
    handler.get_by_test_id("action-note").fill("需要现场核实")
    handler.get_by_test_id("action-submit").click()
    handler.locator(".el-tag", has_text="延期待审批").wait_for()
    # no reply over a pending extension: a clear refusal, the request stays pending
    _action(handler, "reply", "已安排助餐")
    handler.get_by_text("延期申请待审批，暂不能答复").first.wait_for()
    handler.keyboard.press("Escape")
    assert handler.locator(".el-tag", has_text="延期待审批").count() == 1

    # the desk: tabs with counts, the default excludes closed orders, no department column
    handler.goto("/workorders")
    tabs = handler.get_by_test_id("wo-buckets")
    for name in ("在办", "待签收", "待答复", "即将超期", "已办结"):
        tabs.get_by_text(name).wait_for()
    handler.locator('[data-count="to_reply"]').filter(has_text=re.compile(r"^\d+$")).wait_for()
    table = handler.get_by_test_id("workorders-table")
    table.get_by_text(o["number"]).wait_for()
    headers = table.locator("thead").inner_text()
    assert "承办部门" not in headers and "当前环节时限" in headers and "超期天数" in headers
    states = table.locator("tbody tr td:nth-child(4)").all_inner_texts()
    assert states and not {"已办结", "已答复", "回访中"} & set(states)
    with handler.expect_response(lambda r: "bucket=done" in r.url):
        tabs.locator('[data-bucket="done"]').click()
    assert_accessible(handler)

    # a new dispatch rings: the count rises and a beep is played (polled every 20 s)
    handler.evaluate("window.__beeps = 0")
    unread = lambda: int(count.inner_text()) if count.count() else 0  # noqa: E731
    was = unread()
    _order(agent, "社区助浴服务申请", dept)
    _wait(lambda: unread() > was, 45, "the bell counts the new dispatch")
    assert handler.evaluate("window.__beeps") >= 1


def test_supervisor_overviews_merge_cancel(new_page: Callable[[], Any]) -> None:
    agent = _page(new_page, "agent1")
    dept = _dept(agent, "养老服务处")
    ext = _order(agent, "申请延期的工单", dept)
    handler = _page(new_page, "yanglao")
    ext = _ok(handler.request.post(f"/api/workorders/{ext['id']}/receive", data={"version": ext["version"]}))
    _ok(
        handler.request.post(
            f"/api/workorders/{ext['id']}/request-extension",
            data={"version": ext["version"], "days": 3, "note": "需要现场核实"},
        )
    )
    target, dup, doomed = (_order(agent, t) for t in ("养老补贴咨询", "养老补贴咨询重复来电", "误建工单"))

    sup = _page(new_page, "banzhang")
    sup.goto("/workorders")
    chips = sup.get_by_test_id("wo-buckets")
    for name in ("待派单", "退单待处理", "即将超期", "已超期", "延期待审批", "不满意重办"):
        chips.get_by_text(name).wait_for()
    sup.locator('[data-count="extension"]').filter(has_text=re.compile(r"^[1-9]\d*$")).wait_for()
    with sup.expect_response(lambda r: "bucket=extension" in r.url):
        chips.locator('[data-bucket="extension"]').click()
    table = sup.get_by_test_id("workorders-table")
    table.get_by_text(ext["number"]).wait_for()
    assert re.search(r"剩 \d+ 天 \d+ 小时|已超期", table.get_by_test_id("time-left").first.inner_text())
    assert "超期天数" in table.locator("thead").inner_text()
    with sup.expect_response(lambda r: "sort=due_at" in r.url):
        table.locator("thead th", has_text="当前环节时限").locator(".ascending").click()

    # merge by the order's number; the label stays on one line
    sup.goto(f"/workorders/{dup['id']}")
    sup.locator('[data-action="merge"]').click()
    label = sup.locator(".el-dialog .el-form-item__label", has_text="合并到工单编号")
    note_label = sup.locator(".el-dialog .el-form-item__label", has_text="备注")
    assert label.bounding_box()["height"] <= note_label.bounding_box()["height"] + 1
    sup.get_by_test_id("action-into").fill(target["number"])
    sup.get_by_test_id("action-note").fill("重复来电")
    sup.get_by_test_id("action-submit").click()
    sup.get_by_test_id("wo-state").get_by_text("已合并").wait_for()

    # cancel: a reason is required, then a confirmation
    sup.goto(f"/workorders/{doomed['id']}")
    _action(sup, "cancel")
    sup.get_by_text("请填写撤销理由").first.wait_for()
    sup.get_by_test_id("action-note").fill("误建")
    sup.get_by_test_id("action-submit").click()
    box = sup.locator(".el-message-box")
    box.get_by_text(f"确定撤销工单 {doomed['number']}").wait_for()
    box.get_by_role("button", name="确定").click()
    sup.get_by_test_id("wo-state").get_by_text("已撤销").wait_for()
