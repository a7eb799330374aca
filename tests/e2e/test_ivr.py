"""IVR editor: change a menu key's target in the graph editor, validate, simulate it with digits,
publish it as a new version. Screenshot and axe-core."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.e2e.conftest import assert_accessible, login, screenshot

pytestmark = pytest.mark.slow


def _key_1_to_elderly(page: Any) -> None:
    """Menu key 1 as the demo has it (the elderly services queue): an earlier test on this shared
    server (test_sipp_call) may have published it to the general queue already, and choosing the
    target it has would change nothing to publish."""
    flow = page.request.get("/api/ivr/flows/1").json()
    definition = flow["published"]
    if definition["nodes"]["main_menu"]["options"]["1"] == "q_elderly":
        return
    definition["nodes"]["main_menu"]["options"]["1"] = "q_elderly"
    body = {"definition": definition, "comment": "e2e: 1 -> elderly", "version": flow["version"]}
    assert page.request.put("/api/ivr/flows/1/draft", data=body).ok
    assert page.request.post("/api/ivr/flows/1/publish").ok


def test_edit_simulate_publish(new_page: Callable[[], Any]) -> None:
    page = new_page()
    login(page, "banzhang")
    _key_1_to_elderly(page)
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
