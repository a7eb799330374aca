"""API shapes for people. Output builders apply masking for readers without `pii.read`."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from hotline.masking import mask_address, mask_id_number, mask_phone, mask_text
from hotline.people.models import Caller, Department, User
from hotline.people.permissions import Role
from hotline.schemas import DbId, Out, StrictIn

PhoneStr = Field(min_length=3, max_length=32, pattern=r"^\+?[\d\- ]{3,32}$")


class DepartmentIn(StrictIn):
    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_\-]+$")
    name: str = Field(min_length=1, max_length=100)
    parent_id: DbId | None = None
    contact_phone: str | None = Field(default=None, max_length=32)
    active: bool = True


class DepartmentPatch(StrictIn):
    name: str | None = Field(default=None, min_length=1, max_length=100)
    parent_id: DbId | None = None
    contact_phone: str | None = Field(default=None, max_length=32)
    active: bool | None = None
    version: int


class DepartmentOut(Out):
    id: int
    code: str
    name: str
    parent_id: DbId | None
    contact_phone: str | None
    active: bool
    version: int


class UserIn(StrictIn):
    username: str = Field(min_length=2, max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")
    display_name: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=8, max_length=128)
    role: Role
    department_id: DbId | None = None
    extension: str | None = Field(default=None, pattern=r"^\d{2,8}$")
    sip_password: str | None = Field(default=None, min_length=6, max_length=64)
    agent_number: str | None = Field(default=None, pattern=r"^\d{1,8}$", description="工号")
    mobile: str | None = Field(default=None, pattern=r"^\+?\d{3,20}$", description="远程值守手机")


class UserPatch(StrictIn):
    display_name: str | None = Field(default=None, min_length=1, max_length=100)
    role: Role | None = None
    department_id: DbId | None = None
    extension: str | None = Field(default=None, pattern=r"^\d{2,8}$")
    sip_password: str | None = Field(default=None, min_length=6, max_length=64)
    agent_number: str | None = Field(default=None, pattern=r"^\d{1,8}$", description="工号")
    mobile: str | None = Field(default=None, pattern=r"^\+?\d{3,20}$", description="远程值守手机")
    active: bool | None = None
    version: int


class PasswordIn(StrictIn):
    password: str = Field(min_length=8, max_length=128)


class UserOut(Out):
    id: int
    username: str
    display_name: str
    role: str
    department_id: int | None
    extension: str | None
    agent_number: str | None = None
    mobile: str | None = None
    active: bool
    must_change_password: bool = False
    created_at: datetime
    version: int


class PhoneIn(StrictIn):
    number: str = PhoneStr
    label: str | None = Field(default=None, max_length=32)


class CareProfileIn(StrictIn):
    living_alone: bool = False
    age: int | None = Field(default=None, ge=0, le=130)
    disability_level: str | None = Field(default=None, max_length=32)
    assistance_status: str | None = Field(default=None, max_length=64)
    health_notes: str | None = Field(default=None, max_length=2000)
    priority_level: int = Field(default=1, ge=0, le=3)


class EmergencyContactIn(StrictIn):
    name: str = Field(min_length=1, max_length=100)
    relation: str | None = Field(default=None, max_length=32)
    phone: str = PhoneStr


class CallerIn(StrictIn):
    name: str = Field(min_length=1, max_length=100)
    id_number: str | None = Field(default=None, pattern=r"^\d{17}[\dXx]$")
    gender: str | None = Field(default=None, max_length=8)
    address: str | None = Field(default=None, max_length=255)
    district: str | None = Field(default=None, max_length=64)
    notes: str | None = Field(default=None, max_length=4000)
    phones: list[PhoneIn] = Field(default_factory=list, max_length=10)
    care_profile: CareProfileIn | None = None
    emergency_contacts: list[EmergencyContactIn] = Field(default_factory=list, max_length=10)


class CallerPatch(CallerIn):
    """A full replacement of the caller's fields, guarded by the version the client read."""

    version: int


class PhoneOut(Out):
    number: str
    label: str | None


class CareProfileOut(Out):
    living_alone: bool
    age: int | None
    disability_level: str | None
    assistance_status: str | None
    health_notes: str | None
    priority_level: int


class EmergencyContactOut(Out):
    name: str
    relation: str | None
    phone: str


class CallerOut(Out):
    id: int
    name: str
    id_number: str | None
    gender: str | None
    address: str | None
    district: str | None
    notes: str | None
    phones: list[PhoneOut]
    care_profile: CareProfileOut | None
    emergency_contacts: list[EmergencyContactOut]
    created_at: datetime
    updated_at: datetime
    version: int
    masked: bool = False


def caller_out(caller: Caller, pii: bool) -> CallerOut:
    out = CallerOut.model_validate(caller)
    if pii:
        return out
    care = out.care_profile
    return out.model_copy(
        update={
            "id_number": mask_id_number(out.id_number),
            "address": mask_address(out.address),
            "notes": None if out.notes is None else mask_text(out.notes),
            # Health is the most sensitive thing we hold: without `pii.read` it is not shown at all.
            "care_profile": None if care is None else care.model_copy(update={"health_notes": None}),
            "phones": [p.model_copy(update={"number": mask_phone(p.number)}) for p in out.phones],
            "emergency_contacts": [
                c.model_copy(update={"phone": mask_phone(c.phone)}) for c in out.emergency_contacts
            ],
            "masked": True,
        }
    )


def department_out(d: Department) -> DepartmentOut:
    return DepartmentOut.model_validate(d)


def user_out(u: User) -> UserOut:
    out = UserOut.model_validate(u)
    out.mobile = mask_phone(u.mobile)  # staff's own number: shown masked in every list
    return out
