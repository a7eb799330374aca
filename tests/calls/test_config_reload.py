"""A queue changed over the API reaches the running call center once it is committed, on the
center's own loop (not in the request's worker thread, and not before the commit)."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from hotline.bus import get_bus
from hotline.calls.center import start_callcenter
from hotline.store.db import Database
from tests.calls.fakes import FakeEngine
from tests.calls.helpers import seed


def test_queue_created_over_api_is_loaded_after_commit(
    db: Database, client: TestClient, auth: Any, tmp_path: Path
) -> None:
    seed(db)
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    reload_threads: list[str] = []
    engine = FakeEngine(get_bus(), tmp_path)
    center = asyncio.run_coroutine_threadsafe(
        start_callcenter(engine, db, get_bus(), tick_seconds=0.05, recordings_dir=tmp_path), loop
    ).result(10)
    try:
        original = center.reload

        def spy() -> None:
            reload_threads.append(threading.current_thread().name)
            original()

        center.reload = spy  # type: ignore[method-assign]
        body = {"name": "hearing", "label": "听障专线", "ring_timeout_seconds": 20}
        created = client.post("/api/acd/queues", json=body, headers=auth("supervisor"))
        assert created.status_code == 201, created.text
        deadline = time.monotonic() + 5
        while "hearing" not in center.acd.queues and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "hearing" in center.acd.queues
        assert center.acd.queues["hearing"].config.ring_timeout_seconds == 20
        assert reload_threads and set(reload_threads) == {thread.name}

        # A write that fails (duplicate name) commits nothing and triggers no reload.
        before = len(reload_threads)
        assert client.post("/api/acd/queues", json=body, headers=auth("supervisor")).status_code == 409
        time.sleep(0.2)
        assert len(reload_threads) == before
    finally:
        asyncio.run_coroutine_threadsafe(center.stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
