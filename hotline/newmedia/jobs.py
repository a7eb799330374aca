"""New media's background job: publish approved posts whose planned time came, then advance the
publications that are due (each WeChat step's id committed as it comes back)."""

from __future__ import annotations

import logging
from datetime import datetime

from hotline.audit.service import SYSTEM
from hotline.errors import Conflict
from hotline.jobs import Job
from hotline.newmedia import posts, publish
from hotline.newmedia.states import Action
from hotline.store.db import Database

log = logging.getLogger(__name__)


def publish_planned(db: Database, now: datetime) -> int:
    """Approved posts whose planned time has come are published (as the system, audited)."""
    with db.session() as s:
        due = posts.due_for_publishing(s, now)
    for post_id in due:
        try:
            with db.session() as s:
                posts.act(s, SYSTEM, post_id, Action.publish, None, now=now)
        except Conflict:  # reopened or published by hand meanwhile
            log.info("planned post %s no longer approved; not published", post_id)
    return len(due)


def publish_job(db: Database, now: datetime) -> None:
    publish_planned(db, now)
    publish.run_due(db, now)


JOBS = [Job("newmedia.publish", 15.0, publish_job)]
