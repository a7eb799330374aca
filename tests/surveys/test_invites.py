"""Survey invitations by SMS and WeChat: personal one-time links queued over HTTP (to numbers given
or a sample of callers) with the report of refused rows (not a number, do-not-contact, invited
already, the per-person daily limit), sent by the job through a local SMS gateway double and a
WeChat API double (signed POSTs, customer-service messages), at the gateway's pace and in calling
hours only, claimed before sending (a stale claim is `unknown`, never resent), retried after a
failure, skipped once the number is put on the do-not-contact list, each step audited; the link
received answers the questionnaire once, on the invitation's channel."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from hotline.audit.models import AuditEntry
from hotline.channels import wechat_out
from hotline.channels.models import InboundMessage
from hotline.channels.settings import ChannelSettings
from hotline.store.db import Database
from hotline.surveys import invites
from hotline.surveys.models import SurveyInvite, SurveyResponse
from hotline.surveys.states import INVITE_STATES, InviteStatus, InviteStep
from tests.channels.test_replies_wechat import WeChatApi
from tests.channels.test_sms_out import SECRET, Gateway
from tests.surveys.campaign_helpers import THURSDAY_10H
from tests.surveys.helpers import SAMPLE, Auth, published_survey
from tests.surveys.test_cati import _callers

TOKEN_URL = re.compile(r"/s/([A-Za-z0-9_-]+)")


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    gw = Gateway()
    yield gw
    gw.server.shutdown()


@pytest.fixture
def wx() -> Iterator[WeChatApi]:
    wechat_out._tokens.clear()
    server = WeChatApi()
    yield server
    server.server.shutdown()


def _sms(gw: Gateway) -> ChannelSettings:
    return ChannelSettings(sms_secret=SECRET, sms_gateway_url=gw.url)


def _statuses(db: Database, survey_id: int) -> list[str]:
    with db.session() as s:
        q = select(SurveyInvite.status).where(SurveyInvite.survey_id == survey_id).order_by(SurveyInvite.id)
        return list(s.scalars(q))


def _invite(client: TestClient, auth: Auth, sid: int, body: dict[str, object]) -> dict[str, object]:
    r = client.post(f"/api/surveys/{sid}/invites", json=body, headers=auth("agent"))
    assert r.status_code == 201, r.text
    out: dict[str, object] = r.json()
    return out


def test_sms_invitations_report_send_and_answer_once(
    client: TestClient, auth: Auth, db: Database, gateway: Gateway
) -> None:
    sid = published_survey(client, auth)
    assert (
        client.post(
            "/api/surveys/do-not-call", json={"phone": "13900000009"}, headers=auth("agent")
        ).status_code
        == 201
    )
    rows = [
        {"to": "139 0000 0001", "district": "越秀区", "age_band": "70-79"},
        {"to": "13900000001"},
        {"to": "abc"},
        {"to": "13900000009"},
        {"to": "+86 139 0000 0002"},
        {"to": "020-12345678"},
    ]
    got = _invite(client, auth, sid, {"channel": "sms", "recipients": rows})
    assert got["queued"] == 2
    refused = {r["row"]: r["reason_zh"] for r in got["refused"]}  # type: ignore[attr-defined]
    assert refused == {2: "重复", 3: "不是手机号码", 4: "勿扰名单", 6: "不是手机号码"}
    again = _invite(client, auth, sid, {"channel": "sms", "recipients": [{"to": "13900000001"}]})
    assert again["queued"] == 0 and again["refused"][0]["reason_zh"] == "7 天内已邀请过"  # type: ignore[index]
    bad = client.post(f"/api/surveys/{sid}/invites", json={"channel": "sms"}, headers=auth("agent"))
    assert bad.status_code == 422
    assert (
        client.post(
            f"/api/surveys/{sid}/invites",
            json={"channel": "sms", "recipients": rows},
            headers=auth("analyst"),
        ).status_code
        == 403
    )

    assert invites.send_due(db, THURSDAY_10H, ChannelSettings()) == 0  # no gateway configured: stays queued
    night = THURSDAY_10H + timedelta(hours=12)  # 22:00 Shanghai
    assert invites.send_due(db, night, _sms(gateway)) == 0 and _statuses(db, sid) == ["queued", "queued"]
    assert invites.send_due(db, THURSDAY_10H, _sms(gateway)) == 2
    assert invites.send_due(db, THURSDAY_10H + timedelta(minutes=5), _sms(gateway)) == 0  # sent once
    assert sorted(m["to"] for m in gateway.received) == ["13900000001", "13900000002"]
    text = next(m["text"] for m in gateway.received if m["to"] == "13900000001")
    assert text.startswith("【民政服务热线】养老服务满意度调查") and "/s/" in text
    token = TOKEN_URL.search(text).group(1)  # type: ignore[union-attr]

    r = client.post(f"/api/surveys/r/{token}/start", json={})
    assert r.status_code == 200, r.text
    with db.session() as s:
        resp = s.scalars(select(SurveyResponse)).one()
        assert (resp.channel, resp.district, resp.age_band) == ("sms", "越秀区", "70-79")
        texts = list(s.scalars(select(SurveyInvite.text)))
        assert all(token not in t and "/s/…" in t for t in texts)  # the secret left the outbox once sent
        steps = list(
            s.scalars(
                select(AuditEntry.action).where(AuditEntry.entity == "survey_invite").order_by(AuditEntry.id)
            )
        )
        assert steps.count("invite_claim") == 2 and steps.count("invite_succeed") == 2
        assert s.scalars(select(AuditEntry).where(AuditEntry.action == "invite")).first() is not None

    listed = client.get(f"/api/surveys/{sid}/invites", headers=auth("agent")).json()
    assert [i["status_zh"] for i in listed] == ["已发送", "已发送"]
    assert {i["to"] for i in listed} == {"13900000001", "13900000002"}  # pii.read: whole numbers
    assert invites.mask("sms", "13900000001") == "139****0001"  # without it (and in the audit log)


def test_failures_retry_do_not_contact_stale_claims_and_pace(
    client: TestClient, auth: Auth, db: Database, gateway: Gateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    sid = published_survey(client, auth)
    phones = [f"1390000100{i}" for i in range(5)]
    _invite(client, auth, sid, {"channel": "sms", "recipients": [{"to": p} for p in phones]})
    client.post(
        "/api/surveys/do-not-call", json={"phone": phones[1], "reason": "本人要求"}, headers=auth("agent")
    )
    with db.session() as s:  # a claim a stopped process left behind
        s.execute(
            update(SurveyInvite)
            .where(SurveyInvite.recipient == phones[4])
            .values(
                status="sending",
                attempts=1,
                sent_at=THURSDAY_10H - timedelta(hours=1),
                next_at=THURSDAY_10H - timedelta(hours=1),
            )
        )
    monkeypatch.setattr(invites, "SEND_PER_MINUTE", 2)
    gateway.fail_next = 1
    t0 = THURSDAY_10H
    assert invites.send_due(db, t0, _sms(gateway)) == 1  # first try fails, the next goes out; pace 2
    assert _statuses(db, sid) == ["failed", "skipped", "sent", "queued", "unknown"]
    assert invites.send_due(db, t0 + timedelta(seconds=30), _sms(gateway)) == 0  # pace: 2 a minute
    assert invites.send_due(db, t0 + timedelta(seconds=61), _sms(gateway)) == 1  # 4th; 1st waits back-off
    assert _statuses(db, sid) == ["failed", "skipped", "sent", "sent", "unknown"]
    assert invites.send_due(db, t0 + timedelta(minutes=3), _sms(gateway)) == 1
    assert _statuses(db, sid) == ["sent", "skipped", "sent", "sent", "unknown"]
    assert sorted(m["to"] for m in gateway.received) == [phones[0], phones[2], phones[3]]  # never 1 or 4

    # The per-person limit: a third questionnaire the same day is refused for the same number.
    for n in (2, 3):
        other = published_survey(client, auth, {**SAMPLE, "title": f"问卷{n}"})
        got = _invite(client, auth, other, {"channel": "sms", "recipients": [{"to": phones[0]}]})
        assert (got["queued"], len(got["refused"])) == ((1, 0) if n == 2 else (0, 1))  # type: ignore[arg-type]
    assert got["refused"][0]["reason_zh"] == "今日邀请次数已达上限"  # type: ignore[index]


def test_a_sample_of_callers_is_texted(
    client: TestClient, auth: Auth, db: Database, gateway: Gateway
) -> None:
    _callers(db)
    sid = published_survey(client, auth)
    got = _invite(client, auth, sid, {"channel": "sms", "frame": {"district": "越秀区", "min_age": 70}})
    assert got == {"queued": 2, "refused": []}
    wx_frame = client.post(
        f"/api/surveys/{sid}/invites", json={"channel": "wechat", "frame": {}}, headers=auth("agent")
    )
    assert wx_frame.status_code == 422
    assert invites.send_due(db, THURSDAY_10H, _sms(gateway)) == 2
    assert sorted(m["to"] for m in gateway.received) == ["13800130000", "13800130001"]


def test_wechat_followers_get_the_link_within_48_hours(
    client: TestClient, auth: Auth, db: Database, wx: WeChatApi
) -> None:
    sid = published_survey(client, auth)
    with db.session() as s:
        s.add(
            InboundMessage(
                channel="wechat",
                external_id="m1",
                sender="oRecent12345",
                body="你好",
                raw=b"",
                received_at=THURSDAY_10H - timedelta(hours=3),
            )
        )
    got = _invite(
        client,
        auth,
        sid,
        {"channel": "wechat", "recipients": [{"to": "oRecent12345"}, {"to": "oSilent67890"}, {"to": "x y"}]},
    )
    assert got["queued"] == 2 and got["refused"][0]["reason_zh"] == "不是微信 openid"  # type: ignore[index]
    cfg = ChannelSettings(wechat_api_base=wx.base, wechat_app_id="wxapp", wechat_app_secret="app-secret")
    assert invites.send_due(db, THURSDAY_10H, cfg) == 1
    assert [b["touser"] for _, b in wx.sent] == ["oRecent12345"]
    assert "/s/" in wx.sent[0][1]["text"]["content"]
    listed = client.get(f"/api/surveys/{sid}/invites", headers=auth("agent")).json()
    assert {i["to"]: i["status"] for i in listed} == {"oRecent12345": "sent", "oSilent67890": "refused"}
    assert "48" in next(i["error"] for i in listed if i["status"] == "refused")


def test_invite_table_exhaustively() -> None:
    from hotline.errors import Conflict

    for status in InviteStatus:
        for step in InviteStep:
            if INVITE_STATES.can(status, step):
                INVITE_STATES.next(status, step)
            else:
                with pytest.raises(Conflict):
                    INVITE_STATES.next(status, step)
    for final in (InviteStatus.sent, InviteStatus.unknown, InviteStatus.skipped, InviteStatus.refused):
        assert INVITE_STATES.allowed(final) == []
