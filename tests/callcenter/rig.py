"""End-to-end rig: the real telephony engine + the call center + SIPp callers and agent phones.

The engine runs on its own loop in a thread (tests/sip/harness.EngineThread); the call center is
started on that loop with `start_callcenter`. Callers are SIPp UACs on the trunk address that
press DTMF keys from SIPp's RFC 4733 pcaps; agents are SIPp UASs registered with digest auth on
the phone address; "external" numbers (120, family phones, callback targets) are a SIPp UAS behind
the configured outbound trunk.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from hotline.acd.schemas import HoursIn, QueueIn, SkillIn
from hotline.acd.service import create_hours, create_queue, set_skills
from hotline.audit.service import Actor
from hotline.calls.center import CallCenter, start_callcenter
from hotline.calls.models import Call, CallLeg, QueueEventRow
from hotline.ivr.demo import DEMO_FLOW
from hotline.ivr.service import create_flow, publish
from hotline.people.permissions import Role
from hotline.people.schemas import CallerIn, CareProfileIn, EmergencyContactIn, PhoneIn, UserIn
from hotline.people.service import create_caller, create_user
from hotline.store.db import Database
from tests.sip.harness import PASSWORDS, PHONE_IP, EngineThread, Sipp, free_port

EXTERNAL_IP = "127.0.0.4"
DTMF = "/usr/share/sip-tester/dtmf_2833_{}.pcap"
ACTOR = Actor(None, "e2e")
CARE_NUMBER = "13900000009"
CONTACT_NUMBER = "13700000001"

_INVITE = """INVITE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "caller" <sip:{number}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>
Call-ID: [call_id]
CSeq: 1 INVITE
Contact: <sip:{number}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Type: application/sdp
Content-Length: [len]

v=0
o=user1 53655765 2353687637 IN IP[local_ip_type] [local_ip]
s=-
c=IN IP[media_ip_type] [media_ip]
t=0 0
m=audio [media_port] RTP/AVP 0 101
a=rtpmap:0 PCMU/8000
a=rtpmap:101 telephone-event/8000
a=fmtp:101 0-15
"""
_ACK = """ACK sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "caller" <sip:{number}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 1 ACK
Contact: <sip:{number}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0
"""
_BYE = """BYE sip:[service]@[remote_ip]:[remote_port] SIP/2.0
Via: SIP/2.0/[transport] [local_ip]:[local_port];branch=[branch]
From: "caller" <sip:{number}@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]
To: <sip:[service]@[remote_ip]:[remote_port]>[peer_tag_param]
Call-ID: [call_id]
CSeq: 2 BYE
Contact: <sip:{number}@[local_ip]:[local_port]>
Max-Forwards: 70
Content-Length: 0
"""
_OK = """SIP/2.0 200 OK
[last_Via:]
[last_From:]
[last_To:]
[last_Call-ID:]
[last_CSeq:]
Content-Length: 0
"""


def caller_xml(number: str, digits: str, hold_ms: int | None) -> str:
    """A trunk caller: dial, press `digits` one per 600 ms, then hang up after `hold_ms` or wait
    for the hotline to hang up (hold_ms=None)."""
    steps = [f'<send retrans="500"><![CDATA[\n{_INVITE.format(number=number)}\n]]></send>']
    steps += ['<recv response="100" optional="true"/>', '<recv response="180" optional="true"/>']
    steps += [
        '<recv response="200" rtd="true"/>',
        f"<send><![CDATA[\n{_ACK.format(number=number)}\n]]></send>",
    ]
    steps.append('<pause milliseconds="800"/>')
    names = {"*": "star", "#": "pound"}
    for d in digits:
        steps.append(f'<nop><action><exec play_pcap_audio="{DTMF.format(names.get(d, d))}"/></action></nop>')
        steps.append('<pause milliseconds="600"/>')
    if hold_ms is None:
        steps += ['<recv request="BYE"/>', f"<send><![CDATA[\n{_OK}\n]]></send>"]
    else:
        steps.append(f'<pause milliseconds="{hold_ms}"/>')
        steps.append(f'<send retrans="500"><![CDATA[\n{_BYE.format(number=number)}\n]]></send>')
        steps.append('<recv response="200" crlf="true"/>')
    body = "\n".join(steps)
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<scenario name="caller">\n{body}\n</scenario>\n'


def phone_xml(answer_after_ms: int = 300) -> str:
    """A phone (agent or external number): ring, answer after a delay, wait for BYE; any number of
    calls (run it with -m N)."""
    src = (Path(__file__).parents[1] / "sip" / "scenarios" / "uas_answer.xml").read_text()
    return src.replace(
        '  <send retrans="500">', f'  <pause milliseconds="{answer_after_ms}"/>\n  <send retrans="500">', 1
    )


def seed(db: Database, **overrides: Any) -> dict[str, int]:
    """Queues elderly + general (always open), agents e2e1/1001 (elderly), e2e2/1002 (general), a
    supervisor with 2001, the demo IVR published, and a care-profile caller with a contact."""
    agents: dict[str, int] = {}
    with db.session() as s:
        hours = create_hours(s, ACTOR, HoursIn(name="hotline", schedule={"always_open": True}))
        create_queue(s, ACTOR, QueueIn(name="general", label="综合", wrap_up_seconds=1, hours_id=hours.id))
        create_queue(
            s,
            ACTOR,
            QueueIn(
                name="elderly",
                label="养老",
                wrap_up_seconds=1,
                hours_id=hours.id,
                **{"ring_timeout_seconds": 10, **overrides},
            ),
        )
        for username, ext, skills in (("e2e1", "1001", {"elderly": 9}), ("e2e2", "1002", {"general": 5})):
            user = create_user(
                s,
                ACTOR,
                UserIn(
                    username=username,
                    display_name=username,
                    password="password-e2e",
                    role=Role.agent,
                    extension=ext,
                    sip_password=PASSWORDS[ext],
                ),
            )
            set_skills(s, ACTOR, user.id, [SkillIn(queue=q, level=lv) for q, lv in skills.items()])
            agents[ext] = user.id
        sup = create_user(
            s,
            ACTOR,
            UserIn(
                username="e2esup",
                display_name="sup",
                password="password-e2e",
                role=Role.supervisor,
                extension="2001",
                sip_password=PASSWORDS["2001"],
            ),
        )
        agents["2001"] = sup.id
        flow = create_flow(s, ACTOR, "main", DEMO_FLOW)
        publish(s, ACTOR, flow.id)
        create_caller(
            s,
            ACTOR,
            CallerIn(
                name="张奶奶",
                phones=[PhoneIn(number=CARE_NUMBER)],
                care_profile=CareProfileIn(priority_level=2, living_alone=True, age=82),
                emergency_contacts=[EmergencyContactIn(name="儿子", relation="son", phone=CONTACT_NUMBER)],
            ),
        )
    return agents


class Rig:
    def __init__(self, db: Database, tmp: Path, rtp_base: int, **queue_overrides: Any) -> None:
        self.db = db
        self.tmp = tmp
        self.trunk_port = free_port(EXTERNAL_IP)
        self.et = EngineThread(tmp, rtp_base, outbound_trunk=f"{EXTERNAL_IP}:{self.trunk_port}")
        self.procs: list[Sipp] = []
        self.agents: dict[str, int] = {}
        self.seed(queue_overrides)
        self.engine = self.et.start()
        self.engine.qualify_interval = 0  # SIPp phones here do not answer OPTIONS probes
        self.center: CallCenter = self.et.run(
            start_callcenter(
                self.engine,
                db,
                self.et.bus,
                tick_seconds=0.05,
                recordings_dir=tmp / "recordings",
                journal_dir=tmp / "journal",
            )
        )

    def seed(self, overrides: dict[str, Any]) -> None:
        self.agents.update(seed(self.db, **overrides))

    # --- peers ---------------------------------------------------------------------------------

    def _write(self, name: str, text: str) -> str:
        path = self.tmp / name
        path.write_text(text)
        return str(path)

    def phone(
        self,
        ext: str,
        answer_after_ms: int = 300,
        calls: int = 1,
        scenario: str = "",
        cwd: Path | None = None,
    ) -> Sipp:
        for _ in range(3):  # a port picked as free may be taken meanwhile on a shared box
            port = free_port(PHONE_IP)
            reg = Sipp(
                "register.xml",
                self.et.port,
                ip=PHONE_IP,
                port=port,
                args=["-s", ext, "-au", ext, "-ap", PASSWORDS[ext], "-m", "1"],
                cwd=self.tmp,
            )
            if reg.run() == 0 or "Address already in use" not in reg.output:
                break
        assert reg.proc is not None and reg.proc.returncode == 0, reg.output
        scenario = scenario or self._write(f"phone{ext}-{answer_after_ms}.xml", phone_xml(answer_after_ms))
        args = ["-s", ext, "-m", str(calls)]
        return self._start(
            lambda: Sipp(scenario, self.et.port, ip=PHONE_IP, port=port, args=args, cwd=cwd or self.tmp)
        )

    def external(self, calls: int = 1, answer_after_ms: int = 300) -> Sipp:
        scenario = self._write(f"external-{answer_after_ms}.xml", phone_xml(answer_after_ms))
        args = ["-s", "ext", "-m", str(calls)]
        return self._start(
            lambda: Sipp(
                scenario, self.et.port, ip=EXTERNAL_IP, port=self.trunk_port, args=args, cwd=self.tmp
            )
        )

    def _start(self, make: Callable[[], Sipp]) -> Sipp:
        """Start a SIPp peer; on a shared box a port picked as free may be taken by the time SIPp
        binds it, so a peer that dies at once with "Address already in use" is started again."""
        for _ in range(3):
            sipp = make().start()
            time.sleep(0.3)
            if sipp.proc is not None and sipp.proc.poll() not in (None, 0):
                out = sipp.proc.stdout.read().decode("utf-8", "replace") if sipp.proc.stdout else ""
                if "Address already in use" in out:
                    continue
            break
        self.procs.append(sipp)
        return sipp

    def caller(self, number: str, digits: str, hold_ms: int | None = 2000, dialed: str = "12345") -> Sipp:
        scenario = self._write(f"caller{number}-{digits}-{hold_ms}.xml", caller_xml(number, digits, hold_ms))
        sipp = self._start(lambda: Sipp(scenario, self.et.port, args=["-s", dialed, "-m", "1"], cwd=self.tmp))
        return sipp

    def script(self, name: str, xml: str, dialed: str = "12345") -> Sipp:
        """A trunk caller running a hand-written scenario `xml` once."""
        scenario = self._write(name, xml)
        return self._start(lambda: Sipp(scenario, self.et.port, args=["-s", dialed, "-m", "1"], cwd=self.tmp))

    # --- the call center -----------------------------------------------------------------------

    def do(self, fn: Callable[[], Any]) -> Any:
        """Run `fn` on the engine's loop (awaiting it if it returns a coroutine)."""

        async def call() -> Any:
            result = fn()
            return await result if asyncio.iscoroutine(result) else result

        return self.et.run(call())

    def wait(self, pred: Callable[[], bool], timeout: float = 20.0, what: str = "") -> None:
        if not self.et.wait_for(pred, timeout):
            tail = [(e.topic, e.data) for e in self.et.events[-12:]]
            raise AssertionError(
                f"timed out waiting for {what or pred}; last events: {tail}; log {self.queue_log()}"
            )

    def queue_log(self) -> list[tuple[str, str, str, int | None]]:
        with self.db.session() as s:
            rows = s.scalars(select(QueueEventRow).order_by(QueueEventRow.id))
            return [(r.call_uuid, r.queue, r.kind, r.agent_id) for r in rows]

    def calls(self) -> list[Call]:
        with self.db.session() as s:
            return list(s.scalars(select(Call).order_by(Call.id)))

    def legs(self, call_id: int) -> list[CallLeg]:
        with self.db.session() as s:
            return list(s.scalars(select(CallLeg).where(CallLeg.call_id == call_id).order_by(CallLeg.id)))

    def close(self) -> None:
        for proc in self.procs:
            proc.kill()
        try:
            self.et.run(self.center.stop())
        finally:
            self.et.stop()
