"""KPIs from the queue log, incrementally: a scripted day checked against hand-computed figures."""

from __future__ import annotations

from hotline.calls.kpi import CENTER, KpiBook


def test_scripted_day() -> None:
    k = KpiBook({"q": 15.0})
    k.agent_queues = {1: ["q"], 2: ["q", "r"]}
    ev = k.queue_event
    ev("enter", "c1", "q", 0)
    ev("enter", "c2", "q", 1)
    ev("enter", "c3", "q", 2)
    ev("enter", "c4", "r", 3)
    ev("connect", "c1", "q", 10, wait=10, agent_id=1)  # within 15 s
    ev("abandon", "c2", "q", 4, wait=3)  # short abandon
    ev("connect", "c3", "q", 32, wait=30, agent_id=2)  # outside the service level
    ev("timeout", "c4", "r", 63, wait=60, overflow="queue")
    ev("overflow", "c4", "q", 63)
    ev("abandon", "c4", "q", 83, wait=80)
    k.agent_state(1, "talking", 10)
    k.agent_state(1, "wrap_up", 70)
    ev("complete", "c1", "q", 70, agent_id=1, talk=60)
    k.agent_state(1, "ready", 80)  # 10 s of wrap-up
    k.agent_state(2, "talking", 32)
    snap = k.snapshot(100)
    q, c, r = snap["q"], snap[CENTER], snap["r"]
    assert (q["offered"], q["answered"], q["abandoned"], q["short_abandoned"]) == (4, 2, 1, 1)
    assert q["answer_rate"] == round(2 / 3, 4)  # short abandons leave the denominator
    assert q["service_level"] == 0.5 and q["asa"] == 20.0 and q["aht"] == 70.0
    assert (c["offered"], c["answered"], c["answer_rate"]) == (4, 2, round(2 / 3, 4))
    assert r["timeouts"] == 1 and r["offered"] == 1 and r["waiting"] == 0
    assert q["agents"] == {"ready": 1, "talking": 1} and r["agents"] == {"talking": 1}
    assert q["max_wait"] == 80.0


def test_longest_wait_and_reset_keeps_waiters() -> None:
    k = KpiBook()
    k.queue_event("enter", "a", "q", 0)
    k.queue_event("enter", "b", "q", 5)
    assert k.snapshot(20)["q"]["longest_wait"] == 20.0
    k.queue_event("connect", "a", "q", 21, wait=21)
    assert k.snapshot(25)["q"]["longest_wait"] == 20.0
    k.queue_event("callback", "b", "q", 26)
    k.queue_event("timeout", "b", "q", 27, overflow="callback")
    assert k.snapshot(30)["q"]["waiting"] == 1  # a callback keeps its place
    k.reset()
    snap = k.snapshot(40)["q"]
    assert (snap["offered"], snap["waiting"], snap["longest_wait"]) == (0, 1, 35.0)
