"""The dial plan: which numbers the call center may ring, per role and (for callbacks) per queue.

Toll fraud runs through the carrier trunk: one stolen agent session dialling +882 satellite or
premium-rate numbers, or a caller transferred to `sip:…@any-host`, costs the bureau real money.
So every number an agent dials, consults, transfers a caller to or leaves as a callback number is
first normalised (full-width digits, separators, `+86`/`0086` back to the national form, `+` to
`00`), then classified (emergency, extension, service, local, mobile, national, international,
premium, satellite, invalid) and allowed only if the class is on for the role or the queue
(`DialPlanSettings`). Emergency numbers are always allowed; anything that is not a plain number
(a SIP URI, letters) never is. Decisions carry a reason in English and Chinese; `audit` writes one
row per attempt, allowed or refused, with the number masked as in the logs.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor, record
from hotline.config import DialPlanSettings
from hotline.errors import Forbidden
from hotline.masking import mask_phone
from hotline.people.models import User
from hotline.people.permissions import ROLE_LABELS_ZH

log = logging.getLogger(__name__)


class Category(StrEnum):
    emergency = "emergency"
    extension = "extension"
    service = "service"
    local = "local"
    mobile = "mobile"
    national = "national"
    international = "international"
    premium = "premium"
    satellite = "satellite"
    invalid = "invalid"


CATEGORY_ZH = {
    Category.emergency: "紧急号码",
    Category.extension: "中心分机",
    Category.service: "公共服务号码",
    Category.local: "本地固话",
    Category.mobile: "手机",
    Category.national: "国内长途",
    Category.international: "国际长途",
    Category.premium: "声讯/增值号码",
    Category.satellite: "卫星/国际非地理号码",
    Category.invalid: "非电话号码",
}

_SEPARATORS = re.compile(r"[\s\-().（）]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_NATIONAL = re.compile(r"0[1-9]\d{8,10}")
_LOCAL = re.compile(r"[2-9]\d{6,7}")
_ROLE_ZH = {role.value: zh for role, zh in ROLE_LABELS_ZH.items()}


class NumberRefused(Forbidden):
    code, title, title_zh = "number_refused", "Number not allowed", "号码不允许呼出"


@dataclass(frozen=True)
class Decision:
    """The plan's answer for one number: its normalised form and class, allowed or not, and why."""

    raw: str
    number: str
    category: Category
    allowed: bool
    reason: str
    reason_zh: str

    @property
    def masked(self) -> str:
        if self.raw.lower().startswith(("sip:", "sips:")):
            # Where someone tried to send a caller is evidence; the user part may be a phone number.
            return "sip:***@" + self.raw.rpartition("@")[2][:64]
        return mask_phone(self.number or self.raw) or ""

    def error(self) -> NumberRefused:
        return NumberRefused(
            f"{self.masked} may not be called: {self.reason}",
            f"该号码不允许呼出（{self.masked}）：{self.reason_zh}",
            category=self.category.value,
        )


def normalise(raw: str) -> str | None:
    """The digits to dial, national form for China; None for anything that is not a phone number."""
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
    if text.startswith("+"):
        text = "00" + text[1:]
    if not text.isascii() or not text.isdigit():
        return None
    if text.startswith("0086"):
        rest = text[4:].lstrip("0")
        return rest if _MOBILE.fullmatch(rest) else "0" + rest
    if len(text) == 12 and text.startswith("0") and _MOBILE.fullmatch(text[1:]):
        return text[1:]  # a mobile dialled with the old long-distance 0
    return text


def _not_a_number(raw: str) -> Decision:
    return Decision(
        raw, "", Category.invalid, False, "not a phone number", "不是电话号码（不能转接到任意 SIP 地址）"
    )


def dialable(target: str) -> str:
    """The number to ring for a target, or NumberRefused: a SIP URI or any other non-number must
    never reach the engine, which would send the INVITE to whatever host it names."""
    number = normalise(target)
    if number is None:
        raise _not_a_number(target).error()
    return number


class DialPlan:
    def __init__(self, settings: DialPlanSettings) -> None:
        self.settings = settings
        self.emergency = frozenset(settings.emergency_numbers)
        self.extension = re.compile(settings.extension_pattern)
        self.service = re.compile(settings.service_pattern)
        self.premium = [re.compile(p) for p in settings.premium_patterns]
        self.satellite = tuple("00" + code for code in settings.satellite_codes)

    def classify(self, number: str, extensions: frozenset[str] = frozenset()) -> Category:
        """The class of a normalised number; the first rule that matches wins (order matters:
        extensions before premium, satellite before international)."""
        if number in self.emergency:
            return Category.emergency
        if number in extensions or self.extension.fullmatch(number):
            return Category.extension
        if number.startswith(self.satellite):
            return Category.satellite
        if number.startswith("00"):
            return Category.international
        if any(p.fullmatch(number) for p in self.premium):
            return Category.premium
        if self.service.fullmatch(number):
            return Category.service
        if _MOBILE.fullmatch(number):
            return Category.mobile
        if _NATIONAL.fullmatch(number):
            return Category.national
        if _LOCAL.fullmatch(number):
            return Category.local
        return Category.invalid

    def _decide(
        self, raw: str, allowed: set[str], who: tuple[str, str], extensions: frozenset[str]
    ) -> Decision:
        number = normalise(raw)
        if number is None:
            return _not_a_number(raw)
        category = self.classify(number, extensions)
        zh = CATEGORY_ZH[category]
        if category is Category.invalid:
            return Decision(
                raw, number, category, False, "not a number of any known class", "号码格式不在拨号计划内"
            )
        if category is Category.emergency or category.value in allowed:
            return Decision(raw, number, category, True, f"{category.value} allowed", f"{zh}允许呼出")
        reason, reason_zh = f"{category.value} numbers are off for {who[0]}", f"{who[1]}未开通{zh}呼出"
        return Decision(raw, number, category, False, reason, reason_zh)

    def check(
        self, raw: str, role: str, extensions: frozenset[str] = frozenset(), *, extension_only: bool = False
    ) -> Decision:
        """May a user of `role` ring this number (dial, consult, transfer a caller to it)?
        `extension_only`: a transfer to an agent, which must name an extension of the center."""
        who = (f"role {role}", _ROLE_ZH.get(role, role))
        decision = self._decide(raw, set(self.settings.roles.get(role, [])), who, extensions)
        if extension_only and decision.allowed and decision.category is not Category.extension:
            reason, reason_zh = "a transfer to an agent needs an extension of the center", "不是本中心分机"
            return replace(decision, allowed=False, reason=reason, reason_zh=reason_zh)
        return decision

    def check_callback(self, raw: str, queue: str | None) -> Decision:
        """May a callback for a caller waiting in `queue` ring this number (the queue's classes, or
        the default ones)? Emergency numbers are never callback numbers."""
        allowed: set[str] = set(self.settings.callback_queues.get(queue or "", self.settings.callback))
        who = (f"callbacks of queue {queue or '-'}", f"队列 {queue or '-'} 的回拨")
        decision = self._decide(raw, allowed, who, frozenset())
        if decision.allowed and decision.category is Category.emergency:
            reason, reason_zh = "an emergency number is not a callback number", "紧急号码不能作为回拨号码"
            return replace(decision, allowed=False, reason=reason, reason_zh=reason_zh)
        return decision

    def check_flow_numbers(self, numbers: Iterable[str]) -> Decision | None:
        """The first of the numbers an IVR flow would ring (a transfer to an agent or an external
        number, an emergency node's numbers) that the plan refuses for flows; None when all are allowed."""
        for target in numbers:
            decision = self._decide(target, set(self.settings.flows), ("IVR flows", "IVR 流程"), frozenset())
            if not decision.allowed:
                return decision
        return None


def center_extensions(session: Session) -> frozenset[str]:
    """The extensions of the center's users (agents' and supervisors' phones)."""
    rows = session.scalars(select(User.extension).where(User.extension.is_not(None)))
    return frozenset(str(ext) for ext in rows)


def audit_entry(action: str, decision: Decision, **data: Any) -> tuple[str, dict[str, Any]]:
    """The audit action and plain `after` of an attempt to ring a number (see `audit`)."""
    verb = action if decision.allowed else f"{action}_refused"
    after = {"number": decision.masked, "category": decision.category.value, "reason": decision.reason}
    return verb, after | data


def audit(
    session: Session, actor: Actor, action: str, decision: Decision, call_id: str | None = None, **data: Any
) -> None:
    """One audit row for an attempt to ring a number: `action` (dial, consult, transfer, callback)
    when allowed, `action_refused` when not; the number masked as in the logs."""
    verb, after = audit_entry(action, decision, **data)
    record(session, actor, verb, "call", call_id, None, after)
    if not decision.allowed:
        log.warning(
            "dial plan refused %s to %s for %s: %s", action, decision.masked, actor.name, decision.reason
        )
