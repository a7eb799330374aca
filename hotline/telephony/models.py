"""Carrier trunks, configured over the API and applied to the running telephony engine."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from hotline.store.base import Base, UTCDateTime, utcnow


class SipTrunk(Base):
    """A carrier or gateway: inbound calls from its ``peers`` need no digest; outbound calls to
    external numbers go to ``host:port`` of the enabled outbound trunks in ``priority`` order, the
    next one taking a call the previous one failed (503, 408, silence: `hotline.sip.trunks`)."""

    __tablename__ = "sip_trunks"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(100))
    direction: Mapped[str] = mapped_column(String(16), default="both")  # inbound|outbound|both
    host: Mapped[str] = mapped_column(String(255))
    port: Mapped[int] = mapped_column(Integer, default=5060)
    peers: Mapped[list[Any]] = mapped_column(JSON, default=list)
    username: Mapped[str | None] = mapped_column(String(100))
    # The carrier's digest needs the clear password; the API never returns it.
    password: Mapped[str | None] = mapped_column(String(200))
    priority: Mapped[int] = mapped_column(Integer, default=10)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class SipRegistration(Base):
    """A phone's registrar binding, kept so a restart does not make every phone unreachable until
    it registers again: restored while `expires_at` (UTC) is in the future."""

    __tablename__ = "sip_registrations"
    __table_args__ = (UniqueConstraint("aor", "contact"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    aor: Mapped[str] = mapped_column(String(64), index=True)
    contact: Mapped[str] = mapped_column(String(500))
    proto: Mapped[str] = mapped_column(String(8))
    host: Mapped[str] = mapped_column(String(64))
    port: Mapped[int] = mapped_column(Integer)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    call_id: Mapped[str] = mapped_column(String(255))
    cseq: Mapped[int] = mapped_column(Integer)
    q: Mapped[float] = mapped_column(Float, default=1.0)  # as migration 0410 made it
    path: Mapped[list[Any]] = mapped_column(JSON, default=list)


class AgentPhone(Base):
    """Which phone an agent answers on: the console's browser phone or a desk phone (the default
    when no row exists). Read by the console at sign-in to decide whether to register in the browser."""

    __tablename__ = "agent_phones"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16), default="desk")  # desk | browser
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
