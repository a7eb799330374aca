"""Roles and the permissions each one holds: the single table every endpoint is checked against.

Permissions are dotted `domain.action` names. Endpoints declare the one they need; a role holds a
fixed set. `pii.read` unmasks ID numbers, phone numbers and addresses.
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    agent = "agent"
    supervisor = "supervisor"
    qa_inspector = "qa_inspector"
    department_handler = "department_handler"
    analyst = "analyst"
    admin = "admin"


ROLE_LABELS_ZH = {
    Role.agent: "话务员",
    Role.supervisor: "班长座席",
    Role.qa_inspector: "质检员",
    Role.department_handler: "承办单位",
    Role.analyst: "分析员",
    Role.admin: "管理员",
}

PERMISSIONS: dict[str, str] = {
    "pii.read": "see unmasked ID numbers, phone numbers and addresses",
    "audit.read": "read the audit log",
    "users.read": "list users",
    "users.write": "create and change users",
    "departments.read": "list departments",
    "departments.write": "create and change departments",
    "callers.read": "look up callers and their care profiles",
    "callers.write": "create and change callers, care profiles, emergency contacts",
    "callers.export": "export callers",
    "calls.control": "agent call control: login, ready, answer, transfer",
    "calls.read": "read calls, CDRs and queue events",
    "calls.supervise": "listen, whisper, barge, force hang-up, change agent state",
    "recordings.read": "search and play recordings",
    "recordings.admin": "retention and deletion of recordings",
    "ivr.read": "read IVR flows and simulate them",
    "ivr.write": "edit and publish IVR flows",
    "acd.read": "read queues, agents and skills",
    "acd.write": "configure queues, skills, business hours",
    "kpi.read": "read live and historical KPIs",
    "telephony.admin": "configure trunks and extensions, prompts",
    "workorders.read": "read work orders",
    "workorders.write": "create, accept, dispatch, close work orders",
    "workorders.handle": "department: receive, return, reply, request extension",
    "workorders.supervise": "supervise, approve extensions, escalate",
    "workorders.admin": "configure categories, deadlines, channels; retry or release intake and answers",
    "channels.read": "read the intake inbox (raw messages included) and the answers sent back to citizens",
    "knowledge.read": "search and read the knowledge base",
    "knowledge.write": "write and submit articles",
    "knowledge.review": "review, publish and retire articles",
    "surveys.read": "read questionnaires and their results, export them",
    "surveys.write": "design, import, publish and close questionnaires",
    "surveys.run": "issue respondent links and run interviews",
    "quality.read": "read QA scores",
    "quality.write": "score recorded calls",
    "quality.manage": "edit scoring forms and sampling plans, run sampling",
    "quality.own": "see one's own QA scores, acknowledge or appeal them",
    "quality.decide": "decide appeals against QA scores",
    "analytics.read": "read reports (calls, work orders, hotspots) and drill down to their rows",
    "analytics.export": "export reports and rollups (Excel, CSV)",
    "analytics.write": "save ad-hoc reports; merge, rename or dismiss hotspots; report subscriptions",
    "analytics.admin": "rebuild the report rollups",
    "satisfaction.read": "read callers' satisfaction answers, 不满意 flags and rates",
    "satisfaction.configure": "turn the agent-number announcement and the post-call survey on per queue",
    "satisfaction.flag": "handle 不满意 flags",
    "workforce.read": "read one's own schedule, the duty roster and the wallboard's duty panel",
    "workforce.swap": "ask to hand one's own shift to a colleague",
    "workforce.leave": "ask for one's own leave (请假) and call it off",
    "workforce.plan": "staffing plan, shifts, leave, rosters, swap decisions, duty roster, adherence",
    "workforce.handover": "write, acknowledge and complete shift handovers",
    "contingency.read": "see the emergency modes in force and the callback worklist",
    "contingency.callbacks": "work the callback worklist of callback collection",
    "contingency.switch": "switch emergency modes (一键应急) on and off",
    "metrics.read": "read the Prometheus metrics (or scrape from a `metrics_allow` address)",
    "opinion.read": "read opinion sources, items, groups, alerts and incidents",
    "opinion.write": "configure opinion sources and topic rules",
    "opinion.handle": "acknowledge opinion alerts and work opinion incidents",
    "newmedia.read": "read WeChat auto-replies, posts, the content calendar and publications",
    "newmedia.write": "draft posts and submit them for review",
    "newmedia.review": "approve, reject, publish and retire posts",
}

_AGENT = {
    "pii.read",
    "departments.read",
    "callers.read",
    "callers.write",
    "calls.control",
    "calls.read",
    "recordings.read",
    "ivr.read",
    "acd.read",
    "kpi.read",
    "workorders.read",
    "workorders.write",
    "knowledge.read",
    "knowledge.write",
    "quality.own",
    # Agents send a respondent their questionnaire link and run phone interviews.
    "surveys.run",
    "workforce.read",
    "workforce.swap",
    "workforce.leave",
    "contingency.read",
    "contingency.callbacks",
}
_SUPERVISOR = _AGENT | {
    "users.read",
    "callers.export",
    "calls.supervise",
    "ivr.write",
    "acd.write",
    "workorders.supervise",
    "knowledge.review",
    "quality.read",
    "quality.decide",
    "surveys.read",
    "surveys.write",
    "satisfaction.read",
    "satisfaction.configure",
    "satisfaction.flag",
    # What citizens sent and what went back to them: the shift lead watches both (retry and
    # release stay with `workorders.admin`, which changes what becomes an order).
    "channels.read",
    # The shift lead is on duty when an opinion alert rises and works the incident.
    "opinion.read",
    "opinion.handle",
    # 新媒体: the shift lead sees what the official account answered and reviews posts.
    "newmedia.read",
    "newmedia.write",
    "newmedia.review",
    "analytics.read",
    "analytics.export",
    # 排班/值班: the shift lead plans the roster, keeps the duty roster and signs handovers.
    "workforce.plan",
    "workforce.handover",
    "contingency.switch",
}
ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    Role.agent: frozenset(_AGENT),
    Role.supervisor: frozenset(_SUPERVISOR),
    Role.qa_inspector: frozenset(
        {"calls.read", "recordings.read", "kpi.read", "workorders.read", "knowledge.read"}
        | {"quality.read", "quality.write", "quality.manage", "callers.read", "departments.read"}
        | {"satisfaction.read"}
    ),
    # Departments see only their own orders and never unmasked personal data by default.
    Role.department_handler: frozenset({"workorders.handle", "knowledge.read", "departments.read"}),
    Role.analyst: frozenset(
        {"kpi.read", "calls.read", "workorders.read", "knowledge.read", "departments.read"}
        | {"callers.read", "callers.export", "acd.read", "quality.read", "surveys.read"}
        | {"workforce.read"}
        # 舆情分析: analysts watch the sources, write the topic rules and work the incidents.
        | {"opinion.read", "opinion.write", "opinion.handle"}
        # 新媒体宣传: analysts draft posts for the calendar (a supervisor approves them).
        | {"newmedia.read", "newmedia.write"}
        | {"analytics.read", "analytics.export", "analytics.write"}
        | {"satisfaction.read"}
    ),
    Role.admin: frozenset(PERMISSIONS),
}


def has_permission(role: Role | str, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"unknown permission {permission!r}")
    return permission in ROLE_PERMISSIONS[Role(role)]
