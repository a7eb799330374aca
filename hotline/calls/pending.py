"""Pending callbacks kept in the database, so a restart does not lose them.

A part of `CallCenter` (`center.callbacks`). When the ACD registers a callback ("callback" in the queue log) a
`pending_callbacks` row is written with the caller's place (queue, priority, time they entered);
when it is answered or given up the row goes. At start, after crash recovery (which leaves the
CDRs of pending callbacks open, see `cdr.recover`), each row is put back in the ACD with the wait
it already had, so it keeps its place ahead of callers who arrive later.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from hotline.acd.engine import Acd
from hotline.calls import cdr
from hotline.calls.host import CenterPort
from hotline.calls.live import NOT_DIALLED, CallState, LiveCall
from hotline.calls.models import PendingCallback
from hotline.calls.ops import Op, durable
from hotline.calls.writer import Writer
from hotline.errors import HotlineError
from hotline.ivr.interpreter import CallerFacts
from hotline.store.base import utcnow
from hotline.store.db import Database

log = logging.getLogger(__name__)


@durable("calls.pending_save")
def save(session: Session, **values: Any) -> None:
    session.execute(delete(PendingCallback).where(PendingCallback.call_uuid == values["call_uuid"]))
    session.execute(insert(PendingCallback).values(created_at=utcnow(), **values))


@durable("calls.pending_forget")
def forget(session: Session, call_uuid: str) -> None:
    session.execute(delete(PendingCallback).where(PendingCallback.call_uuid == call_uuid))


@durable("calls.pending_attempt")
def count_attempt(session: Session, call_uuid: str, attempts: int) -> None:
    stmt = update(PendingCallback).where(PendingCallback.call_uuid == call_uuid)
    session.execute(stmt.values(attempts=attempts))


class PendingCallbacks:
    """The call center's part that keeps owed callbacks in the database (`CallCenter.callbacks`)."""

    def __init__(self, center: CenterPort) -> None:
        self.center = center
        self.db: Database = center.db
        self.acd: Acd = center.acd
        self.live: dict[str, LiveCall] = center.live
        self.clock: Callable[[], float] = center.clock
        self.writer: Writer = center.writer

    def keep_callback(self, call_id: str) -> None:
        """The ACD registered a callback: write down what is needed to restore it."""
        call, live = self.acd.calls.get(call_id), self.live.get(call_id)
        if call is None:
            return
        entered = utcnow() - timedelta(seconds=max(0.0, self.clock() - call.enqueued_at))
        values = {
            "call_uuid": call_id,
            "queue": call.queue,
            "caller_number": live.caller_number if live else call.caller,
            "callback_number": call.callback_number or call.caller,
            "caller_id": live.facts.caller_id if live else None,
            "priority": call.priority,
            "attempts": call.callback_attempts,
            "enqueued_at": entered,
        }
        self.writer.submit(Op.of(save, **values))

    def callback_event(self, kind: str, call_id: str, data: dict[str, Any]) -> None:
        """Keep the table in step with the queue log's callback lines."""
        if kind == "callback":
            self.keep_callback(call_id)
        elif kind == "callback_failed" or (kind == "connect" and data.get("callback")):
            self.writer.submit(Op.of(forget, call_uuid=call_id))
        elif kind == "callback_retry":
            attempts = int(data.get("attempts") or 0)
            self.writer.submit(Op.of(count_attempt, call_uuid=call_id, attempts=attempts))

    def end_without_legs(self, live: LiveCall, outcome: str) -> None:
        """End a call nobody is on the line of any more (a callback still owed): out of the ACD,
        out of the table, CDR closed, since no engine event will ever end it."""
        uuid = live.uuid
        with contextlib.suppress(HotlineError):
            self.acd.abandon(uuid, self.clock())
        self.live.pop(uuid, None)

        self.writer.submit(Op.of(forget, call_uuid=uuid))
        self.writer.submit(Op.of(cdr.end_call, uuid=uuid, outcome=outcome, cause=outcome, at=utcnow()))

    def restore_callbacks(self) -> int:
        """Put the callbacks pending at the last stop (or crash) back in line, in their places."""
        with self.db.session() as s:
            rows = list(s.scalars(select(PendingCallback).order_by(PendingCallback.enqueued_at)))
            s.expunge_all()
        now, wall = self.clock(), utcnow()
        restored = 0
        for row in rows:
            if row.call_uuid in self.live:
                continue
            if row.queue not in self.acd.queues:
                log.warning("callback %s: queue %s no longer exists; given up", row.call_uuid, row.queue)
                self.writer.submit(Op.of(forget, call_uuid=row.call_uuid))
                end = {"outcome": "callback_failed", "cause": "queue_gone", "at": wall}
                self.writer.submit(Op.of(cdr.end_call, uuid=row.call_uuid, **end))
                continue
            facts = CallerFacts(row.caller_number, caller_id=row.caller_id)
            live = LiveCall(
                row.call_uuid, NOT_DIALLED, None, row.caller_number, facts, state=CallState.queued
            )
            live.queue, live.priority, live.callback_number = row.queue, row.priority, row.callback_number
            live.outcome, live.queued_at = "callback", row.enqueued_at
            self.live[row.call_uuid] = live
            waited = (wall - row.enqueued_at).total_seconds()
            try:
                actions = self.acd.restore_callback(
                    row.call_uuid, row.queue, row.callback_number, row.priority, waited, row.attempts, now
                )
            except HotlineError:
                self.live.pop(row.call_uuid, None)
                continue
            self.center.apply(actions)
            restored += 1
        if restored:
            log.info("restored %d pending callbacks", restored)
        return restored
