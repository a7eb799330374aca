"""Tables for people: departments, users, sessions and API tokens, callers and their care data."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from hotline.store.base import Base, utcnow


class Department(Base):
    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(32))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    # The agent's phone: SIP extension and HA1 = md5(extension:realm:password) for digest auth.
    extension: Mapped[str | None] = mapped_column(String(32), unique=True)
    sip_ha1: Mapped[str | None] = mapped_column(String(64))
    # 工号: the number callers hear when the agent connects ("1023号话务员为您服务").
    agent_number: Mapped[str | None] = mapped_column(String(8), unique=True)
    # The agent's mobile, rung through the trunk while the emergency mode "remote duty" is on.
    mobile: Mapped[str | None] = mapped_column(String(32))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Set when someone else chose the password (first admin, reset by an admin): until the user
    # picks their own, the API allows only changing it, /me and logout.
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}


class UserSession(Base):
    """A browser login; the cookie carries the token, the table keeps only its SHA-256."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    ip: Mapped[str | None] = mapped_column(String(64))


class ApiToken(Base):
    """A bearer token for integrations, acting as its user."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class Caller(Base):
    __tablename__ = "callers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    id_number: Mapped[str | None] = mapped_column(String(18), index=True)
    gender: Mapped[str | None] = mapped_column(String(8))
    address: Mapped[str | None] = mapped_column(String(255))
    district: Mapped[str | None] = mapped_column(String(64), index=True)
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    phones: Mapped[list[CallerPhone]] = relationship(
        back_populates="caller", cascade="all, delete-orphan", order_by="CallerPhone.id"
    )
    care_profile: Mapped[CareProfile | None] = relationship(
        back_populates="caller", cascade="all, delete-orphan", uselist=False
    )
    emergency_contacts: Mapped[list[EmergencyContact]] = relationship(
        back_populates="caller", cascade="all, delete-orphan", order_by="EmergencyContact.position"
    )

    __mapper_args__ = {"version_id_col": version}


class CallerPhone(Base):
    """Any number a caller rings from; the B-tree index makes lookup O(log n)."""

    __tablename__ = "caller_phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    caller_id: Mapped[int] = mapped_column(ForeignKey("callers.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(32))
    label: Mapped[str | None] = mapped_column(String(32))

    caller: Mapped[Caller] = relationship(back_populates="phones")

    __table_args__ = (Index("ix_caller_phones_number", "number"),)


class CareProfile(Base):
    __tablename__ = "care_profiles"

    id: Mapped[int] = mapped_column(primary_key=True)
    caller_id: Mapped[int] = mapped_column(ForeignKey("callers.id", ondelete="CASCADE"), unique=True)
    living_alone: Mapped[bool] = mapped_column(Boolean, default=False)
    age: Mapped[int | None]
    disability_level: Mapped[str | None] = mapped_column(String(32))
    assistance_status: Mapped[str | None] = mapped_column(String(64))
    health_notes: Mapped[str | None] = mapped_column(Text)
    # 0 = ordinary, 1 = care, 2 = high care, 3 = critical: higher jumps the queue.
    priority_level: Mapped[int] = mapped_column(Integer, default=1)

    caller: Mapped[Caller] = relationship(back_populates="care_profile")


class EmergencyContact(Base):
    __tablename__ = "emergency_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    caller_id: Mapped[int] = mapped_column(ForeignKey("callers.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    relation: Mapped[str | None] = mapped_column(String(32))
    phone: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)

    caller: Mapped[Caller] = relationship(back_populates="emergency_contacts")
