"""The IVR's events (docs/events.md), published once the change committed."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.events import BusEvent, topic


@topic("ivr.flow_published")
@dataclass(frozen=True, slots=True, kw_only=True)
class FlowPublished(BusEvent):
    """A flow version went live (a publish or a rollback): the next call walks it."""

    flow_id: int
    number: int
