"""Writing audit entries. Call `record` inside the same session as the change it describes, so the
entry and the change commit or roll back together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import inspect
from sqlalchemy.orm import Session

from hotline.audit.models import AuditEntry


@dataclass(frozen=True)
class Actor:
    """Who is writing: a user, or the system itself (jobs, telephony, channels)."""

    id: int | None
    name: str
    ip: str | None = None


SYSTEM = Actor(None, "system")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


SECRET_COLUMNS = {"password_hash", "sip_ha1", "token_hash", "password"}


def snapshot(obj: Any) -> dict[str, Any]:
    """Column values of a mapped object, secrets left out."""
    mapper = inspect(obj).mapper
    return {c.key: _jsonable(getattr(obj, c.key)) for c in mapper.column_attrs if c.key not in SECRET_COLUMNS}


def record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: Any = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    entry = AuditEntry(
        actor_id=actor.id,
        actor=actor.name,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
        ip=actor.ip,
    )
    session.add(entry)
    return entry
