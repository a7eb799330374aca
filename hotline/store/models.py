"""The store's own table: `health_probes`, one row per probe that `/readyz` rewrites (`write_probe`)
to prove the database still takes writes (a full disk or a read-only database answers SELECT 1
happily)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, update
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, utcnow
from hotline.store.db import Database


class HealthProbe(Base):
    __tablename__ = "health_probes"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime]
    count: Mapped[int] = mapped_column(default=0)


def write_probe(db: Database, name: str = "readyz") -> None:
    """Rewrite the probe's row in a transaction of its own (inserted the first time)."""
    with db.session() as s:
        done = s.execute(
            update(HealthProbe)
            .where(HealthProbe.name == name)
            .values(at=utcnow(), count=HealthProbe.count + 1)
        )
        if getattr(done, "rowcount", 0) == 0:
            s.add(HealthProbe(name=name, at=utcnow(), count=1))
