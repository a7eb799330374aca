"""A department handler's (承办单位) day at 1366×768 in zh-CN: the bell with its count and list,
the desk's tabs with counts, an order received (签收), the citizen's phone revealed on request,
an extension requested for one order and the answer (答复) given on another with a photo
attached. Every stop is scanned for raw keys and English codes, and checked by axe."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import login, shift_page
from tests.e2e.orders import dept_id, new_order
from tests.e2e.zh import check_page

pytestmark = pytest.mark.slow
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def _action(
    page: Any, action: str, note: str | None = None, files: list[dict[str, Any]] | None = None
) -> None:
    page.locator(f'[data-action="{action}"]').click()
    if note is not None:
        page.get_by_test_id("action-note").fill(note)
    if files:
        page.get_by_test_id("reply-files").set_input_files(files)
        page.get_by_test_id("reply-files-chosen").get_by_text(files[0]["name"]).wait_for()
    check_page(page, f"yanglao /workorders/:id ({action} dialog)")
    page.get_by_test_id("action-submit").click()


def test_department_handler_day(new_page: Callable[[], Any]) -> None:
    agent = new_page()
    login(agent, "agent1")
    dept = dept_id(agent, "养老服务处")
    slow = new_order(agent, "社区日间照料中心床位申请", dept, contact_phone="13812340001")
    quick = new_order(agent, "老年人助浴服务咨询", dept, contact_phone="13812340002")

    handler = shift_page(new_page, "yanglao")
    handler.wait_for_url("**/workorders")  # the department's home
    count = handler.get_by_test_id("bell-count").locator("sup")
    count.wait_for()
    assert int(count.inner_text()) >= 2
    handler.get_by_test_id("bell").click()
    handler.get_by_test_id("bell-list").locator("a", has_text=slow["number"]).first.wait_for()
    check_page(handler, "yanglao /workorders (bell open)")
    handler.keyboard.press("Escape")

    # the desk's tabs with counts; 待签收 holds both new orders
    tabs = handler.get_by_test_id("wo-buckets")
    handler.locator('[data-count="to_receive"]').filter(has_text=re.compile(r"^[1-9]\d*$")).wait_for()
    with handler.expect_response(lambda r: "bucket=to_receive" in r.url):
        tabs.locator('[data-bucket="to_receive"]').click()
    table = handler.get_by_test_id("workorders-table")
    table.get_by_text(quick["number"]).wait_for()
    check_page(handler, "yanglao /workorders (待签收)")

    # the first order: received, the citizen's phone on request, more time asked for
    table.get_by_text(slow["number"]).click()
    handler.wait_for_url(f"**/workorders/{slow['id']}")
    handler.get_by_test_id("wo-state").wait_for()
    check_page(handler, "yanglao /workorders/:id")
    _action(handler, "receive")
    handler.get_by_test_id("wo-state").get_by_text("已签收").wait_for()
    assert handler.get_by_test_id("wo-phone").inner_text() == "138****0001"
    handler.get_by_test_id("show-phone").click()
    handler.get_by_test_id("wo-phone").get_by_text("13812340001").wait_for()
    _action(handler, "request_extension", "需要协调日间照料中心床位")
    handler.locator(".el-tag", has_text="延期待审批").wait_for()
    check_page(handler, "yanglao /workorders/:id (extension requested)")

    # the second order: received and answered
    handler.goto(f"/workorders/{quick['id']}")
    _action(handler, "receive")
    handler.get_by_test_id("wo-state").get_by_text("已签收").wait_for()
    photo = {"name": "助浴安排表.png", "mimeType": "image/png", "buffer": PNG}
    _action(handler, "reply", "已联系老人家属，下周二安排上门助浴服务。", files=[photo])
    handler.get_by_test_id("wo-state").get_by_text("已答复").wait_for()
    link = handler.get_by_test_id("wo-files").get_by_role("link", name="助浴安排表.png")
    assert handler.request.get(str(link.get_attribute("href"))).body() == PNG
    handler.get_by_test_id("wo-timeline").get_by_text("上传附件").first.wait_for()
    handler.get_by_test_id("wo-timeline").get_by_text("答复", exact=True).first.wait_for()
    check_page(handler, "yanglao /workorders/:id (answered)")

    # the answered order leaves 待答复 and shows under 已办结 tab counts refreshed
    handler.goto("/workorders")
    with handler.expect_response(lambda r: "bucket=done" in r.url):
        handler.get_by_test_id("wo-buckets").locator('[data-bucket="done"]').click()
    handler.get_by_test_id("workorders-table").get_by_text(quick["number"]).wait_for()
    check_page(handler, "yanglao /workorders (已办结)")
