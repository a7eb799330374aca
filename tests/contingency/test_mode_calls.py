"""Each emergency mode on a real call: SIPp callers through the engine and the call center, the
modes switched on through the service and applied by the `ModeBoard` the plug-in registers."""

from __future__ import annotations

import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from hotline.audit.service import Actor
from hotline.contingency import service
from hotline.contingency.models import ContingencyCallback
from hotline.contingency.runtime import ModeBoard
from hotline.contingency.schemas import ModeIn
from hotline.people.models import User
from tests.callcenter.rig import CARE_NUMBER, Rig
from tests.callcenter.test_call_flow import info_caller_xml

pytestmark = pytest.mark.slow
MakeRig = Callable[..., Rig]
SUPERVISOR = Actor(None, "duty-lead")
BACKUP = "96000"
MOBILE = "13911110001"


def _silence(path: Path, seconds: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\0\0" * int(8000 * seconds))


def _switch_on(rig: Rig, **mode: Any) -> ModeBoard:
    """A mode on, and the board the contingency plug-in would register, on the rig's center."""
    with rig.db.session() as s:
        service.switch_on(s, SUPERVISOR, ModeIn(minutes=30, **mode))
    board = ModeBoard(rig.db, None)
    board.modes = board.load()
    rig.do(lambda: rig.center.diversions.register(board.divert))
    return board


def _ended_call(rig: Rig) -> Any:
    rig.wait(lambda: bool(rig.calls()) and rig.calls()[0].state == "ended", what="CDR closed")
    return rig.calls()[0]


def test_announcement_plays_before_the_menu(make_rig: MakeRig) -> None:
    rig = make_rig()
    _silence(rig.tmp / "prompts" / "heat-notice.wav", 1.0)
    _switch_on(rig, kind="announcement", reason="notice", prompt="heat-notice")
    caller = rig.caller("13800000051", "", hold_ms=3500)
    assert caller.wait(60) == 0, caller.output
    call = _ended_call(rig)
    steps = call.ivr_path["steps"]
    assert steps[0] == {"node": "diversion", "mode": "announcement#1", "announce": ["heat-notice"]}
    assert len(steps) > 1  # then the menu, as without the mode


def test_overflow_with_nobody_logged_in_goes_to_the_backup_center(make_rig: MakeRig) -> None:
    rig = make_rig()
    backup = rig.external(calls=1)
    _switch_on(rig, kind="overflow", reason="agents_unavailable", backup_number=BACKUP)
    caller = rig.caller("13800000052", "", hold_ms=3000)
    assert caller.wait(60) == 0, caller.output
    assert backup.wait(20) == 0, backup.output  # the backup center's phone answered, got the BYE
    call = _ended_call(rig)
    assert call.ivr_path["steps"] == [
        {"node": "diversion", "mode": "overflow#1", "transfer_to": BACKUP}
    ]  # no menu
    legs = rig.legs(call.id)
    assert [(leg.role, leg.number) for leg in legs if leg.role == "external"] == [("external", BACKUP)]


def test_overflow_after_waiting_n_seconds(make_rig: MakeRig) -> None:
    rig = make_rig()
    for ext in ("1001", "1002"):  # logged in, but busy: callers wait in the queue
        agent = rig.agents[ext]
        rig.do(lambda a=agent: rig.center.control.login(a))
        rig.do(lambda a=agent: rig.center.control.not_ready(a, "busy"))
    backup = rig.external(calls=1)
    _switch_on(rig, kind="overflow", reason="surge", backup_number=BACKUP, overflow_after_seconds=1)
    caller = rig.caller(CARE_NUMBER, "0", hold_ms=6000)  # care menu: 0 = the elderly queue
    assert backup.wait(30) == 0, backup.output
    assert caller.wait(30) == 0, caller.output
    call = _ended_call(rig)
    assert call.ivr_path["steps"][0]["overflow_to"] == BACKUP and call.queue
    kinds = [kind for uuid, _, kind, _ in rig.queue_log() if uuid == call.uuid]
    assert kinds[0] == "enter" and "timeout" in kinds and "abandon" not in kinds
    assert [leg.number for leg in rig.legs(call.id) if leg.role == "external"] == [BACKUP]


def test_callback_collection_fills_the_worklist(make_rig: MakeRig) -> None:
    rig = make_rig()
    _silence(rig.tmp / "prompts" / "contingency-callback-thanks.wav", 1.5)  # heard after the '#'
    _switch_on(rig, kind="callback_only", reason="engine_down")
    # Keys by SIP INFO: SIPp's RFC 4733 pcaps repeat one timestamp per digit, so a digit keyed
    # twice in a number would read as one press retransmitted.
    caller = rig.script("keys.xml", info_caller_xml("13800000054", "13912345678#", None))
    assert caller.wait(60) == 0, caller.output  # the hotline hangs up after the thank-you
    call = _ended_call(rig)
    assert call.outcome == "callback_collected" and call.queue is None
    with rig.db.session() as s:
        [row] = s.scalars(select(ContingencyCallback)).all()
        assert (row.callback_number, row.caller_number, row.status) == ("13912345678", "13800000054", "open")
        assert row.call_uuid == call.uuid and row.mode_id == 1


def test_remote_duty_rings_the_agents_mobile_through_the_trunk(make_rig: MakeRig) -> None:
    """The agent is at home: no phone registered, their mobile on the user. With remote duty on,
    the offer rings the mobile through the trunk (a SIPp UAS as the carrier and the mobile); the
    answered mobile is bridged as the agent's leg and the CDR names it."""
    rig = make_rig()
    agent = rig.agents["1001"]  # the elderly queue's agent
    with rig.db.session() as s:
        user = s.get(User, agent)
        assert user is not None
        user.mobile = MOBILE
    mobile = rig.external(calls=1)
    board = _switch_on(rig, kind="remote_duty", reason="agents_unavailable")
    board.mobiles = board.load_mobiles()
    rig.do(lambda: setattr(rig.center.diversions, "remote_duty", board.remote_duty))
    rig.do(lambda: rig.center.control.login(agent))
    caller = rig.caller(CARE_NUMBER, "0", hold_ms=3000)  # care menu: 0 = the elderly queue
    assert caller.wait(40) == 0, caller.output
    assert mobile.wait(20) == 0, mobile.output  # the mobile answered, got the BYE
    call = _ended_call(rig)
    assert (call.outcome, call.agent_id, call.queue) == ("answered", agent, "elderly")
    legs = [(leg.role, leg.number, leg.agent_id, leg.answered_at is not None) for leg in rig.legs(call.id)]
    assert ("agent_mobile", MOBILE, agent, True) in legs
    assert not [leg for leg in legs if leg[0] == "agent"]  # no desk phone was there to ring
    kinds = [kind for uuid, _, kind, agent_id in rig.queue_log() if uuid == call.uuid]
    assert "connect" in kinds
