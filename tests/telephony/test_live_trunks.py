"""A real `hotline serve` with SIP on: trunk changes over the API take effect on the next INVITE, and
the extensions view shows a phone's real REGISTER."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import httpx

from hotline.sip.message import SipRequest, SipResponse, make_response, parse_message
from hotline.store.db import Database
from tests.parallel import rtp_block
from tests.pg import free_port
from tests.server import start_server
from tests.sip_raw import ack, final, register, request

CARRIER_IP = "127.0.0.21"  # where the "carrier" sends from; not a trunk peer in the settings
PHONE_IP = "127.0.0.22"
ADMIN = {"Authorization": "Bearer token-admin"}


def _answer_options(sock: socket.socket) -> None:
    """Reply 200 to the first OPTIONS (skipping the IVR call's retransmissions and media)."""
    while True:
        data, addr = sock.recvfrom(65535)
        if data.startswith(b"OPTIONS"):
            req = parse_message(data)
            assert isinstance(req, SipRequest)
            sock.sendto(make_response(req, 200, "OK").to_bytes(), addr)
            return


SDP = (
    "v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
    "m=audio {port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
)


def test_trunk_change_applies_to_next_invite_and_extensions_show_registrations(
    sqlite_db: Database, tmp_path: Path
) -> None:
    sip_port, rtp = free_port(), rtp_block(200)
    env = {
        "HOTLINE_SIP__ENABLED": "true",
        "HOTLINE_SIP__PORT": str(sip_port),
        "HOTLINE_SIP__TRUNK_PEERS": '["127.0.0.9"]',
        "HOTLINE_SIP__RTP_PORT_MIN": str(rtp),
        "HOTLINE_SIP__RTP_PORT_MAX": str(rtp + 200),
    }
    proc, base = start_server(sqlite_db, tmp_path, env)
    carrier = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    carrier.bind((CARRIER_IP, 0))
    carrier.settimeout(5)
    phone = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    phone.bind((PHONE_IP, 0))
    phone.settimeout(5)
    try:
        with httpx.Client(base_url=base, headers=ADMIN, timeout=10) as http:
            sdp = SDP.format(ip=CARRIER_IP, port=40990)
            invite = request(
                "INVITE", sip_port, carrier.getsockname(), "12345", "Content-Type: application/sdp\r\n", sdp
            )
            carrier.sendto(invite, ("127.0.0.1", sip_port))
            challenge = final(carrier)
            assert challenge.status == 407  # not a trunk peer: digest required
            carrier.sendto(ack(invite, challenge), ("127.0.0.1", sip_port))  # or it is retransmitted

            created = http.post(
                "/api/telephony/trunks",
                json={"name": "carrier", "label": "测试中继", "host": CARRIER_IP, "direction": "inbound"},
            )
            assert created.status_code == 201, created.text
            engine = http.get("/api/telephony/engine").json()
            assert engine["running"] is True and CARRIER_IP in engine["trunk_peers"]

            # A new INVITE from the same carrier is now a trusted trunk call: the IVR answers it.
            fresh = request(
                "INVITE", sip_port, carrier.getsockname(), "12345", "Content-Type: application/sdp\r\n", sdp
            )
            carrier.sendto(fresh, ("127.0.0.1", sip_port))
            statuses = set()
            for _ in range(6):
                try:
                    msg = parse_message(carrier.recvfrom(65535)[0])
                except TimeoutError:
                    break
                if isinstance(msg, SipResponse):
                    statuses.add(msg.status)
                    if msg.status == 200:
                        break
            assert 200 in statuses and 407 not in statuses

            # Extension 8001 for the agent, then a real digest REGISTER from its "phone".
            agent = next(u for u in http.get("/api/users").json()["items"] if u["username"] == "agent")
            patch = {"extension": "8001", "sip_password": "phone-pass-1", "version": agent["version"]}
            assert http.patch(f"/api/users/{agent['id']}", json=patch).status_code == 200
            before = {e["extension"]: e for e in http.get("/api/telephony/extensions").json()}
            assert before["8001"]["registered"] is False and before["8001"]["has_sip_password"] is True

            assert register(phone, sip_port, "8001", "phone-pass-1") == 200
            after = {e["extension"]: e for e in http.get("/api/telephony/extensions").json()}
            contact = after["8001"]["contacts"][0]
            assert after["8001"]["registered"] is True and contact["source"].startswith(PHONE_IP)
            assert 290 <= contact["expires_in"] <= 300

            # "Check now" sends OPTIONS to the trunk's host:port; the carrier answers it.
            port = carrier.getsockname()[1]
            trunk = created.json()
            edit = {"version": trunk["version"], "port": port, "direction": "both"}
            assert http.patch(f"/api/telephony/trunks/{trunk['id']}", json=edit).status_code == 200
            answered = threading.Thread(target=_answer_options, args=(carrier,))
            answered.start()
            check = http.post(f"/api/telephony/trunks/{trunk['id']}/check")
            answered.join(5)
            assert check.status_code == 200 and check.json()["status"] == 200
            listed = http.get("/api/telephony/trunks").json()["items"][0]
            assert listed["active_outbound"] is True and listed["health"]["status"] == 200
    finally:
        carrier.close()
        phone.close()
        proc.terminate()
        proc.wait(15)
