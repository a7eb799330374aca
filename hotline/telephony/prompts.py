"""Voice prompts administration: what each prompt is, where its audio comes from, and uploads.

A prompt is a name the IVR flows or the waiting room play (``hotline.ivr.prompts.all_prompts``), or a
recording an administrator dropped in. Its audio is the recorded ``prompts_dir/NAME.wav`` if there is
one, else the TTS file in ``prompts_dir/generated``. Uploads are converted by sox to what the engine
plays (8 kHz mono 16-bit PCM WAV), written under a temporary name and renamed, so a call never plays
half a file; the engine's prompt cache is keyed by modification time and picks up the new audio.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import wave
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.errors import Invalid, NotFound
from hotline.ivr.prompts import all_prompts
from hotline.media.prompts import PROMPT_NAME_RULE, PROMPT_NAME_RULE_ZH, is_prompt_name, prompt_file
from hotline.store.db import after_commit, after_rollback

MAX_SECONDS = 600.0
# Built-in names that are not in any flow but the engine plays when present.
BUILTIN = {"moh": "等待音乐（无录音时使用内置旋律）"}


@dataclass
class PromptInfo:
    name: str
    text: str | None
    source: str
    seconds: float | None
    size: int | None
    updated_at: datetime | None


def check_name(name: str) -> str:
    """The one name rule of `hotline.media.prompts` (shared with flows and the engine)."""
    if not is_prompt_name(name):
        raise Invalid(
            f"bad prompt name {name!r}: {PROMPT_NAME_RULE}",
            f"语音提示名称 {name} 不合法：须为{PROMPT_NAME_RULE_ZH}",
        )
    return name


def _audio(prompts_dir: Path, name: str) -> tuple[str, Path] | None:
    """Where a prompt's audio comes from: its recording wins over its TTS file; None if neither."""
    for source, path in (
        ("recorded", prompt_file(prompts_dir, name)),
        ("generated", prompt_file(prompts_dir / "generated", name)),
    ):
        if path.is_file():
            return source, path
    return None


def _describe(name: str, text: str | None, prompts_dir: Path) -> PromptInfo:
    found = _audio(prompts_dir, name)
    if found is None:
        return PromptInfo(name, text, "missing", None, None, None)
    source, path = found
    stat = path.stat()
    seconds: float | None
    try:
        with wave.open(str(path), "rb") as w:
            seconds = round(w.getnframes() / float(w.getframerate()), 2)
    except (wave.Error, EOFError, ZeroDivisionError):
        seconds = None
    return PromptInfo(name, text, source, seconds, stat.st_size, datetime.fromtimestamp(stat.st_mtime, UTC))


def list_prompts(session: Session, prompts_dir: Path) -> list[PromptInfo]:
    texts: dict[str, str | None] = {**BUILTIN, **all_prompts(session)}
    if prompts_dir.is_dir():
        for path in prompts_dir.glob("*.wav"):
            if is_prompt_name(path.stem):
                texts.setdefault(path.stem, None)
    return [_describe(name, texts[name], prompts_dir) for name in sorted(texts)]


def audio_path(prompts_dir: Path, name: str) -> Path:
    found = _audio(prompts_dir, check_name(name))
    if found is not None:
        return found[1]
    raise NotFound(f"prompt {name!r} has no audio", f"语音提示 {name} 没有音频")


@dataclass
class Converted:
    """An upload converted to the engine's format, waiting to be installed (after commit)."""

    info: PromptInfo
    temp: Path
    target: Path

    def install(self) -> None:
        os.replace(self.temp, self.target)


def convert_upload(prompts_dir: Path, name: str, data: bytes) -> Converted:
    """Convert an uploaded WAV (any rate, channels, PCM width) to 8 kHz mono 16-bit next to its
    final place; `Converted.install` then renames it into place (atomic)."""
    check_name(name)
    if not data.startswith(b"RIFF") or data[8:12] != b"WAVE":
        raise Invalid("the upload is not a WAV file", "上传的文件不是 WAV 音频")
    if shutil.which("sox") is None:
        raise Invalid("sox is not installed (Debian package sox)", "服务器未安装 sox，无法转换音频")
    prompts_dir.mkdir(parents=True, exist_ok=True)
    target = prompt_file(prompts_dir, name)
    temp = prompts_dir / f".{name}.{os.getpid()}.{os.urandom(4).hex()}.wav"
    with tempfile.TemporaryDirectory(dir=prompts_dir, prefix=".upload-") as tmp:
        src = Path(tmp) / "in.wav"
        src.write_bytes(data)
        cmd = ["sox", str(src), "-r", "8000", "-c", "1", "-e", "signed-integer", "-b", "16", str(temp)]
        proc = subprocess.run(cmd, capture_output=True, timeout=60, check=False)
    if proc.returncode != 0 or not temp.is_file():
        temp.unlink(missing_ok=True)
        reason = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["?"]
        raise Invalid(f"unreadable WAV: {reason[0][:200]}", "无法读取该 WAV 音频")
    with wave.open(str(temp), "rb") as w:
        seconds = w.getnframes() / 8000.0
    if seconds <= 0.05 or seconds > MAX_SECONDS:
        temp.unlink(missing_ok=True)
        raise Invalid(
            f"a prompt must last between 0.05 s and {MAX_SECONDS:.0f} s, this one {seconds:.1f} s",
            f"语音提示时长须在 0.05 秒到 {MAX_SECONDS:.0f} 秒之间，当前 {seconds:.1f} 秒",
        )
    info = PromptInfo(name, None, "recorded", round(seconds, 2), temp.stat().st_size, datetime.now(UTC))
    return Converted(info, temp, target)


def recorded_path(prompts_dir: Path, name: str) -> Path:
    """The uploaded recording of a prompt; 404 when it has none."""
    path = prompt_file(prompts_dir, check_name(name))
    if not path.is_file():
        raise NotFound(f"prompt {name!r} has no recording", f"语音提示 {name} 没有上传的录音")
    return path


def upload(session: Session, actor: Actor, prompts_dir: Path, name: str, data: bytes) -> PromptInfo:
    """Install a recording for a prompt: converted before the database is touched (sox may take a
    while), audited, and put in place only once the audit entry has committed (a rollback drops it)."""
    converted = convert_upload(prompts_dir, name, data)
    record(session, actor, "upload", "prompt", None, None, {"name": name, "seconds": converted.info.seconds})
    after_commit(session, converted.install)
    after_rollback(session, lambda: converted.temp.unlink(missing_ok=True))
    return converted.info


def delete(session: Session, actor: Actor, prompts_dir: Path, name: str) -> None:
    """Remove an uploaded recording (404 when there is none), audited; the file goes after the commit."""
    path = recorded_path(prompts_dir, name)
    record(session, actor, "delete", "prompt", None, {"name": name}, None)
    after_commit(session, lambda: path.unlink(missing_ok=True))
