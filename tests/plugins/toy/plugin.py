"""The toy domain's plug-in: one router, one job, one bus subscription and one call hook.

Added to a process by the `plugins` setting (`HOTLINE_PLUGINS='["tests.plugins.toy.plugin"]'`),
exactly as an operator would add a domain of their own: nothing in `hotline/` names it. When an
agent hangs up first, its AGENT_LEG_ENDED hook thanks the caller with the `toy-thanks` prompt
before the hotline hangs up; `ToyState` (in the plug-in context under `TOY`) keeps what it saw.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hotline.bus import Event, Handler, Pattern
from hotline.calls.hooks import CallHookContext, CallHookPoint
from hotline.jobs import Job
from hotline.plugins import AnyCallHook, Context, Plugin, Service
from hotline.sip.topics import LegEnded
from hotline.store.db import Database

PROMPT = "toy-thanks"


@dataclass
class ToyState:
    legs_ended: dict[str, float] = field(default_factory=dict)  # leg id -> when its hang-up was heard
    hooks: list[dict[str, Any]] = field(default_factory=list)  # what the call hook saw and did


TOY: Service[ToyState] = Service("toy.state")


def tick(db: Database, now: datetime) -> int:
    """The toy's periodic job: nothing to do (its lease row shows it ran)."""
    return 0


class ToyPlugin(Plugin):
    async def start(self, ctx: Context) -> None:
        ctx.provide(TOY, ToyState())

    async def stop(self, ctx: Context) -> None:
        ctx.withdraw(TOY)

    def subscriptions(self, ctx: Context) -> Iterable[tuple[Pattern, Handler]]:
        state = ctx.get(TOY)

        def on_hangup(event: Event) -> None:
            state.legs_ended[str(event.data.get("leg_id"))] = time.time()

        return [(LegEnded, on_hangup)]

    def call_hooks(self, ctx: Context) -> Mapping[str, Sequence[AnyCallHook]]:
        state = ctx.get(TOY)

        async def thank_the_caller(call: CallHookContext) -> None:
            agent_leg = call.agent_leg.id if call.agent_leg is not None else None
            seen: dict[str, Any] = {
                "call_id": call.call_id,
                "agent_id": call.agent_id,
                "agent_leg": agent_leg,
            }
            seen["caller_up"] = call.caller_leg.is_active
            seen["started"] = time.time()
            state.hooks.append(seen)
            await call.caller_leg.play(PROMPT)
            seen["played"] = time.time()

        return {CallHookPoint.AGENT_LEG_ENDED: [thank_the_caller]}


PLUGIN = ToyPlugin("toy", routers=("tests.plugins.toy.router",), jobs=(Job("toy.tick", 1.0, tick),))
