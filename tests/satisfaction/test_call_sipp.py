"""Acceptance with real parts: a SIPp caller walks the IVR (presses 2) into the queue, a SIPp agent
phone answers and, 9 s later, hangs up first; the caller, kept on the line, hears the survey and
answers with RFC 4733 "1". The answer is stored against the call (the CDR's uuid), the agent and
the queue, the live satisfaction KPI moves from nothing to 100 %, and the call's recording holds
"1001号话务员为您服务" (espeak-ng, cross-correlated with the prompt) where the agent connected, with
silence after it on the agent's side (the SIPp agent sends no audio), and the survey's thanks
after the agent left. The satisfaction plug-in is started on the rig's call center as `hotline
serve` would start it."""

from __future__ import annotations

import asyncio
import struct
import wave
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from hotline.calls.models import Recording
from hotline.calls.plugin import CENTER
from hotline.ivr.service import publish, save_draft
from hotline.media import g711
from hotline.media.player import load_wav
from hotline.media.prompts import PromptLibrary
from hotline.people.schemas import UserPatch
from hotline.people.service import get_user, update_user
from hotline.plugins import Context
from hotline.satisfaction.plugin import PLUGIN
from hotline.satisfaction.scales import QUESTIONS, THANKS, announcement, announcement_prompt, question_prompt
from hotline.satisfaction.schemas import QueueSettingsIn
from hotline.satisfaction.service import answer_for_call, put_settings
from hotline.telephony.plugin import ENGINE
from tests.callcenter.rig import _ACK, _INVITE, _OK, ACTOR, DTMF, Rig
from tests.conftest import make_settings
from tests.sip.harness import SCENARIOS

pytestmark = [pytest.mark.timeout(120), pytest.mark.slow]
MENU = {
    "start": "menu",
    "nodes": {
        "menu": {
            "type": "menu",
            "prompt": "sat-menu",
            "options": {"2": "elderly"},
            "timeout": 8,
            "retries": 0,
            "no_input": "general",
            "invalid": "general",
        },
        "elderly": {"type": "enqueue", "queue": "elderly"},
        "general": {"type": "enqueue", "queue": "general"},
    },
}
TALK_MS = 9000  # the agent hangs up this long after answering (the announcement lasts ~5 s)
PRESSES = 25  # "1" every 0.8 s from 5 s on: one of them lands in the survey, whatever the load


def _press(pcap: str) -> str:
    return f'<nop><action><exec play_pcap_audio="{pcap}"/></action></nop>'


def presses(folder: Path, digit: str, count: int) -> list[str]:
    """`count` copies of SIPp's RFC 4733 pcap of `digit`, each a new event: RTP timestamp moved on
    by a second (a receiver takes a repeated (SSRC, timestamp) for a retransmission, as it must)
    and sequence numbers on past the last press (else dropped as duplicates), UDP checksum
    cleared (optional in IPv4) since the packet changed."""
    data = Path(DTMF.format(digit)).read_bytes()
    link = struct.unpack("<I", data[20:24])[0]
    head = {1: 14, 113: 16, 0: 4}[link]
    out = []
    for i in range(count):
        buf, pos = bytearray(data), 24
        while pos < len(buf):
            size = struct.unpack("<I", buf[pos + 8 : pos + 12])[0]
            ip = pos + 16 + head
            udp = ip + (buf[ip] & 0x0F) * 4
            buf[udp + 6 : udp + 8] = b"\0\0"
            seq, ts = struct.unpack(">HI", buf[udp + 10 : udp + 16])
            buf[udp + 10 : udp + 16] = struct.pack(
                ">HI", (seq + (i + 1) * 20) & 0xFFFF, (ts + (i + 1) * 8000) & 0xFFFFFFFF
            )
            pos += 16 + size
        path = folder / f"dtmf-{digit}-{i}.pcap"
        path.write_bytes(bytes(buf))
        out.append(str(path))
    return out


def caller_xml(number: str, folder: Path) -> str:
    """Dial, press 2 in the menu, then press 1 every 0.8 s (answering the survey whenever it
    comes; keys during the talk go to the agent and are forgotten before the question) until the
    hotline hangs up, which may come at any moment."""
    ones = presses(folder, "1", PRESSES)
    steps = [f'<send retrans="500"><![CDATA[\n{_INVITE.format(number=number)}\n]]></send>']
    steps += ['<recv response="100" optional="true"/>', '<recv response="180" optional="true"/>']
    steps += [
        '<recv response="200" rtd="true"/>',
        f"<send><![CDATA[\n{_ACK.format(number=number)}\n]]></send>",
    ]
    steps += ['<pause milliseconds="800"/>', _press(DTMF.format("2"))]
    steps.append('<recv request="BYE" timeout="5000" ontimeout="p0" next="bye"/>')
    for i in range(PRESSES):
        steps += [f'<label id="p{i}"/>', _press(ones[i])]
        steps.append(f'<recv request="BYE" timeout="800" ontimeout="p{i + 1}" next="bye"/>')
    steps += [f'<label id="p{PRESSES}"/>', '<recv request="BYE"/>', '<label id="bye"/>']
    steps.append(f"<send><![CDATA[\n{_OK}\n]]></send>")
    body = "\n".join(steps)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<scenario name="survey-caller">\n{body}\n</scenario>\n'


def _find(signal: np.ndarray, template: np.ndarray) -> tuple[int, float]:
    """Where `template` best matches in `signal` (FFT cross-correlation), and how well (0..1)."""
    s, t = signal.astype(np.float64), template.astype(np.float64)
    n = 1 << int(np.ceil(np.log2(len(s) + len(t))))
    corr = np.fft.irfft(np.fft.rfft(s, n) * np.conj(np.fft.rfft(t, n)), n)[: len(s) - len(t) + 1]
    at = int(np.argmax(corr))
    window = s[at : at + len(t)]
    score = corr[at] / (np.linalg.norm(window) * np.linalg.norm(t) + 1e-9)
    return at, float(score)


def _squeeze(x: np.ndarray, run: int = 40) -> tuple[np.ndarray, np.ndarray]:
    """`x` without its runs of at least `run` (5 ms) exact-zero samples, and where each kept sample
    was in `x`."""
    edges = np.flatnonzero(np.diff(np.concatenate(([0], (x == 0).astype(np.int8), [0]))))
    keep = np.ones(len(x), dtype=bool)
    for start, end in zip(edges[::2], edges[1::2], strict=True):
        if end - start >= run:
            keep[start:end] = False
    where = np.flatnonzero(keep)
    return x[where], where


def _find_played(signal: np.ndarray, template: np.ndarray, after: int = 0) -> tuple[int, int, float]:
    """Where the prompt `template` was played in `signal` (from sample `after` on): the samples
    where its first and last sample landed, and how well it matches (0..1), with the digital
    silence of both left out. The recorder places a prompt's frames by the clock, so a loop stalled
    for over 200 ms on a busy box leaves a gap of zeros in the middle of a prompt played whole (the
    caller heard the same gap); matched without those, the prompt is still found whole, and a
    prompt cut short or garbled is not. The template goes through the call's codec first (PCMU)."""
    sig, where = _squeeze(signal[after:])
    # As the call carried it (PCMU): its quietest samples come out as exact zeros, as recorded.
    tpl, kept = _squeeze(g711.ulaw_decode(g711.ulaw_encode(template)))
    sig = np.concatenate([sig, np.zeros(len(tpl), dtype=sig.dtype)])  # a match may end at the end
    at, score = _find(sig, tpl)
    # Placed from samples a little inside both ends (a codec frame's padding can make the
    # recorded prompt end a few samples early, where the next sound is seconds later).
    m = min(80, len(tpl) // 4)
    head, tail = at + m, min(at + len(tpl) - 1 - m, len(where) - 1)
    first = after + int(where[head]) - int(kept[m])
    last = after + int(where[tail]) + (len(template) - 1 - int(kept[tail - at]))
    return first, last, score


def test_a_prompt_split_by_a_stall_is_found_whole_and_a_cut_one_is_not() -> None:
    n = np.arange(16000)
    words = (np.sin(n / 7.0 + 0.5) * 3000 * (1.2 + np.sin(n / 900.0))).astype(np.int16)
    words[6000:6400] = 0  # a pause inside the prompt itself
    stalled = np.concatenate([np.zeros(8000), words[:9000], np.zeros(2400), words[9000:], np.zeros(4000)])
    first, last, score = _find_played(stalled.astype(np.int16), words)
    assert score > 0.99 and (first, last) == (8000, 8000 + 16000 + 2400 - 1), (first, last, score)
    assert _find(stalled.astype(np.int16), words)[1] < 0.8  # what the plain match made of it
    cut = np.concatenate([np.zeros(8000), words[:7000], np.zeros(8000)]).astype(np.int16)  # under half
    assert _find_played(cut, words)[2] < 0.8


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x.astype(np.float64) ** 2))) if len(x) else 0.0


def test_caller_rates_the_call_after_the_agent_hangs_up_and_hears_the_agent_number(
    make_rig: Callable[..., Rig], tmp_path: Path
) -> None:
    rig = make_rig()
    agent = rig.agents["1001"]
    with rig.db.session() as s:
        save_draft(s, ACTOR, 1, MENU)
        publish(s, ACTOR, 1)
        update_user(s, ACTOR, agent, UserPatch(agent_number="1001", version=get_user(s, agent).version))
        put_settings(s, ACTOR, "elderly", QueueSettingsIn(announce_agent_number=True, survey_enabled=True))
    # Spoken once before the call (as `hotline ivr prompts` would): the test measures the call.
    library = PromptLibrary(rig.tmp / "prompts")
    spoken = asyncio.run(library.ensure(announcement_prompt("1001"), announcement("1001")))
    asyncio.run(library.ensure(question_prompt(3), QUESTIONS[3]))
    thanks = asyncio.run(library.ensure("satisfaction-thanks", THANKS))
    ctx = Context(make_settings(rig.db, tmp_path), rig.db, rig.et.bus)
    ctx.provide(CENTER, rig.center)
    ctx.provide(ENGINE, rig.engine)

    def start_plugin() -> None:
        for point, hooks in PLUGIN.call_hooks(ctx).items():
            for hook in hooks:
                rig.center.hooks.register(point, hook)

    rig.do(lambda: PLUGIN.start(ctx))
    rig.do(start_plugin)
    assert rig.do(lambda: rig.center.kpi.snapshot(0.0)["elderly"]["satisfaction_rate"]) is None

    agent_xml = (
        (SCENARIOS / "uas_bye.xml").read_text().replace('milliseconds="1000"', f'milliseconds="{TALK_MS}"')
    )
    phone = rig.phone("1001", scenario=rig._write("agent-talks.xml", agent_xml))
    rig.do(lambda: rig.center.control.login(agent))
    caller = rig.script("survey-caller.xml", caller_xml("13800000042", rig.tmp))
    assert caller.wait(60) == 0, caller.output  # the hotline hung up after the survey
    assert phone.wait(10) == 0, phone.output
    rig.wait(lambda: bool(rig.calls()) and rig.calls()[0].state == "ended", what="CDR closed")
    [call] = rig.calls()
    assert (call.queue, call.agent_id, call.outcome) == ("elderly", agent, "answered")
    with rig.db.session() as s:
        answer = answer_for_call(s, call.uuid)
        assert answer is not None
        assert (answer.key, answer.level, answer.agent_id, answer.queue) == (
            "1",
            "satisfied",
            agent,
            "elderly",
        )
    kpi = rig.do(lambda: rig.center.kpi.snapshot(0.0))
    assert kpi["elderly"]["satisfaction_rate"] == 1.0 and kpi["*"]["rated"] == 1

    rig.wait(lambda: _recording(rig, call.uuid) is not None, what="recording indexed")
    with wave.open(str(_recording(rig, call.uuid))) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    right = frames[:, 1]
    words = load_wav(spoken)
    at, end, score = _find_played(right, words)
    assert score > 0.8, (
        f"announcement not found in the recording (best match {score:.2f} at {at / 8000:.2f} s)"
    )
    assert at < 1.5 * 8000, f"announcement at {at / 8000:.2f} s, not when the agent connected"
    after = right[end + 1 : end + 1 + 8000]  # the agent's silent second after it
    assert _rms(right[at : end + 1]) > 50 * max(_rms(after), 1.0)
    # The question is cut short by the key; the thanks after it, once the agent has left, is
    # played whole.
    left = int((TALK_MS / 1000 - 0.5) * 8000)
    thanked, _, match = _find_played(right, load_wav(thanks), after=left)
    assert match > 0.8, (
        f"thanks not found whole after the agent left (best {match:.2f} at {thanked / 8000:.2f} s)"
    )


def _recording(rig: Rig, call_uuid: str) -> Path | None:
    with rig.db.session() as s:
        path = s.scalar(select(Recording.path).where(Recording.call_uuid == call_uuid))
    return Path(path) if path and Path(path).exists() else None
