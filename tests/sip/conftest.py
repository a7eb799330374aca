"""Fixtures for the SIP tests: one engine per test module on a private loopback port."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sip.harness import EngineThread

# Random start: other test runs on the same box may use the engine (and RTP ports) at the same time.
_RTP_BASES = iter(range(30000 + random.randrange(0, 20) * 1000, 60000, 1000))


@pytest.fixture(scope="module")
def engine_thread(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineThread]:
    et = EngineThread(Path(tmp_path_factory.mktemp("engine")), next(_RTP_BASES))
    et.start()
    try:
        yield et
    finally:
        et.stop()
