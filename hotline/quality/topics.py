"""Quality inspection's events (docs/events.md), published once the write committed."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.events import BusEvent, topic


@topic("quality.audio_checked")
@dataclass(frozen=True, slots=True, kw_only=True)
class AudioChecked(BusEvent):
    """A recording's automatic checks were stored (`status` ok, corrupt or missing; `flags` raised)."""

    recording_id: int
    call_id: str
    status: str
    flags: list[str]


@topic("quality.score_changed")
@dataclass(frozen=True, slots=True, kw_only=True)
class ScoreChanged(BusEvent):
    """A score moved (`action`: submit, acknowledge, appeal, uphold, change; `state` the new one)."""

    score_id: int
    call_id: str
    agent_id: int | None
    state: str
    action: str
