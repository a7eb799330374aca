"""Readable work-order numbers: GD + local date + 4-digit per-day sequence (GD20261124-0001).

The sequence is bumped with one atomic `INSERT ... ON CONFLICT DO UPDATE ... RETURNING` on both
SQLite (which serializes writers) and PostgreSQL (where the upsert takes the row lock), so two
concurrent transactions never get the same number and no number is read-then-written.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from hotline.workorders.calendar import LOCAL
from hotline.workorders.models import NumberSequence


def next_number(session: Session, now: datetime) -> str:
    day = now.astimezone(LOCAL).strftime("%Y%m%d")
    dialect = session.get_bind().dialect.name
    mod = postgresql if dialect == "postgresql" else sqlite
    table = NumberSequence.__table__
    stmt = mod.insert(table).values(day=day, last=1)
    stmt = stmt.on_conflict_do_update(index_elements=[table.c.day], set_={"last": table.c.last + 1})
    seq = session.execute(stmt.returning(table.c.last)).scalar_one()
    return f"GD{day}-{seq:04d}"
