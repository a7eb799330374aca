"""SIGKILL during a burst of writes: every acknowledged write survives, nothing is half-applied."""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select

from hotline.audit.models import AuditEntry
from hotline.people.models import Caller, CallerPhone
from hotline.store.db import Database
from tests.server import start_server


@pytest.fixture
def server_tmp(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path


def test_sigkill_during_write_burst(db: Database, server_tmp: Path) -> None:
    proc, base = start_server(db, server_tmp)
    headers = {"Authorization": "Bearer token-agent"}
    acknowledged: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(n: int) -> None:
        with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
            i = 0
            while not stop.is_set():
                i += 1
                body = {
                    "name": f"压测{n}-{i}",
                    "phones": [{"number": f"13{n}{i:09d}"[:11]}, {"number": f"0571{n}{i:07d}"}],
                    "care_profile": {"age": 80},
                    "emergency_contacts": [{"name": "家属", "phone": "13900000000"}],
                }
                try:
                    resp = client.post("/api/callers", json=body)
                except httpx.HTTPError:
                    return
                if resp.status_code == 201:
                    with lock:
                        acknowledged.append(resp.json()["id"])

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 20
    while len(acknowledged) < 40 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(10)
    stop.set()
    for t in threads:
        t.join(10)
    assert len(acknowledged) >= 40, "the burst did not get going"

    # Straight from the database: whole writes only.
    with db.session() as s:
        ids = set(s.scalars(select(Caller.id).where(Caller.name.like("压测%"))))
        assert set(acknowledged) <= ids
        for caller_id in ids:
            phones = s.scalar(select(func.count()).where(CallerPhone.caller_id == caller_id))
            audits = s.scalar(
                select(func.count()).where(
                    AuditEntry.entity == "caller", AuditEntry.entity_id == str(caller_id)
                )
            )
            assert (phones, audits) == (2, 1), f"caller {caller_id} half-applied"

    # And after a restart, through the API.
    proc, base = start_server(db, server_tmp)
    try:
        with httpx.Client(base_url=base, headers=headers, timeout=5) as client:
            for caller_id in acknowledged:
                assert client.get(f"/api/callers/{caller_id}").status_code == 200
    finally:
        proc.terminate()
        proc.wait(10)
