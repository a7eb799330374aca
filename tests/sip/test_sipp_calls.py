"""SIPp against the running engine: REGISTER with digest, answered calls, CANCEL, BYE both ways, hold.

A SIPp "phone" on 127.0.0.3 registers an extension with digest auth and then runs a UAS scenario on
the same port; a SIPp "trunk" on 127.0.0.2 (a trunk peer, so no auth) calls that extension, and the
engine's default routing rings the phone and bridges the two legs.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from tests.sip.harness import PASSWORDS, PHONE_IP, EngineThread, Sipp, free_port

pytestmark = pytest.mark.timeout(120)


def register(et: EngineThread, ext: str, port: int, password: str | None = None) -> Sipp:
    sipp = Sipp(
        "register.xml" if password is None else "register_bad.xml",
        et.port,
        ip=PHONE_IP,
        port=port,
        args=["-s", ext, "-au", ext, "-ap", password or PASSWORDS[ext], "-m", "1"],
    )
    rc = sipp.run()
    assert rc == 0, sipp.output
    return sipp


def phone(
    et: EngineThread,
    scenario: str,
    ext: str = "1001",
    args: list[str] | None = None,
    cwd: Path | None = None,
    keep_others: bool = False,
) -> Sipp:
    """Register ``ext`` from a fresh port, then run ``scenario`` there as that phone.

    Earlier tests' phones are gone but still registered; since the engine rings every contact of an
    extension, they are dropped first unless the test wants several live contacts."""
    if not keep_others and et.engine is not None:
        bindings = et.engine.registrar.bindings
        et.call_soon(lambda: bindings.pop(ext, None))
    port = free_port(PHONE_IP)
    register(et, ext, port)
    sipp = Sipp(
        scenario, et.port, ip=PHONE_IP, port=port, args=["-s", ext, "-m", "1", *(args or [])], cwd=cwd
    )
    sipp.start()
    time.sleep(0.3)  # let it bind before the call arrives
    return sipp


def trunk_call(et: EngineThread, scenario: str, ext: str = "1001", args: list[str] | None = None) -> Sipp:
    sipp = Sipp(scenario, et.port, args=["-s", ext, "-m", "1", *(args or [])])
    rc = sipp.run()
    assert rc == 0, sipp.output
    return sipp


def assert_idle(et: EngineThread) -> None:
    """After the calls end nothing call-related may stay behind (no leak of legs, dialogs, ports)."""
    engine = et.engine
    assert engine is not None

    def idle() -> bool:
        return not (engine.calls or engine.dialogs or engine.invites or engine.ports.used)

    assert et.wait_for(idle, 15), (engine.calls, engine.dialogs, engine.invites, engine.ports.used)


def test_register_with_digest(engine_thread: EngineThread) -> None:
    et = engine_thread
    assert et.engine is not None
    port = free_port(PHONE_IP)
    register(et, "1002", port)
    bindings = et.engine.registrar.lookup("1002")
    assert [b.contact for b in bindings] == [f"sip:1002@{PHONE_IP}:{port}"]
    assert 290 <= bindings[0].remaining() <= 300
    et.wait_event("sip.registered", extension="1002")
    # a second contact for the same extension is kept alongside the first
    port2 = free_port(PHONE_IP)
    register(et, "1002", port2)
    assert len(et.engine.registrar.lookup("1002")) == 2


def test_register_wrong_password_rejected(engine_thread: EngineThread) -> None:
    et = engine_thread
    assert et.engine is not None
    register(et, "2001", free_port(PHONE_IP), password="wrong")
    assert et.engine.registrar.lookup("2001") == []


def test_call_answered_by_registered_phone(engine_thread: EngineThread) -> None:
    et = engine_thread
    et.clear()
    uas = phone(et, "uas_answer.xml")
    trunk_call(et, "uac_call.xml")
    assert uas.wait(20) == 0, uas.output
    ended = et.wait_event("call.ended")
    topics = et.topics()
    for topic in (
        "call.arrived",
        "leg.originated",
        "leg.ringing_started",
        "leg.answered",
        "call.bridged",
        "leg.ended",
    ):
        assert topic in topics
    assert topics.count("leg.answered") == 2
    assert {leg["cause"] for leg in ended.data["legs"]} == {"remote_hangup", "peer_hangup"}
    assert_idle(et)


def test_phone_call_with_sipp_digest(engine_thread: EngineThread) -> None:
    """A registered phone (not a trunk) calls another: SIPp answers the 407 with qop=auth and the
    Request-URI as digest uri (``-auth_uri``: SIPp's default, its remote host:port, is refused for an
    INVITE to an extension), and the call goes through."""
    et = engine_thread
    et.clear()
    uas = phone(et, "uas_answer.xml")
    ruri = f"1001@127.0.0.1:{et.port}"  # SIPp puts "sip:" in front
    args = ["-s", "1001", "-au", "1003", "-ap", PASSWORDS["1003"], "-auth_uri", ruri, "-m", "1"]
    caller = Sipp("uac_auth_call.xml", et.port, ip=PHONE_IP, args=args)
    assert caller.run() == 0, (et.topics(), caller.output[-3000:])
    assert uas.wait(20) == 0, uas.output
    new = et.wait_event("call.arrived")
    assert (new.data["user"], new.data["trunk"]) == ("1003", False)
    et.wait_event("call.ended")
    assert "security.alert_raised" not in et.topics()
    assert_idle(et)


def test_bye_from_called_side(engine_thread: EngineThread) -> None:
    et = engine_thread
    et.clear()
    uas = phone(et, "uas_bye.xml")
    trunk_call(et, "uac_wait_bye.xml")
    assert uas.wait(20) == 0, uas.output
    ended = et.wait_event("call.ended")
    causes = [leg["cause"] for leg in ended.data["legs"]]
    assert causes == ["peer_hangup", "remote_hangup"]


def test_cancel_while_ringing(engine_thread: EngineThread) -> None:
    et = engine_thread
    et.clear()
    uas = phone(et, "uas_ring.xml")
    trunk_call(et, "uac_cancel.xml")
    assert uas.wait(20) == 0, uas.output
    ended = et.wait_event("call.ended")
    assert ended.data["legs"][0]["cause"] == "cancelled"
    assert not any(leg["answered"] for leg in ended.data["legs"])
    assert_idle(et)


def test_hold_unhold_relayed(engine_thread: EngineThread) -> None:
    et = engine_thread
    et.clear()
    uas = phone(et, "uas_hold.xml")
    trunk_call(et, "uac_hold.xml")
    assert uas.wait(20) == 0, uas.output
    hold = et.wait_event("leg.held")
    assert hold.data["by"] == "remote" and hold.data["direction"] == "sendonly"
    et.wait_event("leg.resumed")
    et.wait_event("call.ended")
    assert_idle(et)


def test_unregistered_extension_is_404(engine_thread: EngineThread) -> None:
    et = engine_thread
    et.clear()
    sipp = Sipp("uac_call.xml", et.port, args=["-s", "7777", "-m", "1"])
    assert sipp.run() != 0  # the scenario expects 200; the engine answers 404
    assert "404" in (sipp.output + "".join(et.topics())) or et.wait_event("leg.ended", cause="not_found")
