"""Issue 15's quality path end to end: a SIPp call is answered and recorded by the real engine
and call center; the quality plug-in's "cdr.written" subscription (on the engine's bus) computes
the automatic checks; a sampling rule on an automatic flag picks the call; an inspector scores
it; the agent appeals; the supervisor changes the score; the scorecard shows it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from hotline.people.models import ApiToken
from hotline.plugins import Context
from hotline.quality.models import AudioCheck
from hotline.quality.plugin import PLUGIN
from hotline.store.base import utcnow
from hotline.web.app import create_app
from hotline.web.auth import token_hash
from tests.callcenter.rig import _ACK, _BYE, _INVITE, DTMF, Rig
from tests.conftest import make_settings
from tests.quality.test_scoring import FORM, FULL, published_form

pytestmark = [pytest.mark.timeout(120), pytest.mark.slow]
SPEECH = "/usr/share/sip-tester/g711a.pcap"  # 7 s of recorded speech, PCMA


def speaking_caller(number: str) -> str:
    """A trunk caller offering PCMA: key 1 (elderly queue), then talks for twice 7 s, hangs up."""
    invite = _INVITE.format(number=number).replace("RTP/AVP 0 101", "RTP/AVP 8 101")
    invite = invite.replace("a=rtpmap:0 PCMU/8000", "a=rtpmap:8 PCMA/8000")
    steps = [f'<send retrans="500"><![CDATA[\n{invite}\n]]></send>']
    steps += ['<recv response="100" optional="true"/>', '<recv response="180" optional="true"/>']
    steps += [
        '<recv response="200" rtd="true"/>',
        f"<send><![CDATA[\n{_ACK.format(number=number)}\n]]></send>",
    ]
    steps += [
        '<pause milliseconds="800"/>',
        f'<nop><action><exec play_pcap_audio="{DTMF.format(1)}"/></action></nop>',
    ]
    steps += ['<pause milliseconds="1500"/>']
    for _ in range(2):
        steps += [
            f'<nop><action><exec play_pcap_audio="{SPEECH}"/></action></nop>',
            '<pause milliseconds="7200"/>',
        ]
    steps += [f'<send retrans="500"><![CDATA[\n{_BYE.format(number=number)}\n]]></send>']
    steps += ['<recv response="200" crlf="true"/>']
    body = "\n".join(steps)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<scenario name="speaking caller">\n{body}\n</scenario>\n'


Auth = Callable[[str], dict[str, str]]


def test_recorded_call_to_scorecard(make_rig: Callable[..., Rig], tmp_path: Path, auth: Auth) -> None:
    rig = make_rig()
    ctx = Context(make_settings(rig.db, tmp_path), rig.db, rig.et.bus)
    for pattern, handler in PLUGIN.subscriptions(ctx):
        rig.do(lambda p=pattern, h=handler: rig.et.bus.subscribe(p, h))  # type: ignore[misc]

    agent = rig.agents["1001"]
    phone = rig.phone("1001")
    rig.do(lambda: rig.center.control.login(agent))
    caller = rig.script("speaking_caller.xml", speaking_caller("13800000001"))
    assert caller.wait(60) == 0, caller.output
    assert phone.wait(30) == 0, phone.output

    def checked() -> bool:
        with rig.db.session() as s:
            return s.scalar(select(AudioCheck)) is not None

    rig.wait(checked, timeout=30, what="automatic checks stored")
    [call] = rig.calls()
    with rig.db.session() as s:
        check = s.scalars(select(AudioCheck)).one()
        s.add(ApiToken(name="e2e", token_hash=token_hash("token-e2e1"), user_id=agent))
    # The caller speaks (SIPp's PCMA sample), the agent's phone sends nothing: the checks say so.
    assert (check.call_uuid, check.status, check.agent_id) == (call.uuid, "ok", agent)
    assert check.metrics["duration"] > 5 and check.metrics["agent_talk"] == 0
    assert check.metrics["caller_talk"] > 1 and check.segments["caller"]
    assert "no_agent_speech" in check.flags

    client = TestClient(create_app(make_settings(rig.db, tmp_path), rig.db), base_url="https://testserver")
    qa, sup, own = auth("qa_inspector"), auth("supervisor"), {"Authorization": "Bearer token-e2e1"}
    assert client.get(f"/api/quality/checks/{check.recording_id}", headers=qa).json()["flags"] == check.flags
    form = published_form(client, auth, FORM)
    rules = {"auto_flags": ["no_agent_speech"]}
    plan = client.post("/api/quality/plans", json={"name": "沉默通话", "rules": rules}, headers=qa).json()
    window = {
        "since": (utcnow() - timedelta(hours=1)).isoformat(),
        "until": (utcnow() + timedelta(minutes=1)).isoformat(),
    }
    run = client.post(f"/api/quality/plans/{plan['id']}/run", json=window, headers=qa).json()
    assert [(t["call_id"], t["reasons"]) for t in run["tasks"]] == [(call.uuid, ["auto:no_agent_speech"])]
    [task] = client.get("/api/quality/tasks", headers=qa).json()

    start = {"call_id": call.uuid, "form_id": form["id"], "task_id": task["id"]}
    score = client.post("/api/quality/scores", json=start, headers=qa).json()
    assert score["recording_id"] == check.recording_id and score["audio"]["available"]
    body = {
        "version": score["version"],
        "answers": {**FULL, "greeting": {"awarded": 0, "comment": "没有开场白"}},
        "comments": [{"at": 1.0, "text": "接通后无人说话", "item": "greeting"}],
    }
    scored = client.post(f"/api/quality/scores/{score['id']}/submit", json=body, headers=qa).json()
    assert scored["total"] == 90 and scored["state"] == "submitted"
    assert client.get("/api/quality/tasks", headers=qa).json() == []  # scored: out of the queue

    appeal = {"version": scored["version"], "reason": "话机故障，客户听不到我的声音"}
    appealed = client.post(f"/api/quality/my/scores/{score['id']}/appeal", json=appeal, headers=own).json()
    assert appealed["state"] == "appealed"
    decision = {
        "version": appealed["version"],
        "decision": "change",
        "note": "设备故障，不扣分",
        "answers": FULL,
    }
    decided = client.post(f"/api/quality/appeals/{score['id']}/decision", json=decision, headers=sup).json()
    assert (decided["state"], decided["total"], decided["original_total"]) == ("changed", 100, 90)

    period = {
        "since": (utcnow() - timedelta(days=1)).isoformat(),
        "until": (utcnow() + timedelta(days=1)).isoformat(),
    }
    [card] = client.get("/api/quality/scorecards", params=period, headers=sup).json()
    assert (card["key"], card["name"], card["count"], card["average"], card["changed"]) == (
        agent,
        "e2e1",
        1,
        100.0,
        1,
    )
