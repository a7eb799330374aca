"""Voice prompts: recorded WAVs from the prompts folder, else development TTS (espeak-ng + pypinyin).

Real deployments drop recorded prompts into ``prompts_dir`` as ``NAME.wav``; those always win. For
development every prompt can also be generated from its Chinese text: pypinyin turns it into
tone-numbered pinyin ("qing3 an4 ling2"), which Debian's espeak-ng reads correctly with the
``cmn-latn-pinyin`` voice (the plain ``cmn`` voice reads pinyin as English on Debian 12), and sox
converts the result to 8 kHz mono 16-bit. Generated files live in ``prompts_dir/generated`` next to
a hash of their text, so changing the text regenerates them and nothing else does. Speech is slowed
down by default because the hotline's callers are elderly.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import shutil
from pathlib import Path

from pypinyin import Style, lazy_pinyin

VOICE = "cmn-latn-pinyin"
_PAUSES = {"，": ",", "。": ".", "、": ",", "；": ",", "：": ",", "？": "?", "！": "."}


class PromptError(RuntimeError):
    """A prompt could not be found or generated."""


# A prompt name becomes a file name in the prompts folder, and flows (edited by supervisors) name
# them: no dots, slashes or upper case, so a name can never reach another folder or file type.
PROMPT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
PROMPT_NAME_RULE = "1-64 lower-case letters, digits, '_' or '-', starting with a letter or digit"
PROMPT_NAME_RULE_ZH = "1 到 64 个小写字母、数字、下划线或连字符，以字母或数字开头"


def is_prompt_name(name: str) -> bool:
    return PROMPT_NAME.fullmatch(name) is not None


def prompt_file(folder: Path, name: str, suffix: str = ".wav") -> Path:
    """`folder/NAME.wav` for a valid name, checked to resolve inside `folder` (symlinks included)."""
    if not is_prompt_name(name):
        raise PromptError(f"bad prompt name {name!r}: {PROMPT_NAME_RULE}")
    path = folder / f"{name}{suffix}"
    root = folder.resolve()
    if root not in path.resolve().parents:
        raise PromptError(f"prompt {name!r} resolves outside {folder}")
    return path


def to_pinyin(text: str) -> str:
    """Tone-numbered pinyin with Chinese punctuation kept as pauses."""
    parts: list[str] = []
    for token in lazy_pinyin(text, style=Style.TONE3, neutral_tone_with_five=True, errors="default"):
        token = token.strip()
        if not token:
            continue
        for zh, ascii_mark in _PAUSES.items():
            token = token.replace(zh, ascii_mark)
        parts.append(token)
    return " ".join(parts)


class PromptLibrary:
    def __init__(self, prompts_dir: Path, *, speed: int = 120) -> None:
        self.prompts_dir = prompts_dir
        self.generated_dir = prompts_dir / "generated"
        self.speed = speed

    def find(self, name: str) -> Path | None:
        for folder in (self.prompts_dir, self.generated_dir):
            path = prompt_file(folder, name)
            if path.exists():
                return path
        return None

    async def ensure(self, name: str, text: str) -> Path:
        """The WAV for ``name``: the recorded override, or TTS of ``text`` (generated once per text)."""
        recorded = prompt_file(self.prompts_dir, name)
        if recorded.exists():
            return recorded
        self.generated_dir.mkdir(parents=True, exist_ok=True)
        out = prompt_file(self.generated_dir, name)
        stamp = prompt_file(self.generated_dir, name, ".sha1")
        digest = hashlib.sha1(f"{VOICE}|{self.speed}|{text}".encode()).hexdigest()
        if out.exists() and stamp.exists() and stamp.read_text() == digest:
            return out
        await synthesize(text, out, speed=self.speed)
        stamp.write_text(digest)
        return out


async def _run(*cmd: str) -> None:
    proc = await asyncio.create_subprocess_exec(
        *cmd, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    try:
        _, err = await proc.communicate()
    except BaseException:
        # Cancelled (a shutdown): end the child here, on its loop; a child left running outlives
        # the loop and its transport is closed on a dead loop ("Event loop is closed").
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise
    if proc.returncode != 0:
        raise PromptError(f"{cmd[0]} failed: {err.decode('utf-8', 'replace')[-300:]}")


async def synthesize(text: str, out: Path, *, speed: int = 120) -> Path:
    """Chinese text -> 8 kHz mono 16-bit WAV at ``out`` (written to a temp name, then renamed)."""
    for binary in ("espeak-ng", "sox"):
        if shutil.which(binary) is None:
            raise PromptError(f"{binary} is not installed (Debian packages espeak-ng, sox)")
    out.parent.mkdir(parents=True, exist_ok=True)
    raw = out.with_name(out.stem + ".tts.wav")
    part = out.with_name(out.name + ".part.wav")
    try:
        await _run("espeak-ng", "-v", VOICE, "-s", str(speed), "-w", str(raw), to_pinyin(text))
        await _run("sox", str(raw), "-r", "8000", "-c", "1", "-e", "signed-integer", "-b", "16", str(part))
        os.replace(part, out)
    finally:
        raw.unlink(missing_ok=True)
        part.unlink(missing_ok=True)
    return out
