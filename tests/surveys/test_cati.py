"""Phone interviews (CATI): a sample frame from callers by district/age/living alone, the next
respondent claimed once, the phone wording, answers recorded like the web's (counted once, channel
"cati"), outcome codes with retries and call-backs, calling hours on an explicit clock, and the
rates; the outcome table exhaustively."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi.testclient import TestClient

from hotline.audit.service import Actor
from hotline.errors import Conflict
from hotline.people.schemas import CallerIn
from hotline.people.service import create_caller
from hotline.store.db import Database
from hotline.surveys import cati
from hotline.surveys.states import INTERVIEW_STATES, InterviewAction, InterviewState
from tests.surveys.helpers import Auth, published_survey

AGENT = Actor(1, "agent")  # the seeded agent (tests/conftest.py: users in role order)
# 2026-12-03 is a Thursday: 10:00 Shanghai = 02:00 UTC.
THURSDAY_10H = datetime(2026, 12, 3, 2, 0, tzinfo=UTC)


def _callers(db: Database) -> None:
    with db.session() as s:
        for i, (district, age, alone) in enumerate(
            [("越秀区", 72, True), ("越秀区", 81, False), ("越秀区", 66, True), ("海珠区", 75, True)]
        ):
            create_caller(
                s,
                Actor(None, "t"),
                CallerIn.model_validate(
                    {
                        "name": f"受访者{i}",
                        "district": district,
                        "phones": [{"number": f"1380013{i:04d}"}],
                        "care_profile": {"age": age, "living_alone": alone},
                    }
                ),
            )
        s.commit()


def test_calling_window() -> None:
    assert cati.in_window(THURSDAY_10H)
    assert not cati.in_window(THURSDAY_10H - timedelta(hours=1, minutes=1))  # 08:59
    assert not cati.in_window(THURSDAY_10H + timedelta(hours=10))  # 20:00
    assert cati.in_window(datetime(2026, 12, 5, 2, 0, tzinfo=UTC))  # a Saturday
    assert not cati.in_window(datetime(2026, 10, 1, 2, 0, tzinfo=UTC))  # National Day


def test_outcome_table_exhaustively() -> None:
    for state in InterviewState:
        for action in InterviewAction:
            if INTERVIEW_STATES.can(state, action):
                INTERVIEW_STATES.next(state, action)
            else:
                with pytest.raises(Conflict):
                    INTERVIEW_STATES.next(state, action)
    for final in (InterviewState.completed, InterviewState.refused, InterviewState.wrong_number):
        assert INTERVIEW_STATES.allowed(final) == []


def test_frame_interview_and_outcomes(client: TestClient, auth: Auth, db: Database) -> None:
    _callers(db)
    sid = published_survey(client, auth)
    r = client.post(
        f"/api/surveys/{sid}/frame",
        json={"district": "越秀区", "living_alone": True, "min_age": 65},
        headers=auth("supervisor"),
    )
    assert r.json() == {"added": 2}
    assert client.post(
        f"/api/surveys/{sid}/frame", json={"district": "越秀区"}, headers=auth("supervisor")
    ).json() == {"added": 1}

    with db.session() as s:
        first = cati.next_interview(s, AGENT, sid, THURSDAY_10H)
        second = cati.next_interview(s, Actor(6, "admin"), sid, THURSDAY_10H)
        third = cati.next_interview(s, AGENT, sid, THURSDAY_10H)
        assert first and second and third and len({first.id, second.id, third.id}) == 3
        assert cati.next_interview(s, AGENT, sid, THURSDAY_10H) is None
        with pytest.raises(Conflict):
            cati.next_interview(s, AGENT, sid, THURSDAY_10H - timedelta(hours=2))  # 08:00
        assert first.age_band == "70-79" and first.phone.startswith("1380013")
        # Another agent cannot work on one held by someone else.
        with pytest.raises(Conflict):
            cati.start(s, Actor(6, "admin"), first.id, None)
        # no answer -> rung again only after the spacing; busy likewise; call back when due.
        cati.outcome(s, AGENT, first.id, InterviewAction.no_answer, THURSDAY_10H)
        cati.outcome(
            s,
            Actor(6, "admin"),
            second.id,
            InterviewAction.callback,
            THURSDAY_10H,
            callback_at=THURSDAY_10H + timedelta(hours=3),
        )
        assert cati.next_interview(s, AGENT, sid, THURSDAY_10H + timedelta(minutes=10)) is None
        again = cati.next_interview(s, AGENT, sid, THURSDAY_10H + timedelta(minutes=31))
        assert again is not None and again.id == first.id and again.attempts == 2
        cati.outcome(s, AGENT, first.id, InterviewAction.refuse, THURSDAY_10H + timedelta(minutes=32))
        back = cati.next_interview(s, AGENT, sid, THURSDAY_10H + timedelta(hours=3))
        assert back is not None and back.id == second.id
        s.commit()
        held = third.id

    # The held interview through HTTP by its agent: phone wording, answers, outcome.
    start = client.post(f"/api/surveys/interviews/{held}/start", json={}, headers=auth("agent"))
    assert start.status_code == 200, start.text
    q1 = start.json()["survey"]["pages"][0]["questions"][0]
    assert q1["text"].startswith("对本区养老服务总体满意请按1")  # the phone wording
    key = start.json()["resume_key"]
    bad = client.put(
        f"/api/surveys/interviews/{held}/page",
        json={"resume_key": key, "page": 0, "answers": {"Q1": "9"}},
        headers=auth("agent"),
    )
    assert bad.status_code == 422 and ["answers", "Q1"] in [e["loc"] for e in bad.json()["errors"]]
    for page, answers in ((0, {"Q1": "1", "Q3": 4}), (2, {})):
        r = client.put(
            f"/api/surveys/interviews/{held}/page",
            json={"resume_key": key, "page": page, "answers": answers},
            headers=auth("agent"),
        )
        assert r.status_code == 200, r.text
    done = client.post(
        f"/api/surveys/interviews/{held}/submit", json={"resume_key": key}, headers=auth("agent")
    )
    assert done.status_code == 200 and done.json()["state"] == "completed"
    again = client.post(
        f"/api/surveys/interviews/{held}/submit", json={"resume_key": key}, headers=auth("agent")
    )
    assert again.status_code == 409
    res = client.get(f"/api/surveys/{sid}/results?channel=cati", headers=auth("analyst")).json()
    assert res["completed"] == 1
    prog = client.get(f"/api/surveys/{sid}/interviews/progress", headers=auth("agent")).json()
    assert prog["counts"] == {"completed": 1, "refused": 1, "in_progress": 1}
    assert prog["response_rate"] == 33.3 and prog["refusal_rate"] == 33.3
