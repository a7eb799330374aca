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
    # 15 s service level over resolved calls: c1 in time; c3 late; c4 abandoned after 80 s
    assert q["service_level"] == round(1 / 3, 4) and q["abandon_rate"] == round(1 / 3, 4)
    assert q["asa"] == 20.0 and q["aht"] == 70.0
    assert (c["offered"], c["answered"], c["answer_rate"]) == (4, 2, round(2 / 3, 4))
    assert c["service_level"] == round(1 / 3, 4)
    assert r["timeouts"] == 1 and r["offered"] == 1 and r["waiting"] == 0
    assert (r["lost"], r["answer_rate"], r["service_level"]) == (1, 0.0, 0.0)  # overflowed away
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


def test_review_case_service_level_never_above_answer_rate() -> None:
    """The review's wallboard: 8 callers, 4 answered within 15 s, 4 abandoned (one after 28 s),
    read "15 s service level 100 %" beside a 50 % answer rate. Hand-computed: 4/8 both."""
    k = KpiBook({"q": 15.0})
    for i in range(8):
        k.queue_event("enter", f"c{i}", "q", i)
    for i in range(4):
        k.queue_event("connect", f"c{i}", "q", 10 + i, wait=5 + i)
    for i, wait in zip(range(4, 8), (6, 9, 12, 28), strict=True):
        k.queue_event("abandon", f"c{i}", "q", 40, wait=wait)
    q = k.snapshot(50)["q"]
    assert (q["answer_rate"], q["service_level"], q["abandon_rate"]) == (0.5, 0.5, 0.5)


def test_callers_still_waiting_are_not_failures() -> None:
    k = KpiBook({"q": 15.0})
    k.queue_event("enter", "a", "q", 0)
    k.queue_event("enter", "b", "q", 1)
    k.queue_event("connect", "a", "q", 3, wait=3)
    q = k.snapshot(10)["q"]
    assert (q["waiting"], q["answer_rate"], q["service_level"]) == (1, 1.0, 1.0)  # b still waits


def test_voicemail_overflow_counts_as_unanswered() -> None:
    k = KpiBook({"q": 15.0})
    k.queue_event("enter", "a", "q", 0)
    k.queue_event("timeout", "a", "q", 60, wait=60, overflow="voicemail")
    q, c = k.snapshot(70)["q"], k.snapshot(70)[CENTER]
    assert (q["lost"], q["answer_rate"], c["lost"], c["answer_rate"]) == (1, 0.0, 1, 0.0)


def test_satisfaction_rate_counts_basically_satisfied_and_leaves_unrated_out() -> None:
    """docs/kpi.md: 满意率 = (满意 + 基本满意) / rated; 未评价 is surveyed, in no rate."""
    book = KpiBook()
    assert book.snapshot(0.0)["*"]["satisfaction_rate"] is None
    for level in ("satisfied", "basically_satisfied", "dissatisfied", "unrated"):
        book.satisfaction("elderly", level)
    book.satisfaction(None, "satisfied")  # a call whose queue is unknown counts for the center
    snap = book.snapshot(0.0)
    assert (snap["elderly"]["surveyed"], snap["elderly"]["rated"]) == (4, 3)
    assert snap["elderly"]["satisfaction_rate"] == round(2 / 3, 4)
    assert snap["elderly"]["dissatisfied"] == 1
    assert (snap["*"]["surveyed"], snap["*"]["rated"], snap["*"]["satisfaction_rate"]) == (5, 4, 0.75)
    book.reset()  # a new day
    assert book.snapshot(0.0)["*"]["satisfaction_rate"] is None
