"""The satisfaction domain's events (docs/events.md): answers recorded, 不满意 flags raised and
handled, a queue's settings changed. Each is published when its write commits."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.events import BusEvent, topic


@topic("satisfaction.answer_recorded")
@dataclass(frozen=True, slots=True, kw_only=True)
class SatisfactionAnswerRecorded(BusEvent):
    """A caller's post-call rating was stored (level `unrated` for 未评价)."""

    id: int
    call_id: str
    queue: str | None
    agent_id: int | None
    scale: int
    score: int | None
    level: str
    work_order_id: int | None = None


@topic("satisfaction.dissatisfied_flagged")
@dataclass(frozen=True, slots=True, kw_only=True)
class DissatisfiedFlagged(BusEvent):
    """A 不满意 answer raised a flag for the supervisor."""

    id: int
    call_id: str
    queue: str | None
    agent_id: int | None


@topic("satisfaction.flag_acknowledged")
@dataclass(frozen=True, slots=True, kw_only=True)
class FlagAcknowledged(BusEvent):
    """A supervisor handled a 不满意 flag."""

    id: int
    by: str


@topic("satisfaction.settings_changed")
@dataclass(frozen=True, slots=True, kw_only=True)
class SettingsChanged(BusEvent):
    """A queue's satisfaction settings (announcement, survey, scale) changed."""

    queue: str
