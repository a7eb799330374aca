"""The background sweep: scheduled publication, retirement at valid-until, reminders, bus events."""

from __future__ import annotations

from datetime import timedelta

from hotline.bus import Event, get_bus
from hotline.knowledge import service
from hotline.knowledge.models import Article
from hotline.knowledge.workflow import State
from hotline.store.base import utcnow
from hotline.store.db import Database
from tests.knowledge.helpers import ACTOR, make_article


def test_sweep_publishes_retires_and_reminds(db: Database) -> None:
    now = utcnow()
    events: list[Event] = []
    unsubscribe = get_bus().subscribe("knowledge.*", events.append)
    try:
        expiring = make_article(db, valid_until=now + timedelta(days=10), remind_days=30)
        scheduled = make_article(db, publish=False)
        with db.session() as s:
            a = s.get(Article, scheduled)
            assert a is not None
            service.act(s, ACTOR, scheduled, "submit", a.version)
            service.act(
                s, ACTOR, scheduled, "publish", a.version, publish_at=now + timedelta(hours=2), now=now
            )
            assert a.state == State.in_review and a.publish_at is not None
        with db.session() as s:
            done = service.sweep(s, now)
        assert done == {"published": [], "retired": [], "reminded": [expiring]}
        with db.session() as s:
            done = service.sweep(s, now + timedelta(hours=3))
        assert done["published"] == [scheduled] and done["reminded"] == []
        with db.session() as s:
            done = service.sweep(s, now + timedelta(days=11))
            a = s.get(Article, expiring)
            assert a is not None and a.state == State.retired and a.retired_reason == "expired"
            assert service.is_expired(a, now + timedelta(days=11))
        assert done["retired"] == [expiring]
        topics = [e.topic for e in events]
        assert {"knowledge.expiry_reminded", "knowledge.published", "knowledge.retired"} <= set(topics)
    finally:
        unsubscribe()
