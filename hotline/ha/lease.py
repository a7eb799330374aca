"""The leader lease in the shared database, and the fence on the leader's writes.

One row per lease name (`acd`: the call center's queue work) says which node leads and until
when; the node renews it well before it expires. Another node takes it over only once it has
expired, and a takeover raises the lease's *epoch*. Every write the leader makes for the leased
work runs its commit through `check_fence`, which locks the fence row for share and compares the
epoch: a node that lost the lease (paused, cut off, its clock behind) has its late writes refused,
never mixed with the new leader's. Times come from the caller (`now`), so tests drive the clock;
nodes in production keep their clocks in step (NTP), and any skew eats into the lease's margin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import event, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import ORMExecuteState, Session, UOWTransaction

from hotline.audit.service import SYSTEM, record
from hotline.ha.models import LeaderFence, LeaderLease
from hotline.store.db import Database

ACD = "acd"


class Fenced(RuntimeError):
    """A write by a node whose lease epoch is no longer the current one (refused, rolled back)."""

    def __init__(self, name: str, epoch: int, current: int | None) -> None:
        super().__init__(f"lease {name!r}: epoch {epoch} was fenced off (current epoch {current})")
        self.name, self.epoch, self.current = name, epoch, current


@dataclass(frozen=True)
class Holding:
    """A lease as its holder sees it after a successful acquire or renewal."""

    name: str
    holder: str
    epoch: int
    expires_at: datetime


def acquire(db: Database, name: str, holder: str, seconds: float, now: datetime) -> Holding | None:
    """Renew `holder`'s lease on `name`, or take it when it is free or expired (a new epoch);
    None while another node holds it."""
    until = now + timedelta(seconds=seconds)
    with db.session() as s:
        lease = s.get(LeaderLease, name, with_for_update=True)  # competitors queue here
        if lease is None:
            try:
                with s.begin_nested():
                    s.add(LeaderLease(name=name, holder=holder, epoch=1, expires_at=until, acquired_at=now))
                    s.add(LeaderFence(name=name, epoch=1))
            except IntegrityError:
                return None  # another node created it at the same moment: it leads
            record(s, SYSTEM, "ha.lease_taken", "ha_lease", name, after={"holder": holder, "epoch": 1})
            return Holding(name, holder, 1, until)
        if lease.holder == holder:
            # Ours (even if it lapsed: nobody took it, so no other epoch wrote in between).
            lease.expires_at = until
            return Holding(name, holder, lease.epoch, until)
        if lease.expires_at > now:
            return None
        # Waits for fenced writes in flight (they hold the fence row for share until they commit).
        epoch = s.execute(
            update(LeaderFence)
            .where(LeaderFence.name == name)
            .values(epoch=LeaderFence.epoch + 1)
            .returning(LeaderFence.epoch)
        ).scalar_one()
        before = {"holder": lease.holder, "epoch": lease.epoch, "expires_at": lease.expires_at.isoformat()}
        lease.holder, lease.epoch, lease.expires_at, lease.acquired_at = holder, epoch, until, now
        after = {"holder": holder, "epoch": epoch}
        record(s, SYSTEM, "ha.lease_taken", "ha_lease", name, before=before, after=after)
        return Holding(name, holder, epoch, until)


def release(db: Database, name: str, holder: str, epoch: int, now: datetime) -> bool:
    """Give the lease up at once (a clean shutdown), so the standby need not wait for it to expire."""
    with db.session() as s:
        result = s.execute(
            update(LeaderLease)
            .where(LeaderLease.name == name, LeaderLease.holder == holder, LeaderLease.epoch == epoch)
            .values(expires_at=now)
        )
        return bool(getattr(result, "rowcount", 0) == 1)


def current(db: Database, name: str) -> LeaderLease | None:
    with db.session() as s:
        return s.get(LeaderLease, name)


def check_fence(session: Session, name: str, epoch: int) -> None:
    """Refuse this transaction unless `epoch` is still the lease's: called in the commit, the fence
    row stays locked for share until the commit is done, so a takeover cannot slip in between."""
    now = session.scalar(select(LeaderFence.epoch).where(LeaderFence.name == name).with_for_update(read=True))
    if now != epoch:
        raise Fenced(name, epoch, now)


WROTE = "ha_wrote"


def fence(db: Database, name: str, epoch: int) -> Callable[[], None]:
    """Check the fence in every commit of `db`'s sessions that wrote anything; returns the undo."""

    def flushed(session: Session, _flush: UOWTransaction) -> None:
        session.info[WROTE] = True

    def executed(state: ORMExecuteState) -> None:
        if state.is_insert or state.is_update or state.is_delete:
            state.session.info[WROTE] = True

    def committing(session: Session) -> None:
        # Before the commit's last flush: changes still pending count as writes too.
        pending = bool(session.new or session.dirty or session.deleted)
        # Kept until the transaction ends: a caller catching Fenced and committing again is refused again.
        if session.info.get(WROTE, False) or pending:
            check_fence(session, name, epoch)

    def forget(session: Session, *_: Any) -> None:
        session.info.pop(WROTE, None)

    hooks: list[tuple[str, Callable[..., None]]] = [
        ("after_flush", flushed),
        ("do_orm_execute", executed),
        ("before_commit", committing),
        ("after_commit", forget),
        ("after_soft_rollback", forget),
    ]
    for name_, fn in hooks:
        event.listen(db.sessionmaker, name_, fn)

    def undo() -> None:
        for name_, fn in hooks:
            event.remove(db.sessionmaker, name_, fn)

    return undo
