"""不满意 flags reach the shift leads' consoles live: a supervisor's /api/calls/ws gets the flag as
it is raised and its acknowledgement, and each answer (for the wallboard's 满意率 per agent); an
agent's socket gets none of them (they are not about the agent's own call handling screen)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from hotline.bus import Event
from hotline.people.permissions import Role
from hotline.satisfaction.topics import DissatisfiedFlagged, FlagAcknowledged, SatisfactionAnswerRecorded
from hotline.web.auth import Principal
from hotline.web.live import visible
from tests.calls.conftest import Running

H = Callable[[str], dict[str, str]]


def _next(sock: Any, prefix: str) -> dict[str, Any]:
    while not (msg := sock.receive_json())["type"].startswith(prefix):
        pass
    return dict(msg)


def test_flags_and_answers_reach_supervisors_live(running: Running, client: TestClient, auth: H) -> None:
    events = [
        SatisfactionAnswerRecorded(
            id=7, call_id="c7", queue="elderly", agent_id=3, scale=3, score=3, level="dissatisfied"
        ),
        DissatisfiedFlagged(id=7, call_id="c7", queue="elderly", agent_id=3),
        FlagAcknowledged(id=7, by="banzhang"),
    ]
    with client.websocket_connect("/api/calls/ws?token=token-supervisor") as sup:
        assert sup.receive_json()["type"] == "snapshot"
        for event in events:
            running.loop.call_soon_threadsafe(running.center.bus.publish, event)
        got = [_next(sup, "satisfaction.") for _ in events]
    assert [m["type"] for m in got] == [
        "satisfaction.answer_recorded",
        "satisfaction.dissatisfied_flagged",
        "satisfaction.flag_acknowledged",
    ]
    assert got[1]["data"] == {"id": 7, "call_id": "c7", "queue": "elderly", "agent_id": 3}


def test_agents_do_not_get_them() -> None:
    agent = Principal(3, "agent", "座席", Role.agent, None, frozenset({"calls.control"}))
    lead = Principal(2, "sup", "班长", Role.supervisor, None, frozenset({"calls.supervise"}))
    flagged = Event(DissatisfiedFlagged.TOPIC, {"id": 7, "call_id": "c7", "queue": "elderly", "agent_id": 3})
    assert visible(flagged, lead) and not visible(flagged, agent)
