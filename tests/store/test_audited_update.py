"""The one audited update (`hotline.audit.writes.audited_update`): a stale version is refused
before anything changes, a change is flushed and audited with the row before and after (the
version step included), and an error in the body leaves no audit entry."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from hotline.audit.models import AuditEntry
from hotline.audit.service import Actor
from hotline.audit.writes import audited_update
from hotline.errors import Conflict
from hotline.people.models import Department
from hotline.store.db import Database

ACTOR = Actor(1, "admin", "127.0.0.1")


def _department(db: Database) -> int:
    with db.session() as s:
        dep = Department(code="T-AUD", name="测试单位")
        s.add(dep)
        s.flush()
        return dep.id


def _entries(db: Database, dep_id: int) -> list[AuditEntry]:
    with db.session() as s:
        stmt = select(AuditEntry).where(
            AuditEntry.entity == "department", AuditEntry.entity_id == str(dep_id)
        )
        return list(s.scalars(stmt))


def test_a_change_is_flushed_and_audited_before_and_after(sqlite_db: Database) -> None:
    dep_id = _department(sqlite_db)
    with sqlite_db.session() as s:
        dep = s.get(Department, dep_id)
        assert dep is not None
        with audited_update(s, ACTOR, dep, 1, "department", "department") as edit:
            edit.apply({"name": "新名称"})
            edit.note(reason="renamed")
        assert dep.version == 2  # flushed inside the helper
    [entry] = _entries(sqlite_db, dep_id)
    assert entry.action == "update" and entry.actor == "admin" and entry.ip == "127.0.0.1"
    assert entry.before is not None and entry.after is not None
    assert (entry.before["name"], entry.before["version"]) == ("测试单位", 1)
    assert (entry.after["name"], entry.after["version"], entry.after["reason"]) == ("新名称", 2, "renamed")


def test_a_stale_version_is_refused_and_nothing_is_written(sqlite_db: Database) -> None:
    dep_id = _department(sqlite_db)
    with pytest.raises(Conflict) as exc, sqlite_db.session() as s:
        dep = s.get(Department, dep_id)
        assert dep is not None
        with audited_update(s, ACTOR, dep, 7, "department", "department") as edit:
            edit.apply({"name": "不应写入"})
    assert exc.value.extra["current_version"] == 1
    assert _entries(sqlite_db, dep_id) == []
    with sqlite_db.session() as s:
        dep = s.get(Department, dep_id)
        assert dep is not None and (dep.name, dep.version) == ("测试单位", 1)


def test_an_error_in_the_body_audits_nothing(sqlite_db: Database) -> None:
    dep_id = _department(sqlite_db)
    with sqlite_db.session() as s:
        dep = s.get(Department, dep_id)
        assert dep is not None
        with pytest.raises(ValueError), audited_update(s, ACTOR, dep, None, "department", "department"):
            raise ValueError("refused by the domain")
    assert _entries(sqlite_db, dep_id) == []
