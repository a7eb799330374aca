"""SIPp phones and callers for the console's e2e walks: a registered desk phone (digest auth with
the demo extension's password) that answers `calls` calls, a trunk caller who dials the hotline
and presses keys, and `no_phone` that unregisters an extension's phones. Processes are collected
in `procs` for the test to kill at the end."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from hotline.media import g711
from tests.callcenter.rig import caller_xml, phone_xml
from tests.e2e.conftest import SERVER_INFO
from tests.sip.harness import SCENARIOS, Sipp, free_port

IP = "127.0.0.1"  # the server's default trunk peer and phone address
HOTLINE_NUMBER = "12345"


def desk_phone(tmp: Path, ext: str, procs: list[Sipp], calls: int = 1, tone: bool = False) -> None:
    """Register extension `ext` and answer its next `calls` calls; with `tone` it talks (a steady
    tone) so a recording has sound, not only the silence of SIPp's signalling-only calls."""
    engine = int(SERVER_INFO["sip_port"])
    port = free_port(IP)
    args = ["-s", ext, "-au", ext, "-ap", SERVER_INFO["sip_passwords"][ext], "-m", "1"]
    reg = Sipp("register.xml", engine, ip=IP, port=port, args=args, cwd=tmp)
    assert reg.run() == 0, reg.output
    scenario = tmp / f"phone{ext}.xml"
    scenario.write_text(phone_xml(400))
    if tone:
        t = np.arange(8000 * 90) / 8000
        pcm = (np.sin(2 * np.pi * 440 * t) * 3000).astype(np.int16)
        (tmp / "tone.ulaw").write_bytes(g711.ulaw_encode(pcm))
        scenario = SCENARIOS / "uas_tone.xml"
    # A phone waits all shift long: longer than SIPp's default 40 s run.
    run = ["-s", ext, "-m", str(calls), "-timeout", "300s"]
    procs.append(Sipp(str(scenario), engine, ip=IP, port=port, args=run, cwd=tmp).start())


def no_phone(tmp: Path, ext: str) -> None:
    """Take every registered phone of extension `ext` off the registrar: an earlier test's SIPp
    phone stays bound (for its REGISTER's 300 s) after the test killed it."""
    port = free_port(IP)
    args = ["-s", ext, "-au", ext, "-ap", SERVER_INFO["sip_passwords"][ext], "-m", "1"]
    unreg = Sipp("unregister.xml", int(SERVER_INFO["sip_port"]), ip=IP, port=port, args=args, cwd=tmp)
    assert unreg.run() == 0, unreg.output


def call_in(tmp: Path, number: str, digits: str, hold_ms: int | None, procs: list[Sipp]) -> Sipp:
    """A citizen calls the hotline from `number`, presses `digits`, hangs up after `hold_ms`
    (None: waits for the hotline to hang up)."""
    scenario = tmp / f"caller-{number}-{digits}.xml"
    scenario.write_text(caller_xml(number, digits, hold_ms))
    args = ["-s", HOTLINE_NUMBER, "-m", "1", "-timeout", "300s"]
    sipp = Sipp(str(scenario), int(SERVER_INFO["sip_port"]), ip=IP, args=args, cwd=tmp).start()
    procs.append(sipp)
    return sipp
