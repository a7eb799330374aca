"""Two `hotline serve` nodes behind Kamailio, on one PostgreSQL and one Redis (tests and bench).

`Edge` is Kamailio as the SIP edge: `dispatcher` sends trunk calls and phones' REGISTERs to the
first node that answers its OPTIONS probes (priority order, probed every second; a request that
times out or gets 503 goes to the next node), Record-Route keeps it on the dialog's path and
`add_path()` lets the node reach a phone registered through it (RFC 3327). `Node` is one `hotline
serve` process with SIP on, the Redis bus and the leader lease: only the leader's engine listens,
so the probes find the standby down until it takes over.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from tests.sip.harness import free_port, udp_bound
from tests.sip_raw import request

ROOT = Path(__file__).resolve().parents[2]
EDGE_CFG = """#!KAMAILIO
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
loadmodule "dispatcher.so"
loadmodule "xlog.so"
modparam("tm", "fr_timer", 1500)
modparam("dispatcher", "list_file", "{dslist}")
modparam("dispatcher", "flags", 2)  # failover: ds_next_dst
modparam("dispatcher", "ds_ping_interval", 1)
modparam("dispatcher", "ds_probing_mode", 1)
# three missed probes before a node is down: not the instant its engine takes the port over from
# the standby answerer; a dead node is marked down at once by the failure route
modparam("dispatcher", "ds_probing_threshold", 3)
modparam("dispatcher", "ds_inactive_threshold", 1)
modparam("dispatcher", "ds_ping_from", "sip:edge@127.0.0.1:{port}")

request_route {{
    if (!mf_process_maxfwd_header("10")) {{ sl_send_reply("483", "Too Many Hops"); exit; }}
    if (is_method("OPTIONS") && uri == myself && !is_present_hf("Route")) {{
        sl_send_reply("200", "OK");
        exit;
    }}
    if (is_method("CANCEL")) {{ if (t_check_trans()) {{ t_relay(); }} exit; }}
    # in a dialog: our Route consumed if present, then on to the Request-URI (the node's ACK to a
    # phone's 200 comes by the binding's Path without a Route set of its own)
    if (has_totag()) {{ loose_route(); t_relay(); exit; }}
    # a node calling a phone registered through this edge: Route = us (Path), R-URI = the Contact
    if (is_present_hf("Route")) {{ loose_route(); record_route(); t_relay(); exit; }}
    if (is_method("REGISTER")) {{ add_path(); }} else {{ record_route(); }}
    if (!ds_select_dst("1", "8")) {{ sl_send_reply("503", "No hotline node"); exit; }}
    xlog("L_WARN", "edge: $rm $ci to $du\n");
    t_on_failure("NEXT_NODE");
    t_relay();
}}

event_route[dispatcher:dst-down] {{ xlog("L_WARN", "edge: node $ru down\n"); }}
event_route[dispatcher:dst-up] {{ xlog("L_WARN", "edge: node $ru up\n"); }}

failure_route[NEXT_NODE] {{
    if (t_is_canceled()) {{ exit; }}
    xlog("L_WARN", "edge: $rm to $du failed\n");
    if (t_check_status("503") || (t_branch_timeout() && !t_branch_replied())) {{
        ds_mark_dst("ip");
        if (ds_next_dst()) {{ xlog("L_WARN", "edge: next $du\n"); t_on_failure("NEXT_NODE"); t_relay(); }}
    }}
}}
"""


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.05)


class Edge:
    def __init__(self, folder: Path, nodes: list[int]) -> None:
        binary = shutil.which("kamailio") or (
            "/usr/sbin/kamailio" if Path("/usr/sbin/kamailio").exists() else None
        )
        if binary is None:
            pytest.skip("kamailio is not installed (Debian package: kamailio)")
        modules = next(Path("/usr/lib").glob("*/kamailio/modules"), None) or Path("/usr/lib/kamailio/modules")
        self.folder = folder
        self.port = free_port()
        dslist = folder / "dispatcher.list"
        # setid destination flags priority: the first node first while both answer
        lines = [f"1 sip:127.0.0.1:{port} 0 {100 - i}" for i, port in enumerate(nodes)]
        dslist.write_text("\n".join(lines) + "\n")
        cfg = folder / "kamailio.cfg"
        cfg.write_text(EDGE_CFG.format(port=self.port, modules=modules, dslist=dslist))
        self.log_path = folder / "kamailio.log"
        log = self.log_path.open("wb")
        args = ["-f", str(cfg), "-DD", "-E", "-m", "32", "-M", "4", "-w", str(folder), "-Y", str(folder)]
        self.proc = subprocess.Popen([binary, *args], stdout=log, stderr=log)
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.bind(("127.0.0.1", 0))
            probe.settimeout(0.5)
            deadline = time.monotonic() + 15
            while True:  # any answer to an OPTIONS: it is listening
                probe.sendto(
                    request("OPTIONS", self.port, probe.getsockname(), "probe"), ("127.0.0.1", self.port)
                )
                try:
                    probe.recvfrom(65535)
                    break
                except TimeoutError:
                    assert self.proc.poll() is None and time.monotonic() < deadline, self.log()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def saw_down(self, sip_port: int) -> bool:
        """Its dispatcher marked the node on `sip_port` down (probes or a failed call)."""
        return f"edge: node sip:127.0.0.1:{sip_port} down" in self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Node:
    """One `hotline serve` with SIP, the Redis bus and the leader lease."""

    def __init__(
        self, name: str, db_url: str, bus_url: str, folder: Path, rtp_base: int, lease: float = 2.0
    ) -> None:
        self.name = name
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.http = free_port(kind=socket.SOCK_STREAM)
        self.sip = free_port()
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "HOTLINE_DATABASE_URL": db_url,
            "HOTLINE_DATA_DIR": str(folder),
            "HOTLINE_HTTP_PORT": str(self.http),
            "HOTLINE_LOG_JSON": "false",
            "HOTLINE_JOBS_ENABLED": "false",
            "HOTLINE_MAILBOX_ENABLED": "false",
            "HOTLINE_COOKIE_SECURE": "false",
            "HOTLINE_SIP__ENABLED": "true",
            "HOTLINE_SIP__HOST": "127.0.0.1",
            "HOTLINE_SIP__PORT": str(self.sip),
            "HOTLINE_SIP__RTP_PORT_MIN": str(rtp_base),
            "HOTLINE_SIP__RTP_PORT_MAX": str(rtp_base + 199),
            "HOTLINE_SIP__QUALIFY_SECONDS": "0",  # SIPp phones do not answer OPTIONS
            "HOTLINE_HA__BUS_URL": bus_url,
            "HOTLINE_HA__NODE": name,
            "HOTLINE_HA__LEASE": "true",
            "HOTLINE_HA__LEASE_SECONDS": str(lease),
            "HOTLINE_HA__RENEW_SECONDS": str(lease / 4),
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = f"http://127.0.0.1:{self.http}"

    def start(self, timeout: float = 90) -> Node:
        log = (self.folder / "serve.log").open("ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hotline.cli", "serve"], env=self.env, cwd=ROOT, stdout=log, stderr=log
        )
        wait_for(self.healthy, timeout, f"node {self.name} /healthz")
        return self

    def healthy(self) -> bool:
        assert self.proc is not None
        assert self.proc.poll() is None, self.log()
        try:
            return httpx.get(f"{self.base}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def leading(self) -> bool:
        """Its engine listens (on TCP too: a standby only answers the edge's probes over UDP)."""
        want = f"{socket.inet_aton('127.0.0.1')[::-1].hex().upper()}:{self.sip:04X}"
        rows = Path("/proc/net/tcp").read_text().splitlines()[1:]
        return any(r.split()[1] == want and r.split()[3] == "0A" for r in rows) and udp_bound(
            "127.0.0.1", self.sip
        )

    def log(self) -> str:
        path = self.folder / "serve.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def kill(self) -> None:
        """kill -9: no goodbye, the lease is left to expire."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
