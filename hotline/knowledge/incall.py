"""Suggestions during a call, from three signals: the IVR path the caller took, the caller's care
profile, and what the agent types. Each signal is a search; an article's score is the weighted sum
of its (re-ranked) scores, and `reasons` tells the agent why it is there.

Only served, currently valid articles come back (the searches run with `served_only`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from hotline.errors import NotFound
from hotline.knowledge import search
from hotline.knowledge.index import KnowledgeIndex
from hotline.knowledge.semantic import EmbeddingCache

# IVR menu words -> the query they stand for (menus say "养老服务", articles say 高龄津贴 …).
IVR_HINTS = {
    "养老": "养老 高龄津贴 居家养老 养老院",
    "救助": "低保 特困 临时救助",
    "残疾": "残疾人 两项补贴 残疾人证",
    "儿童": "孤儿 困境儿童",
    "婚姻": "婚姻登记",
    "殡葬": "殡葬",
}
WEIGHT_TEXT, WEIGHT_IVR, WEIGHT_PROFILE = 1.0, 0.5, 0.4


@dataclass
class Suggestion:
    id: int
    title: str
    answer_short: str
    category: str
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)


def profile_queries(session: Session, caller_id: int) -> list[tuple[str, str]]:
    """(reason, query) pairs from the caller's care profile; empty when there is none."""
    from hotline.people.service import get_caller

    try:
        caller = get_caller(session, caller_id)
    except NotFound:
        return []
    profile = caller.care_profile
    if profile is None:
        return []
    out: list[tuple[str, str]] = []
    if profile.age is not None and profile.age >= 80:
        out.append(("profile:高龄", "高龄津贴"))
    elif profile.age is not None and profile.age >= 60:
        out.append(("profile:老年人", "老年人优待证 助餐"))
    if profile.living_alone:
        out.append(("profile:独居", "独居老人关爱巡访"))
    if profile.disability_level:
        out.append(("profile:残疾", "残疾人两项补贴"))
    if profile.assistance_status:
        out.append(("profile:救助", profile.assistance_status))
    return out


def ivr_query(path: list[str]) -> str:
    words: list[str] = []
    for step in path:
        for key, query in IVR_HINTS.items():
            if key in step:
                words.append(query)
        if not any(key in step for key in IVR_HINTS):
            words.append(step)
    return " ".join(words)


def suggest_in_call(
    session: Session,
    idx: KnowledgeIndex,
    ivr_path: list[str],
    caller_id: int | None,
    text: str,
    limit: int = 5,
    now: datetime | None = None,
    cache: EmbeddingCache | None = None,
) -> list[Suggestion]:
    signals: list[tuple[str, str, float]] = []
    if text.strip():
        signals.append(("text", text, WEIGHT_TEXT))
    if ivr_path:
        signals.append(("ivr:" + "/".join(ivr_path), ivr_query(ivr_path), WEIGHT_IVR))
    if caller_id is not None:
        signals.extend((reason, q, WEIGHT_PROFILE) for reason, q in profile_queries(session, caller_id))
    merged: dict[int, Suggestion] = {}
    for reason, query, weight in signals:
        hits, _ = search.run(idx, query, search.Filters(served_only=True), now, limit=limit * 2, cache=cache)
        for hit in hits:
            s = merged.get(hit.id)
            if s is None:
                s = Suggestion(
                    hit.id,
                    hit.title,
                    str(hit.data.get("answer_short", "")),
                    str(hit.data.get("category", "")),
                )
                merged[hit.id] = s
            s.score += weight * hit.score
            s.reasons.append(reason)
    return sorted(merged.values(), key=lambda s: (-s.score, s.id))[:limit]
