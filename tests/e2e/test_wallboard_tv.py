"""The wallboard as a TV at 1920×1080, read from 3 m: no console frame, large figures, every queue
listed at zero before its first call, no made-up durations for agents who never signed in; and an
emergency (a real SIPp care caller pressing 1) is a large alert that survives a reload until a
supervisor acknowledges it."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.callcenter.rig import caller_xml
from tests.e2e.conftest import SERVER_INFO, assert_accessible, clear_emergencies, login, screenshot
from tests.sip.harness import Sipp

pytestmark = pytest.mark.slow
IP = "127.0.0.1"


@pytest.fixture
def sipp_dir() -> Iterator[Path]:
    if shutil.which("sipp") is None:
        pytest.skip("sipp is not installed (make test installs sip-tester)")
    tmp = Path(tempfile.mkdtemp(prefix="hotline-e2e-tv-"))
    yield tmp
    shutil.rmtree(tmp, ignore_errors=True)


def px(page: Any, selector: str) -> float:
    return float(page.eval_on_selector(selector, "el => parseFloat(getComputedStyle(el).fontSize)"))


def test_tv_wallboard_readable_and_emergency_alert(new_page: Callable[[], Any], sipp_dir: Path) -> None:
    sup = new_page()
    sup.set_viewport_size({"width": 1920, "height": 1080})
    login(sup, "banzhang")
    sup.goto("/tv")
    sup.get_by_test_id("wall-live").wait_for()
    assert sup.locator("aside, .el-aside, [data-testid=logout]").count() == 0  # no console frame
    assert px(sup, "[data-testid=center-kpis] .kpi .v") >= 48
    assert px(sup, "[data-testid=center-kpis] .kpi .l") >= 20
    queues = sup.request.get("/api/acd/queues?limit=100").json()["items"]
    table = sup.get_by_test_id("wall-queues")
    for q in queues:  # every queue shown, even before its first call
        table.get_by_text(q["label"], exact=True).first.wait_for()
    assert "NaN" not in sup.inner_text("body")
    screenshot(sup, "wallboard-tv")
    assert_accessible(sup)

    # a care caller presses 1 (emergency): the big alert shows who and each leg of the fan-out
    clear_emergencies(sup)  # earlier tests' alerts: this one is the only one on the board
    callers = sup.request.get("/api/callers?limit=100").json()["items"]
    caller = next(c for c in callers if c["care_profile"] and c["phones"] and c["emergency_contacts"])
    number = caller["phones"][0]["number"]
    scenario = sipp_dir / "caller.xml"
    scenario.write_text(caller_xml(number, "1", 4_000))
    sipp = Sipp(
        str(scenario), int(SERVER_INFO["sip_port"]), ip=IP, args=["-s", "12345", "-m", "1"], cwd=sipp_dir
    )
    sipp.start()
    try:
        banner = sup.get_by_test_id("emergency-banner")
        banner.wait_for(timeout=30_000)
        banner.get_by_text(caller["name"]).wait_for()
        assert banner.get_by_test_id("emergency-legs").locator("li").count() >= 2  # 120 and family
        assert px(sup, "[data-testid=emergency-banner] .title") >= 32
    finally:
        sipp.wait(60)
    sup.reload()  # survives a reload until acknowledged
    sup.get_by_test_id("emergency-banner").get_by_text(caller["name"]).wait_for()
    sup.goto("/wallboard")  # acknowledged from the supervisor's own console
    sup.get_by_test_id("emergency-ack").click()
    sup.get_by_test_id("emergency-banner").wait_for(state="detached")
    assert sup.request.get("/api/calls/emergencies").json() == []
