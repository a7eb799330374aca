"""Routing: strategies, priority and ageing, overflow, callback, ring-no-answer, positions."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from hotline.acd.engine import Acd, Offer, OverflowAction
from hotline.acd.priority import EMERGENCY, caller_priority
from hotline.acd.queue import Overflow, OverflowKind
from hotline.acd.ready import Strategy
from hotline.acd.states import SIGNED_OUT, AgentState
from hotline.errors import Conflict
from tests.acd.helpers import Log, make_acd


def offers(actions: Sequence[object]) -> list[Offer]:
    return [a for a in actions if isinstance(a, Offer)]


def _ready_all(acd, times: dict[int, float]) -> None:  # type: ignore[no-untyped-def]
    for aid, t in sorted(times.items(), key=lambda kv: kv[1]):
        acd.login(aid, t)


# Agent figures: idle since / calls taken / talk seconds / skill level (= id), position = id.
FIGURES = {1: (30.0, 5, 100.0), 2: (10.0, 9, 50.0), 3: (20.0, 1, 900.0)}


@pytest.mark.parametrize(
    ("strategy", "expected"),
    [
        (Strategy.longest_idle, [2]),  # idle since 10 s
        (Strategy.linear, [1]),  # top-down by position
        (Strategy.round_robin, [1]),  # no memory yet: first position
        (Strategy.fewest_calls, [3]),
        (Strategy.least_talk_time, [2]),
        (Strategy.skill_level, [3]),  # highest level
        (Strategy.ring_all, [1, 2, 3]),
    ],
)
def test_strategy_picks(strategy: Strategy, expected: list[int]) -> None:
    acd = make_acd(3, strategy)
    for aid, (idle, calls, talk) in FIGURES.items():
        agent = acd.agents[aid]
        agent.calls_taken, agent.talk_seconds = calls, talk
        acd.login(aid, idle)
    [offer] = offers(acd.enqueue("c1", "q", "13800000001", 0, 100.0))
    assert list(offer.agent_ids) == expected
    for aid in expected:
        assert acd.agents[aid].state is AgentState.ringing


def test_round_robin_remembers() -> None:
    acd = make_acd(3, Strategy.round_robin, wrap_up=0)
    for aid in (1, 2, 3):
        acd.login(aid, 0)
    picked = []
    for n in range(5):
        [offer] = offers(acd.enqueue(f"c{n}", "q", "x", 0, n))
        aid = offer.agent_ids[0]
        picked.append(aid)
        acd.answer(aid, f"c{n}", n)
        acd.hangup(f"c{n}", n + 0.5)
    assert picked == [1, 2, 3, 1, 2]


def test_ring_all_first_answer_wins_others_freed() -> None:
    acd = make_acd(3, Strategy.ring_all)
    for aid in (1, 2, 3):
        acd.login(aid, 0)
    acd.enqueue("c1", "q", "x", 0, 1)
    acd.answer(2, "c1", 2)
    states = {aid: acd.agents[aid].state for aid in (1, 2, 3)}
    assert states == {1: AgentState.ready, 2: AgentState.talking, 3: AgentState.ready}


def test_priority_caller_overtakes_and_fifo_within_level() -> None:
    acd = make_acd(1)
    log = Log(acd)
    for n in range(3):
        acd.enqueue(f"plain{n}", "q", "x", 0, n)
    acd.enqueue("care", "q", "y", caller_priority(2), 5)
    assert [c.call_id for c in acd.waiting("q")] == ["care", "plain0", "plain1", "plain2"]
    assert acd.position("plain1")[0] == 3
    acd.login(1, 10)
    assert log.events[-1].kind == "enter" and acd.agents[1].call_id == "care"


def test_ageing_prevents_starvation() -> None:
    acd = make_acd(1)
    boost = acd.queues["q"].config.priority_boost_seconds
    acd.enqueue("old", "q", "x", 0, 0)
    # A care caller (level 1) arriving after the ordinary caller waited longer than one boost.
    acd.enqueue("late-care", "q", "y", 1, boost + 1)
    assert [c.call_id for c in acd.waiting("q")] == ["old", "late-care"]
    acd.enqueue("emergency", "q", "z", EMERGENCY, boost + 2)
    assert acd.waiting("q")[0].call_id == "emergency"


def test_caller_priority_levels() -> None:
    assert caller_priority(0) == 0
    assert caller_priority(3) == 3
    assert caller_priority(9) == 3
    assert caller_priority(1, vip=True, repeat=True) == 4
    assert caller_priority(0, emergency=True) == EMERGENCY


def test_no_answer_keeps_place_and_auto_not_ready_after_n() -> None:
    acd = make_acd(2, Strategy.linear, max_no_answer=2)
    log = Log(acd)
    acd.login(1, 0)
    acd.enqueue("c1", "q", "x", 0, 1)
    acd.enqueue("c2", "q", "x", 0, 2)
    assert acd.agents[1].call_id == "c1"
    # First miss: agent 1 back to ready and gets c1 again (still at the head).
    [offer] = offers(acd.no_answer(1, "c1", 20))
    assert offer.call_id == "c1" and acd.position("c2")[0] == 1
    # Second miss in a row: auto not-ready; c1 waits at the head.
    assert acd.no_answer(1, "c1", 40) == []
    assert acd.agents[1].state is AgentState.not_ready and acd.agents[1].reason == "no_answer"
    assert [c.call_id for c in acd.waiting("q")] == ["c1", "c2"]
    assert log.kinds().count("ring_no_answer") == 2
    # The ring timer does the same on its own.
    acd.login(2, 41)
    acd.tick(41 + 15)
    assert acd.agents[2].misses == 1


def test_a_late_tick_does_not_time_out_the_ring_it_starts() -> None:
    """The process stalled past several ring timeouts: the late timer is one miss, and the offer it
    makes again rings its full time from now (a catch-up used to time it out at once, unrung)."""
    acd = make_acd(2, Strategy.ring_all, max_no_answer=2)
    log = Log(acd)
    acd.login(1, 0)
    acd.login(2, 0)
    acd.enqueue("c1", "q", "x", 0, 1)  # rings both until 16
    [offer] = offers(acd.tick(60))  # the tick comes 44 s late
    assert offer.agent_ids == (1, 2) and log.kinds().count("ring_no_answer") == 2
    assert [acd.agents[a].misses for a in (1, 2)] == [1, 1]
    assert acd.next_due() == 60 + 15  # rings again its full 15 s, from now
    assert acd.tick(74) == [] and acd.agents[1].state is AgentState.ringing
    acd.answer(2, "c1", 74)
    assert acd.agents[2].state is AgentState.talking and acd.agents[1].state is AgentState.ready


def test_wrap_up_is_timed() -> None:
    acd = make_acd(1, wrap_up=30)
    acd.login(1, 0)
    acd.enqueue("c1", "q", "x", 0, 1)
    acd.answer(1, "c1", 2)
    acd.enqueue("c2", "q", "x", 0, 3)
    acd.hangup("c1", 60)
    assert acd.agents[1].state is AgentState.wrap_up
    assert acd.tick(89) == []
    [offer] = offers(acd.tick(90))
    assert offer.call_id == "c2"


def test_not_ready_during_call_applies_after_wrap_up() -> None:
    acd = make_acd(1, wrap_up=5)
    acd.login(1, 0)
    acd.enqueue("c1", "q", "x", 0, 1)
    acd.answer(1, "c1", 2)
    acd.set_not_ready(1, 3, "meeting")
    acd.hangup("c1", 10)
    acd.tick(15)
    assert acd.agents[1].state is AgentState.not_ready and acd.agents[1].reason == "meeting"


def _call(acd: Acd, call_id: str, start: float) -> None:
    """A call answered by agent 1 at `start` + 1 and hung up at `start` + 10 (wrap-up 5 s)."""
    acd.enqueue(call_id, "q", "x", 0, start)
    acd.answer(1, call_id, start + 1)
    acd.hangup(call_id, start + 10)


@pytest.mark.parametrize("then", ["ready_in_wrap_up", "not_ready_in_wrap_up", "ready_in_call", "sign_out_in"])
def test_a_state_chosen_after_a_pending_not_ready_replaces_it(then: str) -> None:
    """示忙 pressed during a call waits for the wrap-up; 示闲 or 示忙 chosen in the wrap-up, 示闲
    pressed later in the same call, or signing out and in again replaces it: it never sends the
    agent to 示忙 after a later call."""
    acd = make_acd(1, wrap_up=5)
    acd.login(1, 0)
    acd.enqueue("c1", "q", "x", 0, 1)
    acd.answer(1, "c1", 2)
    acd.set_not_ready(1, 3, "meeting")
    if then == "ready_in_call":
        assert acd.set_ready(1, 4) == [] and acd.agents[1].state is AgentState.talking
    acd.hangup("c1", 10)
    if then == "ready_in_wrap_up":
        acd.set_ready(1, 11)
    elif then == "not_ready_in_wrap_up":
        acd.set_not_ready(1, 11, "break")
        acd.set_ready(1, 12)
    elif then == "sign_out_in":
        acd.logout(1, 11)
        acd.login(1, 12)
    acd.tick(20)
    assert acd.agents[1].state is AgentState.ready
    _call(acd, "c2", 30)
    acd.tick(50)
    assert acd.agents[1].state is AgentState.ready, acd.agents[1].reason


def _staffed_not_ready(acd: Acd) -> None:
    """Agent 1 logged in but on a break: the queues are staffed, nobody takes calls."""
    acd.login(1, 0)
    acd.set_not_ready(1, 0, "break")


def test_overflow_to_other_queue_keeps_wait() -> None:
    acd = make_acd(1, queues=("a", "b"), timeout=60, overflow=Overflow(OverflowKind.queue, "b"))
    _staffed_not_ready(acd)
    log = Log(acd)
    acd.enqueue("c1", "a", "x", 0, 0)
    acd.tick(59)
    assert acd.calls["c1"].queue == "a"
    acd.tick(60)
    assert acd.calls["c1"].queue == "b" and log.kinds() == ["enter", "timeout", "overflow"]
    # It does not overflow back from b to a (each queue times a caller out once).
    acd.queues["b"].config.overflow = Overflow(OverflowKind.queue, "a")
    acd.tick(121)
    acd.tick(300)
    assert acd.calls["c1"].enqueued_at == 0


@pytest.mark.parametrize("kind", [OverflowKind.voicemail, OverflowKind.hangup])
def test_overflow_leaves_queue(kind: OverflowKind) -> None:
    acd = make_acd(1, timeout=30, overflow=Overflow(kind))
    _staffed_not_ready(acd)
    acd.enqueue("c1", "q", "x", 0, 0)
    assert acd.tick(30) == [OverflowAction("c1", "q", kind, None)]
    assert "c1" not in acd.calls


def test_callback_keeps_place() -> None:
    acd = make_acd(1, timeout=30, overflow=Overflow(OverflowKind.callback))
    _staffed_not_ready(acd)
    acd.enqueue("c1", "q", "111", 0, 0)
    acd.enqueue("c2", "q", "222", 0, 1)
    acd.request_callback("c1", "13900000001", 5)
    acd.enqueue("c3", "q", "333", 0, 6)
    assert [c.call_id for c in acd.waiting("q")] == ["c1", "c2", "c3"]
    # c2 times out into a callback too, keeping its place.
    assert acd.tick(31) == [OverflowAction("c2", "q", OverflowKind.callback)]
    assert [c.call_id for c in acd.waiting("q")] == ["c1", "c2", "c3"]
    [offer] = offers(acd.set_ready(1, 40))
    assert offer.call_id == "c1" and offer.callback and offer.caller == "13900000001"
    # The callee does not pick up: retried later at the same place, then dropped after 3 tries.
    acd.callback_failed("c1", 45)
    assert "c1" not in acd.queue("q").call_ids()
    acd.tick(45 + 120)
    assert acd.queue("q").call_ids()[0] == "c1" or acd.agents[1].call_id == "c1"


def test_pick_from_queue_view() -> None:
    acd = make_acd(1)
    acd.login(1, 0)
    acd.set_not_ready(1, 1, "break")
    for n in range(3):
        acd.enqueue(f"c{n}", "q", "x", 0, n)
    offer = acd.pick(1, "c2", 10)
    assert offer.call_id == "c2" and acd.agents[1].state is AgentState.ringing
    with pytest.raises(Conflict):
        acd.pick(1, "c1", 11)


def test_abandon_while_ringing_frees_agent() -> None:
    acd = make_acd(1)
    log = Log(acd)
    acd.login(1, 0)
    acd.enqueue("c1", "q", "x", 0, 1)
    acd.abandon("c1", 4)
    assert acd.agents[1].state is AgentState.ready
    assert log.events[-1].kind == "abandon" and log.events[-1].wait == 3


def test_estimated_wait_uses_staffed_agents() -> None:
    acd = make_acd(2)
    acd.login(1, 0)
    acd.login(2, 0)
    acd.enqueue("a", "q", "x", 0, 1)
    acd.enqueue("b", "q", "x", 0, 2)
    acd.enqueue("c", "q", "x", 0, 3)
    pos, ewt = acd.position("c")
    assert pos == 1 and ewt == pytest.approx(180 / 2)


def test_agent_serving_two_queues_takes_oldest_head() -> None:
    acd = make_acd(1, queues=("a", "b"))
    acd.enqueue("b1", "b", "x", 0, 0)
    acd.enqueue("a1", "a", "x", 0, 1)
    [offer] = offers(acd.login(1, 5))
    assert offer.call_id == "b1"


def test_transfer_to_queue_wraps_up_agent() -> None:
    acd = make_acd(2, queues=("a", "b"), wrap_up=0)
    acd.agents[2].skills = {"b": 1}
    acd.add_agent(acd.agents[2])
    acd.login(1, 0)
    acd.enqueue("c1", "a", "x", 0, 1)
    acd.answer(1, "c1", 2)
    acd.login(2, 3)
    [offer] = offers(acd.transfer("c1", "b", 4))
    assert offer.agent_ids == (2,) and acd.agents[1].state is AgentState.ready


def test_timeout_while_ringing_is_looked_at_again() -> None:
    acd = make_acd(1, timeout=30, overflow=Overflow(OverflowKind.voicemail))
    acd.login(1, 0)
    acd.enqueue("c1", "q", "x", 0, 1)  # rings agent 1 (ring timeout 15 s)
    acd.tick(16)  # first miss: rung again at once
    assert acd.tick(31) == []  # timed out while ringing: checked again later; second miss -> not ready
    assert acd.agents[1].state is AgentState.not_ready
    assert acd.tick(46) == [OverflowAction("c1", "q", OverflowKind.voicemail, None)]


def test_removed_agent_gets_no_more_offers() -> None:
    acd = make_acd(2)
    acd.login(1, 0)
    assert acd.remove_agent(2) is True and 2 not in acd.agents  # logged out: gone at once
    assert acd.remove_agent(1) is False  # logged in: stays until logout, but off the queues
    assert acd.enqueue("c1", "q", "x", 0, 1) == [] and acd.agents[1].state is AgentState.ready


def test_console_answer_extends_the_ring_timer() -> None:
    acd = make_acd(1)
    log = Log(acd)
    acd.login(1, 0)
    acd.enqueue("c1", "q", "x", 0, 1)
    timeout = acd.queues["q"].config.ring_timeout_seconds
    assert acd.agents[1].state is AgentState.ringing
    acd.extend_ring(1, "c1", timeout + 8)  # pressed 接听 just before the ring timeout
    acd.tick(timeout + 0.5)
    assert "ring_no_answer" not in log.kinds()  # the original timer no longer cuts it off
    acd.tick(timeout + 8)
    assert log.kinds().count("ring_no_answer") == 1  # the extended one does (then c1 rings again)
    assert acd.agents[1].ring_until is None


@pytest.mark.parametrize("kind", list(OverflowKind))
def test_nobody_logged_in_overflows_at_once(kind: OverflowKind) -> None:
    """A queue with a timeout and no logged-in agent does not make the caller wait it out."""
    target = "b" if kind is OverflowKind.queue else None
    acd = make_acd(1, queues=("a", "b"), timeout=60, overflow=Overflow(kind, target))
    log = Log(acd)
    actions = acd.enqueue("c1", "a", "x", 0, 0)
    timeout = log.events[1]
    assert (timeout.kind, timeout.data["reason"], timeout.wait) == ("timeout", "no_agent", 0)
    if kind is OverflowKind.queue:  # on to b at once (nobody there either, nowhere further)
        assert log.kinds()[2:] == ["overflow", "timeout"] and acd.calls["c1"].queue == "b"
    elif kind is OverflowKind.callback:
        assert actions == [OverflowAction("c1", "a", kind, reason="no_agent")]
        assert acd.calls["c1"].callback  # called back, keeping the place, once someone logs in
    else:
        assert actions == [OverflowAction("c1", "a", kind, None, "no_agent")]
        assert "c1" not in acd.calls


def test_logged_in_but_not_ready_waits_the_timeout() -> None:
    acd = make_acd(1, timeout=60, overflow=Overflow(OverflowKind.hangup))
    _staffed_not_ready(acd)
    assert acd.enqueue("c1", "q", "x", 0, 0) == [] and "c1" in acd.calls


def test_callback_is_answered_when_the_callee_picks_up() -> None:
    acd = make_acd(1)
    log = Log(acd)
    acd.enqueue("c1", "q", "x", 0, 0)
    acd.request_callback("c1", "139", 1)
    [offer] = offers(acd.login(1, 100))
    acd.answer(1, offer.call_id, 101)
    assert log.kinds() == ["enter", "callback", "callback_dial"]  # the agent took it: not answered
    acd.callback_connected("c1", 105)
    connect = log.events[-1]
    assert (connect.kind, connect.agent_id, connect.wait) == ("connect", 1, 105)


def test_callback_with_no_route_is_given_up_at_once() -> None:
    acd = make_acd(1)
    log = Log(acd)
    acd.enqueue("c1", "q", "x", 0, 0)
    acd.request_callback("c1", "139", 1)
    acd.login(1, 10)
    acd.callback_failed("c1", 10, reason="no_route")
    assert "c1" not in acd.calls and acd.agents[1].state is AgentState.ready
    assert (log.events[-1].kind, log.events[-1].data) == (
        "callback_failed",
        {"attempts": 1, "reason": "no_route"},
    )


def test_restored_callback_keeps_its_place() -> None:
    acd = make_acd(1)
    _staffed_not_ready(acd)
    acd.enqueue("new", "q", "x", 0, 1000)
    acd.restore_callback("old", "q", "139", 0, waited=300, attempts=1, now=1000)
    assert [c.call_id for c in acd.waiting("q")] == ["old", "new"]
    assert acd.calls["old"].callback and acd.calls["old"].callback_attempts == 1


def test_emergency_answered_elsewhere_is_answered_once() -> None:
    acd = make_acd(1)
    log = Log(acd)
    acd.enqueue("c1", "q", "x", EMERGENCY, 0)
    acd.answered_elsewhere("c1", "emergency", 3)
    acd.answered_elsewhere("c1", "emergency", 4)  # a second fan-out leg: still once
    [offer] = offers(acd.login(1, 5))
    acd.answer(1, offer.call_id, 6)  # an agent joins three-way
    assert [(e.kind, e.agent_id, e.data.get("joined")) for e in log.events] == [
        ("enter", None, None),
        ("connect", None, None),
        ("connect", 1, "emergency"),
    ]


def test_caller_of_a_call_answered_elsewhere_leaving_is_no_abandon() -> None:
    acd = make_acd(0)
    log = Log(acd)
    acd.enqueue("c1", "q", "x", EMERGENCY, 0)
    acd.answered_elsewhere("c1", "emergency", 2)
    acd.abandon("c1", 60)
    assert log.kinds() == ["enter", "connect", "ended"]


def test_session_end_during_call_signs_out_after_wrap_up() -> None:
    acd = make_acd(1, wrap_up=5)
    acd.login(1, 0)
    acd.enqueue("c1", "q", "x", 0, 1)
    acd.answer(1, "c1", 2)
    acd.set_not_ready(1, 3, SIGNED_OUT)  # what CallCenter.sign_out_session does in a call
    acd.enqueue("c2", "q", "x", 0, 4)
    acd.hangup("c1", 10)
    assert offers(acd.tick(15)) == []  # no new call for a closed console
    assert acd.agents[1].state is AgentState.logged_out


def test_wrap_up_can_be_extended() -> None:
    acd = make_acd(1, wrap_up=30)
    acd.login(1, 0)
    acd.enqueue("c1", "q", "x", 0, 1)
    acd.answer(1, "c1", 2)
    acd.hangup("c1", 60)
    assert acd.extend_wrap_up(1, 30, 70) == 50  # ends at 120 instead of 90
    acd.tick(90)
    assert acd.agents[1].state is AgentState.wrap_up
    acd.tick(120)
    assert acd.agents[1].state is AgentState.ready
    with pytest.raises(Conflict):
        acd.extend_wrap_up(1, 30, 121)  # not in wrap-up any more
