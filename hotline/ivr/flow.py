"""IVR flow definitions: the JSON shape of each node type, and validation.

A flow is `{"start": "<node id>", "nodes": {"<id>": {"type": ..., ...}}}`. Node types: play, menu,
collect, branch, set, enqueue, transfer, voicemail, survey, emergency, hangup. Validation parses
every node, checks that every reference points at a node, that the start exists, and reports
unreachable nodes; warnings name elderly-unfriendly menus (no "0 for a person", long menus).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, TypeAdapter, ValidationError

from hotline.errors import Invalid
from hotline.media.prompts import PROMPT_NAME, PROMPT_NAME_RULE_ZH

# A prompt names a file in the prompts folder: the strict name rule keeps a flow from reaching any
# other file (a call recording played to callers, TTS written outside the folder).
PromptName = Annotated[str, StringConstraints(pattern=f"^{PROMPT_NAME.pattern}$")]


class _Node(BaseModel):
    model_config = ConfigDict(extra="forbid")
    label: str | None = None  # shown in the editor


class Play(_Node):
    type: Literal["play"]
    prompt: PromptName  # prompt file name (prompts folder) ...
    text: str = ""  # ... and its words (simulator, text-to-speech)
    next: str


class Menu(_Node):
    type: Literal["menu"]
    prompt: PromptName
    text: str = ""
    options: dict[str, str]  # DTMF key -> node
    repeat_key: str | None = "9"
    timeout: float = Field(8.0, gt=0, le=60)
    retries: int = Field(2, ge=0, le=5)
    no_input: str  # where silence goes (a person, for the elderly)
    invalid: str | None = None  # default: repeat the menu


class Collect(_Node):
    type: Literal["collect"]
    prompt: PromptName
    text: str = ""
    variable: str
    min_digits: int = Field(1, ge=1, le=32)
    max_digits: int = Field(32, ge=1, le=32)
    terminator: str = "#"
    timeout: float = Field(10.0, gt=0, le=60)
    next: str
    no_input: str


class Branch(_Node):
    type: Literal["branch"]
    # business_hours: cases open/closed; holiday: holiday/workday; care_profile: care/none (and
    # "level>=N" keys); open_work_orders: yes/no; queue_load: busy/normal; variable: its values.
    on: Literal["business_hours", "holiday", "care_profile", "open_work_orders", "queue_load", "variable"]
    hours: str | None = None
    queue: str | None = None
    threshold: int = 10
    variable: str | None = None
    cases: dict[str, str]
    default: str


class SetVar(_Node):
    type: Literal["set"]
    variable: str
    value: str
    next: str


class Enqueue(_Node):
    type: Literal["enqueue"]
    queue: str
    priority: int | None = None  # None: from the caller (care profile, VIP, repeat)
    prompt: PromptName | None = None
    text: str = ""


class Transfer(_Node):
    type: Literal["transfer"]
    target_kind: Literal["agent", "queue", "external"]
    target: str
    prompt: PromptName | None = None
    text: str = ""


class Voicemail(_Node):
    type: Literal["voicemail"]
    prompt: PromptName
    text: str = ""
    max_seconds: int = Field(120, ge=5, le=600)


class Survey(_Node):
    type: Literal["survey"]
    survey: str


class Emergency(_Node):
    type: Literal["emergency"]
    prompt: PromptName | None = None
    text: str = ""
    numbers: list[str] = Field(default_factory=lambda: ["120"])
    contacts: bool = True  # also ring the caller's emergency contacts
    queue: str | None = None  # hotline agents who may join (three-way)


class Hangup(_Node):
    type: Literal["hangup"]
    prompt: PromptName | None = None
    text: str = ""


Node = Annotated[
    Play | Menu | Collect | Branch | SetVar | Enqueue | Transfer | Voicemail | Survey | Emergency | Hangup,
    Field(discriminator="type"),
]
NODE_TYPES = ["play", "menu", "collect", "branch", "set", "enqueue", "transfer"]
NODE_TYPES += ["voicemail", "survey", "emergency", "hangup"]
TERMINAL = {"enqueue", "transfer", "voicemail", "survey", "emergency", "hangup"}


class Position(BaseModel):
    model_config = ConfigDict(extra="forbid")
    x: float = Field(ge=-1e6, le=1e6)
    y: float = Field(ge=-1e6, le=1e6)


class Flow(BaseModel):
    model_config = ConfigDict(extra="forbid")
    start: str
    nodes: dict[str, Node]
    variables: dict[str, str] = Field(default_factory=dict)
    # Where the console's graphical editor drew each node; calls never look at it.
    layout: dict[str, Position] = Field(default_factory=dict)


_FLOW = TypeAdapter(Flow)


def references(node: Any) -> list[str]:
    """Ids of the nodes a node can go to next."""
    out: list[str] = []
    for attr in ("next", "no_input", "invalid", "default"):
        value = getattr(node, attr, None)
        if value:
            out.append(value)
    for attr in ("options", "cases"):
        out.extend(getattr(node, attr, {}).values())
    return out


def rung_numbers(flow: Flow) -> list[str]:
    """The numbers a flow may ring for any caller: transfers to an agent or an external number, and
    every emergency node's numbers (the dial plan checks them before the flow is published)."""
    numbers: list[str] = []
    for node in flow.nodes.values():
        if isinstance(node, Transfer) and node.target_kind != "queue":
            numbers.append(node.target)
        elif isinstance(node, Emergency):
            numbers.extend(node.numbers)
    return numbers


def parse(definition: dict[str, Any]) -> Flow:
    try:
        return _FLOW.validate_python(definition)
    except ValidationError as exc:
        errors = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:10])
        zh = errors
        if any(e["loc"] and e["loc"][-1] == "prompt" for e in exc.errors()):
            zh += f"（语音提示名称须为{PROMPT_NAME_RULE_ZH}）"
        raise Invalid(f"the flow is not valid: {errors}", f"流程定义无效：{zh}") from exc


Message = tuple[str, str]  # (English, Chinese)


def check(definition: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(errors, warnings) of a flow definition; errors block publishing."""
    errors, warnings = check_messages(definition)
    return [e for e, _ in errors], [w for w, _ in warnings]


def check_messages(definition: dict[str, Any]) -> tuple[list[Message], list[Message]]:
    """The problems of `check` with each message in English and Chinese (the editor shows the latter)."""
    try:
        flow = parse(definition)
    except Invalid as exc:
        return [(exc.detail, exc.detail_zh)], []
    errors: list[Message] = []
    warnings: list[Message] = []
    if flow.start not in flow.nodes:
        errors.append((f"start node {flow.start!r} does not exist", f"起始节点“{flow.start}”不存在"))
    for node_id, node in flow.nodes.items():
        for ref in references(node):
            if ref not in flow.nodes:
                errors.append(
                    (
                        f"node {node_id!r} points to missing node {ref!r}",
                        f"节点“{node_id}”指向不存在的节点“{ref}”",
                    )
                )
        if isinstance(node, Menu):
            bad = [k for k in node.options if k not in "0123456789*#" or len(k) != 1]
            if bad:
                errors.append(
                    (
                        f"menu {node_id!r} has keys that are not one DTMF digit: {bad}",
                        f"菜单“{node_id}”的按键须为单个 0-9、* 或 #：{'、'.join(bad)}",
                    )
                )
            if node.repeat_key and node.repeat_key in node.options:
                errors.append(
                    (
                        f"menu {node_id!r} uses its repeat key {node.repeat_key} as an option",
                        f"菜单“{node_id}”的重听键 {node.repeat_key} 不能再作为选项",
                    )
                )
            if "0" not in node.options:
                warnings.append(
                    (f"menu {node_id!r} has no '0 for a person'", f"菜单“{node_id}”没有“按 0 转人工”")
                )
            if len(node.options) > 5:
                warnings.append(
                    (
                        f"menu {node_id!r} has {len(node.options)} options; elderly callers need <= 5",
                        f"菜单“{node_id}”有 {len(node.options)} 个选项，老年来电人最多适合 5 个",
                    )
                )
        if isinstance(node, Collect) and node.min_digits > node.max_digits:
            errors.append(
                (f"collect {node_id!r}: min_digits > max_digits", f"收号“{node_id}”：最少位数大于最多位数")
            )
        if isinstance(node, Branch) and node.on == "queue_load" and not node.queue:
            errors.append(
                (
                    f"branch {node_id!r} on queue_load needs a queue",
                    f"条件分支“{node_id}”按队列负载判断，须指定队列",
                )
            )
        if isinstance(node, Branch) and node.on == "variable" and not node.variable:
            errors.append(
                (
                    f"branch {node_id!r} on variable needs a variable",
                    f"条件分支“{node_id}”按变量判断，须指定变量",
                )
            )
    if not errors:
        seen, todo = set(), [flow.start]
        while todo:
            nid = todo.pop()
            if nid in seen:
                continue
            seen.add(nid)
            todo.extend(references(flow.nodes[nid]))
        unreachable = sorted(set(flow.nodes) - seen)
        if unreachable:
            warnings.append(
                (
                    f"unreachable nodes: {', '.join(unreachable)}",
                    f"以下节点无法到达：{'、'.join(unreachable)}",
                )
            )
    return errors, warnings


def validate(definition: dict[str, Any]) -> Flow:
    parse(definition)  # shape errors first, with their own Chinese explanation (e.g. prompt names)
    errors, _ = check(definition)
    if errors:
        raise Invalid("the flow is not valid: " + "; ".join(errors), "流程定义无效：" + "；".join(errors))
    return parse(definition)
