"""One automated phone interview on an answered call: read each question (its recorded prompt by name
where the designer gave one and it exists - a matrix's rows are spoken -, else TTS), take the
keypad answer (RFC 4733 or INFO), record a spoken answer for text questions, follow the skip
logic, and commit each answer before the next question is read.

Keys typed ahead are kept (a respondent who knows the answers need not wait for the options);
the question stops playing at the first key. A key that is not an answer gets the question once
more; a question left unanswered twice is skipped (a required one ends the interview as partial:
it could never be submitted). A spoken answer is recorded after a tone until any key, a silence
after speech, or `voice_seconds`; keys typed before the tone do not end it. The outcome: completed
(submitted, counted), partial (hung up or stopped after some answers; those answers kept) or
refused (hung up before any answer).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
import wave
from pathlib import Path
from typing import Any

import numpy as np

from hotline.calls.telephony import LegPort
from hotline.errors import HotlineError
from hotline.media import g711
from hotline.media.player import WavError, load_wav
from hotline.media.prompts import PromptError, PromptLibrary
from hotline.store.db import Database
from hotline.surveys import ivrsave, keypad
from hotline.surveys.definition import TEXT_TYPES, Definition

log = logging.getLogger(__name__)
ATTEMPTS = 2
INTRO = "您好，这里是政务服务热线回访调查：{title}。请用电话按键回答，感谢您的配合。"
AGAIN = "按键无效，请重新输入。"
THANKS = "问卷已完成，感谢您的参与，再见。"
SPEECH_LEVEL = 300.0  # RMS of a 20 ms frame above which the respondent is talking


def prompt_name(text: str) -> str:
    """Prompts are named by their words (a changed wording is a new prompt)."""
    return "survey-" + hashlib.sha1(text.encode()).hexdigest()[:24]


def beep_path(folder: Path) -> Path:
    """The tone before a spoken answer (0.4 s at 1 kHz), made once."""
    path = folder / "generated" / "survey-beep.wav"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        t = np.arange(int(0.4 * 8000)) / 8000
        pcm = (8000 * np.sin(2 * np.pi * 1000 * t)).astype("<i2")
        part = path.with_suffix(".part")
        with wave.open(str(part), "wb") as w:
            w.setnchannels(1)
            w.setsampwidth(2)
            w.setframerate(8000)
            w.writeframes(pcm.tobytes())
        part.replace(path)
    return path


class Interviewer:
    def __init__(
        self,
        db: Database,
        prompts: PromptLibrary,
        voice_dir: Path,
        *,
        key_seconds: float = 8.0,
        voice_seconds: float = 60.0,
        silence_seconds: float = 3.0,
    ) -> None:
        self.db = db
        self.prompts = prompts
        self.voice_dir = voice_dir
        self.key_seconds = key_seconds
        self.voice_seconds = voice_seconds
        self.silence_seconds = silence_seconds

    async def say(self, text: str) -> Path | None:
        try:
            return await self.prompts.ensure(prompt_name(text), text)
        except (PromptError, OSError) as exc:
            log.warning("survey prompt unavailable (%s): %s", text[:30], exc)
            return None

    async def prepare(self, defn: Definition) -> None:
        """Speak every prompt of a version once, before its first call (TTS takes a while); a
        randomised question's own orders are spoken on their first call (and kept)."""
        texts = [INTRO.format(title=defn.title), AGAIN, THANKS]
        for q in defn.questions():
            if q.prompt and q.type != "matrix" and self._recorded(q.prompt):
                continue
            rows = q.rows if q.type == "matrix" else [None]
            texts += [keypad.spoken(keypad.Ask(q, row)) for row in rows]
        for text in texts:
            await self.say(text)
        await asyncio.to_thread(beep_path, self.prompts.prompts_dir)

    async def interview(self, leg: LegPort, link_id: int) -> str:
        """Run the questionnaire on `leg` (answered); returns completed, partial or refused."""
        begun = await self.db.run(self._begin, link_id)
        defn, answers = begun.definition, begun.answers
        answered = len(answers)
        ahead = await self._intro(leg, INTRO.format(title=defn.title))
        asked: set[str] = set()
        while True:
            ask = keypad.next_question(defn, answers, asked, begun.seed)
            if ask is None or not leg.is_active:
                break
            asked.add(ask.key)
            if ask.question.type in TEXT_TYPES:
                got = await self._voice(leg, begun, ask)
                if got is not None:
                    answers, answered = got, answered + 1
                continue
            value = await self._keyed(leg, ask, ahead)
            ahead = ""
            if value is None:
                if ask.question.required and leg.is_active:
                    log.info("survey %s: required %s unanswered; stopping", begun.survey_id, ask.key)
                    await leg.hangup("normal")
                    return "partial" if answered else "refused"
                continue
            answers = await self.db.run(self._save, begun.response_id, ask, value)
            answered += 1
        if ask is not None:  # hung up before the end (a respondent gone after the last answer is done)
            return "partial" if answered else "refused"
        try:
            await self.db.run(self._complete, link_id, begun.resume_key)
        except HotlineError as exc:
            log.info("survey %s response %s not complete: %s", begun.survey_id, begun.response_id, exc)
            if leg.is_active:
                await leg.hangup("normal")
            return "partial" if answered else "refused"
        await self._play(leg, THANKS, wait=True)
        if leg.is_active:
            await leg.hangup("normal")
        return "completed"

    # --- database work (in the database's threads) --------------------------------------------

    def _begin(self, link_id: int) -> ivrsave.Begun:
        with self.db.session() as s:
            return ivrsave.begin(s, link_id)

    def _save(self, response_id: int, ask: keypad.Ask, value: Any) -> dict[str, Any]:
        with self.db.session() as s:
            return ivrsave.save(s, response_id, ask, value)

    def _save_voice(self, response_id: int, ask: keypad.Ask, path: Path, seconds: float) -> dict[str, Any]:
        with self.db.session() as s:
            return ivrsave.voice(s, response_id, ask, path, seconds)

    def _complete(self, link_id: int, resume_key: str) -> None:
        with self.db.session() as s:
            ivrsave.complete(s, link_id, resume_key)

    # --- the call -------------------------------------------------------------------------------

    async def _play(self, leg: LegPort, text: str, *, wait: bool) -> float:
        """Play `text` (keys typed meanwhile stay queued); returns its length in seconds."""
        path = await self.say(text)
        if path is None or not leg.is_active:
            return 0.0
        await leg.play(path, wait=wait)
        return _duration(path)

    def _recorded(self, name: str) -> Path | None:
        try:
            return self.prompts.find(name)
        except PromptError as exc:
            log.warning("survey prompt %s unusable: %s", name, exc)
            return None

    async def _ask(self, leg: LegPort, ask: keypad.Ask, *, wait: bool) -> float:
        """Read a question: its recorded prompt when it has one on disk, else its words by TTS."""
        name = ask.question.prompt
        if name and ask.row is None:
            path = self._recorded(name)
            if path is not None:
                if not leg.is_active:
                    return 0.0
                await leg.play(path, wait=wait)
                return _duration(path)
            log.warning("survey prompt %s is missing; question %s spoken", name, ask.question.code)
        return await self._play(leg, keypad.spoken(ask), wait=wait)

    async def _intro(self, leg: LegPort, text: str) -> str:
        """The greeting, cut short by a key: that key is the first answer (returned)."""
        seconds = await self._play(leg, text, wait=False)
        first = await _keys(leg, 1, "", seconds)
        leg.stop_playback()
        return first

    async def _keyed(self, leg: LegPort, ask: keypad.Ask, ahead: str = "") -> Any:
        spec = keypad.keys_for(ask)
        for attempt in range(ATTEMPTS):
            if not leg.is_active:
                return None
            if attempt:
                await self._play(leg, AGAIN, wait=True)
                leg.flush_digits()
            if ahead and (spec.max_digits == 1 or ahead in spec.terminators):
                digits = "" if ahead in spec.terminators else ahead
            else:
                seconds = 0.0 if ahead else await self._ask(leg, ask, wait=False)
                more = await _keys(
                    leg,
                    spec.max_digits - len(ahead),
                    spec.terminators,
                    seconds + self.key_seconds,
                    self.key_seconds,
                )
                digits = ahead + more
                leg.stop_playback()
            ahead = ""
            value = keypad.parse(ask, digits)
            if keypad.valid(ask, value):
                return value
            if not digits:
                return None  # silence: asking again only keeps someone who has gone quiet
        return None

    async def _voice(self, leg: LegPort, begun: ivrsave.Begun, ask: keypad.Ask) -> dict[str, Any] | None:
        await self._ask(leg, ask, wait=True)
        if not leg.is_active:
            return None
        await leg.play(beep_path(self.prompts.prompts_dir), wait=True)
        tap = _Tap()
        taps: list[Any] = getattr(leg, "audio_taps", [])
        taps.append(tap)
        leg.flush_digits()  # keys typed before the tone must not end the answer
        try:
            await self._listen(leg, tap)
        finally:
            with contextlib.suppress(ValueError):
                taps.remove(tap)
        if not tap.frames:
            return None
        path = self.voice_dir / str(begun.survey_id) / f"{begun.response_id}-{ask.question.code}.wav"
        seconds = await asyncio.to_thread(_write_wav, path, tap.pcm())
        return await self.db.run(self._save_voice, begun.response_id, ask, path, seconds)

    async def _listen(self, leg: LegPort, tap: _Tap) -> None:
        start = time.monotonic()
        while leg.is_active and time.monotonic() - start < self.voice_seconds:
            if await _keys(leg, 1, "", 0.25):
                return
            quiet_since = tap.last_speech or start
            limit = self.silence_seconds if tap.last_speech else 2 * self.silence_seconds
            if time.monotonic() - quiet_since > limit:
                return


class _Tap:
    """Collects the respondent's audio (an audio tap of the leg) as 16-bit PCM."""

    def __init__(self) -> None:
        self.frames: list[np.ndarray[Any, Any]] = []
        self.last_speech = 0.0

    def __call__(self, _leg: Any, pkt: Any) -> None:
        if pkt.pt not in (0, 8):
            return
        pcm = g711.decode(pkt.payload, pkt.pt)
        self.frames.append(pcm)
        if len(pcm) and float(np.sqrt(np.mean(pcm.astype(np.float64) ** 2))) > SPEECH_LEVEL:
            self.last_speech = time.monotonic()

    def pcm(self) -> np.ndarray[Any, Any]:
        return np.concatenate(self.frames).astype("<i2")


def _write_wav(path: Path, pcm: np.ndarray[Any, Any]) -> float:
    path.parent.mkdir(parents=True, exist_ok=True)
    part = path.with_name(path.name + ".part")
    with wave.open(str(part), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(pcm.tobytes())
    part.replace(path)
    return round(len(pcm) / 8000, 2)


async def _keys(leg: LegPort, count: int, terminators: str, first: float, between: float = 4.0) -> str:
    """Up to `count` keys (the first within `first` seconds, each next within `between`), or "" -
    also at once when the respondent hangs up."""
    collect = asyncio.ensure_future(
        leg.collect_digits(count, timeout=between, terminators=terminators, first_timeout=first)
    )
    ended = asyncio.ensure_future(leg.ended.wait())
    try:
        await asyncio.wait({collect, ended}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        ended.cancel()
        if not collect.done():
            collect.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        if collect.done() and not collect.cancelled():
            return collect.result()
    return ""


def _duration(path: Path) -> float:
    try:
        return len(load_wav(path)) / 8000
    except (OSError, WavError):
        return 0.0
