"""API shapes for work orders, and the one place that decides what a reader may see of the caller:
masked contact data without `pii.read`, and no caller identity at all for a department reading a
confidential order."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import Field

from hotline.masking import mask_address, mask_phone, mask_text
from hotline.schemas import Out, StrictIn
from hotline.workorders.models import WorkOrder
from hotline.workorders.service import Who


class WorkOrderIn(StrictIn):
    type: str = Field(max_length=16)
    title: str = Field(min_length=1, max_length=200)
    content: str = Field(min_length=1, max_length=20_000)
    urgency: str = Field("normal", max_length=16)
    channel: str = Field("phone", max_length=16)
    category_id: int | None = Field(None, ge=1, le=2**31 - 1)
    caller_id: int | None = Field(None, ge=1, le=2**31 - 1)
    contact_name: str | None = Field(None, max_length=100)
    contact_phone: str | None = Field(None, max_length=32)
    district: str | None = Field(None, max_length=64)
    location: str | None = Field(None, max_length=255)
    confidential: bool = False
    call_ids: list[str] = Field(default_factory=list, max_length=20)
    recording_ids: list[str] = Field(default_factory=list, max_length=20)
    attachments: list[str] = Field(default_factory=list, max_length=20)
    accept: bool = True


class WorkOrderPatch(StrictIn):
    version: int = Field(ge=1)
    title: str | None = Field(None, min_length=1, max_length=200)
    content: str | None = Field(None, min_length=1, max_length=20_000)
    type: str | None = Field(None, max_length=16)
    urgency: str | None = Field(None, max_length=16)
    category_id: int | None = Field(None, ge=1, le=2**31 - 1)
    district: str | None = Field(None, max_length=64)
    location: str | None = Field(None, max_length=255)
    confidential: bool | None = None


class ActionIn(StrictIn):
    """Body of every action; `version` is the optimistic lock (stale -> 409)."""

    version: int = Field(ge=1)
    note: str | None = Field(None, max_length=5000)
    department_id: int | None = Field(None, ge=1, le=2**31 - 1)
    days: int | None = Field(None, ge=1, le=30)
    into_id: int | None = Field(None, ge=1, le=2**31 - 1)
    into_number: str | None = Field(
        None, max_length=20, description="merge target by number, e.g. GD20261128-0001"
    )


class ReturnVisitIn(StrictIn):
    version: int = Field(ge=1)
    satisfaction: str = Field(max_length=32)
    method: str = Field("phone", max_length=16)
    note: str | None = Field(None, max_length=5000)
    call_id: str | None = Field(None, max_length=64)


class BulkItem(StrictIn):
    id: int = Field(ge=1, le=2**31 - 1)
    version: int = Field(ge=1)


class BulkDispatchIn(StrictIn):
    department_id: int = Field(ge=1, le=2**31 - 1)
    items: list[BulkItem] = Field(min_length=1, max_length=500)
    note: str | None = Field(None, max_length=5000)


class LinkIn(StrictIn):
    kind: str = Field(max_length=16)
    ref: str = Field(min_length=1, max_length=255)
    label: str | None = Field(None, max_length=255)


class SuggestIn(StrictIn):
    text: str = Field(min_length=1, max_length=20_000)
    caller_id: int | None = Field(None, ge=1, le=2**31 - 1)
    contact_phone: str | None = Field(None, max_length=32)


class SavedViewIn(StrictIn):
    name: str = Field(min_length=1, max_length=100)
    filters: dict[str, Any]


class CategoryIn(StrictIn):
    code: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=100)
    parent_id: int | None = Field(None, ge=1, le=2**31 - 1)
    default_department_id: int | None = Field(None, ge=1, le=2**31 - 1)


class PolicyIn(StrictIn):
    type: str = Field(max_length=16)
    urgency: str = Field("*", max_length=16)
    receive_days: int = Field(ge=0, le=60)
    reply_days: int = Field(ge=0, le=60)
    close_days: int = Field(ge=0, le=90)


class CalendarOverrideIn(StrictIn):
    day: date
    workday: bool
    note: str | None = Field(None, max_length=100)


class WorkOrderOut(Out):
    id: int
    number: str
    type: str
    state: str
    urgency: str
    channel: str
    category_id: int | None
    caller_id: int | None
    contact_name: str | None
    contact_phone: str | None
    contact_address: str | None = None
    title: str
    content: str
    district: str | None
    location: str | None
    confidential: bool
    department_id: int | None
    first_contact_owner_id: int | None
    merged_into_id: int | None
    duplicate_of_id: int | None
    resolution: str | None
    reply: str | None
    return_reason: str | None
    satisfaction: str | None
    receive_due_at: datetime | None
    reply_due_at: datetime | None
    close_due_at: datetime | None
    due_at: datetime | None
    alert_level: int
    supervised: bool
    extension_pending: bool
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    version: int


class EventOut(Out):
    id: int
    at: datetime
    actor: str
    action: str
    from_state: str | None
    to_state: str | None
    department_id: int | None
    note: str | None


class LinkOut(Out):
    id: int
    kind: str
    ref: str
    label: str | None


class WorkOrderDetail(WorkOrderOut):
    timeline: list[EventOut]
    links: list[LinkOut]
    allowed_actions: list[str]


def hide_identity(order: WorkOrder, who: Who) -> bool:
    return who.department_only and order.confidential


def masks_text(order: WorkOrder, who: Who) -> bool:
    """Whether this reader gets the order's free text with phone and ID numbers masked."""
    return hide_identity(order, who) or not who.pii


def _masked(text: str | None) -> str | None:
    return None if text is None else mask_text(text)


def order_out(order: WorkOrder, who: Who) -> WorkOrderOut:
    out = WorkOrderOut.model_validate(order)
    if hide_identity(order, who):
        out.caller_id = None
        out.contact_name = None
        out.contact_phone = None
        out.contact_address = None
        out.location = None
    elif not who.pii:
        out.contact_phone = mask_phone(out.contact_phone)
        out.contact_address = mask_address(out.contact_address)
        out.location = mask_address(out.location)
    if masks_text(order, who):
        # Every free-text field, not only the content: a citizen's number typed into the title,
        # or quoted in a resolution or reply, must not reach a reader without the right to it.
        out.title = mask_text(out.title)
        out.content = mask_text(out.content)
        out.resolution = _masked(out.resolution)
        out.reply = _masked(out.reply)
        out.return_reason = _masked(out.return_reason)
    return out


def event_out(event: Any, order: WorkOrder, who: Who) -> EventOut:
    """A timeline entry; its note masked as the order's text is (notes quote callers too)."""
    out = EventOut.model_validate(event)
    if masks_text(order, who):
        out.note = _masked(out.note)
    return out
