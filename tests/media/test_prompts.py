"""Development TTS prompts (espeak-ng cmn-latn-pinyin + sox) and the recorded-override rule."""

from __future__ import annotations

import asyncio
import shutil
import wave
from pathlib import Path

import numpy as np
import pytest

from hotline.media.player import load_wav
from hotline.media.prompts import PromptLibrary, to_pinyin


def test_to_pinyin_tone_numbers() -> None:
    assert to_pinyin("请按零，转人工。") == "qing3 an4 ling2 , zhuan3 ren2 gong1 ."


@pytest.mark.timeout(60)
def test_generate_once_and_recorded_override(tmp_path: Path) -> None:
    if shutil.which("espeak-ng") is None or shutil.which("sox") is None:
        pytest.skip("espeak-ng / sox not installed (Debian packages espeak-ng, sox)")
    lib = PromptLibrary(tmp_path)
    path = asyncio.run(lib.ensure("welcome", "您好，欢迎致电养老服务热线"))
    assert path == tmp_path / "generated" / "welcome.wav"
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2)
        assert w.getnframes() > 8000  # more than a second of speech
    pcm = load_wav(path)
    assert np.abs(pcm).max() > 1000
    mtime = path.stat().st_mtime_ns
    assert asyncio.run(lib.ensure("welcome", "您好，欢迎致电养老服务热线")).stat().st_mtime_ns == mtime
    # a recorded prompt dropped into the folder wins over the generated one
    recorded = tmp_path / "welcome.wav"
    shutil.copy(path, recorded)
    assert asyncio.run(lib.ensure("welcome", "anything")) == recorded
    assert lib.find("welcome") == recorded
