"""Fixture: a call-center rig (real engine, call center, SIPp peers) on a fresh SQLite database."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hotline.store.db import Database
from tests.callcenter.rig import Rig
from tests.sip.harness import need

_RTP = itertools.count(40000, 500)


@pytest.fixture
def make_rig(sqlite_db: Database, tmp_path: Path) -> Iterator[Callable[..., Rig]]:
    need("sipp")
    rigs: list[Rig] = []

    def make(**queue_overrides: Any) -> Rig:
        rig = Rig(sqlite_db, tmp_path, next(_RTP), **queue_overrides)
        rigs.append(rig)
        return rig

    yield make
    for rig in rigs:
        rig.close()
