"""The standalone runner starts an engine that answers OPTIONS and stops cleanly."""

from __future__ import annotations

import asyncio
import threading

import pytest

from hotline.config import Settings, SipSettings
from hotline.sip.standalone import credentials_from_env, run_telephony
from tests.parallel import rtp_block
from tests.sip.harness import free_port
from tests.sip.rawsip import options, udp_exchange


def test_credentials_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOTLINE_SIP_USERS", "1001:a, 1002:b,bad")
    assert credentials_from_env().passwords == {"1001": "a", "1002": "b"}


@pytest.mark.timeout(30)
def test_run_telephony_serves_and_stops() -> None:
    port, rtp = free_port(), rtp_block(100)
    settings = Settings(sip=SipSettings(port=port, rtp_port_min=rtp, rtp_port_max=rtp + 100))
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    thread = threading.Thread(target=lambda: loop.run_until_complete(run_telephony(settings, stop=stop)))
    thread.start()
    try:
        resp = None
        for _ in range(20):
            resp = udp_exchange(options(port=port), port, timeout=0.25)
            if resp is not None:
                break
        assert resp is not None and resp.status == 200
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
    assert not thread.is_alive()
