"""The ng options the bridge sends for Opus (``sip.webrtc_opus``), without rtpengine: offers to a
browser put Opus first and keep exactly the engine's own codecs (nothing added, so no DTMF
transcoding is switched on); a browser's offer reaches the engine as G.711 with Opus accepted for
transcoding; answers carry no codec options (rtpengine reads them only in offers); with the setting
off nothing about codecs is sent. What rtpengine makes of them is tests/sip/test_webrtc_bridge.py.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hotline.config import SipSettings
from hotline.media.rtpengine import Bencodable, NgClient
from hotline.sip.sdp import PCMA, PCMU, build_sdp
from hotline.sip.webrtc import OPUS, OPUS_TO_ENGINE, TO_BROWSER, TO_ENGINE, WebRtcBridge, opus_to_browser


class Recorder(NgClient):
    """An ng client that keeps each request and answers with an SDP of its own."""

    def __init__(self) -> None:
        super().__init__("127.0.0.1:9")
        self.sent: list[tuple[str, dict[str, Any]]] = []

    async def request(self, command: str, **params: Bencodable) -> dict[str, Any]:
        self.sent.append((command, params))
        return {"result": b"ok", "sdp": b"v=0\r\n"}


def engine_sdp(codecs: list[int], dtmf: int | None = 101) -> bytes:
    return build_sdp("127.0.0.1", 20000, codecs, dtmf_pt=dtmf, session_id=1)


def exchange(opus: bool) -> list[tuple[str, dict[str, Any]]]:
    bridge = WebRtcBridge("127.0.0.1:9", opus=opus)
    ng = Recorder()
    bridge.ng = ng
    media = bridge.media("call-1", "eng")

    async def run() -> None:
        await media.to_browser(engine_sdp([PCMU, PCMA]), offer=True)  # the INVITE to the browser
        media.remote_tag = "brw"
        await media.from_browser(b"v=0\r\n", offer=False)  # its 200 OK
        await media.from_browser(b"v=0\r\n", offer=True)  # its re-INVITE (hold)
        await media.to_browser(engine_sdp([PCMU]), offer=False)  # our 200 OK
        await media.to_browser(engine_sdp([PCMU]), offer=True)  # our re-INVITE (a hold relayed)

    asyncio.run(run())
    return ng.sent


def test_opus_is_offered_first_and_the_engine_keeps_g711() -> None:
    sent = exchange(opus=True)
    commands = [(c, p["from-tag"], p.get("to-tag")) for c, p in sent]
    assert commands == [
        ("offer", "eng", None),
        ("answer", "eng", "brw"),
        ("offer", "brw", "eng"),
        ("answer", "brw", "eng"),
        ("offer", "eng", "brw"),
    ]
    first, _, browser_offer, _, reoffer = (p for _, p in sent)
    assert first["codec"] == {"mask": ["all"], "transcode": [OPUS, "PCMU", "PCMA", "telephone-event"]}
    assert first["transport-protocol"] == TO_BROWSER["transport-protocol"]
    # a re-INVITE's SDP names only the codec in use: nothing the engine lacks is added
    assert reoffer["codec"]["transcode"] == [OPUS, "PCMU", "telephone-event"]
    assert browser_offer["codec"] == OPUS_TO_ENGINE["codec"]
    assert browser_offer["transport-protocol"] == TO_ENGINE["transport-protocol"]
    assert all("codec" not in p for c, p in sent if c == "answer")


def test_setting_off_sends_no_codec_options() -> None:
    sent = exchange(opus=False)
    assert len(sent) == 5 and all("codec" not in p for _, p in sent)
    assert sent[0][1]["transport-protocol"] == "UDP/TLS/RTP/SAVPF"


def test_no_telephone_event_is_not_invented() -> None:
    # a peer that answered without telephone-event: offering it to the browser would make rtpengine
    # transcode DTMF to in-band tones and run every packet through the codec engine
    assert opus_to_browser(engine_sdp([PCMU], dtmf=None)) == {
        "codec": {"mask": ["all"], "transcode": [OPUS, "PCMU"]}
    }
    assert opus_to_browser(b"not sdp")["codec"]["transcode"][0] == OPUS


def test_opus_is_off_by_default() -> None:
    # bench/RESULTS.md "Browser phone": transcoding's CPU, latency and loss against PCMU's bandwidth
    assert SipSettings().webrtc_opus is False
