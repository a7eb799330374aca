"""The official account's incoming messages are an opinion source (公众号留言): a citizen's message
pushed by WeChat (safe mode, wechatpy's crypto) becomes an item of the built-in source, raw first,
numbers masked, processed like a fetched item (risk from its sensitive terms); WeChat's retry of
the same message makes no second item; two nodes taking their first message at once make one
source; the source is never fetched."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.opinion import wechat
from hotline.opinion.models import OpinionItem, OpinionRaw, OpinionSource
from hotline.opinion.process import process_pending
from hotline.store.db import Database
from tests.channels.wxrig import safe_mode
from tests.newmedia.test_autoreply import ask


@pytest.fixture
def safe(app: FastAPI) -> Iterator[FastAPI]:
    yield from safe_mode(app)


def _items(db: Database) -> list[tuple[OpinionItem, OpinionSource]]:
    with db.session() as s:
        rows = s.execute(select(OpinionItem, OpinionSource).join(OpinionSource).order_by(OpinionItem.id))
        return [(item, src) for item, src in rows.all()]


def _wait_items(db: Database, n: int) -> list[tuple[OpinionItem, OpinionSource]]:
    deadline = time.monotonic() + 10
    while len(found := _items(db)) < n:
        assert time.monotonic() < deadline, f"{len(found)} items, wanted {n}"
        time.sleep(0.02)
    return found


def test_messages_to_the_account_are_opinion_items(
    safe: FastAPI, client: TestClient, db: Database, auth: Any
) -> None:
    text = "东城区养老院护工虐待老人，家属投诉无果，请联系13812345678"
    ask(client, "73001", text, user="oCitizen7")
    ((item, src),) = _wait_items(db, 1)
    assert (src.kind, src.name, src.items_total, src.status) == ("wechat", "公众号留言", 1, "ok")
    assert "13812345678" not in item.text and "虐待老人" in item.text and item.guid.startswith("turn-")
    assert item.url == "" and item.state == "fetched"
    with db.session() as s:
        raw = s.get(OpinionRaw, item.raw_id)
        assert raw is not None and raw.role == "message" and b"13812345678" not in raw.body
        assert "oCitizen7" not in raw.body.decode() + item.text  # who sent it is not kept here

    ask(client, "73001", text, user="oCitizen7")  # WeChat's retry of the same message
    ask(client, "73002", "谢谢", user="oCitizen8")
    found = _wait_items(db, 2)
    assert [i.title for i, _ in found][1] == "谢谢" and len({s.id for _, s in found}) == 1
    # the same message announced again (a second node) is taken once
    assert wechat.take(db, int(item.guid.removeprefix("turn-")), item.text, item.fetched_at) is None
    assert len(_items(db)) == 2

    process_pending(db)
    with db.session() as s:
        done = s.get(OpinionItem, item.id)
        assert done is not None and done.state == "processed"
        assert {"虐待", "投诉无果"} <= set(done.risk_terms) and done.risk > 0

    sources = client.get("/api/opinion/sources", headers=auth("analyst")).json()
    mine = next(x for x in sources if x["kind"] == "wechat")
    assert mine["items_total"] == 2
    r = client.post(f"/api/opinion/sources/{mine['id']}/fetch", headers=auth("analyst"))
    assert r.status_code == 422 and "自动接收" in r.json()["detail_zh"]


def test_two_nodes_taking_their_first_message_at_once_make_one_source(db: Database) -> None:
    """Node A has made the built-in source but not committed yet when node B takes a message: B
    must not make a second one (its items would split from A's, and the same message announced to
    both nodes would be stored once under each)."""
    now = datetime.now(UTC)
    taken: list[int | None] = []
    with db.session() as a:
        mine = wechat.source(a)
        b = threading.Thread(target=lambda: taken.append(wechat.take(db, 9001, "社区食堂停业了", now)))
        b.start()
        b.join(1.0)  # B waits for A's insert to settle (unique index) instead of making its own
        assert a.scalar(select(OpinionSource.id).where(OpinionSource.kind == "wechat")) == mine.id
    b.join(30)
    assert not b.is_alive() and taken[0] is not None
    with db.session() as s:
        sources = s.scalars(select(OpinionSource).where(OpinionSource.kind == "wechat")).all()
        assert [x.id for x in sources] == [mine.id] and sources[0].items_total == 1
        item = s.get(OpinionItem, taken[0])
        assert item is not None and item.source_id == mine.id
