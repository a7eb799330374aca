"""A browser phone behind a NAT that lets nothing but its TURN server through: Chromium, forced to
relay (``iceTransportPolicy: "relay"``, as the console's browser phone does with
``HOTLINE_SIP__ICE_TRANSPORT_POLICY=relay``), gets its media through coturn (Debian ``coturn``, started here
on loopback) to the WebRTC bridge (rtpengine with the engine's own ``TO_ENGINE``/``TO_BROWSER``
flags) and on as plain RTP to a socket standing in for the engine, and back.

The browser's fake microphone plays a tone; the "engine" socket must receive RTP from the bridge
and what it sends back must arrive in the browser (``inbound-rtp``); the selected ICE pair's local
candidate must be a ``relay`` one, on an address coturn allocated.
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Coroutine, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest

from hotline.media.rtpengine import NgClient
from hotline.sip.webrtc import TO_BROWSER, TO_ENGINE, RtpengineDaemon
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.parallel import rtp_block
from tests.sip.harness import free_port

T = TypeVar("T")
pytestmark = [pytest.mark.slow, pytest.mark.timeout(120)]
TURN_USER, TURN_PASSWORD = "hotline", "turn-secret"

OFFER_JS = """async ([turn, user, password]) => {
  const pc = new RTCPeerConnection({iceServers: [{urls: turn, username: user, credential: password}],
                                    iceTransportPolicy: 'relay'});
  window.pc = pc;
  const stream = await navigator.mediaDevices.getUserMedia({audio: true, video: false});
  stream.getTracks().forEach((t) => pc.addTrack(t, stream));
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') resolve();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
    setTimeout(resolve, 8000);
  });
  return pc.localDescription.sdp;
}"""

STATS_JS = """async () => {
  const out = {state: window.pc.connectionState, local: '', received: 0, sent: 0};
  const stats = await window.pc.getStats();
  stats.forEach((s) => {
    if (s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded') {
      const local = stats.get(s.localCandidateId);
      if (local) out.local = local.candidateType;
    }
    if (s.type === 'inbound-rtp' && s.kind === 'audio') out.received = s.packetsReceived;
    if (s.type === 'outbound-rtp' && s.kind === 'audio') out.sent = s.packetsSent;
  });
  return out;
}"""


def plain_sdp(port: int) -> bytes:
    return (
        "v=0\r\no=engine 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
    ).encode()


def media_port(sdp: bytes) -> int:
    return int(next(x for x in sdp.decode().splitlines() if x.startswith("m=audio")).split()[1])


class Talker(threading.Thread):
    """The engine's side: 50 RTP packets/s to the bridge, and a count of what the bridge sends."""

    def __init__(self, sock: socket.socket, bridge: tuple[str, int]) -> None:
        super().__init__(daemon=True)
        self.sock, self.bridge = sock, bridge
        self.received = 0
        self.running = True

    def run(self) -> None:
        seq, start = 0, time.monotonic()
        while self.running:
            seq += 1
            hdr = struct.pack("!BBHII", 0x80, 0, seq, seq * 160, 0xC0FFEE)
            self.sock.sendto(hdr + b"\xd5" * 160, self.bridge)
            while time.monotonic() < start + seq * 0.02:
                try:
                    data, _ = self.sock.recvfrom(2048)
                    self.received += len(data) > 12
                except OSError:
                    pass

    def stop(self) -> None:
        self.running = False
        self.join(2)


@pytest.fixture
def coturn(tmp_path: Path) -> Iterator[tuple[int, range]]:
    binary = shutil.which("turnserver")
    if binary is None:
        pytest.skip("coturn is not installed (Debian package: coturn)")
    port, low = free_port(), rtp_block(100)
    cmd = [binary, "-n", "--listening-ip=127.0.0.1", f"--listening-port={port}", "--relay-ip=127.0.0.1",
           f"--min-port={low}", f"--max-port={low + 99}", "--lt-cred-mech", "--realm=hotline",
           f"--user={TURN_USER}:{TURN_PASSWORD}", "--no-tls", "--no-dtls", "--no-cli",
           "--allow-loopback-peers", "--fingerprint", "--simple-log",
           f"--log-file={tmp_path / 'turn.log'}", f"--pidfile={tmp_path / 'turn.pid'}"]  # fmt: skip
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:  # a STUN binding request
                s.settimeout(0.2)
                s.sendto(struct.pack("!HHI12s", 1, 0, 0x2112A442, b"hotline-turn"), ("127.0.0.1", port))
                try:
                    s.recv(512)
                    break
                except OSError:
                    continue
        yield port, range(low, low + 100)
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_browser_forced_to_relay_gets_media_through_coturn(coturn: tuple[int, range], tmp_path: Path) -> None:
    if not CHROMIUM.exists():
        pytest.skip("/usr/bin/chromium is not installed")
    if shutil.which("rtpengine") is None:
        pytest.skip("rtpengine is not installed (Debian rtpengine-daemon)")
    from playwright.sync_api import sync_playwright

    turn_port, relay_ports = coturn
    low = rtp_block(200)
    ng_address = f"127.0.0.1:{free_port()}"
    loop = asyncio.new_event_loop()  # its own thread: Playwright's sync API holds this one's loop
    threading.Thread(target=loop.run_forever, daemon=True).start()

    def run(coro: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(15)

    ng = NgClient(ng_address, timeout=2.0)
    daemon = RtpengineDaemon("127.0.0.1", ng_address, low, low + 199, log_dir=tmp_path)
    engine = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # the engine's RTP, as plain as ever
    engine.bind(("127.0.0.1", 0))
    engine.settimeout(0.02)
    args = [*CHROMIUM_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
    try:
        run(daemon.start(ng))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=args, headless=True)
            page = browser.new_page()
            # a secure context (getUserMedia needs one): localhost, served by Playwright itself
            page.route(
                "http://localhost/**",
                lambda route: route.fulfill(body="<html></html>", content_type="text/html"),
            )
            page.goto("http://localhost/phone")
            turn = f"turn:127.0.0.1:{turn_port}?transport=udp"
            offer = page.evaluate(OFFER_JS, [turn, TURN_USER, TURN_PASSWORD])
            candidates = [x for x in offer.splitlines() if x.startswith("a=candidate")]
            assert candidates and all(" typ relay " in c for c in candidates), candidates
            # relayed addresses coturn allocated: 127.0.0.1 and a port of its relay range
            assert all(int(c.split()[5]) in relay_ports for c in candidates), (candidates, relay_ports)
            ids: dict[str, Any] = {"call-id": "turn-1", "from-tag": "browser"}
            toward = run(ng.request("offer", **ids, sdp=offer.encode(), **TO_ENGINE))
            answer = run(
                ng.request(
                    "answer",
                    **ids,
                    **{"to-tag": "engine"},
                    sdp=plain_sdp(engine.getsockname()[1]),
                    **TO_BROWSER,
                )
            )
            page.evaluate(
                "(sdp) => window.pc.setRemoteDescription({type: 'answer', sdp})", answer["sdp"].decode()
            )
            talk = Talker(engine, ("127.0.0.1", media_port(toward["sdp"])))
            talk.start()
            deadline = time.monotonic() + 20
            stats: dict[str, Any] = {}
            try:
                while time.monotonic() < deadline:
                    stats = page.evaluate(STATS_JS)
                    if talk.received > 50 and stats["received"] > 50 and stats["local"]:
                        break
                    time.sleep(0.3)
            finally:
                talk.stop()
            browser.close()
        assert stats.get("state") == "connected", stats
        assert stats["local"] == "relay", stats  # the media went through the TURN relay
        assert talk.received > 50, f"the engine got {talk.received} RTP packets from the browser"
        assert stats["received"] > 50, stats  # and the browser heard the engine
    finally:
        engine.close()
        run(daemon.stop())
        ng.close()
        loop.call_soon_threadsafe(loop.stop)
