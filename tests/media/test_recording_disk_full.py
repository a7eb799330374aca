"""A full disk during a recorded call: the recording stops (reported on the bus, what reached the
disk kept), the call goes on and ends normally with "call.ended" (which closes its CDR), and no
ghost call is left in the engine. The recordings folder is a real 256 KiB tmpfs, filled mid-call."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from hotline.sip.leg import Leg
from tests.parallel import rtp_block
from tests.sip.harness import TRUNK_IP, EngineThread
from tests.sip.rawsip import options, udp_exchange
from tests.sip.rawua import RawUa, engine_rtp_port, new_branch
from tests.tmpfs import fill, small_tmpfs

pytestmark = pytest.mark.timeout(120)
AUDIO = bytes([0x55]) * 160


@pytest.fixture
def engine_on_small_disk(tmp_path: Path) -> Iterator[tuple[EngineThread, Path]]:
    with small_tmpfs(tmp_path / "disk", "256k") as disk:
        et = EngineThread(disk, rtp_block())
        et.start()
        try:
            yield et, disk
        finally:
            et.stop()


def test_disk_full_mid_call_stops_the_recording_not_the_call(
    engine_on_small_disk: tuple[EngineThread, Path],
) -> None:
    et, disk = engine_on_small_disk
    engine = et.engine
    assert engine is not None

    async def answer_and_record(leg: Leg) -> None:
        await leg.answer()
        leg.call.record()

    engine.on_inbound = answer_and_record
    caller = RawUa(TRUNK_IP, et.port)
    try:
        dlg = caller.invite("12345", caller.sdp())
        ok = caller.answered(dlg)
        assert ok.status == 200
        rtp_port = engine_rtp_port(ok)
        started = et.wait_event("call.recording_started")
        call_id = started.data["call_id"]
        fill(disk)

        # Talk until the recorder's next block write meets the full disk (a block a second).
        seq, deadline = 0, time.monotonic() + 30
        failed = lambda: any(e.topic == "call.recording_failed" for e in list(et.events))  # noqa: E731
        while not failed() and time.monotonic() < deadline:
            caller.send_rtp(rtp_port, seq, 0x1234, AUDIO)
            seq += 1
            time.sleep(0.02)  # real-time pacing of the RTP stream
        assert failed(), et.topics()

        # The call is still up and the engine still answers.
        assert call_id in engine.calls
        reply = udp_exchange(options("after-disk-full"), et.port)
        assert reply is not None and reply.status == 200

        dlg.cseq += 1
        caller.send(caller.build("BYE", dlg, new_branch()))
        assert caller.final("BYE").status == 200
        ended = et.wait_event("call.ended", call_id=call_id)
    finally:
        caller.close()
        engine.on_inbound = None
    assert call_id not in engine.calls
    recording = ended.data["recording"]
    if recording is not None:  # what reached the disk before it filled, as a valid WAV
        assert Path(recording).read_bytes()[:4] == b"RIFF"
