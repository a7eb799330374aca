"""Fixtures for the SIP tests: one engine per test module on a private loopback port."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sip.harness import EngineThread

# Random start: other test runs on the same box may use the engine (and RTP ports) at the same time.
# Cycled: there are more engine modules than bases, and one module's engine is stopped before the
# next starts (a plain iterator ran out and failed the later modules' set-up).
_START = random.randrange(0, 30)
_RTP_BASES = itertools.cycle([30000 + ((_START + i) % 30) * 1000 for i in range(30)])


@pytest.fixture(scope="module")
def engine_thread(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineThread]:
    et = EngineThread(Path(tmp_path_factory.mktemp("engine")), next(_RTP_BASES))
    et.start()
    try:
        yield et
    finally:
        et.stop()
