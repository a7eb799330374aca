"""Demo knowledge base: 42 articles on elderly care, assistance, disability, child welfare and civil
affairs (`data/demo_articles_*.json`), published and valid, loaded by `hotline demo load`.

SAMPLE CONTENT written for this project: every amount, phone number, address and document number
marked 示例 is fictional and is not any city's actual policy. Each article's full text says so.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hotline.audit.service import Actor
from hotline.knowledge import service
from hotline.knowledge.models import Article
from hotline.knowledge.schemas import ArticleIn
from hotline.store.base import utcnow

DATA = Path(__file__).parent / "data"
SAMPLE_NOTICE = (
    "【示例内容】本条目为热线系统演示用的示例内容，其中的金额、电话、地址和文号均为虚构，"
    "不代表任何地方的实际政策。"
)
VALID_FROM = datetime(2024, 1, 1, tzinfo=UTC)
VALID_UNTIL = datetime(2028, 12, 31, 16, 0, tzinfo=UTC)


def demo_articles() -> list[dict[str, Any]]:
    """The raw demo records (with a `key` each, used by the search-quality test set)."""
    out: list[dict[str, Any]] = []
    for path in sorted(DATA.glob("demo_articles_*.json")):
        out.extend(json.loads(path.read_text(encoding="utf-8")))
    return out


def article_in(record: dict[str, Any], valid_until: datetime | None = VALID_UNTIL) -> ArticleIn:
    fields = {k: v for k, v in record.items() if k != "key"}
    fields.setdefault("answer_full", "")
    fields["answer_full"] = "\n\n".join(
        x for x in (record["answer_short"], fields["answer_full"], SAMPLE_NOTICE) if x
    )
    return ArticleIn(valid_from=VALID_FROM, valid_until=valid_until, **fields)


def load(session: Session, actor: Actor) -> None:
    if session.scalar(select(func.count(Article.id))):
        return
    now = utcnow()
    ids: dict[str, int] = {}
    records = demo_articles()
    for i, record in enumerate(records):
        # Two articles run out soon, so the reminder job has something to show.
        until = now + timedelta(days=20) if i in (3, 25) else VALID_UNTIL
        article = service.create_article(session, actor, article_in(record, until), note="demo")
        ids[record["key"]] = article.id
        service.act(session, actor, article.id, "submit", article.version)
        service.act(session, actor, article.id, "publish", article.version, note="demo")
    # Related articles within each category.
    by_cat: dict[str, list[int]] = {}
    for record in records:
        by_cat.setdefault(record["category"], []).append(ids[record["key"]])
    for siblings in by_cat.values():
        for article_id in siblings:
            sibling = session.get(Article, article_id)
            if sibling is not None:
                sibling.related_ids = [x for x in siblings if x != article_id][:4]
    session.flush()
