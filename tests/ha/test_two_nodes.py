"""Two `hotline serve` nodes behind Kamailio on one PostgreSQL and one Redis: a phone registers
through the edge, a trunk call reaches node A's IVR, queue and the agent (rung through the edge);
node A is killed with SIGKILL and the edge's probes mark it down; node B takes the lease (a new
epoch), starts its engine, and the next trunk call is answered, queued and put through to the same
agent, still rung through the edge, with the registration node A saved. A wallboard connected to
node B while it stood by is told to reconnect (1012) when B takes over, and then sees B's running
call center; so does the supervisor's wallboard page in Chromium, never reloaded: B's agents, then
the agent on the new call, live."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

from hotline.calls.models import AgentStateRow, Call
from hotline.ha.lease import ACD, current
from hotline.people.models import ApiToken, User
from hotline.store.db import Database
from hotline.telephony.models import SipRegistration
from hotline.web.auth import token_hash
from tests.callcenter.rig import phone_xml, seed
from tests.ha.board import Board
from tests.ha.cluster import Edge, Node, wait_for
from tests.ha.scenarios import edge_caller_xml
from tests.parallel import rtp_block
from tests.redisbus.server import RedisServer
from tests.sip.harness import PASSWORDS, PHONE_IP, Sipp, free_port, need

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]
AGENT_TOKEN = "token-ha-agent"
BOARD_TOKEN = "token-ha-board"


def calls(db: Database) -> list[Call]:
    with db.session() as s:
        return list(s.scalars(select(Call).order_by(Call.id)))


def binding_path(db: Database, aor: str) -> list[str]:
    with db.session() as s:
        row = s.scalars(select(SipRegistration).where(SipRegistration.aor == aor)).first()
        return [str(p) for p in row.path] if row is not None else []


def last_state(db: Database, agent_id: int) -> str | None:
    with db.session() as s:
        query = select(AgentStateRow.state).where(AgentStateRow.agent_id == agent_id)
        return s.scalars(query.order_by(AgentStateRow.id.desc()).limit(1)).first()


def give_token(db: Database, username: str, token: str) -> None:
    with db.session() as s:
        user = s.scalars(select(User).where(User.username == username)).one()
        s.add(ApiToken(name="ha", token_hash=token_hash(token), user_id=user.id))


def wallboard(node: Node) -> ClientConnection:
    return connect(f"ws://127.0.0.1:{node.http}/api/calls/ws?token={BOARD_TOKEN}", open_timeout=10)


def snapshot_running(sock: ClientConnection) -> bool:
    msg = json.loads(sock.recv(timeout=10))
    assert msg["type"] == "snapshot"
    return bool(msg.get("data", msg)["running"])  # without a call center: no "data"


@pytest.mark.parametrize("db", ["postgresql"], indirect=True)
def test_kill_the_leader_and_the_standby_answers_through_the_edge(
    db: Database, tmp_path: Path, redis_server: RedisServer
) -> None:
    need("sipp")
    agents = seed(db)
    give_token(db, "e2e1", AGENT_TOKEN)
    give_token(db, "e2esup", BOARD_TOKEN)
    a = Node("a", db.url, redis_server.url, tmp_path / "a", rtp_block(200))
    b = Node("b", db.url, redis_server.url, tmp_path / "b", rtp_block(200))
    edge = Edge(tmp_path, [a.sip, b.sip])
    sipps: list[Sipp] = []
    page: Board | None = None
    try:
        a.start()
        wait_for(a.leading, 60, "node a to lead")
        b.start()
        assert not b.leading()  # standing by: no engine; it answers the edge's probes, 503 to calls

        phone_port = free_port(PHONE_IP)
        register = ["-s", "1001", "-au", "1001", "-ap", PASSWORDS["1001"], "-m", "1"]
        reg = Sipp("register.xml", edge.port, ip=PHONE_IP, port=phone_port, args=register, cwd=tmp_path)
        assert reg.run() == 0, (reg.output, edge.log())
        wait_for(
            lambda: any(str(edge.port) in p for p in binding_path(db, "1001")), 30, "the binding with Path"
        )
        login = httpx.post(
            f"{a.base}/api/calls/agent/login", headers={"Authorization": f"Bearer {AGENT_TOKEN}"}
        )
        assert login.status_code == 200 and login.json()["state"] == "ready", login.text

        (tmp_path / "phone.xml").write_text(phone_xml(200))
        phone = Sipp(str(tmp_path / "phone.xml"), edge.port, ip=PHONE_IP, port=phone_port, cwd=tmp_path)
        phone.cmd += ["-s", "1001", "-m", "2", "-trace_msg", "-message_file", str(tmp_path / "phone.msg")]
        sipps.append(phone.start())

        (tmp_path / "first.xml").write_text(edge_caller_xml("13800000021", "1", 1500))
        first = Sipp(str(tmp_path / "first.xml"), edge.port, cwd=tmp_path, args=["-s", "12345", "-m", "1"])
        assert first.run() == 0, (first.output[-2000:], edge.log(), a.log())
        wait_for(lambda: len(calls(db)) == 1 and calls(db)[0].state == "ended", 30, "the first call's CDR")
        one = calls(db)[0]
        assert (one.queue, one.agent_id, one.outcome) == ("elderly", agents["1001"], "answered")
        held = current(db, ACD)
        assert held is not None and (held.holder, held.epoch) == ("a", 1)
        # out of wrap-up and logged so (an agent in wrap-up is taken over as not ready, by design)
        wait_for(lambda: last_state(db, agents["1001"]) == "ready", 30, "the agent ready again")

        # The supervisor's wallboard in Chromium on the standby: no call center there yet.
        page = Board(b.base, "e2esup", "password-e2e")
        page.page.get_by_test_id("wall-not-running").wait_for()
        with wallboard(b) as board:  # and a bare socket on it: live events
            assert not snapshot_running(board)
            a.kill()
            wait_for(b.leading, 30, "node b to take over")
            # the new leader closes it as "service restart"; the console reconnects and has it
            with pytest.raises(ConnectionClosed) as closed:
                while True:
                    board.recv(timeout=30)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
        with wallboard(b) as again:
            assert snapshot_running(again)
        held = current(db, ACD)
        assert held is not None and (held.holder, held.epoch) == ("b", 2)
        # The page reconnected by itself and shows node b's running call center, agent ready.
        page.page.get_by_test_id("wall-not-running").wait_for(state="detached")
        page.agent_state(agents["1001"], "示闲")

        wait_for(lambda: edge.saw_down(a.sip), 15, "the edge's probes to mark node a down")

        (tmp_path / "second.xml").write_text(edge_caller_xml("13800000022", "1", 4000))
        second = Sipp(str(tmp_path / "second.xml"), edge.port, cwd=tmp_path, args=["-s", "12345", "-m", "1"])
        sipps.append(second.start())
        page.agent_state(agents["1001"], "通话")  # live: the agent on the new call, on the same page
        assert second.wait(60) == 0, (second.output[-2000:], edge.log(), b.log())
        assert page.same_page()  # never reloaded
        wait_for(lambda: len(calls(db)) == 2 and calls(db)[1].state == "ended", 30, "the second call's CDR")
        two = calls(db)[1]
        assert (two.queue, two.agent_id, two.outcome) == ("elderly", agents["1001"], "answered")
        assert phone.wait(30) == 0, phone.output
        # both INVITEs reached the phone through the edge (its Via on top), from each node in turn
        received = (tmp_path / "phone.msg").read_text()
        invites = [m for m in received.split("INVITE sip:")[1:]]
        assert len(invites) == 2 and all(f"Via: SIP/2.0/UDP 127.0.0.1:{edge.port}" in m for m in invites)
    finally:
        if page is not None:
            page.close()
        for sipp in sipps:
            sipp.kill()
        a.kill()
        b.stop()
        edge.stop()
