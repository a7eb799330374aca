"""baresip as a remote desk phone: registers over SIP/TLS and takes a call with SRTP (SDES).

baresip trusts the engine's self-signed certificate (``sip_cafile``), registers with
``transport=tls`` and ``mediaenc=srtp-mand`` (it accepts only RTP/SAVP). A SIPp trunk caller
(plain UDP/RTP, a 500 Hz tone) is routed to it; the engine offers RTP/SAVP with its SDES key over
the TLS connection, so the one call is plain RTP on the caller's side and SRTP on the phone's. The
stereo recording must hold the caller's 500 Hz on the left and baresip's 1200 Hz microphone on
the right (the engine decrypted the phone's SRTP), and baresip's own dump of what it heard the
caller's 500 Hz (the engine encrypted towards it). Under mutual TLS a baresip whose certificate
another CA signed is refused at the handshake (baresip 1.0 itself does not check the server's
certificate, so the refusal has to be ours).
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import wave
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from hotline.media import g711
from hotline.sip.certs import self_signed
from hotline.sip.leg import Leg
from hotline.sip.routing import default_route
from hotline.sip.sdp import parse_sdp
from tests.parallel import rtp_block
from tests.sip.harness import PASSWORDS, PHONE_IP, TRUNK_IP, EngineThread, Sipp, free_port
from tests.sip.rawua import RawUa
from tests.sip.test_baresip import active, ctrl, peak_hz
from tests.sip.tls_certs import Authority

pytestmark = [pytest.mark.timeout(120), pytest.mark.slow]


def start_baresip(
    tmp: Path, tls_port: int, cafile: Path, *, client: tuple[Path, Path] | None = None, ext: str = "2001"
) -> tuple[subprocess.Popen[bytes], int]:
    binary = shutil.which("baresip")
    if binary is None:
        pytest.skip("baresip is not installed (Debian package: baresip-core)")
    tmp.mkdir(parents=True, exist_ok=True)
    sip_port, ctrl_port, rtp_base = free_port(PHONE_IP), free_port(), free_port()
    (tmp / "config").write_text(
        "\n".join(
            [
                "poll_method epoll",
                f"sip_listen {PHONE_IP}:{sip_port}",
                f"sip_cafile {cafile}",
                *([f"sip_certificate {tmp / 'client.pem'}"] if client is not None else []),
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
                "module srtp.so",
                f"snd_path {tmp}",
                "module_app account.so",
                "module_app menu.so",
                "module_app ctrl_tcp.so",
                f"ctrl_tcp_listen 127.0.0.1:{ctrl_port}",
                "",
            ]
        )
    )
    if client is not None:  # baresip reads the certificate and its key from one file
        (tmp / "client.pem").write_bytes(client[0].read_bytes() + client[1].read_bytes())
    (tmp / "accounts").write_text(
        f"<sip:{ext}@127.0.0.1:{tls_port};transport=tls>;auth_pass={PASSWORDS[ext]};regint=120;"
        "audio_codecs=PCMU;mediaenc=srtp-mand;answermode=manual\n"
    )
    log = (tmp / "baresip.log").open("wb")
    proc = subprocess.Popen(
        [binary, "-f", str(tmp)], cwd=tmp, stdin=subprocess.DEVNULL, stdout=log, stderr=log
    )
    return proc, ctrl_port


def stop_baresip(proc: subprocess.Popen[bytes], ctrl_port: int) -> None:
    with contextlib.suppress(OSError):
        ctrl(ctrl_port, "quit")
    try:
        proc.wait(3)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def et(tmp_path: Path) -> Iterator[EngineThread]:
    cert, key = tmp_path / "sip.crt", tmp_path / "sip.key"
    self_signed(cert, key)
    engine = EngineThread(
        tmp_path,
        rtp_block(),
        tls_enabled=True,
        tls_port=free_port(kind=socket.SOCK_STREAM),
        tls_certfile=str(cert),
        tls_keyfile=str(key),
    )
    engine.start()
    try:
        yield engine
    finally:
        engine.stop()


def test_baresip_registers_over_tls_and_takes_an_srtp_call(et: EngineThread, tmp_path: Path) -> None:
    engine = et.engine
    assert engine is not None and engine.tls is not None
    phone_dir = tmp_path / "phone"
    proc, ctrl_port = start_baresip(phone_dir, engine.tls.port, tmp_path / "sip.crt")
    legs: list[Leg] = []
    try:
        et.wait_event("sip.registered", timeout=15, extension="2001")
        assert [b.source.proto for b in engine.registrar.lookup("2001")] == ["TLS"]

        async def route(leg: Leg) -> None:
            leg.call.record()
            legs.append(leg)
            await default_route(engine, leg)

        engine.on_inbound = route
        t = np.arange(8000 * 4) / 8000
        (tmp_path / "tone.ulaw").write_bytes(
            g711.ulaw_encode((np.sin(2 * np.pi * 500 * t) * 8000).astype(np.int16))
        )
        sipp = Sipp("uac_rtp.xml", et.port, args=["-s", "2001", "-m", "1"], cwd=tmp_path).start()
        ringing = et.wait_event("leg.ringing_started", timeout=10, direction="outbound")
        ctrl(ctrl_port, "accept")
        et.wait_event("leg.answered", timeout=10, direction="outbound")
        phone_leg = next(leg for leg in legs[0].call.legs if leg.direction == "outbound")
        assert phone_leg.signalling_proto() == "TLS"
        assert phone_leg.rtp.srtp is not None and phone_leg.srtp is not None  # SRTP on the phone's side
        assert legs[0].rtp.srtp is None  # plain RTP on the caller's
        assert sipp.wait(30) == 0, sipp.output
        ended = et.wait_event("call.ended", timeout=10, call_id=ringing.data["call_id"])
        assert phone_leg.rtp.rx_packets > 50
        leg_ended = et.wait_event("leg.ended", leg_id=phone_leg.id)
        assert leg_ended.data["rtp"]["srtp_failed"] == 0  # the leg's end says its media was SRTP
    finally:
        engine.on_inbound = None
        stop_baresip(proc, ctrl_port)
    rec = Path(ended.data["recording"])
    with wave.open(str(rec)) as w:
        frames = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").reshape(-1, 2)
    assert len(frames[np.abs(frames).max(axis=1) > 500]) > 8000, "recording is (nearly) silent"
    assert abs(peak_hz(active(frames[:, 0])) - 500) < 15  # the caller
    assert abs(peak_hz(active(frames[:, 1])) - 1200) < 15  # the phone, decrypted
    heard = sorted(phone_dir.glob("*dec*.wav"))  # baresip's dump of what it decrypted
    assert heard
    with wave.open(str(heard[0])) as w:
        data = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
        rate, channels = w.getframerate(), w.getnchannels()
    mono = active(data[: len(data) // channels * channels].reshape(-1, channels)[:, 0], rate * 2)
    spec = np.abs(np.fft.rfft(mono.astype(np.float64)))
    assert abs(float(np.argmax(spec[20:]) + 20) * rate / len(mono) - 500) < 15


def test_baresip_with_a_certificate_from_an_untrusted_ca_is_refused(tmp_path: Path) -> None:
    """Mutual TLS (``tls_client_cafile``): a phone whose certificate the bureau's CA signed
    registers, one signed by another CA is refused at the handshake and never registers."""
    cert, key = tmp_path / "sip.crt", tmp_path / "sip.key"
    self_signed(cert, key)
    ca, rogue = Authority(tmp_path, "bureau"), Authority(tmp_path, "rogue")
    et = EngineThread(
        tmp_path,
        rtp_block(),
        tls_enabled=True,
        tls_port=free_port(kind=socket.SOCK_STREAM),
        tls_certfile=str(cert),
        tls_keyfile=str(key),
        tls_client_cafile=str(ca.certfile),
    )
    engine = et.start()
    assert engine.tls is not None
    tls = engine.tls
    phones = []
    try:
        bad = start_baresip(tmp_path / "bad", tls.port, cert, client=rogue.issue("intruder"), ext="1001")
        phones.append(bad)
        assert et.wait_for(lambda: tls.handshake_failures >= 1, 20), (
            tmp_path / "bad" / "baresip.log"
        ).read_text()
        good = start_baresip(tmp_path / "good", tls.port, cert, client=ca.issue("desk-2001"))
        phones.append(good)
        et.wait_event("sip.registered", timeout=15, extension="2001")
        assert engine.registrar.lookup("1001") == []
    finally:
        for proc, ctrl_port in phones:
            stop_baresip(proc, ctrl_port)
        et.stop()


def test_srtp_call_survives_hold_and_resume(et: EngineThread, tmp_path: Path) -> None:
    """baresip's hold/resume re-INVITEs carry its keys again: the engine answers RTP/SAVP with the
    same key of its own (the streams go on, no replay-window reset), and the phone's SRTP still
    authenticates after the resume."""
    engine = et.engine
    assert engine is not None and engine.tls is not None
    proc, ctrl_port = start_baresip(tmp_path / "phone", engine.tls.port, tmp_path / "sip.crt")
    caller = RawUa(TRUNK_IP, et.port)
    try:
        et.wait_event("sip.registered", timeout=15, extension="2001")
        dlg = caller.invite("2001", caller.sdp())
        et.wait_event("leg.ringing_started", timeout=10, direction="outbound")
        ctrl(ctrl_port, "accept")
        assert caller.answered(dlg).status == 200
        answered = et.wait_event("leg.answered", direction="outbound")
        phone = next(
            leg for c in engine.calls.values() for leg in c.legs if leg.id == answered.data["leg_id"]
        )
        assert phone.srtp is not None and phone.srtp.local is not None
        key = phone.srtp.local.key
        ctrl(ctrl_port, "hold")
        held = caller.answer_reinvite(timeout=15)
        assert parse_sdp(held.body).direction in ("sendonly", "inactive")
        et.wait_event("leg.held", leg_id=phone.id)
        ctrl(ctrl_port, "resume")
        caller.answer_reinvite(timeout=15)
        et.wait_event("leg.resumed", leg_id=phone.id)
        assert phone.srtp.local.key == key and phone.rtp.srtp is phone.srtp.context
        before = phone.rtp.rx_packets
        assert et.wait_for(lambda: phone.rtp.rx_packets > before + 25, 10)  # baresip talks again
        assert phone.srtp.context is not None and phone.srtp.context.failed == 0
        dlg.cseq += 1
        caller.send(caller.build("BYE", dlg, "z9hG4bKsrtpbye"))
        et.wait_event("call.ended", call_id=answered.data["call_id"])
    finally:
        caller.close()
        stop_baresip(proc, ctrl_port)
