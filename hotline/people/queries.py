"""What the people pages read: department, user and caller lists (callers found by name, phone or
its last digits), the callers' CSV export, and the audited reads of callers' personal data (one
audit row per detail view, per phone lookup and per export, never per list page)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.exports import row
from hotline.masking import mask_address, mask_id_number, mask_phone
from hotline.people import service
from hotline.people.models import Caller, CallerPhone, Department, User
from hotline.people.phones import normalize_phone
from hotline.people.schemas import CallerOut, caller_out, department_out, user_out
from hotline.store.pagination import PageRequest, paginate


def departments_page(session: Session, q: str | None, params: PageRequest) -> dict[str, Any]:
    stmt = select(Department)
    if q:
        stmt = stmt.where(or_(Department.name.contains(q), Department.code.contains(q)))
    sortable = {"code": Department.code, "name": Department.name}
    return paginate(session, stmt, params, sortable, Department.id, department_out, default_sort="code")


def users_page(session: Session, role: str | None, q: str | None, params: PageRequest) -> dict[str, Any]:
    stmt = select(User)
    if role:
        stmt = stmt.where(User.role == role)
    if q:
        stmt = stmt.where(or_(User.username.contains(q), User.display_name.contains(q)))
    sortable = {"username": User.username, "display_name": User.display_name, "created_at": User.created_at}
    return paginate(session, stmt, params, sortable, User.id, user_out, default_sort="username")


def active_users(session: Session, roles: tuple[str, ...]) -> list[tuple[int, str, str]]:
    """(id, display name, role) of the active users in `roles`, by id (what planners list)."""
    rows = session.execute(
        select(User.id, User.display_name, User.role)
        .where(User.active.is_(True), User.role.in_(roles))
        .order_by(User.id)
    ).all()
    return [(int(i), str(n), str(r)) for i, n, r in rows]


_PHONE_LIKE = re.compile(r"[+\d\s-]+")


def _caller_stmt(q: str | None, district: str | None) -> Select[Caller]:
    stmt = service.caller_query()
    if district:
        stmt = stmt.where(Caller.district == district)
    if q:
        phone = normalize_phone(q)
        match = CallerPhone.number == phone
        # An agent often has only the tail of a number ("尾号 5678"): four digits or more match
        # the end of any of the caller's numbers.
        if len(phone) >= 4 and _PHONE_LIKE.fullmatch(q.strip()):
            match = or_(match, CallerPhone.number.endswith(phone, autoescape=True))
        by_phone = select(CallerPhone.caller_id).where(match)
        stmt = stmt.where(or_(Caller.name.contains(q, autoescape=True), Caller.id.in_(by_phone)))
    return stmt


def callers_page(
    session: Session, q: str | None, district: str | None, params: PageRequest, pii: bool
) -> dict[str, Any]:
    sortable = {"name": Caller.name, "created_at": Caller.created_at, "updated_at": Caller.updated_at}
    return paginate(
        session, _caller_stmt(q, district), params, sortable, Caller.id, lambda c: caller_out(c, pii)
    )


def read_caller(session: Session, actor: Actor, caller_id: int, pii: bool) -> Caller:
    """One caller's record, the view audited (a read of personal data)."""
    caller = service.get_caller(session, caller_id)
    record(session, actor, "caller.read", "caller", caller.id, None, {"unmasked": pii})
    return caller


def lookup_callers(session: Session, actor: Actor, phone: str, pii: bool) -> list[CallerOut]:
    """Callers with this phone number; a hit is audited: who looked up which callers (the number masked)."""
    found = service.lookup_by_phone(session, phone)
    if found:
        after = {"phone": mask_phone(normalize_phone(phone)), "caller_ids": [c.id for c in found]}
        record(session, actor, "caller.lookup", "caller", found[0].id, None, after)
    return [caller_out(c, pii) for c in found]


EXPORT_COLUMNS = ["id", "name", "id_number", "gender", "district", "address", "phones", "priority_level"]


def export_callers(
    session: Session, actor: Actor, q: str | None, district: str | None, pii: bool
) -> Iterator[str]:
    """The matching callers as CSV lines (masked without `pii`). The rows are read and the export
    audited (one row: a bulk read of personal data) before the first line, so the audit commits
    with the request, before the file streams."""
    callers = list(session.scalars(_caller_stmt(q, district).order_by(Caller.id)))
    after = {"q": q, "district": district, "rows": len(callers), "unmasked": pii}
    record(session, actor, "caller.export", "caller", None, None, after)
    return _csv_lines(callers, pii)


def _csv_lines(callers: list[Caller], pii: bool) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf)
    buf.write("\ufeff")  # Excel needs the BOM to read UTF-8 Chinese
    writer.writerow(EXPORT_COLUMNS)
    for c in callers:
        phones = [p.number if pii else (mask_phone(p.number) or "") for p in c.phones]
        writer.writerow(
            row(
                [
                    c.id,
                    c.name,
                    c.id_number if pii else mask_id_number(c.id_number),
                    c.gender,
                    c.district,
                    c.address if pii else mask_address(c.address),
                    " ".join(phones),
                    c.care_profile.priority_level if c.care_profile else 0,
                ]
            )
        )
        yield buf.getvalue()
        buf.seek(0)
        buf.truncate()


def agent_mobiles(session: Session) -> dict[int, str]:
    """Active users' mobiles by user id (remote duty rings them through the trunk)."""
    stmt = select(User.id, User.mobile).where(User.active.is_(True), User.mobile.is_not(None))
    return {int(uid): str(mobile) for uid, mobile in session.execute(stmt)}
