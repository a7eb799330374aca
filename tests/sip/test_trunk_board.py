"""The trunk board: failover order, failure ratio, down after carrier failures in a row, back up on
an answered OPTIONS or call, each change published once; a process's first proof that a trunk works
is published too (it resolves an alert a stopped node left open)."""

from __future__ import annotations

from hotline.bus import Event, InProcessBus
from hotline.sip.trunks import Trunk, TrunkBoard

A, B = Trunk("a", "10.0.0.1:5060"), Trunk("b", "10.0.0.2:5070", ("u", "p"))


def _board() -> tuple[TrunkBoard, list[Event]]:
    bus = InProcessBus()
    seen: list[Event] = []
    bus.subscribe("trunk.*", seen.append)
    board = TrunkBoard(bus, down_after=2)
    board.configure([A, B])
    return board, seen


def test_down_after_failures_in_a_row_and_back_with_options() -> None:
    board, seen = _board()
    board.call_outcome(A, False, "status_503")
    assert board.health[A.target].up and board.order() == [A, B]
    board.call_outcome(A, False, "status_503")
    assert not board.health[A.target].up and board.order() == [B, A]
    board.call_outcome(A, False, "status_503")  # already down: no second event
    told = [(e.topic, e.data["trunk"], e.data["reason"]) for e in seen]
    assert told == [("trunk.failed", "a", "status_503")]
    board.options_result(A.target, {"status": 408, "rtt_ms": 4000.0, "at": 0.0})
    assert len(seen) == 1
    board.options_result(A.target, {"status": 404, "rtt_ms": 3.0, "at": 0.0})  # any answer: alive
    assert [e.topic for e in seen] == ["trunk.failed", "trunk.recovered"] and board.order() == [A, B]
    assert board.health[A.target].failure_ratio == 1.0 and board.probes[A.target]["status"] == 404


def test_ratio_window_and_reconfigure_keeps_health() -> None:
    board, _ = _board()
    for ok in (True, True, False, True):
        board.call_outcome(B, ok)
    assert board.health[B.target].failure_ratio == 0.25
    board.configure([B])
    assert board.health[B.target].failure_ratio == 0.25 and A.target not in board.health
    assert board.find(("10.0.0.2", 5070)) == B and board.find(("10.0.0.1", 5060)) is None
    board.options_result(A.target, {"status": 200, "rtt_ms": 1.0, "at": 0.0})  # not a trunk now: ignored
    assert list(board.health) == [B.target]


def test_the_first_proof_a_trunk_works_is_told_once() -> None:
    """A node that starts (or takes over) while a "trunk down" alert is open from a node that stopped
    before the trunk came back: its first answered OPTIONS says the trunk is up, once."""
    board, seen = _board()
    board.options_result(A.target, {"status": 200, "rtt_ms": 2.0, "at": 0.0})
    board.options_result(A.target, {"status": 200, "rtt_ms": 2.0, "at": 1.0})
    board.call_outcome(B, True)
    board.call_outcome(B, True)
    told = [(e.topic, e.data["trunk"], e.data["reason"]) for e in seen]
    assert told == [("trunk.recovered", "a", "options_200"), ("trunk.recovered", "b", "call")]
    assert board.health[A.target].up and board.order() == [A, B]
