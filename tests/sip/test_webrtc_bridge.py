"""The browser phone's media bridge, end to end without a browser: the engine rings an extension
registered over a WebSocket, the INVITE carries WebRTC SDP (DTLS-SRTP, ICE) made by rtpengine, and
the "browser" is a second rtpengine call standing in for a WebRTC stack in front of a plain socket.
Tones cross DTLS-SRTP both ways (checked by FFT), RFC 4733 digits reach the engine's detector, the
browser's hold (re-INVITE sendonly) goes through the bridge, the call survives the WebSocket dropping
(the browser reconnects and the BYE reaches it on the new socket), and hanging up frees rtpengine's
calls. Twice: the browser answering PCMU (passed through), and the browser picking the Opus offered
first (as Chrome does), transcoded by the bridge to the engine's PCMU and by the stand-in back to its
plain socket's PCMU, telephone-event/48000 on the WebRTC side and /8000 on both plain sides.
"""

from __future__ import annotations

import asyncio
import os
import struct
import wave
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from websockets.asyncio.client import connect

from hotline.media import g711
from hotline.media.rtp import RtpPacket
from hotline.media.rtpengine import NgClient, NgError
from hotline.sip.leg import Leg
from hotline.sip.message import SipRequest, SipResponse, make_response, parse_name_addr
from hotline.sip.webrtc import TO_BROWSER, TO_ENGINE, opus_to_browser
from tests.parallel import rtp_block
from tests.sip.browser_standin import STANDIN_OPUS, codecs, dtmf_pt, picks_opus
from tests.sip.harness import EngineThread, free_port, need
from tests.sip.test_websocket import ORIGIN, recv_sip, registered

pytestmark = pytest.mark.slow


@pytest.fixture
def bridged(tmp_path: Path) -> Iterator[EngineThread]:
    need("rtpengine")
    base = rtp_block(2000)
    et = EngineThread(
        tmp_path,
        base,
        ws_enabled=True,
        ws_port=free_port(kind=1),
        ws_origins=[ORIGIN],
        webrtc_bridge=f"127.0.0.1:{free_port()}",
        webrtc_bridge_start=True,
        webrtc_port_min=base + 1000,
        webrtc_port_max=base + 1998,
        webrtc_opus=True,  # the browser is offered Opus first (off by default)
    )
    et.start()
    try:
        yield et
    finally:
        et.stop()


def tone(freq: float, seconds: float) -> np.ndarray:
    t = np.arange(int(8000 * seconds)) / 8000
    return (np.sin(2 * np.pi * freq * t) * 9000).astype(np.int16)


def peak(pcm: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64) * np.hanning(len(pcm))))
    return float(np.argmax(spectrum) * 8000 / len(pcm))


def plain_sdp(port: int, direction: str = "sendrecv", dtmf: int = 101) -> bytes:
    return (
        "v=0\r\no=browser 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 0 {dtmf}\r\na=rtpmap:0 PCMU/8000\r\n"
        f"a=rtpmap:{dtmf} telephone-event/8000\r\na=fmtp:{dtmf} 0-16\r\na=ptime:20\r\na={direction}\r\n"
    ).encode()


def media_port(sdp: bytes) -> int:
    line = next(x for x in sdp.decode().splitlines() if x.startswith("m=audio"))
    return int(line.split()[1])


class Browser(asyncio.DatagramProtocol):
    """The plain side of the stand-in browser: what it hears, and sending to its bridge."""

    def __init__(self) -> None:
        self.heard: list[bytes] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: Any) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr: Any) -> None:
        if len(data) > 12 and data[1] & 0x7F == 0:
            self.heard.append(data[12:])


async def send_rtp(browser: Browser, port: int, pcm: np.ndarray, seq0: int = 0) -> None:
    assert browser.transport is not None
    payload = g711.ulaw_encode(pcm)
    loop = asyncio.get_running_loop()
    start = loop.time()
    for n in range(len(payload) // 160):
        hdr = struct.pack("!BBHII", 0x80, 0, seq0 + n, (seq0 + n) * 160, 0xB0B)
        browser.transport.sendto(hdr + payload[n * 160 : (n + 1) * 160], ("127.0.0.1", port))
        await asyncio.sleep(max(0.0, start + (n + 1) * 0.02 - loop.time()))


async def send_digit(browser: Browser, port: int, event: int, pt: int = 101) -> None:
    assert browser.transport is not None
    for i in range(6):  # 3 updates, end bit on the last 3 (RFC 4733 2.5.1.4)
        end = 0x80 if i >= 3 else 0
        payload = struct.pack("!BBH", event, end | 10, 160 * (i + 1))
        hdr = struct.pack("!BBHII", 0x80, (0x80 if i == 0 else 0) | pt, 1000 + i, 80000, 0xB0B)
        browser.transport.sendto(hdr + payload, ("127.0.0.1", port))
        await asyncio.sleep(0.02)


def in_dialog(invite: SipRequest, method: str, cseq: int, body: bytes = b"", to_tag: str = "brw") -> str:
    """A request from the browser inside the dialog the engine's INVITE made."""
    contact = parse_name_addr(invite.get("Contact") or "").uri
    lines = [
        f"{method} {contact} SIP/2.0",
        f"Via: SIP/2.0/WS abc.invalid;branch=z9hG4bK{os.urandom(6).hex()}",
        "Max-Forwards: 70",
        f"From: {invite.get('To')};tag={to_tag}",
        f"To: {invite.get('From')}",
        f"Call-ID: {invite.call_id}",
        f"CSeq: {cseq} {method}",
    ]
    if body:
        lines.append("Content-Type: application/sdp")
    return "\r\n".join(lines) + f"\r\nContent-Length: {len(body)}\r\n\r\n" + body.decode()


@pytest.mark.parametrize("browser_codec", ["PCMU", "opus"])
def test_browser_leg_through_the_bridge(bridged: EngineThread, tmp_path: Path, browser_codec: str) -> None:
    opus = browser_codec == "opus"
    engine = bridged.engine
    assert engine is not None and engine.ws is not None and engine.bridge is not None
    port = engine.ws.port
    prompt = tmp_path / "tone400.wav"
    with wave.open(str(prompt), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(tone(400, 1.0).tobytes())
    heard_by_engine: list[bytes] = []

    def tap(leg: Leg, pkt: RtpPacket) -> None:
        heard_by_engine.append(pkt.payload)

    def on_engine(coro: Any) -> Any:
        return asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, bridged.loop))

    async def scenario() -> dict[str, Any]:
        loop = asyncio.get_running_loop()
        ng = NgClient(engine.bridge.address)  # the stand-in browser's own WebRTC stack
        _, browser = await loop.create_datagram_endpoint(Browser, local_addr=("127.0.0.1", 0))
        mine = browser.transport.get_extra_info("sockname")[1]
        out: dict[str, Any] = {}
        async with connect(f"ws://127.0.0.1:{port}", subprotocols=["sip"], origin=ORIGIN) as ws:  # type: ignore[list-item]
            assert (await registered(ws, port, "2001")).status == 200
            leg: Leg = await on_engine(engine.originate("2001", caller_id="1001"))
            leg.audio_taps.append(tap)
            invite = await recv_sip(ws)
            assert isinstance(invite, SipRequest) and invite.method == "INVITE"
            out["offer"] = invite.body.decode()
            cid = "browser-" + invite.call_id
            # the stand-in takes Opus as Chrome would, transcoding it to its plain socket's PCMU
            offer = picks_opus(invite.body) if opus else invite.body
            standin = STANDIN_OPUS if opus else {}
            offered = await ng.request(
                "offer", **{"call-id": cid, "from-tag": "e", "sdp": offer, **TO_ENGINE, **standin}
            )
            bridge_port = media_port(offered["sdp"])
            dtmf = dtmf_pt(offered["sdp"])
            answered = await ng.request(
                "answer",
                **{
                    "call-id": cid,
                    "from-tag": "e",
                    "to-tag": "b",
                    "sdp": plain_sdp(mine, dtmf=dtmf),
                    **TO_BROWSER,
                },
            )
            out["browser_answer"] = codecs(answered["sdp"])
            ok = make_response(invite, 200, "OK", to_tag="brw")
            ok.add("Contact", "<sip:2001x@abc.invalid;transport=ws>")
            ok.add("Content-Type", "application/sdp")
            ok.body = answered["sdp"]
            await ws.send(ok.to_bytes().decode())
            ack = await recv_sip(ws)
            assert isinstance(ack, SipRequest) and ack.method == "ACK"
            assert await on_engine(leg.wait_answered(10))
            assert leg.remote_media is not None
            out["engine_side"] = (leg.pt, sorted(leg.remote_media.rtpmap.values()))
            # media both ways across DTLS-SRTP (ICE and DTLS take a moment: wait for the first packets)
            sender = asyncio.ensure_future(send_rtp(browser, bridge_port, tone(1000, 3.0)))
            player = on_engine(leg.play(prompt))
            await asyncio.wait_for(asyncio.gather(sender, player), 10)
            out["engine_heard"] = len(heard_by_engine)
            out["engine_peak"] = peak(g711.ulaw_decode(b"".join(heard_by_engine[-25:])))
            out["browser_heard"] = len(browser.heard)
            out["browser_peak"] = peak(g711.ulaw_decode(b"".join(browser.heard[-25:])))
            # what the bridge itself says of each side: codec in use, transcoding or not
            sides = (await ng.request("query", **{"call-id": invite.call_id}))["tags"]
            out["bridge_sides"] = {
                "engine" if tag == leg.local_tag else tag: [
                    (m["codec"].decode(), b"transcoding" in m["flags"]) for m in side["medias"]
                ]
                for tag, side in sides.items()
            }
            # a digit from the dial pad (RFC 4733 through SRTP)
            await send_digit(browser, bridge_port, 5, dtmf)
            out["digit"] = bridged.wait_event("leg.digit_received", 10).data["digit"]
            # the browser puts the call on hold: its re-INVITE's SDP goes through the bridge (an
            # Opus browser offers Opus first again, then G.711, as Chrome does)
            held = plain_sdp(mine, "sendonly", dtmf)
            hold = await ng.request(
                "offer",
                **{
                    "call-id": cid,
                    "from-tag": "b",
                    "to-tag": "e",
                    "sdp": held,
                    **TO_BROWSER,
                    **(opus_to_browser(held) if opus else {}),
                },
            )
            out["hold_offer"] = codecs(hold["sdp"])
            await ws.send(in_dialog(invite, "INVITE", 1, hold["sdp"]))
            reply = await recv_sip(ws)
            while isinstance(reply, SipResponse) and reply.status < 200:
                reply = await recv_sip(ws)
            assert isinstance(reply, SipResponse) and reply.status == 200, reply
            out["hold_answer"] = reply.body.decode()
            resumed = await ng.request(
                "answer", **{"call-id": cid, "from-tag": "b", "to-tag": "e", "sdp": reply.body, **TO_ENGINE}
            )
            await ws.send(in_dialog(invite, "ACK", 1))
            out["held"] = bridged.wait_event("leg.held", 10).data["by"]
            out["engine_after_hold"] = leg.pt
            port_after_hold = media_port(resumed["sdp"])
            # the WebSocket drops mid-call: the media goes on, the browser reconnects and registers
            # again, and the call's requests follow it to the new socket
            await ws.close()
            assert bridged.wait_for(lambda: engine.contacts("2001") == [])
            async with connect(f"ws://127.0.0.1:{port}", subprotocols=["sip"], origin=ORIGIN) as ws2:  # type: ignore[list-item]
                assert (await registered(ws2, port, "2001")).status == 200
                heard = len(heard_by_engine)
                # the same stream going on (numbered after the tone and the digit)
                await send_rtp(browser, port_after_hold, tone(1000, 0.5), seq0=2000)
                bridged.wait_for(lambda: len(heard_by_engine) - heard >= 20, 5)
                out["after_drop"] = len(heard_by_engine) - heard
                out["leg_state"] = leg.state
                await on_engine(leg.hangup())
                bye = await recv_sip(ws2)
                assert isinstance(bye, SipRequest) and bye.method == "BYE"
                await ws2.send(make_response(bye, 200, "OK").to_bytes().decode())
            # the engine's rtpengine call is deleted with the leg
            deadline = loop.time() + 5
            out["deleted"] = False
            while loop.time() < deadline and not out["deleted"]:
                try:
                    await ng.request("query", **{"call-id": invite.call_id})
                    await asyncio.sleep(0.05)
                except NgError:
                    out["deleted"] = True
        ng.close()
        return out

    out = asyncio.run(scenario())
    offer = out["offer"]
    assert "UDP/TLS/RTP/SAVPF" in offer and "a=fingerprint:" in offer and "a=ice-ufrag:" in offer
    # Opus first (sip.webrtc_opus), PCMU/PCMA kept, telephone-event at both clock rates
    assert codecs(offer) == [
        "opus/48000/2",
        "PCMU/8000",
        "PCMA/8000",
        "telephone-event/48000",
        "telephone-event/8000",
    ]
    if opus:  # Opus between the browser and the bridge, G.711 at the engine, both ways
        assert out["bridge_sides"] == {
            "engine": [("PCMU/8000", True)],
            "brw": [("opus/48000/2", True)],
        }, out
        assert out["browser_answer"] == ["opus/48000/2", "telephone-event/48000"], out
        assert out["hold_offer"][0] == "opus/48000/2"
        assert codecs(out["hold_answer"]) == ["opus/48000/2", "telephone-event/48000"], out
    else:  # PCMU passed through: no transcoding
        assert out["bridge_sides"] == {
            "engine": [("PCMU/8000", False)],
            "brw": [("PCMU/8000", False)],
        }, out
        assert out["browser_answer"] == ["PCMU/8000", "telephone-event/8000"], out
        assert codecs(out["hold_answer"]) == ["PCMU/8000", "telephone-event/8000"], out
    assert out["engine_side"] == (0, ["PCMU/8000", "telephone-event/8000"]), out
    assert out["engine_after_hold"] == 0
    assert out["engine_heard"] > 50 and abs(out["engine_peak"] - 1000) < 30, out
    assert out["browser_heard"] > 25 and abs(out["browser_peak"] - 400) < 30, out
    assert out["digit"] == "5"
    assert "a=recvonly" in out["hold_answer"] and "UDP/TLS/RTP/SAVPF" in out["hold_answer"]
    assert out["held"] == "remote"
    assert out["leg_state"] == "answered"
    assert out["after_drop"] >= 20, (out["after_drop"], out["engine_heard"])
    assert out["deleted"]
