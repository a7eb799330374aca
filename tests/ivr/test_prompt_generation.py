"""Every prompt a flow or the waiting room names gets a spoken WAV; recordings win."""

from __future__ import annotations

import asyncio
import shutil
import wave
from pathlib import Path

import pytest

from hotline.ivr.demo import DEMO_FLOW
from hotline.ivr.prompts import WAITING_ROOM, flow_prompts, generate


def test_demo_flow_prompts_have_words() -> None:
    prompts = flow_prompts(DEMO_FLOW)
    assert {"main_menu", "welcome"} & set(prompts)
    assert all(text.strip() for text in prompts.values())
    assert WAITING_ROOM["position-3"] == "您前面还有3位来电人。"


@pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="espeak-ng and sox are installed by make run / make test",
)
def test_generate_speaks_missing_prompts_and_keeps_recordings(tmp_path: Path) -> None:
    recorded = tmp_path / "welcome.wav"
    with wave.open(str(recorded), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 800)
    done = asyncio.run(generate({"welcome": "您好", "wait-minutes-2": "预计等待2分钟。"}, tmp_path))
    assert done == ["wait-minutes-2", "welcome"]
    assert not (tmp_path / "generated" / "welcome.wav").exists()  # the recording wins
    with wave.open(str(tmp_path / "generated" / "wait-minutes-2.wav")) as w:
        assert w.getframerate() == 8000 and w.getnchannels() == 1
        assert w.getnframes() > 8000 * 0.5
