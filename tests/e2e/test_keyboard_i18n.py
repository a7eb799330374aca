"""Keyboard reach and the second language: every workspace control is reached with Tab alone, the
shortcut overlay opens with "?", and switching to English relabels the console (zh-CN default)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import login

pytestmark = pytest.mark.slow

WORKSPACE_CONTROLS = {"lookup-input", "wo-title", "wo-content", "wo-dispatch", "wo-resolve", "kb-input"}


def test_workspace_controls_reachable_by_tab(new_page: Callable[[], Any]) -> None:
    page = new_page()
    login(page, "agent1")
    page.get_by_test_id("kb-input").wait_for()
    # Start from a spot that is not a control (the brand); a fixed point may land on a menu link.
    page.locator(".brand").click()
    seen: set[str] = set()
    for _ in range(80):
        page.keyboard.press("Tab")
        testid = page.evaluate(
            "() => { const e = document.activeElement;"
            " return (e && (e.dataset.testid || e.closest('[data-testid]')?.dataset.testid)) || '' }"
        )
        seen.add(testid)
        if seen >= WORKSPACE_CONTROLS:
            break
    assert seen >= WORKSPACE_CONTROLS, WORKSPACE_CONTROLS - seen
    # nav links are real links, reachable too
    assert page.locator("nav a[data-nav=knowledge]").get_attribute("href") == "/knowledge"


def test_switch_to_english_and_back(new_page: Callable[[], Any]) -> None:
    page = new_page()
    login(page, "banzhang")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("[data-nav=workorders]").inner_text().strip() == "工单列表"
    page.locator("header .el-select").click()
    page.locator(".el-select-dropdown__item:visible", has_text="English").click()
    page.locator("[data-nav=workorders]", has_text="Work orders").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    page.reload()  # remembered
    page.locator("[data-nav=workorders]", has_text="Work orders").wait_for()
    page.locator("header .el-select").click()
    page.locator(".el-select-dropdown__item:visible", has_text="简体中文").click()
    page.locator("[data-nav=workorders]", has_text="工单列表").wait_for()
