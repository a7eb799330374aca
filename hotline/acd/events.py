"""What the ACD core says: actions for the call center to carry out, and events for the record.

`Offer` (ring these agents with this call) and `OverflowAction` (move the call to voicemail, a
callback or hang up) are returned by `Acd` methods; `QueueEvent`s (the queue log) and
`AgentChange`s go to its listeners.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hotline.acd.queue import OverflowKind
from hotline.acd.states import AgentState


@dataclass(frozen=True)
class Offer:
    call_id: str
    queue: str
    agent_ids: tuple[int, ...]
    caller: str
    callback: bool = False


@dataclass(frozen=True)
class OverflowAction:
    call_id: str
    queue: str
    kind: OverflowKind
    target: str | None = None
    reason: str = "timeout"  # or "no_agent": nobody logged in to the queue


Action = Offer | OverflowAction


@dataclass(frozen=True)
class QueueEvent:
    """One line of the queue log: enter, ring_no_answer, connect, abandon, timeout, transfer,
    complete, callback, callback_dial (an agent took a callback), callback_retry, callback_failed,
    overflow,
    ended (the caller of a call answered elsewhere hung up)."""

    kind: str
    call_id: str
    queue: str
    at: float
    agent_id: int | None = None
    wait: float | None = None
    data: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AgentChange:
    agent_id: int
    state: AgentState
    reason: str | None
    at: float
    call_id: str | None = None


Listener = Callable[[QueueEvent | AgentChange], None]
CALLBACK_RETRY_SECONDS = 120.0
CALLBACK_MAX_ATTEMPTS = 3
