"""The seam where another domain answers a citizen's WeChat text message before it becomes intake.

The channels package only knows the shape of the answer: a passive reply to send at once, or a
hand-over to the inbox (the usual draft order and acknowledgement), optionally with the text the
order should carry instead of the message (the conversation so far, when the citizen asked for a
person). The new-media plug-in provides the answerer (`WECHAT_ANSWERER`, knowledge-base answers);
without it every message is intake, as before. Declared here, on the lower side, so the channels
never import the domain that answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from hotline.plugins import Service


@dataclass(frozen=True)
class AutoReply:
    """`reply`: the text to answer with (the message is not intake); None hands it to the inbox,
    whose order carries `intake_text` when given (else the message itself)."""

    reply: str | None
    intake_text: str | None = None


class WechatAnswerer(Protocol):
    def __call__(self, openid: str, msg_id: str, text: str) -> AutoReply: ...


WECHAT_ANSWERER: Service[WechatAnswerer] = Service("channels.wechat_answerer")
