"""Respondents' phones for the IVR campaign test and bench: one SIPp UAS behind the outbound trunk
answering every call, pressing RFC 4733 keys from SIPp's pcaps and talking (SIPp's speech pcap),
with SIPp's own message trace to count the INVITEs each number received."""

from __future__ import annotations

import re
import signal
import struct
import subprocess
import time
from collections import defaultdict
from pathlib import Path

from tests.sip.harness import free_port, need, udp_bound

PHONES_IP = "127.0.0.4"
PCAPS = Path("/usr/share/sip-tester")


def _first(data: bytes) -> tuple[int, int]:
    """(sequence number, timestamp) of a pcap's first RTP packet."""
    link = struct.unpack("<I", data[20:24])[0]
    ip = 24 + 16 + {1: 14, 113: 16, 0: 4}[link]
    udp = ip + (data[ip] & 0x0F) * 4
    seq, ts = struct.unpack(">HI", data[udp + 10 : udp + 16])
    return seq, ts


def press_pcaps(folder: Path, digits: str, first: int = 0) -> list[str]:
    """SIPp's RFC 4733 pcaps of `digits` as the call's key events number `first`, `first` + 1, ...:
    each event's own RTP timestamp (a receiver takes a repeated (SSRC, timestamp) for a
    retransmission) and sequence numbers following on from the event before (SIPp's pcaps all
    share one SSRC and their events span 8 sequence numbers), so the key stream has no gaps."""
    out = []
    for n, digit in enumerate(digits, start=first):
        name = "pound" if digit == "#" else digit
        data = (PCAPS / f"dtmf_2833_{name}.pcap").read_bytes()
        seq, ts = _first(data)
        path = folder / f"key-{n}-{name}.pcap"
        _rewrite(data, path, 10_000 + 8 * n - seq, 100_000 + 8000 * n - ts)
        out.append(str(path))
    return out


def play(pcap: str | Path) -> str:
    return f'<nop><action><exec play_pcap_audio="{pcap}"/></action></nop>'


def keys(folder: Path, digits: str, gap_ms: int = 400, first: int = 0) -> str:
    """Scenario steps pressing `digits`, `gap_ms` apart (events numbered from `first`)."""
    steps = []
    for pcap in press_pcaps(folder, digits, first):
        steps += [play(pcap), f'<pause milliseconds="{gap_ms}"/>']
    return "\n".join(steps)


def _rewrite(data: bytes, out: Path, seq_add: int, ts_add: int) -> None:
    """A pcap of RTP packets with sequence numbers and timestamps moved on (UDP checksum
    cleared, optional in IPv4, since the packets changed)."""
    link = struct.unpack("<I", data[20:24])[0]
    head = {1: 14, 113: 16, 0: 4}[link]
    buf, pos = bytearray(data), 24
    while pos < len(buf):
        size = struct.unpack("<I", buf[pos + 8 : pos + 12])[0]
        ip = pos + 16 + head
        udp = ip + (buf[ip] & 0x0F) * 4
        buf[udp + 6 : udp + 8] = b"\0\0"
        seq, ts = struct.unpack(">HI", buf[udp + 10 : udp + 16])
        buf[udp + 10 : udp + 16] = struct.pack(">HI", (seq + seq_add) & 0xFFFF, (ts + ts_add) & 0xFFFFFFFF)
        pos += 16 + size
    out.write_bytes(bytes(buf))


SPEECH_PACKETS, SPEECH_SAMPLES = 236, 236 * 240  # g711a.pcap: 7.08 s, 30 ms A-law packets


def speech(folder: Path | None = None, part: int = 0) -> str:
    """7 s of speech (A-law, 30 ms packets); `part` n continues the stream of part n - 1 (the
    same SSRC, sequence numbers and timestamps on), so several parts make one longer talk."""
    if not part or folder is None:
        return play(PCAPS / "g711a.pcap")
    out = folder / f"speech-{part}.pcap"
    _rewrite((PCAPS / "g711a.pcap").read_bytes(), out, part * SPEECH_PACKETS, part * SPEECH_SAMPLES)
    return play(out)


RESP = """<send{extra}><![CDATA[
SIP/2.0 {status}
[last_Via:]
[last_From:]
[last_To:];tag=[pid]SIPpTag01[call_number]
[last_Call-ID:]
[last_CSeq:]
Contact: <sip:[service]@[local_ip]:[local_port]>
{body}
]]></send>"""
EMPTY = "Content-Length: 0\n"
SDP = """Content-Type: application/sdp
Content-Length: [len]

v=0
o=phone 1 1 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [auto_media_port] RTP/AVP 8 101
a=rtpmap:8 PCMA/8000
a=rtpmap:101 telephone-event/8000
a=sendrecv
"""
BYE = """<send retrans="500"><![CDATA[
BYE [$remote_contact] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From:[$local_to];tag=[pid]SIPpTag01[call_number]
To:[$remote_from]
[last_Call-ID:]
CSeq: 2 BYE
Max-Forwards: 70
Content-Length: 0

]]></send>
<recv response="200"/>"""
OK_BYE = """<send><![CDATA[
SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0

]]></send>"""
INVITE = """<recv request="INVITE" crlf="true"><action>
<ereg regexp=".*" search_in="hdr" header="From:" assign_to="remote_from"/>
<ereg regexp=".*" search_in="hdr" header="To:" assign_to="local_to"/>
<ereg regexp="sip:[^>;]*" search_in="hdr" header="Contact:" assign_to="remote_contact"/>
{more}</action></recv>"""
REFERENCE = '<Reference variables="remote_from,local_to,remote_contact{more}"/>'


def ringing() -> str:
    return RESP.format(extra="", status="180 Ringing", body=EMPTY)


def answer() -> str:
    """The INVITE received, ringing, answered (A-law and telephone-event), the ACK."""
    ok = RESP.format(extra=' retrans="500"', status="200 OK", body=SDP)
    return "\n".join([INVITE.format(more=""), ringing(), ok, '<recv request="ACK" crlf="true"/>'])


def hang_up_after_bye(wait_ms: int = 60000) -> str:
    """Wait for the hotline's BYE (answer it); hang up ourselves if none comes within `wait_ms`."""
    return "\n".join(
        [
            f'<recv request="BYE" timeout="{wait_ms}" ontimeout="leave"/>',
            OK_BYE,
            '<nop next="end"/>',
            '<label id="leave"/>',
            BYE,
            '<label id="end"/>',
            REFERENCE.format(more=""),
        ]
    )


class Phones:
    """The SIPp UAS of every respondent, tracing each message it receives."""

    def __init__(self, folder: Path, scenario_xml: str, rtp_base: int) -> None:
        self.port = free_port(PHONES_IP)
        scenario = folder / "phones.xml"
        scenario.write_text(scenario_xml)
        self.trace = folder / "phones_messages.log"
        cmd = [need("sipp"), "-sf", str(scenario), "-i", PHONES_IP, "-p", str(self.port), "-mi", PHONES_IP]
        cmd += ["-mp", str(rtp_base), "-cp", str(free_port("0.0.0.0")), "-nostdin", "-trace_msg"]
        cmd += [
            "-message_file",
            str(self.trace),
            "-trace_err",
            "-error_file",
            str(folder / "phones_errors.log"),
        ]
        self.proc = subprocess.Popen(cmd, cwd=folder, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 15
        while not udp_bound(PHONES_IP, self.port) and time.monotonic() < deadline:
            time.sleep(0.05)

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)

    def invites(self) -> dict[str, set[str]]:
        """Number -> the Call-IDs of the INVITEs it received (retransmissions counted once)."""
        got: dict[str, set[str]] = defaultdict(set)
        text = self.trace.read_text(errors="replace") if self.trace.exists() else ""
        for block in text.split("\n\n"):
            m = re.search(r"^INVITE sip:(\d+)@", block, re.M)
            cid = re.search(r"^Call-ID:\s*(\S+)", block, re.M | re.I)
            if m and cid:
                got[m.group(1)].add(cid.group(1))
        return got
