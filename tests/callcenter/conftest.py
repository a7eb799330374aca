"""Fixture: a call-center rig (real engine, call center, SIPp peers) on a fresh SQLite database."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hotline.store.db import Database
from tests.callcenter.rig import Rig
from tests.parallel import rtp_block
from tests.sip.harness import need


@pytest.fixture
def make_rig(sqlite_db: Database, tmp_path: Path) -> Iterator[Callable[..., Rig]]:
    need("sipp")
    rigs: list[Rig] = []

    def make(**queue_overrides: Any) -> Rig:
        rig = Rig(sqlite_db, tmp_path, rtp_block(), **queue_overrides)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.close()
