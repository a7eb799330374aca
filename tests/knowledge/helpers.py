"""Shared test helpers: a demo-loaded database with its index, and article factories."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from hotline.audit.service import Actor
from hotline.knowledge import demo, index, service
from hotline.knowledge.models import Article
from hotline.knowledge.schemas import ArticleIn
from hotline.store.db import Database

ACTOR = Actor(None, "test")


def make_article(db: Database, publish: bool = True, **fields: Any) -> int:
    data: dict[str, Any] = {
        "title": "高龄津贴申领",
        "category": "养老/高龄津贴",
        "questions": ["高龄津贴怎么领"],
    }
    data.update(fields)
    with db.session() as s:
        a = service.create_article(s, ACTOR, ArticleIn(**data))
        if publish:
            service.act(s, ACTOR, a.id, "submit", a.version)
            service.act(s, ACTOR, a.id, "publish", a.version)
        return a.id


def load_demo(db: Database) -> dict[str, int]:
    """Load the demo articles; returns key -> article id."""
    with db.session() as s:
        demo.load(s, ACTOR)
        by_title = {a.title: a.id for a in s.query(Article)}
    return {r["key"]: by_title[r["title"]] for r in demo.demo_articles()}


def fresh_index(db: Database, data_dir: Path) -> index.KnowledgeIndex:
    idx = index.get_index(data_dir, db.url)
    with db.session() as s:
        index.catch_up(s, idx)
    return idx


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)
