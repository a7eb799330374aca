"""The ACD's configuration events (docs/events.md). The ACD's own routing facts (`QueueEvent`,
`AgentChange`) are in-memory records in `hotline.acd.events`; the call center publishes them as
`queue.event_logged` and `agent.state_changed`."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.events import BusEvent, topic


@topic("acd.config_changed")
@dataclass(frozen=True, slots=True, kw_only=True)
class AcdConfigChanged(BusEvent):
    """Queues, skills or hours were changed and committed: a running call center reloads them."""
