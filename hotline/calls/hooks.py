"""Call hooks: named points in a call's life where another domain joins the running call.

A domain registers a coroutine on a point (`CallCenter.hooks.register(point, hook)`); it gets a
`CallHookContext` with the caller's leg typed as `LegPort`, and may play prompts to and collect
digits from the caller. Points: the caller identified (after the caller lookup, the call answered,
before the IVR), an agent connected (the agent's leg bridged: e.g. announce the agent's number),
the agent's leg ended while the caller is still up (the caller is kept on the line while these
hooks run, then hung up: e.g. a satisfaction survey), the IVR handed the caller to a survey (a flow's
`survey` node, also reached by an agent's transfer to it: `survey` names it; the caller is kept
while these hooks run, then hung up), and the call ended (after its CDR is written).
Hooks of a point run in registration order; a failing hook is logged and never breaks the call.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from hotline.calls.telephony import LegPort

log = logging.getLogger(__name__)


class CallHookPoint(StrEnum):
    CALLER_IDENTIFIED = "caller_identified"
    AGENT_CONNECTED = "agent_connected"
    AGENT_LEG_ENDED = "agent_leg_ended"
    SURVEY_REQUESTED = "survey_requested"
    CALL_ENDED = "call_ended"


@dataclass(frozen=True)
class CallHookContext:
    call_id: str  # the CDR's uuid
    caller_leg: LegPort
    caller_number: str | None
    caller_id: int | None  # the identified caller record (people), if any
    queue: str | None
    agent_id: int | None
    agent_leg: LegPort | None = None
    agent_extension: str | None = None
    flow: str | None = None  # the IVR flow the call walked
    ivr_vars: dict[str, str] = field(default_factory=dict)  # variables the IVR set
    outcome: str | None = None  # answered, abandoned, voicemail... (final at CALL_ENDED)
    recording: str | None = None
    survey: str | None = None  # the survey the IVR handed the caller to (SURVEY_REQUESTED)


CallHook = Callable[[CallHookContext], Awaitable[None]]


class CallHooks:
    """The hooks registered on each point, run in registration order."""

    def __init__(self) -> None:
        self._hooks: dict[CallHookPoint, list[CallHook]] = {point: [] for point in CallHookPoint}

    def register(self, point: CallHookPoint, hook: CallHook) -> Callable[[], None]:
        """Add `hook` to `point`; returns the function that removes it again."""
        hooks = self._hooks[CallHookPoint(point)]
        hooks.append(hook)

        def unregister() -> None:
            if hook in hooks:
                hooks.remove(hook)

        return unregister

    def registered(self, point: CallHookPoint) -> bool:
        return bool(self._hooks[point])

    async def run(self, point: CallHookPoint, ctx: CallHookContext) -> None:
        for hook in list(self._hooks[point]):
            try:
                await hook(ctx)
            except Exception:  # another domain's failure must not break the call
                log.exception("call hook %s at %s failed on call %s", _name(hook), point.value, ctx.call_id)


def _name(hook: Any) -> str:
    return str(getattr(hook, "__qualname__", None) or hook)
