"""Users, departments and callers over HTTP (thin: the work is in hotline.people.service and
hotline.people.queries)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from fastapi.responses import StreamingResponse

from hotline.people import queries, service
from hotline.people.credentials import check_password
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
from hotline.web.deps import IdPath, ListDep, SessionDep

router = APIRouter(prefix="/api", tags=["people"])

DepartmentsRead = Annotated[Principal, Depends(require("departments.read"))]
DepartmentsWrite = Annotated[Principal, Depends(require("departments.write"))]
UsersRead = Annotated[Principal, Depends(require("users.read"))]
UsersWrite = Annotated[Principal, Depends(require("users.write"))]
CallersRead = Annotated[Principal, Depends(require("callers.read"))]
CallersWrite = Annotated[Principal, Depends(require("callers.write"))]
CallersExport = Annotated[Principal, Depends(require("callers.export"))]


# --- departments -------------------------------------------------------------------------------


@router.get("/departments", response_model=Page[DepartmentOut])
def list_departments(
    params: ListDep, _: DepartmentsRead, session: SessionDep, q: str | None = Query(None, max_length=100)
) -> dict[str, object]:
    return queries.departments_page(session, q, params)


@router.post("/departments", response_model=DepartmentOut, status_code=201)
def create_department(body: DepartmentIn, principal: DepartmentsWrite, session: SessionDep) -> DepartmentOut:
    return department_out(service.create_department(session, principal.actor, body))


@router.get("/departments/{department_id}", response_model=DepartmentOut)
def get_department(department_id: IdPath, _: DepartmentsRead, session: SessionDep) -> DepartmentOut:
    return department_out(service.get_department(session, department_id))


@router.patch("/departments/{department_id}", response_model=DepartmentOut)
def update_department(
    department_id: IdPath, body: DepartmentPatch, principal: DepartmentsWrite, session: SessionDep
) -> DepartmentOut:
    return department_out(service.update_department(session, principal.actor, department_id, body))


# --- users ------------------------------------------------------------------------------------


@router.get("/users", response_model=Page[UserOut])
def list_users(
    params: ListDep,
    _: UsersRead,
    session: SessionDep,
    role: str | None = Query(None, max_length=32),
    q: str | None = Query(None, max_length=100),
) -> dict[str, object]:
    return queries.users_page(session, role, q, params)


@router.post("/users", response_model=UserOut, status_code=201)
def create_user(body: UserIn, principal: UsersWrite, session: SessionDep) -> UserOut:
    # The admin chose this password, so it is temporary: the user replaces it at first sign-in.
    check_password(body.password, body.username)
    return user_out(service.create_user(session, principal.actor, body, must_change_password=True))


@router.get("/users/{user_id}", response_model=UserOut)
def get_user(user_id: IdPath, _: UsersRead, session: SessionDep) -> UserOut:
    return user_out(service.get_user(session, user_id))


@router.patch("/users/{user_id}", response_model=UserOut)
def update_user(user_id: IdPath, body: UserPatch, principal: UsersWrite, session: SessionDep) -> UserOut:
    return user_out(service.update_user(session, principal.actor, user_id, body))


@router.put("/users/{user_id}/password", status_code=204)
def set_password(user_id: IdPath, body: PasswordIn, principal: UsersWrite, session: SessionDep) -> Response:
    """Reset a user's password: a temporary one, to be changed at next sign-in; their sessions and
    API tokens end."""
    check_password(body.password, service.get_user(session, user_id).username)
    service.set_password(session, principal.actor, user_id, body.password, must_change=True)
    return Response(status_code=204)


# --- callers ----------------------------------------------------------------------------------


@router.get("/callers", response_model=Page[CallerOut])
def list_callers(
    params: ListDep,
    principal: CallersRead,
    session: SessionDep,
    q: str | None = Query(None, max_length=100, description="name part, phone number or its last 4+ digits"),
    district: str | None = Query(None, max_length=64),
) -> dict[str, object]:
    return queries.callers_page(session, q, district, params, principal.pii)


@router.get("/callers/lookup", response_model=list[CallerOut])
def lookup_caller(
    principal: CallersRead, session: SessionDep, phone: str = Query(min_length=3, max_length=32)
) -> list[CallerOut]:
    return queries.lookup_callers(session, principal.actor, phone, principal.pii)


@router.get(
    "/callers/export.csv",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_callers(
    principal: CallersExport,
    session: SessionDep,
    q: str | None = Query(None, max_length=100),
    district: str | None = Query(None, max_length=64),
) -> StreamingResponse:
    return StreamingResponse(
        queries.export_callers(session, principal.actor, q, district, principal.pii),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="callers.csv"'},
    )


@router.post("/callers", response_model=CallerOut, status_code=201)
def create_caller(body: CallerIn, principal: CallersWrite, session: SessionDep) -> CallerOut:
    return caller_out(service.create_caller(session, principal.actor, body), principal.pii)


@router.get("/callers/{caller_id}", response_model=CallerOut)
def get_caller(caller_id: IdPath, principal: CallersRead, session: SessionDep) -> CallerOut:
    return caller_out(queries.read_caller(session, principal.actor, caller_id, principal.pii), principal.pii)


@router.put("/callers/{caller_id}", response_model=CallerOut)
def update_caller(
    caller_id: IdPath, body: CallerPatch, principal: CallersWrite, session: SessionDep
) -> CallerOut:
    return caller_out(service.update_caller(session, principal.actor, caller_id, body), principal.pii)


@router.delete("/callers/{caller_id}", status_code=204)
def delete_caller(caller_id: IdPath, principal: CallersWrite, session: SessionDep) -> Response:
    service.delete_caller(session, principal.actor, caller_id)
    return Response(status_code=204)
