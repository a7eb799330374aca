"""New media's events (docs/events.md), published once the write committed."""

from __future__ import annotations

from dataclasses import dataclass

from hotline.events import BusEvent, topic


@topic("newmedia.wechat_answered")
@dataclass(frozen=True, slots=True, kw_only=True)
class WechatAnswered(BusEvent):
    """A citizen's WeChat message was answered from the knowledge base, or handed to an agent."""

    turn_id: int
    outcome: str
    reason: str
    article_id: int | None
