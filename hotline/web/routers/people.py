"""Users, departments and callers over HTTP (thin: the work is in hotline.people.service)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session, selectinload

from hotline.audit.service import record
from hotline.exports import row
from hotline.people import service
from hotline.people.credentials import check_password
from hotline.people.masking import mask_address, mask_id_number, mask_phone
from hotline.people.models import Caller, CallerPhone, Department, User
from hotline.people.phones import normalize_phone
from hotline.people.schemas import (
    CallerIn,
    CallerOut,
    CallerPatch,
    DepartmentIn,
    DepartmentOut,
    DepartmentPatch,
    PasswordIn,
    UserIn,
    UserOut,
    UserPatch,
    caller_out,
    department_out,
    user_out,
)
from hotline.schemas import Page
from hotline.web.auth import Principal, require
from hotline.web.deps import IdPath, get_session
from hotline.web.pagination import ListParams, paginate

router = APIRouter(prefix="/api", tags=["people"])


# --- departments -------------------------------------------------------------------------------


@router.get("/departments", response_model=Page[DepartmentOut])
def list_departments(
    params: ListParams = Depends(),
    q: str | None = Query(None, max_length=100),
    _: Principal = Depends(require("departments.read")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, object]:
    stmt = select(Department)
    if q:
        stmt = stmt.where(or_(Department.name.contains(q), Department.code.contains(q)))
    return paginate(
        session,
        stmt,
        params,
        {"code": Department.code, "name": Department.name},
        Department.id,
        department_out,
        default_sort="code",
    )


@router.post("/departments", response_model=DepartmentOut, status_code=201)
def create_department(
    body: DepartmentIn,
    principal: Principal = Depends(require("departments.write")),
    session: Session = Depends(get_session, scope="function"),
) -> DepartmentOut:
    return department_out(service.create_department(session, principal.actor, body))


@router.get("/departments/{department_id}", response_model=DepartmentOut)
def get_department(
    department_id: IdPath,
    _: Principal = Depends(require("departments.read")),
    session: Session = Depends(get_session, scope="function"),
) -> DepartmentOut:
    return department_out(service.get_department(session, department_id))


@router.patch("/departments/{department_id}", response_model=DepartmentOut)
def update_department(
    department_id: IdPath,
    body: DepartmentPatch,
    principal: Principal = Depends(require("departments.write")),
    session: Session = Depends(get_session, scope="function"),
) -> DepartmentOut:
    return department_out(service.update_department(session, principal.actor, department_id, body))


# --- users ------------------------------------------------------------------------------------


@router.get("/users", response_model=Page[UserOut])
def list_users(
    params: ListParams = Depends(),
    role: str | None = Query(None, max_length=32),
    q: str | None = Query(None, max_length=100),
    _: Principal = Depends(require("users.read")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, object]:
    stmt = select(User)
    if role:
        stmt = stmt.where(User.role == role)
    if q:
        stmt = stmt.where(or_(User.username.contains(q), User.display_name.contains(q)))
    sortable = {"username": User.username, "display_name": User.display_name, "created_at": User.created_at}
    return paginate(session, stmt, params, sortable, User.id, user_out, default_sort="username")


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(
    body: UserIn,
    principal: Principal = Depends(require("users.write")),
    session: Session = Depends(get_session, scope="function"),
) -> UserOut:
    # The admin chose this password, so it is temporary: the user replaces it at first sign-in.
    check_password(body.password, body.username)
    return user_out(service.create_user(session, principal.actor, body, must_change_password=True))


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(
    user_id: IdPath,
    _: Principal = Depends(require("users.read")),
    session: Session = Depends(get_session, scope="function"),
) -> UserOut:
    return user_out(service.get_user(session, user_id))


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(
    user_id: IdPath,
    body: UserPatch,
    principal: Principal = Depends(require("users.write")),
    session: Session = Depends(get_session, scope="function"),
) -> UserOut:
    return user_out(service.update_user(session, principal.actor, user_id, body))


@router.put("/users/{user_id}/password", status_code=204)
def set_password(
    user_id: IdPath,
    body: PasswordIn,
    principal: Principal = Depends(require("users.write")),
    session: Session = Depends(get_session, scope="function"),
) -> Response:
    """Reset a user's password: a temporary one, to be changed at next sign-in; their sessions and
    API tokens end."""
    check_password(body.password, service.get_user(session, user_id).username)
    service.set_password(session, principal.actor, user_id, body.password, must_change=True)
    return Response(status_code=204)


# --- callers ----------------------------------------------------------------------------------

_PHONE_LIKE = re.compile(r"[+\d\s-]+")


def _caller_stmt(q: str | None, district: str | None) -> Select[Caller]:
    stmt = select(Caller).options(
        selectinload(Caller.phones),
        selectinload(Caller.care_profile),
        selectinload(Caller.emergency_contacts),
    )
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


@router.get("/callers", response_model=Page[CallerOut])
def list_callers(
    params: ListParams = Depends(),
    q: str | None = Query(None, max_length=100, description="name part, phone number or its last 4+ digits"),
    district: str | None = Query(None, max_length=64),
    principal: Principal = Depends(require("callers.read")),
    session: Session = Depends(get_session, scope="function"),
) -> dict[str, object]:
    sortable = {"name": Caller.name, "created_at": Caller.created_at, "updated_at": Caller.updated_at}
    return paginate(
        session,
        _caller_stmt(q, district),
        params,
        sortable,
        Caller.id,
        lambda c: caller_out(c, principal.pii),
    )


@router.get("/callers/lookup", response_model=list[CallerOut])
def lookup_caller(
    phone: str = Query(min_length=3, max_length=32),
    principal: Principal = Depends(require("callers.read")),
    session: Session = Depends(get_session, scope="function"),
) -> list[CallerOut]:
    found = service.lookup_by_phone(session, phone)
    if found:  # a read of personal data: who looked up which callers (the number masked)
        after = {"phone": mask_phone(normalize_phone(phone)), "caller_ids": [c.id for c in found]}
        record(session, principal.actor, "caller.lookup", "caller", found[0].id, None, after)
    return [caller_out(c, principal.pii) for c in found]


EXPORT_COLUMNS = ["id", "name", "id_number", "gender", "district", "address", "phones", "priority_level"]


@router.get(
    "/callers/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_callers(
    q: str | None = Query(None, max_length=100),
    district: str | None = Query(None, max_length=64),
    principal: Principal = Depends(require("callers.export")),
    session: Session = Depends(get_session, scope="function"),
) -> StreamingResponse:
    callers = list(session.scalars(_caller_stmt(q, district).order_by(Caller.id)))
    pii = principal.pii
    # One audit row per export (a bulk read of personal data), committed before the file streams.
    after = {"q": q, "district": district, "rows": len(callers), "unmasked": pii}
    record(session, principal.actor, "caller.export", "caller", None, None, after)

    def rows() -> Iterator[str]:
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

    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="callers.csv"'},
    )


@router.post("/callers", response_model=CallerOut, status_code=201)
def create_caller(
    body: CallerIn,
    principal: Principal = Depends(require("callers.write")),
    session: Session = Depends(get_session, scope="function"),
) -> CallerOut:
    return caller_out(service.create_caller(session, principal.actor, body), principal.pii)


@router.get("/callers/{caller_id}", response_model=CallerOut)
def get_caller(
    caller_id: IdPath,
    principal: Principal = Depends(require("callers.read")),
    session: Session = Depends(get_session, scope="function"),
) -> CallerOut:
    caller = service.get_caller(session, caller_id)
    record(session, principal.actor, "caller.read", "caller", caller.id, None, {"unmasked": principal.pii})
    return caller_out(caller, principal.pii)


@router.put("/callers/{caller_id}", response_model=CallerOut)
def update_caller(
    caller_id: IdPath,
    body: CallerPatch,
    principal: Principal = Depends(require("callers.write")),
    session: Session = Depends(get_session, scope="function"),
) -> CallerOut:
    return caller_out(service.update_caller(session, principal.actor, caller_id, body), principal.pii)


@router.delete("/callers/{caller_id}", status_code=204)
def delete_caller(
    caller_id: IdPath,
    principal: Principal = Depends(require("callers.write")),
    session: Session = Depends(get_session, scope="function"),
) -> Response:
    service.delete_caller(session, principal.actor, caller_id)
    return Response(status_code=204)
