"""WeChat auto-reply from the knowledge base (the channels' `WECHAT_ANSWERER`).

A citizen's text message is answered with the short answer (`answer_short`) of the best served,
currently valid article, when one matches well enough; otherwise, or when the citizen asks for a
person ("人工"), the message goes to the inbox as usual and becomes a draft order for an agent,
which for "人工" carries the conversation so far instead of the bare word.

How well an article matches (`confidence`, 0-1): the knowledge search's top hit, and the share
of the question's content bigrams (question words like 怎么/请问 removed, synonym rewrites tried)
found in its title or question variants; it answers when that reaches `autoreply_min_confidence`.
Coverage of the question rather than the search's own score, because the re-ranked score is
relative (the top hit always scores high) and says nothing about whether it answers at all.
Measured (bench/newmedia_autoreply.py): at 0.6, 106 of 121 covered questions answered right, 8
wrong, 7 handed over, and 1 of 30 off-topic messages answered; always answering the top hit: 112
right, 9 wrong, 22 of 30 off-topic answered. Taking the best coverage of the top three instead
answered more off-topic messages (2 of 30) and no more covered ones.

Every message is one audited `newmedia_wechat_turns` row; its `msg_id` is unique, so WeChat's
retries of a message (it tries three times when an answer takes over 5 s) get the same answer.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from hotline.audit.service import SYSTEM, record, snapshot
from hotline.bus import publish_on_commit
from hotline.channels.autoreply import AutoReply
from hotline.channels.wechat_out import fit
from hotline.knowledge import search as ksearch
from hotline.knowledge import textproc
from hotline.knowledge import views as kviews
from hotline.newmedia.models import WechatTurn
from hotline.newmedia.settings import NewMediaSettings
from hotline.newmedia.topics import WechatAnswered
from hotline.store.base import utcnow
from hotline.store.db import Database

log = logging.getLogger(__name__)
# Words of asking, not of the matter: they would dilute the coverage of a short question.
FILLERS = (
    "请问", "你好", "您好", "我想", "想问", "问一下", "咨询", "一下", "怎么办", "怎么", "如何", "怎样",
    "什么", "哪里", "哪儿", "可以", "能不能", "是不是", "有没有", "需要", "谢谢",
    "吗", "呢", "啊", "呀", "吧", "的", "了", "我", "请",
)  # fmt: skip
_FILLER = re.compile("|".join(sorted(FILLERS, key=len, reverse=True)))

HINT = "\n\n（以上摘自《{title}》。如需人工服务，请回复“人工”。）"


@dataclass(frozen=True)
class Match:
    article_id: int
    title: str
    answer: str
    confidence: float


def content_bigrams(text: str) -> list[str]:
    return textproc.bigrams(_FILLER.sub(" ", textproc.normalize(text)))


def coverage(question: str, phrases: list[str]) -> float:
    """Share of the question's content bigrams (best synonym rewrite) found in `phrases`."""
    joined = " | ".join(phrases)
    best = 0.0
    for variant in textproc.query_variants(question):
        grams = content_bigrams(variant)
        if grams:
            best = max(best, sum(g in joined for g in grams) / len(grams))
    return best


def asks_for_person(text: str, words: list[str]) -> bool:
    return textproc.normalize(text).replace(" ", "") in words


def best_match(db: Database, data_dir: Path, text: str, now: datetime) -> Match | None:
    """The best served, valid article for `text` with its confidence, or None."""
    with db.session() as s:
        idx = kviews.fresh_index(s, data_dir, db.url)
    hits, _ = ksearch.run(idx, text, ksearch.Filters(served_only=True), now, limit=1)
    found = [
        Match(
            h.id, h.title, str(h.data.get("answer_short", "")).strip(), coverage(text, h.data.get("nphr", []))
        )
        for h in hits
        if str(h.data.get("answer_short", "")).strip()
    ]
    return found[0] if found else None


class KnowledgeAnswerer:
    """Answers WeChat text messages from the knowledge base (see the module doc)."""

    def __init__(self, db: Database, data_dir: Path, settings: NewMediaSettings) -> None:
        self.db = db
        self.data_dir = data_dir
        self.settings = settings

    def __call__(self, openid: str, msg_id: str, text: str, now: datetime | None = None) -> AutoReply:
        now = now or utcnow()
        with self.db.session() as s:
            seen = s.scalar(select(WechatTurn).where(WechatTurn.msg_id == msg_id[:255]))
            if seen is not None:  # WeChat's retry of a message already answered
                return self._result(seen, self._context(openid, seen.id, now))
        cfg = self.settings
        match: Match | None = None
        if asks_for_person(text, cfg.handoff_words):
            reason = "asked_for_person"
        else:
            try:
                match = best_match(self.db, self.data_dir, text, now)
            except Exception:  # the knowledge index unavailable: the citizen still reaches a person
                log.exception("knowledge search for a WeChat message failed; handed to the inbox")
            if match is None:
                reason = "no_match"
            elif match.confidence >= cfg.autoreply_min_confidence:
                reason = "matched"
            else:
                reason = "low_confidence"
        turn = WechatTurn(
            openid=openid[:128],
            msg_id=msg_id[:255],
            question=text,
            outcome="answered" if reason == "matched" else "handed_over",
            reason=reason,
            article_id=match.article_id if match else None,
            article_title=match.title[:300] if match else None,
            confidence=round(match.confidence, 4) if match else 0.0,
            reply=fit(match.answer + HINT.format(title=match.title))
            if match and reason == "matched"
            else None,
            created_at=now,
        )
        try:
            with self.db.session() as s:
                s.add(turn)
                s.flush()
                record(
                    s, SYSTEM, "newmedia.wechat_answer", "newmedia_wechat_turn", turn.id, None, snapshot(turn)
                )
                event = WechatAnswered(
                    turn_id=turn.id, outcome=turn.outcome, reason=reason, article_id=turn.article_id
                )
                publish_on_commit(s, event)
        except IntegrityError:  # the same message, answered by a concurrent retry
            with self.db.session() as s:
                seen = s.scalar(select(WechatTurn).where(WechatTurn.msg_id == msg_id[:255]))
                if seen is None:
                    raise
                turn = seen
        return self._result(turn, self._context(openid, turn.id, now))

    def _context(self, openid: str, turn_id: int, now: datetime) -> list[WechatTurn]:
        """The citizen's earlier turns in the last minutes, oldest first (for the agent)."""
        since = now - timedelta(minutes=self.settings.handoff_context_minutes)
        with self.db.session() as s:
            stmt = (
                select(WechatTurn)
                .where(
                    WechatTurn.openid == openid[:128], WechatTurn.id < turn_id, WechatTurn.created_at >= since
                )
                .order_by(WechatTurn.id.desc())
                .limit(self.settings.handoff_context_turns)
            )
            rows = list(s.scalars(stmt))
            s.expunge_all()
        return rows[::-1]

    @staticmethod
    def _result(turn: WechatTurn, earlier: list[WechatTurn]) -> AutoReply:
        if turn.outcome == "answered":
            return AutoReply(reply=turn.reply)
        if turn.reason != "asked_for_person":
            return AutoReply(reply=None)  # the message itself is the order's text
        lines = ["市民在公众号请求人工服务。"]
        if earlier:
            lines.append("此前的对话：")
            for t in earlier:
                lines.append(f"问：{t.question}")
                if t.outcome == "answered":
                    lines.append(f"答（自动回复，摘自知识库《{t.article_title}》）：{t.reply or ''}")
                else:
                    lines.append("（未自动回复，已转人工）")
        return AutoReply(reply=None, intake_text="\n".join(lines))
