"""The demo IVR flow, elderly-friendly: short menus, 0 for a person everywhere, 9 to repeat,
silence goes to a person, care-profile callers skip the menu to priority (with an emergency key).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor
from hotline.ivr.models import IvrFlow
from hotline.ivr.service import create_flow, publish

DEMO_FLOW: dict[str, Any] = {
    "start": "care_check",
    "nodes": {
        "care_check": {
            "type": "branch",
            "on": "care_profile",
            "cases": {"care": "care_menu"},
            "default": "hours",
        },
        "care_menu": {
            "type": "menu",
            "prompt": "care_menu",
            "text": "您好，已为您优先转接人工。如有紧急情况请按1，其他请稍候。",
            "options": {"1": "emergency", "0": "priority_queue"},
            "timeout": 5,
            "retries": 0,
            "no_input": "priority_queue",
            "invalid": "priority_queue",
        },
        "priority_queue": {"type": "enqueue", "queue": "elderly"},
        "emergency": {
            "type": "emergency",
            "prompt": "emergency",
            "text": "正在为您联系急救和您的家人，请不要挂机。",
            "numbers": ["120"],
            "contacts": True,
            "queue": "elderly",
        },
        "hours": {
            "type": "branch",
            "on": "business_hours",
            "hours": "hotline",
            "cases": {"open": "welcome"},
            "default": "closed_menu",
        },
        "welcome": {
            "type": "play",
            "prompt": "welcome",
            "text": "您好，这里是民政服务热线，通话可能被录音。",
            "next": "main_menu",
        },
        "main_menu": {
            "type": "menu",
            "prompt": "main_menu",
            "text": "养老服务请按1，社会救助请按2，残疾人服务请按3，儿童福利请按4，"
            "人工服务请按0，重听请按9。",
            "options": {
                "1": "q_elderly",
                "2": "q_assistance",
                "3": "q_disability",
                "4": "q_child",
                "0": "q_general",
            },
            "timeout": 8,
            "retries": 1,
            "no_input": "q_general",
        },
        "q_elderly": {
            "type": "enqueue",
            "queue": "elderly",
            "prompt": "wait",
            "text": "正在为您转接，请稍候。",
        },
        "q_assistance": {
            "type": "enqueue",
            "queue": "assistance",
            "prompt": "wait",
            "text": "正在为您转接，请稍候。",
        },
        "q_disability": {
            "type": "enqueue",
            "queue": "disability",
            "prompt": "wait",
            "text": "正在为您转接，请稍候。",
        },
        "q_child": {
            "type": "enqueue",
            "queue": "child_welfare",
            "prompt": "wait",
            "text": "正在为您转接，请稍候。",
        },
        "q_general": {
            "type": "enqueue",
            "queue": "general",
            "prompt": "wait",
            "text": "正在为您转接人工，请稍候。",
        },
        "closed_menu": {
            "type": "menu",
            "prompt": "closed_menu",
            "text": "现在是非工作时间。留言请按1，人工服务请按0，重听请按9。",
            "options": {"1": "voicemail", "0": "q_general"},
            "timeout": 8,
            "retries": 1,
            "no_input": "q_general",
        },
        "voicemail": {
            "type": "voicemail",
            "prompt": "voicemail",
            "text": "请在提示音后留言，我们会尽快回电。",
            "max_seconds": 120,
        },
    },
}


def load(session: Session, actor: Actor) -> None:
    if session.scalar(select(IvrFlow.id).where(IvrFlow.name == "main")) is not None:
        return
    flow = create_flow(session, actor, "main", DEMO_FLOW, "民政服务热线主流程", numbers="*")
    publish(session, actor, flow.id)
