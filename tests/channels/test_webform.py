"""The public web form: the rate limit keys on the real client (X-Forwarded-For believed only
from a configured proxy — checked against a real `hotline serve` too), a refusal says when to come
back (Retry-After), two citizens whose pages made the same form_id both get their order, and the
name, phone and mail address reach the order, linked to the registered caller with that phone."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.audit.service import Actor
from hotline.channels import inbox
from hotline.people.schemas import CallerIn, PhoneIn
from hotline.people.service import create_caller
from hotline.store.db import Database
from hotline.web.app import create_app
from hotline.workorders.models import WorkOrder
from tests.conftest import make_settings
from tests.server import start_server

URL = "/api/channels/webform"
PROXY = "10.0.0.1"


def _form(i: int, **extra: str) -> dict[str, str]:
    return {"form_id": f"form-{i:08d}", "content": f"想咨询养老补贴政策（第{i}次）", **extra}


def test_limit_keys_on_the_client_a_trusted_proxy_names(db: Database, tmp_root: Path) -> None:
    app = create_app(make_settings(db, tmp_root, trusted_proxies=[PROXY]), db)
    with TestClient(app, base_url="https://testserver", client=(PROXY, 4000)) as via_proxy:
        for citizen in ("203.0.113.5", "203.0.113.6"):  # two citizens behind the proxy: 10 each
            codes = [
                via_proxy.post(URL, json=_form(i), headers={"X-Forwarded-For": f"1.2.3.{i}, {citizen}"})
                for i in range(11)
            ]
            assert [r.status_code for r in codes] == [200] * 10 + [429]
            assert int(codes[-1].headers["Retry-After"]) > 0
    with TestClient(app, base_url="https://testserver", client=("198.51.100.7", 4001)) as direct:
        codes = [
            direct.post(URL, json=_form(100 + i), headers={"X-Forwarded-For": f"192.0.2.{i}"})
            for i in range(11)
        ]
        assert [r.status_code for r in codes] == [200] * 10 + [429]  # its own XFF is not believed
        assert int(codes[-1].headers["Retry-After"]) > 0


def test_real_server_does_not_believe_forwarded_for(sqlite_db: Database, tmp_path: Path) -> None:
    proc, base = start_server(sqlite_db, tmp_path)
    try:
        codes = [
            httpx.post(f"{base}{URL}", json=_form(i), headers={"X-Forwarded-For": f"192.0.2.{i}"}, timeout=10)
            for i in range(11)
        ]
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert [r.status_code for r in codes] == [200] * 10 + [429]
    assert int(codes[-1].headers["Retry-After"]) > 0


def test_same_form_id_from_two_citizens_is_two_orders(client: TestClient, db: Database) -> None:
    a = client.post(URL, json=_form(1, phone="13700001111"))
    b = client.post(URL, json={**_form(1), "content": "另一位市民：社区食堂离家太远"})
    again = client.post(URL, json=_form(1, phone="13700001111"))  # the first citizen re-posts
    assert a.status_code == b.status_code == 200
    assert not b.json()["duplicate"] and a.json()["number"] != b.json()["number"]
    assert again.json()["duplicate"] and again.json()["number"] == a.json()["number"]
    with db.session() as s:
        assert len(s.scalars(select(WorkOrder.id)).all()) == 2


def test_name_phone_and_mail_reach_the_order_and_the_known_caller(client: TestClient, db: Database) -> None:
    with db.session() as s:
        caller = create_caller(
            s, Actor(None, "test"), CallerIn(name="李秀英", phones=[PhoneIn(number="137-0000-1111")])
        )
        caller_id = caller.id
    form = _form(7, name="李女士", phone="+86 137 0000 1111", email="li@example.org")
    r = client.post(URL, json=form)
    assert r.status_code == 200, r.text
    stranger = client.post(URL, json=_form(8, name="赵先生", phone="13900002222"))
    assert stranger.status_code == 200
    with db.session() as s:
        first, second = s.scalars(select(WorkOrder).order_by(WorkOrder.id)).all()
    assert (first.contact_name, first.contact_phone, first.contact_address, first.caller_id) == (
        "李女士",
        "+86 137 0000 1111",
        "li@example.org",
        caller_id,
    )
    assert first.content == form["content"]
    assert (second.contact_name, second.contact_phone, second.caller_id) == ("赵先生", "13900002222", None)


def test_sms_from_a_known_caller_is_linked(db: Database) -> None:
    with db.session() as s:
        caller_id = create_caller(
            s, Actor(None, "test"), CallerIn(name="王大爷", phones=[PhoneIn(number="13800001111")])
        ).id
    raw = json.dumps({"message_id": "s1", "from": "13800001111", "text": "咨询高龄津贴"}).encode()
    _, order = inbox.intake(db, "sms", "s1", "13800001111", "咨询高龄津贴", raw)
    assert order is not None and order.caller_id == caller_id and order.contact_phone == "13800001111"
