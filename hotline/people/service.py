"""Service functions for people: every write checks its input, audits, and stays in one transaction."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload, selectinload

from hotline.audit.service import Actor, record, snapshot
from hotline.audit.writes import audited_update
from hotline.bus import publish_on_commit
from hotline.config import get_settings
from hotline.errors import Conflict, NotFound
from hotline.people import credentials
from hotline.people.models import (
    Caller,
    CallerPhone,
    CareProfile,
    Department,
    EmergencyContact,
    User,
)
from hotline.people.passwords import hash_password, sip_ha1
from hotline.people.phones import normalize_phone
from hotline.people.schemas import CallerIn, CallerPatch, DepartmentIn, DepartmentPatch, UserIn, UserPatch
from hotline.people.topics import SipCredentialsChanged
from hotline.store.base import utcnow


def _flush_unique(session: Session, what: str) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        raise Conflict(f"{what} already exists", f"{what} 已存在") from exc


# --- departments -------------------------------------------------------------------------------


def get_department(session: Session, department_id: int) -> Department:
    dep = session.get(Department, department_id)
    if dep is None:
        raise NotFound(f"department {department_id} not found", f"承办单位 {department_id} 不存在")
    return dep


def create_department(session: Session, actor: Actor, data: DepartmentIn) -> Department:
    if data.parent_id is not None:
        get_department(session, data.parent_id)
    dep = Department(**data.model_dump())
    session.add(dep)
    _flush_unique(session, f"department code {data.code}")
    record(session, actor, "create", "department", dep.id, None, snapshot(dep))
    return dep


def update_department(
    session: Session, actor: Actor, department_id: int, data: DepartmentPatch
) -> Department:
    dep = get_department(session, department_id)
    with audited_update(session, actor, dep, data.version, "department", "department") as edit:
        edit.apply(data.model_dump(exclude={"version"}, exclude_unset=True))
    return dep


# --- users ------------------------------------------------------------------------------------


def get_user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found", f"用户 {user_id} 不存在")
    return user


def users_with_extensions(session: Session) -> list[User]:
    """Every user with a phone extension, by extension."""
    return list(session.scalars(select(User).where(User.extension.is_not(None)).order_by(User.extension)))


def user_by_username(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username))


def _sip_credentials_changed(session: Session, *extensions: str | None) -> None:
    """Once committed, tell the telephony engine's credential cache which extensions to re-read
    (a changed SIP password must count from the phone's next REGISTER)."""
    names = sorted({e for e in extensions if e})
    if names:
        publish_on_commit(session, SipCredentialsChanged(extensions=names))


def create_user(session: Session, actor: Actor, data: UserIn, must_change_password: bool = False) -> User:
    if data.department_id is not None:
        get_department(session, data.department_id)
    user = User(
        username=data.username,
        display_name=data.display_name,
        password_hash=hash_password(data.password),
        role=data.role.value,
        department_id=data.department_id,
        extension=data.extension,
        agent_number=data.agent_number,
        mobile=data.mobile,
        must_change_password=must_change_password,
    )
    if data.extension and data.sip_password:
        user.sip_ha1 = sip_ha1(data.extension, get_settings().sip.realm, data.sip_password)
    session.add(user)
    _flush_unique(
        session, f"user {data.username}, extension {data.extension} or agent number {data.agent_number}"
    )
    record(session, actor, "create", "user", user.id, None, snapshot(user))
    _sip_credentials_changed(session, user.extension)
    return user


def update_user(session: Session, actor: Actor, user_id: int, data: UserPatch) -> User:
    user = get_user(session, user_id)
    old_sip = (user.extension, user.sip_ha1, user.active)
    flush = lambda: _flush_unique(session, f"extension {user.extension} or agent number {user.agent_number}")  # noqa: E731
    with audited_update(session, actor, user, data.version, "user", "user", flush=flush) as edit:
        changes = data.model_dump(exclude={"version", "sip_password"}, exclude_unset=True)
        if "department_id" in changes and changes["department_id"] is not None:
            get_department(session, changes["department_id"])
        was_active = user.active
        edit.apply(changes)
        if was_active and not user.active:
            credentials.deactivated(session, user)
        if data.sip_password:
            if not user.extension:
                raise Conflict("set an extension before a SIP password", "请先设置分机号再设置话机密码")
            user.sip_ha1 = sip_ha1(user.extension, get_settings().sip.realm, data.sip_password)
    if (user.extension, user.sip_ha1, user.active) != old_sip:
        _sip_credentials_changed(session, old_sip[0], user.extension)
    return user


def set_password(
    session: Session, actor: Actor, user_id: int, password: str, must_change: bool = False
) -> User:
    """Set a user's password for them; their sessions and API tokens end (see credentials)."""
    user = get_user(session, user_id)
    credentials.reset_password(session, actor, user, password, must_change)
    return user


# --- callers ----------------------------------------------------------------------------------


def caller_query() -> Select[Caller]:
    """Callers with what a caller's view shows: the care profile (one at most) in the same query,
    the phones and contacts in one more query each, for a page as for one caller."""
    return select(Caller).options(
        selectinload(Caller.phones),
        joinedload(Caller.care_profile),
        selectinload(Caller.emergency_contacts),
    )


def get_caller(session: Session, caller_id: int) -> Caller:
    caller = session.scalar(caller_query().where(Caller.id == caller_id))
    if caller is None:
        raise NotFound(f"caller {caller_id} not found", f"来电人 {caller_id} 不存在")
    return caller


def caller_snapshot(caller: Caller) -> dict[str, object]:
    snap = snapshot(caller)
    snap["phones"] = [p.number for p in caller.phones]
    snap["care_profile"] = snapshot(caller.care_profile) if caller.care_profile else None
    snap["emergency_contacts"] = [snapshot(c) for c in caller.emergency_contacts]
    return snap


def _apply_caller(caller: Caller, data: CallerIn) -> None:
    caller.name = data.name
    caller.id_number = data.id_number.upper() if data.id_number else None
    caller.gender = data.gender
    caller.address = data.address
    caller.district = data.district
    caller.notes = data.notes
    caller.phones = [CallerPhone(number=normalize_phone(p.number), label=p.label) for p in data.phones]
    if data.care_profile is None:
        caller.care_profile = None
    elif caller.care_profile is None:
        caller.care_profile = CareProfile(**data.care_profile.model_dump())
    else:
        for key, value in data.care_profile.model_dump().items():
            setattr(caller.care_profile, key, value)
    caller.emergency_contacts = [
        EmergencyContact(name=c.name, relation=c.relation, phone=normalize_phone(c.phone), position=i)
        for i, c in enumerate(data.emergency_contacts)
    ]


def create_caller(session: Session, actor: Actor, data: CallerIn) -> Caller:
    caller = Caller()
    _apply_caller(caller, data)
    session.add(caller)
    session.flush()
    record(session, actor, "create", "caller", caller.id, None, caller_snapshot(caller))
    return caller


def update_caller(session: Session, actor: Actor, caller_id: int, data: CallerPatch) -> Caller:
    caller = get_caller(session, caller_id)
    with audited_update(session, actor, caller, data.version, "caller", "caller", snap=caller_snapshot):
        _apply_caller(caller, data)
        # Child rows changing alone would not touch the callers row (and its version): touch it.
        caller.updated_at = utcnow()
    return caller


def delete_caller(session: Session, actor: Actor, caller_id: int) -> None:
    caller = get_caller(session, caller_id)
    record(session, actor, "delete", "caller", caller.id, caller_snapshot(caller), None)
    session.delete(caller)
    session.flush()


def caller_numbers(session: Session, caller_id: int) -> list[str]:
    """A caller's phone numbers; an unknown caller is a 404 (in Chinese too)."""
    return [p.number for p in get_caller(session, caller_id).phones]


def caller_identity(session: Session, caller_id: int) -> tuple[str, list[str]]:
    """A caller's name and phone numbers (for indexing the work orders they are on)."""
    name = session.scalar(select(Caller.name).where(Caller.id == caller_id)) or ""
    phones = session.scalars(
        select(CallerPhone.number).where(CallerPhone.caller_id == caller_id).order_by(CallerPhone.id)
    )
    return name, list(phones)


def caller_ids_by_phone(session: Session, number: str) -> list[int]:
    """Ids of the callers using this number: one B-tree index probe, for routing decisions."""
    normalized = normalize_phone(number)
    if not normalized:
        return []
    stmt = (
        select(CallerPhone.caller_id).where(CallerPhone.number == normalized).order_by(CallerPhone.caller_id)
    )
    return list(session.scalars(stmt))


def lookup_by_phone(session: Session, number: str) -> list[Caller]:
    """Callers who use this number (usually one; a shared landline may give several), with
    phones, care profile and emergency contacts loaded for the screen pop."""
    ids = caller_ids_by_phone(session, number)
    if not ids:
        return []
    return list(session.scalars(caller_query().where(Caller.id.in_(ids)).order_by(Caller.id)))
