"""Caller priority and the queue order it produces, with ageing so that nobody starves.

A caller's priority level comes from their care profile (0-3), VIP status, a repeat call within N
hours and emergency. In a queue, a caller of level p is ordered as if they had arrived
`p * boost_seconds` earlier. Because every waiting caller ages at the same rate, this sort key never
changes while they wait (a heap or sorted list stays valid), FIFO holds within a level, and an
ordinary caller who waited longer than `boost_seconds` per level is ahead of a newly arrived
priority caller: priority grows with waiting time, bounded, and no caller starves. Emergency calls
get a boost so large that they always go first.
"""

from __future__ import annotations

EMERGENCY = 100
VIP_BONUS = 2
REPEAT_BONUS = 1
MAX_CARE_LEVEL = 3


def caller_priority(
    care_level: int | None = 0, *, vip: bool = False, repeat: bool = False, emergency: bool = False
) -> int:
    """The caller's priority level: 0 ordinary, higher goes first; EMERGENCY beats everything."""
    if emergency:
        return EMERGENCY
    level = max(0, min(int(care_level or 0), MAX_CARE_LEVEL))
    if vip:
        level += VIP_BONUS
    if repeat:
        level += REPEAT_BONUS
    return level


def queue_key(enqueued_at: float, priority: int, boost_seconds: float, seq: int) -> tuple[float, int]:
    """The sort key of a waiting caller (smaller goes first); `seq` breaks ties in arrival order."""
    return (enqueued_at - priority * boost_seconds, seq)


def effective_wait(now: float, enqueued_at: float, priority: int, boost_seconds: float) -> float:
    """Waited seconds plus the priority head start: what the queue order compares."""
    return now - enqueued_at + priority * boost_seconds
