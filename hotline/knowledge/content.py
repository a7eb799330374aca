"""An article's content as a plain dict: what a version stores, what a diff compares, what the index
and the served view read. Keeping it a dict (JSON) means a version can be restored into the
article even after fields are added."""

from __future__ import annotations

import difflib
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from hotline.knowledge.models import Article, ArticleVersion
from hotline.knowledge.workflow import State

CONTENT_FIELDS = [
    "title",
    "questions",
    "answer_short",
    "answer_full",
    "policy_basis",
    "eligibility",
    "materials",
    "procedure",
    "office",
    "contact",
    "fees",
    "region",
    "category",
    "tags",
    "attachments",
    "related_ids",
    "valid_from",
    "valid_until",
    "remind_days",
]
DATE_FIELDS = {"valid_from", "valid_until"}

FIELD_ZH = {
    "title": "标题",
    "questions": "常见问法",
    "answer_short": "答复口径",
    "answer_full": "详细解答",
    "policy_basis": "政策依据",
    "eligibility": "申请条件",
    "materials": "所需材料",
    "procedure": "办理流程",
    "office": "办理机构",
    "contact": "咨询电话",
    "fees": "收费标准",
    "region": "适用地区",
    "category": "分类",
    "tags": "标签",
    "attachments": "附件",
    "related_ids": "相关条目",
    "valid_from": "生效日期",
    "valid_until": "失效日期",
    "remind_days": "到期提醒天数",
}


def content_of(article: Article) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in CONTENT_FIELDS:
        value = getattr(article, name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, list):
            value = list(value)
        out[name] = value
    return out


def apply_content(article: Article, content: dict[str, Any]) -> None:
    for name in CONTENT_FIELDS:
        if name not in content:
            continue
        value = content[name]
        if name in DATE_FIELDS and isinstance(value, str):
            value = datetime.fromisoformat(value)
        setattr(article, name, value)


def get_version(session: Session, article_id: int, number: int) -> ArticleVersion | None:
    return session.scalar(
        select(ArticleVersion).where(ArticleVersion.article_id == article_id, ArticleVersion.number == number)
    )


def is_served(article: Article) -> bool:
    return article.live_version is not None and article.state != State.retired


def served_content(session: Session, article: Article) -> tuple[dict[str, Any], bool]:
    """(content agents see, whether it is served): the live version's snapshot while one is served,
    otherwise the working copy (visible to writers only)."""
    if is_served(article) and article.live_version is not None:
        if article.live_version == article.content_version:
            return content_of(article), True
        version = get_version(session, article.id, article.live_version)
        if version is not None:
            return dict(version.content), True
    return content_of(article), False


def render(content: dict[str, Any]) -> list[str]:
    """Content as labelled lines, the form a diff is readable in."""
    lines: list[str] = []
    for name in CONTENT_FIELDS:
        value = content.get(name)
        label = FIELD_ZH[name]
        if isinstance(value, list):
            lines.append(f"【{label}】")
            lines.extend(f"  - {v}" for v in value)
        elif isinstance(value, str) and "\n" in value:
            lines.append(f"【{label}】")
            lines.extend(f"  {v}" for v in value.splitlines())
        else:
            lines.append(f"【{label}】 {'' if value is None else value}")
    return lines


def diff(old: dict[str, Any], new: dict[str, Any], old_name: str, new_name: str) -> str:
    return "\n".join(
        difflib.unified_diff(render(old), render(new), fromfile=old_name, tofile=new_name, lineterm="")
    )


def changed_fields(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return [n for n in CONTENT_FIELDS if old.get(n) != new.get(n)]
