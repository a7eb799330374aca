"""Queue alerts from the call center's live KPIs (the same `KpiBook` the wallboard reads), on an
explicit clock: more callers waiting than the limit raises `queue_over` at once; a longest wait over
the 15-s target at every sample for N minutes raises `long_wait` (a dip under the target starts the
count again); each resolves when it clears; the sampling loop writes only changes, and after a
restart it resolves what an earlier process raised."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from hotline.calls.kpi import KpiBook
from hotline.contingency import queue_watch
from hotline.contingency.alert_settings import AlertSettings
from hotline.contingency.models import ContingencyAlert
from hotline.contingency.queue_watch import Change, QueueWatch
from hotline.store.db import Database

RULES = AlertSettings(queue_waiting_max=3, wait_target_seconds=15, long_wait_minutes=2, watch_seconds=0.02)


def _book(waiting: dict[str, float]) -> KpiBook:
    book = KpiBook({"general": 15.0})
    for call, entered in waiting.items():
        book.queue_event("enter", call, "general", entered)
    return book


def test_queue_over_the_limit_raises_at_once_and_resolves() -> None:
    watch = QueueWatch(RULES)
    book = _book({f"c{i}": 100.0 for i in range(4)})
    [change] = watch.check(book.snapshot(101.0), 101.0)
    assert (
        change.key == "queue_over:general" and change.kind == "queue_over" and "4 位来电等待" in change.text
    )
    assert watch.check(book.snapshot(102.0), 102.0) == []  # still over: one alert, not one per sample
    book.queue_event("abandon", "c0", "general", 102.5)
    assert watch.check(book.snapshot(103.0), 103.0) == [Change("queue_over:general")]


def test_long_wait_for_n_minutes() -> None:
    watch = QueueWatch(RULES)
    book = _book({"a": 0.0})
    assert watch.check(book.snapshot(10.0), 10.0) == []  # 10 s: under the target
    assert watch.check(book.snapshot(16.0), 16.0) == []  # over, from now
    assert watch.check(book.snapshot(100.0), 100.0) == []  # 84 s over: not 2 minutes yet
    [change] = watch.check(book.snapshot(136.0), 136.0)  # 2 minutes over
    assert change.kind == "long_wait" and "最长等待 136 秒" in change.text and "连续 2 分钟" in change.text
    book.queue_event("connect", "a", "general", 140.0, wait=140.0, agent_id=7)
    assert watch.check(book.snapshot(141.0), 141.0) == [Change("long_wait:general")]


def test_a_dip_under_the_target_starts_the_count_again() -> None:
    watch = QueueWatch(RULES)
    book = _book({"a": 0.0})
    watch.check(book.snapshot(20.0), 20.0)
    book.queue_event("connect", "a", "general", 100.0, wait=100.0, agent_id=7)
    book.queue_event("enter", "b", "general", 100.0)
    assert watch.check(book.snapshot(101.0), 101.0) == []  # the dip: count starts again
    assert watch.check(book.snapshot(130.0), 130.0) == []  # over since 130 only
    assert watch.check(book.snapshot(240.0), 240.0) == []
    assert [c.kind for c in watch.check(book.snapshot(250.0), 250.0)] == ["long_wait"]


def test_sampling_loop_writes_changes_and_resolves_after_a_restart(db: Database) -> None:
    snap: dict[str, dict[str, object]] = {"general": {"waiting": 5, "longest_wait": 3.0, "label": "综合"}}

    async def sample_until(watch: QueueWatch, what: str) -> None:
        task = asyncio.ensure_future(queue_watch.run(watch, lambda: snap, db))
        try:
            async with asyncio.timeout(10):
                while True:
                    with db.session() as s:
                        rows = list(s.scalars(select(ContingencyAlert)))
                    if rows and rows[0].status == what:
                        return
                    await asyncio.sleep(0.02)
        finally:
            task.cancel()

    asyncio.run(sample_until(QueueWatch(RULES), "open"))
    snap["general"] = {"waiting": 0, "longest_wait": 0.0}
    asyncio.run(sample_until(QueueWatch(RULES), "resolved"))  # a new process: resolves the old alert
    with db.session() as s:
        [row] = s.scalars(select(ContingencyAlert))
        assert (row.kind, row.key, row.repeats) == ("queue_over", "queue_over:general", 0)
        assert row.text.startswith("排队超限：综合 有 5 位来电等待")
