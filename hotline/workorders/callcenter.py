"""Where the call center meets work orders: the number of a caller's open orders (for IVR branches
and screen pops) and voicemail messages turned into draft orders for an agent to accept.

The work-orders plug-in (`plugin.py`) hands `count_open` to the running call center (and to the
IVR simulator) and subscribes `voicemail_handler`; the call-center package only knows the lookup's
type and the "voicemail.recorded" event, never these tables.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.bus import Event
from hotline.store.db import Database
from hotline.workorders.models import WorkOrder, WorkOrderLink
from hotline.workorders.service import SYSTEM_WHO, NewOrder, create
from hotline.workorders.states import OPEN

log = logging.getLogger(__name__)
OPEN_STATES = sorted(s.value for s in OPEN)


def count_open(session: Session, caller_id: int) -> int:
    stmt = select(func.count()).where(WorkOrder.caller_id == caller_id, WorkOrder.state.in_(OPEN_STATES))
    return int(session.scalar(stmt) or 0)


def voicemail_draft(db: Database, data: dict[str, Any]) -> int:
    """Make (once per call) a draft order for a voicemail message; returns its id."""
    call_id = str(data.get("call_id") or "")
    with db.session() as s:
        existing = s.scalar(
            select(WorkOrderLink.workorder_id).where(
                WorkOrderLink.kind == "call", WorkOrderLink.ref == call_id
            )
        )
        if call_id and existing is not None:
            return int(existing)
        caller = str(data.get("caller") or "")
        order = create(
            s,
            SYSTEM_WHO,
            NewOrder(
                type="help_request",
                title=f"语音留言 {caller}".strip(),
                content="来电人在非工作时间或排队时留言，请收听录音后补充诉求。",
                channel="phone",
                caller_id=data.get("caller_id"),
                contact_phone=caller or None,
                call_ids=[call_id] if call_id else [],
                recording_ids=[str(data["path"])] if data.get("path") else [],
                accept=False,
            ),
        )
        return order.id


def voicemail_handler(db: Database) -> Callable[[Event], Awaitable[None]]:
    """The "voicemail.recorded" subscriber: the message becomes a draft order (off the loop)."""

    async def on_voicemail(event: Event) -> None:
        try:
            await asyncio.to_thread(voicemail_draft, db, event.data)
        except Exception:
            log.exception("voicemail %s could not become a work order", event.data.get("call_id"))

    return on_voicemail
