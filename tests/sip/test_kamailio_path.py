"""A phone behind Kamailio (RFC 3327 Path): registered through the proxy, called back through it.

Kamailio, configured as a plain edge proxy, adds its Path to the phone's REGISTER and relays it to
the engine; a trunk call to that extension must then reach the phone through Kamailio (the engine
sends the INVITE to the Path hop with it as Route; Kamailio forwards it to the Contact), and the call
is answered and ended normally. Without Path support the engine would send the INVITE straight to
the Contact, which a real proxied phone (behind NAT, or on another network) never receives; here the
phone's own address is kept out of reach by checking that every request it got came from Kamailio.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.parallel import rtp_block
from tests.sip.harness import PASSWORDS, PHONE_IP, EngineThread, Sipp, free_port
from tests.sip_raw import request

pytestmark = pytest.mark.timeout(120)
KAMAILIO_CFG = """#!KAMAILIO
debug=2
log_stderror=yes
children=1
disable_tcp=yes
listen=udp:127.0.0.1:{port}
mpath="{modules}"
loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "path.so"
loadmodule "siputils.so"
loadmodule "textops.so"

request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (has_totag()) {{ loose_route(); t_relay(); exit; }}
    if (is_method("REGISTER")) {{
        add_path();
        $du = "sip:127.0.0.1:{engine}";
        t_relay();
        exit;
    }}
    # the engine's request to a Path'd contact: Route = this proxy (consumed here), R-URI = Contact
    if (!is_present_hf("Route")) {{ sl_send_reply("403", "Not a proxy for you"); exit; }}
    loose_route();
    record_route();
    t_relay();
}}
"""


@pytest.fixture
def et(tmp_path: Path) -> Iterator[EngineThread]:
    engine = EngineThread(tmp_path, rtp_block())
    engine.start()
    try:
        yield engine
    finally:
        engine.stop()


@pytest.fixture
def kamailio(et: EngineThread, tmp_path: Path) -> Iterator[int]:
    binary = shutil.which("kamailio") or (
        "/usr/sbin/kamailio" if Path("/usr/sbin/kamailio").exists() else None
    )
    if binary is None:
        pytest.skip("kamailio is not installed (Debian package: kamailio)")
    modules = next(Path("/usr/lib").glob("*/kamailio/modules"), None) or Path("/usr/lib/kamailio/modules")
    port = free_port()
    cfg = tmp_path / "kamailio.cfg"
    cfg.write_text(KAMAILIO_CFG.format(port=port, engine=et.port, modules=modules))
    log = (tmp_path / "kamailio.log").open("wb")
    proc = subprocess.Popen(
        [
            binary,
            "-f",
            str(cfg),
            "-DD",
            "-E",
            "-m",
            "32",
            "-M",
            "4",
            "-w",
            str(tmp_path),
            "-Y",
            str(tmp_path),
        ],
        stdout=log,
        stderr=log,
    )
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            probe.settimeout(0.5)
            deadline = time.monotonic() + 15
            while True:  # any answer to an OPTIONS: it is listening
                probe.sendto(request("OPTIONS", port, probe.getsockname(), "probe"), ("127.0.0.1", port))
                try:
                    probe.recvfrom(65535)
                    break
                except TimeoutError:
                    log_text = (tmp_path / "kamailio.log").read_text()
                    assert proc.poll() is None and time.monotonic() < deadline, log_text[-3000:]
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def bound(ip: str, port: int) -> bool:
    """Some process listens on UDP ip:port (read from /proc: probing by binding could steal it)."""
    want = f"{socket.inet_aton(ip)[::-1].hex().upper()}:{port:04X}"
    lines = Path("/proc/net/udp").read_text().splitlines()[1:]
    return any(line.split()[1] == want for line in lines)


def test_phone_behind_kamailio_is_called_through_it(et: EngineThread, kamailio: int, tmp_path: Path) -> None:
    engine = et.engine
    assert engine is not None
    phone_port = free_port(PHONE_IP)
    reg = Sipp(
        "register.xml",
        kamailio,  # the phone only knows the proxy
        ip=PHONE_IP,
        port=phone_port,
        args=["-s", "1002", "-au", "1002", "-ap", PASSWORDS["1002"], "-m", "1"],
    )
    assert reg.run() == 0, reg.output
    (binding,) = engine.registrar.lookup("1002")
    assert binding.path and f"127.0.0.1:{kamailio}" in binding.path[0]
    assert binding.contact == f"sip:1002@{PHONE_IP}:{phone_port}"

    uas = Sipp(
        "uas_answer.xml",
        et.port,
        ip=PHONE_IP,
        port=phone_port,
        args=["-s", "1002", "-m", "1", "-trace_msg", "-message_file", str(tmp_path / "phone.msg")],
        cwd=tmp_path,
    ).start()
    assert et.wait_for(lambda: bound(PHONE_IP, phone_port), 10)  # listening before the call arrives
    caller = Sipp("uac_call.xml", et.port, args=["-s", "1002", "-m", "1"])
    assert caller.run() == 0, (caller.output[-2000:], (tmp_path / "kamailio.log").read_text()[-2000:])
    assert uas.wait(20) == 0, uas.output
    ended = et.wait_event("call.ended")
    assert {leg["cause"] for leg in ended.data["legs"]} == {"remote_hangup", "peer_hangup"}
    # everything the phone received came through Kamailio: its Via is on top of the engine's
    received = (tmp_path / "phone.msg").read_text()
    invite = received[received.index("INVITE sip:") :]
    assert f"Via: SIP/2.0/UDP 127.0.0.1:{kamailio}" in invite.split("\n\n")[0]
