"""The store's own table: `health_probes`, one row per probe that `/readyz` rewrites to prove the
database still takes writes (a full disk or a read-only database answers SELECT 1 happily)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base


class HealthProbe(Base):
    __tablename__ = "health_probes"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime]
    count: Mapped[int] = mapped_column(default=0)
