"""The WebRTC ↔ RTP media bridge of browser phones: every SDP to or from a browser leg goes through
rtpengine, so the engine itself only ever sees plain RTP G.711.

A leg whose party is a browser (its binding came over a WebSocket) carries a :class:`BridgedMedia`.
The engine still builds and reads its own plain SDP; on the way out to the browser the SDP is handed
to rtpengine, which answers with a ``UDP/TLS/RTP/SAVPF`` one (DTLS-SRTP, ICE, rtcp-mux) to send
instead, and a browser's SDP coming in is turned back into plain ``RTP/AVP`` pointing at rtpengine's
engine-side port. rtpengine keys a call by Call-ID and the offerer's tag: an offer is an ``offer``
from its sender's tag, an answer an ``answer`` with the offerer's tag as ``from-tag``; the engine's
tag is the leg's local tag, the browser's the dialog's remote tag.

The engine side is always plain G.711 with telephone-event/8000, so RFC 4733 digits from the
browser's dial pad reach the engine's detector and recording, supervision and hold work as for a
desk phone. With ``opus`` (``sip.webrtc_opus``) the browser is also offered Opus 48000/2, first,
which rtpengine transcodes to and from the engine's G.711 (and telephone-event/48000 to and from
/8000); a browser answering PCMU or PCMA is passed through untranscoded, as without it.
:class:`RtpengineDaemon` starts a daemon of our own on loopback (development, tests) when no
external one is configured.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import logging
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hotline.media.rtpengine import NgClient, NgError
from hotline.sip.sdp import SdpError, parse_sdp

log = logging.getLogger(__name__)

# What each side gets from rtpengine: the browser WebRTC media, the engine plain RTP on loopback.
TO_BROWSER: dict[str, Any] = {
    "transport-protocol": "UDP/TLS/RTP/SAVPF",
    "ICE": "force",
    "rtcp-mux": ["offer", "require"],
    "flags": ["trust-address", "generate-mid"],
    "replace": ["origin", "session-connection"],
}
TO_ENGINE: dict[str, Any] = {
    "transport-protocol": "RTP/AVP",
    "ICE": "remove",
    "rtcp-mux": ["demux"],
    "flags": ["trust-address"],
    "replace": ["origin", "session-connection"],
}

# Opus as offered to the browser: 24 kbit/s (the engine's side is 8 kHz narrowband: more buys
# nothing) and a mono preference (stereo=0) for what the browser sends.
OPUS = "opus/48000/2/24000//stereo=0"
ENGINE_CODECS = ("PCMU", "PCMA", "TELEPHONE-EVENT")


def opus_to_browser(sdp: bytes) -> dict[str, Any]:
    """ng codec options for the engine's offer to a browser: Opus added first, then the engine's own
    G.711 and telephone-event (``mask`` all, then ``transcode`` of a codec the offer had restores it
    untranscoded; a codec it lacked is never added, so no DTMF transcoding is switched on)."""
    try:
        md = parse_sdp(sdp)
        names = {md.codec_name(pt) for pt in md.payload_types}
    except SdpError:
        names = set(ENGINE_CODECS)
    kept = [n.replace("TELEPHONE-EVENT", "telephone-event") for n in ENGINE_CODECS if n in names]
    return {"codec": {"mask": ["all"], "transcode": [OPUS, *kept]}}


# A browser's own offer (its re-INVITE, e.g. hold) as the engine takes it: G.711 and
# telephone-event/8000 only. `accept` keeps the browser on Opus when it offers it: without it
# rtpengine answers the browser with G.711 passed through, and the call would leave Opus for good.
OPUS_TO_ENGINE: dict[str, Any] = {
    "codec": {"accept": ["opus"], "mask": ["all"], "transcode": ["PCMU", "PCMA", "telephone-event/8000"]}
}


@dataclass
class BridgedMedia:
    """One browser leg's media through rtpengine (one rtpengine call per SIP dialog)."""

    ng: NgClient
    call_id: str
    local_tag: str  # the engine's tag in the dialog
    remote_tag: str = ""  # the browser's, once its answer (or its request) names it
    offers: int = field(default=0)
    opus: bool = False  # offer the browser Opus, transcoded by rtpengine

    async def _ng(self, command: str, sdp: bytes, from_tag: str, to_tag: str, flags: dict[str, Any]) -> bytes:
        params: dict[str, Any] = {"call-id": self.call_id, "from-tag": from_tag, "sdp": sdp, **flags}
        if to_tag:
            params["to-tag"] = to_tag
        answer = await self.ng.request(command, **params)
        out = answer.get("sdp")
        if not isinstance(out, bytes) or not out:
            raise NgError(f"rtpengine {command} returned no SDP")
        return out

    async def to_browser(self, sdp: bytes, *, offer: bool) -> bytes:
        """The engine's plain SDP (an offer, or its answer to the browser's offer) as WebRTC."""
        if offer:
            self.offers += 1
            flags = {**TO_BROWSER, **opus_to_browser(sdp)} if self.opus else TO_BROWSER
            return await self._ng("offer", sdp, self.local_tag, self.remote_tag, flags)
        return await self._ng("answer", sdp, self.remote_tag, self.local_tag, TO_BROWSER)

    async def from_browser(self, sdp: bytes, *, offer: bool) -> bytes:
        """The browser's WebRTC SDP (its offer, or its answer to ours) as plain RTP for the engine."""
        if offer:
            self.offers += 1
            flags = {**TO_ENGINE, **OPUS_TO_ENGINE} if self.opus else TO_ENGINE
            return await self._ng("offer", sdp, self.remote_tag, self.local_tag, flags)
        return await self._ng("answer", sdp, self.local_tag, self.remote_tag, TO_ENGINE)

    async def release(self) -> None:
        if not self.offers:
            return
        with contextlib.suppress(NgError):
            done: dict[str, Any] = {"call-id": self.call_id, "from-tag": self.local_tag, "delete-delay": 0}
            await self.ng.request("delete", **done)


class WebRtcBridge:
    """The engine's bridge: an ng client (and, when asked, the rtpengine daemon it started)."""

    def __init__(self, address: str, *, timeout: float = 1.0, opus: bool = False) -> None:
        self.address = address
        self.ng = NgClient(address, timeout=timeout)
        self.opus = opus
        self.daemon: RtpengineDaemon | None = None

    def media(self, call_id: str, local_tag: str) -> BridgedMedia:
        return BridgedMedia(self.ng, call_id, local_tag, opus=self.opus)

    async def start(self, daemon: RtpengineDaemon | None = None) -> None:
        self.daemon = daemon
        if daemon is not None:
            await daemon.start(self.ng)

    async def stop(self) -> None:
        self.ng.close()
        if self.daemon is not None:
            await self.daemon.stop()


# Looked up once here, not in the forked child (where loading a library could wait forever on a
# lock another thread of the parent held at the fork).
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """In the child, before exec: the kernel sends it SIGTERM when the process that started it
    dies, even by SIGKILL, so a killed `hotline serve` leaves no rtpengine holding its ports
    (Linux `PR_SET_PDEATHSIG`; elsewhere nothing)."""
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, int(signal.SIGTERM))


@dataclass
class RtpengineDaemon:
    """rtpengine in userspace (no kernel module) on ``interface``, for development and tests."""

    interface: str
    ng_address: str
    port_min: int
    port_max: int
    log_dir: Path | None = None
    proc: subprocess.Popen[bytes] | None = None

    async def start(self, ng: NgClient) -> None:
        binary = shutil.which("rtpengine")
        if binary is None:
            raise RuntimeError("rtpengine is not installed (Debian package rtpengine-daemon)")
        cmd = [
            binary,
            "--config-file=none",  # not the packaged /etc one
            "--foreground",
            "--log-stderr",
            "--table=-1",  # userspace forwarding: no kernel module needed
            f"--interface={self.interface}",
            f"--listen-ng={self.ng_address}",
            f"--port-min={self.port_min}",
            f"--port-max={self.port_max}",
            "--log-level=4",
        ]
        out = open(self.log_dir / "rtpengine.log", "ab") if self.log_dir else subprocess.DEVNULL  # noqa: SIM115
        try:
            self.proc = subprocess.Popen(
                cmd, stdout=out, stderr=subprocess.STDOUT, preexec_fn=die_with_parent
            )
        finally:
            if not isinstance(out, int):
                out.close()  # the child has its own copy
        for _ in range(100):
            if self.proc.poll() is not None:
                raise RuntimeError(f"rtpengine exited at start (status {self.proc.returncode})")
            with contextlib.suppress(NgError):
                ng.timeout, saved = 0.1, ng.timeout
                try:
                    if await ng.ping():
                        return
                finally:
                    ng.timeout = saved
        raise RuntimeError("rtpengine did not answer ping")

    async def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        self.proc.terminate()
        loop = asyncio.get_running_loop()
        try:
            await asyncio.wait_for(loop.run_in_executor(None, self.proc.wait), 5)
        except TimeoutError:
            self.proc.kill()
            await loop.run_in_executor(None, self.proc.wait)
