"""The IVR interpreter: walks a flow as a generator of instructions, the same for phone and text.

`run(flow, env)` yields `PlayPrompt` and `CollectDigits` instructions and receives the digits the
caller pressed ("" for silence); it returns an `Outcome` (enqueue, transfer, voicemail, survey,
emergency, hang up) with the variables set and the path taken. The call center drives it with the
telephony engine's play/collect; the simulator drives it with a list of digits. No I/O here.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hotline.acd.hours import is_holiday
from hotline.acd.priority import caller_priority
from hotline.ivr.flow import (
    Branch,
    Collect,
    Emergency,
    Enqueue,
    Flow,
    Hangup,
    Menu,
    Play,
    SetVar,
    Survey,
    Transfer,
    Voicemail,
)

MAX_STEPS = 200  # a flow that loops forever hangs up instead of spinning


@dataclass(frozen=True)
class PlayPrompt:
    prompt: str
    text: str


@dataclass(frozen=True)
class CollectDigits:
    prompt: str
    text: str
    min_digits: int = 1
    max_digits: int = 1
    timeout: float = 8.0
    terminator: str = "#"


Instruction = PlayPrompt | CollectDigits


@dataclass
class CallerFacts:
    """What the IVR may know about the caller (from the people directory, looked up once)."""

    number: str
    caller_id: int | None = None
    name: str | None = None
    care_level: int | None = None  # None: no care profile
    vip: bool = False
    repeat: bool = False  # called within the repeat window
    emergency_contacts: list[str] = field(default_factory=list)


@dataclass
class Environment:
    caller: CallerFacts
    now: datetime
    is_open: Callable[[str | None, datetime], bool] = lambda hours, at: True
    queue_load: Callable[[str], int] = lambda queue: 0
    open_work_orders: Callable[[CallerFacts], int] = lambda caller: 0


@dataclass
class Outcome:
    kind: str  # enqueue | transfer | voicemail | survey | emergency | hangup
    node: str
    target: str | None = None
    target_kind: str | None = None
    priority: int = 0
    numbers: list[str] = field(default_factory=list)
    variables: dict[str, str] = field(default_factory=dict)
    path: list[dict[str, Any]] = field(default_factory=list)
    reason: str | None = None


Run = Generator[Instruction, str | None, Outcome]


def _branch_key(node: Branch, env: Environment, variables: dict[str, str]) -> str:
    caller = env.caller
    if node.on == "business_hours":
        return "open" if env.is_open(node.hours, env.now) else "closed"
    if node.on == "holiday":
        return "holiday" if is_holiday(env.now.date()) else "workday"
    if node.on == "care_profile":
        if caller.care_level is None:
            return "none"
        for key in sorted((k for k in node.cases if k.startswith("level>=")), reverse=True):
            if caller.care_level >= int(key.removeprefix("level>=")):
                return key
        return "care"
    if node.on == "open_work_orders":
        return "yes" if env.open_work_orders(caller) > 0 else "no"
    if node.on == "queue_load":
        return "busy" if env.queue_load(node.queue or "") >= node.threshold else "normal"
    return variables.get(node.variable or "", "")


def _priority(env: Environment) -> int:
    c = env.caller
    return caller_priority(c.care_level or 0, vip=c.vip, repeat=c.repeat)


def run(
    flow: Flow, env: Environment, start: str | None = None, path: list[dict[str, Any]] | None = None
) -> Run:
    """Walk `flow` from its start (or from node `start`: an agent's transfer back into the IVR).

    Each step is appended to `path` as it is taken (a fresh list unless given), so a walk cut short
    by the caller hanging up still tells where it got: the generator's return value never comes."""
    variables = dict(flow.variables)
    path = [] if path is None else path
    node_id = start if start in flow.nodes else flow.start

    def done(kind: str, **kw: Any) -> Outcome:
        return Outcome(kind, node_id, variables=variables, path=path, **kw)

    for _ in range(MAX_STEPS):
        node = flow.nodes[node_id]
        step: dict[str, Any] = {"node": node_id, "type": node.type}
        path.append(step)
        if isinstance(node, Play):
            yield PlayPrompt(node.prompt, node.text)
            node_id = node.next
        elif isinstance(node, Menu):
            misses = 0
            pressed: list[str] = []
            target: str | None = None
            while target is None:
                digits = (yield CollectDigits(node.prompt, node.text, 1, 1, node.timeout, "")) or ""
                pressed.append(digits)
                if digits and digits == node.repeat_key:
                    continue
                if digits in node.options:
                    target = node.options[digits]
                elif digits and node.invalid:
                    target = node.invalid
                else:
                    misses += 1
                    if misses > node.retries:
                        target = node.no_input
            step["digits"] = pressed
            node_id = target
        elif isinstance(node, Collect):
            prompt = CollectDigits(
                node.prompt, node.text, node.min_digits, node.max_digits, node.timeout, node.terminator
            )
            raw = (yield prompt) or ""
            digits = raw.split(node.terminator)[0] if node.terminator else raw
            step["digits"] = digits
            if len(digits) < node.min_digits:
                node_id = node.no_input
            else:
                variables[node.variable] = digits[: node.max_digits]
                node_id = node.next
        elif isinstance(node, Branch):
            key = _branch_key(node, env, variables)
            step["value"] = key
            node_id = node.cases.get(key, node.default)
        elif isinstance(node, SetVar):
            variables[node.variable] = node.value
            node_id = node.next
        elif isinstance(node, Enqueue):
            if node.prompt:
                yield PlayPrompt(node.prompt, node.text)
            prio = node.priority if node.priority is not None else _priority(env)
            return done("enqueue", target=node.queue, priority=prio)
        elif isinstance(node, Transfer):
            if node.prompt:
                yield PlayPrompt(node.prompt, node.text)
            return done("transfer", target=node.target, target_kind=node.target_kind, priority=_priority(env))
        elif isinstance(node, Voicemail):
            yield PlayPrompt(node.prompt, node.text)
            return done("voicemail")
        elif isinstance(node, Survey):
            return done("survey", target=node.survey)
        elif isinstance(node, Emergency):
            if node.prompt:
                yield PlayPrompt(node.prompt, node.text)
            numbers = list(node.numbers) + (env.caller.emergency_contacts if node.contacts else [])
            return done("emergency", target=node.queue, numbers=numbers, priority=100)
        elif isinstance(node, Hangup):
            if node.prompt:
                yield PlayPrompt(node.prompt, node.text)
            return done("hangup")
    return done("hangup", reason="loop")
