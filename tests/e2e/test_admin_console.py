"""The administrator's console: create a queue (overflow picked from the queues), unsaved skills are
flagged, the IVR editor asks before publishing or losing edits, restricts node ids, creates / copies
/ deletes flows and assigns numbers; a user's password is reset with the rules stated; the audit
log filters by dates and exports; the built-in music on hold is not "missing"."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import login
from tests.e2e.zh import problems

pytestmark = pytest.mark.slow


def test_create_queue_and_flag_unsaved_skills(new_page: Callable[[], Any]) -> None:
    page = new_page()
    login(page, "admin")
    page.goto("/admin/queues")
    page.get_by_test_id("new-queue").click()
    dialog = page.get_by_test_id("queue-dialog")
    dialog.get_by_role("button", name="取消").click()
    dialog.wait_for(state="hidden")
    page.get_by_test_id("new-queue").click()
    page.get_by_test_id("queue-code").fill("night_line")
    page.get_by_test_id("queue-label").fill("夜间热线")
    page.get_by_test_id("queue-overflow-kind").click()
    page.locator(".el-select-dropdown__item:visible", has_text="转其他队列").click()
    # The target is a queue picked by its name, not typed.
    page.get_by_test_id("queue-overflow-target").click()
    page.locator(".el-select-dropdown__item:visible", has_text="综合咨询").click()
    page.get_by_test_id("queue-save").click()
    page.get_by_test_id("queues-table").get_by_text("夜间热线").wait_for()
    queues = page.request.get("/api/acd/queues").json()["items"]
    night = next(q for q in queues if q["name"] == "night_line")
    assert (night["overflow_kind"], night["overflow_target"]) == ("queue", "general")

    assert page.get_by_test_id("skills-unsaved").count() == 0
    page.get_by_role("checkbox", name="李话务员 夜间热线").locator("xpath=..").click()
    page.get_by_test_id("skills-unsaved").get_by_text("李话务员").wait_for()


def test_ivr_editor_guards_the_live_line(new_page: Callable[[], Any]) -> None:
    page = new_page()
    login(page, "admin")
    page.goto("/ivr")
    page.locator('.vue-flow__node[data-id="main_menu"]').wait_for()
    published = page.request.get("/api/ivr/flows/1").json()["published_number"]
    # Readable: the graph is not shrunk below 80 % to fit (node text stays >= 10 px).
    scale = page.locator(".vue-flow__viewport").evaluate(
        "e => new DOMMatrix(getComputedStyle(e).transform).a"
    )
    assert scale >= 0.79, scale

    # Node ids: a-z, 0-9 and _ only.
    page.get_by_test_id("ivr-add-id").fill("bad id!")
    page.get_by_test_id("ivr-add").click()
    page.locator(".el-message", has_text="只能包含小写字母、数字和下划线").wait_for()
    assert page.locator('.vue-flow__node[data-id="bad id!"]').count() == 0
    # A new menu has no key pointing back at the start, and appears where the user looks.
    page.get_by_test_id("ivr-add-id").fill("new_menu")
    page.locator(".toolbar .el-select").first.click()
    page.locator(".el-select-dropdown__item:visible", has_text="菜单").click()
    page.get_by_test_id("ivr-add").click()
    node = page.locator('.vue-flow__node[data-id="new_menu"]')
    node.wait_for()
    box, graph = node.bounding_box(), page.locator(".graph").bounding_box()
    assert graph["x"] <= box["x"] and box["x"] + box["width"] <= graph["x"] + graph["width"]
    assert graph["y"] <= box["y"] and box["y"] + box["height"] <= graph["y"] + graph["height"]
    assert page.locator(".vue-flow__edge").filter(has=page.locator("[data-id*=new_menu]")).count() == 0
    page.get_by_test_id("ivr-dirty").wait_for()

    # Publishing asks first; cancelling publishes nothing.
    page.get_by_test_id("ivr-publish").click()
    page.locator(".el-message-box").get_by_role("button", name="取消").click()
    assert page.request.get("/api/ivr/flows/1").json()["published_number"] == published

    # Leaving with unsaved edits asks; staying keeps them.
    page.locator("nav a[data-nav=users]").click()
    box_ = page.locator(".el-message-box", has_text="未保存")
    box_.get_by_role("button", name="取消").click()
    assert page.url.endswith("/ivr")
    assert node.is_visible()
    # Toolbar: 发布 stays on the first line at 1366 wide.
    page.set_viewport_size({"width": 1366, "height": 768})
    lines = page.get_by_test_id("ivr-toolbar").locator(".line")
    assert lines.nth(0).get_by_test_id("ivr-publish").is_visible()
    assert lines.nth(0).evaluate("e => e.scrollWidth <= e.clientWidth + 1")
    page.get_by_test_id("ivr-zoom-in").click()
    page.locator("nav a[data-nav=users]").click()
    page.locator(".el-message-box").get_by_role("button", name="确定").click()
    page.wait_for_url("**/admin/users")


def test_ivr_flows_created_copied_assigned_and_deleted(new_page: Callable[[], Any]) -> None:
    page = new_page()
    login(page, "admin")
    page.goto("/ivr")
    page.locator('.vue-flow__node[data-id="main_menu"]').wait_for()
    page.get_by_test_id("ivr-copy-flow").click()
    page.get_by_test_id("ivr-flow-name").fill("night_menu")
    page.get_by_test_id("ivr-flow-create").click()
    page.locator(".flow.on", has_text="night_menu").wait_for()
    page.locator('.vue-flow__node[data-id="main_menu"]').wait_for()  # a copy of the open flow
    page.get_by_test_id("ivr-numbers").fill("12349")
    page.get_by_test_id("ivr-numbers-save").click()
    page.locator(".el-message", has_text="接入号码已保存").wait_for()
    flows = page.request.get("/api/ivr/flows").json()["items"]
    assert {f["name"]: f["numbers"] for f in flows}["night_menu"] == "12349"
    page.get_by_test_id("ivr-delete-flow").click()
    page.locator(".el-message-box").get_by_role("button", name="删除").click()
    page.locator(".flow", has_text="night_menu").wait_for(state="detached")
    assert "night_menu" not in [f["name"] for f in page.request.get("/api/ivr/flows").json()["items"]]


def test_reset_password_audit_export_and_moh(new_page: Callable[[], Any]) -> None:
    page = new_page()
    login(page, "admin")
    page.goto("/admin/users")
    page.get_by_test_id("new-user").click()
    dialog = page.locator(".el-dialog:visible")
    dialog.get_by_text("密码至少 8 位").wait_for()
    dialog.get_by_role("button", name="保存").click()
    msg = page.locator(".el-message", has_text="密码：至少 8 个字符")
    msg.wait_for()
    assert "body." not in msg.inner_text()
    dialog.get_by_role("button", name="取消").click()

    page.get_by_test_id("users-table").locator("tr", has_text="agent2").get_by_role(
        "button", name="编辑"
    ).click()
    page.get_by_test_id("reset-password").fill("Temp2026pass")
    page.get_by_test_id("reset-password-submit").click()
    page.locator(".el-message", has_text="密码已重置").wait_for()
    page.locator(".el-dialog:visible").get_by_role("button", name="取消").click()

    page.goto("/admin/audit")
    table = page.get_by_test_id("audit-table")
    table.get_by_text("用户").first.wait_for()
    table.get_by_text("重置密码").first.wait_for()
    href = page.get_by_test_id("audit-export-csv").get_attribute("href")
    assert href is not None and href.startswith("/api/audit/export.csv")
    page.get_by_placeholder("开始日期").fill("2020-01-01")
    page.get_by_placeholder("结束日期").fill("2020-01-02")
    page.keyboard.press("Enter")
    table.get_by_text("暂无数据").wait_for()
    href = page.get_by_test_id("audit-export-xlsx").get_attribute("href")
    assert href is not None and "since=2020-01-01" in href
    assert page.request.get(href).status == 200

    page.goto("/admin/telephony")
    page.get_by_role("tab", name="提示音").click()
    page.get_by_test_id("moh-builtin").wait_for()


def test_hours_preview_shows_unsaved_edits(new_page: Callable[[], Any]) -> None:
    page = new_page()
    login(page, "admin")
    page.goto("/admin/queues")
    card = page.get_by_test_id("hours-hotline")
    card.get_by_text("热线服务时间").wait_for()  # the schedule's name, not its code
    calendar = page.get_by_test_id("hours-calendar-hotline")
    calendar.locator(".el-table__row").first.wait_for()
    assert "20:00–23:45" not in calendar.inner_text()
    page.get_by_test_id("add-workday-hotline").click()
    card.get_by_test_id("hours-preview-title").get_by_text("含未保存的修改").wait_for()
    calendar.get_by_text("20:00–23:45").first.wait_for()
    saved = next(h for h in page.request.get("/api/acd/hours").json() if h["name"] == "hotline")
    assert ["20:00", "23:45"] not in saved["schedule"]["windows"]["workday"]


def test_work_order_configuration_page(new_page: Callable[[], Any]) -> None:
    page = new_page()
    login(page, "admin")
    page.locator("nav a[data-nav=config]").click()
    page.get_by_test_id("cat-code").fill("e2e_cat")
    page.get_by_test_id("cat-name").fill("端到端测试分类")
    page.get_by_test_id("cat-add").click()
    page.get_by_test_id("categories-table").get_by_text("端到端测试分类").wait_for()

    page.get_by_role("tab", name="办理时限").click()
    page.get_by_test_id("pol-close").locator("input").fill("12")
    page.get_by_test_id("pol-save").click()
    page.get_by_test_id("policies-table").locator("tr", has_text="咨询").get_by_text("12").first.wait_for()

    page.get_by_role("tab", name="节假日日历").click()
    page.get_by_placeholder("日期", exact=True).fill("2026-12-31")
    page.keyboard.press("Enter")
    page.get_by_test_id("cal-note").fill("跨年放假")
    page.get_by_test_id("cal-save").click()
    page.get_by_test_id("calendar-table").get_by_text("跨年放假").wait_for()

    page.get_by_role("tab", name="录音保留").click()
    page.get_by_test_id("retention").get_by_text("永久保留").wait_for()


def test_ivr_edge_drawn_by_dragging(new_page: Callable[[], Any]) -> None:
    page = new_page()
    login(page, "admin")
    page.goto("/ivr")
    page.locator('.vue-flow__node[data-id="main_menu"]').wait_for()
    page.get_by_test_id("ivr-add-id").fill("drag_play")
    page.get_by_test_id("ivr-add").click()  # a 放音 node, its next the start node
    page.get_by_test_id("ivr-fit").click()
    source = page.locator('.vue-flow__node[data-id="drag_play"] .vue-flow__handle.source')
    target = page.locator('.vue-flow__node[data-id="main_menu"] .vue-flow__handle.target')
    s, t = source.bounding_box(), target.bounding_box()
    page.mouse.move(s["x"] + s["width"] / 2, s["y"] + s["height"] / 2)
    page.mouse.down()
    page.mouse.move(t["x"] + t["width"] / 2, t["y"] + t["height"] / 2, steps=12)
    page.mouse.up()
    page.locator('.vue-flow__edge[data-id^="drag_play-"][data-id$="-main_menu"]').wait_for(state="attached")
    page.get_by_test_id("ivr-dirty").wait_for()


LABEL_BOXES = """() => [...document.querySelectorAll('.vue-flow__edge')].flatMap((edge) => {
  const text = edge.querySelector('.vue-flow__edge-text');
  if (!text || !text.textContent.trim()) return [];
  const bg = edge.querySelector('.vue-flow__edge-textbg') || text;
  const r = bg.getBoundingClientRect();
  const id = edge.getAttribute('data-id');
  return [{id, text: text.textContent, x: r.x, y: r.y, w: r.width, h: r.height}];
})"""


def test_ivr_graph_readable_labels_and_minimap(new_page: Callable[[], Any]) -> None:
    """The demo flow's edge labels never cover one another (parallel edges between the same two
    nodes included) nor a node, branch cases read in words, and a minimap shows where the view is
    in a flow larger than the screen."""
    page = new_page()
    page.set_viewport_size({"width": 1366, "height": 768})
    login(page, "admin")
    page.goto("/ivr")
    page.locator('.vue-flow__node[data-id="main_menu"]').wait_for()
    minimap = page.locator(".vue-flow__minimap")
    minimap.wait_for()
    assert minimap.locator(".vue-flow__minimap-node").count() == page.locator(".vue-flow__node").count()
    for zoom in ("ivr-fit", "ivr-zoom-in"):
        page.get_by_test_id(zoom).click()
        page.wait_for_timeout(400)  # the zoom's transition
        boxes = page.evaluate(LABEL_BOXES)
        assert len(boxes) >= 8, boxes
        overlaps = [
            (a["text"], a["id"], b["text"], b["id"])
            for i, a in enumerate(boxes)
            for b in boxes[i + 1 :]
            if a["x"] < b["x"] + b["w"] - 0.5
            and b["x"] < a["x"] + a["w"] - 0.5
            and a["y"] < b["y"] + b["h"] - 0.5
            and b["y"] < a["y"] + a["h"] - 0.5
        ]
        assert not overlaps, overlaps
        nodes = page.locator(".vue-flow__node").evaluate_all(
            "ns => ns.map(n => { const r = n.getBoundingClientRect(); "
            "return {id: n.dataset.id, x: r.x, y: r.y, w: r.width, h: r.height}; })"
        )
        hidden = [
            (a["text"], n["id"])
            for a in boxes
            for n in nodes
            if a["x"] < n["x"] + n["w"] - 0.5
            and n["x"] < a["x"] + a["w"] - 0.5
            and a["y"] < n["y"] + n["h"] - 0.5
            and n["y"] < a["y"] + a["h"] - 0.5
        ]
        assert not hidden, hidden  # a label under a node cannot be read
    # edge labels are SVG text, out of the page scan's reach: branch cases in words, not codes
    english = [b["text"] for b in boxes if re.search(r"[A-Za-z]", b["text"]) or problems(b["text"])]
    assert not english, english
