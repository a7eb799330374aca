"""Small builders for ACD tests."""

from __future__ import annotations

from hotline.acd.engine import Acd, AgentChange, QueueEvent
from hotline.acd.queue import Overflow, QueueConfig
from hotline.acd.ready import Agent, Strategy


class Log:
    def __init__(self, acd: Acd) -> None:
        self.events: list[QueueEvent] = []
        self.changes: list[AgentChange] = []
        acd.listeners.append(self)

    def __call__(self, item: QueueEvent | AgentChange) -> None:
        if isinstance(item, QueueEvent):
            self.events.append(item)
        else:
            self.changes.append(item)

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events]


def make_acd(
    agents: int = 3,
    strategy: Strategy = Strategy.longest_idle,
    queues: tuple[str, ...] = ("q",),
    overflow: Overflow | None = None,
    timeout: float | None = None,
    wrap_up: float = 0.0,
    max_no_answer: int = 2,
) -> Acd:
    acd = Acd()
    for name in queues:
        acd.add_queue(
            QueueConfig(
                name,
                strategy=strategy,
                timeout_seconds=timeout,
                overflow=overflow,
                wrap_up_seconds=wrap_up,
                max_no_answer=max_no_answer,
            )
        )
    for i in range(1, agents + 1):
        acd.add_agent(Agent(i, f"agent{i}", {q: i for q in queues}, position=i))
    return acd
