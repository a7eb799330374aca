"""baresip as a real agent phone: registers with digest, answers a SIPp trunk call, call is recorded.

The caller (SIPp, trunk) streams a 500 Hz tone; baresip's microphone is ``ausine`` at 1200 Hz. The
engine records the call; an FFT of the stereo WAV must find 500 Hz on the left (caller) channel and
1200 Hz on the right (agent) channel. baresip's ``sndfile`` filter dumps what it heard, which must
contain the caller's 500 Hz, proving the relay delivered audio to the phone too.
"""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import subprocess
import wave
from pathlib import Path

import numpy as np
import pytest

from hotline.media import g711
from hotline.sip.leg import Leg
from hotline.sip.routing import default_route
from tests.sip.harness import PASSWORDS, PHONE_IP, EngineThread, Sipp, free_port

pytestmark = pytest.mark.timeout(120)


def peak_hz(pcm: np.ndarray) -> float:
    spec = np.abs(np.fft.rfft(pcm.astype(np.float64) * np.hanning(len(pcm))))
    return float(np.argmax(spec[10:]) + 10) * 8000 / len(pcm)


def active(pcm: np.ndarray, n: int = 8000) -> np.ndarray:
    """``n`` samples starting where the channel first gets loud (skips leading silence)."""
    start = int(np.argmax(np.abs(pcm) > 500))
    return pcm[start + 400 : start + 400 + n]


def ctrl(port: int, command: str, params: str = "") -> None:
    body = json.dumps({"command": command, "params": params, "token": "t"}).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        s.sendall(str(len(body)).encode() + b":" + body + b",")
        with contextlib.suppress(OSError):
            s.recv(4096)


def start_baresip(tmp: Path, engine_port: int, regint: int = 120) -> tuple[subprocess.Popen[bytes], int]:
    binary = shutil.which("baresip")
    if binary is None:
        pytest.skip("baresip is not installed (Debian package: baresip-core)")
    sip_port, ctrl_port, rtp_base = free_port(PHONE_IP), free_port(), free_port()
    (tmp / "config").write_text(
        "\n".join(
            [
                "poll_method epoll",
                f"sip_listen {PHONE_IP}:{sip_port}",
                f"net_interface {PHONE_IP}",
                "audio_player alsa,null",
                "audio_alert alsa,null",
                "audio_source ausine,1200",
                "ausrc_srate 48000",
                "ausrc_channels 2",
                f"rtp_ports {rtp_base}-{rtp_base + 20}",
                "module_path /usr/lib/baresip/modules",
                "module g711.so",
                "module ausine.so",
                "module alsa.so",
                "module sndfile.so",
                f"snd_path {tmp}",
                "module_app account.so",
                "module_app menu.so",
                "module_app ctrl_tcp.so",
                f"ctrl_tcp_listen 127.0.0.1:{ctrl_port}",
                "",
            ]
        )
    )
    (tmp / "accounts").write_text(
        f"<sip:2001@127.0.0.1:{engine_port}>;auth_pass={PASSWORDS['2001']};regint={regint};"
        "audio_codecs=PCMU;answermode=auto\n"
    )
    log = (tmp / "baresip.log").open("wb")
    cmd = [binary, "-f", str(tmp)]
    proc = subprocess.Popen(cmd, cwd=tmp, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    return proc, ctrl_port


def test_baresip_agent_answers_and_call_is_recorded(engine_thread: EngineThread, tmp_path: Path) -> None:
    et = engine_thread
    engine = et.engine
    assert engine is not None
    proc, ctrl_port = start_baresip(tmp_path, et.port)
    try:
        et.wait_event("sip.registered", timeout=15, extension="2001")

        async def route(leg: Leg) -> None:
            leg.call.record()
            await default_route(engine, leg)

        engine.on_inbound = route
        t = np.arange(8000 * 4) / 8000
        caller_tone = (np.sin(2 * np.pi * 500 * t) * 8000).astype(np.int16)
        (tmp_path / "tone.ulaw").write_bytes(g711.ulaw_encode(caller_tone))
        sipp = Sipp("uac_rtp.xml", et.port, args=["-s", "2001", "-m", "1"], cwd=tmp_path).start()
        ringing = et.wait_event("leg.ringing_started", timeout=10, direction="outbound")
        if not et.wait_for(lambda: "leg.answered" in et.topics(), 1.5):
            ctrl(ctrl_port, "accept")  # answermode=auto is unreliable in baresip 1.0: answer explicitly
        assert sipp.wait(30) == 0, sipp.output
        ended = et.wait_event("call.ended", timeout=10, call_id=ringing.data["call_id"])
    finally:
        engine.on_inbound = None
        with contextlib.suppress(OSError):
            ctrl(ctrl_port, "quit")
        try:
            proc.wait(3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    rec = Path(ended.data["recording"])
    assert rec.exists() and rec.with_suffix(".json").exists()
    with wave.open(str(rec)) as w:
        assert w.getnchannels() == 2
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    loud = frames[np.abs(frames).max(axis=1) > 500]
    assert len(loud) > 8000, "recording is (nearly) silent"
    left, right = frames[:, 0], frames[:, 1]
    assert abs(peak_hz(active(left)) - 500) < 15
    assert abs(peak_hz(active(right)) - 1200) < 15
    heard = sorted(tmp_path.glob("*dec*.wav"))  # baresip's own dump of what it received
    assert heard
    if heard:
        with wave.open(str(heard[0])) as w:
            data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
            rate = w.getframerate()
            channels = w.getnchannels()
        mono = data[: len(data) // channels * channels].reshape(-1, channels)[:, 0]
        mono = active(mono, rate * 2)
        spec = np.abs(np.fft.rfft(mono.astype(np.float64)))
        assert abs(float(np.argmax(spec[20:]) + 20) * rate / len(mono) - 500) < 15
