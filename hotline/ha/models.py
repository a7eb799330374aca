"""The leader lease and its fence, two rows per lease name.

`ha_leases` says who leads until when and is rewritten by every renewal; `ha_fences` holds the
lease's epoch and changes only when leadership changes hands. They are apart so that the fenced
writes, which lock the fence row for share while they commit, never hold up a renewal: only a
takeover waits for them (and so every fenced write commits either before the new epoch exists or
not at all)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base


class LeaderLease(Base):
    __tablename__ = "ha_leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    epoch: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime]
    acquired_at: Mapped[datetime]


class LeaderFence(Base):
    __tablename__ = "ha_fences"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    epoch: Mapped[int] = mapped_column(BigInteger)
