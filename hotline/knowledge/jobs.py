"""Background job of the knowledge base: every few minutes, publish what is scheduled, retire what
reached its valid-until, remind owners before that, and bring the search index (and the in-memory
meaning index of small knowledge bases) up to date."""

from __future__ import annotations

from datetime import datetime

from hotline.config import get_settings
from hotline.jobs import Job
from hotline.knowledge import index, search, service, views
from hotline.store.db import Database


def sweep_job(db: Database, now: datetime) -> None:
    with db.session() as session:
        service.sweep(session, now)
    idx = index.get_index(get_settings().data_dir, db.url)
    with db.session() as session:
        index.catch_up(session, idx)
    # Encode new question variants here rather than in an agent's search.
    search.warm_semantic(idx, views.embedding_cache(idx))


JOBS = [Job("knowledge.sweep", 300.0, sweep_job)]
