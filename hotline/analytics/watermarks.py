"""The rollups' high-water marks, taken as a lock: `claim` is the first write of a rollup's
transaction, so two processes (the bus subscriber and the catch-up job, or two nodes) run one
batch at a time and the second reads the mark the first committed. The mark moves in the same
transaction as the rows it covers: a crash leaves every figure before the batch, never half."""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hotline.analytics.models import Watermark
from hotline.store.base import utcnow

CALLS = "calls"
ORDERS = "orders"


def ensure(session: Session, name: str) -> None:
    """Create the mark at 0 if absent (its own statement; harmless when it exists)."""
    mod = postgresql if session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = mod.insert(Watermark).values(name=name, value=0, updated_at=utcnow())
    session.execute(stmt.on_conflict_do_nothing(index_elements=["name"]))


def claim(session: Session, name: str) -> int:
    """Lock the mark for this transaction (row lock on PostgreSQL, the write lock on SQLite) and
    return its committed value."""
    ensure(session, name)
    session.execute(update(Watermark).where(Watermark.name == name).values(updated_at=utcnow()))
    return int(session.scalar(select(Watermark.value).where(Watermark.name == name)) or 0)


def move(session: Session, name: str, value: int) -> None:
    session.execute(update(Watermark).where(Watermark.name == name).values(value=value, updated_at=utcnow()))


def read(session: Session, name: str) -> int:
    return int(session.scalar(select(Watermark.value).where(Watermark.name == name)) or 0)
