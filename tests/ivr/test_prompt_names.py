"""Prompt names stay names: a flow can neither play another file (a call recording) nor make TTS
write outside the prompts folder; every entry point applies the same strict rule."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from hotline.bus import InProcessBus
from hotline.config import SipSettings
from hotline.errors import Invalid
from hotline.ivr.flow import validate
from hotline.media.prompts import PromptError, PromptLibrary, prompt_file
from hotline.sip.auth import DictCredentialStore
from hotline.sip.engine import TelephonyEngine

BAD = [
    "../recordings/2026/12/03/secret",
    "../recordings/secret.wav",
    "/etc/passwd",
    "a/b",
    "x.wav",
    "Welcome",
    "",
]
BAD += ["a" * 65, "-x", "welcome\n"]


def flow(prompt: str) -> dict[str, Any]:
    return {
        "start": "hello",
        "nodes": {
            "hello": {"type": "play", "prompt": prompt, "text": "您好", "next": "bye"},
            "bye": {"type": "hangup"},
        },
    }


@pytest.mark.parametrize("name", BAD)
def test_flows_refuse_prompt_names_that_are_paths(name: str) -> None:
    with pytest.raises(Invalid) as info:
        validate(flow(name))
    assert "语音提示名称" in info.value.detail_zh


@pytest.mark.parametrize("name", ["welcome", "main_menu", "position-3", "wait-minutes-12", "moh"])
def test_ordinary_names_pass(name: str) -> None:
    validate(flow(name))


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    prompts, recordings = tmp_path / "prompts", tmp_path / "recordings"
    prompts.mkdir()
    recordings.mkdir()
    (recordings / "secret.wav").write_bytes(b"RIFF-a-call-recording")
    (prompts / "welcome.wav").write_bytes(b"RIFF-a-prompt")
    return prompts, recordings


def test_engine_plays_only_prompts_from_the_prompts_folder(folders: tuple[Path, Path]) -> None:
    prompts, recordings = folders
    engine = TelephonyEngine(
        SipSettings(), InProcessBus(), DictCredentialStore({}), recordings_dir=recordings, prompts_dir=prompts
    )
    assert engine.prompt_path("welcome") == prompts / "welcome.wav"
    for name in ["../recordings/secret.wav", "../recordings/secret", str(recordings / "secret.wav")]:
        with pytest.raises(FileNotFoundError):
            engine.prompt_path(name)
    (prompts / "sneaky.wav").symlink_to(recordings / "secret.wav")  # a link out of the folder
    with pytest.raises(FileNotFoundError):
        engine.prompt_path("sneaky")


def test_tts_never_writes_outside_the_prompts_folder(folders: tuple[Path, Path]) -> None:
    prompts, _ = folders
    library = PromptLibrary(prompts)
    for name in ["../../evil", "../generated2/x", "x.sha1"]:
        with pytest.raises(PromptError, match="bad prompt name"):
            asyncio.run(library.ensure(name, "你好"))
    assert not (prompts.parent / "evil.wav").exists() and not (prompts.parent.parent / "evil.wav").exists()
    with pytest.raises(PromptError, match="bad prompt name"):
        library.find("../recordings/secret")


def test_prompt_file_checks_where_the_name_resolves(folders: tuple[Path, Path]) -> None:
    prompts, recordings = folders
    assert prompt_file(prompts, "welcome") == prompts / "welcome.wav"
    (prompts / "link.wav").symlink_to(recordings / "secret.wav")
    with pytest.raises(PromptError, match="outside"):
        prompt_file(prompts, "link")


def test_prompt_upload_and_audio_apply_the_rule(client: TestClient, auth: Any) -> None:
    admin = auth("admin")
    wav = {"file": ("x.wav", b"RIFF\x00\x00\x00\x00WAVE", "audio/wav")}
    for name in ["Welcome.v2", "a.b", "..evil"]:
        resp = client.put(f"/api/telephony/prompts/{name}", files=wav, headers=admin)
        assert resp.status_code == 422, (name, resp.text)
        assert "小写字母" in resp.json()["detail_zh"]
        assert client.get(f"/api/telephony/prompts/{name}/audio", headers=admin).status_code == 422
