"""A flow published in the console speaks its new prompts in the background (`ivr.flow_published`),
so the next call hears them instead of silence; a recorded prompt of the same name is kept, and
new words for a prompt are spoken again at the next publish."""

from __future__ import annotations

import shutil
import time
import wave
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from hotline.store.db import Database
from hotline.web.app import create_app
from tests.conftest import make_settings

pytestmark = pytest.mark.skipif(
    shutil.which("espeak-ng") is None or shutil.which("sox") is None,
    reason="espeak-ng and sox are installed by make run / make test",
)
H = Callable[[str], dict[str, str]]


def _flow(text: str) -> dict[str, object]:
    return {
        "start": "hello",
        "nodes": {
            "hello": {"type": "play", "prompt": "pub_hello", "text": text, "next": "bye"},
            "bye": {"type": "play", "prompt": "pub_bye", "text": "再见。", "next": "queue"},
            "queue": {"type": "enqueue", "queue": "elderly"},
        },
    }


def _stamp(wav: Path) -> str | None:
    """The words' digest written once the WAV is complete (None: not spoken yet)."""
    stamp = wav.with_suffix(".sha1")
    return stamp.read_text() if stamp.exists() else None


def _wait_for(wav: Path, other_than: str | None = None) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if (stamp := _stamp(wav)) is not None and stamp != other_than:
            return stamp
        time.sleep(0.05)
    raise AssertionError(f"{wav} was not spoken")


@pytest.fixture
def speaking_app(db: Database, tmp_path: Path) -> FastAPI:
    return create_app(make_settings(db, tmp_path, ivr_speak_on_publish=True), db)


def test_publish_speaks_the_new_prompts(speaking_app: FastAPI, auth: H) -> None:
    prompts = speaking_app.state.settings.prompts_dir
    prompts.mkdir(parents=True, exist_ok=True)
    recorded = prompts / "pub_bye.wav"
    with wave.open(str(recorded), "wb") as w:  # the centre's own recording of 再见
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * 800)
    sup = auth("supervisor")
    with TestClient(speaking_app, base_url="https://testserver") as client:
        r = client.post(
            "/api/ivr/flows", json={"name": "pub", "definition": _flow("您好，欢迎来电。")}, headers=sup
        )
        assert r.status_code == 201, r.text
        fid = r.json()["id"]
        assert client.post(f"/api/ivr/flows/{fid}/publish", headers=sup).status_code == 200
        spoken = prompts / "generated" / "pub_hello.wav"
        first = _wait_for(spoken)
        with wave.open(str(spoken)) as w:
            assert (w.getframerate(), w.getnchannels()) == (8000, 1) and w.getnframes() > 8000 * 0.5
        assert not (prompts / "generated" / "pub_bye.wav").exists()  # the recording wins

        # New words for the same prompt: spoken again after the next publish.
        draft = {"definition": _flow("您好，这里是民政服务热线。"), "comment": "新欢迎词"}
        assert client.put(f"/api/ivr/flows/{fid}/draft", json=draft, headers=sup).status_code == 200
        assert client.post(f"/api/ivr/flows/{fid}/publish", headers=sup).status_code == 200
        assert _wait_for(spoken, other_than=first) != first
