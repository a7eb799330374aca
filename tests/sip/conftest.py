"""Fixtures for the SIP tests: one engine per test module on a private loopback port."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.parallel import rtp_block
from tests.sip.harness import EngineThread


@pytest.fixture(scope="module")
def engine_thread(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EngineThread]:
    et = EngineThread(Path(tmp_path_factory.mktemp("engine")), rtp_block())
    et.start()
    try:
        yield et
    finally:
        et.stop()
