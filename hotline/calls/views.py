"""What consoles see of the call center: an agent (state, the call they are on and with whom), all
agents, a queue's waiting callers, the live calls with their wait, and the KPIs with what only live
calls know (callers in the IVR, callbacks pending). A mixin of `CallCenter`; pure reads.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.calls.host import CenterPort
from hotline.calls.kpi import CENTER
from hotline.calls.models import Call
from hotline.calls.records import local_midnight
from hotline.store.base import utcnow

OUTBOUND_PREFIX = "out-"  # the CDR id of an agent's outbound (dial-pad) call


class CallViews:
    def __init__(self, center: CenterPort) -> None:
        self.c = center

    def agent_view(self, agent_id: int) -> dict[str, Any]:
        a = self.c.acd.agent(agent_id)
        live = self.c.live.get(a.call_id or "")
        dialed = a.extra.get("dialed") if (a.call_id or "").startswith(OUTBOUND_PREFIX) else None
        return {
            "agent_id": a.id,
            "name": a.name,
            "extension": a.extension,
            "state": a.state.value,
            "reason": a.reason,
            "call_id": a.call_id,
            # whom the agent talks to, for the call bar: the dialled number on an outbound call
            "call_number": dialed or (live.callback_number or live.caller_number if live else None),
            "call_direction": "outbound" if dialed else ("inbound" if live else None),
            "call_queue": live.queue if live else None,
            "skills": a.skills,
            "calls_taken": a.calls_taken,
            "talk_seconds": round(a.talk_seconds, 1),
            "misses": a.misses,
            "wrap_left": round(max(0.0, a.wrap_up_until - self.c.clock()))
            if a.state.value == "wrap_up" and a.wrap_up_until is not None
            else None,
            # a ready agent without a registered phone is an empty seat calls would ring into
            "phone_registered": bool(a.extension and self.c.engine.contacts(a.extension)),
            # None: never changed state since the server started (not "logged out for the uptime")
            "since": round(self.c.clock() - a.state_since, 1) if a.state_since else None,
        }

    def agents_view(self) -> list[dict[str, Any]]:
        return [self.agent_view(aid) for aid in sorted(self.c.acd.agents)]

    def queue_view(self, queue: str) -> list[dict[str, Any]]:
        now = self.c.clock()
        out = []
        for pos, call in enumerate(self.c.acd.waiting(queue), 1):
            out.append(
                {
                    "call_id": call.call_id,
                    "caller": call.callback_number or call.caller,
                    "position": pos,
                    "priority": call.priority,
                    "waited": round(now - call.enqueued_at, 1),
                    "callback": call.callback,
                    "estimated_wait": self.c.acd.queues[queue].estimated_wait(pos),
                }
            )
        return out

    def calls_view(self) -> list[dict[str, Any]]:
        seen: dict[str, dict[str, Any]] = {}
        now = utcnow()
        for live in self.c.live.values():
            waited = (now - live.queued_at).total_seconds() if live.queued_at else None
            seen[live.uuid] = {**live.summary(), "waited": round(waited, 1) if waited is not None else None}
        return list(seen.values())

    def kpis(self) -> dict[str, Any]:
        """The KPI book, plus what only the live calls know: callers in the IVR, callbacks pending."""
        snap = self.c.kpi.snapshot(self.c.clock())
        calls = {live.uuid: live for live in self.c.live.values()}.values()
        in_ivr = sum(1 for live in calls if live.state == "ivr")
        for name, q in snap.items():
            q["callbacks_pending"] = sum(
                1
                for live in calls
                if live.callback_number is not None
                and live.state in ("queued", "callback", "ringing")
                and name in (CENTER, live.queue)
            )
        snap[CENTER]["in_ivr"] = in_ivr
        for name, q in snap.items():  # every viewer of the board sees queue names, not codes
            queue = self.c.acd.queues.get(name)
            q["label"] = (queue.config.label or name) if queue is not None else None
        return snap


def agent_today(session: Session, agent_id: int, timezone: str) -> dict[str, Any]:
    """An agent's own figures since local midnight, from the call records: calls answered (in and
    out), talk time, and the average talk time per call."""
    since = local_midnight(timezone)
    answered, talk = session.execute(
        select(func.count(Call.id), func.coalesce(func.sum(Call.talk_seconds), 0.0)).where(
            Call.agent_id == agent_id, Call.started_at >= since, Call.answered_at.is_not(None)
        )
    ).one()
    talk = float(talk or 0.0)
    return {
        "answered": int(answered),
        "talk_seconds": round(talk, 1),
        "average_talk_seconds": round(talk / answered, 1) if answered else None,
    }
