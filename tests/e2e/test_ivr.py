"""IVR editor: change a menu key's target in the graph editor, validate, simulate it with digits,
publish it as a new version. Screenshot and axe-core."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible, login, screenshot

pytestmark = pytest.mark.slow


def test_edit_simulate_publish(new_page: Callable[[], Any]) -> None:
    page = new_page()
    login(page, "banzhang")
    page.goto("/ivr")
    page.locator('.vue-flow__node[data-id="main_menu"]').click()
    props = page.get_by_test_id("ivr-props")
    props.get_by_text("main_menu").first.wait_for()

    # menu key 1 (elderly services) now goes to the general queue
    props.locator('[data-ivr-map="options:1"]').click()
    page.locator(".el-select-dropdown__item:visible", has_text="q_general").first.click()
    page.get_by_test_id("ivr-validate").click()
    page.get_by_test_id("ivr-check").get_by_text("校验通过").wait_for()

    page.get_by_test_id("ivr-sim-digits").fill("1")
    page.get_by_test_id("ivr-sim-at").fill("2026-11-24 10:00")  # a working Tuesday, open hours
    page.get_by_test_id("ivr-sim-run").click()
    result = page.get_by_test_id("ivr-sim-result")
    result.get_by_text("q_general").wait_for()
    assert "进入队列" in result.inner_text() and "enqueue" not in result.inner_text()
    screenshot(page, "ivr-editor")
    assert_accessible(page)

    page.get_by_test_id("ivr-publish").click()
    # Publishing changes the live line: it asks first.
    page.locator(".el-message-box").get_by_role("button", name="确定").click()
    page.locator(".el-message", has_text="已发布").wait_for()
    versions = page.get_by_test_id("ivr-versions").inner_text()
    assert "v2" in versions, versions
    flow = page.request.get("/api/ivr/flows/1").json()
    assert flow["published"]["nodes"]["main_menu"]["options"]["1"] == "q_general"
