"""The workforce's events (docs/events.md), published once the change committed."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.events import BusEvent, topic


@topic("workforce.roster_published")
@dataclass(frozen=True, slots=True, kw_only=True)
class RosterPublished(BusEvent):
    """A roster was published: its agents can see their shifts."""

    roster_id: int
    first_day: str
    days: int


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
    """A swap request was approved or refused."""

    swap_id: int
    state: str


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
