"""Publishing from a write goes through after-commit: a property test over random transactions.

Random sequences of writes that each queue an event with `publish_on_commit`, inside the outer
transaction or nested savepoints (released or rolled back), ended by a commit, a rollback, an
exception in `Database.session()` or a close, on one session reused across transactions: a
rolled-back transaction (or savepoint) publishes nothing, a committed one publishes exactly its
surviving events, in the order they were queued, and only after the commit (its rows are there).
"""

from __future__ import annotations

import itertools
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from sqlalchemy.orm import Session

from hotline.bus import Event, InProcessBus, publish_on_commit
from hotline.knowledge.topics import KnowledgePublished
from hotline.store.db import Database

# Each transaction starts with a write: pysqlite (legacy transaction control) emits no BEGIN before
# a SAVEPOINT, so a savepoint opened first would be a transaction of its own that RELEASE commits.
OPS = st.lists(
    st.sampled_from(["write", "write", "begin", "release", "rollback_savepoint"]), max_size=12
).map(lambda ops: ["write", *ops])
ENDS = st.sampled_from(["commit", "rollback", "close"])
TRANSACTIONS = st.lists(st.tuples(OPS, ENDS), min_size=1, max_size=4)


@pytest.fixture(scope="module")
def database() -> Iterator[Database]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'events.db'}")
        with db.session() as s:
            s.execute(text("CREATE TABLE facts (n INTEGER PRIMARY KEY)"))
        yield db
        db.dispose()


def rows(db: Database) -> list[int]:
    with db.session() as s:
        return [n for (n,) in s.execute(text("SELECT n FROM facts ORDER BY n"))]


def run_transaction(session: Session, bus: InProcessBus, ops: list[str], numbers: Iterator[int]) -> list[int]:
    """Apply `ops`; return the events that must survive if the outer transaction commits."""
    stack: list[list[int]] = [[]]  # events queued per open (sub)transaction, outermost first
    savepoints: list[Any] = []
    for op in ops:
        if op == "write":
            n = next(numbers)
            session.execute(text("INSERT INTO facts (n) VALUES (:n)"), {"n": n})
            publish_on_commit(session, KnowledgePublished(article_id=n), bus)
            stack[-1].append(n)
        elif op == "begin":
            savepoints.append(session.begin_nested())
            stack.append([])
        elif op == "release" and savepoints:
            savepoints.pop().commit()
            done = stack.pop()
            stack[-1].extend(done)
        elif op == "rollback_savepoint" and savepoints:
            savepoints.pop().rollback()
            stack.pop()
    return [n for level in stack for n in level]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(TRANSACTIONS)
def test_only_committed_events_are_published_in_order(database: Database, transactions: list[Any]) -> None:
    with database.session() as s:
        s.execute(text("DELETE FROM facts"))
    bus = InProcessBus()
    published: list[int] = []
    committed_rows: list[list[int]] = []

    def seen(event: Event) -> None:
        assert isinstance(event.body, KnowledgePublished)
        published.append(event.body.article_id)
        committed_rows.append(rows(database))  # the write is visible to others when we hear of it

    bus.subscribe(KnowledgePublished, seen)
    numbers = itertools.count(1)
    expected: list[int] = []
    session = database.sessionmaker()
    try:
        for ops, end in transactions:
            survivors = run_transaction(session, bus, ops, numbers)
            assert published == expected, "nothing is published before the commit"
            if end == "commit":
                session.commit()
                expected += survivors
            elif end == "rollback":
                session.rollback()
            else:
                session.close()  # the transaction ends without a commit (and the session is reused)
            assert published == expected
    finally:
        session.close()
    assert rows(database) == sorted(expected)
    for n, visible in zip(published, committed_rows, strict=True):
        assert n in visible


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(OPS, st.booleans())
def test_database_session_publishes_on_success_only(database: Database, ops: list[str], fail: bool) -> None:
    """The same through `Database.session()`, the way services are called: an exception rolls the
    whole transaction back and nothing is announced."""
    with database.session() as s:
        s.execute(text("DELETE FROM facts"))
    bus = InProcessBus()
    published: list[int] = []
    bus.subscribe("knowledge.*", lambda e: published.append(int(e.data["article_id"])))
    numbers = itertools.count(1_000_000)
    survivors: list[int] = []
    try:
        with database.session() as s:
            survivors = run_transaction(s, bus, ops, numbers)
            if fail:
                raise RuntimeError("the service refused")
    except RuntimeError:
        pass
    assert published == ([] if fail else survivors)
