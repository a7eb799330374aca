"""Telephony administration in the console: a trunk created in the browser reaches the running engine,
a phone's real REGISTER shows on the extensions tab, and a prompt recording is uploaded and played."""

from __future__ import annotations

import io
import socket
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from tests.e2e.conftest import SERVER_INFO, assert_accessible, login, screenshot
from tests.sip_raw import register


def _wav(path: Path, seconds: float = 1.2) -> Path:
    rate = 22050
    t = np.arange(int(rate * seconds)) / rate
    tone = (np.sin(2 * np.pi * 523.25 * t) * 9000).astype("<i2")
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(tone.tobytes())
    path.write_bytes(buf.getvalue())
    return path


def test_trunks_extensions_prompts(new_page: Callable[[], Any], tmp_path: Path) -> None:
    page = new_page()
    login(page, "admin")
    page.goto("/admin/telephony")
    page.get_by_test_id("engine-info").wait_for()

    # A trunk made in the dialog becomes a trusted source of the running engine.
    page.get_by_test_id("new-trunk").click()
    dialog = page.locator(".el-dialog")
    dialog.get_by_label("编码").fill("e2e-carrier")
    dialog.get_by_label("名称").fill("端到端测试中继")
    dialog.get_by_label("主机").fill("127.0.0.31")
    dialog.get_by_label("来源 IP").fill("127.0.0.32，127.0.0.33")
    page.get_by_test_id("save-trunk").click()
    table = page.get_by_test_id("trunks-table")
    table.get_by_text("端到端测试中继").wait_for()
    assert "127.0.0.32、127.0.0.33" in table.inner_text()
    page.get_by_role("button", name="刷新").first.click()
    info = page.get_by_test_id("engine-info")
    page.wait_for_function(
        "() => document.querySelector('[data-testid=engine-info]').innerText.includes('127.0.0.33')"
    )
    assert "127.0.0.31" in info.inner_text()
    screenshot(page, "admin-telephony")
    assert_accessible(page)

    # A phone registers extension 1004 (its generated demo password) for real; the extensions tab shows it.
    phone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    phone.bind(("127.0.0.34", 0))
    phone.settimeout(5)
    try:
        assert (
            register(
                phone, int(SERVER_INFO["sip_port"]), "1004", SERVER_INFO["sip_passwords"]["1004"], expires=600
            )
            == 200
        )
        page.get_by_role("tab", name="分机").click()
        ext_table = page.get_by_test_id("extensions-table")
        row = ext_table.locator(".el-table__row", has_text="1004")
        row.get_by_text("已注册").wait_for(timeout=15_000)
        assert "127.0.0.34" in row.inner_text()
        screenshot(page, "admin-extensions")
    finally:
        phone.close()

    # Upload a recording for a waiting-room prompt: converted, listed as recorded, playable.
    page.get_by_role("tab", name="提示音").click()
    page.get_by_placeholder("按名称或内容筛选").fill("callback-confirmed")
    prompts = page.get_by_test_id("prompts-table")
    prompt_row = prompts.locator(".el-table__row", has_text="callback-confirmed")
    prompt_row.wait_for()
    page.get_by_test_id("upload-callback-confirmed").set_input_files(str(_wav(tmp_path / "greeting.wav")))
    prompt_row.get_by_text("录音", exact=True).wait_for()
    assert "1.2" in prompt_row.inner_text()
    prompt_row.get_by_role("button", name="试听 callback-confirmed").click()
    audio = page.get_by_test_id("prompt-audio")
    duration = audio.evaluate(
        """a => new Promise((resolve) => {
            if (a.readyState >= 1) return resolve(a.duration)
            a.addEventListener('loadedmetadata', () => resolve(a.duration), { once: true })
            setTimeout(() => resolve(-1), 5000)
        })"""
    )
    assert abs(duration - 1.2) < 0.05
    screenshot(page, "admin-prompts")
    assert_accessible(page)

    # Deleting the recording returns the prompt to TTS (here: no TTS file yet, so "missing").
    prompt_row.get_by_role("button", name="删除录音").click()
    page.locator(".el-message-box").get_by_role("button", name="确定").click()
    prompt_row.get_by_text("缺失", exact=True).wait_for()

    # Remove the trunk again so the rest of the session's calls keep the settings' trunks.
    page.get_by_role("tab", name="中继").click()
    table.locator(".el-table__row", has_text="e2e-carrier").get_by_role("button", name="删除").click()
    page.locator(".el-message-box").get_by_role("button", name="确定").click()
    table.get_by_text("e2e-carrier").wait_for(state="detached")
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=engine-info]').innerText.includes('127.0.0.31')"
    )
