"""The workforce's events (docs/events.md), published once the change committed. Those naming
the agents they touch (`SCHEDULE_TOPICS`, `schedule_users`) reach those agents' console sockets:
the workspace's 我的班次 and 我的班表 reload at once."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.events import BusEvent, topic


@topic("workforce.roster_published")
@dataclass(frozen=True, slots=True, kw_only=True)
class RosterPublished(BusEvent):
    """A roster was published: its agents can see their shifts (`user_ids`: who has one, so each
    agent's console reloads its own schedule)."""

    roster_id: int
    first_day: str
    days: int
    user_ids: list[int]


@topic("workforce.shift_changed")
@dataclass(frozen=True, slots=True, kw_only=True)
class ShiftChanged(BusEvent):
    """A published shift was edited by a supervisor or handed over by an approved swap."""

    shift_id: int
    user_id: int
    previous_user_id: int


@topic("workforce.swap_decided")
@dataclass(frozen=True, slots=True, kw_only=True)
class SwapDecided(BusEvent):
    """A swap request was approved or refused (between `from_user_id` and `to_user_id`)."""

    swap_id: int
    state: str
    from_user_id: int
    to_user_id: int


@topic("workforce.leave_changed")
@dataclass(frozen=True, slots=True, kw_only=True)
class LeaveChanged(BusEvent):
    """Leave was asked for, entered, approved, rejected or called off (the agent's schedule and
    the planners' lists reload)."""

    leave_id: int
    user_id: int
    state: str


@topic("workforce.duty_changed")
@dataclass(frozen=True, slots=True, kw_only=True)
class DutyChanged(BusEvent):
    """The duty roster changed for a day (the wallboard reloads its duty panel)."""

    day: str


@topic("workforce.handover_acknowledged")
@dataclass(frozen=True, slots=True, kw_only=True)
class HandoverAcknowledged(BusEvent):
    """The incoming shift acknowledged a handover."""

    handover_id: int
    by_user_id: int


@topic("workforce.handover_completed")
@dataclass(frozen=True, slots=True, kw_only=True)
class HandoverCompleted(BusEvent):
    """A shift was handed over (after the incoming shift's acknowledgment)."""

    handover_id: int


SCHEDULE_TOPICS = frozenset(
    {RosterPublished.TOPIC, ShiftChanged.TOPIC, SwapDecided.TOPIC, LeaveChanged.TOPIC}
)
_USER_KEYS = ("user_id", "previous_user_id", "from_user_id", "to_user_id")


def schedule_users(data: dict[str, object]) -> set[int]:
    """The users whose own schedule a schedule event changes (from its payload)."""
    found = {v for k in _USER_KEYS if isinstance(v := data.get(k), int)}
    ids = data.get("user_ids")
    if isinstance(ids, list):
        found |= {v for v in ids if isinstance(v, int)}
    return found
