"""Kamailio in front of the engine (stateful ``t_relay`` with Record-Route, as deployed at scale).

A stateful proxy matches every response to its transaction by Via branch and CSeq: a 200 to a
re-INVITE carrying the initial INVITE's branch and CSeq never completes the re-INVITE there, so
hold and session refresh fail through the proxy. SIPp calls through Kamailio, holds and unholds;
its scenario checks CSeq and branch of each 200, and Kamailio must have relayed them.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import pytest

from hotline.sip.leg import Leg
from tests.parallel import rtp_block
from tests.sip.harness import EngineThread, Sipp, free_port
from tests.sip.rawsip import options

pytestmark = pytest.mark.timeout(90)
PROXY_IP = "127.0.0.4"
CFG = """#!KAMAILIO
debug=1
log_stderror=yes
children=1
listen=udp:{ip}:{port}
mpath="{mpath}/"
loadmodule "pv.so"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "textops.so"
loadmodule "maxfwd.so"
loadmodule "siputils.so"
request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (loose_route()) {{ t_relay(); exit; }}
    if (is_method("INVITE") && !has_totag()) {{ record_route(); }}
    $du = "sip:127.0.0.1:{engine_port}";
    t_relay();
}}
"""


def start_kamailio(tmp: Path, port: int, engine_port: int) -> subprocess.Popen[bytes]:
    if shutil.which("kamailio") is None:
        pytest.skip("kamailio is not installed")
    mpath = next(Path("/usr/lib").glob("*/kamailio/modules"), Path("/usr/lib/kamailio/modules"))
    cfg = CFG.format(ip=PROXY_IP, port=port, mpath=mpath, engine_port=engine_port)
    (tmp / "kamailio.cfg").write_text(cfg)
    cmd = ["kamailio", "-f", str(tmp / "kamailio.cfg"), "-DD", "-E", "-m", "64", "-M", "8"]
    cmd += ["-w", str(tmp), "-Y", str(tmp), "-P", str(tmp / "k.pid")]
    log = (tmp / "kamailio.log").open("wb")
    # Its own process group: Kamailio forks workers, and all of them must go with it.
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    # Ready once an OPTIONS sent to it comes back answered (by the engine behind it).
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        s.settimeout(0.2)
        deadline = time.monotonic() + 15
        while proc.poll() is None and time.monotonic() < deadline:
            via = f"127.0.0.1:{s.getsockname()[1]}".encode()  # the answer follows the Via
            s.sendto(options(port=engine_port).replace(b"127.0.0.1:9;", via + b";"), (PROXY_IP, port))
            try:
                s.recvfrom(65535)
                return proc
            except (TimeoutError, ConnectionRefusedError):
                continue
    stop(proc)
    pytest.fail("kamailio did not start: " + (tmp / "kamailio.log").read_text()[-2000:])


def stop(proc: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def test_hold_through_kamailio(tmp_path: Path) -> None:
    et = EngineThread(tmp_path, rtp_block(), trunk_peers=[PROXY_IP])
    engine = et.start()
    kport = free_port(PROXY_IP)
    kam = start_kamailio(tmp_path, kport, et.port)
    try:

        async def answer(leg: Leg) -> None:
            await leg.answer()  # an IVR leg: the re-INVITEs are answered by the engine alone

        engine.on_inbound = answer
        sipp = Sipp("uac_hold.xml", et.port, args=["-s", "600", "-m", "1"])
        sipp.cmd[1] = f"{PROXY_IP}:{kport}"
        assert sipp.run(60) == 0, sipp.output
        hold = et.wait_event("leg.held")
        assert hold.data["by"] == "remote" and hold.data["direction"] == "sendonly"
        et.wait_event("leg.resumed")
        ended = et.wait_event("leg.ended")
        assert ended.data["cause"] == "remote_hangup"
    finally:
        stop(kam)
        et.stop()
